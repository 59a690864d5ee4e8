import { DescribeTasksCommand, ECSClient, ListTasksCommand, type Task } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  taskArnAnnotation,
  taskGroupFor,
  taskLaunchedAtAnnotation,
} from '../../../../src/adapters/ecs/ecs-task-launcher.ts';
import { EcsTaskReconciler, ORPHAN_STOP_REASON } from '../../../../src/runtime/lambda/task-reconciler.ts';
import { taskVersionAnnotation } from '../../../../src/runtime/lambda/task-events.ts';
import { ManualClock } from '../../../../src/adapters/clock/clock.ts';
import type { Job, Pod } from '../../../../src/spec/types.ts';
import { aBatchJob, aJobPod, rfc3339 } from '../../../support/builders.ts';
import { FakeStateStore } from '../../../support/fakes/fake-state-store.ts';

const CLUSTER = 'arn:aws:ecs:us-west-2:111122223333:cluster/jobctl';
const T0 = Date.parse('2026-03-02T10:00:00Z');
const MINUTE = 60_000;
const arn = (n: number) => `arn:aws:ecs:us-west-2:111122223333:task/jobctl/${n.toString(16).padStart(32, '0')}`;

/** A pod of `job` whose task `taskArn` started at `startedAtMs` and reported version 2 (RUNNING). */
function runningPod(job: Job, taskArn: string, startedAtMs: number): Pod {
  const pod = aJobPod(job, { phase: 'Running' });
  pod.metadata.creationTimestamp = rfc3339(startedAtMs - 20_000);
  pod.status.startTime = rfc3339(startedAtMs);
  pod.status.containerStatuses![0]!.state = { running: { startedAt: rfc3339(startedAtMs) } };
  pod.metadata.annotations = {
    ...pod.metadata.annotations,
    [taskArnAnnotation]: taskArn,
    [taskVersionAnnotation]: '2',
    [taskLaunchedAtAnnotation]: rfc3339(startedAtMs - 15_000),
  };
  return pod;
}

/**
 * The Task DescribeTasks returns for `pod` (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html).
 */
function taskOf(
  pod: Pod,
  taskArn: string,
  state: {
    lastStatus: 'RUNNING' | 'STOPPED';
    exitCode?: number;
    version: number;
    createdAtMs?: number;
    attempt?: number;
  },
): Task {
  const group = taskGroupFor({
    namespace: 'default',
    jobName: pod.metadata.labels!['job-name']!,
    podName: pod.metadata.name,
    attempt: state.attempt ?? 0,
  });
  return {
    taskArn,
    clusterArn: CLUSTER,
    group,
    lastStatus: state.lastStatus,
    desiredStatus: state.lastStatus === 'STOPPED' ? 'STOPPED' : 'RUNNING',
    version: state.version,
    createdAt: new Date(state.createdAtMs ?? T0 - 30 * MINUTE),
    startedAt: new Date(T0 - 29 * MINUTE),
    ...(state.lastStatus === 'STOPPED'
      ? {
          stoppedAt: new Date(T0 - 20 * MINUTE),
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
        }
      : {}),
    containers: [
      {
        name: 'main',
        lastStatus: state.lastStatus,
        ...(state.exitCode === undefined ? {} : { exitCode: state.exitCode }),
      },
    ],
  };
}

