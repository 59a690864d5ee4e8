/**
 * The slot ledger's records (issue 14): what became of each scheduled time of a CronJob. jobctl's own record, kept
 * beside the Kubernetes objects (ports/slot-ledger.ts stores them, engine/slot-ledger.ts decides them).
 */

/**
 * Why a scheduled time of a CronJob got no Job, or that it got one. One durable record per slot (issue 14), written
 * once, when its outcome can no longer change (src/engine/slot-ledger.ts says when).
 * - `Created`: a Job was created for the slot (`jobName`), on time or late (`lateMs`).
 * - `Suspended`: `spec.suspend` was true at the slot, and a later slot came before it was resumed.
 * - `ForbidActive`: `concurrencyPolicy: Forbid` and a run (`activeJob`) was still running when the next slot came.
 * - `DeadlinePassed`: first seen by the controller more than `startingDeadlineSeconds` after the slot.
 * - `NotDispatched`: nothing synced the CronJob between the slot and the next one (the runtime was not running, or
 *   the schedule did not fire): Kubernetes only ever starts the latest missed slot.
 */
export type SlotOutcome = 'Created' | 'Suspended' | 'ForbidActive' | 'DeadlinePassed' | 'NotDispatched';

/** Whose ledger: a CronJob, by key and uid (a CronJob deleted and created again under its name starts a new one). */
export interface LedgerOwner {
  namespace: string;
  name: string;
  uid: string;
}

/** The outcome of one slot, or of `count` consecutive slots with the same outcome (`firstMs` … `scheduledMs`). */
export interface SlotRecord {
  type: 'slot';
  owner: LedgerOwner;
  /** The slot's scheduled time (epoch ms); for a run of slots, the last one. */
  scheduledMs: number;
  /** For a run of slots: the first one, and how many (a runtime down for a day does not write 1,440 items). */
  firstMs?: number;
  count?: number;
  outcome: SlotOutcome;
  /** Created: the Job's name. */
  jobName?: string;
  /** Created: how long after the slot the Job was created, when that was more than 15 seconds. */
  lateMs?: number;
  /** ForbidActive: the run that was still active. */
  activeJob?: string;
  /** When the outcome was recorded (epoch ms). */
  decidedMs: number;
}

/**
 * A change of `spec.suspend` seen by the controller, at `atMs`: slots after a suspension mark and before the next
 * resumption are `Suspended`. Written once per change, not per slot.
 */
export interface SuspensionMark {
  type: 'mark';
  owner: LedgerOwner;
  atMs: number;
  suspended: boolean;
}

export type LedgerEntry = SlotRecord | SuspensionMark;

/** How long ledger entries are kept by default: 30 days (issue 14). */
export const DEFAULT_SLOT_RETENTION_SECONDS = 30 * 24 * 3600;

/** The time an entry sorts by: a slot record's (last) slot, a mark's moment. */
export const entryTimeMs = (entry: LedgerEntry): number => (entry.type === 'slot' ? entry.scheduledMs : entry.atMs);
