import { describe, expect, it } from 'vitest';
import {
  applyStopRequest,
  applyTaskExit,
  applyTaskStart,
  isDisrupted,
  isPodFinished,
  isStopRequested,
} from '../../../src/engine/task-exit.ts';
import { podForJob } from '../../../src/engine/pod-template.ts';
import type { Pod, RestartPolicy } from '../../../src/spec/types.ts';
import { aBatchJob, aJobPod, at, rfc3339 } from '../../support/builders.ts';

const T0 = at('2024-03-01T12:00:00Z');
const s = 1000;

function pendingPod(restartPolicy: RestartPolicy = 'Never'): Pod {
  return podForJob(aBatchJob({ restartPolicy }), 0, T0);
}

describe('applyTaskStart', () => {
  it('moves a Pending pod to Running with startTime and a running container', () => {
    const pod = applyTaskStart(pendingPod(), T0 + s);

    expect(pod.status).toEqual({
      phase: 'Running',
      startTime: rfc3339(T0 + s),
      containerStatuses: [
        { name: 'main', image: 'foo/bar', restartCount: 0, state: { running: { startedAt: rfc3339(T0 + s) } } },
      ],
    });
  });

  it(
    'ignores a start report of another attempt (a restarted runtime finds a record of the one before, already ' +
      'ended)',
    () => {
      const crashed = applyTaskExit(applyTaskStart(pendingPod('OnFailure'), T0), {
        exitCode: 2,
        reason: 'Error',
        finishedAtMs: T0 + 5 * s,
      });

      expect(applyTaskStart(crashed, T0 + 20 * s, 0)).toBe(crashed);
      expect(applyTaskStart(crashed, T0 + 20 * s, 1).status.phase).toBe('Running');
    },
  );

  it('keeps the first startTime, the restart count and lastState after an in-place restart', () => {
    const crashed = applyTaskExit(applyTaskStart(pendingPod('OnFailure'), T0), {
      exitCode: 2,
      reason: 'Error',
      finishedAtMs: T0 + 5 * s,
    });

    const restarted = applyTaskStart(crashed, T0 + 20 * s);

    expect(restarted.status).toEqual({
      phase: 'Running',
      startTime: rfc3339(T0),
      containerStatuses: [
        {
          name: 'main',
          image: 'foo/bar',
          restartCount: 1,
          state: { running: { startedAt: rfc3339(T0 + 20 * s) } },
          lastState: {
            terminated: { exitCode: 2, reason: 'Error', startedAt: rfc3339(T0), finishedAt: rfc3339(T0 + 5 * s) },
          },
        },
      ],
    });
  });

  it('ignores a late start of a finished pod', () => {
    const done = applyTaskExit(applyTaskStart(pendingPod(), T0), {
      exitCode: 0,
      reason: 'Completed',
      finishedAtMs: T0 + s,
    });

    expect(applyTaskStart(done, T0 + 2 * s)).toBe(done);
  });
});

