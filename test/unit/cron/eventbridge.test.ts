/**
 * toEventBridgeSchedules: exact expressions, and equivalence with the Kubernetes engine (`parseSchedule().next()`)
 * through an EventBridge cron evaluator written here from the AWS documentation alone:
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based and
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html (fields, wildcards, `?`).
 */
import { describe, expect, it } from 'vitest';
import { toEventBridgeSchedules, type EventBridgeTranslation } from '../../../src/cron/eventbridge.ts';
import { parseSchedule } from '../../../src/cron/index.ts';
import { CronSyntaxError } from '../../../src/errors.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

function expressionsOf(translation: EventBridgeTranslation): string[] {
  return translation.schedules.map((s) => s.expression);
}

function kindsOf(translation: EventBridgeTranslation): string[] {
  return translation.divergences.map((d) => d.kind);
}

// ---------------------------------------------------------------------------------------------------------------
// An independent EventBridge Scheduler cron evaluator (documentation only; shares no code with src/cron).
// ---------------------------------------------------------------------------------------------------------------

const EB_MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const EB_DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface EbCron {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  /** undefined for `?` */
  readonly daysOfMonth: ReadonlySet<number> | undefined;
  readonly months: ReadonlySet<number>;
  /** JavaScript weekdays (0 = Sunday), converted from EventBridge's 1-7 (1 = SUN); undefined for `?`. */
  readonly daysOfWeek: ReadonlySet<number> | undefined;
}

/** One field: `*`, or a list of `N`, `N-M`, `N/S` (start/increment, running to the field's maximum); names allowed. */
function parseEbField(
  text: string,
  min: number,
  max: number,
  names: readonly string[],
  isStepAllowed: boolean,
): Set<number> {
  const out = new Set<number>();
  if (text === '*') {
    for (let v = min; v <= max; v++) out.add(v);
    return out;
  }
  const value = (token: string): number => {
    const named = names.indexOf(token);
    const v = named >= 0 ? named + min : /^\d+$/.test(token) ? Number(token) : Number.NaN;
    if (!(v >= min && v <= max)) throw new Error(`EventBridge: bad value "${token}" in "${text}"`);
    return v;
  };
  for (const item of text.split(',')) {
    const [range, step, ...rest] = item.split('/');
    if (rest.length > 0 || range === undefined) throw new Error(`EventBridge: bad item "${item}"`);
    if (step !== undefined) {
      // Documented only as start/increment; `*/n` and `a-b/n` are not emitted by a careful translator.
      if (!isStepAllowed || !/^\d+$/.test(step) || Number(step) < 1 || range.includes('-') || range === '*') {
        throw new Error(`EventBridge: undocumented increment "${item}" in "${text}"`);
      }
      for (let v = value(range); v <= max; v += Number(step)) out.add(v);
      continue;
    }
    const [low, high, ...more] = range.split('-');
    if (more.length > 0 || low === undefined) throw new Error(`EventBridge: bad range "${item}"`);
    const from = value(low);
    const to = high === undefined ? from : value(high);
    if (from > to) throw new Error(`EventBridge: reversed range "${item}"`);
    for (let v = from; v <= to; v++) out.add(v);
  }
  return out;
}

function parseEbCron(expression: string): EbCron {
  expect(expression.length).toBeLessThanOrEqual(256);
  const body = /^cron\((.*)\)$/.exec(expression)?.[1];
  if (body === undefined) throw new Error(`not a cron expression: ${expression}`);
  const fields = body.split(' ');
  expect(fields).toHaveLength(6);
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  // "You can't use * in both the Day-of-month and Day-of-week fields. If you use it in one, you must use ? in the
  // other."
  expect([dom, dow].filter((f) => f === '?')).toHaveLength(1);
  expect(year).toBe('*');
  const daysOfWeek = dow === '?' ? undefined : new Set([...parseEbField(dow, 1, 7, EB_DAYS, false)].map((d) => d - 1));
  return {
    minutes: parseEbField(minute, 0, 59, [], true),
    hours: parseEbField(hour, 0, 23, [], true),
    daysOfMonth: dom === '?' ? undefined : parseEbField(dom, 1, 31, [], true),
    months: parseEbField(month, 1, 12, EB_MONTHS, true),
    daysOfWeek,
  };
}

