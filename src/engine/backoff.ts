import type { Pod } from '../spec/types.ts';
import { fromRfc3339 } from './object-meta.ts';

/** First pod re-creation delay after a failure (Kubernetes `DefaultJobPodFailureBackOff`, job_controller.go). */
export const defaultJobPodFailureBackOffMs = 10_000;

/**
 * Cap of the pod re-creation delay. Kubernetes' `MaxJobPodFailureBackOff` is 10 minutes in current code; the public
 * docs and older releases say 6 minutes.
 */
export const maxJobPodFailureBackOffMs = 600_000;

/** Kubelet `backOffPeriod` (pkg/kubelet/kubelet.go): base of the CrashLoopBackOff between in-place restarts. */
export const containerBackOffMs = 10_000;

/** Kubelet `MaxContainerBackOff` (pkg/kubelet/kubelet.go): 300 s. */
export const maxContainerBackOffMs = 300_000;

/** What Kubernetes' `backoffRecord` holds for a Job. */
export interface BackoffRecord {
  /** Failed pods that finished after the last pod that succeeded. */
  failuresAfterLastSuccess: number;
  /** Epoch ms of the latest of those failures; undefined when there are none. */
  lastFailureTimeMs?: number;
}

/**
 * When a pod finished, as Kubernetes' `getFinishedTime` (backoff_utils.go) reads it: the latest `finishedAt` when
 * every container has terminated, else the pod's creation time. (Kubernetes also looks at the Ready=False condition
 * and the deletion timestamp; jobctl pods carry neither, and every finished jobctl pod has terminated containers.)
 */
export function podFinishedTimeMs(pod: Pod): number {
  const statuses = pod.status.containerStatuses ?? [];
  let latest: number | undefined;
  let allTerminated = statuses.length > 0;
  for (const cs of statuses) {
    const finishedAt = cs.state.terminated?.finishedAt;
    if (finishedAt === undefined) {
      allTerminated = false;
      break;
    }
    const ms = fromRfc3339(finishedAt);
    if (latest === undefined || ms > latest) latest = ms;
  }
  if (allTerminated && latest !== undefined) return latest;
  return pod.metadata.creationTimestamp === undefined ? 0 : fromRfc3339(pod.metadata.creationTimestamp);
}

/**
 * The back-off record of a Job from its finished pods: Kubernetes' `backoffStore.newBackoffRecord` starting from an
 * empty store. Kubernetes keeps the record in controller memory and feeds it only pods it has not counted yet;
 * jobctl has no memory between syncs, so it recomputes the record from every finished pod the store still holds,
 * which gives the same answer: the failures that finished strictly after the latest success, and the time of the
 * last of them.
 */
export function newBackoffRecord(succeededPods: readonly Pod[], failedPods: readonly Pod[]): BackoffRecord {
  const failedTimes = failedPods.map(podFinishedTimeMs).sort((a, b) => a - b);
  if (failedTimes.length === 0) return { failuresAfterLastSuccess: 0 };
  if (succeededPods.length === 0) {
    return { failuresAfterLastSuccess: failedTimes.length, lastFailureTimeMs: failedTimes.at(-1) as number };
  }
  const lastSuccessMs = Math.max(...succeededPods.map(podFinishedTimeMs));
  const after = failedTimes.filter((t) => t > lastSuccessMs);
  if (after.length === 0) return { failuresAfterLastSuccess: 0 };
  return { failuresAfterLastSuccess: after.length, lastFailureTimeMs: after.at(-1) as number };
}

/**
 * Milliseconds left before the Job may create a pod again: `defaultMs × 2^(n−1)`, capped at `maxMs`, counted from the
 * last failure (Kubernetes `getRemainingTimeForFailuresCount`). 0 when there is no failure or the delay has passed.
 */
export function remainingBackoffMs(
  record: BackoffRecord,
  nowMs: number,
  defaultMs = defaultJobPodFailureBackOffMs,
  maxMs = maxJobPodFailureBackOffMs,
): number {
  if (record.failuresAfterLastSuccess === 0 || record.lastFailureTimeMs === undefined) return 0;
  let delayMs = defaultMs;
  for (let i = 1; i < record.failuresAfterLastSuccess; i++) {
    delayMs *= 2;
    if (delayMs >= maxMs) {
      delayMs = maxMs;
      break;
    }
  }
  const elapsedMs = nowMs - record.lastFailureTimeMs;
  return delayMs < elapsedMs ? 0 : delayMs - elapsedMs;
}

/**
 * The kubelet's wait before restarting a container in place (restartPolicy OnFailure) after its `restartCount`-th
 * crash. The kubelet (`doBackOff` in pkg/kubelet/kuberuntime/kuberuntime_manager.go with a `flowcontrol.Backoff` of
 * `backOffPeriod` 10 s and `MaxContainerBackOff` 300 s) restarts after the first crash at once and starts the
 * back-off then, so the waits are 0, 10 s, 20 s, 40 s, … 300 s, counted from the crash's `finishedAt`.
 * The kubelet forgets the back-off after 2 × 300 s without a crash; jobctl does not model that reset.
 */
export function crashLoopBackOffMs(restartCount: number): number {
  if (restartCount <= 1) return 0;
  return Math.min(containerBackOffMs * 2 ** Math.min(restartCount - 2, 30), maxContainerBackOffMs);
}
