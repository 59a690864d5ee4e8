import type { ContainerState, ContainerStatus, Pod } from '../spec/types.ts';
import { crashLoopBackOffMs } from './backoff.ts';
import { toRfc3339 } from './object-meta.ts';

/*
 * There is no kubelet: these functions play its part in a pod's life. They are pure; the runtime stores the result.
 */

/** Whether the pod reached a terminal phase (`Succeeded` or `Failed`); such a pod never changes again. */
export function isPodFinished(pod: Pod): boolean {
  return pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed';
}

/**
 * Kubernetes' `podutil.IsPodReady` (the pod's `Ready` condition), for jobctl, which has no readiness probes: a Running
 * pod whose containers are all running. A container waiting (in CrashLoopBackOff after a crash, restartPolicy
 * OnFailure) makes the pod not ready, as the kubelet's `ContainersReady` does.
 */
export function isPodReady(pod: Pod): boolean {
  const statuses = pod.status.containerStatuses ?? [];
  return (
    pod.status.phase === 'Running' && statuses.length > 0 && statuses.every((cs) => cs.state.running !== undefined)
  );
}

/**
 * Whether the controller asked this unfinished pod's task to stop ({@link applyStopRequest}); jobctl's stand-in for
 * Kubernetes' `metadata.deletionTimestamp` on a terminating pod.
 */
export function isStopRequested(pod: Pod): boolean {
  return !isPodFinished(pod) && pod.status.reason !== undefined;
}

/**
 * Records that the controller asked the pod's task to stop (the executor calls it when it carries out a `stopPod`).
 * Kubernetes marks the pod with a deletion timestamp; jobctl sets `status.reason`, so the next sync sees the pod as
 * terminating: not active, counted as failed, not stopped a second time. A finished pod is returned unchanged.
 */
export function applyStopRequest(pod: Pod, reason: string, message?: string): Pod {
  if (isPodFinished(pod) || pod.status.reason === reason) return pod;
  return {
    ...pod,
    status: { ...pod.status, reason, ...(message === undefined ? {} : { message }) },
  };
}

/**
 * Kubelet's part: the task started. Pending → Running, `status.startTime` on the first start only, each container
 * `running`. After an in-place restart (OnFailure) the restart count and `lastState` are kept. A finished pod, or a
 * report about another attempt than the pod's current one (`attempt`, its restart count), is returned unchanged (a
 * late event: a runtime that restarts can find the record of an attempt whose exit is stored already).
 */
export function applyTaskStart(pod: Pod, startedAtMs: number, attempt?: number): Pod {
  if (isPodFinished(pod)) return pod;
  if (attempt !== undefined && attempt !== (pod.status.containerStatuses?.[0]?.restartCount ?? 0)) return pod;
  const startedAt = toRfc3339(startedAtMs);
  const previous = new Map((pod.status.containerStatuses ?? []).map((cs) => [cs.name, cs]));
  const containerStatuses: ContainerStatus[] = pod.spec.containers.map((c) => {
    const before = previous.get(c.name);
    return {
      name: c.name,
      image: c.image,
      restartCount: before?.restartCount ?? 0,
      state: { running: { startedAt } },
      ...(before?.lastState === undefined ? {} : { lastState: before.lastState }),
    };
  });
  return {
    ...pod,
    status: { ...pod.status, phase: 'Running', startTime: pod.status.startTime ?? startedAt, containerStatuses },
  };
}

/**
 * Exit code of a container the runtime could not start. containerd's CRI plugin ends such a container with exit code
 * 128 ("the same with Docker's behavior") and reason `StartError`, the start error as its message
 * (`internal/cri/server/helpers.go` `errorStartExitCode`/`errorStartReason`, set in `container_start.go`'s failure
 * path).
 */
export const START_ERROR_EXIT_CODE = 128;

/**
 * Reasons a container itself ends with, as the kubelet reports them; any other reason is a stop the controller asked
 * for.
 */
const containerExitReasons = new Set(['Completed', 'Error', 'OOMKilled', 'ContainerCannotRun', 'StartError']);

/** A task's end as the launcher reports it (see `TaskExit`). */
export interface TaskExitReport {
  exitCode: number;
  reason: string;
  message?: string;
  finishedAtMs: number;
  /** The restart count of the attempt that ended; an exit of another attempt is ignored. */
  attempt?: number;
  /** The pod ended with its node: it gets a `DisruptionTarget` condition ({@link isDisrupted}). */
  disruption?: { reason: string; message: string };
}

/**
 * Whether the pod failed with its "node" — Kubernetes' `DisruptionTarget` condition: the local runtime stopped
 * (`TerminationByKubelet`) or a task vanished with a crashed runtime (`DeletionByPodGC`). The Job controller counts
 * such a pod neither as failed nor in the back-off, as Kubernetes does under the podFailurePolicy rule its docs
 * suggest for this (`action: Ignore`, `onPodConditions: [{type: DisruptionTarget}]`): the user's command did not fail.
 */
export function isDisrupted(pod: Pod): boolean {
  return (
    pod.status.phase === 'Failed' &&
    (pod.status.conditions ?? []).some((c) => c.type === 'DisruptionTarget' && c.status === 'True')
  );
}

