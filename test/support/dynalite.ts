import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** An in-process dynalite (in memory) on a free loopback port, and a client for it. */
export interface TestDynalite {
  endpoint: string;
  /** Recommended store settings: the SDK's standard retry strategy with `maxAttempts: 8`. */
  client: DynamoDBClient;
  /** Destroys the client and closes the server. */
  stop(): Promise<void>;
}

/**
 * Starts dynalite on port 0 (each test file gets its own server) with tables ACTIVE at once.
 *
 * @example
 * let db: TestDynalite;
 * beforeAll(async () => { db = await startTestDynalite(); });
 * afterAll(() => db.stop());
 */
export async function startTestDynalite(): Promise<TestDynalite> {
  const dynalite = createRequire(import.meta.url)('dynalite') as (options: Record<string, unknown>) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 8,
  });
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
}
