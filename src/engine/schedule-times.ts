import { isValidTimeZone, nextTimes, parseSchedule, type CronSchedule } from '../cron/index.ts';
import { JobctlError } from '../errors.ts';
import type { CronJob, CronJobSpec } from '../spec/types.ts';
import { fromRfc3339 } from './object-meta.ts';

/**
 * The CronJob controller's schedule maths, ported from Kubernetes `pkg/controller/cronjob/utils.go`
 * (`mostRecentScheduleTime`, `nextScheduleTime`, `nextScheduleTimeDuration`, after PRs #118724 and #121327).
 * Pure: the current time and the parsed schedule come in as arguments; all times are epoch milliseconds.
 * {@link upcomingScheduleTimes} puts them together for the printers (`get -o wide`, `describe`), so what they show is
 * what the controller will do.
 */

/**
 * How late the controller wakes after each nominal time (Kubernetes `nextScheduleDelta`), so a timer that fires a
 * little early (NTP skew) still finds the slot due.
 */
export const nextScheduleDeltaMs = 100;

/**
 * Kubernetes `missedSchedulesType`. `many` means the *estimate* (from the first gap between two fire times) is over
 * 100; it is not a count.
 */
export type MissedSchedules = 'none' | 'few' | 'many';

/** The result of {@link mostRecentScheduleTime}, Kubernetes' 4-tuple as a value. */
export interface MostRecentScheduleTime {
  /**
   * `lastScheduleTime`, else `creationTimestamp`, moved up to `now − startingDeadlineSeconds` when that is later and
   * asked for.
   */
  earliestMs: number;
  /** The latest fire time in `(earliest, now]`; undefined when none (or when the estimate jumped past them all). */
  mostRecentMs?: number;
  missed: MissedSchedules;
  /**
   * Set when the schedule is grammatically valid but never fires again (Kubernetes: "time difference between two
   * schedules is less than 1 second", e.g. `59 23 31 2 *`). The controller reports it as `InvalidSchedule`.
   */
  error?: string;
}

/** Kubernetes' error text for a schedule whose next two fire times cannot be found. */
export const neverFiresError = 'time difference between two schedules is less than 1 second';

/**
 * Kubernetes `mostRecentScheduleTime`: the most recent fire time after `earliest` and at or before `now`.
 *
 * Kubernetes does not walk every missed time. It works out the gap between the first two fire times after
 * `earliest`, estimates how many fit before `now`, jumps to one gap before the estimated last one and walks from
 * there. For irregular schedules (`30 10,11,12 * * 1-5`) that jump can land after the real last fire time, and the
 * answer is then "none" although runs were missed: jobctl keeps this, because Kubernetes does it (upstream
 * `utils_test.go` TestMostRecentScheduleTime "another complex schedule").
 *
 * @param includeStartingDeadlineSeconds - true for the scheduling decision (due times older than the deadline are
 *   dropped), false for the requeue delay.
 * @example
 * // hourly, created 10:00:10, now 15:01 → most recent 15:00, missed 'few'
 * mostRecentScheduleTime(cronJob, Date.parse('2016-05-19T15:01:00Z'), parseSchedule('0 * * * *'), false);
 */
