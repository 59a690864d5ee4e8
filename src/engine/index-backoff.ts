import { wellKnown, type Job, type Pod } from '../spec/types.ts';
import {
  defaultJobPodFailureBackOffMs,
  maxJobPodFailureBackOffMs,
  podFinishedTimeMs,
  remainingBackoffMs,
} from './backoff.ts';
import { completionIndexOf, hasIndex, type IndexInterval } from './indexes.ts';
import { matchPodFailurePolicy } from './pod-failure-policy.ts';
import { isDisrupted } from './task-exit.ts';

/** The two per-index failure counts a pod of a Job with `backoffLimitPerIndex` carries as annotations. */
export interface IndexFailureCounts {
  /** `batch.kubernetes.io/job-index-failure-count`: counted failures of the index before this pod. */
  failed: number;
  /** `batch.kubernetes.io/job-index-ignored-failure-count`: failures a podFailurePolicy `Ignore` rule matched. */
  ignored: number;
}

const maxInt32 = 2_147_483_647;

/**
 * Kubernetes `parseInt32` on an annotation (indexed_job_utils.go): 0 when it is absent, not an integer, negative or
 * beyond int32.
 */
function annotationCount(pod: Pod, key: string): number {
  const value = pod.metadata.annotations?.[key];
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return 0;
  const n = Number.parseInt(value, 10);
  return n < 0 || n > maxInt32 ? 0 : n;
}

/** Kubernetes `getIndexFailureCount`: the pod's `job-index-failure-count` annotation. */
export function indexFailureCountOf(pod: Pod): number {
  return annotationCount(pod, wellKnown.indexFailureCount);
}

/** Kubernetes `getIndexAbsoluteFailureCount`: counted plus ignored failures before the pod. */
export function indexAbsoluteFailureCountOf(pod: Pod): number {
  return indexFailureCountOf(pod) + annotationCount(pod, wellKnown.indexIgnoredFailureCount);
}

/**
 * Whether a failed pod counts against its index (Kubernetes `matchPodFailurePolicy`'s `countFailed`); with no rule
 * matching, a pod that ended with its node (`DisruptionTarget`) does not — jobctl's standing `Ignore` of disruptions.
 */
function countsFailed(job: Job, pod: Pod): boolean {
  const match = matchPodFailurePolicy(job.spec.podFailurePolicy, pod);
  return match.action === undefined ? !isDisrupted(pod) : match.countFailed;
}

/**
 * Kubernetes `getNewIndexFailureCounts` (indexed_job_utils.go): the counts for the pod that replaces
 * `podBeingReplaced` — its counts plus one, on the counted side unless a policy ignores the pod; 0 and 0 for the
 * first pod of an index.
 */
export function newIndexFailureCounts(job: Job, podBeingReplaced: Pod | undefined): IndexFailureCounts {
  if (podBeingReplaced === undefined) return { failed: 0, ignored: 0 };
  const failed = indexFailureCountOf(podBeingReplaced);
  const ignored = annotationCount(podBeingReplaced, wellKnown.indexIgnoredFailureCount);
  return countsFailed(job, podBeingReplaced) ? { failed: failed + 1, ignored } : { failed, ignored: ignored + 1 };
}

/**
 * Kubernetes `getPodsWithDelayedDeletionPerIndex` (indexed_job_utils.go): for each index below `completions` that is
 * neither active, succeeded nor failed for good, its last failed pod — the one with the highest absolute failure
 * count, the latest finish among equals — which the next pod of the index replaces.
 */
export function lastFailedPodPerIndex(
  failedPods: readonly Pod[],
  activePods: readonly Pod[],
  succeededIndexes: readonly IndexInterval[],
  failedIndexes: readonly IndexInterval[],
  completions: number,
): Map<number, Pod> {
  const activeIndexes = new Set(activePods.map(completionIndexOf));
  const last = new Map<number, Pod>();
  for (const pod of failedPods) {
    const ix = completionIndexOf(pod);
    if (ix === undefined || ix >= completions) continue;
    if (activeIndexes.has(ix) || hasIndex(succeededIndexes, ix) || hasIndex(failedIndexes, ix)) continue;
    const kept = last.get(ix);
    if (
      kept === undefined ||
      (indexAbsoluteFailureCountOf(kept) <= indexAbsoluteFailureCountOf(pod) &&
        podFinishedTimeMs(pod) >= podFinishedTimeMs(kept))
    ) {
      last.set(ix, pod);
    }
  }
  return last;
}

/**
 * Kubernetes `getRemainingTimePerIndex` (backoff_utils.go): milliseconds before the index of `lastFailedPod` may get
 * a new pod — `defaultMs × 2^(n−1)` capped at `maxMs`, n the pod's absolute failure count plus one, counted from
 * when the pod finished. 0 with no failed pod or once the wait is over.
 */
export function remainingTimePerIndexMs(
  lastFailedPod: Pod | undefined,
  nowMs: number,
  defaultMs = defaultJobPodFailureBackOffMs,
  maxMs = maxJobPodFailureBackOffMs,
): number {
  if (lastFailedPod === undefined) return 0;
  const failuresAfterLastSuccess = indexAbsoluteFailureCountOf(lastFailedPod) + 1;
  // getRemainingTimeForFailuresCount, shared with the Job-wide back-off.
  const record = { failuresAfterLastSuccess, lastFailureTimeMs: podFinishedTimeMs(lastFailedPod) };
  return remainingBackoffMs(record, nowMs, defaultMs, maxMs);
}

/**
 * Whether a failed pod starts its index's back-off: not when it ended with its node (`DisruptionTarget`) and no
 * podFailurePolicy rule matched it — jobctl's standing `Ignore` of disruptions, which feeds no back-off either.
 */
export function startsIndexBackoff(job: Job, pod: Pod): boolean {
  return matchPodFailurePolicy(job.spec.podFailurePolicy, pod).action !== undefined || !isDisrupted(pod);
}
