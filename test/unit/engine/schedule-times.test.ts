import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../../src/cron/index.ts';
import {
  mostRecentScheduleTime,
  neverFiresError,
  nextScheduleTime,
  nextScheduleTimeDuration,
  upcomingScheduleTimes,
} from '../../../src/engine/schedule-times.ts';
import { syncCronJob } from '../../../src/engine/cronjob-sync.ts';
import { aCronJob, at } from '../../support/builders.ts';

// Times of kubernetes pkg/controller/cronjob/utils_test.go: topOfTheHour = 2016-05-19T10:00:00Z (a Thursday).
const topOfTheHour = at('2016-05-19T10:00:00Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const delta = 100; // nextScheduleDelta
const afterTop = (ms: number): number => topOfTheHour + ms;

describe('mostRecentScheduleTime', () => {
  // Upstream utils_test.go TestMostRecentScheduleTime, every case.
  it.each([
    {
      name: 'now before next schedule',
      cronJob: { creationTimestamp: topOfTheHour, schedule: '0 * * * *' },
      includeSDS: false,
      now: afterTop(30 * S),
      expected: { earliestMs: topOfTheHour, missed: 'none' },
    },
    {
      name: 'now just after next schedule',
      cronJob: { creationTimestamp: topOfTheHour, schedule: '0 * * * *' },
      includeSDS: false,
      now: afterTop(61 * M),
      expected: { earliestMs: topOfTheHour, mostRecentMs: afterTop(60 * M), missed: 'none' },
    },
    {
      name: 'missed 5 schedules',
      cronJob: { creationTimestamp: afterTop(10 * S), schedule: '0 * * * *' },
      includeSDS: false,
      now: afterTop(301 * M),
      expected: { earliestMs: afterTop(10 * S), mostRecentMs: afterTop(300 * M), missed: 'few' },
    },
    {
      name: 'complex schedule',
      cronJob: { creationTimestamp: topOfTheHour, schedule: '30 6-16/4 * * 1-5', lastScheduleTime: afterTop(30 * M) },
      includeSDS: false,
      now: afterTop(24 * H + 31 * M),
      expected: { earliestMs: afterTop(30 * M), mostRecentMs: afterTop(24 * H + 30 * M), missed: 'few' },
    },
    {
      // The approximation quirk: the estimate jumps past Friday's runs, so nothing is due although runs were missed.
      name: 'another complex schedule',
      cronJob: { creationTimestamp: topOfTheHour, schedule: '30 10,11,12 * * 1-5', lastScheduleTime: afterTop(30 * M) },
      includeSDS: false,
      now: afterTop(30 * H + 30 * M),
      expected: { earliestMs: afterTop(30 * M), missed: 'few' },
    },
    {
      name: 'complex schedule with longer diff between executions',
      cronJob: { creationTimestamp: topOfTheHour, schedule: '30 6-16/4 * * 1-5', lastScheduleTime: afterTop(30 * M) },
      includeSDS: false,
      now: afterTop(96 * H + 31 * M),
      expected: { earliestMs: afterTop(30 * M), mostRecentMs: afterTop(96 * H + 30 * M), missed: 'few' },
    },
    {
      name: 'complex schedule with shorter diff between executions',
      cronJob: { creationTimestamp: topOfTheHour, schedule: '30 6-16/4 * * 1-5' },
      includeSDS: false,
      now: afterTop(24 * H + 31 * M),
      expected: { earliestMs: topOfTheHour, mostRecentMs: afterTop(24 * H + 30 * M), missed: 'few' },
    },
    {
      name: '@every schedule',
      cronJob: {
        creationTimestamp: afterTop(-59 * M),
        schedule: '@every 1h',
        startingDeadlineSeconds: 10,
        lastScheduleTime: afterTop(1 * M),
      },
      includeSDS: false,
      now: afterTop(7 * 24 * H),
      expected: { earliestMs: afterTop(1 * M), mostRecentMs: afterTop(6 * 24 * H + 23 * H + 1 * M), missed: 'many' },
    },
    {
      name: 'rogue cronjob',
      cronJob: { creationTimestamp: afterTop(10 * S), schedule: '59 23 31 2 *' },
      includeSDS: false,
      now: afterTop(1 * H),
      expected: { earliestMs: afterTop(10 * S), missed: 'none', error: neverFiresError },
    },
    {
      name: 'earliestTime being CreationTimestamp and LastScheduleTime',
      cronJob: { creationTimestamp: topOfTheHour, schedule: '0 * * * *', lastScheduleTime: topOfTheHour },
      includeSDS: false,
      now: afterTop(30 * S),
      expected: { earliestMs: topOfTheHour, missed: 'none' },
    },
    {
      name: 'earliestTime being LastScheduleTime',
      cronJob: { creationTimestamp: topOfTheHour, schedule: '*/5 * * * *', lastScheduleTime: afterTop(30 * M) },
      includeSDS: false,
      now: afterTop(31 * M),
      expected: { earliestMs: afterTop(30 * M), missed: 'none' },
    },
    {
      name: 'earliestTime being LastScheduleTime (within StartingDeadlineSeconds)',
      cronJob: {
        creationTimestamp: topOfTheHour,
        schedule: '*/5 * * * *',
        startingDeadlineSeconds: 60,
        lastScheduleTime: afterTop(30 * M),
      },
      includeSDS: false,
      now: afterTop(31 * M),
      expected: { earliestMs: afterTop(30 * M), missed: 'none' },
    },
    {
      name: 'earliestTime being LastScheduleTime (outside StartingDeadlineSeconds)',
      cronJob: {
        creationTimestamp: topOfTheHour,
        schedule: '*/5 * * * *',
        startingDeadlineSeconds: 60,
        lastScheduleTime: afterTop(30 * M),
      },
      includeSDS: true,
      now: afterTop(32 * M),
      expected: { earliestMs: afterTop(31 * M), missed: 'none' },
    },
  ])('$name', ({ cronJob, includeSDS, now, expected }) => {
    const cj = aCronJob(cronJob);

    expect(mostRecentScheduleTime(cj, now, parseSchedule(cj.spec.schedule), includeSDS)).toEqual(expected);
  });
});

describe('nextScheduleTimeDuration', () => {
  // Upstream utils_test.go TestNextScheduleTimeDuration, every case.
  it.each([
    {
      name: 'complex schedule skipping weekend',
      cronJob: { creationTimestamp: topOfTheHour, schedule: '30 6-16/4 * * 1-5', lastScheduleTime: afterTop(30 * M) },
      now: afterTop(24 * H + 31 * M),
      expected: 3 * H + 59 * M + delta,
    },
    {
      name: 'another complex schedule skipping weekend',
      cronJob: { creationTimestamp: topOfTheHour, schedule: '30 10,11,12 * * 1-5', lastScheduleTime: afterTop(30 * M) },
      now: afterTop(30 * H + 30 * M),
      expected: 66 * H + delta,
    },
    {
      name: 'once a week cronjob, missed two runs',
      cronJob: { creationTimestamp: topOfTheHour, schedule: '0 12 * * 4', lastScheduleTime: afterTop(2 * H) },
      now: afterTop(19 * 24 * H + 1 * H + 30 * M),
      expected: 48 * H + 30 * M + delta,
    },
    {
      name: 'no previous run of a cronjob',
      cronJob: { creationTimestamp: topOfTheHour, schedule: '0 12 * * 5' },
      now: afterTop(6 * H),
      expected: 20 * H + delta,
    },
    // Upstream cronjob_controllerv2_test.go TestControllerV2UpdateCronJob: the delay after a schedule change, with
    // lastScheduleTime 09:59 and now 09:59:59 (the update handler calls nextScheduleTimeDuration).
    {
      name: 'spec.schedule changed (TestControllerV2UpdateCronJob)',
      cronJob: { schedule: '*/1 * * * *', lastScheduleTime: at('2016-05-19T09:59:00Z') },
      now: at('2016-05-19T09:59:59Z'),
      expected: 1 * S + delta,
    },
    {
      name: 'spec.schedule with @every changed - cadence decrease (TestControllerV2UpdateCronJob)',
      cronJob: { schedule: '@every 3m', lastScheduleTime: at('2016-05-19T09:59:00Z') },
      now: at('2016-05-19T09:59:59Z'),
      expected: 2 * M + 1 * S + delta,
    },
    {
      name: 'spec.schedule with @every changed - cadence increase (TestControllerV2UpdateCronJob)',
      cronJob: { schedule: '@every 1m', lastScheduleTime: at('2016-05-19T09:59:00Z') },
      now: at('2016-05-19T09:59:59Z'),
      expected: 1 * S + delta,
    },
    {
      name: 'a schedule that never fires is not requeued',
      cronJob: { creationTimestamp: afterTop(10 * S), schedule: '59 23 31 2 *' },
      now: afterTop(1 * H),
      expected: undefined,
    },
  ])('$name', ({ cronJob, now, expected }) => {
    const cj = aCronJob(cronJob);

    expect(nextScheduleTimeDuration(cj, now, parseSchedule(cj.spec.schedule))).toBe(expected);
  });
});

describe('nextScheduleTime', () => {
  // Upstream utils_test.go TestNextScheduleTime: T1 = 10:00, T2 = 11:00, hourly "0 * * * ?". Upstream's cases share
  // one mutated CronJob; each row here spells out the state that case runs with.
  const T1 = topOfTheHour;
  const T2 = afterTop(1 * H);
  it.each([
    {
      name: 'Case 1: no known start times, and none needed yet',
      cronJob: { creationTimestamp: T1 - 10 * M },
      now: T1 - 7 * M,
      expected: { isTooManyMissed: false },
    },
    {
      name: 'Case 2: no known start times, and one needed',
      cronJob: { creationTimestamp: T1 - 10 * M },
      now: T1 + 2 * S,
      expected: { scheduledMs: T1, isTooManyMissed: false },
    },
    {
      name: 'Case 3: known LastScheduleTime, no start needed',
      cronJob: { creationTimestamp: T1 - 10 * M, lastScheduleTime: T1 },
      now: T1 + 2 * M,
      expected: { isTooManyMissed: false },
    },
    {
      name: 'Case 4: known LastScheduleTime, a start needed',
      cronJob: { creationTimestamp: T1 - 10 * M, lastScheduleTime: T1 },
      now: T2 + 5 * M,
      expected: { scheduledMs: T2, isTooManyMissed: false },
    },
    {
      name: 'Case 5: known LastScheduleTime, two starts needed (only the latest is returned)',
      cronJob: { creationTimestamp: T1 - 2 * H, lastScheduleTime: T1 - 1 * H },
      now: T2 + 5 * M,
      expected: { scheduledMs: T2, isTooManyMissed: false },
    },
    {
      name: 'Case 6: now is way way ahead of last start time, and there is no deadline',
      cronJob: { creationTimestamp: T1 - 2 * H, lastScheduleTime: T1 - 1 * H },
      now: T2 + 10 * 24 * H,
      expected: { scheduledMs: T2 + 10 * 24 * H, isTooManyMissed: true },
    },
    {
      name: 'Case 7: now is way way ahead of last start time, but there is a short deadline',
      cronJob: { creationTimestamp: T1 - 2 * H, lastScheduleTime: T1 - 1 * H, startingDeadlineSeconds: 2 * 60 * 60 },
      now: T2 + 10 * 24 * H,
      expected: { scheduledMs: T2 + 10 * 24 * H, isTooManyMissed: false },
    },
    {
      name: 'Case 8: ensure the error from mostRecentScheduleTime gets populated up',
      cronJob: { creationTimestamp: T1 + 10 * S, startingDeadlineSeconds: 2 * 60 * 60, schedule: '59 23 31 2 *' },
      now: afterTop(1 * H),
      expected: { isTooManyMissed: false, error: neverFiresError },
    },
  ])('$name', ({ cronJob, now, expected }) => {
    const cj = aCronJob({ schedule: '0 * * * ?', ...cronJob });

    expect(nextScheduleTime(cj, now, parseSchedule(cj.spec.schedule))).toEqual(expected);
  });
});

describe('upcomingScheduleTimes', () => {
  // What `get -o wide` and `describe` print must be what the controller does: its first time is the one the sync
  // requeues itself for (less the 100 ms delta), whether or not the sync starts a Job now.
  it.each([
    { name: 'nothing due', cronJob: { schedule: '0 * * * ?', lastScheduleTime: topOfTheHour }, now: afterTop(20 * M) },
    {
      name: 'a run due now',
      cronJob: { schedule: '0 * * * ?', lastScheduleTime: topOfTheHour },
      now: afterTop(61 * M),
    },
    { name: 'never scheduled', cronJob: { schedule: '*/5 * * * ?' }, now: afterTop(2 * M + 3 * S) },
    { name: 'many missed', cronJob: { schedule: '* * * * ?' }, now: afterTop(10 * 24 * H + 30 * S) },
    {
      name: 'the second 02:30 of a fall-back night',
      cronJob: { schedule: '30 2 * * *', timeZone: 'Europe/Berlin', lastScheduleTime: at('2025-10-26T00:30:00Z') },
      now: at('2025-10-26T01:00:00Z'),
    },
    {
      name: 'a deadline that drops the due run',
      cronJob: { schedule: '0 * * * ?', lastScheduleTime: topOfTheHour, startingDeadlineSeconds: 60 },
      now: afterTop(62 * M),
    },
  ])('starts at the time the sync requeues for: $name', ({ cronJob, now }) => {
    const cj = aCronJob(cronJob);
    const requeueAtMs = syncCronJob({ cronJob: cj, jobs: [], now }).requeueAtMs;

    expect(requeueAtMs).toBeDefined();
    expect(upcomingScheduleTimes(cj, now, 1)?.timesMs).toEqual([requeueAtMs! - delta]);
  });

  it('goes on with the fire times after the first, in the zone the schedule is read in', () => {
    const cj = aCronJob({
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      lastScheduleTime: at('2025-10-25T00:30:00Z'),
    });

    expect(upcomingScheduleTimes(cj, at('2025-10-25T12:00:00Z'), 3)).toEqual({
      timeZone: 'Europe/Berlin',
      timesMs: [at('2025-10-26T00:30:00Z'), at('2025-10-26T01:30:00Z'), at('2025-10-27T01:30:00Z')],
    });
  });

  it.each([
    { name: 'suspended', cronJob: { suspend: true } },
    { name: 'an unknown timeZone', cronJob: { timeZone: 'Mars/Olympus_Mons' } },
    { name: 'an unparseable schedule', cronJob: { schedule: '61 * * * *' } },
    { name: 'a schedule that never fires', cronJob: { schedule: '59 23 31 2 *' } },
  ])('is undefined where the sync schedules nothing: $name', ({ cronJob }) => {
    const cj = aCronJob(cronJob);

    expect(syncCronJob({ cronJob: cj, jobs: [], now: afterTop(1 * H) }).requeueAtMs).toBeUndefined();
    expect(upcomingScheduleTimes(cj, afterTop(1 * H), 5)).toBeUndefined();
  });

  it('counts from now for a CronJob not stored yet (no creationTimestamp)', () => {
    const cj = aCronJob({ schedule: '0 * * * ?' });
    const unsaved = { ...cj, metadata: { ...cj.metadata, creationTimestamp: undefined } };

    expect(upcomingScheduleTimes(unsaved, afterTop(20 * M), 2)?.timesMs).toEqual([afterTop(1 * H), afterTop(2 * H)]);
  });
});