export function mostRecentScheduleTime(
  cronJob: CronJob,
  nowMs: number,
  schedule: CronSchedule,
  includeStartingDeadlineSeconds: boolean,
): MostRecentScheduleTime {
  let earliestMs = earliestTimeMs(cronJob);
  const deadlineSeconds = cronJob.spec.startingDeadlineSeconds;
  if (includeStartingDeadlineSeconds && deadlineSeconds !== undefined) {
    // The controller is not going to schedule anything before this point.
    earliestMs = Math.max(earliestMs, nowMs - deadlineSeconds * 1000);
  }

  const t1 = schedule.next(earliestMs);
  // robfig returns the zero time when nothing fires within 5 years; Kubernetes then computes a gap below 1 s.
  if (t1 === undefined) return { earliestMs, missed: 'none', error: neverFiresError };
  if (nowMs < t1) return { earliestMs, missed: 'none' };
  const t2 = schedule.next(t1);
  if (t2 === undefined) return { earliestMs, missed: 'none', error: neverFiresError };
  if (nowMs < t2) return { earliestMs, mostRecentMs: t1, missed: 'none' };

  // Go: int64(t2.Sub(t1).Round(time.Second).Seconds()); t2 > t1, so half-up rounding equals Go's half-away-from-zero.
  const gapSeconds = Math.round((t2 - t1) / 1000);
  if (gapSeconds < 1) return { earliestMs, missed: 'none', error: neverFiresError };
  // Go: int64(now.Sub(t1).Seconds()) truncates toward zero; now >= t2 > t1 here.
  const elapsedSeconds = Math.trunc((nowMs - t1) / 1000);
  const estimatedMissed = Math.floor(elapsedSeconds / gapSeconds) + 1;

  // One gap before the estimated last fire time, then let the schedule find the real ones (Kubernetes comment:
  // "critical to ensure @every starts at the correct time").
  const potentialEarliestMs = t1 + (estimatedMissed - 2) * gapSeconds * 1000;
  let mostRecentMs: number | undefined;
  for (let t = schedule.next(potentialEarliestMs); t !== undefined && t <= nowMs; t = schedule.next(t)) {
    mostRecentMs = t;
  }

  // "if controller gets wedged on friday at 5:01pm ... I've somewhat arbitrarily picked 100" (utils.go).
  const missed: MissedSchedules = estimatedMissed > 100 ? 'many' : 'few';
  return mostRecentMs === undefined ? { earliestMs, missed } : { earliestMs, mostRecentMs, missed };
}

/** The result of {@link nextScheduleTime}. */
export interface NextScheduleTime {
  /** The due time to start a Job for now; undefined = nothing due (not yet, or dropped by the deadline). */
  scheduledMs?: number;
  /** True when a time is due and more than 100 were (estimated) missed: Warning `TooManyMissedTimes`. */
  isTooManyMissed: boolean;
  /** The schedule never fires: Warning `InvalidSchedule`, no requeue. */
  error?: string;
}

/**
 * Kubernetes `nextScheduleTime`: the most recent due time inside `(max(earliest, now − startingDeadlineSeconds), now]`.
 * Only the latest missed time is ever returned; older ones are never backfilled.
 */
export function nextScheduleTime(cronJob: CronJob, nowMs: number, schedule: CronSchedule): NextScheduleTime {
  const { mostRecentMs, missed, error } = mostRecentScheduleTime(cronJob, nowMs, schedule, true);
  if (mostRecentMs === undefined || mostRecentMs > nowMs) {
    return error === undefined ? { isTooManyMissed: false } : { isTooManyMissed: false, error };
  }
  return { scheduledMs: mostRecentMs, isTooManyMissed: missed === 'many' };
}

/**
 * Kubernetes `nextScheduleTimeDuration`: how long until the controller should look again, which is the next fire time
 * after the most recent one (ignoring `startingDeadlineSeconds`) plus {@link nextScheduleDeltaMs}.
 *
 * @returns milliseconds from `nowMs`, or undefined when the schedule never fires again (Kubernetes would compute a
 *   meaningless negative duration from the zero time; jobctl does not requeue).
 * @example
 * // hourly, last scheduled 10:00, now 10:20 → 40 min 100 ms
 * nextScheduleTimeDuration(cronJob, Date.parse('2016-05-19T10:20:00Z'), parseSchedule('0 * * * *'));
 */
export function nextScheduleTimeDuration(cronJob: CronJob, nowMs: number, schedule: CronSchedule): number | undefined {
  const { earliestMs, mostRecentMs, missed, error } = mostRecentScheduleTime(cronJob, nowMs, schedule, false);
  let baseMs: number;
  if (error !== undefined) {
    // "we still have to requeue at some point, so aim for the next scheduling slot from now"
    baseMs = nowMs;
  } else if (mostRecentMs === undefined) {
    // No missed schedules since earliest: start from earliest; missed ones the estimate skipped: from now.
    baseMs = missed === 'none' ? earliestMs : nowMs;
  } else {
    baseMs = mostRecentMs;
  }
  const nextMs = schedule.next(baseMs);
  return nextMs === undefined ? undefined : nextMs + nextScheduleDeltaMs - nowMs;
}

