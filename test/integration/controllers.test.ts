import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { CronJobController, SEND_CLAIM_MS } from '../../src/controllers/cronjob-controller.ts';
import { JobController } from '../../src/controllers/job-controller.ts';
import type { ControllerDeps } from '../../src/controllers/deps.ts';
import { jobFromTemplate, jobNameFor } from '../../src/engine/cronjob-sync.ts';
import { DynamoDbHealthStore } from '../../src/adapters/dynamodb/dynamodb-health-store.ts';
import type { HealthNotification } from '../../src/ports/health.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import type { StateStore } from '../../src/ports/state-store.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { CronJob, Job } from '../../src/spec/types.ts';
import { FakeLogSink } from '../support/fakes/fake-log-sink.ts';
import { FakeStateStore } from '../support/fakes/fake-state-store.ts';
import { FakeTaskLauncher } from '../support/fakes/fake-task-launcher.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';

const T0 = Date.parse('2026-03-02T10:00:30Z');
const key = (name: string) => ({ namespace: 'default', name });

function cronJobManifest(name: string, extraSpec = ''): CronJob {
  return loadManifests(
    `apiVersion: batch/v1
kind: CronJob
metadata: { name: ${name} }
spec:
  schedule: "*/1 * * * *"
${extraSpec}  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: main, image: busybox, command: ["true"] }]
          restartPolicy: Never
`,
    `${name}.yaml`,
  ).objects[0] as CronJob;
}

function controllers(store: StateStore, clock: ManualClock, launcher = new FakeTaskLauncher()) {
  const deps: ControllerDeps = { store, launcher, logs: new FakeLogSink(), clock };
  return { cronJobs: new CronJobController(deps), jobs: new JobController(deps), launcher };
}

