import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbResourceQuotas } from '../../src/adapters/dynamodb/dynamodb-resource-quotas.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { Job } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import {
  FakeEcs,
  FakeScheduler,
  freshTable,
  JOB_CONTROLLER_ARN,
  lambdaEnv,
  logSink,
  StreamSimulator,
} from '../support/lambda-harness.ts';

// On AWS a ResourceQuota change reaches the job controller as the stream record of its ledger item (settings version
// `qv`; charges alone make no work): raising the quota wakes held Jobs in that invocation, and a recount charges pods
// that ran before the quota existed.
const T0 = Date.parse('2026-03-02T10:00:00Z');
const context = { invokedFunctionArn: JOB_CONTROLLER_ARN, getRemainingTimeInMillis: () => 900_000 };
let db: TestDynalite;
beforeAll(async () => {
  db = await startTestDynalite();
  Object.assign(process.env, lambdaEnv('unused'));
});
afterAll(() => db.stop());

const job = (name: string): Job =>
  loadManifests(
    `apiVersion: batch/v1
kind: Job
metadata: { name: ${name} }
spec:
  template:
    spec:
      containers: [{ name: c, image: busybox, command: ["true"] }]
      restartPolicy: Never
`,
    `${name}.yaml`,
  ).objects[0] as Job;

/** A fresh table, its stream, ECS and Scheduler fakes, and the job-controller handler with the ResourceQuotas port. */
async function world(tableName: string) {
  const clock = new ManualClock(T0);
  const store = await freshTable(db, tableName, clock);
  const quotas = new DynamoDbResourceQuotas({ client: db.client, tableName, now: () => clock.now() });
  const ecs = new FakeEcs();
  const scheduler = new FakeScheduler();
  const { createHandler } = await import('../../functions/job-controller.ts');
  const controller = createHandler({
    store,
    launcher: ecs.launcher(store),
    logs: logSink(),
    clock,
    requeue: scheduler.requeue(),
    sleep: async (ms) => clock.advance(ms),
    maxInlineWaitMs: 60_000,
    quotas,
    log: () => {},
  });
  return { store, quotas, stream: new StreamSimulator(db, tableName), ecs, scheduler, controller };
}

describe('job controller Lambda and ResourceQuota stream records', () => {
  it('holds Jobs over the quota, and a raised quota wakes them through the ledger record', async () => {
    const { store, quotas, stream, ecs, scheduler, controller } = await world('lambda-quota');
    try {
      const drain = async () => {
        for (let i = 0; i < 10; i++) {
          const records = await stream.records();
          if (records.length === 0) return;
          expect(await controller({ Records: records }, context)).toEqual({ batchItemFailures: [] });
        }
      };
      await quotas.put('default', 'tasks', { pods: 1 });
      await drain(); // the new ledger's record: a recount with nothing to charge
      for (const name of ['a', 'b', 'c']) await store.create(job(name));
      await drain();
      expect(ecs.tasksByToken.size).toBe(1);
      expect(await quotas.countWaiting('default')).toBe(2);

      await quotas.put('default', 'tasks', { pods: 3 });
      const records = await stream.records();
      expect(records.map((r) => r.dynamodb.Keys!['SK']!.S)).toContain('ledger');
      expect(await controller({ Records: records }, context)).toEqual({ batchItemFailures: [] });
      expect(ecs.tasksByToken.size).toBe(3); // both held Jobs were synced in the invocation that saw the raise
      expect(await quotas.countWaiting('default')).toBe(0);
      await drain();
      expect((await quotas.usage('default'))!.holders.size).toBe(3);
      expect(ecs.tasksByToken.size).toBe(3);
    } finally {
      ecs.restore();
      scheduler.restore();
    }
  });

  it('a quota created over running tasks charges them when its record arrives', async () => {
    const { store, quotas, stream, ecs, scheduler, controller } = await world('lambda-quota-late');
    try {
      for (const name of ['a', 'b']) await store.create(job(name));
      await controller({ Records: await stream.records() }, context);
      expect(ecs.tasksByToken.size).toBe(2);
      await quotas.put('default', 'tasks', { pods: 2 });
      await controller({ Records: await stream.records() }, context);
      expect([...(await quotas.usage('default'))!.holders.keys()].sort()).toEqual(
        expect.arrayContaining([expect.stringMatching(/^a-/), expect.stringMatching(/^b-/)]),
      );
      await store.create(job('c'));
      await controller({ Records: await stream.records() }, context);
      expect(ecs.tasksByToken.size).toBe(2); // c is held: the two running tasks count
    } finally {
      ecs.restore();
      scheduler.restore();
    }
  });
});
