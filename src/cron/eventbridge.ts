/**
 * Translation of a Kubernetes CronJob schedule (robfig/cron `ParseStandard` + `spec.timeZone`) into EventBridge
 * Scheduler schedule expressions, exact wherever the EventBridge dialect can express the Kubernetes behaviour, and
 * with a named divergence wherever it cannot.
 *
 * The EventBridge cron dialect (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based,
 * field table and wildcards in
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html): six fields `minutes hours
 * day-of-month month day-of-week year`; day-of-week is 1-7 or SUN-SAT (SUN = 1) and takes no `/`; "You can't use * in
 * both the Day-of-month and Day-of-week fields. If you use it in one, you must use ? in the other"; the `/` increment
 * is documented only as `start/increment` ("1/10 … the 11th, 21st, and 31st minute").
 *
 * Expressions are rendered from the parsed value sets, never by rewriting the user's text, so only documented forms
 * are emitted: `*`, `N`, `N-M`, `N/S` (an increment running to the field's maximum, exactly robfig's `N/S`), lists
 * of those, and day names. `*\/S` and `N-M/S` are never emitted (`*\/60` is rejected by AWS, and range-steps are
 * undocumented); they become `0/S`, `1/S` or explicit lists.
 */
import type { FieldSet, SpecFields } from './parser.ts';
import { parseCron } from './parser.ts';
import { wallClockAt, newWallClock, type WallClock, type ZoneRules } from './time-zone.ts';

/** One EventBridge Scheduler schedule: the `ScheduleExpression` and `ScheduleExpressionTimezone` of CreateSchedule. */
export interface EventBridgeSchedule {
  /** `cron(minutes hours day-of-month month day-of-week year)` or `rate(value unit)`; at most 256 characters. */
  readonly expression: string;
  /** IANA zone the expression is evaluated in: the CronJob's `spec.timeZone` (or `TZ=` prefix), else "UTC". */
  readonly timeZone: string;
}

/**
 * Why EventBridge Scheduler cannot run a schedule exactly as Kubernetes would:
 * - `repeated-local-time`: a fire time falls in a local hour that repeats when clocks go back. Kubernetes (robfig
 *   `Next`) runs it once per offset, i.e. twice; EventBridge Scheduler runs it once. The dispatcher adds the second
 *   run with a one-time `dst.*` schedule (`nextRepeatedLocalTime` in src/cron/repeated-local-time.ts).
 * - `partial-hour-clock-change`: the zone moves its clocks by part of an hour (Australia/Lord_Howe, 30 minutes).
 *   robfig steps hours in elapsed time, so a Kubernetes search crossing that change skips or shifts fire times;
 *   EventBridge keeps to the wall clock. Not raised for schedules that fire in every hour of every day.
 * - `rate-not-aligned`: `@every` became `rate(...)`, which counts from the schedule's creation (or `StartDate`),
 *   not from the CronJob's creation or last scheduled time like robfig's `ConstantDelaySchedule`.
 * - `unsupported-interval`: an `@every` duration that is not a whole number of minutes (EventBridge's precision is
 *   one minute). No schedule is produced; a deployment must refuse the CronJob or poll for it.
 * - `never-fires`: the schedule matches no time at all (`0 0 30 2 *`, a field of `,`). Kubernetes accepts it and
 *   the controller reports `InvalidSchedule`; no schedule is produced, so nothing on AWS will report it.
 */
export type EventBridgeDivergenceKind =
  | 'repeated-local-time'
  | 'partial-hour-clock-change'
  | 'rate-not-aligned'
  | 'unsupported-interval'
  | 'never-fires';

/** A place where the translated schedules do not reproduce Kubernetes exactly, worded for the CronJob's owner. */
export interface EventBridgeDivergence {
  readonly kind: EventBridgeDivergenceKind;
  readonly message: string;
}

/** What a Kubernetes schedule becomes on EventBridge Scheduler. */
export interface EventBridgeTranslation {
  /**
   * The schedules whose union of fire times is the Kubernetes schedule (minus the `divergences`): one, two for
   * the day-of-month OR day-of-week rule, none when the schedule never fires or cannot be expressed.
   */
  readonly schedules: readonly EventBridgeSchedule[];
  /** Empty when the schedules reproduce Kubernetes exactly. */
  readonly divergences: readonly EventBridgeDivergence[];
}

