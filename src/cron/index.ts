/**
 * Kubernetes-exact cron: robfig/cron v3.0.1 `ParseStandard` and `Next()`, as the CronJob controller and API
 * validation use them, with IANA time zones evaluated through Node's ICU.
 */
import { nextConstantDelayTime } from './every.ts';
import { parseCron } from './parser.ts';
import { nextSpecTime } from './spec-schedule.ts';

// describeSchedule is imported from './describe.ts' itself: cronstrue (a CommonJS bundle esbuild cannot drop) would
// otherwise come with every import of this module — into `get`, whose tables compute next fire times.
export { isValidTimeZone } from './time-zone.ts';
export { validateSchedule, type ScheduleValidationError } from './validate.ts';

/** A parsed schedule that can answer "when next?". */
export interface CronSchedule {
  /** The schedule as written (without any TZ= prefix added by parseSchedule). */
  readonly expression: string;
  /** IANA zone the schedule is evaluated in; "UTC" when no timeZone was given (jobctl treats a nil timeZone as UTC). */
  readonly timeZone: string;
  /**
   * robfig Next(): the first fire time strictly after `afterMs` (epoch ms), or undefined when none within 5 years
   * (robfig's zero time).
   */
  next(afterMs: number): number | undefined;
}

/**
 * Kubernetes' `formatSchedule` + `cron.ParseStandard`: with `timeZone` set, parses `"TZ=<timeZone> <schedule>"`.
 * A schedule that carries its own `TZ=`/`CRON_TZ=` prefix (grandfathered objects) is evaluated in that zone.
 *
 * @throws CronSyntaxError whose message says which field is wrong and why, e.g. `minute: value 61 above maximum 59`
 *   (`field` is "minute", "hour", "day of month", "month" or "day of week" when one field is to blame).
 * @example
 * const schedule = parseSchedule('30 2 * * *', 'America/New_York');
 * new Date(schedule.next(Date.parse('2012-03-11T05:00:00Z'))!).toISOString();
 * // '2012-03-12T06:30:00.000Z' (02:30 did not exist on the 11th)
 */
export function parseSchedule(schedule: string, timeZone?: string): CronSchedule {
  const parsed = parseCron(timeZone === undefined ? schedule : `TZ=${timeZone} ${schedule}`);
  const zoneName = parsed.zone.name;
  if (parsed.kind === 'every') {
    const { delaySeconds } = parsed;
    return {
      expression: schedule,
      timeZone: zoneName,
      next: (afterMs) => nextConstantDelayTime(delaySeconds, afterMs),
    };
  }
  const { fields, zone } = parsed;
  return { expression: schedule, timeZone: zoneName, next: (afterMs) => nextSpecTime(fields, zone, afterMs) };
}

/**
 * The next `count` fire times strictly after `afterMs`, stopping early if the schedule never fires again.
 *
 * @example
 * nextTimes(parseSchedule('@hourly'), Date.parse('2016-05-19T10:20:00Z'), 2); // [11:00Z, 12:00Z] as epoch ms
 */
export function nextTimes(schedule: CronSchedule, afterMs: number, count: number): number[] {
  const times: number[] = [];
  let after = afterMs;
  while (times.length < count) {
    const next = schedule.next(after);
    if (next === undefined) break;
    times.push(next);
    after = next;
  }
  return times;
}

// The EventBridge translation (toEventBridgeSchedules) is imported from './eventbridge.ts' itself: the CLI's `get`
// needs the schedule math of this module, not the translation.