describe('applyTaskExit', () => {
  const cases = [
    {
      name: 'exit 0 succeeds',
      restartPolicy: 'Never' as const,
      exit: { exitCode: 0, reason: 'Completed' },
      stop: undefined,
      expected: {
        phase: 'Succeeded',
        reason: undefined,
        restartCount: 0,
        state: {
          terminated: { exitCode: 0, reason: 'Completed', startedAt: rfc3339(T0), finishedAt: rfc3339(T0 + 9 * s) },
        },
        lastState: undefined,
      },
    },
    {
      name: 'non-zero with restartPolicy Never fails',
      restartPolicy: 'Never' as const,
      exit: { exitCode: 3, reason: 'Error' },
      stop: undefined,
      expected: {
        phase: 'Failed',
        reason: undefined,
        restartCount: 0,
        state: {
          terminated: { exitCode: 3, reason: 'Error', startedAt: rfc3339(T0), finishedAt: rfc3339(T0 + 9 * s) },
        },
        lastState: undefined,
      },
    },
    {
      name: 'non-zero with restartPolicy OnFailure waits in CrashLoopBackOff',
      restartPolicy: 'OnFailure' as const,
      exit: { exitCode: 3, reason: 'Error' },
      stop: undefined,
      expected: {
        phase: 'Running',
        reason: undefined,
        restartCount: 1,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: {
          terminated: { exitCode: 3, reason: 'Error', startedAt: rfc3339(T0), finishedAt: rfc3339(T0 + 9 * s) },
        },
      },
    },
    {
      name: 'exit 0 with restartPolicy OnFailure succeeds',
      restartPolicy: 'OnFailure' as const,
      exit: { exitCode: 0, reason: 'Completed' },
      stop: undefined,
      expected: {
        phase: 'Succeeded',
        reason: undefined,
        restartCount: 0,
        state: {
          terminated: { exitCode: 0, reason: 'Completed', startedAt: rfc3339(T0), finishedAt: rfc3339(T0 + 9 * s) },
        },
        lastState: undefined,
      },
    },
    {
      name: 'a stop the controller asked for fails the pod with its reason, even on exit 0',
      restartPolicy: 'OnFailure' as const,
      exit: { exitCode: 0, reason: 'DeadlineExceeded' },
      stop: undefined,
      expected: {
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        restartCount: 0,
        state: {
          terminated: { exitCode: 0, reason: 'Completed', startedAt: rfc3339(T0), finishedAt: rfc3339(T0 + 9 * s) },
        },
        lastState: undefined,
      },
    },
    {
      name: 'a pod marked by applyStopRequest fails with that reason, not restarted in place',
      restartPolicy: 'OnFailure' as const,
      exit: { exitCode: 143, reason: 'Error' },
      stop: 'Suspended',
      expected: {
        phase: 'Failed',
        reason: 'Suspended',
        restartCount: 0,
        state: {
          terminated: { exitCode: 143, reason: 'Error', startedAt: rfc3339(T0), finishedAt: rfc3339(T0 + 9 * s) },
        },
        lastState: undefined,
      },
    },
  ];

  it.each(cases)('$name', ({ restartPolicy, exit, stop, expected }) => {
    let pod = applyTaskStart(pendingPod(restartPolicy), T0);
    if (stop !== undefined) pod = applyStopRequest(pod, stop);

    const after = applyTaskExit(pod, { ...exit, finishedAtMs: T0 + 9 * s });

    const cs = after.status.containerStatuses?.[0];
    expect({
      phase: after.status.phase,
      reason: after.status.reason,
      restartCount: cs?.restartCount,
      state: cs?.state.waiting === undefined ? cs?.state : { waiting: { reason: cs.state.waiting.reason } },
      lastState: cs?.lastState,
    }).toEqual(expected);
  });

  it('words the CrashLoopBackOff wait as the kubelet does', () => {
    let pod = applyTaskStart(pendingPod('OnFailure'), T0);
    for (let i = 0; i < 3; i++)
      pod = applyTaskStart(applyTaskExit(pod, { exitCode: 1, reason: 'Error', finishedAtMs: T0 + i * s }), T0 + i * s);

    const waiting = applyTaskExit(pod, { exitCode: 1, reason: 'Error', finishedAtMs: T0 + 9 * s }).status
      .containerStatuses?.[0]?.state.waiting;

    expect(waiting).toEqual({
      reason: 'CrashLoopBackOff',
      message: `back-off 40s restarting failed container=main pod=${pod.metadata.name}_default(${pod.metadata.uid})`,
    });
  });

  it('ignores a duplicate exit of a finished pod', () => {
    const done = applyTaskExit(applyTaskStart(pendingPod(), T0), {
      exitCode: 1,
      reason: 'Error',
      finishedAtMs: T0 + s,
    });

    expect(applyTaskExit(done, { exitCode: 0, reason: 'Completed', finishedAtMs: T0 + 2 * s })).toBe(done);
  });

  it('finishes a pod that never started when its stop is applied directly', () => {
    const pod = applyTaskExit(applyStopRequest(pendingPod(), 'BackoffLimitExceeded'), {
      exitCode: 137,
      reason: 'BackoffLimitExceeded',
      finishedAtMs: T0,
    });

    expect({ phase: pod.status.phase, reason: pod.status.reason, finished: isPodFinished(pod) }).toEqual({
      phase: 'Failed',
      reason: 'BackoffLimitExceeded',
      finished: true,
    });
  });
});

describe('applyStopRequest', () => {
  it('marks an unfinished pod as stopping and leaves a finished one alone', () => {
    const running = applyTaskStart(pendingPod(), T0);
    const done = applyTaskExit(running, { exitCode: 0, reason: 'Completed', finishedAtMs: T0 + s });

    const stopping = applyStopRequest(running, 'Suspended', 'Job suspended');

    expect({
      stopping: isStopRequested(stopping),
      reason: stopping.status.reason,
      message: stopping.status.message,
      phase: stopping.status.phase,
      finishedUnchanged: applyStopRequest(done, 'Suspended') === done,
      runningNotStopping: isStopRequested(running),
    }).toEqual({
      stopping: true,
      reason: 'Suspended',
      message: 'Job suspended',
      phase: 'Running',
      finishedUnchanged: true,
      runningNotStopping: false,
    });
  });
});

describe('applyTaskExit: exits of another attempt, and disruptions', () => {
  const running = (restartCount: number): Pod => {
    const pod = aJobPod(aBatchJob({ restartPolicy: 'OnFailure' }), { phase: 'Running', restartCount });
    return pod;
  };

  it('ignores an exit of an earlier attempt (reported late, after a runtime crash)', () => {
    const pod = running(1);
    expect(applyTaskExit(pod, { exitCode: 1, reason: 'Error', finishedAtMs: 5_000, attempt: 0 })).toBe(pod);
    expect(applyTaskExit(pod, { exitCode: 0, reason: 'Completed', finishedAtMs: 5_000, attempt: 1 }).status.phase).toBe(
      'Succeeded',
    );
  });

  it('a disruption fails the pod with the DisruptionTarget condition, whatever the restart policy', () => {
    const ended = applyTaskExit(running(0), {
      exitCode: 137,
      reason: 'Lost',
      finishedAtMs: 5_000,
      disruption: { reason: 'DeletionByPodGC', message: 'gone' },
    });
    expect(ended.status).toMatchObject({
      phase: 'Failed',
      reason: 'Lost',
      conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'gone' }],
    });
    expect(isDisrupted(ended)).toBe(true);
  });

  it('a task that exited 0 while the runtime stopped it finished its work: Succeeded, not disrupted', () => {
    const ended = applyTaskExit(running(0), {
      exitCode: 0,
      reason: 'RuntimeStopped',
      finishedAtMs: 5_000,
      disruption: { reason: 'TerminationByKubelet', message: 'stopped' },
    });
    expect(ended.status.phase).toBe('Succeeded');
    expect(ended.status.reason).toBeUndefined();
    expect(isDisrupted(ended)).toBe(false);
  });
});