describe('CronJobController on DynamoDB (dynalite)', () => {
  let db: TestDynalite;
  let store: DynamoDbStateStore;
  let table = 0;
  beforeAll(async () => {
    db = await startTestDynalite();
  });
  afterAll(() => db.stop());
  beforeEach(async () => {
    const tableName = `controllers-${++table}`;
    await ensureStateTable(db.client, tableName);
    store = new DynamoDbStateStore({ client: db.client, tableName, now: () => T0 });
  });

  it(
    'sends a health transition once when 5 syncs see it at the same time, and again at the next sync when the send ' +
      'failed (the state is written before it is sent)',
    async () => {
      const created = await store.create(cronJobManifest('sick'));
      const failed = jobFromTemplate(created, T0 + 29_500, T0 + 29_500);
      await store.create({
        ...failed,
        status: {
          ...failed.status,
          startTime: new Date(T0 + 29_500).toISOString(),
          active: 0,
          failed: 1,
          conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }],
        },
      });
      const clock = new ManualClock(T0 + 1_000);
      const sent: string[] = [];
      let failNext = true;
      const health = {
        store: new DynamoDbHealthStore({ client: db.client, tableName: `controllers-${table}` }),
        notifier: {
          send: async (n: HealthNotification) => {
            if (failNext) {
              failNext = false;
              throw new Error('webhook answered 503');
            }
            sent.push(`${n.transition}: ${n.reason}`);
          },
        },
        log: () => {},
      };
      const deps: ControllerDeps = { store, launcher: new FakeTaskLauncher(), logs: new FakeLogSink(), clock, health };
      const cronJobs = new CronJobController(deps);
      // The first send fails: the transition is recorded unsent; the sync itself does not fail.
      await cronJobs.sync(key('sick'));
      expect(sent).toEqual([]);
      // Within the failed sender's claim, no sync sends it; past it, five syncs at once (duplicate deliveries) send
      // it once.
      await cronJobs.sync(key('sick'));
      expect(sent).toEqual([]);
      clock.advanceTo(T0 + 1_000 + SEND_CLAIM_MS + 1);
      await Promise.all(Array.from({ length: 5 }, () => cronJobs.sync(key('sick'))));
      expect(sent).toEqual([`Failing: the last run failed: ${failed.metadata.name}`]);
      await cronJobs.sync(key('sick'));
      expect(sent).toEqual([`Failing: the last run failed: ${failed.metadata.name}`]);
    },
  );

  it('creates exactly one Job when 50 dispatches of the same scheduled time run at once', async () => {
    await store.create(cronJobManifest('dup'));
    const clock = new ManualClock(T0 + 30_100); // 10:01:00.1, one slot due
    const { cronJobs } = controllers(store, clock);

    await Promise.all(Array.from({ length: 50 }, () => cronJobs.sync(key('dup'))));

    const jobs = await store.list('Job', 'default');
    const cronJob = await store.get('CronJob', key('dup'));
    const creates = (await store.listEvents('CronJob', key('dup'))).filter((e) => e.reason === 'SuccessfulCreate');
    expect({
      jobs: jobs.map((j) => j.metadata.name),
      active: cronJob!.status.active.map((r) => r.name),
      creates: creates.length,
    }).toEqual({
      jobs: [jobNameFor('dup', T0 + 30_000)],
      active: [jobNameFor('dup', T0 + 30_000)],
      creates: 1,
    });
  });

  it('never lets two Forbid runs be active, whatever the interleaving of dispatches for different times', async () => {
    for (let round = 0; round < 10; round++) {
      const name = `forbid-${round}`;
      await store.create(cronJobManifest(name, '  concurrencyPolicy: Forbid\n'));
      // Two dispatchers that woke at different minutes (a late delivery and an on-time one), racing.
      const early = controllers(store, new ManualClock(T0 + 30_100));
      const late = controllers(store, new ManualClock(T0 + 90_100));
      await Promise.all([
        early.cronJobs.sync(key(name)),
        late.cronJobs.sync(key(name)),
        late.cronJobs.sync(key(name)),
        early.cronJobs.sync(key(name)),
      ]);
      // The Job controller then runs every Job that exists: the race's loser may have left one marked for deletion.
      for (const job of await store.list('Job', 'default', { ownerName: name }))
        await early.jobs.sync(key(job.metadata.name));

      const jobs = (await store.list('Job', 'default', { ownerName: name })).map((j) => j.metadata.name);
      const cronJob = await store.get('CronJob', key(name));
      expect(jobs).toHaveLength(1);
      expect(cronJob!.status.active.map((r) => r.name)).toEqual(jobs);
      expect(early.launcher.launched.every((pod) => pod.startsWith(`${jobs[0]}-`))).toBe(true);
    }
  });

  it('adopts the Job after a crash between creating it and writing the CronJob status', async () => {
    const fake = new FakeStateStore({ now: () => T0 });
    await fake.create(cronJobManifest('crash'));
    const clock = new ManualClock(T0 + 30_100);
    const { cronJobs } = controllers(fake, clock);
    fake.failNext('update', new Error('process killed'));

    await expect(cronJobs.sync(key('crash'))).rejects.toThrow('process killed');
    await cronJobs.sync(key('crash'));

    const jobs = await fake.list('Job', 'default');
    const cronJob = await fake.get('CronJob', key('crash'));
    const creates = (await fake.listEvents('CronJob', key('crash'))).filter((e) => e.reason === 'SuccessfulCreate');
    expect({
      jobs: jobs.length,
      active: cronJob!.status.active.map((r) => r.name),
      lastScheduleTime: cronJob!.status.lastScheduleTime,
      creates: creates.length,
    }).toEqual({
      jobs: 1,
      active: [jobNameFor('crash', T0 + 30_000)],
      lastScheduleTime: '2026-03-02T10:01:00Z',
      creates: 1,
    });
  });
});

