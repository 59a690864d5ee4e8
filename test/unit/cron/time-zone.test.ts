import { describe, expect, it } from 'vitest';
import { isValidTimeZone } from '../../../src/cron/index.ts';
import { goDate, newWallClock, wallClockAt, zoneRules, UTC_RULES } from '../../../src/cron/time-zone.ts';

function rules(name: string) {
  const r = zoneRules(name);
  if (!r) throw new Error(`no rules for ${name}`);
  return r;
}

const utc = (iso: string) => Date.parse(iso) / 1000;

describe('isValidTimeZone', () => {
  it.each([
    { timeZone: 'UTC', expected: true },
    { timeZone: 'Etc/UTC', expected: true },
    { timeZone: 'America/New_York', expected: true },
    { timeZone: 'Europe/Rome', expected: true },
    { timeZone: 'Asia/Kolkata', expected: true },
    // Backward links that ICU rewrites to another canonical name still load in Go's tz database.
    { timeZone: 'Asia/Calcutta', expected: true },
    { timeZone: 'US/Eastern', expected: true },
    { timeZone: 'Europe/Kiev', expected: true },
    { timeZone: 'EST5EDT', expected: true },
    { timeZone: 'Etc/GMT+5', expected: true },
    { timeZone: 'America/Argentina/ComodRivadavia', expected: true },
    // Go opens zone files by exact name; ICU would accept these spellings.
    { timeZone: 'utc', expected: false },
    { timeZone: 'america/new_york', expected: false },
    { timeZone: 'US/EASTERN', expected: false },
    // Not zones: Kubernetes validation refuses them (validation_test.go TestValidateCronJob).
    { timeZone: '', expected: false },
    { timeZone: 'Local', expected: false },
    { timeZone: ' Europe/Rome', expected: false },
    { timeZone: 'Europe/Rome ', expected: false },
    { timeZone: 'Europe/InvalidRome', expected: false },
    { timeZone: '+05:30', expected: false },
    { timeZone: 'America//New_York', expected: false },
    { timeZone: '../etc/passwd', expected: false },
    { timeZone: 'Mars/Olympus', expected: false },
  ])('$timeZone: $expected', ({ timeZone, expected }) => {
    expect(isValidTimeZone(timeZone)).toBe(expected);
  });
});

describe('zone offsets', () => {
  it.each([
    { zone: 'America/New_York', at: '2012-03-11T06:59:59Z', expected: -5 * 3600 },
    { zone: 'America/New_York', at: '2012-03-11T07:00:00Z', expected: -4 * 3600 },
    { zone: 'America/New_York', at: '2012-11-04T05:59:59Z', expected: -4 * 3600 },
    { zone: 'America/New_York', at: '2012-11-04T06:00:00Z', expected: -5 * 3600 },
    { zone: 'Asia/Kathmandu', at: '2024-06-01T00:00:00Z', expected: 5 * 3600 + 45 * 60 },
    { zone: 'Australia/Lord_Howe', at: '2024-01-01T00:00:00Z', expected: 11 * 3600 },
    { zone: 'Australia/Lord_Howe', at: '2024-07-01T00:00:00Z', expected: 10 * 3600 + 30 * 60 },
    // Before standard time: local mean time, to the second.
    { zone: 'America/New_York', at: '1880-01-01T00:00:00Z', expected: -(4 * 3600 + 56 * 60 + 2) },
  ])('$zone at $at is $expected s', ({ zone, at, expected }) => {
    expect(rules(zone).offsetAt(utc(at))).toBe(expected);
  });
});

describe('zone offsets against ICU', () => {
  const formats = new Map<string, Intl.DateTimeFormat>();
  /** The offset straight from an Intl formatter, without jobctl's tables. */
  function icuOffset(zone: string, epochSeconds: number): number {
    let format = formats.get(zone);
    if (!format) {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
      formats.set(zone, format);
    }
    const parts = format.formatToParts(epochSeconds * 1000);
    const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    return (
      Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) / 1000 -
      epochSeconds
    );
  }

  it(
    'matches ICU at a spread of instants, including the seconds around every transition, in zones with unusual ' +
      'rules',
    () => {
      const zones = [
        'America/New_York',
        'Europe/London',
        'America/Sao_Paulo',
        'Australia/Lord_Howe',
        'Asia/Tehran',
        'Africa/Casablanca',
        'Pacific/Chatham',
        'America/Santiago',
        'Europe/Dublin',
        'Antarctica/Troll',
      ];
      const start = utc('2018-01-01T00:00:00Z');
      const mismatches: string[] = [];
      for (const zone of zones) {
        const r = rules(zone);
        // A deterministic walk: steps of 3 days 7 h 13 min 17 s over about seven years.
        for (let t = start; t < start + 7 * 365 * 86_400; t += 285_197) {
          if (r.offsetAt(t) !== icuOffset(zone, t)) mismatches.push(`${zone} ${t}`);
          // Where the offset changes before the next step, check the second before and the second of the change.
          const nextStep = t + 285_197;
          if (icuOffset(zone, nextStep) !== icuOffset(zone, t)) {
            let lo = t;
            let hi = nextStep;
            while (hi - lo > 1) {
              const mid = Math.floor((lo + hi) / 2);
              if (icuOffset(zone, mid) === icuOffset(zone, t)) lo = mid;
              else hi = mid;
            }
            if (r.offsetAt(lo) !== icuOffset(zone, lo) || r.offsetAt(hi) !== icuOffset(zone, hi))
              mismatches.push(`${zone} transition ${hi}`);
          }
        }
      }
      expect(mismatches).toEqual([]);
    },
  );
});