describe('EcsTaskReconciler', () => {
  const ecs = mockClient(ECSClient);
  let clock: ManualClock;
  let store: FakeStateStore;
  let stopped: Array<[string, string]>;
  let reconciler: EcsTaskReconciler;
  let job: Job;

  beforeEach(async () => {
    ecs.reset();
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    clock = new ManualClock(T0);
    store = new FakeStateStore({ now: () => clock.now() });
    stopped = [];
    reconciler = new EcsTaskReconciler({
      client: new ECSClient({ region: 'us-west-2' }),
      cluster: CLUSTER,
      store,
      clock,
      stopTask: async (taskArn, reason) => {
        stopped.push([taskArn, reason]);
        return true;
      },
    });
    job = aBatchJob({ name: 'report', uid: 'report-uid' });
    await store.create(job);
  });

  it('records the exit of a task whose STOPPED event was lost, with its real exit code', async () => {
    const pod = runningPod(job, arn(1), T0 - 29 * MINUTE);
    await store.create(pod);
    ecs
      .on(DescribeTasksCommand)
      .resolves({ tasks: [taskOf(pod, arn(1), { lastStatus: 'STOPPED', exitCode: 3, version: 6 })], failures: [] });

    const counts = await reconciler.reconcile('default', [job]);

    expect(counts).toMatchObject({ podsChecked: 1, exitsRecorded: 1, lost: 0, orphansStopped: 0 });
    const [after] = await store.listPods({ namespace: 'default', name: 'report' });
    expect(after!.status.phase).toBe('Failed');
    expect(after!.status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(ecs.commandCalls(DescribeTasksCommand)[0]!.args[0].input).toEqual({ cluster: CLUSTER, tasks: [arn(1)] });
  });

  it('asks nothing about pods whose state changed in the last five minutes, and applies nothing twice', async () => {
    await store.create(runningPod(job, arn(1), T0 - 4 * MINUTE));
    const old = runningPod(job, arn(2), T0 - 10 * MINUTE);
    await store.create(old);
    // ECS still runs it, at the version the pod already recorded: nothing to apply.
    ecs
      .on(DescribeTasksCommand)
      .resolves({ tasks: [taskOf(old, arn(2), { lastStatus: 'RUNNING', version: 2 })], failures: [] });

    const counts = await reconciler.reconcile('default', [job]);

    expect(counts).toMatchObject({ podsChecked: 1, exitsRecorded: 0, startsRecorded: 0 });
    expect(ecs.commandCalls(DescribeTasksCommand)[0]!.args[0].input.tasks).toEqual([arn(2)]);
    expect(store.callsOf('update')).toHaveLength(0);
  });

  it('ends a pod Failed (Lost, 137) when ECS no longer knows its task', async () => {
    await store.create(runningPod(job, arn(1), T0 - 3 * 60 * MINUTE));
    ecs.on(DescribeTasksCommand).resolves({ tasks: [], failures: [{ arn: arn(1), reason: 'MISSING' }] });

    expect(await reconciler.reconcile('default', [job])).toMatchObject({ lost: 1 });

    const [after] = await store.listPods({ namespace: 'default', name: 'report' });
    expect(after!.status).toMatchObject({ phase: 'Failed', reason: 'Lost' });
    expect(after!.status.containerStatuses?.[0]?.state.terminated?.exitCode).toBe(137);
  });

  it(
    'leaves alone a task ECS does not know yet: relaunched in place a minute ago, or of unknown ' + 'launch time',
    async () => {
      // An OnFailure pod: first started 3 h ago, its second task launched a minute ago (DescribeTasks may not know it
      // yet).
      const restarted = runningPod(job, arn(1), T0 - 3 * 60 * MINUTE);
      restarted.status.containerStatuses![0]! = {
        ...restarted.status.containerStatuses![0]!,
        restartCount: 1,
        state: { waiting: { reason: 'ContainerCreating' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: rfc3339(T0 - 2 * MINUTE) } },
      };
      restarted.metadata.annotations![taskLaunchedAtAnnotation] = rfc3339(T0 - MINUTE);
      const legacy = runningPod(job, arn(2), T0 - 3 * 60 * MINUTE);
      delete legacy.metadata.annotations![taskLaunchedAtAnnotation];
      for (const pod of [restarted, legacy]) await store.create(pod);
      ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
        tasks: [],
        failures: input.tasks.map((a) => ({ arn: a, reason: 'MISSING' })),
      }));

      // The restarted pod's state changed a minute ago: not even asked about; the legacy one is asked, but not judged.
      expect(await reconciler.reconcile('default', [job])).toMatchObject({
        podsChecked: 1,
        lost: 0,
        missingNotJudged: 1,
      });
      expect(ecs.commandCalls(DescribeTasksCommand)[0]!.args[0].input.tasks).toEqual([arn(2)]);
      // Ten minutes on, the restarted pod's task is still unknown to ECS: now it is lost.
      clock.advance(10 * MINUTE);
      expect(await reconciler.reconcile('default', [job])).toMatchObject({
        podsChecked: 2,
        lost: 1,
        missingNotJudged: 1,
      });
    },
  );

  it('describes at most 100 tasks per call', async () => {
    const pods = Array.from({ length: 150 }, (_, i) => runningPod(job, arn(i + 1), T0 - 30 * MINUTE));
    for (const pod of pods) await store.create(pod);
    ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
      tasks: input.tasks.map((t) =>
        taskOf(pods.find((p) => p.metadata.annotations![taskArnAnnotation] === t)!, t, {
          lastStatus: 'RUNNING',
          version: 2,
        }),
      ),
      failures: [],
    }));

    const counts = await reconciler.reconcile('default', [job]);

    expect(ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input.tasks!.length)).toEqual([100, 50]);
    expect(counts).toMatchObject({ podsChecked: 150, describeCalls: 2 });
  });

  it(
    'stops the running tasks jobctl started that no pod owns, after a grace period, and leaves every other task ' +
      'alone',
    async () => {
      const owned = runningPod(job, arn(1), T0 - 2 * MINUTE);
      const finished = { ...aJobPod(job, { phase: 'Succeeded' }) };
      const restarted = runningPod(job, arn(5), T0 - 2 * MINUTE);
      restarted.status.containerStatuses![0]!.restartCount = 1;
      for (const pod of [owned, finished, restarted]) await store.create(pod);
      const gone = { ...owned, metadata: { ...owned.metadata, name: 'report-deleted' } };
      const young = { ...owned, metadata: { ...owned.metadata, name: 'report-young' } };
      const tasks: Task[] = [
        taskOf(owned, arn(1), { lastStatus: 'RUNNING', version: 2 }), // its pod records it
        taskOf(gone, arn(2), { lastStatus: 'RUNNING', version: 2 }), // its pod is gone: orphan
        taskOf(finished, arn(3), { lastStatus: 'RUNNING', version: 2 }), // its pod finished: orphan
        taskOf(young, arn(4), { lastStatus: 'RUNNING', version: 1, createdAtMs: T0 - MINUTE }), // too young to judge
        // an older attempt of a restarted pod: orphan
        taskOf(restarted, arn(6), { lastStatus: 'RUNNING', version: 2, attempt: 0 }),
        {
          taskArn: arn(7),
          clusterArn: CLUSTER,
          group: 'family:someone-else',
          lastStatus: 'RUNNING',
          createdAt: new Date(T0 - 60 * MINUTE),
        }, // not jobctl's
        // the same attempt, but the pod records another task: orphan
        taskOf(owned, arn(8), { lastStatus: 'RUNNING', version: 2 }),
      ];
      ecs
        .on(ListTasksCommand)
        .resolvesOnce({ taskArns: tasks.slice(0, 3).map((t) => t.taskArn!), nextToken: 'p2' })
        .resolves({ taskArns: tasks.slice(3).map((t) => t.taskArn!) });
      ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
        tasks: tasks.filter((t) => input.tasks.includes(t.taskArn!)),
        failures: [],
      }));

      const counts = await reconciler.reconcile('default', [job]);

      expect(stopped).toEqual([
        [arn(2), ORPHAN_STOP_REASON],
        [arn(3), ORPHAN_STOP_REASON],
        [arn(6), ORPHAN_STOP_REASON],
        [arn(8), ORPHAN_STOP_REASON],
      ]);
      expect(counts).toMatchObject({ tasksListed: 7, orphansStopped: 4 });
      // One filter only (the cluster): desiredStatus defaults to RUNNING, and startedBy would have to be the only
      // filter.
      expect(ecs.commandCalls(ListTasksCommand).map((c) => c.args[0].input)).toEqual([
        { cluster: CLUSTER },
        { cluster: CLUSTER, nextToken: 'p2' },
      ]);
    },
  );
});
