import { describe, expect, it } from 'vitest';
import { JobController } from '../../src/controllers/job-controller.ts';
import type { ControllerDeps } from '../../src/controllers/deps.ts';
import { TaskLaunchError } from '../../src/errors.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { Job, Pod } from '../../src/spec/types.ts';
import { FakeLogSink } from '../support/fakes/fake-log-sink.ts';
import { FakeStateStore } from '../support/fakes/fake-state-store.ts';
import { FakeTaskLauncher } from '../support/fakes/fake-task-launcher.ts';

/*
 * A launch the launcher says can never succeed is, in Kubernetes terms, a container the runtime could not start:
 * containerd terminates it with exit code 128 and reason "StartError" (internal/cri/server/container_start.go,
 * helpers.go), the kubelet records a Warning "Failed" event on the pod (kuberuntime_container.go startContainer), and
 * the pod then fails (restartPolicy Never, counted against backoffLimit) or restarts in place (OnFailure).
 */

const T0 = Date.parse('2026-03-02T10:00:30Z');
const key = (name: string) => ({ namespace: 'default', name });
const missing = () =>
  new TaskLaunchError(
    'RunTask for default/x: ECS started no task: MISSING arn:aws:ecs:eu-west-1:1:task-definition/x:1',
    { retryable: false },
  );

function jobManifest(name: string, restartPolicy: 'Never' | 'OnFailure', backoffLimit: number): Job {
  return loadManifests(
    `apiVersion: batch/v1
kind: Job
metadata: { name: ${name} }
spec:
  backoffLimit: ${backoffLimit}
  template:
    spec:
      containers: [{ name: main, image: busybox, command: ["true"] }]
      restartPolicy: ${restartPolicy}
`,
    `${name}.yaml`,
  ).objects[0] as Job;
}

async function setUp(job: Job) {
  const clock = new ManualClock(T0);
  const store = new FakeStateStore({ now: () => clock.now() });
  await store.create(job);
  const launcher = new FakeTaskLauncher({ stopResult: false }); // launches fail as each test scripts
  const deps: ControllerDeps = { store, launcher, logs: new FakeLogSink(), clock };
  return { clock, store, launcher, jobs: new JobController(deps) };
}

/**
 * Syncs the Job as the runtime would, with nothing else waking it: again at each `requeueAtMs` (advancing the clock
 * to it), until a sync asks for none. Returns the offsets from T0 at which it synced.
 */
async function runUntilIdle(jobs: JobController, clock: ManualClock, name: string, maxSyncs = 20): Promise<number[]> {
  const syncedAtMs: number[] = [];
  for (let i = 0; i < maxSyncs; i++) {
    syncedAtMs.push(clock.now() - T0);
    const { requeueAtMs } = await jobs.sync(key(name));
    if (requeueAtMs === undefined) return syncedAtMs;
    clock.advanceTo(Math.max(clock.now(), requeueAtMs));
  }
  throw new Error(`job ${name} still requeueing after ${maxSyncs} syncs: ${syncedAtMs.join(', ')}`);
}

