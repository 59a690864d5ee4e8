import { isDeepStrictEqual } from 'node:util';
import { effectiveCompletions, type WorkQueueView } from './work-queue-binding.ts';
import {
  wellKnown,
  type Job,
  type JobCondition,
  type JobConditionType,
  type JobStatus,
  type Pod,
} from '../spec/types.ts';
import { crashLoopBackOffMs, newBackoffRecord, remainingBackoffMs } from './backoff.ts';
import {
  completionIndexOf,
  countIndexes,
  firstPendingIndexes,
  formatIndexes,
  hasIndex,
  mergeIntervals,
  parseIndexes,
  withIndexes,
  type IndexInterval,
} from './indexes.ts';
import {
  indexFailureCountOf,
  lastFailedPodPerIndex,
  newIndexFailureCounts,
  remainingTimePerIndexMs,
  startsIndexBackoff,
} from './index-backoff.ts';
import { finishedCondition, fromRfc3339, toRfc3339 } from './object-meta.ts';
import { nextPodSequence, podForJob, podSequenceAnnotation } from './pod-template.ts';
import { failJobMessageOf, matchPodFailurePolicy } from './pod-failure-policy.ts';
import { matchSuccessPolicy } from './success-policy.ts';
import { isDisrupted, isPodFinished, isPodReady, isStopRequested } from './task-exit.ts';

/** What the Job controller decides from, read by the executor. */
export interface JobSyncInput {
  /** The stored, defaulted Job. */
  job: Job;
  /** Every pod of this Job (label `job-name`), read consistently with `job`. Pods of another Job uid are ignored. */
  pods: Pod[];
  /** Epoch ms. */
  now: number;
  /**
   * The queue of a Job bound to one (`jobctl.dev/work-queue`), exact counts: one pod per pending item is created at
   * most, and a Job whose queue is exactly empty with completions still missing fails (`WorkQueueEmpty`) instead of
   * waiting for ever.
   */
  workQueue?: WorkQueueView;
}

/**
 * Why the controller stops a pod's task. `TooManyActivePods`: the pod is beyond what the Job wants (a lowered
 * `parallelism`, more active pods than remaining completions, a repeated or invalid completion index).
 */
export type StopPodReason =
  | 'DeadlineExceeded'
  | 'BackoffLimitExceeded'
  | 'PodFailurePolicy'
  | 'Suspended'
  | 'SuccessPolicy'
  | 'TooManyActivePods';

/**
 * The stop reason of a pod removed because the Job wants fewer pods. Kubernetes removes such a pod's tracking
 * finalizer before deleting it (`deleteJobPods`), so the Job never counts it: not in `failed`, not in the pod
 * re-creation back-off, not against an index's `backoffLimitPerIndex` — while it stops, and once it has ended.
 */
export const TOO_MANY_ACTIVE_PODS: StopPodReason = 'TooManyActivePods';

/** The stop reason of a suspended Job's pods; not counted either, for the same reason (`manageJob` when suspended). */
const SUSPENDED: StopPodReason = 'Suspended';

/**
 * The stop reason of the pods left when a `successPolicy` rule is met. Not counted failed either: Kubernetes counts
 * the pods of a finished Job as failed only when it did not succeed (`trackJobStatusAndRemoveFinalizers`).
 */
const SUCCESS_POLICY: StopPodReason = 'SuccessPolicy';

/** A side effect the executor carries out, in order. */
export type JobAction =
  /** A new Pending pod to store (conditional put on its name) and launch. */
  | { type: 'createPod'; pod: Pod }
  /** restartPolicy OnFailure: relaunch the pod's container in place; its kubelet back-off has passed. */
  | { type: 'restartContainer'; podName: string }
  /**
   * Stop the pod's task. The executor records the request on the pod (`applyStopRequest`) and, when no task is
   * running for it (never launched, or waiting in CrashLoopBackOff), ends the pod itself with `applyTaskExit`.
   */
  | { type: 'stopPod'; podName: string; reason: StopPodReason }
  /** The TTL-after-finished controller's part: delete the Job and its pods. */
  | { type: 'deleteJob'; reason: 'TTLAfterFinished' };