describe('CronJobController crash repair', () => {
  // A crash between creating a Job and writing status, found only after a later slot is due: Kubernetes would run
  // that Job (it exists); jobctl admits it under Allow and Forbid, and lets Replace's newest run supersede it.
  it.each([
    ['Allow', ['10:01', '10:05'], ['10:01', '10:05']],
    ['Forbid', ['10:01'], ['10:01']],
    ['Replace', ['10:05'], ['10:05']],
  ] as const)(
    '%s: a Job orphaned by a crash before a later slot is due → Jobs %j, launched %j',
    async (policy, names, launched) => {
      const store = new FakeStateStore({ now: () => T0 });
      await store.create(cronJobManifest('late', `  concurrencyPolicy: ${policy}\n`));
      const clock = new ManualClock(T0 + 30_100); // 10:01:00.1
      const { cronJobs, jobs, launcher } = controllers(store, clock);
      store.failNext('update', new Error('process killed')); // 10:01's Job created, status never written
      await expect(cronJobs.sync(key('late'))).rejects.toThrow();

      clock.advanceTo(T0 + 5 * 60_000); // restarted at 10:05:30: the 10:05 slot is due
      await cronJobs.sync(key('late'));
      for (const job of await store.list('Job', 'default')) await jobs.sync(key(job.metadata.name));

      const at = (hhmm: string) => jobNameFor('late', Date.parse(`2026-03-02T${hhmm}:00Z`));
      expect(T0 + 30_000).toBe(Date.parse('2026-03-02T10:01:00Z'));
      const stored = (await store.list('Job', 'default')).map((j) => j.metadata.name).sort();
      expect({ stored, launched: launcher.launched.map((p) => p.replace(/-[a-z0-9]{5}$/, '')).sort() }).toEqual({
        stored: names.map(at),
        launched: launched.map(at),
      });
    },
  );
});

describe('JobController', () => {
  it("starts no pod for a CronJob's Job until the CronJob lists it in status.active", async () => {
    const store = new FakeStateStore({ now: () => T0 });
    await store.create(cronJobManifest('admit'));
    const clock = new ManualClock(T0 + 30_100);
    const { cronJobs, jobs, launcher } = controllers(store, clock);
    store.failNext('update', new Error('process killed')); // the Job exists, the CronJob does not list it yet
    await expect(cronJobs.sync(key('admit'))).rejects.toThrow();
    const jobName = jobNameFor('admit', T0 + 30_000);

    await jobs.sync(key(jobName));
    expect(launcher.launched).toEqual([]);

    await cronJobs.sync(key('admit'));
    await jobs.sync(key(jobName));
    expect(launcher.launched).toHaveLength(1);
  });

  it('launches a stored pod again after a crash between storing it and starting its task', async () => {
    const store = new FakeStateStore({ now: () => T0 });
    const job = loadManifests(
      `apiVersion: batch/v1
kind: Job
metadata: { name: once }
spec:
  template:
    spec:
      containers: [{ name: main, image: busybox, command: ["true"] }]
      restartPolicy: Never
`,
      'once.yaml',
    ).objects[0] as Job;
    await store.create(job);
    const { jobs, launcher } = controllers(store, new ManualClock(T0));
    launcher.failNext(new Error('process killed'));

    await expect(jobs.sync(key('once'))).rejects.toThrow('process killed');
    await jobs.sync(key('once'));

    const pods = await store.listPods(key('once'));
    expect({ pods: pods.length, launched: launcher.launched }).toEqual({ pods: 1, launched: [pods[0]!.metadata.name] });
  });

  it('counts a task exit reported twice only once', async () => {
    const store = new FakeStateStore({ now: () => T0 });
    const job = loadManifests(
      `apiVersion: batch/v1
kind: Job
metadata: { name: twice }
spec:
  completions: 2
  template:
    spec:
      containers: [{ name: main, image: busybox, command: ["true"] }]
      restartPolicy: Never
`,
      'twice.yaml',
    ).objects[0] as Job;
    await store.create(job);
    const clock = new ManualClock(T0);
    const { jobs, launcher } = controllers(store, clock);
    await jobs.sync(key('twice'));
    const [podName] = launcher.launched;
    const ref = { namespace: 'default', jobName: 'twice', podName: podName! };
    await jobs.recordTaskStart(ref, T0);
    const exit = { ...ref, exitCode: 0, reason: 'Completed', finishedAtMs: T0 + 1_000 };
    await jobs.recordTaskExit(exit);
    await jobs.recordTaskExit(exit);
    await jobs.sync(key('twice'));

    const stored = await store.get('Job', key('twice'));
    expect({ succeeded: stored!.status.succeeded, pods: (await store.listPods(key('twice'))).length }).toEqual({
      succeeded: 1,
      pods: 2,
    });
  });
});
