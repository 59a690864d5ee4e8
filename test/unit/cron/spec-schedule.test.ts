import { describe, expect, it } from 'vitest';
import { nextTimes, parseSchedule } from '../../../src/cron/index.ts';
import { parseCron, type CronLayout } from '../../../src/cron/parser.ts';
import { nextSpecTime } from '../../../src/cron/spec-schedule.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * robfig's `getTime` test helper: "Mon Jul 9 14:45 2012" / "Mon Jul 9 14:45:00.005 2012" (robfig reads these in
 * time.Local; jobctl's zone-less schedules are UTC, so they are UTC here) or "2012-03-11T00:00:00-0500", optionally
 * prefixed "TZ=<zone> " (which changes only the location, not the instant). "" is robfig's zero time: undefined.
 */
function goTime(value: string): number | undefined {
  if (value === '') return undefined;
  const text = value.replace(/^TZ=\S+ /, '');
  const plain = /^\w{3} (\w{3}) (\d+) (\d+):(\d+)(?::(\d+)(\.\d+)?)? (\d{4})$/.exec(text);
  if (plain) {
    const [, mon, day, hour, minute, second = '0', fraction = '', year] = plain;
    const ms = fraction === '' ? 0 : Math.round(Number(fraction) * 1000);
    return Date.UTC(Number(year), MONTHS.indexOf(mon!), Number(day), Number(hour), Number(minute), Number(second), ms);
  }
  const iso = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)([+-]\d\d)(\d\d)$/.exec(text);
  if (!iso) throw new Error(`unparseable test time ${value}`);
  return Date.parse(`${iso[1]}${iso[2]}:${iso[3]}`);
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function next(spec: string, after: string, layout: CronLayout = 'standard'): string | undefined {
  const parsed = parseCron(spec, layout);
  if (parsed.kind !== 'spec') throw new Error('not a field schedule');
  return iso(nextSpecTime(parsed.fields, parsed.zone, goTime(after)!));
}

describe('nextSpecTime', () => {
  // robfig/cron v3.0.1 spec_test.go TestActivation (ParseStandard): a time "activates" the schedule when
  // Next(time - 1s) == time.
  it.each([
    // Every fifteen minutes.
    { time: 'Mon Jul 9 15:00 2012', spec: '0/15 * * * *', expected: true },
    { time: 'Mon Jul 9 15:45 2012', spec: '0/15 * * * *', expected: true },
    { time: 'Mon Jul 9 15:40 2012', spec: '0/15 * * * *', expected: false },
    // Every fifteen minutes, starting at 5 minutes.
    { time: 'Mon Jul 9 15:05 2012', spec: '5/15 * * * *', expected: true },
    { time: 'Mon Jul 9 15:20 2012', spec: '5/15 * * * *', expected: true },
    { time: 'Mon Jul 9 15:50 2012', spec: '5/15 * * * *', expected: true },
    // Named months
    { time: 'Sun Jul 15 15:00 2012', spec: '0/15 * * Jul *', expected: true },
    { time: 'Sun Jul 15 15:00 2012', spec: '0/15 * * Jun *', expected: false },
    // Everything set.
    { time: 'Sun Jul 15 08:30 2012', spec: '30 08 ? Jul Sun', expected: true },
    { time: 'Sun Jul 15 08:30 2012', spec: '30 08 15 Jul ?', expected: true },
    { time: 'Mon Jul 16 08:30 2012', spec: '30 08 ? Jul Sun', expected: false },
    { time: 'Mon Jul 16 08:30 2012', spec: '30 08 15 Jul ?', expected: false },
    // Predefined schedules
    { time: 'Mon Jul 9 15:00 2012', spec: '@hourly', expected: true },
    { time: 'Mon Jul 9 15:04 2012', spec: '@hourly', expected: false },
    { time: 'Mon Jul 9 15:00 2012', spec: '@daily', expected: false },
    { time: 'Mon Jul 9 00:00 2012', spec: '@daily', expected: true },
    { time: 'Mon Jul 9 00:00 2012', spec: '@weekly', expected: false },
    { time: 'Sun Jul 8 00:00 2012', spec: '@weekly', expected: true },
    { time: 'Sun Jul 8 01:00 2012', spec: '@weekly', expected: false },
    { time: 'Sun Jul 8 00:00 2012', spec: '@monthly', expected: false },
    { time: 'Sun Jul 1 00:00 2012', spec: '@monthly', expected: true },
    // Test interaction of DOW and DOM. If both are restricted, then only one needs to match.
    { time: 'Sun Jul 15 00:00 2012', spec: '* * 1,15 * Sun', expected: true },
    { time: 'Fri Jun 15 00:00 2012', spec: '* * 1,15 * Sun', expected: true },
    { time: 'Wed Aug 1 00:00 2012', spec: '* * 1,15 * Sun', expected: true },
    { time: 'Sun Jul 15 00:00 2012', spec: '* * */10 * Sun', expected: true }, // verifies #70
    // However, if one has a star, then both need to match.
    { time: 'Sun Jul 15 00:00 2012', spec: '* * * * Mon', expected: false },
    { time: 'Mon Jul 9 00:00 2012', spec: '* * 1,15 * *', expected: false },
    { time: 'Sun Jul 15 00:00 2012', spec: '* * 1,15 * *', expected: true },
    { time: 'Sun Jul 15 00:00 2012', spec: '* * */2 * Sun', expected: true },
  ])('activates $spec at $time: $expected', ({ time, spec, expected }) => {
    const t = goTime(time)!;
    expect(parseSchedule(spec).next(t - 1000) === t).toBe(expected);
  });

  // robfig/cron v3.0.1 spec_test.go TestNext, with robfig's secondParser (seconds first, day of week optional).
  // The "TZ=America/New_York <time>" rows rely on robfig evaluating a zone-less schedule in the time's own zone;
  // jobctl evaluates zone-less schedules in UTC, so those rows carry the zone in the spec instead.
  it.each([
    // Simple cases
    { time: 'Mon Jul 9 14:45 2012', spec: '0 0/15 * * * *', expected: 'Mon Jul 9 15:00 2012' },
    { time: 'Mon Jul 9 14:59 2012', spec: '0 0/15 * * * *', expected: 'Mon Jul 9 15:00 2012' },
    { time: 'Mon Jul 9 14:59:59 2012', spec: '0 0/15 * * * *', expected: 'Mon Jul 9 15:00 2012' },
    // Wrap around hours
    { time: 'Mon Jul 9 15:45 2012', spec: '0 20-35/15 * * * *', expected: 'Mon Jul 9 16:20 2012' },
    // Wrap around days
    { time: 'Mon Jul 9 23:46 2012', spec: '0 */15 * * * *', expected: 'Tue Jul 10 00:00 2012' },
    { time: 'Mon Jul 9 23:45 2012', spec: '0 20-35/15 * * * *', expected: 'Tue Jul 10 00:20 2012' },
    { time: 'Mon Jul 9 23:35:51 2012', spec: '15/35 20-35/15 * * * *', expected: 'Tue Jul 10 00:20:15 2012' },
    { time: 'Mon Jul 9 23:35:51 2012', spec: '15/35 20-35/15 1/2 * * *', expected: 'Tue Jul 10 01:20:15 2012' },
    { time: 'Mon Jul 9 23:35:51 2012', spec: '15/35 20-35/15 10-12 * * *', expected: 'Tue Jul 10 10:20:15 2012' },
    { time: 'Mon Jul 9 23:35:51 2012', spec: '15/35 20-35/15 1/2 */2 * *', expected: 'Thu Jul 11 01:20:15 2012' },
    { time: 'Mon Jul 9 23:35:51 2012', spec: '15/35 20-35/15 * 9-20 * *', expected: 'Wed Jul 10 00:20:15 2012' },
    { time: 'Mon Jul 9 23:35:51 2012', spec: '15/35 20-35/15 * 9-20 Jul *', expected: 'Wed Jul 10 00:20:15 2012' },
    // Wrap around months
    { time: 'Mon Jul 9 23:35 2012', spec: '0 0 0 9 Apr-Oct ?', expected: 'Thu Aug 9 00:00 2012' },
    { time: 'Mon Jul 9 23:35 2012', spec: '0 0 0 */5 Apr,Aug,Oct Mon', expected: 'Tue Aug 1 00:00 2012' },
    { time: 'Mon Jul 9 23:35 2012', spec: '0 0 0 */5 Oct Mon', expected: 'Mon Oct 1 00:00 2012' },
    // Wrap around years
    { time: 'Mon Jul 9 23:35 2012', spec: '0 0 0 * Feb Mon', expected: 'Mon Feb 4 00:00 2013' },
    { time: 'Mon Jul 9 23:35 2012', spec: '0 0 0 * Feb Mon/2', expected: 'Fri Feb 1 00:00 2013' },
    // Wrap around minute, hour, day, month, and year
    { time: 'Mon Dec 31 23:59:45 2012', spec: '0 * * * * *', expected: 'Tue Jan 1 00:00:00 2013' },
    // Leap year
    { time: 'Mon Jul 9 23:35 2012', spec: '0 0 0 29 Feb ?', expected: 'Mon Feb 29 00:00 2016' },
    // Daylight savings time 2am EST (-5) -> 3am EDT (-4)
    {
      time: '2012-03-11T00:00:00-0500',
      spec: 'TZ=America/New_York 0 30 2 11 Mar ?',
      expected: '2013-03-11T02:30:00-0400',
    },
    // hourly job
    { time: '2012-03-11T00:00:00-0500', spec: 'TZ=America/New_York 0 0 * * * ?', expected: '2012-03-11T01:00:00-0500' },
    { time: '2012-03-11T01:00:00-0500', spec: 'TZ=America/New_York 0 0 * * * ?', expected: '2012-03-11T03:00:00-0400' },
    { time: '2012-03-11T03:00:00-0400', spec: 'TZ=America/New_York 0 0 * * * ?', expected: '2012-03-11T04:00:00-0400' },
    { time: '2012-03-11T04:00:00-0400', spec: 'TZ=America/New_York 0 0 * * * ?', expected: '2012-03-11T05:00:00-0400' },
    // hourly job using CRON_TZ
    {
      time: '2012-03-11T00:00:00-0500',
      spec: 'CRON_TZ=America/New_York 0 0 * * * ?',
      expected: '2012-03-11T01:00:00-0500',
    },
    {
      time: '2012-03-11T01:00:00-0500',
      spec: 'CRON_TZ=America/New_York 0 0 * * * ?',
      expected: '2012-03-11T03:00:00-0400',
    },
    {
      time: '2012-03-11T03:00:00-0400',
      spec: 'CRON_TZ=America/New_York 0 0 * * * ?',
      expected: '2012-03-11T04:00:00-0400',
    },
    {
      time: '2012-03-11T04:00:00-0400',
      spec: 'CRON_TZ=America/New_York 0 0 * * * ?',
      expected: '2012-03-11T05:00:00-0400',
    },
    // 1am nightly job
    { time: '2012-03-11T00:00:00-0500', spec: 'TZ=America/New_York 0 0 1 * * ?', expected: '2012-03-11T01:00:00-0500' },
    { time: '2012-03-11T01:00:00-0500', spec: 'TZ=America/New_York 0 0 1 * * ?', expected: '2012-03-12T01:00:00-0400' },
    // 2am nightly job (skipped)
    { time: '2012-03-11T00:00:00-0500', spec: 'TZ=America/New_York 0 0 2 * * ?', expected: '2012-03-12T02:00:00-0400' },
    // Daylight savings time 2am EDT (-4) => 1am EST (-5)
    {
      time: '2012-11-04T00:00:00-0400',
      spec: 'TZ=America/New_York 0 30 2 04 Nov ?',
      expected: '2012-11-04T02:30:00-0500',
    },
    {
      time: '2012-11-04T01:45:00-0400',
      spec: 'TZ=America/New_York 0 30 1 04 Nov ?',
      expected: '2012-11-04T01:30:00-0500',
    },
    // hourly job
    { time: '2012-11-04T00:00:00-0400', spec: 'TZ=America/New_York 0 0 * * * ?', expected: '2012-11-04T01:00:00-0400' },
    { time: '2012-11-04T01:00:00-0400', spec: 'TZ=America/New_York 0 0 * * * ?', expected: '2012-11-04T01:00:00-0500' },
    { time: '2012-11-04T01:00:00-0500', spec: 'TZ=America/New_York 0 0 * * * ?', expected: '2012-11-04T02:00:00-0500' },
    // 1am nightly job (runs twice)
    { time: '2012-11-04T00:00:00-0400', spec: 'TZ=America/New_York 0 0 1 * * ?', expected: '2012-11-04T01:00:00-0400' },
    { time: '2012-11-04T01:00:00-0400', spec: 'TZ=America/New_York 0 0 1 * * ?', expected: '2012-11-04T01:00:00-0500' },
    { time: '2012-11-04T01:00:00-0500', spec: 'TZ=America/New_York 0 0 1 * * ?', expected: '2012-11-05T01:00:00-0500' },
    // 2am nightly job
    { time: '2012-11-04T00:00:00-0400', spec: 'TZ=America/New_York 0 0 2 * * ?', expected: '2012-11-04T02:00:00-0500' },
    { time: '2012-11-04T02:00:00-0500', spec: 'TZ=America/New_York 0 0 2 * * ?', expected: '2012-11-05T02:00:00-0500' },
    // 3am nightly job
    { time: '2012-11-04T00:00:00-0400', spec: 'TZ=America/New_York 0 0 3 * * ?', expected: '2012-11-04T03:00:00-0500' },
    { time: '2012-11-04T03:00:00-0500', spec: 'TZ=America/New_York 0 0 3 * * ?', expected: '2012-11-05T03:00:00-0500' },
    // hourly job (zone given with the time upstream)
    {
      time: 'TZ=America/New_York 2012-11-04T00:00:00-0400',
      spec: 'TZ=America/New_York 0 0 * * * ?',
      expected: '2012-11-04T01:00:00-0400',
    },
    {
      time: 'TZ=America/New_York 2012-11-04T01:00:00-0400',
      spec: 'TZ=America/New_York 0 0 * * * ?',
      expected: '2012-11-04T01:00:00-0500',
    },
    {
      time: 'TZ=America/New_York 2012-11-04T01:00:00-0500',
      spec: 'TZ=America/New_York 0 0 * * * ?',
      expected: '2012-11-04T02:00:00-0500',
    },
    // 1am nightly job (runs twice)
    {
      time: 'TZ=America/New_York 2012-11-04T00:00:00-0400',
      spec: 'TZ=America/New_York 0 0 1 * * ?',
      expected: '2012-11-04T01:00:00-0400',
    },
    {
      time: 'TZ=America/New_York 2012-11-04T01:00:00-0400',
      spec: 'TZ=America/New_York 0 0 1 * * ?',
      expected: '2012-11-04T01:00:00-0500',
    },
    {
      time: 'TZ=America/New_York 2012-11-04T01:00:00-0500',
      spec: 'TZ=America/New_York 0 0 1 * * ?',
      expected: '2012-11-05T01:00:00-0500',
    },
    // 2am nightly job
    {
      time: 'TZ=America/New_York 2012-11-04T00:00:00-0400',
      spec: 'TZ=America/New_York 0 0 2 * * ?',
      expected: '2012-11-04T02:00:00-0500',
    },
    {
      time: 'TZ=America/New_York 2012-11-04T02:00:00-0500',
      spec: 'TZ=America/New_York 0 0 2 * * ?',
      expected: '2012-11-05T02:00:00-0500',
    },
    // 3am nightly job
    {
      time: 'TZ=America/New_York 2012-11-04T00:00:00-0400',
      spec: 'TZ=America/New_York 0 0 3 * * ?',
      expected: '2012-11-04T03:00:00-0500',
    },
    {
      time: 'TZ=America/New_York 2012-11-04T03:00:00-0500',
      spec: 'TZ=America/New_York 0 0 3 * * ?',
      expected: '2012-11-05T03:00:00-0500',
    },
    // Unsatisfiable
    { time: 'Mon Jul 9 23:35 2012', spec: '0 0 0 30 Feb ?', expected: '' },
    { time: 'Mon Jul 9 23:35 2012', spec: '0 0 0 31 Apr ?', expected: '' },
    // Monthly job
    {
      time: 'TZ=America/New_York 2012-11-04T00:00:00-0400',
      spec: 'TZ=America/New_York 0 0 3 3 * ?',
      expected: '2012-12-03T03:00:00-0500',
    },
    // Test the scenario of DST resulting in midnight not being a valid time. https://github.com/robfig/cron/issues/157
    {
      time: '2018-10-17T05:00:00-0400',
      spec: 'TZ=America/Sao_Paulo 0 0 9 10 * ?',
      expected: '2018-11-10T06:00:00-0500',
    },
    {
      time: '2018-02-14T05:00:00-0500',
      spec: 'TZ=America/Sao_Paulo 0 0 9 22 * ?',
      expected: '2018-02-22T07:00:00-0500',
    },
  ])('finds $spec after $time', ({ time, spec, expected }) => {
    expect(next(spec, time, 'seconds')).toBe(iso(goTime(expected)));
  });

  // robfig/cron v3.0.1 spec_test.go TestNextWithTz. Upstream the times carry a fixed +05:30 zone and the
  // schedule follows the time's zone; jobctl names the zone instead (Asia/Kolkata has been +05:30 since 1945).
  it.each([
    { time: '2016-01-03T13:09:03+0530', spec: 'TZ=Asia/Kolkata 14 14 * * *', expected: '2016-01-03T14:14:00+0530' },
    { time: '2016-01-03T04:09:03+0530', spec: 'TZ=Asia/Kolkata 14 14 * * ?', expected: '2016-01-03T14:14:00+0530' },
    { time: '2016-01-03T14:09:03+0530', spec: 'TZ=Asia/Kolkata 14 14 * * *', expected: '2016-01-03T14:14:00+0530' },
    { time: '2016-01-03T14:00:00+0530', spec: 'TZ=Asia/Kolkata 14 14 * * ?', expected: '2016-01-03T14:14:00+0530' },
  ])('finds $spec after $time', ({ time, spec, expected }) => {
    expect(next(spec, time)).toBe(iso(goTime(expected)));
  });

  // K8S-SEMANTICS.md §2.3, §2.6, §3 and §14.
  it.each([
    {
      name: '1-31 is a restriction, so the OR rule makes it every day',
      spec: '0 0 1-31 * 1',
      after: '2024-01-02T12:00:00Z',
      expected: ['2024-01-03T00:00:00.000Z', '2024-01-04T00:00:00.000Z'],
    },
    {
      name: '*/1 is a star, so only Mondays',
      spec: '0 0 */1 * 1',
      after: '2024-01-02T12:00:00Z',
      expected: ['2024-01-08T00:00:00.000Z', '2024-01-15T00:00:00.000Z'],
    },
    {
      name: '? is a star, so only Mondays',
      spec: '0 0 ? * 1',
      after: '2024-01-02T12:00:00Z',
      expected: ['2024-01-08T00:00:00.000Z', '2024-01-15T00:00:00.000Z'],
    },
    {
      name: '0-6 is a restriction, so the OR rule makes it every day',
      spec: '0 0 13 * 0-6',
      after: '2024-01-02T12:00:00Z',
      expected: ['2024-01-03T00:00:00.000Z', '2024-01-04T00:00:00.000Z'],
    },
    {
      name: 'Fridays and every 13th',
      spec: '0 0 13 * 5',
      after: '2024-09-01T00:00:00Z',
      expected: ['2024-09-06T00:00:00.000Z', '2024-09-13T00:00:00.000Z', '2024-09-20T00:00:00.000Z'],
    },
    {
      name: '5/15 is 5,20,35,50',
      spec: '5/15 * * * *',
      after: '2024-01-01T00:30:00Z',
      expected: ['2024-01-01T00:35:00.000Z', '2024-01-01T00:50:00.000Z', '2024-01-01T01:05:00.000Z'],
    },
    {
      name: 'Mon/2 is Monday, Wednesday, Friday',
      spec: '0 0 * * Mon/2',
      after: '2024-01-01T00:00:00Z',
      expected: ['2024-01-03T00:00:00.000Z', '2024-01-05T00:00:00.000Z', '2024-01-08T00:00:00.000Z'],
    },
    {
      name: '*/60 is minute 0 only',
      spec: '*/60 * * * *',
      after: '2024-01-01T00:00:00Z',
      expected: ['2024-01-01T01:00:00.000Z', '2024-01-01T02:00:00.000Z'],
    },
    {
      name: 'a fire time equal to the start is not returned',
      spec: '0 * * * *',
      after: '2024-01-01T10:00:00Z',
      expected: ['2024-01-01T11:00:00.000Z'],
    },
    {
      name: 'the search starts at the next whole second',
      spec: '0 * * * *',
      after: '2024-01-01T10:59:59.999Z',
      expected: ['2024-01-01T11:00:00.000Z'],
    },
    {
      name: '@weekly runs on Sundays',
      spec: '@weekly',
      after: '2024-01-01T00:00:00Z',
      expected: ['2024-01-07T00:00:00.000Z'],
    },
    {
      name: '@yearly runs on 1 January',
      spec: '@yearly',
      after: '2024-01-01T00:00:00Z',
      expected: ['2025-01-01T00:00:00.000Z'],
    },
    {
      name: 'a leap day within five years is found',
      spec: '0 0 29 2 *',
      after: '2012-07-09T23:35:00Z',
      expected: ['2016-02-29T00:00:00.000Z', '2020-02-29T00:00:00.000Z'],
    },
    {
      name: 'a leap day eight years away is past the five-year limit',
      spec: '0 0 29 2 *',
      after: '2096-03-01T00:00:00Z',
      expected: [],
    },
    { name: '30 February never fires', spec: '0 0 30 2 *', after: '2024-01-01T00:00:00Z', expected: [] },
    { name: '31 February never fires', spec: '59 23 31 2 *', after: '2024-01-01T00:00:00Z', expected: [] },
    { name: '31 April never fires', spec: '0 0 31 4 *', after: '2024-01-01T00:00:00Z', expected: [] },
    { name: 'an empty list never fires', spec: ', * * * *', after: '2024-01-01T00:00:00Z', expected: [] },
  ])('$name', ({ spec, after, expected }) => {
    expect(
      nextTimes(parseSchedule(spec), Date.parse(after), expected.length === 0 ? 3 : expected.length).map(iso),
    ).toEqual(expected);
  });

  // K8S-SEMANTICS.md §3 / §14 pitfall 7: DST is wall-clock based, through spec.timeZone.
  it.each([
    {
      name: 'a nonexistent 02:30 is skipped that day',
      spec: '30 2 * * *',
      timeZone: 'America/New_York',
      after: '2012-03-10T00:00:00Z',
      expected: ['2012-03-10T07:30:00.000Z', '2012-03-12T06:30:00.000Z'],
    },
    {
      name: 'a repeated 01:30 fires twice',
      spec: '30 1 * * *',
      timeZone: 'America/New_York',
      after: '2012-11-03T12:00:00Z',
      expected: ['2012-11-04T05:30:00.000Z', '2012-11-04T06:30:00.000Z', '2012-11-05T06:30:00.000Z'],
    },
    {
      name: 'an hourly job goes 01:00 EST to 03:00 EDT',
      spec: '0 * * * *',
      timeZone: 'America/New_York',
      after: '2012-03-11T05:30:00Z',
      expected: ['2012-03-11T06:00:00.000Z', '2012-03-11T07:00:00.000Z', '2012-03-11T08:00:00.000Z'],
    },
    {
      name: 'spec.timeZone moves the wall clock',
      spec: '0 9 * * *',
      timeZone: 'Asia/Tokyo',
      after: '2024-01-01T00:00:00Z',
      expected: ['2024-01-02T00:00:00.000Z'],
    },
    {
      name: 'Europe/London skips 01:30 on spring-forward day',
      spec: '30 1 * * *',
      timeZone: 'Europe/London',
      after: '2021-03-27T12:00:00Z',
      expected: ['2021-03-29T00:30:00.000Z'],
    },
    {
      name: 'Europe/London fires 01:30 twice on fall-back day',
      spec: '30 1 * * *',
      timeZone: 'Europe/London',
      after: '2021-10-30T12:00:00Z',
      expected: ['2021-10-31T00:30:00.000Z', '2021-10-31T01:30:00.000Z', '2021-11-01T01:30:00.000Z'],
    },
    {
      name: 'Australia/Lord_Howe half-hour DST skips 02:15',
      spec: '15 2 * * *',
      timeZone: 'Australia/Lord_Howe',
      after: '2023-09-30T00:00:00Z',
      expected: ['2023-10-01T15:15:00.000Z'],
    },
  ])('$name', ({ spec, timeZone, after, expected }) => {
    expect(nextTimes(parseSchedule(spec, timeZone), Date.parse(after), expected.length).map(iso)).toEqual(expected);
  });
});

describe('@every (ConstantDelaySchedule)', () => {
  // robfig/cron v3.0.1 constantdelay_test.go TestConstantDelayNext, the delays written as Go durations.
  it.each([
    // Simple cases
    { time: 'Mon Jul 9 14:45 2012', every: '15m50ns', expected: 'Mon Jul 9 15:00 2012' },
    { time: 'Mon Jul 9 14:59 2012', every: '15m', expected: 'Mon Jul 9 15:14 2012' },
    { time: 'Mon Jul 9 14:59:59 2012', every: '15m', expected: 'Mon Jul 9 15:14:59 2012' },
    // Wrap around hours
    { time: 'Mon Jul 9 15:45 2012', every: '35m', expected: 'Mon Jul 9 16:20 2012' },
    // Wrap around days
    { time: 'Mon Jul 9 23:46 2012', every: '14m', expected: 'Tue Jul 10 00:00 2012' },
    { time: 'Mon Jul 9 23:45 2012', every: '35m', expected: 'Tue Jul 10 00:20 2012' },
    { time: 'Mon Jul 9 23:35:51 2012', every: '44m24s', expected: 'Tue Jul 10 00:20:15 2012' },
    { time: 'Mon Jul 9 23:35:51 2012', every: '25h44m24s', expected: 'Thu Jul 11 01:20:15 2012' },
    // Wrap around months
    { time: 'Mon Jul 9 23:35 2012', every: '2184h25m', expected: 'Thu Oct 9 00:00 2012' },
    // Wrap around minute, hour, day, month, and year
    { time: 'Mon Dec 31 23:59:45 2012', every: '15s', expected: 'Tue Jan 1 00:00:00 2013' },
    // Round up to 1 second if the duration is less.
    { time: 'Mon Jul 9 14:45:00 2012', every: '15ms', expected: 'Mon Jul 9 14:45:01 2012' },
    // Round to nearest second when calculating the next time.
    { time: 'Mon Jul 9 14:45:00.005 2012', every: '15m', expected: 'Mon Jul 9 15:00 2012' },
    // Round to nearest second for both.
    { time: 'Mon Jul 9 14:45:00.005 2012', every: '15m50ns', expected: 'Mon Jul 9 15:00 2012' },
  ])('@every $every after $time', ({ time, every, expected }) => {
    expect(iso(parseSchedule(`@every ${every}`).next(goTime(time)!))).toBe(iso(goTime(expected)));
  });

  it('ignores spec.timeZone, since the delay is not wall-clock based', () => {
    const after = Date.parse('2012-03-11T06:30:00Z');
    expect(nextTimes(parseSchedule('@every 1h', 'America/New_York'), after, 2).map(iso)).toEqual([
      '2012-03-11T07:30:00.000Z',
      '2012-03-11T08:30:00.000Z',
    ]);
  });
});

describe('nextTimes', () => {
  it('returns count times, each strictly after the previous one', () => {
    expect(nextTimes(parseSchedule('*/20 * * * *'), Date.parse('2024-01-01T00:00:00Z'), 4).map(iso)).toEqual([
      '2024-01-01T00:20:00.000Z',
      '2024-01-01T00:40:00.000Z',
      '2024-01-01T01:00:00.000Z',
      '2024-01-01T01:20:00.000Z',
    ]);
  });

  it('returns nothing for a count of 0', () => {
    expect(nextTimes(parseSchedule('* * * * *'), 0, 0)).toEqual([]);
  });
});

describe('nextSpecTime against a brute-force UTC search', () => {
  /** Independent oracle: walk whole days, then the hours and minutes of a matching day, in UTC. */
  function bruteForce(spec: string, afterMs: number): number | undefined {
    const parsed = parseCron(spec);
    if (parsed.kind !== 'spec') throw new Error('not a field schedule');
    const f = parsed.fields;
    const has = (set: { values: Uint8Array }, v: number) => set.values[v] === 1;
    const startSec = Math.floor(afterMs / 1000) + 1;
    const startDay = Math.floor(startSec / 86_400);
    const limitYear = new Date(startSec * 1000).getUTCFullYear() + 5;
    for (let day = startDay; ; day++) {
      const d = new Date(day * 86_400_000);
      if (d.getUTCFullYear() > limitYear) return undefined;
      const dom = has(f.dayOfMonth, d.getUTCDate());
      const dow = has(f.dayOfWeek, d.getUTCDay());
      const dayOk = f.dayOfMonth.isStar || f.dayOfWeek.isStar ? dom && dow : dom || dow;
      if (!has(f.month, d.getUTCMonth() + 1) || !dayOk) continue;
      for (let minuteOfDay = 0; minuteOfDay < 1440; minuteOfDay++) {
        const t = day * 86_400 + minuteOfDay * 60;
        if (t >= startSec && has(f.hour, Math.floor(minuteOfDay / 60)) && has(f.minute, minuteOfDay % 60))
          return t * 1000;
      }
    }
  }

  // A small deterministic PRNG (mulberry32) so the cases are the same on every run.
  function random(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    };
  }

  it('agrees on 400 generated schedules and start times', () => {
    const rand = random(20_240_101);
    const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
    const field = (min: number, max: number) => {
      const a = min + Math.floor(rand() * (max - min + 1));
      const b = a + Math.floor(rand() * (max - a + 1));
      return pick([
        '*',
        '?',
        `*/${1 + Math.floor(rand() * 12)}`,
        String(a),
        `${a}-${b}`,
        `${a}/${1 + Math.floor(rand() * 9)}`,
        `${a},${b}`,
        `${a}-${b}/2`,
      ]);
    };
    const mismatches: string[] = [];
    for (let i = 0; i < 400; i++) {
      const spec = [field(0, 59), field(0, 23), field(1, 31), field(1, 12), field(0, 6)].join(' ');
      const after = Date.UTC(2000, 0, 1) + Math.floor(rand() * 40 * 365 * 86_400) * 1000 + Math.floor(rand() * 1000);
      const actual = parseSchedule(spec).next(after);
      const expected = bruteForce(spec, after);
      if (actual !== expected)
        mismatches.push(`${spec} after ${new Date(after).toISOString()}: ${iso(actual)} != ${iso(expected)}`);
    }
    expect(mismatches).toEqual([]);
  });
});
