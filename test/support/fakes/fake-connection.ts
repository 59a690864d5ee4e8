import { ManualClock } from '../../../src/adapters/clock/clock.ts';
import type { Change } from '../../../src/ports/changes.ts';
import type { Connection } from '../../../src/ports/connection.ts';
import { FakeLogSink } from './fake-log-sink.ts';
import { FakeTaskLauncher } from './fake-task-launcher.ts';

/** The ports a command reads and writes are the test's; the rest default to fakes. */
export type FakeConnectionParts = Pick<Connection, 'store' | 'queues' | 'quotas'> &
  Partial<Pick<Connection, 'logs' | 'failures' | 'launcher' | 'clock' | 'isRuntimeRunning' | 'logsSettleMs'>>;

/**
 * A {@link Connection} over the ports a test gives it, for running CLI commands without `connectLocal`/`connectAws`:
 * it records what the command notified instead of telling a runtime. `notify` and `close` are own properties, so a
 * spread copy (`{ ...c, store: racing }`) still has them.
 */
export class FakeConnection implements Connection {
  readonly store: Connection['store'];
  readonly queues: Connection['queues'];
  readonly quotas: Connection['quotas'];
  readonly logs: Connection['logs'];
  readonly failures: Connection['failures'];
  readonly launcher: Connection['launcher'];
  readonly clock: Connection['clock'];
  /** @default true: writes are acted on at once, as with `jobctl up` running */
  readonly isRuntimeRunning: boolean;
  /** @default 0 */
  readonly logsSettleMs: number;
  /** Every change notified, oldest first. */
  readonly notified: Change[] = [];
  closed = false;

  constructor(parts: FakeConnectionParts) {
    this.store = parts.store;
    this.queues = parts.queues;
    this.quotas = parts.quotas;
    this.logs = parts.logs ?? new FakeLogSink();
    this.failures = parts.failures;
    this.launcher = parts.launcher ?? new FakeTaskLauncher();
    this.clock = parts.clock ?? new ManualClock(Date.now());
    this.isRuntimeRunning = parts.isRuntimeRunning ?? true;
    this.logsSettleMs = parts.logsSettleMs ?? 0;
  }

  readonly notify = async (changes: Change[]): Promise<void> => {
    this.notified.push(...changes);
  };

  readonly close = async (): Promise<void> => {
    this.closed = true;
  };
}
