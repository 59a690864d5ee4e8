/**
 * A port of robfig/cron v3.0.1 `SpecSchedule.Next` (`spec.go`), the search Kubernetes uses for every fire time.
 *
 * The search walks the wall clock of the schedule's zone: month, then day, then hour, minute and second; the first
 * field that has to move resets the smaller ones, and a wrap-around restarts from the month. Day and month steps go
 * through Go's `time.Date` normalisation and hour/minute/second steps add real elapsed time, which is what makes a
 * nonexistent local time get skipped and a repeated one fire twice. Every step below mirrors a line of `Next`.
 */
import type { FieldSet, SpecFields } from './parser.ts';
import { goDate, newWallClock, wallClockAt, type WallClock, type ZoneRules } from './time-zone.ts';

/** robfig `dayMatches`: with a star in either day field both must match, otherwise either may (the cron OR rule). */
function dayMatches(fields: SpecFields, w: WallClock): boolean {
  const domMatch = fields.dayOfMonth.values[w.day] === 1;
  const dowMatch = fields.dayOfWeek.values[w.weekday] === 1;
  if (fields.dayOfMonth.isStar || fields.dayOfWeek.isStar) return domMatch && dowMatch;
  return domMatch || dowMatch;
}

function has(set: FieldSet, value: number): boolean {
  return set.values[value] === 1;
}

/**
 * The first fire time strictly after `afterMs` (epoch ms), or undefined when there is none within five years of
 * the search start (robfig returns Go's zero time then).
 *
 * @example
 * nextSpecTime(parseCron('0 * * * *').fields, UTC_RULES, Date.parse('2016-05-19T10:20:00Z')); // 2016-05-19T11:00:00Z
 */
export function nextSpecTime(fields: SpecFields, zone: ZoneRules, afterMs: number): number | undefined {
  // Start at the earliest possible time: the next whole second strictly after `afterMs`.
  let t = Math.floor(afterMs / 1000) + 1;
  let added = false;
  const w = newWallClock();
  wallClockAt(zone, t, w);
  const yearLimit = w.year + 5;

  wrap: for (;;) {
    wallClockAt(zone, t, w);
    if (w.year > yearLimit) return undefined;

    // Find the first applicable month.
    while (!has(fields.month, w.month)) {
      if (!added) {
        added = true;
        t = goDate(zone, w.year, w.month, 1, 0, 0, 0);
        wallClockAt(zone, t, w);
      }
      // t.AddDate(0, 1, 0)
      t = goDate(zone, w.year, w.month + 1, w.day, w.hour, w.minute, w.second);
      wallClockAt(zone, t, w);
      if (w.month === 1) continue wrap;
    }

    // Now get a day in that month.
    while (!dayMatches(fields, w)) {
      if (!added) {
        added = true;
        t = goDate(zone, w.year, w.month, w.day, 0, 0, 0);
        wallClockAt(zone, t, w);
      }
      // t.AddDate(0, 0, 1)
      t = goDate(zone, w.year, w.month, w.day + 1, w.hour, w.minute, w.second);
      wallClockAt(zone, t, w);
      // Where midnight does not exist on a DST day (Sao Paulo), the step lands on 23:00 the day before or 01:00:
      // robfig adds an hour if it is past noon and subtracts the hour otherwise.
      if (w.hour !== 0) {
        t += w.hour > 12 ? (24 - w.hour) * 3600 : -w.hour * 3600;
        wallClockAt(zone, t, w);
      }
      if (w.day === 1) continue wrap;
    }

    while (!has(fields.hour, w.hour)) {
      if (!added) {
        added = true;
        t = goDate(zone, w.year, w.month, w.day, w.hour, 0, 0);
        wallClockAt(zone, t, w);
      }
      t += 3600;
      wallClockAt(zone, t, w);
      if (w.hour === 0) continue wrap;
    }

    while (!has(fields.minute, w.minute)) {
      if (!added) {
        added = true;
        // t.Truncate(time.Minute) truncates the instant, not the wall clock.
        t = Math.floor(t / 60) * 60;
      }
      t += 60;
      wallClockAt(zone, t, w);
      if (w.minute === 0) continue wrap;
    }

    while (!has(fields.second, w.second)) {
      // t.Truncate(time.Second) is a no-op on whole seconds.
      added = true;
      t += 1;
      wallClockAt(zone, t, w);
      if (w.second === 0) continue wrap;
    }

    return t * 1000;
  }
}