/**
 * Kubelet's part: the task exited.
 * - A stop the controller asked for (the pod carries {@link applyStopRequest}'s reason, or the exit's reason is not a
 *   container's own such as `Completed`/`Error`) ends `Failed` with that reason, whatever the exit code.
 * - Exit code 0 → `Succeeded`, also when the runtime itself was stopping the task (a `disruption`): it finished.
 * - Non-zero with restartPolicy `Never` → `Failed`.
 * - Non-zero with restartPolicy `OnFailure` → stays `Running`: `restartCount` + 1, state `waiting` with reason
 *   `CrashLoopBackOff`, `lastState.terminated` keeping the exit, as `kubectl get pod` shows a crash-looping pod.
 *   The Job controller restarts it in place once the kubelet back-off has passed.
 * A finished pod is returned unchanged (duplicate or late exit), and so is one whose restart count is not the exit's
 * `attempt` (an earlier attempt's exit, reported after a crash of the runtime).
 *
 * `message` (a start error's) becomes the `Failed` pod's `status.message`, unless a stop request already gave one:
 * Kubernetes keeps it in the container's `terminated.message`, which jobctl's container state does not carry. A pod
 * that restarts in place keeps no message (its `lastState` has no field for it either); the kubelet's `Failed` event
 * on the pod carries it.
 */
export function applyTaskExit(pod: Pod, exit: TaskExitReport): Pod {
  if (isPodFinished(pod)) return pod;
  if (exit.attempt !== undefined && exit.attempt !== restartCountOf(pod)) return pod; // an earlier attempt's late exit
  const finishedAt = toRfc3339(exit.finishedAtMs);
  // A task that exited 0 as its "node" stopped (the runtime's own stop) finished its work: it succeeded, as a container
  // that exits 0 on a node's SIGTERM does in Kubernetes. Recorded Failed, its work (a queue item) would be done again.
  const completedDespiteDisruption =
    exit.disruption !== undefined && exit.exitCode === 0 && pod.status.reason === undefined;
  const stopReason =
    pod.status.reason ??
    (containerExitReasons.has(exit.reason) || completedDespiteDisruption ? undefined : exit.reason);
  const containerReason = containerExitReasons.has(exit.reason)
    ? exit.reason
    : exit.exitCode === 0
      ? 'Completed'
      : 'Error';
  const terminatedState = (cs: ContainerStatus | undefined): ContainerState => ({
    terminated: {
      exitCode: exit.exitCode,
      reason: containerReason,
      ...(cs?.state.running === undefined ? {} : { startedAt: cs.state.running.startedAt }),
      finishedAt,
    },
  });
  const previous = new Map((pod.status.containerStatuses ?? []).map((cs) => [cs.name, cs]));
  const restartInPlace = stopReason === undefined && exit.exitCode !== 0 && pod.spec.restartPolicy === 'OnFailure';

  if (restartInPlace) {
    const containerStatuses: ContainerStatus[] = pod.spec.containers.map((c) => {
      const before = previous.get(c.name);
      const restartCount = (before?.restartCount ?? 0) + 1;
      return {
        name: c.name,
        image: c.image,
        restartCount,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            // The kubelet's wording (kuberuntime_manager.go doBackOff).
            message:
              `back-off ${formatGoDuration(crashLoopBackOffMs(restartCount))} restarting failed ` +
              `container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid ?? ''})`,
          },
        },
        lastState: terminatedState(before),
      };
    });
    return { ...pod, status: { ...pod.status, phase: 'Running', containerStatuses } };
  }

  const containerStatuses: ContainerStatus[] = pod.spec.containers.map((c) => {
    const before = previous.get(c.name);
    return {
      name: c.name,
      image: c.image,
      restartCount: before?.restartCount ?? 0,
      state: terminatedState(before),
      ...(before?.lastState === undefined ? {} : { lastState: before.lastState }),
    };
  });
  const phase = stopReason === undefined && exit.exitCode === 0 ? 'Succeeded' : 'Failed';
  return {
    ...pod,
    status: {
      ...pod.status,
      phase,
      ...(stopReason === undefined ? {} : { reason: stopReason }),
      ...(exit.message === undefined || pod.status.message !== undefined ? {} : { message: exit.message }),
      ...(exit.disruption === undefined || phase === 'Succeeded'
        ? {}
        : {
            conditions: [
              {
                type: 'DisruptionTarget' as const,
                status: 'True' as const,
                ...exit.disruption,
                lastTransitionTime: finishedAt,
              },
            ],
          }),
      containerStatuses,
    },
  };
}

/**
 * Kubelet's part: the container runtime could not start the pod's container (the launcher rejected the launch for
 * good). As in Kubernetes the container terminates with exit code {@link START_ERROR_EXIT_CODE} and reason
 * `StartError`, and the kubelet handles it like any other exit ({@link applyTaskExit}): restartPolicy `Never` fails
 * the pod, which counts against the Job's backoffLimit; `OnFailure` restarts it in place after the container back-off.
 *
 * `launched` is the pod as it was handed to the launcher. The failure belongs to that attempt only: a pod that has
 * since restarted, started or finished (another sync's launch of the same attempt, already recorded) is returned
 * unchanged, so one failed launch is never counted twice.
 */
export function applyStartError(pod: Pod, launched: Pod, failure: { message: string; finishedAtMs: number }): Pod {
  const isSameAttempt = restartCountOf(pod) === restartCountOf(launched);
  const isStarted = (pod.status.containerStatuses ?? []).some((cs) => cs.state.running !== undefined);
  if (!isSameAttempt || isStarted) return pod;
  return applyTaskExit(pod, {
    exitCode: START_ERROR_EXIT_CODE,
    reason: 'StartError',
    message: failure.message,
    finishedAtMs: failure.finishedAtMs,
  });
}

function restartCountOf(pod: Pod): number {
  return (pod.status.containerStatuses ?? []).reduce((sum, cs) => sum + cs.restartCount, 0);
}

/**
 * Go's `time.Duration.String()` for whole seconds and minutes (`0s`, `10s`, `5m0s`), as the kubelet prints back-offs.
 */
function formatGoDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return minutes === 0 ? `${seconds}s` : `${minutes}m${seconds}s`;
}
