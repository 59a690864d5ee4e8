import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { DynamoDbResourceQuotas } from '../../src/adapters/dynamodb/dynamodb-resource-quotas.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { Job } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import {
  FakeEcs,
  FakeScheduler,
  JOB_CONTROLLER_ARN,
  lambdaEnv,
  logSink,
  StreamSimulator,
  taskEvent,
} from '../support/lambda-harness.ts';

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

interface BulkRun {
  jobs: Job[];
  pods: number;
  tasks: number;
  /** The most tasks started and not yet reported stopped, seen after every controller invocation. */
  peakRunning: number;
  throttled: number;
}

/**
 * Creates `JOBS` Jobs and drives the job-controller handler as AWS would: stream batches, ECS task events (each task
 * stops successfully the round after it started) and due requeue schedules, until every Job succeeded.
 */
async function runBulk(tableName: string, options: { quota?: number } = {}): Promise<BulkRun> {
  const clock = new ManualClock(T0);
  await ensureStateTable(db.client, tableName);
  const { client, throttled } = throttlingClient(7);
  const store = new DynamoDbStateStore({ client, tableName, now: () => clock.now() });
  const quotas = new DynamoDbResourceQuotas({ client, tableName, now: () => clock.now() });
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
      quotas,
      log: () => {},
    });
    if (options.quota !== undefined) await quotas.put('default', 'tasks', { pods: options.quota });
    for (let i = 0; i < JOBS; i++) {
      if (i % 5 === 0) {
        ecs.failNext(() => {
          throw Object.assign(new Error('Rate exceeded'), {
            name: 'ThrottlingException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          });
        });
      }
      await store.create(job(i));
    }
    const reported = new Set<string>();
    let peakRunning = 0;
    const observe = () => (peakRunning = Math.max(peakRunning, ecs.tasksByToken.size - reported.size));
    for (let round = 0; round < 200; round++) {
      const records = await stream.records();
      if (records.length > 0) {
        const result = await controller({ Records: records }, context);
        expect(result).toEqual({ batchItemFailures: [] });
        observe();
      }
      for (const task of [...ecs.tasksByToken.values()]) {
        if (reported.has(task.taskArn)) continue;
        reported.add(task.taskArn);
        await controller(
          taskEvent({
            taskArn: task.taskArn,
            group: task.group,
            version: 6,
            status: 'STOPPED',
            atMs: clock.now(),
            startedAtMs: clock.now() - 1_000,
            exitCode: 0,
          }),
          context,
        );
        observe();
      }
      const due = scheduler.takeDue(clock.now());
      for (const p of due) {
        await controller(p, context);
        observe();
      }
      if (records.length === 0 && due.length === 0 && reported.size === ecs.tasksByToken.size) {
        const done = (await store.list('Job', 'default')).filter((j) => j.status.succeeded === 1).length;
        if (done === JOBS) break;
        clock.advance(scheduler.nextDueMs() !== undefined ? Math.max(0, scheduler.nextDueMs()! - clock.now()) : 1_000);
      }
    }
    return {
      jobs: await store.list('Job', 'default'),
      pods: (await store.list('Pod', 'default')).length,
      tasks: ecs.tasksByToken.size,
      peakRunning,
      throttled: throttled(),
    };
  } finally {
    ecs.restore();
    scheduler.restore();
    client.destroy();
  }
}

describe('many Jobs through the AWS handlers under throttling', () => {
  it(`runs ${JOBS} Jobs once each with every 7th DynamoDB request and every 5th RunTask throttled`, async () => {
    const run = await runBulk('bulk-throttling');
    expect(run.jobs).toHaveLength(JOBS);
    expect(run.jobs.filter((j) => j.status.succeeded === 1)).toHaveLength(JOBS);
    expect(run.tasks).toBe(JOBS); // one task per Job: throttled RunTasks were retried with their token
    expect(run.pods).toBe(JOBS);
    expect(run.throttled).toBeGreaterThan(50);
  });

  it(
    `runs ${JOBS} Jobs under a ResourceQuota of 8 pods, throttled alike: never more than 8 tasks at once, none ` +
      `doubled`,
    async () => {
      const run = await runBulk('bulk-quota-throttling', { quota: 8 });
      expect(run.jobs.filter((j) => j.status.succeeded === 1 && j.status.failed === 0)).toHaveLength(JOBS);
      expect(run.tasks).toBe(JOBS);
      expect(run.pods).toBe(JOBS);
      expect(run.peakRunning).toBeLessThanOrEqual(8);
      expect(run.peakRunning).toBe(8); // held Jobs were woken as slots freed, in the same invocations
      expect(run.throttled).toBeGreaterThan(50);
    },
  );
});