/** An event recorded on the Job (component `job-controller`; reasons and messages verbatim from Kubernetes). */
export interface JobEventDecision {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The decision of one sync. */
export interface JobSyncResult {
  /** The status to write (once, conditionally on resourceVersion) when `statusChanged`. */
  status: JobStatus;
  statusChanged: boolean;
  actions: JobAction[];
  /**
   * Events decided here: `SuccessfulDelete` for each stopped pod, `Suspended`, `Resumed`, `Completed`,
   * `TooManySucceededPods`, and the failure reason (`BackoffLimitExceeded`, `DeadlineExceeded`) when the Job fails.
   * `SuccessfulCreate` ("Created pod: X") is recorded by the executor once the pod is stored.
   */
  events: JobEventDecision[];
  /** Epoch ms of the next thing due: pod back-off end, in-place restart, activeDeadlineSeconds, TTL expiry. */
  requeueAtMs?: number;
}

/** Kubernetes `MaxPodCreateDeletePerSync`. */
const maxPodCreatePerSync = 500;

const backoffLimitExceeded = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
// Kubernetes' reasons and messages for per-index back-off (pkg/controller/job/job_controller.go).
const maxFailedIndexesExceeded = {
  reason: 'MaxFailedIndexesExceeded',
  message: 'Job has exceeded the specified maximal number of failed indexes',
};
const failedIndexesReason = { reason: 'FailedIndexes', message: 'Job has failed indexes' };
/** Kubernetes `batch.JobReasonPodFailurePolicy`: a pod matched a `FailJob` rule. */
const podFailurePolicyReason = 'PodFailurePolicy';
/** Kubernetes `batch.JobReasonSuccessPolicy`: a `successPolicy` rule was met. */
const successPolicyReason = 'SuccessPolicy';
const deadlineExceeded = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
/**
 * The reason and message Kubernetes (v1.31+) puts on `SuccessCriteriaMet` and `Complete` when completions are reached.
 */
const completionsReached = { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };

/**
 * The status once the executor has carried out a sync's actions. The engine counts every pod it asked to create as
 * active; the executor could not create `notCreated` of them (no work item available now, no quota slot), so they
 * are not. `statusChanged` is compared again against the stored status: a Job held for a slot and synced again must
 * not rewrite an unchanged status (on AWS the write's stream record would sync it again, for ever).
 *
 * @example
 * // parallelism 3, two pods over quota: the status says 1 active, as Kubernetes' (the API server refused two creates)
 * statusAfterActions(job, syncJob({ job, pods, now }), 2);
 */
export function statusAfterActions(
  job: Job,
  result: Pick<JobSyncResult, 'status' | 'statusChanged'>,
  notCreated: number,
): { status: JobStatus; statusChanged: boolean } {
  if (notCreated === 0) return { status: result.status, statusChanged: result.statusChanged };
  const status = { ...result.status, active: Math.max(0, result.status.active - notCreated) };
  return { status, statusChanged: !isDeepStrictEqual(status, job.status) };
}

/**
 * The Job controller's decision for one sync: Kubernetes `syncJob` + `manageJob`
 * (`pkg/controller/job/job_controller.go`, v1.31+ with its default feature gates) with the I/O taken out, plus the
 * TTL-after-finished controller. No input is mutated; the executor runs `actions`, records `events`, writes `status`
 * and requeues.
 *
 * In order:
 * 1. A finished Job (`Complete` or `Failed` True) is left alone, but for `ttlSecondsAfterFinished`: `deleteJob` once
 *    the finish time (the terminal condition's `lastTransitionTime`) plus the TTL is reached, else a requeue then.
 * 2. Count: `active` = unfinished pods not being stopped, `ready` those of them Running with every container started
 *    (jobctl has no readiness probes), `terminating` = pods being stopped that have not ended; `succeeded` from
 *    succeeded pods (Indexed: the union of `completedIndexes` and succeeded pods' indexes below `completions`);
 *    `failed` from failed pods plus pods being stopped (Kubernetes counts a deleted, unfinished pod as failed), but
 *    never pods stopped as `TooManyActivePods` (see 6) or `Suspended` (Kubernetes removes their finalizer before
 *    deleting them), and with `backoffLimitPerIndex` not yet each index's failed pod that awaits its replacement
 *    (counted once the replacement exists or the Job finishes, as Kubernetes delays its finalizer removal). Counters
 *    never go below the stored status, as Kubernetes keeps counting pods after they are removed. The pods a sync
 *    stops leave `active` and `ready` and join `terminating`.
 * 3. `startTime` is set on the first unsuspended sync.
 * 4. Failure, checked in Kubernetes' order: a failed pod matching a `podFailurePolicy` rule `FailJob` gives
 *    `PodFailurePolicy` (Kubernetes' message naming the container, pod, exit code or condition and rule index; see
 *    `pod-failure-policy.ts`, where `Ignore` keeps a pod out of `failed` and `FailIndex` fails its index); then
 *    `failed > backoffLimit` — or, with restartPolicy OnFailure, the sum of
 *    `restartCount`s of pending and running pods ≥ `backoffLimit` (> 0 when it is 0) — gives `BackoffLimitExceeded`;
 *    else `now − startTime ≥ activeDeadlineSeconds` gives `DeadlineExceeded`. The Job gets `FailureTarget` at once,
 *    every active pod is stopped (and counted failed), and `Failed` with the same reason follows when no pod is left
 *    running, with a Warning event of that reason (Kubernetes' delayed terminal condition, on by default since v1.31).
 * 5. Suspended: active pods are stopped (reason `Suspended`, never counted failed),
 *    condition `Suspended` True (`JobSuspended`, "Job suspended"), event `Suspended`; no pods start.
 * 6. Otherwise the Job wants `min(parallelism, completions − succeeded)` active pods (no completions: `parallelism`
 *    until the first success, then those running). More active pods than that (a lowered `parallelism`, fewer
 *    completions left), and for an Indexed Job pods without a valid index or repeating one, are stopped with reason
 *    `TooManyActivePods`, newest first in `controller.ActivePods` order, and nothing is created in that sync; they
 *    are never counted failed (Kubernetes removes their finalizer before deleting them). Else pods are created up to
 *    the wanted number, Indexed Jobs filling the lowest missing indexes; no pod is created while the
 *    re-creation back-off runs (`10 s × 2^(n−1)`, max 10 min, n failures after the last success). With
 *    `backoffLimitPerIndex` each index waits on its own failures instead (n: its last failed pod's
 *    `job-index-failure-count` + ignored count + 1); the indexes whose wait is over get their pod in the same sync,
 *    annotated with the index's failure counts, and the Job requeues at the earliest wait left. OnFailure pods
 *    waiting in CrashLoopBackOff are restarted in place once the kubelet back-off has passed. Resuming sets
 *    `Suspended` False (`JobResumed`, "Job resumed"), event `Resumed`, and resets `startTime`.
 * 7. Complete when `succeeded ≥ completions` (no completions: one success) and nothing is active: conditions
 *    `SuccessCriteriaMet` and `Complete` (`CompletionsReached`), `completionTime`, event `Completed`. Before that,
 *    with no failure, an Indexed Job whose succeeded indexes meet a `successPolicy` rule (`success-policy.ts`) gets
 *    `SuccessCriteriaMet` (`SuccessPolicy`, "Matched rules at index <i>"); its active pods are stopped (reason
 *    `SuccessPolicy`, never counted failed) and `Complete` with the same reason follows once none is terminating.
 *
 * jobctl's departures from Kubernetes:
 * - A Job that is resumed has its `startTime` reset before the deadline check, as the API documents; Kubernetes
 *   checks the deadline against the old `startTime` in that one sync.
 * - A pod failed with a `DisruptionTarget` condition (only the local runtime sets it: its own stop, or a task that
 *   vanished with it) is ignored as Kubernetes ignores it under a podFailurePolicy rule `action: Ignore` on that
 *   condition — not in `failed`, not in the back-off, replaced — without the Job declaring the policy; a rule of the
 *   Job's own policy that matches the pod decides instead.
 *
 * @example
 * const { status, statusChanged, actions, events, requeueAtMs } = syncJob({ job, pods, now: clock.now() });
 */
export function syncJob(input: JobSyncInput): JobSyncResult {
  const { job, now } = input;
  const pods = input.pods.filter((p) => isControlledBy(p, job));
  if (finishedCondition(job) !== undefined) return syncFinishedJob(job, now);

  const nowIso = toRfc3339(now);
  const spec = job.spec;
  const old = job.status;
  const status: JobStatus = structuredClone(old);
  const actions: JobAction[] = [];
  const events: JobEventDecision[] = [];
  const requeueAt: number[] = [];

  const indexed = spec.completionMode === 'Indexed';
  const completions = effectiveCompletions(job);
  // Kubernetes counts only pods with a valid index of an Indexed Job (getValidPodsWithFilter).
  const isCounted = (p: Pod): boolean => {
    if (!indexed) return true;
    const ix = completionIndexOf(p);
    return ix !== undefined && ix < (completions ?? 0);
  };
  const activePods = pods.filter((p) => !isPodFinished(p) && !isStopRequested(p));
  const terminatingPods = pods.filter(isStopRequested);
  // Pods stopped because the Job wanted fewer or was suspended: Kubernetes' `deleteJobPods` removes their tracking
  // finalizer before deleting them, so they are never counted failed.
  const isRemoved = (p: Pod): boolean =>
    p.status.reason === TOO_MANY_ACTIVE_PODS || p.status.reason === SUSPENDED || p.status.reason === SUCCESS_POLICY;
  const succeededPods = pods.filter((p) => p.status.phase === 'Succeeded' && isCounted(p));
  const policy = spec.podFailurePolicy;
  // Kubernetes `onlyReplaceFailedPods`: `podReplacementPolicy: Failed`, or any podFailurePolicy.
  const onlyReplaceFailedPods = policy !== undefined || spec.podReplacementPolicy === 'Failed';
  // podFailurePolicy (Kubernetes `matchPodFailurePolicy`): the first matching rule decides whether a failed pod
  // counts (not for `Ignore`). A pod that ended with its node (`DisruptionTarget`) and that no rule matched is not the
  // command's failure either: not counted, no back-off (jobctl's standing `Ignore` of disruptions).
  const isNotCounted = (p: Pod): boolean => {
    const match = matchPodFailurePolicy(policy, p);
    return match.action === undefined ? isDisrupted(p) : !match.countFailed;
  };
  const failedPods = pods.filter(
    (p) => p.status.phase === 'Failed' && isCounted(p) && !isRemoved(p) && !isNotCounted(p),
  );
  // Pods being stopped count as failed (Kubernetes `isPodFailed`: a deleted, unfinished pod), but for removed ones —
  // and not at all with `onlyReplaceFailedPods` (a podFailurePolicy, or `podReplacementPolicy: Failed`): such a pod
  // is counted once it has ended Failed (Kubernetes `isPodFailed`), and matched against the policy by how it ended.
  const failingPods = onlyReplaceFailedPods ? [] : terminatingPods.filter((p) => isCounted(p) && !isRemoved(p));

  let succeededIndexes: IndexInterval[] = [];
  let succeeded: number;
  if (indexed) {
    const newIndexes = succeededPods.map(completionIndexOf).filter((ix): ix is number => ix !== undefined);
    succeededIndexes = withIndexes(parseIndexes(old.completedIndexes, completions ?? 0), newIndexes);
    succeeded = countIndexes(succeededIndexes);
  } else {
    succeeded = Math.max(old.succeeded, succeededPods.length);
  }
  const failedFromPods = failedPods.length + failingPods.length;
  let failed = Math.max(old.failed, failedFromPods);
  // backoffLimitPerIndex: an index whose failed pods exceed its own limit is failed for good and not retried.
  const perIndexLimit = indexed ? spec.backoffLimitPerIndex : undefined;
  let failedIndexes: IndexInterval[] = [];
  if (perIndexLimit !== undefined) {
    const failuresByIndex = new Map<number, number>();
    for (const p of [...failedPods, ...failingPods]) {
      const ix = completionIndexOf(p);
      if (ix !== undefined) failuresByIndex.set(ix, (failuresByIndex.get(ix) ?? 0) + 1);
    }
    // A pod matching a `FailIndex` rule fails its index at once (Kubernetes `isIndexFailed`).
    const failIndexes = new Set(
      failedPods.filter((p) => matchPodFailurePolicy(policy, p).action === 'FailIndex').map(completionIndexOf),
    );
    // Kubernetes `isIndexFailed` reads the pod's `job-index-failure-count` (its index's failures before it); jobctl
    // also counts the index's failed pods it still holds, for pods made without the annotation.
    for (const p of failedPods) {
      if (indexFailureCountOf(p) >= perIndexLimit) failIndexes.add(completionIndexOf(p));
    }
    const newlyFailed = [...failuresByIndex]
      .filter(([ix, n]) => (n > perIndexLimit || failIndexes.has(ix)) && !hasIndex(succeededIndexes, ix))
      .map(([ix]) => ix);
    failedIndexes = withIndexes(parseIndexes(old.failedIndexes, completions ?? 0), newlyFailed);
  }
  const delayedFailures =
    perIndexLimit === undefined
      ? 0
      : countDelayedFailures(failedPods, failingPods, activePods, succeededIndexes, failedIndexes);

  if (status.startTime === undefined && !spec.suspend) status.startTime = nowIso;
  const isResuming = !spec.suspend && hasCondition(old.conditions, 'Suspended', 'True');
  // activeDeadlineSeconds counts from the resume (K8S-SEMANTICS §13), so a resuming Job is measured from now.
  const deadlineStartMs = isResuming ? now : fromRfc3339(status.startTime ?? nowIso);

  // Kubernetes feeds the pod re-creation back-off every new failed pod, those an `Ignore` rule matched too
  // (`getNewFinishedPods`): only jobctl's standing ignore of disruptions keeps a pod out of it.
  const ignoredByPolicy =
    policy === undefined
      ? []
      : pods.filter(
          (p) =>
            p.status.phase === 'Failed' &&
            isCounted(p) &&
            !isRemoved(p) &&
            matchPodFailurePolicy(policy, p).action === 'Ignore',
        );
  const record = newBackoffRecord(succeededPods, [...failedPods, ...ignoredByPolicy]);
  let failure: { reason: string; message: string } | undefined;
  const successCriteriaMet = hasCondition(old.conditions, 'SuccessCriteriaMet', 'True');
  if (!successCriteriaMet) {
    const target = old.conditions.find((c) => c.type === 'FailureTarget' && c.status === 'True');
    const failedIndexCount = countIndexes(failedIndexes);
    const failJobMessage = target === undefined ? failJobMessageOf(job, failedPods) : undefined;
    if (target !== undefined) {
      failure = { reason: target.reason ?? '', message: target.message ?? '' };
    } else if (failJobMessage !== undefined) {
      // Kubernetes `syncJob`: a pod matching a `FailJob` rule fails the Job before any limit is looked at.
      failure = { reason: podFailurePolicyReason, message: failJobMessage };
    } else if (spec.maxFailedIndexes !== undefined && failedIndexCount > spec.maxFailedIndexes) {
      failure = maxFailedIndexesExceeded;
    } else if (failedIndexCount > 0 && succeeded + failedIndexCount >= (completions ?? 0) && activePods.length === 0) {
      // Every index has succeeded or failed for good: the Job fails, naming the failed indexes in status.
      failure = failedIndexesReason;
    } else if (failed > spec.backoffLimit || isPastBackoffLimitOnFailure(job, pods)) {
      failure = backoffLimitExceeded;
    } else if (spec.activeDeadlineSeconds !== undefined && !spec.suspend) {
      const deadlineMs = deadlineStartMs + spec.activeDeadlineSeconds * 1000;
      if (now >= deadlineMs) failure = deadlineExceeded;
      else requeueAt.push(deadlineMs);
    }
    if (failure === undefined)
      failure = workQueueExhausted(input.workQueue, completions, succeeded, activePods.length, spec.suspend);
  }
  // Kubernetes `syncJob`: with no failure, an Indexed Job whose succeeded indexes meet a `successPolicy` rule has
  // succeeded (`SuccessCriteriaMet`, reason `SuccessPolicy`); its remaining pods are stopped, not counted failed.
  const successPolicyMessage =
    failure === undefined && !successCriteriaMet && indexed
      ? matchSuccessPolicy(spec.successPolicy, completions ?? 0, succeededIndexes)
      : undefined;
  const successMet = successCriteriaMet || successPolicyMessage !== undefined;
  const successCondition =
    successPolicyMessage !== undefined
      ? { reason: successPolicyReason, message: successPolicyMessage }
      : successConditionOf(old.conditions);

  let active = activePods.length;
  // Kubernetes `syncJob`: `terminating := controller.CountTerminatingPods(pods)` (with JobPodReplacementPolicy, on by
  // default since v1.29) and `ready := countReadyPods(activePods)`; the pods this sync stops are then taken off
  // `ready` and added to `terminating` (`deleteActivePods`, `deleteJobPods`: `ready -= deletedReady`,
  // `*terminating += deleted`), pkg/controller/job/job_controller.go.
  let terminating = terminatingPods.length;
  let ready = activePods.filter(isPodReady).length;
  if (failure !== undefined) {
    const stopReason: StopPodReason =
      failure.reason === deadlineExceeded.reason
        ? 'DeadlineExceeded'
        : failure.reason === podFailurePolicyReason
          ? 'PodFailurePolicy'
          : 'BackoffLimitExceeded';
    for (const pod of activePods) stopPod(pod, stopReason, actions, events);
    // "When the job is considered finished, every non-terminated pod is considered failed."
    failed = Math.max(old.failed, failedFromPods + activePods.filter(isCounted).length);
    terminating += activePods.length;
    active = 0;
    ready = 0;
    ensureCondition(status, 'FailureTarget', 'True', failure.reason, failure.message, nowIso);
    if (terminating === 0) {
      ensureCondition(status, 'Failed', 'True', failure.reason, failure.message, nowIso);
      events.push({ type: 'Warning', reason: failure.reason, message: failure.message });
    }
  } else {
    if (successMet) {
      // Success decided (in this sync by a `successPolicy` rule, or in an earlier one): Kubernetes deletes the active
      // pods of a Job whose `SuccessCriteriaMet` is set, then waits for them to end before `Complete`.
      for (const pod of activePods) stopPod(pod, SUCCESS_POLICY, actions, events);
      terminating += activePods.length;
      active = 0;
      ready = 0;
    } else if (spec.suspend) {
      for (const pod of activePods) stopPod(pod, 'Suspended', actions, events);
      terminating += activePods.length;
      active = 0;
      ready = 0;
    } else {
      // manageJob: pods beyond what the Job wants are stopped, and then no pod is created in this sync ("pod
      // deletion takes precedence").
      const wanted = wantActive(job, activePods.length, succeeded);
      const removed = activePodsForRemoval(job, activePods, activePods.length - wanted);
      const removedNames = new Set(removed.map((p) => p.metadata.name));
      const kept = removed.length === 0 ? activePods : activePods.filter((p) => !removedNames.has(p.metadata.name));
      restartCrashLoopingPods(job, kept, now, actions, requeueAt);
      if (removed.length > 0) {
        for (const pod of removed) stopPod(pod, TOO_MANY_ACTIVE_PODS, actions, events);
        active -= removed.length;
        terminating += removed.length;
        ready -= removed.filter(isPodReady).length;
      } else {
        // Failed indexes are not retried: to the pod creator they are as taken as the succeeded ones.
        const takenIndexes =
          failedIndexes.length === 0 ? succeededIndexes : mergeIntervals(succeededIndexes, failedIndexes);
        // backoffLimitPerIndex: each index's last failed pod, which its next pod replaces (Kubernetes
        // `getPodsWithDelayedDeletionPerIndex`): every failed pod of a valid index, ignored ones too (`isPodFailed`).
        const lastFailedPods =
          perIndexLimit === undefined
            ? undefined
            : lastFailedPodPerIndex(
                [...pods.filter((p) => p.status.phase === 'Failed' && !isRemoved(p)), ...failingPods],
                activePods,
                succeededIndexes,
                failedIndexes,
                completions ?? 0,
              );
        // Kubernetes `manageJob` with `onlyReplaceFailedPods` (a podFailurePolicy or `podReplacementPolicy: Failed`):
        // no replacement while a pod is still terminating (`diff := wantActive - active - terminating`).
        active += createPods(
          job,
          pods,
          activePods,
          onlyReplaceFailedPods ? wanted - terminatingPods.length : wanted,
          takenIndexes,
          lastFailedPods === undefined ? { record } : { lastFailedPods },
          now,
          actions,
          requeueAt,
          input.workQueue?.pending,
        );
      }
    }

    const isComplete =
      completions === undefined ? succeeded > 0 && active === 0 : succeeded >= completions && active === 0;
    // A Job not finishing in this sync does not count yet each index's failed pod that awaits its replacement.
    if (!isComplete && !successMet) failed = Math.max(old.failed, failedFromPods - delayedFailures);
    if (isComplete || successMet) {
      // `Complete` carries the reason and message of `SuccessCriteriaMet` (Kubernetes `enactJobFinished`).
      const { reason, message } = successMet ? successCondition : completionsReached;
      ensureCondition(status, 'SuccessCriteriaMet', 'True', reason, message, nowIso);
      if (terminating === 0) {
        ensureCondition(status, 'Complete', 'True', reason, message, nowIso);
        status.completionTime = nowIso;
        if (completions !== undefined && succeeded > completions) {
          events.push({
            type: 'Warning',
            reason: 'TooManySucceededPods',
            message: 'Too many succeeded pods running after completion count reached',
          });
        }
        events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
      }
    } else if (spec.suspend) {
      if (ensureCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', nowIso)) {
        events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
      }
    } else if (ensureCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', nowIso)) {
      events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
      // Resumed Jobs restart the activeDeadlineSeconds clock (job_controller.go).
      status.startTime = nowIso;
    }
  }

  status.active = active;
  status.ready = ready;
  status.terminating = terminating;
  status.succeeded = succeeded;
  status.failed = failed;
  if (indexed) {
    const completedIndexes = formatIndexes(succeededIndexes);
    if (completedIndexes === '') delete status.completedIndexes;
    else status.completedIndexes = completedIndexes;
    if (perIndexLimit !== undefined) status.failedIndexes = formatIndexes(failedIndexes);
  }

  return {
    status,
    statusChanged: !isDeepStrictEqual(status, old),
    actions,
    events,
    ...(requeueAt.length === 0 ? {} : { requeueAtMs: Math.min(...requeueAt) }),
  };
}

/** The reason and message of the Job's `SuccessCriteriaMet` condition (`CompletionsReached` when it has none). */
function successConditionOf(conditions: JobStatus['conditions']): { reason: string; message: string } {
  const condition = conditions.find((c) => c.type === 'SuccessCriteriaMet' && c.status === 'True');
  return condition === undefined
    ? completionsReached
    : { reason: condition.reason ?? completionsReached.reason, message: condition.message ?? '' };
}

/** A finished Job does nothing but wait for its TTL (Kubernetes' TTL-after-finished controller, `processTTL`). */
function syncFinishedJob(job: Job, now: number): JobSyncResult {
  const result: JobSyncResult = { status: job.status, statusChanged: false, actions: [], events: [] };
  const ttlSeconds = job.spec.ttlSecondsAfterFinished;
  if (ttlSeconds === undefined) return result;
  const terminal = job.status.conditions.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
  const finishedAt = terminal?.lastTransitionTime ?? job.status.completionTime;
  // Kubernetes cannot tell when such a Job finished and leaves it; so does jobctl.
  if (finishedAt === undefined) return result;
  const expireAtMs = fromRfc3339(finishedAt) + ttlSeconds * 1000;
  if (expireAtMs <= now) result.actions.push({ type: 'deleteJob', reason: 'TTLAfterFinished' });
  else result.requeueAtMs = expireAtMs;
  return result;
}

/**
 * Pods this Job controls: Kubernetes claims pods by their controller ownerReference's uid, so a pod left by an
 * earlier Job of the same name is not counted.
 */
function isControlledBy(pod: Pod, job: Job): boolean {
  const uid = job.metadata.uid;
  if (uid === undefined) return true;
  const ref = pod.metadata.ownerReferences?.find((r) => r.controller === true);
  if (ref !== undefined) return ref.kind === 'Job' && ref.uid === uid;
  const label = pod.metadata.labels?.[wellKnown.batchControllerUid] ?? pod.metadata.labels?.[wellKnown.controllerUid];
  return label === undefined || label === uid;
}

/**
 * backoffLimitPerIndex: how many failed pods Kubernetes does not count in `status.failed` yet. It keeps the last failed
 * pod of each index that has no replacement yet — not succeeded, not failed for good, no active pod — and counts it
 * once the replacement exists or the Job finishes (`getPodsWithDelayedDeletionPerIndex`, `canRemoveFinalizer`,
 * pkg/controller/job/job_controller.go and indexed_job_utils.go): one pod per such index. The back-off limits still
 * see it, as Kubernetes' `jobCtx.failed` does.
 */
function countDelayedFailures(
  failedPods: readonly Pod[],
  failingPods: readonly Pod[],
  activePods: readonly Pod[],
  succeededIndexes: readonly IndexInterval[],
  failedIndexes: readonly IndexInterval[],
): number {
  const activeIndexes = new Set(activePods.map(completionIndexOf));
  const delayed = new Set<number>();
  for (const pod of [...failedPods, ...failingPods]) {
    const ix = completionIndexOf(pod);
    if (ix === undefined || activeIndexes.has(ix) || hasIndex(succeededIndexes, ix) || hasIndex(failedIndexes, ix))
      continue;
    delayed.add(ix);
  }
  return delayed.size;
}

/** Kubernetes `pastBackoffLimitOnFailure`: container restarts of pending and running pods against `backoffLimit`. */
function isPastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const pod of pods) {
    if (pod.status.phase !== 'Running' && pod.status.phase !== 'Pending') continue;
    for (const cs of pod.status.containerStatuses ?? []) restarts += cs.restartCount;
  }
  return job.spec.backoffLimit === 0 ? restarts > 0 : restarts >= job.spec.backoffLimit;
}

