import type { Change } from './changes.ts';
import type { Clock } from './clock.ts';
import type { LogSink } from './log-sink.ts';
import type { StateStore } from './state-store.ts';
import type { TaskLauncher } from './task-launcher.ts';
import type { WorkQueue } from './work-queue.ts';
import type { ResourceQuotas } from './resource-quotas.ts';
import type { Failures } from './failures.ts';
import type { SlotLedger } from './slot-ledger.ts';

/**
 * Where a command works: the embedded runtime's state directory (`connectLocal`) or a deployed stack (`connectAws`).
 */
export interface Connection {
  store: StateStore;
  /** Work queues (`jobctl queue …`, `jobctl worker`): the local lease queue, or SQS on AWS. */
  queues: WorkQueue;
  /** `kind: ResourceQuota` settings and usage, in the state table. */
  quotas: ResourceQuotas;
  logs: LogSink;
  /** What failed for good and was kept, to see and redrive (the stack's dead-letter queue); none locally. */
  failures?: Failures;
  /** Each CronJob slot's outcome (`jobctl explain`), in the state table. */
  slots?: SlotLedger;
  /** Stops tasks when the CLI itself must cascade a delete (only when no runtime runs; never on AWS). */
  launcher: TaskLauncher;
  clock: Clock;
  /** True when controllers act on writes at once (`jobctl up` running; always on AWS). */
  isRuntimeRunning: boolean;
  /** Tells the controllers what changed (local: the runtime's control endpoint; AWS: the table's stream does it). */
  notify(changes: Change[]): Promise<void>;
  /** How long `logs -f` keeps reading after the pod finished (CloudWatch Logs receives the last lines late). */
  logsSettleMs: number;
  close(): Promise<void>;
}

/**
 * What `get` reads through: objects and the time. A {@link Connection} is one; so is a running `jobctl up`'s read
 * endpoint (src/runtime/local/object-reads.ts), which spares the command the database client's start-up.
 */
export interface ObjectReads {
  store: Pick<StateStore, 'get' | 'list'>;
  clock: Pick<Clock, 'now'>;
}
