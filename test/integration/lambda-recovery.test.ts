/**
 * Recovery through the Lambda handlers (dynalite + aws-sdk-client-mock, harness in test/support/lambda-harness.ts):
 * Replace across the handlers, a Lambda dying at each write boundary followed by what AWS does next (async retry of
 * the same event, redelivery of the stream batch, the periodic `{"resync":{}}`), and resync over a mixed table.
 *
 * The invariant every test checks: no lost and no doubled run — one Job per slot, one ECS task per pod attempt
 * (FakeEcs `tasksByToken`, which behaves as RunTask's clientToken idempotency does).
 */
import { StopTaskCommand } from '@aws-sdk/client-ecs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoDbStateStore } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { taskArnAnnotation } from '../../src/adapters/ecs/ecs-task-launcher.ts';
import type { DynamoDbStreamRecord } from '../../src/runtime/lambda/stream-changes.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import type { StateStore } from '../../src/ports/state-store.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { CronJob, Job, KubeObject } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import {
  CLUSTER_ARN,
  FakeEcs,
  FakeScheduler,
  JOB_CONTROLLER_ARN,
  StreamSimulator,
  freshTable,
  lambdaEnv,
  logSink,
  taskEvent,
} from '../support/lambda-harness.ts';

type DispatcherModule = typeof import('../../functions/dispatcher.ts');
type JobControllerModule = typeof import('../../functions/job-controller.ts');

const T0 = Date.parse('2026-03-02T10:00:00Z');
const MINUTE_MS = 60_000;
/** Lambda's first async retry after a function error comes about a minute later (the second two minutes after that). */
const ASYNC_RETRY_DELAY_MS = MINUTE_MS;
const context = { invokedFunctionArn: JOB_CONTROLLER_ARN, getRemainingTimeInMillis: () => 900_000 };
const quiet = () => {};

function cronJob(name: string, args: { schedule: string; extra?: string; createdAt?: string }): CronJob {
  return loadManifests(
    `apiVersion: batch/v1
kind: CronJob
metadata: { name: ${name}, creationTimestamp: "${args.createdAt ?? '2026-03-02T09:59:00Z'}" }
spec:
  schedule: "${args.schedule}"
${args.extra ?? ''}  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: main, image: busybox, command: ["true"] }]
          restartPolicy: Never
`,
    `${name}.yaml`,
  ).objects[0] as CronJob;
}

function job(name: string, spec = ''): Job {
  return loadManifests(
    `apiVersion: batch/v1
kind: Job
metadata: { name: ${name} }
spec:
${spec}  template:
    spec:
      containers: [{ name: main, image: busybox, command: ["sh", "-c", "exit 0"] }]
      restartPolicy: Never
`,
    `${name}.yaml`,
  ).objects[0] as Job;
}

const payload = (name: string, scheduledMs: number) => ({
  cronJob: { namespace: 'default', name },
  scheduledTime: new Date(scheduledMs).toISOString().replace('.000Z', 'Z'),
});
const streamEvent = (records: DynamoDbStreamRecord[]) => ({ Records: records });
const jobNameOf = (cronJobName: string, slotMs: number) => `${cronJobName}-${slotMs / MINUTE_MS}`;
const key = (name: string) => ({ namespace: 'default', name });
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The error a simulated Lambda crash or timeout ends the invocation with. */
class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/**
 * Where an invocation dies: at the first store call `matches` accepts, before it reaches the table or after it wrote.
 */
interface CrashPoint {
  matches: (method: string, args: unknown[]) => boolean;
  when: 'before' | 'after';
}

/**
 * `store`, dying once at `point`; `hasCrashed` tells whether the point was reached (so a test cannot pass vacuously).
 */
function crashingStore(store: StateStore, point: CrashPoint): { store: StateStore; hasCrashed: () => boolean } {
  let crashed = false;
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const isCrashing = !crashed && point.matches(String(prop), args);
        if (isCrashing) crashed = true;
        if (isCrashing && point.when === 'before') throw new SimulatedCrash(`crashed before ${String(prop)}`);
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (isCrashing) throw new SimulatedCrash(`crashed after ${String(prop)}`);
        return result;
      };
    },
  });
  return { store: proxy, hasCrashed: () => crashed };
}

