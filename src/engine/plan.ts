/**
 * `jobctl plan`: every run the CronJob controller will start for a set of CronJobs between two instants, with what a
 * reader of a schedule does not see — a local time the clocks skip or repeat, a run that starts while the previous one
 * may still run — and the busiest minute. Pure: the CronJobs and the window come in, nothing is read.
 *
 * Fire times are the controller's own: robfig `Next` from src/cron, on the schedule parsed as the controller parses
 * it (`TZ=<spec.timeZone> <schedule>`, a grandfathered `TZ=` prefix winning, UTC without a zone).
 */
import { GoDurationError, parseGoDuration } from '../cron/go-duration.ts';
import { isValidTimeZone, parseSchedule, type CronSchedule } from '../cron/index.ts';
import { parseCron, type SpecFields } from '../cron/parser.ts';
import { REPEATED_TIME_WINDOW_MS } from '../cron/repeated-local-time.ts';
import { nextSpecTime } from '../cron/spec-schedule.ts';
import { newWallClock, UTC_RULES, wallClockAt, type WallClock, type ZoneRules } from '../cron/time-zone.ts';
import { JobctlError } from '../errors.ts';
import { invalid } from '../spec/field-errors.ts';
import type { LoadedObject } from '../spec/load.ts';
import type { ConcurrencyPolicy, CronJob } from '../spec/types.ts';
import { fromRfc3339, toRfc3339 } from './object-meta.ts';

/** The annotation that states how long a CronJob's run may take at most, as a Go duration (`30m`, `1h30m`). */
export const MAX_RUNTIME_ANNOTATION = 'jobctl.dev/max-runtime';
/** Where a {@link MAX_RUNTIME_ANNOTATION} error is reported: the field path of manifest errors. */
export const MAX_RUNTIME_PATH = `metadata.annotations[${MAX_RUNTIME_ANNOTATION}]`;
/** The longest window a plan covers: a year, leap day included. */
export const MAX_PLAN_DAYS = 366;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Offsets are compared this far apart to find the instants clocks go forward (the tz database has none closer). */
const TRANSITION_SAMPLE_SECONDS = 3600;

/**
 * What a plan says about one run: `repeated-hour`, its local time occurs twice (clocks went back) and the schedule
 * fires at both; and, when it starts before the previous run of its CronJob may have ended, what the
 * `concurrencyPolicy` does then: `forbid-skip`, `replace-cut` or `concurrent` (Allow).
 */
export type RunNote = 'repeated-hour' | 'forbid-skip' | 'replace-cut' | 'concurrent';

export interface PlannedRun {
  readonly cronJob: string;
  /** Epoch ms: the scheduled time, the Job's `batch.kubernetes.io/cronjob-scheduled-timestamp`. */
  readonly timeMs: number;
  /** The zone the schedule is read in. */
  readonly timeZone: string;
  readonly notes: readonly RunNote[];
  /** With an overlap note: the previous run of the same CronJob, and the latest it may end. */
  readonly previousRun?: { readonly timeMs: number; readonly mayEndMs: number };
}

/** A local time the schedule names that does not exist that day: clocks went forward over it, nothing runs. */
export interface SkippedTime {
  readonly cronJob: string;
  readonly timeZone: string;
  /** The wall-clock time the schedule names (`2025-03-30 02:30:00`, a Sunday). */
  readonly localTime: Readonly<WallClock>;
  /** Epoch ms: when the clocks jumped over it. */
  readonly clockChangeMs: number;
}

/** How long a run may last, and where that came from. */
export interface LongestRun {
  readonly ms: number;
  readonly source: 'annotation' | 'activeDeadlineSeconds';
}

export interface PlannedCronJob {
  readonly name: string;
  readonly schedule: string;
  /** The zone the schedule is read in (`spec.timeZone`, a grandfathered `TZ=` prefix's, or UTC). */
  readonly timeZone: string;
  /** `spec.suspend`: the controller starts nothing, so it has no runs. */
  readonly suspended: boolean;
  readonly concurrencyPolicy: ConcurrencyPolicy;
  /** undefined: no overlap can be told for this CronJob. */
  readonly longestRun?: LongestRun;
  readonly runCount: number;
  readonly skippedCount: number;
  /** Why the controller starts nothing for it: a zone or schedule it cannot read (its Warning event's message). */
  readonly problem?: string;
}