/** The Job's pods in creation order (the store lists them by name, and names end in a random suffix). */
const podsOf = async (store: FakeStateStore, name: string) =>
  (await store.listPods(key(name))).sort((a, b) =>
    (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
  );
const terminatedOf = (pod: Pod) => pod.status.containerStatuses?.[0]?.state.terminated;
const eventsOf = async (store: FakeStateStore, pod: Pod) =>
  (await store.listEvents('Pod', key(pod.metadata.name))).map((e) => ({
    type: e.type,
    reason: e.reason,
    message: e.message,
  }));

describe('JobController, when a launch can never succeed', () => {
  it(
    'fails each pod with StartError and the Job with BackoffLimitExceeded after the back-off, when restartPolicy is ' +
      'Never',
    async () => {
      // Arrange
      const { clock, store, launcher, jobs } = await setUp(jobManifest('never', 'Never', 1));
      launcher.failAlways(missing);

      // Act
      const syncedAtMs = await runUntilIdle(jobs, clock, 'never');

      // Assert
      const pods = await podsOf(store, 'never');
      const job = await store.get('Job', key('never'));
      expect(
        pods.map((p) => ({
          phase: p.status.phase,
          message: p.status.message,
          terminated: terminatedOf(p),
          created: p.metadata.creationTimestamp,
        })),
      ).toEqual([
        {
          phase: 'Failed',
          message: missing().message,
          terminated: { exitCode: 128, reason: 'StartError', finishedAt: '2026-03-02T10:00:30Z' },
          created: '2026-03-02T10:00:30Z',
        },
        // The second pod waits out the 10 s pod re-creation back-off.
        {
          phase: 'Failed',
          message: missing().message,
          terminated: { exitCode: 128, reason: 'StartError', finishedAt: '2026-03-02T10:00:40Z' },
          created: '2026-03-02T10:00:40Z',
        },
      ]);
      expect(launcher.attempts).toEqual(pods.map((p) => p.metadata.name));
      expect({
        failed: job!.status.failed,
        active: job!.status.active,
        conditions: job!.status.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`),
      }).toEqual({
        failed: 2,
        active: 0,
        conditions: ['FailureTarget=True/BackoffLimitExceeded', 'Failed=True/BackoffLimitExceeded'],
      });
      expect(syncedAtMs).toEqual([0, 0, 10_000, 10_000]);
    },
  );

  it('records one Warning Failed event on the pod per failed start, and none on the Job', async () => {
    const { clock, store, launcher, jobs } = await setUp(jobManifest('events', 'Never', 1));
    launcher.failAlways(missing);

    await runUntilIdle(jobs, clock, 'events');

    const pods = await podsOf(store, 'events');
    const expected = [{ type: 'Warning', reason: 'Failed', message: `Error: ${missing().message}` }];
    expect(await Promise.all(pods.map((p) => eventsOf(store, p)))).toEqual([expected, expected]);
    const jobReasons = (await store.listEvents('Job', key('events'))).map((e) => `${e.type}/${e.reason}`);
    expect(jobReasons).toEqual(['Normal/SuccessfulCreate', 'Normal/SuccessfulCreate', 'Warning/BackoffLimitExceeded']);
  });

  it('throws a retryable TaskLaunchError from sync and leaves the pod Pending', async () => {
    const { store, launcher, jobs } = await setUp(jobManifest('capacity', 'Never', 1));
    const capacity = new TaskLaunchError(
      'RunTask for default/x: ECS started no task: Capacity is unavailable at this time (retryable: try again later)',
      { retryable: true },
    );
    launcher.failAlways(() => capacity);

    await expect(jobs.sync(key('capacity'))).rejects.toBe(capacity);
    await expect(jobs.sync(key('capacity'))).rejects.toBe(capacity); // the Pending pod is launched again

    const pods = await store.listPods(key('capacity'));
    expect({
      pods: pods.map((p) => ({ phase: p.status.phase, containerStatuses: p.status.containerStatuses })),
      events: await eventsOf(store, pods[0]!),
      attempts: launcher.attempts.length,
    }).toEqual({
      pods: [{ phase: 'Pending', containerStatuses: undefined }],
      events: [],
      attempts: 2,
    });
  });

  it('restarts the container in place after a StartError when restartPolicy is OnFailure', async () => {
    // Arrange
    const { clock, store, launcher, jobs } = await setUp(jobManifest('onfailure', 'OnFailure', 6));
    launcher.failNext(missing());

    // Act: the failed start is recorded, and the requeue it asks for restarts the container (no back-off before the
    // first restart).
    const first = await jobs.sync(key('onfailure'));
    const [afterFailure] = await store.listPods(key('onfailure'));
    const second = await jobs.sync(key('onfailure'));
    await jobs.recordTaskStart(
      { namespace: 'default', jobName: 'onfailure', podName: afterFailure!.metadata.name },
      T0,
    );

    // Assert
    const [pod] = await store.listPods(key('onfailure'));
    const status = afterFailure!.status.containerStatuses?.[0];
    expect({
      phase: afterFailure!.status.phase,
      restartCount: status?.restartCount,
      waiting: status?.state.waiting?.reason,
      lastState: status?.lastState,
    }).toEqual({
      phase: 'Running',
      restartCount: 1,
      waiting: 'CrashLoopBackOff',
      lastState: { terminated: { exitCode: 128, reason: 'StartError', finishedAt: '2026-03-02T10:00:30Z' } },
    });
    expect({
      first,
      second: second.requeueAtMs,
      attempts: launcher.attempts,
      pods: (await store.listPods(key('onfailure'))).length,
    }).toEqual({
      first: { requeueAtMs: clock.now() },
      second: undefined,
      attempts: [pod!.metadata.name, pod!.metadata.name],
      pods: 1,
    });
    expect({
      phase: pod!.status.phase,
      restartCount: pod!.status.containerStatuses?.[0]?.restartCount,
      running: pod!.status.containerStatuses?.[0]?.state.running !== undefined,
    }).toEqual({
      phase: 'Running',
      restartCount: 1,
      running: true,
    });
  });

  it(
    'fails the Job with BackoffLimitExceeded once the StartError restarts reach backoffLimit, when restartPolicy is ' +
      'OnFailure',
    async () => {
      const { clock, store, launcher, jobs } = await setUp(jobManifest('crashloop', 'OnFailure', 2));
      launcher.failAlways(missing);

      await runUntilIdle(jobs, clock, 'crashloop');
      // The last sync stopped the crash-looping pod and recorded its end; that write wakes the Job (notify locally, its
      // stream record on AWS), and the Job fails once no pod is left running.
      await jobs.sync(key('crashloop'));

      const [pod, ...others] = await store.listPods(key('crashloop'));
      const job = await store.get('Job', key('crashloop'));
      expect({
        others: others.length,
        attempts: launcher.attempts.length,
        restartCount: pod!.status.containerStatuses?.[0]?.restartCount,
        phase: pod!.status.phase,
        events: (await eventsOf(store, pod!)).length,
        failed: job!.status.conditions.find((c) => c.type === 'Failed')?.reason,
      }).toEqual({
        others: 0,
        attempts: 2,
        restartCount: 2,
        phase: 'Failed',
        events: 2,
        failed: 'BackoffLimitExceeded',
      });
    },
  );

  it('counts a start failure once when two syncs launch the same Pending pod at once', async () => {
    const { store, launcher, jobs } = await setUp(jobManifest('race', 'OnFailure', 6));
    await jobs.sync(key('race')); // the pod is stored and Pending: its task never reported a start
    launcher.failAlways(missing);

    await Promise.all([jobs.sync(key('race')), jobs.sync(key('race'))]);

    const [pod] = await store.listPods(key('race'));
    expect({
      attempts: launcher.attempts.length,
      restartCount: pod!.status.containerStatuses?.[0]?.restartCount,
      events: (await eventsOf(store, pod!)).length,
    }).toEqual({
      attempts: 3,
      restartCount: 1,
      events: 1,
    });
  });
});
