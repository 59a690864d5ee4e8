import { isValidTimeZone, type CronSchedule } from '../cron/index.ts';
import { formatRfc3339InZone } from '../cron/time-zone.ts';
import { JobctlError, assertNever } from '../errors.ts';
import { wellKnown, type CronJob, type CronJobStatus, type Job, type ObjectReference } from '../spec/types.ts';
import { jobsBeyondHistoryLimits } from './cronjob-history.ts';
import { withGeneratedSelector } from './job-selector.ts';
import { deterministicUid, finishedCondition, fromRfc3339, toRfc3339 } from './object-meta.ts';
import { cronJobSchedule, nextScheduleTime, nextScheduleTimeDuration } from './schedule-times.ts';

/** What the CronJob controller decides from, read by the executor. */
export interface CronJobSyncInput {
  /** The stored, defaulted CronJob; `metadata.uid` and `metadata.creationTimestamp` set. */
  cronJob: CronJob;
  /**
   * Every Job whose controller ownerReference names this CronJob (by name, as Kubernetes' `getJobsToBeReconciled`),
   * read consistently with `cronJob`: a Job `status.active` names that is absent here is really gone.
   */
  jobs: Job[];
  /** Epoch ms. */
  now: number;
}

/** An API call the executor makes, in order. */
export type CronJobAction =
  | { type: 'createJob'; job: Job; scheduledTimeMs: number }
  | { type: 'deleteJob'; name: string; uid: string; reason: 'Replace' | 'HistoryLimit' };

