import { InvalidParameterException, ListTasksCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDispatcherEnv, loadJobControllerEnv } from '../../src/runtime/lambda/env.ts';
import {
  lastTaskArnAnnotation,
  taskArnAnnotation,
  launchRetryAnnotation,
} from '../../src/adapters/ecs/ecs-task-launcher.ts';
import { taskVersionAnnotation } from '../../src/runtime/lambda/task-events.ts';
import type { DynamoDbStreamRecord } from '../../src/runtime/lambda/stream-changes.ts';
import { requeueScheduleName } from '../../src/adapters/scheduler/scheduler-requeue.ts';
import type { DynamoDbStateStore } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { CronJob, Job } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import {
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
const context = { invokedFunctionArn: JOB_CONTROLLER_ARN, getRemainingTimeInMillis: () => 900_000 };
const quiet = () => {};

function cronJob(name: string, extra = '', template = ''): CronJob {
  return loadManifests(
    `apiVersion: batch/v1
kind: CronJob
metadata: { name: ${name}, creationTimestamp: "2026-03-02T09:59:00Z" }
spec:
  schedule: "*/1 * * * *"
${extra}  jobTemplate:
    spec:
${template}      template:
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

describe('Lambda handlers (dynalite + aws-sdk-client-mock)', () => {
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
    // The production modules load their environment and build their clients at module scope: importing them with
    // the construct's environment proves that wiring; the tests then build handlers with injected deps.
    Object.assign(process.env, lambdaEnv('unused'));
    dispatcherModule = await import('../../functions/dispatcher.ts');
    jobControllerModule = await import('../../functions/job-controller.ts');
  });
  afterAll(() => db.stop());
  beforeEach(async () => {
    clock = new ManualClock(T0);
    const tableName = `lambda-${++tables}`;
    store = await freshTable(db, tableName, clock);
    stream = new StreamSimulator(db, tableName);
    ecs = new FakeEcs();
    scheduler = new FakeScheduler();
  });
  afterEach(() => {
    ecs.restore();
    scheduler.restore();
  });

  const dispatcher = (dispatcherClock = clock) =>
    dispatcherModule.createHandler({ store, clock: dispatcherClock, log: quiet });
  const jobController = (maxInlineWaitMs = 0) =>
    jobControllerModule.createHandler({
      store,
      launcher: ecs.launcher(store),
      logs: logSink(),
      clock,
      requeue: scheduler.requeue(),
      sleep: async (ms) => clock.advance(ms),
      maxInlineWaitMs,
      log: quiet,
    });

  /** Delivers the table's changes to the job controller until nothing changes (the stream drained). */
  async function drainStream(controller = jobController()): Promise<void> {
    for (let i = 0; i < 20; i++) {
      const records = await stream.records();
      if (records.length === 0) return;
      const result = await controller(streamEvent(records), context);
      expect(result).toEqual({ batchItemFailures: [] });
    }
    throw new Error('stream did not drain');
  }

  /** Fires the requeue schedules due now. */
  async function fireTimers(controller = jobController()): Promise<number> {
    const due = scheduler.takeDue(clock.now());
    for (const p of due) await controller(p, context);
    return due.length;
  }

  /** RUNNING then STOPPED (exit code) for every started task not yet reported. */
  async function runTasks(
    controller: ReturnType<typeof jobController>,
    exitCode = 0,
    reported = new Set<string>(),
  ): Promise<void> {
    for (const task of ecs.tasksByToken.values()) {
      if (reported.has(task.taskArn)) continue;
      reported.add(task.taskArn);
      const startedAtMs = clock.now();
      await controller(
        taskEvent({ taskArn: task.taskArn, group: task.group, version: 4, status: 'RUNNING', atMs: startedAtMs }),
        context,
      );
      clock.advance(5_000);
      await controller(
        taskEvent({
          taskArn: task.taskArn,
          group: task.group,
          version: 6,
          status: 'STOPPED',
          atMs: clock.now(),
          startedAtMs,
          exitCode,
        }),
        context,
      );
    }
  }

  describe('environment', () => {
    it('throws naming the missing variable', () => {
      const env = lambdaEnv('t');
      expect(() => loadJobControllerEnv({ ...env, JOBCTL_SCHEDULER_ROLE_ARN: undefined })).toThrow(
        /JOBCTL_SCHEDULER_ROLE_ARN/,
      );
      expect(() => loadDispatcherEnv({})).toThrow(/JOBCTL_TABLE_NAME/);
      expect(() => loadJobControllerEnv({ ...env, JOBCTL_ASSIGN_PUBLIC_IP: 'yes' })).toThrow(
        /JOBCTL_ASSIGN_PUBLIC_IP.*"yes"/,
      );
    });

    it('reads lists and defaults', () => {
      const env = loadJobControllerEnv(lambdaEnv('t'));
      expect(env).toMatchObject({
        subnets: ['subnet-aaaa', 'subnet-bbbb'],
        assignPublicIp: 'DISABLED',
        logStreamPrefix: 'jobctl',
        maxInlineWaitMs: 20_000,
      });
      expect(env.requeueTargetArn).toBeUndefined();
    });
  });

  describe('dispatcher', () => {
    it('rejects a payload that is not a schedule payload, naming the field', async () => {
      await expect(
        dispatcher()({ cronJob: { namespace: 'default' }, scheduledTime: '2026-03-02T10:01:00Z' }),
      ).rejects.toThrow(/cronJob\.name/);
      await expect(
        dispatcher()({ cronJob: { namespace: 'default', name: 'x' }, scheduledTime: 'yesterday' }),
      ).rejects.toThrow(/scheduledTime.*"yesterday"/);
      await expect(dispatcher()({})).rejects.toThrow(/cronJob: required object/);
    });

    it('creates one Job and one RunTask from 50 concurrent duplicate deliveries of one scheduled time', async () => {
      await store.create(cronJob('dup'));
      clock.advanceTo(T0 + 60_000 + 700);
      const results = await Promise.all(Array.from({ length: 50 }, () => dispatcher()(payload('dup', T0 + 60_000))));
      // Stream records may be delivered twice too (at least once): the batch is handed to two invocations.
      const records = await stream.records();
      await Promise.all([
        jobController()(streamEvent(records), context),
        jobController()(streamEvent(records), context),
      ]);
      await drainStream();

      // The next slot (the engine adds a small margin past it).
      expect(
        results.every(
          (r) => r.requeueAtMs !== undefined && r.requeueAtMs >= T0 + 120_000 && r.requeueAtMs < T0 + 121_000,
        ),
      ).toBe(true);
      const jobs = await store.list('Job', 'default');
      expect(jobs.map((j) => j.metadata.name)).toEqual([`dup-${(T0 + 60_000) / 60_000}`]);
      expect(new Set(ecs.runTaskCalls.map((c) => c.clientToken)).size).toBe(1);
      expect(ecs.tasksByToken.size).toBe(1);
      const stored = await store.get('CronJob', { namespace: 'default', name: 'dup' });
      expect(stored?.status.active).toHaveLength(1);
    });

    it(
      'creates the same Job when the slot is delivered late, and nothing for an older slot after a newer ' + 'one ran',
      async () => {
        await store.create(cronJob('late'));
        clock.advanceTo(T0 + 60_000 + 40_000); // delivered 40 s late, still inside the slot's minute
        await dispatcher()(payload('late', T0 + 60_000));
        clock.advanceTo(T0 + 120_000 + 500);
        await dispatcher()(payload('late', T0 + 120_000));
        await dispatcher()(payload('late', T0 + 60_000)); // a retry of the first slot, after the second ran
        const names = (await store.list('Job', 'default'))
          .filter((j) => j.metadata.deletionTimestamp === undefined)
          .map((j) => j.metadata.name);
        expect(names.sort()).toEqual([`late-${(T0 + 60_000) / 60_000}`, `late-${(T0 + 120_000) / 60_000}`]);
      },
    );

    it('never overlaps runs of a Forbid CronJob under concurrent dispatches of different times', async () => {
      await store.create(cronJob('forbid', '  concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 600\n'));
      for (let round = 1; round <= 3; round++) {
        // Deliveries for several slots race (late ones from an outage next to the current one), each Lambda on its
        // clock.
        const slots = [0, 1, 2].map((i) => T0 + (3 * (round - 1) + i + 1) * 60_000);
        await Promise.all(slots.map((slot) => dispatcher(new ManualClock(slot + 300))(payload('forbid', slot))));
        clock.advanceTo(slots[2]! + 300);
        await drainStream();
        const live = (await store.list('Job', 'default')).filter(
          (j) => j.metadata.deletionTimestamp === undefined && !j.status.conditions?.length,
        );
        const running = live.filter((j) => j.status.active > 0 || j.status.startTime !== undefined);
        expect(running.length).toBeLessThanOrEqual(1);
        expect(ecs.tasksByToken.size).toBeLessThanOrEqual(round);
        // Finish this round's run so the next round may start one.
        await runTasks(jobController());
        await drainStream();
      }
      // Every run, in start order, began no earlier than the previous one completed (a sync after a completion may
      // start the slot due then: that is Kubernetes' behaviour too).
      const ran = (await store.list('Job', 'default')).filter((j) => j.status.startTime !== undefined);
      ran.sort((a, b) => Date.parse(a.status.startTime!) - Date.parse(b.status.startTime!));
      expect(ran.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < ran.length; i++)
        expect(Date.parse(ran[i]!.status.startTime!)).toBeGreaterThanOrEqual(
          Date.parse(ran[i - 1]!.status.completionTime!),
        );
      expect(ecs.tasksByToken.size).toBe(ran.length);
    });
  });

  describe('job controller', () => {
    it('rejects an event of no known shape', async () => {
      await expect(jobController()({ hello: 'world' }, context)).rejects.toThrow(/unrecognised shape/);
    });

    it(
      'fails a Job at once with reason PodFailurePolicy when an ECS STOPPED event carries exit code 42 ' +
        '(podFailurePolicy FailJob, issue 15)',
      async () => {
        const policy =
          '  backoffLimit: 2\n  podFailurePolicy:\n    rules:\n    - action: FailJob\n' +
          '      onExitCodes: {containerName: main, operator: In, values: [42]}\n';
        await store.create(job('pi', policy));
        await drainStream();
        expect(ecs.tasksByToken.size).toBe(1);
        const controller = jobController();
        await runTasks(controller, 42);
        await drainStream();

        const stored = await store.get('Job', { namespace: 'default', name: 'pi' });
        const [pod] = await store.listPods({ namespace: 'default', name: 'pi' });
        const message =
          `Container main for pod default/${pod!.metadata.name} failed with exit code 42 matching FailJob rule ` +
          'at index 0';
        expect(stored?.status.conditions.map((c) => [c.type, c.reason, c.message])).toEqual([
          ['FailureTarget', 'PodFailurePolicy', message],
          ['Failed', 'PodFailurePolicy', message],
        ]);
        expect(stored?.status).toMatchObject({ failed: 1, active: 0 });
        // No retry: no back-off timer, no second task, whatever fires later.
        expect(await fireTimers(controller)).toBe(0);
        clock.advance(600_000);
        await fireTimers(controller);
        await drainStream();
        expect(ecs.tasksByToken.size).toBe(1);

        // The same Job whose task exits 1 is retried (backoffLimit 2), as without a policy.
        const reported = new Set<string>([...ecs.tasksByToken.values()].map((t) => t.taskArn));
        await store.create(job('retried', policy));
        await drainStream();
        for (let i = 0; i < 3; i++) {
          const before = ecs.tasksByToken.size;
          await runTasks(controller, 1, reported);
          await drainStream();
          clock.advance(60_000);
          await fireTimers(controller);
          await drainStream();
          if (i < 2) expect(ecs.tasksByToken.size).toBe(before + 1);
        }
        const retried = await store.get('Job', { namespace: 'default', name: 'retried' });
        expect(retried?.status.failed).toBe(3);
        expect(retried?.status.conditions.find((c) => c.type === 'Failed')?.reason).toBe('BackoffLimitExceeded');
      },
    );

    it('counts duplicate and out-of-order task events once', async () => {
      await store.create(job('pi', '  backoffLimit: 3\n'));
      await drainStream();
      const [task] = [...ecs.tasksByToken.values()];
      const startedAtMs = clock.now();
      clock.advance(30_000);
      const stopped = taskEvent({
        taskArn: task!.taskArn,
        group: task!.group,
        version: 6,
        status: 'STOPPED',
        atMs: clock.now(),
        startedAtMs,
        exitCode: 1,
      });
      const running = taskEvent({
        taskArn: task!.taskArn,
        group: task!.group,
        version: 4,
        status: 'RUNNING',
        atMs: startedAtMs,
      });
      const controller = jobController();
      // The exit arrives first, five times at once; the start arrives late, twice.
      await Promise.all(Array.from({ length: 5 }, () => controller(stopped, context)));
      await controller(running, context);
      await controller(running, context);
      await drainStream();

      const stored = await store.get('Job', { namespace: 'default', name: 'pi' });
      expect(stored?.status.failed).toBe(1);
      const pods = await store.listPods({ namespace: 'default', name: 'pi' });
      const first = pods.find((p) => p.metadata.annotations?.[taskArnAnnotation] === task!.taskArn);
      expect(first?.status.phase).toBe('Failed');
      expect(first?.status.startTime).toBe(new Date(startedAtMs).toISOString().replace('.000Z', 'Z'));
      expect(first?.metadata.annotations?.[taskVersionAnnotation]).toBe('6');
      // The back-off (10 s, Kubernetes' first) outlives nothing here but is longer than the inline wait: a timer.
      expect(scheduler.schedules.size).toBe(1);
      const [timer] = [...scheduler.schedules.values()];
      expect(timer).toMatchObject({
        GroupName: 'jobctl',
        ActionAfterCompletion: 'DELETE',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: JOB_CONTROLLER_ARN },
      });
      expect(JSON.parse(timer!.Target!.Input!)).toMatchObject({
        requeue: { kind: 'Job', namespace: 'default', name: 'pi' },
      });
      // The timer fires: the replacement pod starts; a duplicate timer is harmless.
      clock.advanceTo(scheduler.nextDueMs()!);
      const [fired] = scheduler.takeDue(clock.now());
      await controller(fired, context);
      await controller(fired, context);
      await drainStream();
      expect(ecs.tasksByToken.size).toBe(2);
      expect((await store.get('Job', { namespace: 'default', name: 'pi' }))?.status.failed).toBe(1);
    });

    it(
      'deletes a Job whose OnFailure pod waits out its back-off without asking ECS for a task ' + '(AWS-AUDIT F2)',
      async () => {
        const crashy = loadManifests(
          `apiVersion: batch/v1
kind: Job
metadata: { name: crashy }
spec:
  backoffLimit: 6
  template:
    spec:
      containers: [{ name: main, image: busybox, command: ["sh", "-c", "exit 1"] }]
      restartPolicy: OnFailure
`,
          'crashy.yaml',
        ).objects[0] as Job;
        await store.create(crashy);
        await drainStream();
        // The first restart is immediate (CrashLoopBackOff); after the second failure the pod waits 10 s with no task.
        for (const attempt of [0, 1]) {
          const task = [...ecs.tasksByToken.values()][attempt]!;
          await jobController()(
            taskEvent({ taskArn: task.taskArn, group: task.group, version: 2, status: 'RUNNING', atMs: clock.now() }),
            context,
          );
          await jobController()(
            taskEvent({
              taskArn: task.taskArn,
              group: task.group,
              version: 6,
              status: 'STOPPED',
              atMs: clock.now(),
              exitCode: 1,
            }),
            context,
          );
          await drainStream();
        }
        const task = [...ecs.tasksByToken.values()][1];
        expect(ecs.tasksByToken.size).toBe(2);
        const [waiting] = await store.listPods({ namespace: 'default', name: 'crashy' });
        // Restarting in place: no current task, the last one kept for its logs.
        expect(waiting!.status.containerStatuses?.[0]?.restartCount).toBe(2);
        expect(waiting!.metadata.annotations?.[taskArnAnnotation]).toBeUndefined();
        expect(waiting!.metadata.annotations?.[lastTaskArnAnnotation]).toBe(task!.taskArn);

        const job_ = (await store.get('Job', { namespace: 'default', name: 'crashy' }))!;
        await store.update({
          ...job_,
          metadata: { ...job_.metadata, deletionTimestamp: new Date(clock.now()).toISOString().replace('.000Z', 'Z') },
        });
        ecs.mock.resetHistory();
        await drainStream();

        expect(await store.get('Job', { namespace: 'default', name: 'crashy' })).toBeUndefined();
        // Nothing to stop: no ListTasks (denied by IAM on a cluster-wide list, and a forbidden filter combination), no
        // StopTask.
        expect(ecs.mock.commandCalls(ListTasksCommand)).toHaveLength(0);
        expect(ecs.mock.commandCalls(StopTaskCommand)).toHaveLength(0);
      },
    );

    it('drops duplicate versions, events of an older attempt and tasks jobctl did not start', async () => {
      await store.create(job('other'));
      await drainStream();
      const [task] = [...ecs.tasksByToken.values()];
      const older = taskEvent({
        taskArn: task!.taskArn,
        group: task!.group,
        version: 2,
        status: 'RUNNING',
        atMs: clock.now(),
      });
      const foreign = taskEvent({
        taskArn: 'arn:aws:ecs:us-west-2:111122223333:task/jobctl/ffff',
        group: 'family:sample-fargate',
        version: 9,
        status: 'STOPPED',
        atMs: clock.now(),
      });
      expect(await jobController()(foreign, context)).toMatchObject({
        recorded: 0,
        dropped: expect.stringMatching(/not started by jobctl/),
      });
      expect(await jobController()(older, context)).toEqual({ recorded: 1 });
      expect(await jobController()(older, context)).toMatchObject({
        recorded: 0,
        dropped: expect.stringMatching(/not newer/),
      });
      // The pod moves to attempt 1 (an OnFailure in-place restart): a later event of attempt 0's task is stale.
      const [pod] = await store.listPods({ namespace: 'default', name: 'other' });
      const cs = pod!.status.containerStatuses![0]!;
      await store.update({ ...pod!, status: { ...pod!.status, containerStatuses: [{ ...cs, restartCount: 1 }] } });
      const stopped = taskEvent({
        taskArn: task!.taskArn,
        group: task!.group,
        version: 7,
        status: 'STOPPED',
        atMs: clock.now(),
        exitCode: 1,
      });
      expect(await jobController()(stopped, context)).toMatchObject({
        recorded: 0,
        dropped: expect.stringMatching(/attempt 0.*attempt 1/),
      });
    });

    it(
      'retries RunTask throttling with the same token and failures[] with a fresh one, never doubling ' + 'the task',
      async () => {
        ecs.failNext(() => {
          throw Object.assign(new Error('Rate exceeded'), {
            name: 'ThrottlingException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          });
        });
        ecs.failNext(() => ({
          tasks: [],
          failures: [
            {
              arn: 'arn:aws:ecs:us-west-2:111122223333:cluster/jobctl',
              reason:
                'Capacity is unavailable at this time. Please try again later or in a different availability zone',
            },
          ],
        }));
        await store.create(job('busy'));
        const controller = jobController();
        await drainStream(controller);
        for (let i = 0; i < 5 && ecs.tasksByToken.size === 0; i++) {
          clock.advanceTo(scheduler.nextDueMs() ?? clock.now());
          await fireTimers(controller);
          await drainStream(controller);
        }
        const tokens = ecs.runTaskCalls.map((c) => c.clientToken);
        expect(tokens).toHaveLength(3);
        expect(tokens[0]).toBe(tokens[1]); // throttled: same token, so a lost success could not double the task
        expect(tokens[2]).not.toBe(tokens[1]); // failures[]: a fresh token makes the retry a real new attempt
        expect(ecs.tasksByToken.size).toBe(1);
        const [pod] = await store.listPods({ namespace: 'default', name: 'busy' });
        expect(pod?.metadata.annotations).toMatchObject({
          [launchRetryAnnotation]: '1',
          [taskArnAnnotation]: [...ecs.tasksByToken.values()][0]!.taskArn,
        });
        // Later syncs (stream records of the Job) do not call RunTask again for a pod that has its task.
        await controller({ requeue: { kind: 'Job', namespace: 'default', name: 'busy' } }, context);
        expect(ecs.runTaskCalls).toHaveLength(3);
      },
    );

    it(
      'fails the pod with StartError on a RunTask that can never succeed, and the Job after backoffLimit, without ' +
        'failing a stream record',
      async () => {
        // RunTask's documented client error for a bad request
        // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html#API_RunTask_Errors).
        const invalid = () => {
          throw new InvalidParameterException({
            message: 'Task definition does not support launch_type FARGATE.',
            $metadata: { httpStatusCode: 400 },
          });
        };
        ecs.failNext(invalid);
        ecs.failNext(invalid);
        await store.create(job('broken', '  backoffLimit: 1\n'));
        const controller = jobController(60_000);
        await drainStream(controller); // answers no batchItemFailures: the failure is the pod's, not the record's
        for (let i = 0; i < 5; i++) {
          clock.advanceTo(scheduler.nextDueMs() ?? clock.now());
          await fireTimers(controller);
          await drainStream(controller);
        }
        const pods = await store.listPods({ namespace: 'default', name: 'broken' });
        expect(
          pods.map((p) => [
            p.status.phase,
            p.status.containerStatuses?.[0]?.state.terminated?.exitCode,
            p.status.containerStatuses?.[0]?.state.terminated?.reason,
          ]),
        ).toEqual([
          ['Failed', 128, 'StartError'],
          ['Failed', 128, 'StartError'],
        ]);
        const stored = await store.get('Job', { namespace: 'default', name: 'broken' });
        expect(stored?.status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
          status: 'True',
          reason: 'BackoffLimitExceeded',
        });
        expect(ecs.tasksByToken.size).toBe(0);
      },
    );

    it('waits out a near requeue in the invocation instead of creating a timer', async () => {
      ecs.failNext(() => ({ tasks: [], failures: [{ reason: 'RESOURCE:MEMORY' }] }));
      await store.create(job('near'));
      await drainStream(jobController(60_000));
      expect(scheduler.schedules.size).toBe(0);
      expect(ecs.tasksByToken.size).toBe(1);
    });

    it('names requeue schedules deterministically within the 64-character limit', () => {
      const change = { kind: 'Job' as const, key: { namespace: 'default', name: 'x'.repeat(63) } };
      const name = requeueScheduleName(change, 1772445600);
      expect(name).toMatch(/^rq-job-1772445600-[0-9a-f]+$/);
      expect(name.length).toBeLessThanOrEqual(64);
      expect(requeueScheduleName(change, 1772445600)).toBe(name);
      expect(requeueScheduleName(change, 1772445601)).not.toBe(name);
    });
  });

  it(
    'runs a whole CronJob lifecycle through the handlers: schedule → dispatcher → stream → RunTask → task events → ' +
      'history limit',
    async () => {
      await store.create(cronJob('hello', '  successfulJobsHistoryLimit: 1\n'));
      const controller = jobController();
      await drainStream(controller);
      const reported = new Set<string>();
      const runs = [1, 2, 3].map((i) => T0 + i * 60_000);
      for (const slot of runs) {
        clock.advanceTo(slot + 800);
        const { requeueAtMs } = await dispatcher()(payload('hello', slot));
        expect(requeueAtMs! - (slot + 60_000)).toBeGreaterThanOrEqual(0);
        expect(requeueAtMs! - (slot + 60_000)).toBeLessThan(1_000);
        await drainStream(controller); // Job admitted → pod → RunTask
        await runTasks(controller, 0, reported); // RUNNING, STOPPED exit 0 → pod Succeeded → Job Complete
        await drainStream(controller); // Job finished → CronJob SawCompletedJob → history limit → cascade delete
      }
      const jobs = await store.list('Job', 'default');
      expect(jobs.map((j) => j.metadata.name)).toEqual([`hello-${runs[2]! / 60_000}`]);
      expect(jobs[0]?.status.conditions?.map((c) => c.type)).toContain('Complete');
      expect(jobs[0]?.status.succeeded).toBe(1);
      const cj = await store.get('CronJob', { namespace: 'default', name: 'hello' });
      expect(cj?.status.active).toEqual([]);
      expect(cj?.status.lastSuccessfulTime).toBeDefined();
      const reasons = (await store.listEvents('CronJob', { namespace: 'default', name: 'hello' })).map((e) => e.reason);
      expect(reasons.filter((r) => r === 'SuccessfulCreate')).toHaveLength(3);
      expect(reasons.filter((r) => r === 'SawCompletedJob')).toHaveLength(3);
      expect(reasons.filter((r) => r === 'SuccessfulDelete')).toHaveLength(2);
      expect(ecs.tasksByToken.size).toBe(3);
      expect(new Set(ecs.runTaskCalls.map((c) => c.clientToken)).size).toBe(3);
      expect(ecs.runTaskCalls).toHaveLength(3);
    },
  );
});