export interface Plan {
  readonly fromMs: number;
  /** Not included: runs are in [fromMs, toMs). */
  readonly toMs: number;
  /** By name. */
  readonly cronJobs: readonly PlannedCronJob[];
  /** By time, then CronJob name. */
  readonly runs: readonly PlannedRun[];
  /** By clock change, then CronJob name and local time. */
  readonly skipped: readonly SkippedTime[];
  /** The most runs starting in one minute, across CronJobs, and the first such minute (epoch ms); 0 without runs. */
  readonly peak: { readonly perMinute: number; readonly minuteMs?: number };
}

/**
 * Every run of `cronJobs` scheduled in [fromMs, toMs), as the CronJob controller starts them.
 *
 * - Suspended CronJobs are listed with no runs: the controller starts nothing while `spec.suspend` is true.
 * - A local time repeated when clocks go back runs twice (robfig walks real time); both runs are `repeated-hour`.
 * - A local time the clocks skip runs not at all (robfig does not move it): it is a {@link SkippedTime}.
 * - Overlaps compare each run with the previous run of the same CronJob (the one before `fromMs` too), which may last
 *   {@link longestRunOf}; a worst case per pair of fire times, not a simulation of which runs Forbid would delay.
 * - `@every` counts elapsed time from the last scheduled time, else the creation, else `fromMs` (a manifest not yet
 *   created); local times mean nothing to it, so it gets no DST notes.
 *
 * @throws JobctlError when the window is empty or longer than {@link MAX_PLAN_DAYS}, or a CronJob's
 *   {@link MAX_RUNTIME_ANNOTATION} is not a positive Go duration.
 * @example
 * planRuns([nightlyReport], Date.parse('2025-10-26T00:00:00Z'), Date.parse('2025-10-27T00:00:00Z')).runs;
 * // 00:30Z and 01:30Z, both 'repeated-hour', for `30 2 * * *` in Europe/Berlin
 */
export function planRuns(cronJobs: readonly CronJob[], fromMs: number, toMs: number): Plan {
  const windowProblem = planWindowProblem(fromMs, toMs);
  if (windowProblem !== undefined) throw new JobctlError('Validation', windowProblem);
  const planned: PlannedCronJob[] = [];
  const runs: PlannedRun[] = [];
  const skipped: SkippedTime[] = [];
  const transitions = new Map<string, ForwardTransition[]>();
  const forwardTransitions = (zone: ZoneRules): ForwardTransition[] => {
    let found = transitions.get(zone.name);
    if (found === undefined) {
      found = forwardTransitionsIn(zone, fromMs, toMs);
      transitions.set(zone.name, found);
    }
    return found;
  };

  for (const cronJob of [...cronJobs].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const { name } = cronJob.metadata;
    const { spec } = cronJob;
    const longestRun = longestRunOf(cronJob);
    const base = {
      name,
      schedule: spec.schedule,
      suspended: spec.suspend,
      concurrencyPolicy: spec.concurrencyPolicy,
      ...(longestRun === undefined ? {} : { longestRun }),
    };
    const read = readSchedule(cronJob, fromMs);
    if ('problem' in read) {
      planned.push({ ...base, timeZone: spec.timeZone ?? 'UTC', runCount: 0, skippedCount: 0, problem: read.problem });
      continue;
    }
    const { timeZone } = read.schedule;
    if (spec.suspend) {
      planned.push({ ...base, timeZone, runCount: 0, skippedCount: 0 });
      continue;
    }
    const ownRuns = runsOf(name, read, fromMs, toMs, longestRun, spec.concurrencyPolicy);
    const ownSkipped =
      read.fields === undefined ? [] : skippedTimesOf(name, read.fields, read.zone, forwardTransitions(read.zone));
    // A loop, not push(...runs): a year of every minute is more arguments than a call takes.
    for (const run of ownRuns) runs.push(run);
    for (const time of ownSkipped) skipped.push(time);
    planned.push({ ...base, timeZone, runCount: ownRuns.length, skippedCount: ownSkipped.length });
  }

  runs.sort((a, b) => a.timeMs - b.timeMs || a.cronJob.localeCompare(b.cronJob));
  skipped.sort(
    (a, b) =>
      a.clockChangeMs - b.clockChangeMs ||
      a.cronJob.localeCompare(b.cronJob) ||
      a.localTime.hour * 3600 +
        a.localTime.minute * 60 +
        a.localTime.second -
        (b.localTime.hour * 3600 + b.localTime.minute * 60 + b.localTime.second),
  );
  return { fromMs, toMs, cronJobs: planned, runs, skipped, peak: peakPerMinute(runs) };
}