/** Options of {@link toEventBridgeSchedules}. */
export interface EventBridgeTranslationOptions {
  /**
   * Start of the window searched for daylight-saving changes that repeat a local time the schedule fires at (the
   * window is {@link DST_CHECK_YEARS} years long). Pass the deployment time; it is an argument because `src/cron`
   * never reads the clock.
   * @default 2026-01-01T00:00:00Z
   */
  readonly dstCheckFromMs?: number;
}

/** Length of the window searched for daylight-saving changes, in years. */
export const DST_CHECK_YEARS = 30;

const DEFAULT_DST_CHECK_FROM_MS = Date.UTC(2026, 0, 1);

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** Days in each month, February counted as 29 (a leap year exists for any February date robfig can match). */
const MAX_DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** How one field's values are written in the EventBridge dialect. */
interface FieldSyntax {
  readonly min: number;
  readonly max: number;
  /** `N/S` is allowed (every field but day-of-week). */
  readonly isStepAllowed: boolean;
  readonly name?: (value: number) => string;
}

const MINUTE: FieldSyntax = { min: 0, max: 59, isStepAllowed: true };
const HOUR: FieldSyntax = { min: 0, max: 23, isStepAllowed: true };
const DAY_OF_MONTH: FieldSyntax = { min: 1, max: 31, isStepAllowed: true };
const MONTH: FieldSyntax = { min: 1, max: 12, isStepAllowed: true };
// Kubernetes counts Sunday as 0, EventBridge as 1; names are the same in both and read unambiguously.
const DAY_OF_WEEK: FieldSyntax = { min: 0, max: 6, isStepAllowed: false, name: (v) => DAY_NAMES[v]! };

/** A field of one EventBridge expression: its values, or `?` (no specific value). */
type DayField = readonly number[] | '?';

interface ExpressionParts {
  readonly minute: readonly number[];
  readonly hour: readonly number[];
  readonly dayOfMonth: DayField;
  readonly month: readonly number[];
  readonly dayOfWeek: DayField;
}

/**
 * Translates a Kubernetes CronJob schedule into EventBridge Scheduler schedules, exactly where the dialect allows.
 *
 * - Five-field schedules and the macros (`@hourly`, `@daily`/`@midnight`, `@weekly`, `@monthly`,
 *   `@yearly`/`@annually`) become `cron(...)` with year `*`, evaluated in `timeZone` (default "UTC", as jobctl
 *   treats a nil `spec.timeZone`). A grandfathered `TZ=`/`CRON_TZ=` prefix is honoured as Kubernetes does.
 * - Kubernetes' day rule (robfig `dayMatches`): when both day-of-month and day-of-week are restricted (neither was
 *   written `*`, `?` or `*\/1`; `1-31` and `*\/2` count as restricted), a day matching EITHER fires. EventBridge
 *   needs `?` in one of the two fields, so this becomes TWO schedules, `cron(m h D M ? *)` and
 *   `cron(m h ? M W *)`. On a day matching both (`0 0 13 * 5` on Friday the 13th) both fire for the same scheduled
 *   time; the dispatcher collapses them because the Job name is `<cronjob>-<unix minutes>` of the scheduled time
 *   (created with a conditional put). When either set covers every day the union is every day and one schedule is
 *   emitted (`0 0 1-31 * 1` runs daily); a half that can never match (the 30 February of `0 0 30 2 1`) is dropped.
 * - `@every <d>` becomes `rate(n minutes|hours|days)` when d is a whole number of minutes, with a
 *   `rate-not-aligned` divergence; otherwise no schedule and an `unsupported-interval` divergence.
 * - A schedule that can never fire yields no schedule and a `never-fires` divergence.
 * - Daylight saving: a local time that does not exist is skipped by both Kubernetes and EventBridge Scheduler. A
 *   local time that occurs twice runs twice on Kubernetes and once on EventBridge ("When the time shifts back in
 *   the Fall, your schedule runs only once", https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst);
 *   a `repeated-local-time` divergence is added when some fire time of the schedule falls in a repeated local
 *   interval of its zone within {@link DST_CHECK_YEARS} years of `options.dstCheckFromMs` (so `30 1 * * *` in
 *   America/New_York gets one, `30 2 * * *` there or `0 1 * * MON` do not).
 *
 * Schedule math only: no I/O and no clock.
 *
 * @throws CronSyntaxError when Kubernetes would reject the schedule or the time zone (from {@link parseCron}).
 * @example
 * toEventBridgeSchedules('*\/15 9-17 * * MON-FRI', 'Europe/Berlin');
 * // { schedules: [{ expression: 'cron(0/15 9-17 ? * MON-FRI *)', timeZone: 'Europe/Berlin' }], divergences: [] }
 * toEventBridgeSchedules('0 0 13 * 5').schedules.map((s) => s.expression);
 * // ['cron(0 0 13 * ? *)', 'cron(0 0 ? * FRI *)']
 */
