import { join } from 'node:path';
import { DynamoDbStateStore } from '../../adapters/dynamodb/dynamodb-state-store.ts';
import { DynamoDbWorkQueue } from '../../adapters/dynamodb/dynamodb-work-queue.ts';
import { DynamoDbResourceQuotas } from '../../adapters/dynamodb/dynamodb-resource-quotas.ts';
import { DynamoDbSlotLedger } from '../../adapters/dynamodb/dynamodb-slot-ledger.ts';
import { ensureStateTable } from '../../adapters/dynamodb/state-table.ts';
import type { Change } from '../../ports/changes.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Connection } from '../../ports/connection.ts';
import { SystemClock } from '../../adapters/clock/clock.ts';
import { localDynamoClient, startDynalite } from './dynalite-host.ts';
import { FileLogSink } from '../../adapters/files/file-log-sink.ts';
import { ProcessTaskLauncher } from '../../adapters/process/process-task-launcher.ts';
import { findRuntime, securePrivateDir, STATE_TABLE_NAME } from './state-dir.ts';
import { RuntimeNotRunningError } from '../../errors.ts';

/** What the CLI works through on the embedded default. */
export interface LocalConnection extends Connection {
  logs: FileLogSink;
  /** Stops tasks the runtime started (through their pid files). */
  launcher: ProcessTaskLauncher;
  /** True when a runtime serves this state directory; writes take effect at once. */
  isRuntimeRunning: boolean;
  /** Tells the running runtime what changed; a no-op when none runs (it resyncs everything when it starts). */
  notify(changes: Change[]): Promise<void>;
}

/**
 * Connects to the state of `stateDir`: through the running runtime's DynamoDB endpoint when `jobctl up` serves it,
 * else by opening the LevelDB files in-process for the length of one command (so `get` and `apply` work while the
 * runtime is down, and `jobctl up` picks the changes up when it starts).
 */
export async function connectLocal(stateDir: string, clock: Clock = new SystemClock()): Promise<LocalConnection> {
  let runtime = await findRuntime(stateDir);
  // A runtime that is starting has claimed the directory but not yet published its endpoint: wait for it.
  for (let waitedMs = 0; runtime && runtime.dynamodbEndpoint === '' && waitedMs < 15_000; waitedMs += 200) {
    await new Promise((r) => setTimeout(r, 200));
    runtime = await findRuntime(stateDir);
  }
  if (runtime && runtime.dynamodbEndpoint === '')
    throw new RuntimeNotRunningError(
      `${stateDir}: jobctl up (pid ${runtime.pid}) is still starting; try again in a moment`,
    );
  if (runtime && runtime.dynamodbCredentials === undefined) {
    throw new RuntimeNotRunningError(
      `${stateDir}: the running jobctl up (pid ${runtime.pid}) is from an older jobctl that publishes no ` +
        `credentials; restart it`,
    );
  }
  const usable = runtime !== undefined;
  await securePrivateDir(stateDir);
  const host = usable ? undefined : await startDynalite({ path: join(stateDir, 'db') });
  const client = runtime
    ? localDynamoClient(runtime.dynamodbEndpoint, runtime.dynamodbCredentials!)
    : localDynamoClient(host!.endpoint, host!.credentials);
  if (host) {
    // The database thread of this command died (a full disk): one line, not a hang on refused connections.
    void host.failed.then((failure) => {
      process.stderr.write(`error: ${failure.message}\n`);
      process.exit(1);
    });
    await ensureStateTable(client, STATE_TABLE_NAME);
  }
  const logs = new FileLogSink(join(stateDir, 'logs'));
  return {
    store: new DynamoDbStateStore({ client, tableName: STATE_TABLE_NAME, now: () => clock.now() }),
    queues: new DynamoDbWorkQueue({ client, tableName: STATE_TABLE_NAME, now: () => clock.now() }),
    quotas: new DynamoDbResourceQuotas({ client, tableName: STATE_TABLE_NAME, now: () => clock.now() }),
    slots: new DynamoDbSlotLedger({ client, tableName: STATE_TABLE_NAME, now: () => clock.now() }),
    logs,
    launcher: new ProcessTaskLauncher({ logs, pidDir: join(stateDir, 'pids'), clock }),
    clock,
    isRuntimeRunning: usable,
    logsSettleMs: 300,
    async notify(changes) {
      if (!runtime?.controlUrl || changes.length === 0) return;
      try {
        // The runtime takes at most 10,000 changes per request (its bound against one request eating its memory).
        for (let i = 0; i < changes.length; i += 10_000) {
          await fetch(`${runtime.controlUrl}/notify`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${runtime.controlToken ?? ''}`, 'Content-Type': 'application/json' },
            body: JSON.stringify(changes.slice(i, i + 10_000)),
            signal: AbortSignal.timeout(2_000),
          });
        }
      } catch {
        // The runtime resyncs every object periodically; a lost notification only delays the reaction.
      }
    },
    async close() {
      client.destroy();
      await host?.close();
    },
  };
}
