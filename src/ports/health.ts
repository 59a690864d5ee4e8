import type { HealthNotification, HealthRecord } from '../spec/health.ts';

export type { HealthNotification, HealthRecord } from '../spec/health.ts';

/** A stored health record and its version, for a conditional write. */
export interface VersionedHealth {
  record: HealthRecord;
  version: number;
}

/** Each CronJob's last health (issue 14), so a notification goes out on a transition only. */
export interface HealthStore {
  /** The record of this CronJob (same uid), if any. */
  get(owner: HealthRecord['owner']): Promise<VersionedHealth | undefined>;
  /**
   * Writes `record` if the stored version is still `expectedVersion` (undefined: none, or one of another uid); the new
   * version, or undefined when another writer got there first.
   */
  put(record: HealthRecord, expectedVersion: number | undefined): Promise<number | undefined>;
}

/** Where transitions go: a webhook and the runtime's log locally, EventBridge (and its SNS topic) on AWS. */
export interface Notifier {
  /** Sends one notification; rejects when it could not (the controller retries at its next sync). */
  send(notification: HealthNotification): Promise<void>;
}