/**
 * Why [fromMs, toMs) is no window to plan, or undefined when it is one: it must not be empty nor longer than
 * {@link MAX_PLAN_DAYS} days.
 */
export function planWindowProblem(fromMs: number, toMs: number): string | undefined {
  if (!(toMs > fromMs)) return `the end (${toRfc3339(toMs)}) must be after the start (${toRfc3339(fromMs)})`;
  if (toMs - fromMs > MAX_PLAN_DAYS * DAY_MS) {
    const days = Math.ceil((toMs - fromMs) / DAY_MS);
    return `${toRfc3339(fromMs)} to ${toRfc3339(toMs)} is ${days} days: a plan covers at most ${MAX_PLAN_DAYS} days`;
  }
  return undefined;
}

/**
 * How long one run of the CronJob may last: the {@link MAX_RUNTIME_ANNOTATION} when present, else
 * `spec.jobTemplate.spec.activeDeadlineSeconds` (after it the Job controller fails the Job and stops its pods), else
 * undefined.
 *
 * @throws JobctlError naming the CronJob and the annotation when the annotation is not a positive Go duration.
 */
export function longestRunOf(cronJob: CronJob): LongestRun | undefined {
  const annotation = cronJob.metadata.annotations?.[MAX_RUNTIME_ANNOTATION];
  if (annotation !== undefined) {
    const read = readMaxRuntime(annotation);
    if (typeof read === 'string')
      throw new JobctlError('Validation', `cronjob "${cronJob.metadata.name}": ${MAX_RUNTIME_PATH}: ${read}`);
    return { ms: read, source: 'annotation' };
  }
  const deadline = cronJob.spec.jobTemplate.spec.activeDeadlineSeconds;
  return deadline === undefined ? undefined : { ms: deadline * 1000, source: 'activeDeadlineSeconds' };
}

/**
 * A manifest check (`LoadOptions.check`) for {@link MAX_RUNTIME_ANNOTATION}, so a value that is not a positive Go
 * duration is reported at its file and line like any other field error.
 */
export function maxRuntimeFindings(object: LoadedObject): Array<{ path: string; message: string }> {
  if (object.kind !== 'CronJob') return [];
  const annotation = object.metadata.annotations?.[MAX_RUNTIME_ANNOTATION];
  if (annotation === undefined) return [];
  const read = readMaxRuntime(annotation);
  return typeof read === 'string' ? [{ path: MAX_RUNTIME_PATH, message: read }] : [];
}

/** The duration in ms, or why it is not one, worded as a field error (Go's own words for what Go rejects). */
function readMaxRuntime(value: string): number | string {
  let nanoseconds: bigint;
  try {
    nanoseconds = parseGoDuration(value);
  } catch (error) {
    if (error instanceof GoDurationError) return invalid(value, `${error.message}; want a Go duration such as 30m`);
    throw error;
  }
  if (nanoseconds <= 0n) return invalid(value, 'must be a positive duration, such as 30m or 1h30m');
  return Number(nanoseconds) / 1e6;
}

/** A schedule as the controller reads it, with what the plan needs beyond its fire times. */
interface ReadSchedule {
  readonly schedule: CronSchedule;
  readonly zone: ZoneRules;
  /** The wall-clock fields; undefined for `@every`, which names no local time. */
  readonly fields?: SpecFields;
  /** `@every`: the instant its delay counts from (epoch ms, whole seconds), and the delay. */
  readonly every?: { readonly fromMs: number; readonly delayMs: number };
}

