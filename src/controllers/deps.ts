import type { Clock } from '../ports/clock.ts';
import type { LogSink } from '../ports/log-sink.ts';
import type { Change } from '../ports/changes.ts';
import type { StateStore } from '../ports/state-store.ts';
import type { TaskLauncher } from '../ports/task-launcher.ts';
import type { WorkQueueConsumer } from '../ports/work-queue.ts';
import type { QuotaAdmission } from '../ports/resource-quotas.ts';
import type { KubeEvent } from '../spec/types.ts';
import type { SlotLedger } from '../ports/slot-ledger.ts';
import type { MetricEvent, MetricsSink } from '../ports/metrics.ts';
import type { HealthStore, Notifier } from '../ports/health.ts';
import { toRfc3339 } from '../engine/object-meta.ts';

/** The ports a controller works through; the Lambda handlers and the local runtime supply them. */
export interface ControllerDeps {
  store: StateStore;
  launcher: TaskLauncher;
  logs: LogSink;
  clock: Clock;
  /**
   * Work queues a Job may be bound to (`jobctl.dev/work-queue`). @default - none: a bound Job fails to start its pods
   */
  queues?: WorkQueueConsumer;
  /** Per-namespace caps on unfinished pods (`kind: ResourceQuota`). @default - none: no pod is ever held */
  quotas?: QuotaAdmission;
  /** Where the CronJob controller records each slot's outcome (`jobctl explain`). @default - none: not recorded */
  slots?: SlotLedger;
  /**
   * Each CronJob's health, and where its transitions go (a webhook locally, EventBridge on AWS). @default - none:
   * health is not kept
   */
  health?: { store: HealthStore; notifier: Notifier; log?: (line: string) => void };
  /**
   * Where the controllers report slots recorded, Jobs created (skew) and Jobs finished (run time), as they happen.
   * @default - none: not reported
   */
  metrics?: MetricsSink;
  /** Called after a write another controller must react to; the local runtime enqueues, AWS relies on Streams. */
  notify?: (change: Change) => void;
  /**
   * Called for a Job that waited for a quota slot and may create its pods now: no write of the Job says so, so AWS
   * (where `notify` is unset) syncs it in the same invocation. @default `notify`
   */
  wake?: (change: Change) => void;
}

/** How many times a controller re-reads and decides again after losing an optimistic-concurrency race. */
export const MAX_CONFLICT_RETRIES = 8;

export async function recordEvents(
  deps: Pick<ControllerDeps, 'store' | 'clock'>,
  involvedObject: KubeEvent['involvedObject'],
  events: ReadonlyArray<Pick<KubeEvent, 'type' | 'reason' | 'message'>>,
): Promise<void> {
  const timestamp = toRfc3339(deps.clock.now());
  for (const e of events) await deps.store.recordEvent({ ...e, timestamp, involvedObject });
}

/** Reports `events` to the metrics sink, if any. Metrics are best effort: a sink that throws never fails the sync. */
export function reportMetrics(
  deps: Pick<ControllerDeps, 'metrics'>,
  events: ReadonlyArray<MetricEvent | undefined>,
): void {
  if (deps.metrics === undefined) return;
  for (const event of events) {
    if (event === undefined) continue;
    try {
      deps.metrics.record(event);
    } catch {
      // a metric lost, nothing else
    }
  }
}
