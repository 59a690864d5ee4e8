import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../src/aws/dynamodb-state-store.ts';
import { ensureStateTable } from '../../src/aws/state-table.ts';
import { ManualClock } from '../../src/local/clock.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { Job } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../helpers/dynalite.ts';
import { FakeEcs, FakeScheduler, JOB_CONTROLLER_ARN, lambdaEnv, logSink, StreamSimulator, taskEvent } from '../fixtures/lambda/harness.ts';

// Issue 5: many Jobs at once through the AWS adapters, with DynamoDB and ECS throttling injected, finish with no
// duplicate Job or task. Throttles go through the AWS SDK's own retry strategy (no back-off delay, so no real waiting).
const T0 = Date.parse('2026-03-02T10:00:00Z');
const context = { invokedFunctionArn: JOB_CONTROLLER_ARN, getRemainingTimeInMillis: () => 900_000 };
const JOBS = 60;

let db: TestDynalite;
beforeAll(async () => {
  db = await startTestDynalite();
  Object.assign(process.env, lambdaEnv('unused'));
});
afterAll(() => db.stop());

/** A DynamoDB client whose requests are throttled one time in `every` before reaching the table (deterministic). */
function throttlingClient(every: number): { client: DynamoDBClient; throttled: () => number } {
  const client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    retryStrategy: new ConfiguredRetryStrategy(10, () => 0),
  });
  let calls = 0;
  let throttled = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (++calls % every === 0) {
        throttled++;
        // The error DynamoDB answers a throttled request with; the SDK retries it as a throttling error.
        throw Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded.'), {
          name: 'ProvisionedThroughputExceededException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    { step: 'deserialize', name: 'injectThrottling' },
  );
  return { client, throttled: () => throttled };
}

function job(i: number): Job {
  return loadManifests(
    `apiVersion: batch/v1
kind: Job
metadata: { name: bulk-${i}, labels: { jobgroup: bulk } }
spec:
  template:
    spec:
      containers: [{ name: c, image: busybox, command: ["true"] }]
      restartPolicy: Never
`,
    `bulk-${i}.yaml`,
  ).objects[0] as Job;
}

describe('many Jobs through the AWS handlers under throttling', () => {
  it(`runs ${JOBS} Jobs once each with every 7th DynamoDB request and every 5th RunTask throttled`, async () => {
    const clock = new ManualClock(T0);
    const tableName = 'bulk-throttling';
    await ensureStateTable(db.client, tableName);
    const { client, throttled } = throttlingClient(7);
    const store = new DynamoDbStateStore({ client, tableName, now: () => clock.now() });
    const stream = new StreamSimulator(db, tableName);
    const ecs = new FakeEcs();
    const scheduler = new FakeScheduler();
    try {
      const { createHandler } = await import('../../functions/job-controller.ts');
      const controller = createHandler({
        store,
        launcher: ecs.launcher(store),
        logs: logSink(),
        clock,
        requeue: scheduler.requeue(),
        sleep: async (ms) => clock.advance(ms),
        maxInlineWaitMs: 60_000,
        log: () => {},
      });
      for (let i = 0; i < JOBS; i++) {
        if (i % 5 === 0) {
          ecs.failNext(() => {
            throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
          });
        }
        await store.create(job(i));
      }
      const reported = new Set<string>();
      for (let round = 0; round < 30; round++) {
        const records = await stream.records();
        if (records.length > 0) {
          const result = await controller({ Records: records }, context);
          expect(result).toEqual({ batchItemFailures: [] });
        }
        for (const task of ecs.tasksByToken.values()) {
          if (reported.has(task.taskArn)) continue;
          reported.add(task.taskArn);
          await controller(taskEvent({ taskArn: task.taskArn, group: task.group, version: 6, status: 'STOPPED', atMs: clock.now(), startedAtMs: clock.now() - 1_000, exitCode: 0 }), context);
        }
        const due = scheduler.takeDue(clock.now());
        for (const p of due) await controller(p, context);
        if (records.length === 0 && due.length === 0 && reported.size === ecs.tasksByToken.size) {
          const done = (await store.list('Job', 'default')).filter((j) => j.status.succeeded === 1).length;
          if (done === JOBS) break;
          clock.advance(scheduler.nextDueMs() !== undefined ? Math.max(0, scheduler.nextDueMs()! - clock.now()) : 1_000);
        }
      }
      const jobs = await store.list('Job', 'default');
      expect(jobs).toHaveLength(JOBS);
      expect(jobs.filter((j) => j.status.succeeded === 1)).toHaveLength(JOBS);
      expect(ecs.tasksByToken.size).toBe(JOBS); // one task per Job: throttled RunTasks were retried with their token
      const pods = await store.list('Pod', 'default');
      expect(pods).toHaveLength(JOBS);
      expect(throttled()).toBeGreaterThan(50);
    } finally {
      ecs.restore();
      scheduler.restore();
      client.destroy();
    }
  });
});