/** `status.lastScheduleTime`, else `metadata.creationTimestamp` (Kubernetes' starting point of every search). */
function earliestTimeMs(cronJob: CronJob): number {
  const value = cronJob.status.lastScheduleTime ?? cronJob.metadata.creationTimestamp;
  if (value === undefined) {
    throw new JobctlError(
      'Validation',
      `cronjob ${cronJob.metadata.namespace}/${cronJob.metadata.name}: metadata.creationTimestamp is required: the ` +
        `store sets it on create`,
    );
  }
  return fromRfc3339(value);
}

/**
 * Kubernetes `formatSchedule` + `cron.ParseStandard`, the CronJob controller's parse: with `spec.timeZone`, the
 * schedule is read as `TZ=<timeZone> <schedule>`; a schedule containing `TZ` (a grandfathered `TZ=`/`CRON_TZ=`
 * prefix) is read as written, its own zone winning over `spec.timeZone`.
 *
 * @throws CronSyntaxError when the schedule does not parse (the controller's `UnparseableSchedule`)
 */
export function cronJobSchedule(spec: Pick<CronJobSpec, 'schedule' | 'timeZone'>): CronSchedule {
  return spec.schedule.includes('TZ') ? parseSchedule(spec.schedule) : parseSchedule(spec.schedule, spec.timeZone);
}

/** The result of {@link upcomingScheduleTimes}. */
export interface UpcomingScheduleTimes {
  /** The zone the schedule is read in: `spec.timeZone`, a grandfathered `TZ=` prefix's, or "UTC". */
  readonly timeZone: string;
  /** Ascending epoch milliseconds; fewer than asked when the schedule stops firing within robfig's 5 years. */
  readonly timesMs: readonly number[];
}

/**
 * The next `count` times the CronJob controller will start a Job for, after `nowMs`: the time it requeues itself for
 * ({@link nextScheduleTimeDuration} without its 100 ms delta), then the schedule's following fire times, each a
 * robfig `Next` (so a local time repeated when clocks go back fires twice, as in Kubernetes).
 *
 * undefined where the sync (`syncCronJob`, step 3, in its order) schedules nothing: an unknown `spec.timeZone`,
 * `spec.suspend`, a schedule that does not parse, or one that never fires (`InvalidSchedule`). A run already due and
 * not yet started is not listed: this is what comes after it.
 *
 * @example
 * // every 5 minutes, last scheduled 10:00, now 10:00:48 → [10:05, 10:10] (UTC)
 * upcomingScheduleTimes(cronJob, Date.parse('2016-05-19T10:00:48Z'), 2);
 */
export function upcomingScheduleTimes(
  cronJob: CronJob,
  nowMs: number,
  count: number,
): UpcomingScheduleTimes | undefined {
  const { timeZone, suspend } = cronJob.spec;
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) return undefined;
  if (suspend) return undefined;
  let schedule: CronSchedule;
  try {
    schedule = cronJobSchedule(cronJob.spec);
  } catch {
    return undefined;
  }
  if (cronJob.status.lastScheduleTime === undefined && cronJob.metadata.creationTimestamp === undefined) {
    // Not stored yet (the store sets creationTimestamp): the controller would start its search from its first sync.
    return { timeZone: schedule.timeZone, timesMs: nextTimes(schedule, nowMs, count) };
  }
  if (nextScheduleTime(cronJob, nowMs, schedule).error !== undefined) return undefined;
  const delayMs = nextScheduleTimeDuration(cronJob, nowMs, schedule);
  if (delayMs === undefined || count < 1) return { timeZone: schedule.timeZone, timesMs: [] };
  const firstMs = nowMs + delayMs - nextScheduleDeltaMs;
  return { timeZone: schedule.timeZone, timesMs: [firstMs, ...nextTimes(schedule, firstMs, count - 1)] };
}