const isWriteOf = (method: string, args: unknown[], kind: KubeObject['kind'], writes: Array<'create' | 'update'>) =>
  (writes as string[]).includes(method) && (args[0] as KubeObject | undefined)?.kind === kind;

describe('Lambda handlers: recovery (dynalite + aws-sdk-client-mock)', () => {
  let db: TestDynalite;
  let dispatcherModule: DispatcherModule;
  let jobControllerModule: JobControllerModule;
  let tables = 0;
  let clock: ManualClock;
  let store: DynamoDbStateStore;
  let stream: StreamSimulator;
  let ecs: FakeEcs;
  let scheduler: FakeScheduler;

  beforeAll(async () => {
    db = await startTestDynalite();
    Object.assign(process.env, lambdaEnv('unused'));
    dispatcherModule = await import('../../functions/dispatcher.ts');
    jobControllerModule = await import('../../functions/job-controller.ts');
  });
  afterAll(() => db.stop());
  beforeEach(async () => {
    clock = new ManualClock(T0);
    const tableName = `recovery-${++tables}`;
    store = await freshTable(db, tableName, clock);
    stream = new StreamSimulator(db, tableName);
    ecs = new FakeEcs();
    scheduler = new FakeScheduler();
  });
  afterEach(() => {
    ecs.restore();
    scheduler.restore();
  });

  const dispatcher = (via: StateStore = store) => dispatcherModule.createHandler({ store: via, clock, log: quiet });
  /** The job controller; `via` is the store both the controllers and the launcher's bookkeeping write through. */
  const jobController = (via: StateStore = store) =>
    jobControllerModule.createHandler({
      store: via,
      launcher: ecs.launcher(via as DynamoDbStateStore),
      logs: logSink(),
      clock,
      requeue: scheduler.requeue(),
      sleep: async (ms) => clock.advance(ms),
      maxInlineWaitMs: 0,
      log: quiet,
    });

  /** Delivers the table's changes to the job controller until nothing changes (the stream drained). */
  async function drainStream(controller = jobController()): Promise<void> {
    for (let i = 0; i < 20; i++) {
      const records = await stream.records();
      if (records.length === 0) return;
      expect(await controller(streamEvent(records), context)).toEqual({ batchItemFailures: [] });
    }
    throw new Error('stream did not drain');
  }

  /** ECS tasks started for a Job's pods, one entry per clientToken. */
  const tasksOf = (jobName: string) =>
    [...ecs.tasksByToken.values()].filter((t) => t.group.startsWith(`jobctl:default:${jobName}:`));

  /** No pod attempt (task group `jobctl:<ns>:<job>:<pod>:<attempt>`) got two tasks. */
  function expectOneTaskPerPodAttempt(): void {
    const groups = [...ecs.tasksByToken.values()].map((t) => t.group);
    expect(groups.length).toBeGreaterThan(0);
    expect(new Set(groups).size).toBe(groups.length);
  }

  async function reasonsOf(kind: 'CronJob' | 'Job', name: string): Promise<string[]> {
    return (await store.listEvents(kind, key(name))).map((e) => e.reason).sort();
  }

  it(
    'replaces a running Job through the handlers: deletion cascade, StopTask, new RunTask, late STOPPED ' + 'dropped',
    async () => {
      // Arrange: the first slot's run is RUNNING.
      await store.create(cronJob('swap', { schedule: '*/1 * * * *', extra: '  concurrencyPolicy: Replace\n' }));
      const controller = jobController();
      await drainStream(controller);
      const [slot1, slot2] = [T0 + MINUTE_MS, T0 + 2 * MINUTE_MS];
      const [old, replacement] = [jobNameOf('swap', slot1), jobNameOf('swap', slot2)];
      clock.advanceTo(slot1 + 800);
      await dispatcher()(payload('swap', slot1));
      await drainStream(controller);
      const [oldTask] = tasksOf(old);
      expect(oldTask).toBeDefined();
      const startedAtMs = clock.now();
      expect(
        await controller(
          taskEvent({
            taskArn: oldTask!.taskArn,
            group: oldTask!.group,
            version: 4,
            status: 'RUNNING',
            atMs: startedAtMs,
          }),
          context,
        ),
      ).toEqual({ recorded: 1 });
      await drainStream(controller);
      expect((await store.listPods(key(old))).map((p) => p.status.phase)).toEqual(['Running']);

      // Act: the next slot.
      clock.advanceTo(slot2 + 800);
      await dispatcher()(payload('swap', slot2));
      await drainStream(controller);

      // Assert: the old task was asked to stop, with the cascade's reason, on jobctl's cluster.
      const stops = ecs.mock.commandCalls(StopTaskCommand).map((call) => call.args[0].input);
      expect(stops).toEqual([{ cluster: CLUSTER_ARN, task: oldTask!.taskArn, reason: 'Deleted' }]);
      // The old Job and its pods are gone; the new one runs its own, single task.
      expect(await store.get('Job', key(old))).toBeUndefined();
      expect(await store.listPods(key(old))).toEqual([]);
      expect((await store.list('Job', 'default')).map((j) => j.metadata.name)).toEqual([replacement]);
      expect(tasksOf(replacement)).toHaveLength(1);
      expect(tasksOf(old)).toHaveLength(1);
      const cj = await store.get('CronJob', key('swap'));
      expect(cj?.status.active.map((ref) => ref.name)).toEqual([replacement]);
      expect(cj?.status.lastScheduleTime).toBe(rfc3339(slot2));
      const reasons = await reasonsOf('CronJob', 'swap');
      expect(reasons.filter((r) => r === 'SuccessfulCreate')).toHaveLength(2);
      expect(reasons.filter((r) => r === 'SuccessfulDelete')).toHaveLength(1);

      // The old task's STOPPED event arrives after the cascade: its pod is gone, the event is dropped.
      clock.advance(30_000);
      const stopped = taskEvent({
        taskArn: oldTask!.taskArn,
        group: oldTask!.group,
        version: 6,
        status: 'STOPPED',
        atMs: clock.now(),
        startedAtMs,
        exitCode: 143,
      });
      expect(await controller(stopped, context)).toEqual({ recorded: 0, dropped: expect.stringMatching(/gone/) });
      await drainStream(controller);
      expect(await store.get('Job', key(old))).toBeUndefined();
      expect((await store.get('Job', key(replacement)))?.status.failed ?? 0).toBe(0);
      expect(ecs.runTaskCalls).toHaveLength(2);
      expectOneTaskPerPodAttempt();
    },
  );

  describe('crash points', () => {
    it(
      'adopts the Job on the async retry when the dispatcher dies after creating it, before the status ' + 'write',
      async () => {
        await store.create(cronJob('adopt', { schedule: '*/5 * * * *' }));
        await drainStream();
        const slot = T0 + 5 * MINUTE_MS;
        const name = jobNameOf('adopt', slot);
        const crashing = crashingStore(store, {
          matches: (m, args) => isWriteOf(m, args, 'CronJob', ['update']),
          when: 'before',
        });
        clock.advanceTo(slot + 800);

        await expect(dispatcher(crashing.store)(payload('adopt', slot))).rejects.toThrow(SimulatedCrash);
        expect(crashing.hasCrashed()).toBe(true);
        // The stream brings the orphan Job to the job controller: not admitted (not in `active`), nothing runs.
        await drainStream();
        expect((await store.list('Job', 'default')).map((j) => j.metadata.name)).toEqual([name]);
        expect(ecs.runTaskCalls).toHaveLength(0);

        // Lambda's async retry of the same event, about a minute later (before the next slot).
        clock.advance(ASYNC_RETRY_DELAY_MS);
        await dispatcher()(payload('adopt', slot));
        await drainStream();

        const jobs = await store.list('Job', 'default');
        expect(jobs.map((j) => j.metadata.name)).toEqual([name]);
        const cj = await store.get('CronJob', key('adopt'));
        expect(cj?.status.active.map((ref) => ({ name: ref.name, uid: ref.uid }))).toEqual([
          { name, uid: jobs[0]!.metadata.uid },
        ]);
        expect(cj?.status.lastScheduleTime).toBe(rfc3339(slot));
        // One SuccessfulCreate (the create happened once); the retry adopts without a create. Like Kubernetes' sync
        // after such a crash, the retry first sees the Job outside `active` (UnexpectedJob), then adopts it.
        expect(await reasonsOf('CronJob', 'adopt')).toEqual(['SuccessfulCreate', 'UnexpectedJob']);
        expect(tasksOf(name)).toHaveLength(1);
        expect(ecs.runTaskCalls).toHaveLength(1);
        expectOneTaskPerPodAttempt();
      },
    );

    // Found by this test: the retry a minute later decides from its own clock, so 10:02 is the newest slot; the 10:01
    // Job (created, never admitted) used to be deleted silently. syncCronJob now adopts such lost runs (Allow; Forbid
    // when nothing is active), as Kubernetes would run them: see adoptLostRuns in src/engine/cronjob-sync.ts.
    it('runs the crashed slot when the async retry arrives only after the next slot of a */1 CronJob', async () => {
      await store.create(cronJob('tight', { schedule: '*/1 * * * *' }));
      await drainStream();
      const [slot1, slot2] = [T0 + MINUTE_MS, T0 + 2 * MINUTE_MS];
      const crashing = crashingStore(store, {
        matches: (m, args) => isWriteOf(m, args, 'CronJob', ['update']),
        when: 'before',
      });
      clock.advanceTo(slot1 + 800);
      await expect(dispatcher(crashing.store)(payload('tight', slot1))).rejects.toThrow(SimulatedCrash);
      expect(crashing.hasCrashed()).toBe(true);
      await drainStream();
      expect((await store.list('Job', 'default')).map((j) => j.metadata.name)).toEqual([jobNameOf('tight', slot1)]);

      // A minute later: the retry of slot 1 and the delivery of slot 2 arrive together.
      clock.advanceTo(slot1 + 800 + ASYNC_RETRY_DELAY_MS);
      await dispatcher()(payload('tight', slot1));
      await dispatcher()(payload('tight', slot2));
      await drainStream();

      expect(tasksOf(jobNameOf('tight', slot2))).toHaveLength(1);
      expectOneTaskPerPodAttempt();
      // Kubernetes runs both. Today: the 10:01 Job is gone and no task ever ran for it.
      expect(tasksOf(jobNameOf('tight', slot1))).toHaveLength(1);
    });

    it(
      'launches once when the job controller dies after storing the pod, before RunTask, and the batch is ' +
        'redelivered',
      async () => {
        await store.create(job('podfirst'));
        const crashing = crashingStore(store, {
          matches: (m, args) => isWriteOf(m, args, 'Pod', ['create']),
          when: 'after',
        });
        const records = await stream.records();

        const first = await jobController(crashing.store)(streamEvent(records), context);
        expect(crashing.hasCrashed()).toBe(true);
        expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: records[0]!.dynamodb.SequenceNumber }] });
        expect(await store.listPods(key('podfirst'))).toHaveLength(1);
        expect(ecs.runTaskCalls).toHaveLength(0);

        // Lambda retries the batch from the failed record; then the stream carries on.
        expect(await jobController()(streamEvent(records), context)).toEqual({ batchItemFailures: [] });
        await drainStream();

        const pods = await store.listPods(key('podfirst'));
        expect(pods).toHaveLength(1);
        expect(ecs.runTaskCalls).toHaveLength(1);
        expect(tasksOf('podfirst')).toHaveLength(1);
        expect(pods[0]?.metadata.annotations?.[taskArnAnnotation]).toBe(tasksOf('podfirst')[0]!.taskArn);
        expectOneTaskPerPodAttempt();
      },
    );

    it(
      'gets the same task back by clientToken when the job controller dies after RunTask, before recording the ' +
        'task ARN',
      async () => {
        await store.create(job('arnless'));
        const recordsTaskArn = (m: string, args: unknown[]) =>
          isWriteOf(m, args, 'Pod', ['update']) &&
          (args[0] as KubeObject).metadata.annotations?.[taskArnAnnotation] !== undefined;
        const crashing = crashingStore(store, { matches: recordsTaskArn, when: 'before' });
        const records = await stream.records();

        const first = await jobController(crashing.store)(streamEvent(records), context);
        expect(crashing.hasCrashed()).toBe(true);
        expect(first).toMatchObject({ batchItemFailures: [expect.anything()] });
        expect(ecs.runTaskCalls).toHaveLength(1);
        expect((await store.listPods(key('arnless')))[0]?.metadata.annotations?.[taskArnAnnotation]).toBeUndefined();

        expect(await jobController()(streamEvent(records), context)).toEqual({ batchItemFailures: [] });
        await drainStream();

        // RunTask was called again for the pod with no recorded task, with the same token: ECS returned the same task.
        const tokens = ecs.runTaskCalls.map((c) => c.clientToken);
        expect(tokens).toHaveLength(2);
        expect(tokens[1]).toBe(tokens[0]);
        expect(tasksOf('arnless')).toHaveLength(1);
        const [pod] = await store.listPods(key('arnless'));
        expect(pod?.metadata.annotations?.[taskArnAnnotation]).toBe(tasksOf('arnless')[0]!.taskArn);
        expectOneTaskPerPodAttempt();
      },
    );

    it.each([
      { repairedBy: 'stream record of the pod write' as const },
      { repairedBy: 'resync (the stream batch was lost)' as const },
    ])(
      'completes the Job with succeeded 1 when the job controller dies after a task exit reached the pod, before the ' +
        'Job status write: $repairedBy',
      async ({ repairedBy }) => {
        await store.create(job('exit'));
        await drainStream();
        const [task] = tasksOf('exit');
        const startedAtMs = clock.now();
        expect(
          await jobController()(
            taskEvent({ taskArn: task!.taskArn, group: task!.group, version: 4, status: 'RUNNING', atMs: startedAtMs }),
            context,
          ),
        ).toEqual({ recorded: 1 });
        await drainStream();
        clock.advance(5_000);
        const stopped = taskEvent({
          taskArn: task!.taskArn,
          group: task!.group,
          version: 6,
          status: 'STOPPED',
          atMs: clock.now(),
          startedAtMs,
          exitCode: 0,
        });
        const writesSucceeded = (m: string, args: unknown[]) =>
          isWriteOf(m, args, 'Job', ['update']) && (args[0] as Job).status.succeeded === 1;
        const crashing = crashingStore(store, { matches: writesSucceeded, when: 'before' });

        // The event only records the exit on the pod; the pod write's stream record syncs the Job, and that sync dies.
        expect(await jobController()(stopped, context)).toEqual({ recorded: 1 });
        const records = await stream.records();
        const first = await jobController(crashing.store)(streamEvent(records), context);
        expect(crashing.hasCrashed()).toBe(true);
        expect((first as { batchItemFailures: unknown[] }).batchItemFailures.length).toBeGreaterThan(0);
        expect((await store.listPods(key('exit')))[0]?.status.phase).toBe('Succeeded');
        expect((await store.get('Job', key('exit')))?.status.succeeded ?? 0).toBe(0);
        // A duplicate delivery of the event: already applied to the pod (same version), dropped harmlessly.
        expect(await jobController()(stopped, context)).toEqual({
          recorded: 0,
          dropped: expect.stringMatching(/not newer/),
        });

        if (repairedBy === 'stream record of the pod write') {
          // Lambda retries the batch from the failed record.
          expect(await jobController()(streamEvent(records), context)).toEqual({ batchItemFailures: [] });
          await drainStream();
        } else {
          await stream.records(); // never delivered
          expect(await jobController()({ resync: {} }, context)).toEqual({ synced: 1 });
          await drainStream();
        }

        const stored = await store.get('Job', key('exit'));
        expect(stored?.status.succeeded).toBe(1);
        expect(stored?.status.failed ?? 0).toBe(0);
        expect(stored?.status.conditions?.filter((c) => c.status === 'True').map((c) => c.type)).toContain('Complete');
        expect(tasksOf('exit')).toHaveLength(1);
        expect(ecs.runTaskCalls).toHaveLength(1);
        expectOneTaskPerPodAttempt();
      },
    );

    it('launches the admitted Job on resync when the stream batch carrying its admission was lost', async () => {
      await store.create(cronJob('lost', { schedule: '*/5 * * * *' }));
      await drainStream();
      const slot = T0 + 5 * MINUTE_MS;
      const name = jobNameOf('lost', slot);
      clock.advanceTo(slot + 800);
      await dispatcher()(payload('lost', slot));
      expect((await stream.records()).length).toBeGreaterThan(0); // the batch that never reaches the job controller
      expect(ecs.runTaskCalls).toHaveLength(0);

      clock.advance(MINUTE_MS);
      // The CronJob and its unfinished Job.
      expect(await jobController()({ resync: {} }, context)).toEqual({ synced: 2 });
      expect(tasksOf(name)).toHaveLength(1);
      await drainStream();
      expect(await jobController()({ resync: {} }, context)).toEqual({ synced: 2 });

      expect((await store.list('Job', 'default')).map((j) => j.metadata.name)).toEqual([name]);
      expect((await store.listPods(key(name))).map((p) => p.metadata.annotations?.[taskArnAnnotation])).toEqual([
        tasksOf(name)[0]!.taskArn,
      ]);
      expect(ecs.runTaskCalls).toHaveLength(1);
      expectOneTaskPerPodAttempt();
    });
  });

  it(
    'resyncs a mixed table: catches up a missed slot, launches a Pending pod, deletes a Job past ' + 'its TTL',
    async () => {
      // A CronJob created after 10:00, so its first slot is 10:05; the 10:05 delivery will be lost.
      await store.create(
        cronJob('missed', {
          schedule: '*/5 * * * *',
          extra: '  startingDeadlineSeconds: 300\n',
          createdAt: '2026-03-02T10:00:30Z',
        }),
      );
      clock.advanceTo(T0 + 30_000);
      await drainStream();
      // A finished Job with ttlSecondsAfterFinished: 60 whose TTL timer is lost, and a finished Job with no TTL.
      await store.create(job('expired', '  ttlSecondsAfterFinished: 60\n'));
      await store.create(job('done'));
      await drainStream();
      for (const name of ['expired', 'done']) {
        const [task] = tasksOf(name);
        const startedAtMs = clock.now();
        await jobController()(
          taskEvent({ taskArn: task!.taskArn, group: task!.group, version: 4, status: 'RUNNING', atMs: startedAtMs }),
          context,
        );
        clock.advance(5_000);
        await jobController()(
          taskEvent({
            taskArn: task!.taskArn,
            group: task!.group,
            version: 6,
            status: 'STOPPED',
            atMs: clock.now(),
            startedAtMs,
            exitCode: 0,
          }),
          context,
        );
      }
      await drainStream();
      expect((await store.get('Job', key('expired')))?.status.conditions?.map((c) => c.type)).toContain('Complete');
      scheduler.schedules.clear();
      // An unfinished Job whose pod was stored but never launched (the job controller died; the record expired).
      await store.create(job('pending'));
      const crashing = crashingStore(store, {
        matches: (m, args) => isWriteOf(m, args, 'Pod', ['create']),
        when: 'after',
      });
      expect(await jobController(crashing.store)(streamEvent(await stream.records()), context)).toMatchObject({
        batchItemFailures: [expect.anything()],
      });
      expect(crashing.hasCrashed()).toBe(true);
      expect((await store.listPods(key('pending'))).map((p) => p.status.phase)).toEqual(['Pending']);
      expect(tasksOf('pending')).toHaveLength(0);
      const slot = T0 + 5 * MINUTE_MS;
      clock.advanceTo(slot + 60_000); // the 10:05 slot is a minute old: inside startingDeadlineSeconds

      // Act: the CronJob, 'pending' (unfinished) and 'expired' (finished, with a TTL) are synced; 'done' is not.
      expect(await jobController()({ resync: {} }, context)).toEqual({ synced: 3 });

      // Assert: each got what it needed.
      const missedJob = jobNameOf('missed', slot);
      const cj = await store.get('CronJob', key('missed'));
      expect(cj?.status.active.map((ref) => ref.name)).toEqual([missedJob]);
      expect(cj?.status.lastScheduleTime).toBe(rfc3339(slot));
      expect(tasksOf('pending')).toHaveLength(1);
      expect((await store.listPods(key('pending')))[0]?.metadata.annotations?.[taskArnAnnotation]).toBe(
        tasksOf('pending')[0]!.taskArn,
      );
      expect(await store.get('Job', key('expired'))).toBeUndefined();
      expect(await store.listPods(key('expired'))).toEqual([]);
      expect(await store.get('Job', key('done'))).toBeDefined();
      // The stream then launches the caught-up run, once.
      await drainStream();
      expect(tasksOf(missedJob)).toHaveLength(1);
      expect((await store.list('Job', 'default')).map((j) => j.metadata.name).sort()).toEqual([
        'done',
        missedJob,
        'pending',
      ]);
      expect(await reasonsOf('CronJob', 'missed')).toEqual(['SuccessfulCreate']);
      expectOneTaskPerPodAttempt();
    },
  );
});
