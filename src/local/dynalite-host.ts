import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { JobctlError } from '../errors.ts';

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
  close(): Promise<void>;
}

/** The region local clients sign for (any region verifies; this one says where the table is). */
export const LOCAL_REGION = 'local';

/**
 * Serves the DynamoDB API with dynalite (LevelDB under `path`, or in memory) on a worker thread, so the controllers
 * and dynalite use two cores, behind a loopback port that admits only requests signed with the credentials generated
 * here (`src/local/dynalite-worker.mjs`). Only one process can hold a LevelDB path at a time.
 */
export async function startDynalite(options: { path?: string; port?: number } = {}): Promise<DynaliteHost> {
  if (options.path) await assertLevelDbFree(options.path);
  const credentials: LocalDynamoCredentials = { accessKeyId: `JOBCTL${randomBytes(7).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(32).toString('base64url') };
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), { workerData: { path: options.path, port: options.port, credentials } });
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => ((exited = true), resolve())));
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    void exit.then(() => reject(new Error('dynalite: the DynamoDB worker exited before it was ready')));
    worker.once('message', (m: { port?: number; error?: string }) => (m.port ? resolve(m.port) : reject(new Error(`dynalite: ${m.error}`))));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials,
    // A graceful close lets LevelDB flush; terminate() would not. A worker that already died is simply done.
    close: async () => {
      if (!exited) worker.postMessage('close');
      await exit;
    },
  };
}

/** A DynamoDB client for a local endpoint, signing with its credentials; the SDK's standard retry strategy. */
export function localDynamoClient(endpoint: string, credentials: LocalDynamoCredentials): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials, maxAttempts: 8 });
}

/**
 * LevelDB admits one process per directory. Opening it first, briefly, turns a lock held by another jobctl process
 * into one clear error instead of dynalite's "Database is closed" on the first request.
 */
async function assertLevelDbFree(path: string): Promise<void> {
  const { ClassicLevel } = require('classic-level') as typeof import('classic-level');
  const db = new ClassicLevel(path);
  try {
    await db.open();
  } catch (error) {
    const locked = (error as { code?: string; cause?: { code?: string } }).cause?.code === 'LEVEL_LOCKED' || (error as { code?: string }).code === 'LEVEL_LOCKED';
    throw new JobctlError(
      'Conflict',
      locked
        ? `${path} is in use by another jobctl process (a \`jobctl up\` starting or stopping, or a CLI command such as get --watch or logs -f run while no runtime was up); wait for it to end and try again`
        : `cannot open the state in ${path}: ${(error as Error).message}`,
      { cause: error },
    );
  } finally {
    await db.close().catch(() => {});
  }
}
