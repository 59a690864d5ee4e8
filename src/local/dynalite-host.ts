import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { JobctlError } from '../errors.ts';

const require = createRequire(import.meta.url);

export interface DynaliteHost {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Serves the DynamoDB API in-process with dynalite (LevelDB under `path`, or in memory), on a loopback port.
 * Only one process can hold a LevelDB path at a time; the runtime publishes the endpoint for the CLI.
 * `thread: true` runs it on a worker thread: the runtime's controllers and dynalite then use two cores.
 */
export async function startDynalite(options: { path?: string; port?: number; thread?: boolean } = {}): Promise<DynaliteHost> {
  if (options.path) await assertLevelDbFree(options.path);
  if (options.thread) return startDynaliteThread(options);
  const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    }),
  };
}

/** A DynamoDB client for a local endpoint: fixed dummy credentials, the SDK's standard retry strategy. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 8,
  });
}

async function startDynaliteThread(options: { path?: string; port?: number }): Promise<DynaliteHost> {
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), { workerData: { path: options.path, port: options.port } });
  let exited = false;
  const exit = new Promise<void>((resolve) => worker.once('exit', () => ((exited = true), resolve())));
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    void exit.then(() => reject(new Error('dynalite: the DynamoDB worker exited before it was ready')));
    worker.once('message', (m: { port?: number; error?: string }) => (m.port ? resolve(m.port) : reject(new Error(`dynalite: ${m.error}`))));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // A graceful close lets LevelDB flush; terminate() would not. A worker that already died is simply done.
    close: async () => {
      if (!exited) worker.postMessage('close');
      await exit;
    },
  };
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