function stopPod(pod: Pod, reason: StopPodReason, actions: JobAction[], events: JobEventDecision[]): void {
  actions.push({ type: 'stopPod', podName: pod.metadata.name, reason });
  // RealPodControl.DeletePod records this on the Job.
  events.push({ type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted pod: ${pod.metadata.name}` });
}

/**
 * The kubelet's part for restartPolicy OnFailure: restart each crash-looping container once its back-off has passed.
 */
function restartCrashLoopingPods(
  job: Job,
  activePods: readonly Pod[],
  now: number,
  actions: JobAction[],
  requeueAt: number[],
): void {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return;
  for (const pod of activePods) {
    const waiting = (pod.status.containerStatuses ?? []).find((cs) => cs.state.waiting?.reason === 'CrashLoopBackOff');
    if (waiting === undefined) continue;
    const crashedAt = waiting.lastState?.terminated?.finishedAt;
    const dueMs = (crashedAt === undefined ? now : fromRfc3339(crashedAt)) + crashLoopBackOffMs(waiting.restartCount);
    if (dueMs <= now) actions.push({ type: 'restartContainer', podName: pod.metadata.name });
    else requeueAt.push(dueMs);
  }
}

/** Kubernetes `manageJob`'s `wantActive`: how many pods the Job wants running now. */
function wantActive(job: Job, active: number, succeeded: number): number {
  const completions = effectiveCompletions(job);
  // Work queue: once a pod succeeded, the work is done; let the others finish, start nothing new.
  if (completions === undefined) return succeeded > 0 ? active : job.spec.parallelism;
  return Math.max(0, Math.min(completions - succeeded, job.spec.parallelism));
}

/**
 * Kubernetes `activePodsForRemoval` (pkg/controller/job/job_controller.go): the active pods to stop, at least
 * `rmAtLeast` of them, in `controller.ActivePods` order (see {@link compareForRemoval}); for an Indexed Job first
 * every pod without a valid index below `completions` and all but one pod of each repeated index
 * (`appendDuplicatedIndexPodsForRemoval`, indexed_job_utils.go). At most `MaxPodCreateDeletePerSync` (500).
 */
function activePodsForRemoval(job: Job, activePods: readonly Pod[], rmAtLeast: number): Pod[] {
  const rm: Pod[] = [];
  let left: Pod[];
  if (job.spec.completionMode === 'Indexed') {
    const completions = effectiveCompletions(job) ?? 0;
    const byIndex = new Map<number, Pod[]>();
    for (const pod of activePods) {
      const ix = completionIndexOf(pod);
      if (ix === undefined || ix >= completions) rm.push(pod);
      else byIndex.set(ix, [...(byIndex.get(ix) ?? []), pod]);
    }
    left = [];
    for (const ix of [...byIndex.keys()].sort((a, b) => a - b)) {
      const same = (byIndex.get(ix) ?? []).sort(compareForRemoval);
      rm.push(...same.slice(0, -1));
      left.push(...same.slice(-1));
    }
  } else {
    left = [...activePods];
  }
  if (rm.length < rmAtLeast) rm.push(...left.sort(compareForRemoval).slice(0, rmAtLeast - rm.length));
  return rm.slice(0, maxPodCreatePerSync);
}

/**
 * Kubernetes `controller.ActivePods.Less` (pkg/controller/controller_utils.go), negative when `a` goes first:
 * 1. unassigned < assigned, 2. Pending < Running — a jobctl pod is "assigned" once its task started, so both are
 *    its phase;
 * 3. not ready < ready ({@link isPodReady});
 * 4. both ready: the latest ready first (jobctl: the latest container start), an unknown time first;
 * 5. the higher container restart count first;
 * 6. the newest `creationTimestamp` first, an empty one first;
 * and, where Kubernetes' unstable sort leaves the order open, the pod created last (`jobctl.dev/pod-sequence`)
 * first: pods created in the same second are stopped newest first too.
 */
function compareForRemoval(a: Pod, b: Pod): number {
  const phaseA = a.status.phase === 'Pending' ? 0 : 1;
  const phaseB = b.status.phase === 'Pending' ? 0 : 1;
  if (phaseA !== phaseB) return phaseA - phaseB;
  const readyA = isPodReady(a);
  const readyB = isPodReady(b);
  if (readyA !== readyB) return readyA ? 1 : -1;
  if (readyA && readyB) {
    const order = afterOrZeroFirst(readyTimeMs(a), readyTimeMs(b));
    if (order !== 0) return order;
  }
  const restartsA = maxRestarts(a);
  const restartsB = maxRestarts(b);
  if (restartsA !== restartsB) return restartsB - restartsA;
  const created = afterOrZeroFirst(timeMs(a.metadata.creationTimestamp), timeMs(b.metadata.creationTimestamp));
  if (created !== 0) return created;
  return sequenceOf(b) - sequenceOf(a);
}

/** Kubernetes `afterOrZero` as a comparison: an unknown (zero) time first, then the later time first. */
function afterOrZeroFirst(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return b - a;
}

function timeMs(rfc3339: string | undefined): number | undefined {
  return rfc3339 === undefined ? undefined : fromRfc3339(rfc3339);
}

/** When the pod became ready: its containers' latest start (Kubernetes: the Ready condition's transition time). */
function readyTimeMs(pod: Pod): number | undefined {
  const starts = (pod.status.containerStatuses ?? []).flatMap((cs) =>
    cs.state.running === undefined ? [] : [fromRfc3339(cs.state.running.startedAt)],
  );
  return starts.length === 0 ? undefined : Math.max(...starts);
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status.containerStatuses ?? []).map((cs) => cs.restartCount));
}

function sequenceOf(pod: Pod): number {
  const value = Number(pod.metadata.annotations?.[podSequenceAnnotation]);
  return Number.isFinite(value) ? value : -1;
}

/**
 * The re-creation back-off `createPods` applies: the Job's (`record`), or with `backoffLimitPerIndex` each index's own
 * from its last failed pod (`lastFailedPods`, by index).
 */
type CreationBackoff = { record: ReturnType<typeof newBackoffRecord> } | { lastFailedPods: ReadonlyMap<number, Pod> };

/**
 * Kubernetes `manageJob`'s creation half, up to `wanted` active pods; returns how many pods it created. With
 * `backoffLimitPerIndex` there is no Job-wide back-off: of the lowest pending indexes (as many as pods are missing),
 * those whose own wait is over get a pod now, each annotated with its index's failure counts
 * (`getPodCreationInfoForIndependentIndexes`, `addIndexFailureCountAnnotation`); the Job requeues at the earliest
 * wait left — Kubernetes requeues only when no index was ready, and relies on the created pods' events otherwise.
 */
function createPods(
  job: Job,
  pods: readonly Pod[],
  activePods: readonly Pod[],
  wanted: number,
  succeededIndexes: readonly IndexInterval[],
  backoff: CreationBackoff,
  now: number,
  actions: JobAction[],
  requeueAt: number[],
  itemsAvailable?: number,
): number {
  const completions = effectiveCompletions(job);
  const active = activePods.length;
  let diff = wanted - active;
  // A bound Job's pod needs an item: no more pods than items waiting (leased ones are other pods').
  if (itemsAvailable !== undefined) diff = Math.min(diff, itemsAvailable);
  if (diff <= 0) return 0;
  if ('record' in backoff) {
    const remainingMs = remainingBackoffMs(backoff.record, now);
    if (remainingMs > 0) {
      requeueAt.push(now + remainingMs);
      return 0;
    }
  }
  diff = Math.min(diff, maxPodCreatePerSync);
  let sequence = nextPodSequence(job, pods);
  if (job.spec.completionMode === 'Indexed') {
    const activeIndexes = activePods.map(completionIndexOf).filter((ix): ix is number => ix !== undefined);
    let indexes = firstPendingIndexes(withIndexes(succeededIndexes, activeIndexes), diff, completions ?? 0);
    if ('lastFailedPods' in backoff) {
      const ready: number[] = [];
      for (const ix of indexes) {
        const last = backoff.lastFailedPods.get(ix);
        const waitMs = last === undefined || !startsIndexBackoff(job, last) ? 0 : remainingTimePerIndexMs(last, now);
        if (waitMs === 0) ready.push(ix);
        else requeueAt.push(now + waitMs);
      }
      indexes = ready;
      for (const ix of indexes) {
        const counts = newIndexFailureCounts(job, backoff.lastFailedPods.get(ix));
        actions.push({ type: 'createPod', pod: podForJob(job, sequence++, now, ix, counts) });
      }
      return indexes.length;
    }
    for (const ix of indexes) actions.push({ type: 'createPod', pod: podForJob(job, sequence++, now, ix) });
    return indexes.length;
  }
  for (let i = 0; i < diff; i++) actions.push({ type: 'createPod', pod: podForJob(job, sequence++, now) });
  return diff;
}

/**
 * A bound Job whose queue has nothing left (exactly: no item pending or leased) while completions are still
 * missing and no pod runs can never finish: the seed's "completions above the item count never completes". It
 * fails with reason `WorkQueueEmpty`, saying how many items succeeded and how many went to the dead-letter list.
 */
function workQueueExhausted(
  queue: WorkQueueView | undefined,
  completions: number | undefined,
  succeeded: number,
  active: number,
  suspended: boolean,
): { reason: string; message: string } | undefined {
  if (queue === undefined || completions === undefined || suspended || active > 0 || succeeded >= completions)
    return undefined;
  if (queue.pending + queue.leased > 0) return undefined;
  const dead = queue.dead > 0 ? `, ${queue.dead} dead-lettered (jobctl queue dlq ${queue.name})` : '';
  return {
    reason: 'WorkQueueEmpty',
    message:
      `Job has completions ${completions} but workqueue/${queue.name} is empty after ${succeeded} ` +
      `succeeded${dead}`,
  };
}

function hasCondition(
  conditions: readonly JobCondition[],
  type: JobConditionType,
  status: JobCondition['status'],
): boolean {
  return conditions.some((c) => c.type === type && c.status === status);
}

/**
 * Kubernetes `ensureJobConditionStatus`: update the condition of that type when its status, reason or message
 * differ (new probe and transition times), append it when absent unless it would be False. Returns whether it changed.
 */
function ensureCondition(
  status: JobStatus,
  type: JobConditionType,
  conditionStatus: JobCondition['status'],
  reason: string,
  message: string,
  nowIso: string,
): boolean {
  const next: JobCondition = {
    type,
    status: conditionStatus,
    reason,
    message,
    lastProbeTime: nowIso,
    lastTransitionTime: nowIso,
  };
  const i = status.conditions.findIndex((c) => c.type === type);
  if (i >= 0) {
    const current = status.conditions[i] as JobCondition;
    if (current.status === conditionStatus && current.reason === reason && current.message === message) return false;
    status.conditions[i] = next;
    return true;
  }
  if (conditionStatus === 'False') return false;
  status.conditions.push(next);
  return true;
}
