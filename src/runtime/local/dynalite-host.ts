import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { JobctlError } from '../../errors.ts';
import { describeDatabaseFailure, watchDatabaseWorker, type DatabaseFailure } from './database-watch.ts';

const require = createRequire(import.meta.url);

/** What a client needs to sign requests to the local DynamoDB endpoint (AWS Signature V4 with these). */
export interface LocalDynamoCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface DynaliteHost {
  endpoint: string;
  /** Generated at start: the endpoint refuses any request not signed with them (endpoint-guard.mjs). */
  credentials: LocalDynamoCredentials;
  /** Resolves if the database thread dies without being asked to close (a full disk: audit D3b); else never. */
  failed: Promise<DatabaseFailure>;
  close(): Promise<void>;
}

/** The region local clients sign for (any region verifies; this one says where the table is). */
export const LOCAL_REGION = 'local';

/**
 * Serves the DynamoDB API with dynalite (LevelDB under `path`, or in memory) on a worker thread, so the controllers
 * and dynalite use two cores, behind a loopback port that admits only requests signed with the credentials generated
 * here (`src/runtime/local/dynalite-worker.mjs`).
 *
 * Only one process can hold a LevelDB path at a time. CLI commands run while no runtime is up each open it for their
 * length, so several at once take turns: a holder is waited for, up to `waitForLockMs`, and then named in one line
 * (audit D14: six parallel `apply` gave two successes, three refusals and one Node stack trace). The lock probe and
 * dynalite's own open are two steps another process can slip between; dynalite then fails on its first request
 * ("Database is closed", which kills its thread), so the host makes that first request itself and, when it fails,
 * waits its turn again.
 */
export async function startDynalite(
  options: { path?: string; port?: number; waitForLockMs?: number } = {},
): Promise<DynaliteHost> {
  const deadline = Date.now() + (options.waitForLockMs ?? 30_000);
  for (let attempt = 1; ; attempt++) {
    if (options.path) await waitForLevelDb(options.path, deadline);
    const host = await startWorker(options);
    if (!options.path || (await answers(host))) return host;
    await host.close();
    if (Date.now() > deadline) throw levelDbInUse(options.path);
    await new Promise((r) => setTimeout(r, Math.min(50 * attempt, 500)));
  }
}

async function startWorker(options: { path?: string; port?: number }): Promise<DynaliteHost> {
  const credentials: LocalDynamoCredentials = {
    accessKeyId: `JOBCTL${randomBytes(7).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(32).toString('base64url'),
  };
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), {
    workerData: { path: options.path, port: options.port, credentials },
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  // The worker's uncaught errors end it; its exit is what the host and the runtime act on, not an unhandled event.
  worker.on('error', () => {});
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    void exit.then(() => reject(new Error('dynalite: the DynamoDB worker exited before it was ready')));
    worker.once('message', (m: { port?: number; error?: string }) =>
      m.port ? resolve(m.port) : reject(new Error(`dynalite: ${m.error}`)),
    );
  });
  const watch = watchDatabaseWorker(worker, { dbPath: options.path });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials,
    failed: watch.failed,
    // A graceful close lets LevelDB flush; terminate() would not. A worker that already died is simply done.
    close: async () => {
      watch.expectExit();
      if (!exited) worker.postMessage('close');
      await exit;
    },
  };
}

/** Whether dynalite opened its LevelDB: one request, not retried (a failed open kills the worker at once). */
async function answers(host: DynaliteHost): Promise<boolean> {
  const client = localDynamoClient(host.endpoint, host.credentials, 1);
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

/**
 * A DynamoDB client for a local endpoint, signing with its credentials; the SDK's standard retry strategy. Every
 * setting the SDK would otherwise look up is given: no AWS_* variable, ~/.aws file or instance metadata (the `auto`
 * defaults mode asks it for the region) is read, so the user's AWS configuration can neither slow nor change it.
 */
export function localDynamoClient(
  endpoint: string,
  credentials: LocalDynamoCredentials,
  maxAttempts = 8,
): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    // A copy: the SDK marks the object it is given with where it came from.
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    maxAttempts,
    retryMode: 'standard',
    defaultsMode: 'legacy',
    accountIdEndpointMode: 'disabled',
    authSchemePreference: [],
    endpointDiscoveryEnabled: false,
    useDualstackEndpoint: false,
    useFipsEndpoint: false,
    userAgentAppId: '',
    disableClockSkewCorrection: false,
  });
}

/**
 * Waits until no other process holds the LevelDB at `path` (opening it briefly, as LevelDB admits one process per
 * directory), or throws one clear error at `deadline`. A LevelDB that cannot be opened for another reason is an
 * error at once.
 */
async function waitForLevelDb(path: string, deadline: number): Promise<void> {
  const { ClassicLevel } = require('classic-level') as typeof import('classic-level');
  for (let attempt = 1; ; attempt++) {
    const db = new ClassicLevel(path);
    try {
      await db.open();
      return;
    } catch (error) {
      const locked =
        (error as { code?: string; cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED' ||
        (error as { code?: string }).code === 'LEVEL_LOCKED';
      if (!locked) throw await describeDatabaseFailure(error, { dbPath: path, when: 'open' });
      if (Date.now() > deadline) throw levelDbInUse(path, error);
    } finally {
      await db.close().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, Math.min(25 * attempt, 250)));
  }
}

function levelDbInUse(path: string | undefined, cause?: unknown): JobctlError {
  return new JobctlError(
    'Conflict',
    `${path} is in use by another jobctl process (a \`jobctl up\` starting or stopping, or a CLI command such as get ` +
      `--watch or logs -f run while no runtime was up); wait for it to end and try again`,
    { cause },
  );
}