export function toEventBridgeSchedules(
  schedule: string,
  timeZone?: string,
  options: EventBridgeTranslationOptions = {},
): EventBridgeTranslation {
  // Kubernetes' formatSchedule: spec.timeZone is passed to the parser as a TZ= prefix.
  const parsed = parseCron(timeZone === undefined ? schedule : `TZ=${timeZone} ${schedule}`);
  const zoneName = parsed.zone.name;
  if (parsed.kind === 'every') return everyToRate(parsed.delaySeconds, zoneName);

  const { fields, zone } = parsed;
  const expressions = dayAlternatives(fields).map(renderExpression);
  if (expressions.length === 0) {
    return {
      schedules: [],
      divergences: [
        {
          kind: 'never-fires',
          message:
            `schedule "${schedule}" matches no date and time, so no EventBridge schedule is created; ` +
            `Kubernetes accepts it but never runs it and reports InvalidSchedule`,
        },
      ],
    };
  }
  const changes = findClockChanges(zone, options.dstCheckFromMs ?? DEFAULT_DST_CHECK_FROM_MS);
  const divergences = [repeatedLocalTime(fields, zone, changes), partialHourClockChange(fields, zone, changes)].filter(
    (d) => d !== undefined,
  );
  return { schedules: expressions.map((expression) => ({ expression, timeZone: zoneName })), divergences };
}

/** `@every`: robfig's ConstantDelaySchedule, mapped onto a rate expression when EventBridge can count it. */
function everyToRate(delaySeconds: number, timeZone: string): EventBridgeTranslation {
  if (delaySeconds % 60 !== 0) {
    return {
      schedules: [],
      divergences: [
        {
          kind: 'unsupported-interval',
          message:
            `@every ${delaySeconds}s is not a whole number of minutes; EventBridge Scheduler rate expressions ` +
            `count whole minutes, hours or days, so no schedule is created`,
        },
      ],
    };
  }
  const minutes = delaySeconds / 60;
  const [value, unit] =
    minutes % 1440 === 0 ? [minutes / 1440, 'day'] : minutes % 60 === 0 ? [minutes / 60, 'hour'] : [minutes, 'minute'];
  // "If the value is equal to 1, then the unit must be singular"
  // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html).
  const expression = `rate(${value} ${unit}${value === 1 ? '' : 's'})`;
  return {
    schedules: [{ expression, timeZone }],
    divergences: [
      {
        kind: 'rate-not-aligned',
        message:
          `${expression} counts from when the EventBridge schedule is created (or its StartDate), while ` +
          `Kubernetes' @every counts from the CronJob's creation and then from each scheduled time; set StartDate to ` +
          `align the first run`,
      },
    ],
  };
}

function valuesOf(set: FieldSet, syntax: FieldSyntax): number[] {
  const out: number[] = [];
  for (let v = syntax.min; v <= syntax.max; v++) if (set.values[v] === 1) out.push(v);
  return out;
}

/**
 * The day-of-month / day-of-week combinations whose union is robfig's `dayMatches`, as `?`-correct expression parts.
 * Empty when the schedule never fires.
 */
function dayAlternatives(fields: SpecFields): ExpressionParts[] {
  const minute = valuesOf(fields.minute, MINUTE);
  const hour = valuesOf(fields.hour, HOUR);
  const month = valuesOf(fields.month, MONTH);
  const dom = valuesOf(fields.dayOfMonth, DAY_OF_MONTH);
  const dow = valuesOf(fields.dayOfWeek, DAY_OF_WEEK);
  if (minute.length === 0 || hour.length === 0 || month.length === 0) return [];
  const base = { minute, hour, month };
  const isDomFull = dom.length === 31;
  const isDowFull = dow.length === 7;
  const everyDay: ExpressionParts = { ...base, dayOfMonth: DAY_OF_MONTH_ALL, dayOfWeek: '?' };
  const byDayOfMonth: ExpressionParts = { ...base, dayOfMonth: dom, dayOfWeek: '?' };
  const byDayOfWeek: ExpressionParts = { ...base, dayOfMonth: '?', dayOfWeek: dow };
  const isDomPossible = dom.some((d) => month.some((m) => d <= MAX_DAYS_IN_MONTH[m]!));
  const isDowPossible = dow.length > 0;

  // A star field matches every value, so with a star on either side robfig's AND leaves only the other field.
  if (fields.dayOfMonth.isStar || fields.dayOfWeek.isStar) {
    if (isDomFull && isDowFull) return [everyDay];
    if (isDomFull) return isDowPossible ? [byDayOfWeek] : [];
    return isDowFull && isDomPossible ? [byDayOfMonth] : [];
  }
  // Both restricted: robfig ORs them (`0 0 13 * 5` = every 13th and every Friday).
  if (isDomFull || isDowFull) return [everyDay];
  return [...(isDomPossible ? [byDayOfMonth] : []), ...(isDowPossible ? [byDayOfWeek] : [])];
}