/** Offsets through Intl, with a cache per UTC day for days that have no offset change near them. */
class ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly steadyOffsets = new Map<number, number | null>();

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** Local wall clock minus UTC, in ms, at instant `t`. */
  offsetAt(t: number): number {
    const utcDay = Math.floor(t / DAY_MS);
    let steady = this.steadyOffsets.get(utcDay);
    if (steady === undefined) {
      const before = this.intlOffset((utcDay - 1) * DAY_MS);
      steady = before === this.intlOffset((utcDay + 2) * DAY_MS) ? before : null;
      this.steadyOffsets.set(utcDay, steady);
    }
    return steady ?? this.intlOffset(t);
  }

  /** The instants whose local wall clock reads `wall` (ms, written as if UTC): none in a gap, two in an overlap. */
  instantsAt(wall: number): number[] {
    const candidates = new Set([wall - this.offsetAt(wall - DAY_MS), wall - this.offsetAt(wall + DAY_MS)]);
    return [...candidates].filter((t) => t + this.offsetAt(t) === wall).sort((a, b) => a - b);
  }

  /** Instants in [fromMs, toMs) where the offset changes (to the second), sampled hourly. */
  changesBetween(fromMs: number, toMs: number): number[] {
    const out: number[] = [];
    for (let t = fromMs + 3_600_000; t < toMs; t += 3_600_000) {
      if (this.offsetAt(t) === this.offsetAt(t - 3_600_000)) continue;
      let lo = t - 3_600_000;
      let hi = t;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (this.offsetAt(mid) === this.offsetAt(lo)) lo = mid;
        else hi = mid;
      }
      out.push(hi);
    }
    return out;
  }

  /** True when the wall clock reading of `t` also occurs at another instant (clocks went back). */
  isAmbiguous(t: number): boolean {
    return this.instantsAt(t + this.offsetAt(t)).length > 1;
  }

  private readonly intlOffsets = new Map<number, number>();

  private intlOffset(t: number): number {
    const known = this.intlOffsets.get(t);
    if (known !== undefined) return known;
    const p: Record<string, number> = {};
    for (const part of this.format.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    const offset = wall - (t - (((t % 1000) + 1000) % 1000));
    this.intlOffsets.set(t, offset);
    return offset;
  }
}

const clocks = new Map<string, ZoneClock>();
function zoneClock(timeZone: string): ZoneClock {
  let clock = clocks.get(timeZone);
  if (clock === undefined) {
    clock = new ZoneClock(timeZone);
    clocks.set(timeZone, clock);
  }
  return clock;
}

/**
 * Fire times of one EventBridge cron schedule in [fromMs, toMs): every matching local wall-clock minute, skipped
 * when it does not exist and fired ONCE (at its first instant) when it exists twice, as the Scheduler DST section
 * and https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst describe.
 */
function eventBridgeFireTimes(expression: string, timeZone: string, fromMs: number, toMs: number): number[] {
  const cron = parseEbCron(expression);
  const clock = zoneClock(timeZone);
  const out: number[] = [];
  for (let day = Math.floor(fromMs / DAY_MS) - 1; day <= Math.floor(toMs / DAY_MS) + 1; day++) {
    const midnight = day * DAY_MS;
    const date = new Date(midnight);
    if (!cron.months.has(date.getUTCMonth() + 1)) continue;
    const isDayMatch =
      cron.daysOfMonth === undefined ? cron.daysOfWeek!.has(date.getUTCDay()) : cron.daysOfMonth.has(date.getUTCDate());
    if (!isDayMatch) continue;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const first = clock.instantsAt(midnight + hour * 3_600_000 + minute * MINUTE_MS)[0];
        if (first !== undefined && first >= fromMs && first < toMs) out.push(first);
      }
    }
  }
  return out;
}