/** The controller's parse (`cronjob-sync.ts`): zone checked first, then `formatSchedule` + `ParseStandard`. */
function readSchedule(cronJob: CronJob, fromMs: number): ReadSchedule | { problem: string } {
  const { schedule: expression, timeZone } = cronJob.spec;
  if (timeZone !== undefined && !isValidTimeZone(timeZone))
    return { problem: `invalid timeZone: "${timeZone}": unknown time zone ${timeZone}` };
  // A grandfathered TZ=/CRON_TZ= prefix wins over spec.timeZone, as in Kubernetes.
  const formatted = expression.includes('TZ') || timeZone === undefined ? expression : `TZ=${timeZone} ${expression}`;
  let schedule: CronSchedule;
  let parsed: ReturnType<typeof parseCron>;
  try {
    schedule = expression.includes('TZ') ? parseSchedule(expression) : parseSchedule(expression, timeZone);
    parsed = parseCron(formatted);
  } catch (error) {
    return { problem: `unparseable schedule: "${expression}" : ${(error as Error).message}` };
  }
  if (parsed.kind === 'spec') return { schedule, zone: parsed.zone, fields: parsed.fields };
  // Kubernetes searches from lastScheduleTime, else creationTimestamp; @every counts from there.
  const { lastScheduleTime } = cronJob.status;
  const { creationTimestamp } = cronJob.metadata;
  const startMs = lastScheduleTime ?? creationTimestamp;
  const everyFromMs = Math.floor((startMs === undefined ? fromMs : fromRfc3339(startMs)) / 1000) * 1000;
  return { schedule, zone: parsed.zone, every: { fromMs: everyFromMs, delayMs: parsed.delaySeconds * 1000 } };
}

/** The fire times in [loMs, hiMs), ascending. */
function firesIn(read: ReadSchedule, loMs: number, hiMs: number): number[] {
  const times: number[] = [];
  let t: number | undefined;
  if (read.every === undefined) {
    // Next() is strictly after, at whole seconds: a fire at loMs itself is found from loMs − 1.
    t = read.schedule.next(loMs - 1);
  } else {
    // The chain fromMs + k·delay (k ≥ 1): jump to its last link before loMs instead of walking from the start.
    const { fromMs, delayMs } = read.every;
    const links = Math.max(0, Math.ceil((loMs - fromMs) / delayMs) - 1);
    t = read.schedule.next(fromMs + links * delayMs);
  }
  for (; t !== undefined && t < hiMs; t = read.schedule.next(t)) if (t >= loMs) times.push(t);
  return times;
}

/** The last fire time before `beforeMs` and no earlier than `beforeMs − withinMs`; undefined when none. */
function lastFireBefore(read: ReadSchedule, beforeMs: number, withinMs: number): number | undefined {
  // Windows doubling back from `beforeMs`: a dense schedule is found at once, a sparse one in a few steps.
  for (let span = MINUTE_MS; ; span *= 2) {
    const fires = firesIn(read, beforeMs - Math.min(span, withinMs), beforeMs);
    if (fires.length > 0) return fires.at(-1);
    if (span >= withinMs) return undefined;
  }
}

function runsOf(
  cronJob: string,
  read: ReadSchedule,
  fromMs: number,
  toMs: number,
  longestRun: LongestRun | undefined,
  policy: ConcurrencyPolicy,
): PlannedRun[] {
  const { timeZone } = read.schedule;
  // The other occurrence of a repeated local time is at most REPEATED_TIME_WINDOW_MS away, maybe outside the window.
  const withMargin =
    read.fields === undefined || read.zone === UTC_RULES
      ? firesIn(read, fromMs, toMs)
      : firesIn(read, fromMs - REPEATED_TIME_WINDOW_MS, toMs + REPEATED_TIME_WINDOW_MS);
  const repeated = read.fields === undefined ? new Set<number>() : repeatedLocalTimes(withMargin, read.zone);
  const times = withMargin.filter((t) => t >= fromMs && t < toMs);
  let previousMs = longestRun === undefined ? undefined : lastFireBefore(read, fromMs, longestRun.ms);
  return times.map((timeMs): PlannedRun => {
    const isRepeated = repeated.has(timeMs);
    const overlapped = longestRun !== undefined && previousMs !== undefined && timeMs < previousMs + longestRun.ms;
    const beforeMs = previousMs;
    previousMs = timeMs;
    if (!overlapped) return { cronJob, timeMs, timeZone, notes: isRepeated ? REPEATED_HOUR : NO_NOTES };
    const overlap = OVERLAP_NOTE[policy];
    return {
      cronJob,
      timeMs,
      timeZone,
      notes: isRepeated ? ['repeated-hour', overlap] : [overlap],
      previousRun: { timeMs: beforeMs!, mayEndMs: beforeMs! + longestRun!.ms },
    };
  });
}