/** An event the decision itself records on the CronJob (reasons verbatim from Kubernetes). */
export interface CronJobEventDecision {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** The decision of one sync. */
export interface CronJobSyncResult {
  /** The status to write (once, conditionally on resourceVersion) when statusChanged. */
  status: CronJobStatus;
  statusChanged: boolean;
  /** In execution order: every deleteJob (history cleanup, then Replace), then at most one createJob. */
  actions: CronJobAction[];
  /**
   * Events decided here. SuccessfulCreate / SuccessfulDelete / FailedCreate / FailedDelete are NOT included: the
   * executor records them after the API call succeeds or fails, as Kubernetes does.
   */
  events: CronJobEventDecision[];
  /**
   * When to sync again; undefined = not requeued (suspended, unknown time zone, unparseable or never-firing schedule).
   */
  requeueAtMs?: number;
}

/**
 * The CronJob controller's decision for one sync: Kubernetes `ControllerV2.sync` (`cleanupFinishedJobs` then
 * `syncCronJob`, `pkg/controller/cronjob/cronjob_controllerv2.go`, v1.29–v1.31) with the I/O taken out.
 * No input is mutated; the executor runs `actions`, records `events`, writes `status` and requeues.
 *
 * In order:
 * 1. History limits: the oldest finished Jobs beyond `successfulJobsHistoryLimit` / `failedJobsHistoryLimit`
 *    (sorted by `status.startTime`, missing last, then name) are deleted and dropped from `active`. This runs on
 *    every sync, even when suspended.
 * 2. Reconcile `active` with the children: an unfinished child not in `active` gets Warning `UnexpectedJob` and is
 *    not adopted (so it does not block Forbid) — except a lost run of this controller's own, see
 *    {@link adoptLostRuns}; a finished child in `active` is removed with Normal
 *    `SawCompletedJob`; every succeeded child moves `lastSuccessfulTime` forward in the same sync, as current
 *    upstream does. (v1.29–v1.31 deferred that to the next sync with an `else if`, relying on the status write to
 *    trigger one; jobctl's controllers are not re-triggered by their own writes, so a weekly CronJob would show a
 *    stale LAST SUCCESSFUL for a week.) An `active` reference whose Job is not among `jobs` is removed with Normal
 *    `MissingJob` — Kubernetes GETs it first to get past a stale cache; the executor's consistent read stands in.
 * 3. Decide: unknown `timeZone` → Warning `UnknownTimeZone`, no requeue; `suspend` → nothing, no requeue;
 *    `TZ`/`CRON_TZ` in the schedule → Warning `UnsupportedSchedule` (the prefix wins over `timeZone`); parse error →
 *    Warning `UnparseableSchedule`, no requeue; never-firing schedule → Warning `InvalidSchedule`, no requeue.
 *    Otherwise only the most recent due time inside the `startingDeadlineSeconds` window is considered (older
 *    ones are never backfilled; >100 estimated missed adds Warning `TooManyMissedTimes` and carries on). Nothing
 *    due, or that time's Job already in `active` → just requeue. Forbid with anything in `active` → Normal
 *    `JobAlreadyActive`, `lastScheduleTime` not advanced. Replace → delete every active Job first. Then create the
 *    Job, list it in `active` and set `lastScheduleTime` to the nominal time.
 *
 * jobctl's decisions on top of Kubernetes:
 * - **Adopt inside the decision.** Kubernetes learns from the create's AlreadyExists that the Job exists. Here the
 *   Job for the chosen time may already be among `jobs` but not in `active` (a crash between creating it and
 *   writing status): it is added to `active`, `lastScheduleTime` is set and the CronJob is requeued, with no create
 *   (upstream TestControllerV2JobAlreadyExistsButNotInActiveStatus). If that Job is controlled by another CronJob
 *   of the same name (another uid), nothing is done and nothing is requeued
 *   (TestControllerV2JobAlreadyExistsButDifferentOwner).
 * - A nil `timeZone` means UTC (Kubernetes uses the controller's local zone, UTC in the standard images).
 * - `MissSchedule` is never emitted: Kubernetes' `tooLate` check cannot be true after a search already limited to
 *   `(now − startingDeadlineSeconds, now]`, so a run missed because of the deadline passes silently, as it does there.
 * - There is no deletion-timestamp step: a deleted CronJob is not synced.
 *
 * @example
 * const result = syncCronJob({ cronJob, jobs, now: clock.now() });
 * for (const action of result.actions) await execute(action);
 * if (result.statusChanged) await store.update({ ...cronJob, status: result.status });
 */
export function syncCronJob(input: CronJobSyncInput): CronJobSyncResult {
  const { cronJob, jobs, now } = input;
  const original = cronJob.status;
  const status: CronJobStatus = { ...original, active: [...original.active] };
  const actions: CronJobAction[] = [];
  const events: CronJobEventDecision[] = [];
  const result = (requeueAtMs?: number): CronJobSyncResult => ({
    status,
    statusChanged: !sameStatus(original, status),
    actions,
    events,
    ...(requeueAtMs === undefined ? {} : { requeueAtMs }),
  });

  // 1. cleanupFinishedJobs
  for (const job of jobsBeyondHistoryLimits(cronJob, jobs)) {
    actions.push({ type: 'deleteJob', name: job.metadata.name, uid: job.metadata.uid ?? '', reason: 'HistoryLimit' });
    removeFromActive(status, job);
  }

  // 2. Reconcile status.active with the children. Every child counts here, including the ones just deleted for
  // history, because Kubernetes passes the same list to syncCronJob.
  for (const job of jobs) {
    const isInActive = status.active.some((ref) => refersTo(ref, job));
    const condition = finishedCondition(job);
    if (!isInActive && condition === undefined) {
      // A crash after creating the Job and before writing status, or a Job someone else created with us as owner.
      events.push({
        type: 'Warning',
        reason: 'UnexpectedJob',
        message: `Saw a job that the controller did not create or forgot: ${job.metadata.name}`,
      });
    } else if (isInActive && condition !== undefined) {
      removeFromActive(status, job);
      events.push({
        type: 'Normal',
        reason: 'SawCompletedJob',
        message: `Saw completed job: ${job.metadata.name}, status: ${condition}`,
      });
    }
    if (condition === 'Complete') {
      // Current upstream: a succeeded Job moves lastSuccessfulTime in the same sync that sees it finish
      // (v1.29–v1.31 had an `else if` that deferred it to a sync triggered by Kubernetes' own status write).
      advanceLastSuccessfulTime(status, job.status.completionTime);
    }
  }
  for (const ref of [...status.active]) {
    if (jobs.some((job) => refersTo(ref, job))) continue;
    status.active = status.active.filter((r) => r !== ref);
    events.push({ type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${ref.name}` });
  }
  adoptLostRuns(cronJob, jobs, status);

  // 3. The scheduling decision.
  const { schedule: scheduleText, timeZone } = cronJob.spec;
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) {
    events.push({
      type: 'Warning',
      reason: 'UnknownTimeZone',
      message: `invalid timeZone: "${timeZone}": unknown time zone ${timeZone}`,
    });
    return result();
  }
  if (cronJob.spec.suspend) return result();

  let schedule: CronSchedule;
  try {
    schedule = parseFormattedSchedule(cronJob, events);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    events.push({
      type: 'Warning',
      reason: 'UnparseableSchedule',
      message: `unparseable schedule: "${scheduleText}" : ${reason}`,
    });
    return result();
  }
  const requeueAt = (): number | undefined => {
    const delayMs = nextScheduleTimeDuration({ ...cronJob, status }, now, schedule);
    return delayMs === undefined ? undefined : now + delayMs;
  };

  const next = nextScheduleTime({ ...cronJob, status }, now, schedule);
  if (next.error !== undefined) {
    events.push({
      type: 'Warning',
      reason: 'InvalidSchedule',
      message: `invalid schedule: ${scheduleText} : ${next.error}`,
    });
    return result();
  }
  const scheduledMs = next.scheduledMs;
  if (scheduledMs === undefined) return result(requeueAt());
  if (next.isTooManyMissed) {
    events.push({
      type: 'Warning',
      reason: 'TooManyMissedTimes',
      message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
    });
  }

  const jobName = jobNameFor(cronJob.metadata.name, scheduledMs);
  const lastScheduleMs = status.lastScheduleTime === undefined ? undefined : fromRfc3339(status.lastScheduleTime);
  if (
    status.active.some((ref) => ref.name === jobName && ref.namespace === cronJob.metadata.namespace) ||
    lastScheduleMs === scheduledMs
  ) {
    // Already processed this slot.
    return result(requeueAt());
  }

  switch (cronJob.spec.concurrencyPolicy) {
    case 'Allow':
      break;
    case 'Forbid':
      if (status.active.length > 0) {
        // lastScheduleTime stays: when the running Job finishes, the latest missed slot still starts (late).
        events.push({
          type: 'Normal',
          reason: 'JobAlreadyActive',
          message: 'Not starting job because prior execution is running and concurrency policy is Forbid',
        });
        return result(requeueAt());
      }
      break;
    case 'Replace':
      for (const ref of status.active)
        actions.push({ type: 'deleteJob', name: ref.name, uid: ref.uid, reason: 'Replace' });
      status.active = [];
      break;
    default:
      return assertNever(cronJob.spec.concurrencyPolicy, 'spec.concurrencyPolicy');
  }

  const existing = jobs.find(
    (job) => job.metadata.name === jobName && job.metadata.namespace === cronJob.metadata.namespace,
  );
  if (existing !== undefined) {
    // Kubernetes' AlreadyExists path, decided from what was read instead of from a failed create.
    const controller = existing.metadata.ownerReferences?.find((owner) => owner.controller);
    if (controller?.uid !== cronJob.metadata.uid) return result();
    // Kubernetes adopts it even when it has finished, and its next sync takes it out again (SawCompletedJob): for a
    // schedule firing more than once a minute (`@every 1s`, one Job name per minute) that was an event every second
    // and ACTIVE stuck at 1 (audit D15). A finished Job only marks the slot as processed.
    if (finishedCondition(existing) === undefined) status.active.push(referenceTo(existing));
  } else {
    const job = jobFromTemplate(cronJob, scheduledMs, now);
    actions.push({ type: 'createJob', job, scheduledTimeMs: scheduledMs });
    status.active.push(referenceTo(job));
  }
  status.lastScheduleTime = toRfc3339(scheduledMs);
  return result(requeueAt());
}

/**
 * Runs whose status write was lost: Jobs this CronJob created for a slot after `lastScheduleTime` that never started
 * and are not in `active` (a crash, or a Lambda timeout, between creating the Job and writing status, with the retry
 * arriving after the next slot was due). On Kubernetes such a Job simply runs (it exists; `active` is only
 * bookkeeping); here a CronJob's Job runs only once admitted to `active`, so it is adopted:
 * - Allow: every such Job, oldest first.
 * - Forbid: the newest one, and only when nothing is active (the due slot then waits, `JobAlreadyActive`).
 * - Replace: none: the newest slot supersedes them, and the controller deletes them once `lastScheduleTime` passes.
 * `lastScheduleTime` moves to the newest adopted slot, as the lost write would have set it.
 * The `UnexpectedJob` warning above is still recorded, as Kubernetes records it.
 */
function adoptLostRuns(cronJob: CronJob, jobs: readonly Job[], status: CronJobStatus): void {
  const policy = cronJob.spec.concurrencyPolicy;
  if (policy === 'Replace') return;
  const lastMs =
    status.lastScheduleTime === undefined ? Number.NEGATIVE_INFINITY : fromRfc3339(status.lastScheduleTime);
  const lost = jobs
    .flatMap((job) => {
      const scheduled = job.metadata.annotations?.[wellKnown.cronJobScheduledTimestamp];
      const controller = job.metadata.ownerReferences?.find((owner) => owner.controller);
      if (scheduled === undefined || controller?.uid !== cronJob.metadata.uid) return [];
      if (
        job.status.startTime !== undefined ||
        finishedCondition(job) !== undefined ||
        status.active.some((ref) => refersTo(ref, job))
      )
        return [];
      const scheduledMs = Date.parse(scheduled);
      return scheduledMs > lastMs ? [{ job, scheduledMs }] : [];
    })
    .sort((a, b) => a.scheduledMs - b.scheduledMs);
  if (lost.length === 0) return;
  const adopted = policy === 'Forbid' ? (status.active.length === 0 ? [lost.at(-1)!] : []) : lost;
  for (const { job } of adopted) status.active.push(referenceTo(job));
  // As the lost status write would have: the slot counts as scheduled (and is not created again).
  if (adopted.length > 0) status.lastScheduleTime = toRfc3339(adopted.at(-1)!.scheduledMs);
}

/**
 * Kubernetes `getJobName`: `<cronjob>-<floor(unix seconds / 60)>`. The same nominal time always gives the same name,
 * which makes creating the Job idempotent.
 *
 * @example
 * jobNameFor('mycronjob', Date.parse('2016-05-19T10:00:00Z')); // 'mycronjob-24394200'
 */
export function jobNameFor(cronJobName: string, scheduledTimeMs: number): string {
  return `${cronJobName}-${Math.floor(Math.floor(scheduledTimeMs / 1000) / 60)}`;
}

/**
 * Kubernetes `getJobFromTemplate2`: the Job a CronJob starts for `scheduledTimeMs`.
 * - name {@link jobNameFor}; `metadata.namespace` the CronJob's;
 * - labels and annotations copied from `jobTemplate.metadata`, plus the annotation
 *   `batch.kubernetes.io/cronjob-scheduled-timestamp`: the nominal time in RFC 3339 in the CronJob's `timeZone`
 *   (UTC when unset), e.g. `2024-07-02T09:00:00-04:00`;
 * - a controller ownerReference `{ apiVersion: batch/v1, kind: CronJob, name, uid, controller: true,
 *   blockOwnerDeletion: true }`;
 * - `spec` a deep copy of `jobTemplate.spec`, an empty status;
 * - `creationTimestamp` = now (Kubernetes' API server sets it on create), and
 *   `metadata.uid` = `deterministicUid("<cronjob uid>/<job name>")`, so the `status.active` reference is complete
 *   before the Job is written and a duplicate dispatch builds a byte-identical Job.
 *
 * @throws RangeError when `spec.timeZone` is not a valid IANA zone (syncCronJob checks it first).
 */
export function jobFromTemplate(cronJob: CronJob, scheduledTimeMs: number, nowMs: number): Job {
  const { name, namespace, uid } = cronJob.metadata;
  if (uid === undefined) {
    throw new JobctlError(
      'Validation',
      `cronjob ${namespace}/${name}: metadata.uid is required: the store sets it on create`,
    );
  }
  const jobName = jobNameFor(name, scheduledTimeMs);
  const template = cronJob.spec.jobTemplate;
  const labels = { ...template.metadata?.labels };
  return withGeneratedSelector({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace,
      uid: deterministicUid(`${uid}/${jobName}`),
      creationTimestamp: toRfc3339(nowMs),
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      annotations: {
        ...template.metadata?.annotations,
        [wellKnown.cronJobScheduledTimestamp]: formatRfc3339InZone(scheduledTimeMs, cronJob.spec.timeZone ?? 'UTC'),
      },
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name, uid, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: structuredClone(template.spec),
    status: { active: 0, succeeded: 0, failed: 0, conditions: [] },
  });
}

/**
 * Kubernetes `formatSchedule` + `cron.ParseStandard` ({@link cronJobSchedule}, shared with the printers). A schedule
 * containing `TZ` (grandfathered `TZ=`/`CRON_TZ=` prefix) is parsed as written, ignoring `spec.timeZone`, with
 * Warning `UnsupportedSchedule` on every sync.
 */
function parseFormattedSchedule(cronJob: CronJob, events: CronJobEventDecision[]): CronSchedule {
  const { schedule } = cronJob.spec;
  if (schedule.includes('TZ')) {
    events.push({
      type: 'Warning',
      reason: 'UnsupportedSchedule',
      message:
        `CRON_TZ or TZ used in schedule "${schedule}" is not officially supported, see ` +
        `https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
    });
  }
  return cronJobSchedule(cronJob.spec);
}

function referenceTo(job: Job): ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: job.metadata.name,
    namespace: job.metadata.namespace,
    uid: job.metadata.uid ?? '',
  };
}

