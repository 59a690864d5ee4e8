import { afterAll, beforeAll } from 'vitest';
import { DynamoDbWorkQueue } from '../../src/adapters/dynamodb/dynamodb-work-queue.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { workQueueContract } from '../contract/work-queue.contract.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';

// The local lease queue on dynalite (the embedded runtime's DynamoDB): the WorkQueue contract.
let db: TestDynalite;
let tables = 0;
beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(() => db.stop());

workQueueContract('local lease queue (DynamoDB on dynalite)', async () => {
  const tableName = `work-queue-${++tables}`;
  await ensureStateTable(db.client, tableName);
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
  const queue = new DynamoDbWorkQueue({ client: db.client, tableName, now: () => clock.now() });
  return {
    queue,
    expireLease: async (item) => clock.advanceTo(Math.max(clock.now(), item.leaseExpiresAtMs)),
    close: async () => {},
  };
});