// Shared by the runs without an overlap (most of a year of every minute): notes are read, never changed.
const NO_NOTES: readonly RunNote[] = Object.freeze([]);
const REPEATED_HOUR: readonly RunNote[] = Object.freeze(['repeated-hour']);

const OVERLAP_NOTE: Readonly<Record<ConcurrencyPolicy, RunNote>> = {
  Allow: 'concurrent',
  Forbid: 'forbid-skip',
  Replace: 'replace-cut',
};

/** The fire times whose local wall clock is that of another fire time: both occurrences of a repeated time. */
function repeatedLocalTimes(times: readonly number[], zone: ZoneRules): Set<number> {
  const firstAtLocalSeconds = new Map<number, number>();
  const repeated = new Set<number>();
  for (const t of times) {
    const seconds = Math.floor(t / 1000);
    const local = seconds + zone.offsetAt(seconds);
    const first = firstAtLocalSeconds.get(local);
    if (first === undefined) firstAtLocalSeconds.set(local, t);
    else repeated.add(first).add(t);
  }
  return repeated;
}

/** An instant the zone's offset grows: the local times in [gapStartLocalSeconds, gapEndLocalSeconds) do not exist. */
interface ForwardTransition {
  readonly atMs: number;
  /** Wall clocks as seconds since 1970-01-01T00:00 local (the wall clock read as if it were UTC). */
  readonly gapStartLocalSeconds: number;
  readonly gapEndLocalSeconds: number;
}

/** The zone's forward transitions in [fromMs, toMs). */
function forwardTransitionsIn(zone: ZoneRules, fromMs: number, toMs: number): ForwardTransition[] {
  if (zone === UTC_RULES) return [];
  const found: ForwardTransition[] = [];
  const endSeconds = Math.ceil(toMs / 1000);
  let before = Math.floor(fromMs / 1000) - 1;
  let offsetBefore = zone.offsetAt(before);
  while (before < endSeconds) {
    const after = Math.min(before + TRANSITION_SAMPLE_SECONDS, endSeconds);
    const offsetAfter = zone.offsetAt(after);
    if (offsetAfter !== offsetBefore) {
      // Bisect (before, after] for the first second with the new offset.
      let lo = before;
      let hi = after;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (zone.offsetAt(mid) === offsetBefore) lo = mid;
        else hi = mid;
      }
      const atMs = hi * 1000;
      if (offsetAfter > offsetBefore && atMs >= fromMs && atMs < toMs) {
        found.push({ atMs, gapStartLocalSeconds: hi + offsetBefore, gapEndLocalSeconds: hi + offsetAfter });
      }
    }
    before = after;
    offsetBefore = offsetAfter;
  }
  return found;
}

/**
 * The local times the schedule names inside the zone's gaps. Read in UTC, where every wall clock exists once, the
 * same fields say which wall clocks they name: the library's own matching, day-of-month/day-of-week rule included.
 */
function skippedTimesOf(
  cronJob: string,
  fields: SpecFields,
  zone: ZoneRules,
  transitions: readonly ForwardTransition[],
): SkippedTime[] {
  const skipped: SkippedTime[] = [];
  for (const transition of transitions) {
    const endMs = transition.gapEndLocalSeconds * 1000;
    let named = nextSpecTime(fields, UTC_RULES, transition.gapStartLocalSeconds * 1000 - 1);
    for (; named !== undefined && named < endMs; named = nextSpecTime(fields, UTC_RULES, named)) {
      const localTime = wallClockAt(UTC_RULES, named / 1000, newWallClock());
      skipped.push({ cronJob, timeZone: zone.name, localTime, clockChangeMs: transition.atMs });
    }
  }
  return skipped;
}

function peakPerMinute(runs: readonly PlannedRun[]): Plan['peak'] {
  let peak: Plan['peak'] = { perMinute: 0 };
  let minuteMs = Number.NaN;
  let count = 0;
  // Runs are sorted by time: a minute's runs are consecutive, and the first minute to reach the peak is the earliest.
  for (const run of runs) {
    const runMinuteMs = Math.floor(run.timeMs / MINUTE_MS) * MINUTE_MS;
    count = runMinuteMs === minuteMs ? count + 1 : 1;
    minuteMs = runMinuteMs;
    if (count > peak.perMinute) peak = { perMinute: count, minuteMs };
  }
  return peak;
}