/** Kubernetes matches `active` entries to Jobs by uid; a Job read without one falls back to namespace/name. */
function refersTo(ref: ObjectReference, job: Job): boolean {
  if (job.metadata.uid !== undefined && ref.uid !== '') return ref.uid === job.metadata.uid;
  return ref.name === job.metadata.name && ref.namespace === job.metadata.namespace;
}

function removeFromActive(status: CronJobStatus, job: Job): void {
  status.active = status.active.filter((ref) => !refersTo(ref, job));
}

/** `lastSuccessfulTime`: set from the first succeeded Job seen, then only moved forward. */
function advanceLastSuccessfulTime(status: CronJobStatus, completionTime: string | undefined): void {
  if (completionTime === undefined) return;
  if (status.lastSuccessfulTime === undefined || fromRfc3339(completionTime) > fromRfc3339(status.lastSuccessfulTime)) {
    status.lastSuccessfulTime = completionTime;
  }
}

function sameStatus(a: CronJobStatus, b: CronJobStatus): boolean {
  return (
    a.lastScheduleTime === b.lastScheduleTime &&
    a.lastSuccessfulTime === b.lastSuccessfulTime &&
    a.active.length === b.active.length &&
    a.active.every((ref, i) => {
      const other = b.active[i];
      return (
        other !== undefined && ref.uid === other.uid && ref.name === other.name && ref.namespace === other.namespace
      );
    })
  );
}