const DAY_OF_MONTH_ALL: readonly number[] = Array.from({ length: 31 }, (_, i) => i + 1);

/**
 * One field in the EventBridge dialect: `*` for every value, `N/S` for an increment that runs to the maximum (as
 * robfig's `N/S` and `*\/S` do), otherwise a list of values and `N-M` runs.
 */
function renderField(values: readonly number[], syntax: FieldSyntax): string {
  const name = syntax.name ?? String;
  if (values.length === syntax.max - syntax.min + 1) return '*';
  if (syntax.isStepAllowed && values.length >= 3) {
    const step = values[1]! - values[0]!;
    const isProgression = step > 1 && values.every((v, i) => v === values[0]! + i * step);
    if (isProgression && values[values.length - 1]! + step > syntax.max) return `${values[0]}/${step}`;
  }
  const items: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    if (j - i >= 2) items.push(`${name(values[i]!)}-${name(values[j]!)}`);
    else for (let k = i; k <= j; k++) items.push(name(values[k]!));
    i = j + 1;
  }
  return items.join(',');
}

/**
 * The `cron(...)` expression. It always fits CreateSchedule's 256-character limit: a field is longest when its
 * values come in runs of at most two (a run of three becomes `N-M`), which gives at most 113 characters for
 * minutes, 41 for hours, 56 for days of the month and 17 for months — 240 with the rest of the expression.
 */
function renderExpression(parts: ExpressionParts): string {
  const day = (field: DayField, syntax: FieldSyntax): string => (field === '?' ? '?' : renderField(field, syntax));
  return (
    `cron(${renderField(parts.minute, MINUTE)} ${renderField(parts.hour, HOUR)} ` +
    `${day(parts.dayOfMonth, DAY_OF_MONTH)} ${renderField(parts.month, MONTH)} ${day(parts.dayOfWeek, DAY_OF_WEEK)} *)`
  );
}

/** A change of a zone's UTC offset. */
interface ClockChange {
  /** The first instant with the new offset (epoch seconds). */
  readonly atSeconds: number;
  /** Offsets in seconds east of UTC. */
  readonly offsetBefore: number;
  readonly offsetAfter: number;
}

// Offsets are sampled a week apart and each change is pinned to the second by bisection; a zone would need two
// changes within one week that cancel out to hide one, which the tz database has not had in modern times.
const SAMPLE_SECONDS = 7 * 86_400;
const clockChangesCache = new Map<string, readonly ClockChange[]>();

/**
 * The zone's offset changes within {@link DST_CHECK_YEARS} years of `fromMs` (none for UTC), cached per zone and start.
 */
function findClockChanges(zone: ZoneRules, fromMs: number): readonly ClockChange[] {
  if (zone.name === 'UTC') return [];
  const start = Math.floor(fromMs / 1000);
  const key = `${zone.name}@${start}`;
  const cached = clockChangesCache.get(key);
  if (cached !== undefined) return cached;
  const end = start + Math.round(DST_CHECK_YEARS * 365.2425 * 86_400);
  const changes: ClockChange[] = [];
  let prev = start;
  let prevOffset = zone.offsetAt(start);
  for (let t = start + SAMPLE_SECONDS; t <= end; t += SAMPLE_SECONDS) {
    const offset = zone.offsetAt(t);
    if (offset !== prevOffset) {
      let lo = prev;
      let hi = t;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (zone.offsetAt(mid) === prevOffset) lo = mid;
        else hi = mid;
      }
      changes.push({ atSeconds: hi, offsetBefore: prevOffset, offsetAfter: offset });
      prevOffset = offset;
    }
    prev = t;
  }
  clockChangesCache.set(key, changes);
  return changes;
}

function has(set: FieldSet, value: number): boolean {
  return set.values[value] === 1;
}