/** Kubernetes' fire times in [fromMs, toMs), from the engine. */
function kubernetesFireTimes(schedule: string, timeZone: string, fromMs: number, toMs: number): number[] {
  const parsed = parseSchedule(schedule, timeZone);
  const out: number[] = [];
  for (let t = parsed.next(fromMs - 1); t !== undefined && t < toMs; t = parsed.next(t)) out.push(t);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

describe('toEventBridgeSchedules', () => {
  // Schedules from test/unit/cron/*.test.ts and K8S-SEMANTICS.md §2.
  it.each([
    { name: 'every minute, */1', schedule: '*/1 * * * *', expected: ['cron(* * * * ? *)'] },
    { name: 'every minute', schedule: '* * * * *', expected: ['cron(* * * * ? *)'] },
    { name: '? is *, even in minutes', schedule: '? ? ? ? ?', expected: ['cron(* * * * ? *)'] },
    { name: 'hourly', schedule: '0 * * * *', expected: ['cron(0 * * * ? *)'] },
    { name: '*/15 becomes 0/15', schedule: '*/15 * * * *', expected: ['cron(0/15 * * * ? *)'] },
    { name: '0/15 stays', schedule: '0/15 * * * *', expected: ['cron(0/15 * * * ? *)'] },
    { name: 'N/S runs N through max', schedule: '5/15 * * * *', expected: ['cron(5/15 * * * ? *)'] },
    { name: '*/60 is minute 0', schedule: '*/60 * * * *', expected: ['cron(0 * * * ? *)'] },
    { name: 'range step covering the field', schedule: '0 0-23/2 * * *', expected: ['cron(0 0/2 * * ? *)'] },
    {
      name: 'range step not reaching max becomes a list',
      schedule: '0 9-17/2 * * *',
      expected: ['cron(0 9,11,13,15,17 * * ? *)'],
    },
    { name: 'range step of two values', schedule: '20-35/15 * * * *', expected: ['cron(20,35 * * * ? *)'] },
    { name: 'leading zeros and plus signs', schedule: '30 08 * * +1', expected: ['cron(30 8 ? * MON *)'] },
    { name: 'weekday names', schedule: '0 9 * * MON-FRI', expected: ['cron(0 9 ? * MON-FRI *)'] },
    {
      name: 'weekday numbers become names (Sunday 0 → SUN = 1)',
      schedule: '0 9 * * 0,1-5',
      expected: ['cron(0 9 ? * SUN-FRI *)'],
    },
    {
      name: 'Mon/2 is Mon, Wed, Fri (no / in day-of-week)',
      schedule: '0 0 * * Mon/2',
      expected: ['cron(0 0 ? * MON,WED,FRI *)'],
    },
    { name: 'day-of-week */2', schedule: '0 0 * * */2', expected: ['cron(0 0 ? * SUN,TUE,THU,SAT *)'] },
    {
      name: 'OR rule: every 13th and every Friday',
      schedule: '0 0 13 * 5',
      expected: ['cron(0 0 13 * ? *)', 'cron(0 0 ? * FRI *)'],
    },
    { name: 'OR rule: 1-31 is restricted, so every day', schedule: '0 0 1-31 * 1', expected: ['cron(0 0 * * ? *)'] },
    { name: 'OR rule: 0-6 is restricted, so every day', schedule: '0 0 13 * 0-6', expected: ['cron(0 0 * * ? *)'] },
    { name: '*/1 in day-of-month is a star: Mondays only', schedule: '0 0 */1 * 1', expected: ['cron(0 0 ? * MON *)'] },
    { name: '? in day-of-month is a star: Mondays only', schedule: '0 0 ? * 1', expected: ['cron(0 0 ? * MON *)'] },
    {
      name: 'OR rule: */2 in day-of-month is restricted',
      schedule: '* * */2 * Sun',
      expected: ['cron(* * 1/2 * ? *)', 'cron(* * ? * SUN *)'],
    },
    {
      name: 'OR rule with lists and months',
      schedule: '0 0 */5 Apr,Aug,Oct Mon',
      expected: ['cron(0 0 1/5 4,8,10 ? *)', 'cron(0 0 ? 4,8,10 MON *)'],
    },
    { name: 'OR rule: the impossible half is dropped', schedule: '0 0 30 2 1', expected: ['cron(0 0 ? 2 MON *)'] },
    { name: 'day-of-month list', schedule: '* * 1,15 * *', expected: ['cron(* * 1,15 * ? *)'] },
    { name: 'month names and day names', schedule: '30 08 ? Jul Sun', expected: ['cron(30 8 ? 7 SUN *)'] },
    { name: 'every quarter', schedule: '0 0 1 */3 *', expected: ['cron(0 0 1 1/3 ? *)'] },
    { name: 'all months written as a range', schedule: '0 0 1 1-12 *', expected: ['cron(0 0 1 * ? *)'] },
    { name: 'empty list items are skipped', schedule: '1,,15 * * * *', expected: ['cron(1,15 * * * ? *)'] },
    { name: 'February 29th', schedule: '0 0 29 2 *', expected: ['cron(0 0 29 2 ? *)'] },
    { name: '@hourly', schedule: '@hourly', expected: ['cron(0 * * * ? *)'] },
    { name: '@daily', schedule: '@daily', expected: ['cron(0 0 * * ? *)'] },
    { name: '@midnight', schedule: '@midnight', expected: ['cron(0 0 * * ? *)'] },
    { name: '@weekly', schedule: '@weekly', expected: ['cron(0 0 ? * SUN *)'] },
    { name: '@monthly', schedule: '@monthly', expected: ['cron(0 0 1 * ? *)'] },
    { name: '@yearly', schedule: '@yearly', expected: ['cron(0 0 1 1 ? *)'] },
    { name: '@annually', schedule: '@annually', expected: ['cron(0 0 1 1 ? *)'] },
  ])('translates $name', ({ schedule, expected }) => {
    expect(toEventBridgeSchedules(schedule)).toEqual({
      schedules: expected.map((expression) => ({ expression, timeZone: 'UTC' })),
      divergences: [],
    });
  });

  it('evaluates in spec.timeZone', () => {
    expect(toEventBridgeSchedules('30 2 * * *', 'America/New_York')).toEqual({
      schedules: [{ expression: 'cron(30 2 * * ? *)', timeZone: 'America/New_York' }],
      divergences: [],
    });
  });

  it('honours a grandfathered TZ= prefix as Kubernetes does', () => {
    expect(toEventBridgeSchedules('TZ=Asia/Kolkata 14 14 * * *').schedules).toEqual([
      { expression: 'cron(14 14 * * ? *)', timeZone: 'Asia/Kolkata' },
    ]);
  });

  it('keeps the longest possible expression within 256 characters', () => {
    // Values in pairs are the longest rendering (a run of three becomes N-M).
    const pairs = (min: number, max: number): string => {
      const values: number[] = [];
      for (let v = min; v <= max; v += 3) values.push(v, v + 1);
      return values.filter((v) => v <= max).join(',');
    };
    const schedule = `${pairs(0, 59)} ${pairs(0, 23)} ${pairs(1, 31)} ${pairs(1, 12)} *`;
    const [expression] = expressionsOf(toEventBridgeSchedules(schedule));
    expect(expression!.length).toBeGreaterThan(230);
    expect(expression!.length).toBeLessThanOrEqual(256);
  });

  describe('never-firing schedules', () => {
    it.each([
      { name: '30 February', schedule: '0 0 30 2 *' },
      { name: '31 April', schedule: '0 0 31 4 *' },
      { name: '31 February at 23:59', schedule: '59 23 31 2 *' },
      { name: 'an empty minute list', schedule: ', * * * *' },
      { name: 'an empty day-of-week list', schedule: '0 0 * * ,' },
      { name: 'empty day lists under the OR rule', schedule: '0 0 , * ,' },
    ])('produces no schedule and a never-fires divergence for $name', ({ schedule }) => {
      const translation = toEventBridgeSchedules(schedule);
      expect(translation.schedules).toEqual([]);
      expect(kindsOf(translation)).toEqual(['never-fires']);
      expect(kubernetesFireTimes(schedule, 'UTC', Date.UTC(2027, 0, 1), Date.UTC(2031, 0, 1))).toEqual([]);
    });
  });

  describe('@every', () => {
    it.each([
      { every: '1m', expected: 'rate(1 minute)' },
      { every: '5m', expected: 'rate(5 minutes)' },
      { every: '1h', expected: 'rate(1 hour)' },
      { every: '1h30m', expected: 'rate(90 minutes)' },
      { every: '90m', expected: 'rate(90 minutes)' },
      { every: '24h', expected: 'rate(1 day)' },
      { every: '48h', expected: 'rate(2 days)' },
      { every: '25h', expected: 'rate(25 hours)' },
      { every: '120s', expected: 'rate(2 minutes)' },
    ])('maps @every $every to $expected with a rate-not-aligned divergence', ({ every, expected }) => {
      const translation = toEventBridgeSchedules(`@every ${every}`, 'Europe/Berlin');
      expect(translation.schedules).toEqual([{ expression: expected, timeZone: 'Europe/Berlin' }]);
      expect(kindsOf(translation)).toEqual(['rate-not-aligned']);
    });

    it.each(['30s', '90s', '15ms', '1m1s'])(
      'produces no schedule and an unsupported-interval divergence for @every %s',
      (every) => {
        const translation = toEventBridgeSchedules(`@every ${every}`);
        expect(translation.schedules).toEqual([]);
        expect(kindsOf(translation)).toEqual(['unsupported-interval']);
      },
    );
  });

  describe('repeated local times (daylight saving)', () => {
    it.each([
      { name: '01:30 repeats in New York', schedule: '30 1 * * *', timeZone: 'America/New_York', isDivergent: true },
      {
        name: '02:30 does not repeat in New York (it is skipped in spring, by both)',
        schedule: '30 2 * * *',
        timeZone: 'America/New_York',
        isDivergent: false,
      },
      { name: '02:30 repeats in Berlin', schedule: '30 2 * * *', timeZone: 'Europe/Berlin', isDivergent: true },
      {
        name: 'New York clocks go back on Sundays only',
        schedule: '0 1 * * MON',
        timeZone: 'America/New_York',
        isDivergent: false,
      },
      {
        name: 'the OR rule reaches the Sunday',
        schedule: '0 1 13 * SUN',
        timeZone: 'America/New_York',
        isDivergent: true,
      },
      { name: 'every minute repeats somewhere', schedule: '* * * * *', timeZone: 'Europe/London', isDivergent: true },
      { name: 'a zone without daylight saving', schedule: '* * * * *', timeZone: 'Asia/Kolkata', isDivergent: false },
      { name: 'UTC', schedule: '* * * * *', timeZone: 'UTC', isDivergent: false },
      {
        name: 'the repeated hour outside the months',
        schedule: '30 1 * 1-9 *',
        timeZone: 'America/New_York',
        isDivergent: false,
      },
    ])('$name', ({ schedule, timeZone, isDivergent }) => {
      const translation = toEventBridgeSchedules(schedule, timeZone);
      expect(kindsOf(translation)).toEqual(isDivergent ? ['repeated-local-time'] : []);
    });

    // Australia/Lord_Howe moves its clocks by 30 minutes: 02:00 → 01:30 in April, 02:00 → 02:30 in October.
    it.each([
      {
        name: 'a repeated half hour and a partial-hour change',
        schedule: '45 1 * * *',
        expected: ['repeated-local-time', 'partial-hour-clock-change'],
      },
      { name: 'a partial-hour change only', schedule: '15 1 * * *', expected: ['partial-hour-clock-change'] },
      { name: 'a daily job', schedule: '@daily', expected: ['partial-hour-clock-change'] },
      {
        name: 'no partial-hour divergence for a job firing in every hour',
        schedule: '5/15 * * * *',
        expected: ['repeated-local-time'],
      },
    ])('Lord Howe: $name', ({ schedule, expected }) => {
      expect(kindsOf(toEventBridgeSchedules(schedule, 'Australia/Lord_Howe'))).toEqual(expected);
    });

    it('Lord Howe: Kubernetes skips the midnight after the April change, EventBridge does not', () => {
      // The divergence itself, from the engine: robfig's search leaves 00:00 of 5 April 2027 at 00:30 and skips it.
      const fromMs = Date.UTC(2027, 3, 3);
      const toMs = Date.UTC(2027, 3, 6);
      expect(kubernetesFireTimes('@daily', 'Australia/Lord_Howe', fromMs, toMs).map(iso)).toEqual([
        '2027-04-03T13:00:00.000Z',
        '2027-04-05T13:30:00.000Z',
      ]);
      expect(eventBridgeFireTimes('cron(0 0 * * ? *)', 'Australia/Lord_Howe', fromMs, toMs).map(iso)).toEqual([
        '2027-04-03T13:00:00.000Z',
        '2027-04-04T13:30:00.000Z',
        '2027-04-05T13:30:00.000Z',
      ]);
      expect(toEventBridgeSchedules('@daily', 'Australia/Lord_Howe').divergences[0]?.message).toContain(
        'Australia/Lord_Howe moves its clocks by 30 minutes (first on 2026-04-05)',
      );
    });

    it('names the zone, the repeated interval and the first date', () => {
      const [divergence] = toEventBridgeSchedules('30 1 * * *', 'America/New_York', {
        dstCheckFromMs: Date.UTC(2027, 0, 1),
      }).divergences;
      expect(divergence?.message).toContain(
        'in America/New_York the local times 01:00-01:59 occur twice when clocks go back (first on 2027-11-07, at ' +
          '01:30',
      );
    });

    it('looks for clock changes from dstCheckFromMs on', () => {
      // America/Sao_Paulo went back from 00:00 to 23:00 until it dropped daylight saving in 2019.
      expect(
        kindsOf(toEventBridgeSchedules('30 23 * * *', 'America/Sao_Paulo', { dstCheckFromMs: Date.UTC(2015, 0, 1) })),
      ).toEqual(['repeated-local-time']);
      expect(kindsOf(toEventBridgeSchedules('30 23 * * *', 'America/Sao_Paulo'))).toEqual([]);
    });
  });

  it.each([
    { schedule: '61 * * * *', timeZone: undefined, field: 'minute' },
    { schedule: '* * * * 7', timeZone: undefined, field: 'day of week' },
    { schedule: '* * * *', timeZone: undefined, field: undefined },
    { schedule: '0 0 * * * *', timeZone: undefined, field: undefined },
    { schedule: '5--5 * * * *', timeZone: undefined, field: 'minute' },
    { schedule: '*/0 * * * *', timeZone: undefined, field: 'minute' },
    { schedule: '0 0 * * FRI-MON', timeZone: undefined, field: 'day of week' },
    { schedule: '0 0 L * *', timeZone: undefined, field: 'day of month' },
    { schedule: '@Hourly', timeZone: undefined, field: undefined },
    { schedule: '@every 1d', timeZone: undefined, field: undefined },
    { schedule: '0 0 * * *', timeZone: 'America/Nowhere', field: undefined },
    { schedule: '0 0 * * *', timeZone: 'utc', field: undefined },
  ])('rejects "$schedule" (timeZone $timeZone) with CronSyntaxError', ({ schedule, timeZone, field }) => {
    expect(() => toEventBridgeSchedules(schedule, timeZone)).toThrow(CronSyntaxError);
    try {
      toEventBridgeSchedules(schedule, timeZone);
    } catch (error) {
      expect((error as CronSyntaxError).field).toBe(field);
    }
  });
});

describe('toEventBridgeSchedules: equivalence with the Kubernetes engine', () => {
  const ZONES = ['UTC', 'America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kolkata'] as const;
  type Zone = (typeof ZONES)[number];

  // Day- and hour-level schedules: two years and a quarter, through 29 February 2028 and every clock change.
  const LONG: ReadonlyArray<readonly [number, number]> = [[Date.UTC(2027, 0, 1), Date.UTC(2029, 3, 1)]];
  // Hour-level schedules: the year 2027, through both clock changes of every zone.
  const YEAR: ReadonlyArray<readonly [number, number]> = [[Date.UTC(2027, 0, 1), Date.UTC(2028, 0, 1)]];
  // Minute-level schedules: ten days per zone around both of its clock changes in 2027 (two weeks where none).
  const AROUND_CLOCK_CHANGES: Readonly<Record<Zone, ReadonlyArray<readonly [number, number]>>> = {
    UTC: [[Date.UTC(2027, 2, 10), Date.UTC(2027, 2, 24)]],
    'America/New_York': [
      [Date.UTC(2027, 2, 12), Date.UTC(2027, 2, 17)],
      [Date.UTC(2027, 10, 5), Date.UTC(2027, 10, 10)],
    ],
    'Europe/Berlin': [
      [Date.UTC(2027, 2, 26), Date.UTC(2027, 2, 31)],
      [Date.UTC(2027, 9, 29), Date.UTC(2027, 10, 3)],
    ],
    'Australia/Lord_Howe': [
      [Date.UTC(2027, 3, 2), Date.UTC(2027, 3, 7)],
      [Date.UTC(2027, 9, 1), Date.UTC(2027, 9, 6)],
    ],
    'Asia/Kolkata': [[Date.UTC(2027, 2, 10), Date.UTC(2027, 2, 24)]],
  };

  const DAY_LEVEL = [
    '0 0 13 * 5',
    '0 0 1-31 * 1',
    '0 0 */1 * 1',
    '0 0 ? * 1',
    '0 0 13 * 0-6',
    '0 9 * * MON-FRI',
    '30 2 * * *',
    '30 1 * * *',
    '15 2 * * *',
    '45 1 * * *',
    '0 3 * * *',
    '0 0 29 2 *',
    '0 0 29 2 MON',
    '0 0 30 2 1',
    '0 0 */5 Apr,Aug,Oct Mon',
    '30 08 ? Jul Sun',
    '0 0 1 */3 *',
    '0 0 * * Mon/2',
    '0 0 * * */2',
    '0 1 13 * SUN',
    '0 12 1,15 * *',
    '0 9-17/2 * * *',
    '@daily',
    '@weekly',
    '@monthly',
    '@yearly',
  ];
  const HOUR_LEVEL = ['@hourly', '0 0-23/2 * * *', '20-35/15 1-3 * * *', '0,30 * 1,15 * SAT'];
  const MINUTE_LEVEL = [
    '*/1 * * * *',
    '5/15 * * * *',
    '*/60 * * * *',
    '*/15 9-17 * * MON-FRI',
    '* * */2 * Sun',
    [
      '0,1,3,4,6,7,9,10,12,13,15,16,18,19,21,22,24,25,27,28,30,31,' +
        '33,34,36,37,39,40,42,43,45,46,48,49,51,52,54,55,57,58',
      '0,1,3,4,6,7,9,10,12,13,15,16,18,19,21,22',
      '1,2,4,5,7,8,10,11,13,14,16,17,19,20,22,23,25,26,28,29,31',
      '1,2,3,4,5,7,8,10,11',
      '*',
    ].join(' '),
  ];

  const cases = ZONES.flatMap((timeZone) => [
    ...DAY_LEVEL.map((schedule) => ({ schedule, timeZone, windows: LONG })),
    ...HOUR_LEVEL.map((schedule) => ({ schedule, timeZone, windows: YEAR })),
    ...MINUTE_LEVEL.map((schedule) => ({ schedule, timeZone, windows: AROUND_CLOCK_CHANGES[timeZone] })),
  ]);

  it.each(cases)(
    '"$schedule" in $timeZone fires as Kubernetes does, but for the documented clock-change divergences',
    ({ schedule, timeZone, windows }) => {
      // Arrange
      const translation = toEventBridgeSchedules(schedule, timeZone);
      const clock = zoneClock(timeZone);
      let kubernetesCount = 0;
      for (const [fromMs, toMs] of windows) {
        // Act
        let kubernetes = kubernetesFireTimes(schedule, timeZone, fromMs, toMs);
        const eventBridge = translation.schedules.flatMap((s) => {
          expect(s.timeZone).toBe(timeZone);
          return eventBridgeFireTimes(s.expression, timeZone, fromMs, toMs);
        });
        // Two OR-rule schedules can fire for the same time; the dispatcher's Job name (unix minutes) makes them one.
        let dispatched = [...new Set(eventBridge.map((t) => Math.floor(t / MINUTE_MS) * MINUTE_MS))].sort(
          (a, b) => a - b,
        );
        if (kindsOf(translation).includes('partial-hour-clock-change')) {
          // The documented partial-hour-clock-change divergence: a Kubernetes search near a 30-minute clock change
          // runs off the wall clock until it lands on a fire time. Compare outside [change - 1 day, Kubernetes' first
          // fire time more than a day after the change).
          const spans = clock
            .changesBetween(fromMs, toMs)
            .map((change) => [change - DAY_MS, kubernetes.find((t) => t > change + DAY_MS) ?? toMs] as const);
          const isOutside = (t: number): boolean => spans.every(([from, to]) => t < from || t >= to);
          kubernetes = kubernetes.filter(isOutside);
          dispatched = dispatched.filter(isOutside);
        }

        // Assert
        const repeatedOnKubernetes = kubernetes.filter((t) => clock.isAmbiguous(t));
        const repeatedOnEventBridge = dispatched.filter((t) => clock.isAmbiguous(t));
        const exactOnKubernetes = kubernetes.filter((t) => !clock.isAmbiguous(t));
        const exactOnEventBridge = dispatched.filter((t) => !clock.isAmbiguous(t));
        // Numbers compare fast; ISO strings make a failure readable.
        if (exactOnEventBridge.join() !== exactOnKubernetes.join())
          expect(exactOnEventBridge.map(iso)).toEqual(exactOnKubernetes.map(iso));
        // The one documented divergence: a repeated local time runs twice on Kubernetes and once on EventBridge.
        expect(repeatedOnKubernetes.length).toBe(2 * repeatedOnEventBridge.length);
        if (repeatedOnKubernetes.length > 0) expect(kindsOf(translation)).toContain('repeated-local-time');
        kubernetesCount += kubernetes.length;
      }
      if (translation.schedules.length > 0) expect(kubernetesCount).toBeGreaterThan(0);
    },
  );

  it('fires both OR-rule schedules on a day matching both, for one dispatched run', () => {
    const expressions = expressionsOf(toEventBridgeSchedules('0 0 13 * 5'));
    const fromMs = Date.UTC(2027, 7, 1);
    const toMs = Date.UTC(2027, 8, 1);
    const fired = expressions.flatMap((e) => eventBridgeFireTimes(e, 'UTC', fromMs, toMs));
    // Friday 13 August 2027 comes from both schedules.
    expect(fired.filter((t) => t === Date.UTC(2027, 7, 13))).toHaveLength(2);
    expect(kubernetesFireTimes('0 0 13 * 5', 'UTC', fromMs, toMs)).toContain(Date.UTC(2027, 7, 13));
  });

  it('shows the repeated-time divergence concretely: New York 01:30 on 7 November 2027', () => {
    const fromMs = Date.UTC(2027, 10, 7);
    const toMs = Date.UTC(2027, 10, 8);
    expect(kubernetesFireTimes('30 1 * * *', 'America/New_York', fromMs, toMs).map(iso)).toEqual([
      '2027-11-07T05:30:00.000Z',
      '2027-11-07T06:30:00.000Z',
    ]);
    expect(eventBridgeFireTimes('cron(30 1 * * ? *)', 'America/New_York', fromMs, toMs).map(iso)).toEqual([
      '2027-11-07T05:30:00.000Z',
    ]);
  });
});

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
