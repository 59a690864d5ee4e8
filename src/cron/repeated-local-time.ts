import { isValidTimeZone, parseSchedule, type CronSchedule } from './index.ts';
import { newWallClock, wallClockAt, zoneRules, type WallClock } from './time-zone.ts';
import type { CronJobSpec } from '../spec/types.ts';

/**
 * How far back the first occurrence of a repeated local time is looked for: clocks go back by one hour almost
 * everywhere, by 30 minutes on Lord Howe Island, by two hours at the end of historical double summer time.
 */
export const REPEATED_TIME_WINDOW_MS = 3 * 3_600_000;

/**
 * The CronJob's next fire time after `afterMs` (robfig `Next`, as the engine computes it) when EventBridge
 * Scheduler will not fire it: its local wall-clock time equals that of an earlier fire time within
 * {@link REPEATED_TIME_WINDOW_MS}, i.e. it is the second occurrence of a local time repeated when clocks went back.
 * Kubernetes runs both occurrences (`30 2 * * *` in Europe/Berlin on 2026-10-25: 00:30Z and 01:30Z); EventBridge runs
 * such a time once ("When the time shifts back in the Fall, your schedule runs only once",
 * https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst). AWS does not say which occurrence; jobctl
 * assumes the first. Were it the second, nothing would run twice: the first occurrence would be lost as without
 * this, and the second's dispatch finds nothing repeated ahead.
 *
 * undefined for UTC and every other zone without a backward change in the window (the cheap check: two offset
 * look-ups), for `@every` (EventBridge `rate()` counts elapsed time and repeats nothing), and for schedules or zones
 * the engine rejects (the sync reported them).
 *
 * @example
 * nextRepeatedLocalTime({ schedule: '30 2 * * *', timeZone: 'Europe/Berlin' }, Date.parse('2026-10-25T00:30:00Z'));
 * // Date.parse('2026-10-25T01:30:00Z')
 * nextRepeatedLocalTime({ schedule: '30 2 * * *', timeZone: 'Europe/Berlin' }, Date.parse('2026-10-24T00:30:00Z'));
 * // undefined (00:30Z on the 25th is the first 02:30)
 */
export function nextRepeatedLocalTime(
  spec: Pick<CronJobSpec, 'schedule' | 'timeZone'>,
  afterMs: number,
): number | undefined {
  const schedule = engineSchedule(spec);
  if (schedule === undefined) return undefined;
  const zone = zoneRules(schedule.timeZone);
  const nextMs = schedule.next(afterMs);
  if (zone === undefined || nextMs === undefined) return undefined;
  const windowStartMs = nextMs - REPEATED_TIME_WINDOW_MS;
  // A local time repeats only after the offset decreased; outside those hours this is all it costs.
  if (zone.offsetAt(Math.floor(windowStartMs / 1000)) <= zone.offsetAt(Math.floor(nextMs / 1000))) return undefined;
  const wall = wallClockAt(zone, Math.floor(nextMs / 1000), newWallClock());
  const earlier = newWallClock();
  for (let t = schedule.next(windowStartMs - 1); t !== undefined && t < nextMs; t = schedule.next(t)) {
    if (isSameWallClock(wallClockAt(zone, Math.floor(t / 1000), earlier), wall)) return nextMs;
  }
  return undefined;
}

/** The schedule as the engine parses it (`cronjob-sync.ts` parseFormattedSchedule); undefined when it does not. */
function engineSchedule(spec: Pick<CronJobSpec, 'schedule' | 'timeZone'>): CronSchedule | undefined {
  const { schedule, timeZone } = spec;
  if (/(^|\s)@every\s/.test(schedule)) return undefined;
  // A grandfathered TZ=/CRON_TZ= prefix wins over spec.timeZone, as in Kubernetes.
  const hasOwnZone = schedule.includes('TZ');
  if (!hasOwnZone && timeZone !== undefined && !isValidTimeZone(timeZone)) return undefined;
  try {
    return hasOwnZone ? parseSchedule(schedule) : parseSchedule(schedule, timeZone);
  } catch {
    // UnparseableSchedule: the sync has just recorded the Warning event; there is no fire time to add.
    return undefined;
  }
}

function isSameWallClock(a: WallClock, b: WallClock): boolean {
  return (
    a.year === b.year &&
    a.month === b.month &&
    a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute &&
    a.second === b.second
  );
}
