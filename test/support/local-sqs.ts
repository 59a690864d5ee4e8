import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';

/** An in-process SQS protocol server (local-aws-sqs, in memory) on a free loopback port, and a client for it. */
export interface TestSqs {
  endpoint: string;
  /** Speaks the AWS JSON 1.0 protocol, like the SDK does against AWS. */
  client: SQSClient;
  /** A new client for the same server (e.g. one a test breaks on purpose); `stop` destroys it too. */
  newClient(): SQSClient;
  /** Destroys the clients and closes the server. */
  stop(): Promise<void>;
}

/**
 * Starts local-aws-sqs on port 0 (each test file gets its own server). Its queue URLs carry the real port.
 * Caveats (TOOLCHAIN.md §5): it ignores `MessageSystemAttributeNames` (use the legacy `AttributeNames: ['All']` to
 * see `ApproximateReceiveCount`) and, like SQS, refuses to re-create a queue name within 60 s of deleting it.
 *
 * @example
 * let sqs: TestSqs;
 * beforeAll(async () => { sqs = await startTestSqs(); });
 * afterAll(() => sqs.stop());
 */
export async function startTestSqs(): Promise<TestSqs> {
  const server: Server = await createSqsServer({ port: 0, hostname: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clients: SQSClient[] = [];
  const newClient = () => {
    const client = new SQSClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 3,
    });
    clients.push(client);
    return client;
  };
  const client = newClient();
  return {
    endpoint,
    client,
    newClient,
    stop: async () => {
      for (const c of clients) c.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      });
    },
  };
}
