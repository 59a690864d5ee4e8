import { describe, expect, it } from 'vitest';
import { compareByStartTime, jobsBeyondHistoryLimits } from '../../../src/engine/cronjob-history.ts';
import { syncCronJob } from '../../../src/engine/cronjob-sync.ts';
import { aCronJob, aJob, at, refTo } from '../../support/builders.ts';

const justBeforeThePriorHour = at('2016-05-19T08:59:00Z');
const justAfterThePriorHour = at('2016-05-19T09:01:00Z');
const justBeforeTheHour = at('2016-05-19T09:59:00Z');
const justAfterTheHour = at('2016-05-19T10:01:00Z');

describe('compareByStartTime', () => {
  // Upstream utils_test.go TestByJobStartTime (now = 2018-01-01T02:03:04Z, later = 2019-01-01T02:03:04Z).
  const now = at('2018-01-01T02:03:04Z');
  const later = at('2019-01-01T02:03:04Z');
  const aNil = aJob({ name: 'a' });
  const bNil = aJob({ name: 'b' });
  const aSet = aJob({ name: 'a', startTime: now });
  const bSet = aJob({ name: 'b', startTime: now });
  const aSetLater = aJob({ name: 'a', startTime: later });

  it.each([
    { name: 'both have nil start times', input: [bNil, aNil], expected: [aNil, bNil] },
    { name: 'only the first has a nil start time', input: [aNil, bSet], expected: [bSet, aNil] },
    { name: 'only the second has a nil start time', input: [aSet, bNil], expected: [aSet, bNil] },
    { name: 'both have non-nil, equal start time', input: [bSet, aSet], expected: [aSet, bSet] },
    { name: 'both have non-nil, different start time', input: [aSetLater, bSet], expected: [bSet, aSetLater] },
  ])('sorts when $name', ({ input, expected }) => {
    expect([...input].sort(compareByStartTime)).toEqual(expected);
  });
});

describe('jobsBeyondHistoryLimits', () => {
  const cronJob = aCronJob({ successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 });
  const ok = (name: string, startTime?: number) => aJob({ owner: cronJob, name, startTime, finished: 'Complete' });
  const failed = (name: string, startTime?: number) => aJob({ owner: cronJob, name, startTime, finished: 'Failed' });
  const running = (name: string, startTime?: number) => aJob({ owner: cronJob, name, startTime });

  it.each([
    {
      name: 'nothing when within both limits',
      limits: {},
      jobs: [ok('s1', 1), ok('s2', 2), failed('f1', 3)],
      expected: [],
    },
    {
      name: 'the oldest successful ones beyond the limit',
      limits: {},
      jobs: [ok('s3', 3), ok('s1', 1), ok('s2', 2), ok('s4', 4)],
      expected: ['s1', 's2'],
    },
    {
      name: 'the oldest failed ones beyond the limit',
      limits: {},
      jobs: [failed('f2', 20), failed('f1', 10), failed('f3', 30)],
      expected: ['f1', 'f2'],
    },
    {
      name: 'successful ones first, then failed ones (deletion order)',
      limits: {},
      jobs: [failed('f1', 1), failed('f2', 2), ok('s1', 3), ok('s2', 4), ok('s3', 5)],
      expected: ['s1', 'f1'],
    },
    {
      name: 'Jobs without a start time last, then by name',
      limits: { successfulJobsHistoryLimit: 1 },
      jobs: [ok('z'), ok('b'), ok('a', 5), ok('y')],
      expected: ['a', 'b', 'y'],
    },
    {
      name: 'every finished Job of a kind when its limit is 0',
      limits: { successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0 },
      jobs: [ok('s1', 1), failed('f1', 2), running('r1', 3)],
      expected: ['s1', 'f1'],
    },
    {
      name: 'never a running Job',
      limits: { successfulJobsHistoryLimit: 0, failedJobsHistoryLimit: 0 },
      jobs: [running('r1', 1), running('r2', 2)],
      expected: [],
    },
  ])('returns $name', ({ limits, jobs, expected }) => {
    const cj = aCronJob({ successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1, ...limits });

    expect(jobsBeyondHistoryLimits(cj, jobs).map((j) => j.metadata.name)).toEqual(expected);
  });
});

describe('syncCronJob history cleanup', () => {
  // Upstream cronjob_controllerv2_test.go TestControllerV2CleanupFinishedJobs. The Job quota error of the first case
  // is the executor's create failing; the decision still deletes first and then tries to create.
  it.each([
    {
      name:
        "jobs are still deleted when a cronjob can't create jobs due to jobs quota being reached (avoiding a " +
        'deadlock)',
      now: justAfterTheHour,
      successfulJobsHistoryLimit: 1,
      finished: [
        { name: 'finished-job-started-hour-ago', startTime: justBeforeThePriorHour },
        { name: 'finished-job-started-minute-ago', startTime: justBeforeTheHour },
      ],
      expected: { deletes: ['finished-job-started-hour-ago'], creates: 1 },
    },
    {
      name: 'jobs are not deleted if history limit not reached',
      now: justBeforeTheHour,
      successfulJobsHistoryLimit: 2,
      finished: [{ name: 'finished-job-started-hour-ago', startTime: justBeforeThePriorHour }],
      expected: { deletes: [], creates: 0 },
    },
  ])('$name', ({ now, successfulJobsHistoryLimit, finished, expected }) => {
    const cronJob = aCronJob({
      namespace: 'foo-ns',
      name: 'fooer',
      schedule: '0 * * * ?',
      successfulJobsHistoryLimit,
      lastScheduleTime: justAfterThePriorHour,
      templateLabels: { key: 'value' },
    });
    const jobs = finished.map((f) =>
      aJob({ owner: cronJob, name: f.name, startTime: f.startTime, finished: 'Complete' }),
    );

    const result = syncCronJob({ cronJob, jobs, now });

    expect({
      deletes: result.actions.flatMap((a) => (a.type === 'deleteJob' ? [a.name] : [])),
      creates: result.actions.filter((a) => a.type === 'createJob').length,
    }).toEqual(expected);
  });

  it(
    'drops a deleted Job from active and still counts its success (Kubernetes passes the same list to ' +
      'syncCronJob)',
    () => {
      const cronJob = aCronJob({
        schedule: '0 * * * ?',
        successfulJobsHistoryLimit: 0,
        lastScheduleTime: justAfterThePriorHour,
      });
      const done = aJob({
        owner: cronJob,
        name: 'done',
        startTime: justAfterThePriorHour,
        finished: 'Complete',
        completionTime: justAfterThePriorHour + 30_000,
      });
      cronJob.status.active = [refTo(done)];

      const result = syncCronJob({ cronJob, jobs: [done], now: justBeforeTheHour });

      expect({
        actions: result.actions,
        active: result.status.active,
        events: result.events,
        lastSuccessfulTime: result.status.lastSuccessfulTime,
        statusChanged: result.statusChanged,
      }).toEqual({
        actions: [{ type: 'deleteJob', name: 'done', uid: 'uid-done', reason: 'HistoryLimit' }],
        active: [],
        events: [],
        lastSuccessfulTime: '2016-05-19T09:01:30Z',
        statusChanged: true,
      });
    },
  );
});
