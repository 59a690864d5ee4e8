import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbWorkQueue } from '../../src/adapters/dynamodb/dynamodb-work-queue.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { JobController } from '../../src/controllers/job-controller.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import type { LeasedItem, WorkQueue } from '../../src/ports/work-queue.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { Job } from '../../src/spec/types.ts';
import { FakeLogSink } from '../support/fakes/fake-log-sink.ts';
import { FakeStateStore } from '../support/fakes/fake-state-store.ts';
import { FakeTaskLauncher } from '../support/fakes/fake-task-launcher.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';

// The Job controller's side of the coarse pattern, where the queue answers unlike the stats it gave a moment before.
let db: TestDynalite;
let tables = 0;
beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(() => db.stop());

const T0 = Date.parse('2026-03-02T10:00:00Z');

function boundJob(): Job {
  return loadManifests(
    `apiVersion: batch/v1
kind: Job
metadata:
  name: wq
  annotations: { jobctl.dev/work-queue: fruits }
spec:
  completions: 2
  parallelism: 2
  template:
    spec:
      containers: [{ name: c, image: busybox, command: ["true"] }]
      restartPolicy: Never
`,
    'wq.yaml',
  ).objects[0] as Job;
}

/**
 * The local queue, except that the next `missLeases` leases find nothing (another consumer was faster; SQS short poll).
 */
async function queueMissing(missLeases: number, clock: ManualClock): Promise<WorkQueue & { misses: number }> {
  const tableName = `job-work-items-${++tables}`;
  await ensureStateTable(db.client, tableName);
  const real = new DynamoDbWorkQueue({ client: db.client, tableName, now: () => clock.now() });
  let misses = missLeases;
  return Object.assign(Object.create(real) as WorkQueue, {
    misses: 0,
    async lease(name: string, options?: { leaseSeconds?: number }): Promise<LeasedItem | undefined> {
      if (misses > 0) {
        misses--;
        return undefined;
      }
      return real.lease(name, options);
    },
  });
}

describe('JobController with a work queue', () => {
  it(
    'counts no pod it could not give an item, and looks again soon instead of waiting for the next ' + 'event',
    async () => {
      const clock = new ManualClock(T0);
      const queues = await queueMissing(1, clock);
      await queues.ensureQueue('fruits');
      await queues.push('fruits', ['apple', 'banana']);
      const store = new FakeStateStore({ now: () => clock.now() });
      const launcher = new FakeTaskLauncher({ stopResult: false });
      const { launched } = launcher;
      const jobs = new JobController({ store, clock, queues, launcher, logs: new FakeLogSink() });
      await store.create(boundJob());

      const first = await jobs.sync({ namespace: 'default', name: 'wq' });
      expect(launched).toHaveLength(1);
      expect((await store.get('Job', { namespace: 'default', name: 'wq' }))?.status.active).toBe(1);
      expect(first.requeueAtMs).toBe(T0 + 2_000);

      clock.advanceTo(first.requeueAtMs!);
      await jobs.sync({ namespace: 'default', name: 'wq' });
      expect(launched).toHaveLength(2);
      expect((await store.get('Job', { namespace: 'default', name: 'wq' }))?.status.active).toBe(2);
      expect(await queues.stats('fruits')).toMatchObject({ pending: 0, leased: 2 });
    },
  );
});