describe('goDate', () => {
  // Go's time.Date on wall times that do not exist or exist twice (what robfig's DST behaviour rests on).
  it.each([
    {
      name: 'an ordinary wall time',
      zone: 'America/New_York',
      wall: [2012, 7, 9, 14, 45, 0],
      expected: '2012-07-09T18:45:00.000Z',
    },
    {
      name: 'New York 02:30 in the spring gap reads as 01:30 EST',
      zone: 'America/New_York',
      wall: [2012, 3, 11, 2, 30, 0],
      expected: '2012-03-11T06:30:00.000Z',
    },
    {
      name: 'New York 01:30 on fall-back day is the first (EDT) one',
      zone: 'America/New_York',
      wall: [2012, 11, 4, 1, 30, 0],
      expected: '2012-11-04T05:30:00.000Z',
    },
    {
      name: 'London 01:30 in the spring gap reads as 02:30 BST',
      zone: 'Europe/London',
      wall: [2021, 3, 28, 1, 30, 0],
      expected: '2021-03-28T01:30:00.000Z',
    },
    {
      name: 'London 01:30 on fall-back day is the second (GMT) one',
      zone: 'Europe/London',
      wall: [2021, 10, 31, 1, 30, 0],
      expected: '2021-10-31T01:30:00.000Z',
    },
    {
      name: 'Sao Paulo midnight in the gap reads as 23:00 the day before',
      zone: 'America/Sao_Paulo',
      wall: [2018, 11, 4, 0, 0, 0],
      expected: '2018-11-04T02:00:00.000Z',
    },
    {
      name: 'month 13 carries into the next year',
      zone: 'UTC',
      wall: [2012, 13, 1, 0, 0, 0],
      expected: '2013-01-01T00:00:00.000Z',
    },
    {
      name: '31 January plus a month is 2 March in a leap year',
      zone: 'UTC',
      wall: [2012, 2, 31, 0, 0, 0],
      expected: '2012-03-02T00:00:00.000Z',
    },
    {
      name: 'day 0 is the last day of the previous month',
      zone: 'UTC',
      wall: [2012, 3, 0, 0, 0, 0],
      expected: '2012-02-29T00:00:00.000Z',
    },
  ])('$name', ({ zone, wall, expected }) => {
    const [y, mo, d, h, mi, s] = wall as [number, number, number, number, number, number];
    expect(new Date(goDate(zone === 'UTC' ? UTC_RULES : rules(zone), y, mo, d, h, mi, s) * 1000).toISOString()).toBe(
      expected,
    );
  });
});

describe('wallClockAt', () => {
  it('reads the wall clock and weekday of an instant in a zone', () => {
    expect(wallClockAt(rules('America/New_York'), utc('2012-11-04T06:30:00Z'), newWallClock())).toEqual({
      year: 2012,
      month: 11,
      day: 4,
      hour: 1,
      minute: 30,
      second: 0,
      weekday: 0,
    });
  });

  it('handles instants before 1970', () => {
    expect(wallClockAt(UTC_RULES, utc('1969-12-31T23:59:59Z'), newWallClock())).toEqual({
      year: 1969,
      month: 12,
      day: 31,
      hour: 23,
      minute: 59,
      second: 59,
      weekday: 3,
    });
  });

  it('agrees with Date for every day across four centuries', () => {
    const w = newWallClock();
    const mismatches: string[] = [];
    for (let day = -200_000; day < 200_000; day += 37) {
      const d = new Date(day * 86_400_000 + 45_296_000);
      wallClockAt(UTC_RULES, day * 86_400 + 45_296, w);
      const expected = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), 12, 34, 56, d.getUTCDay()];
      const actual = [w.year, w.month, w.day, w.hour, w.minute, w.second, w.weekday];
      if (expected.join() !== actual.join()) mismatches.push(d.toISOString());
    }
    expect(mismatches).toEqual([]);
  });
});