/** robfig `dayMatches` (spec.go): with a star in either day field both must match, otherwise either may. */
function isDayMatch(fields: SpecFields, w: WallClock): boolean {
  const domMatch = has(fields.dayOfMonth, w.day);
  const dowMatch = has(fields.dayOfWeek, w.weekday);
  return fields.dayOfMonth.isStar || fields.dayOfWeek.isStar ? domMatch && dowMatch : domMatch || dowMatch;
}

function twoDigits(n: number): string {
  return String(n).padStart(2, '0');
}

function dateOf(w: WallClock): string {
  return `${w.year}-${twoDigits(w.month)}-${twoDigits(w.day)}`;
}

/**
 * `repeated-local-time` when some fire time falls in a local interval that a backward clock change repeats: the
 * wall times shown in [change, change + (offsetBefore - offsetAfter)) were already shown before the change.
 */
function repeatedLocalTime(
  fields: SpecFields,
  zone: ZoneRules,
  changes: readonly ClockChange[],
): EventBridgeDivergence | undefined {
  const w = newWallClock();
  for (const { atSeconds, offsetBefore, offsetAfter } of changes) {
    const repeatSeconds = offsetBefore - offsetAfter;
    if (repeatSeconds <= 0) continue;
    const firstMinute = Math.ceil((atSeconds + offsetAfter) / 60) * 60 - offsetAfter;
    for (let s = firstMinute; s < atSeconds + repeatSeconds; s += 60) {
      wallClockAt(zone, s, w);
      if (
        !(
          has(fields.month, w.month) &&
          isDayMatch(fields, w) &&
          has(fields.hour, w.hour) &&
          has(fields.minute, w.minute)
        )
      )
        continue;
      const from = wallClockAt(zone, atSeconds, newWallClock());
      const to = wallClockAt(zone, atSeconds + repeatSeconds - 60, newWallClock());
      return {
        kind: 'repeated-local-time',
        message:
          `in ${zone.name} the local times ` +
          `${twoDigits(from.hour)}:${twoDigits(from.minute)}-${twoDigits(to.hour)}:${twoDigits(to.minute)} occur ` +
          `twice when clocks go back ` +
          `(first on ${dateOf(w)}, at ${twoDigits(w.hour)}:${twoDigits(w.minute)} for this schedule): Kubernetes ` +
          `runs such a time twice, EventBridge Scheduler once; ` +
          'the dispatcher adds the second run with a one-time schedule (dst.*), as long as it is deployed with ' +
          'JOBCTL_DISPATCH_ROLE_ARN (the construct sets it)',
      };
    }
  }
  return undefined;
}

/**
 * `partial-hour-clock-change` when the zone moves its clocks by a part of an hour (Australia/Lord_Howe: 30 minutes)
 * and the schedule does not fire in every hour of every day. robfig's `Next` steps hours as elapsed time
 * (`t.Add(time.Hour)`) and days with `AddDate`, which keeps the minute; a search that crosses such a change runs
 * 30 minutes off the wall clock and skips or shifts fire times (an `@daily` job misses the next midnight).
 * EventBridge Scheduler keeps to the wall clock.
 */
function partialHourClockChange(
  fields: SpecFields,
  zone: ZoneRules,
  changes: readonly ClockChange[],
): EventBridgeDivergence | undefined {
  const change = changes.find((c) => (c.offsetBefore - c.offsetAfter) % 3600 !== 0);
  if (change === undefined) return undefined;
  const isFull = (set: FieldSet, syntax: FieldSyntax): boolean =>
    valuesOf(set, syntax).length === syntax.max - syntax.min + 1;
  const isDomFull = isFull(fields.dayOfMonth, DAY_OF_MONTH);
  const isDowFull = isFull(fields.dayOfWeek, DAY_OF_WEEK);
  const isEveryDay =
    fields.dayOfMonth.isStar || fields.dayOfWeek.isStar ? isDomFull && isDowFull : isDomFull || isDowFull;
  if (isEveryDay && isFull(fields.hour, HOUR) && isFull(fields.month, MONTH)) return undefined;
  const date = dateOf(wallClockAt(zone, change.atSeconds, newWallClock()));
  const minutes = Math.abs(change.offsetBefore - change.offsetAfter) / 60;
  return {
    kind: 'partial-hour-clock-change',
    message:
      `${zone.name} moves its clocks by ${minutes} minutes (first on ${date}): Kubernetes' cron search steps hours ` +
      `in elapsed time, so across that change it ` +
      'skips or shifts fire times, while EventBridge Scheduler keeps to the wall clock; the dispatcher must follow ' +
      'the engine, or use a zone with whole-hour changes',
  };
}
