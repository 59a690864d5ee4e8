import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const require = createRequire(import.meta.url);

export interface DynaliteHost {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Serves the DynamoDB API in-process with dynalite (LevelDB under `path`, or in memory), on a loopback port.
 * Only one process can hold a LevelDB path at a time; the runtime publishes the endpoint for the CLI.
 */
export async function startDynalite(options: { path?: string; port?: number } = {}): Promise<DynaliteHost> {
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
