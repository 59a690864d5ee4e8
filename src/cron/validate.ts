/**
 * Kubernetes API validation of a CronJob's `spec.schedule` and `spec.timeZone` on create
 * (`pkg/apis/batch/validation/validation.go`: `validateScheduleFormat` and `validateTimeZone`).
 */
import { CronSyntaxError } from '../errors.ts';
import { parseCron } from './parser.ts';
import { isValidTimeZone } from './time-zone.ts';

/** One validation failure: the field it belongs to and the reason, worded as Kubernetes words it where it can. */
export interface ScheduleValidationError {
  readonly field: 'spec.schedule' | 'spec.timeZone';
  readonly message: string;
}

/** Kubernetes' messages, verbatim. */
export const TZ_IN_SCHEDULE_MESSAGE = 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
export const EMPTY_TIME_ZONE_MESSAGE = 'timeZone must be nil or non-empty string';
export const LOCAL_TIME_ZONE_MESSAGE =
  'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones';

// Each '/'-separated part of a zone name (validation.go `validTimeZoneCharacters`).
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/**
 * The first error Kubernetes would report for this schedule and time zone when a CronJob is created, or undefined
 * when it would accept them. Schedule errors come first, as in `validateCronJobSpec`.
 *
 * - `spec.schedule`: required; `cron.ParseStandard` must accept it; it must not contain `TZ` anywhere.
 * - `spec.timeZone` (when given): non-empty; each `/` part matches `^[A-Za-z.\-_0-9+]{1,14}$`, is not `.` or `..`
 *   and does not start with `-`; not `Local` in any letter case; and it loads from the tz database.
 *
 * A schedule that never fires (`0 0 30 2 *`) is valid, as in Kubernetes.
 *
 * @example
 * validateSchedule('61 * * * *'); // { field: 'spec.schedule', message: 'minute: value 61 above maximum 59' }
 * validateSchedule('0 9 * * *', 'Europe/Rome'); // undefined
 */
export function validateSchedule(schedule: string, timeZone?: string): ScheduleValidationError | undefined {
  if (schedule.length === 0) return { field: 'spec.schedule', message: 'Required value' };
  try {
    parseCron(schedule);
  } catch (error) {
    if (error instanceof CronSyntaxError) return { field: 'spec.schedule', message: error.message };
    throw error;
  }
  if (schedule.includes('TZ')) return { field: 'spec.schedule', message: TZ_IN_SCHEDULE_MESSAGE };
  if (timeZone === undefined) return undefined;
  const message = validateTimeZone(timeZone);
  return message === undefined ? undefined : { field: 'spec.timeZone', message };
}

/**
 * Kubernetes' `validateTimeZone` for a given `spec.timeZone`: the first reason it would refuse it, or undefined.
 *
 * @example
 * validateTimeZone('Europe/Rome '); // 'unknown time zone Europe/Rome '
 */
export function validateTimeZone(timeZone: string): string | undefined {
  if (timeZone.length === 0) return EMPTY_TIME_ZONE_MESSAGE;
  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part))
      return `unknown time zone ${timeZone}`;
  }
  if (timeZone.toLowerCase() === 'local') return LOCAL_TIME_ZONE_MESSAGE;
  // time.LoadLocation's error text is "unknown time zone <name>".
  if (!isValidTimeZone(timeZone)) return `unknown time zone ${timeZone}`;
  return undefined;
}
