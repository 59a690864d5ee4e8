import { describe, expect, it } from 'vitest';
import {
  MetricTotals,
  RUN_DURATION_BUCKETS_SECONDS,
  SKEW_BUCKETS_SECONDS,
  jobFinishedEvent,
  jobScheduledEvent,
  slotsRecordedEvents,
  stateMetrics,
} from '../../../src/engine/metrics.ts';
import type { MetricFamily } from '../../../src/spec/metrics.ts';
import type { LedgerEntry } from '../../../src/spec/slots.ts';
import { wellKnown, type Job } from '../../../src/spec/types.ts';
import { aCronJob, aJob, at } from '../../support/builders.ts';

const s = (iso: string) => at(iso) / 1000;

/** `name{k=v,…} value` per sample of a gauge or counter family, for compact expectations. */
function samples(families: MetricFamily[], name: string): string[] {
  const family = families.find((f) => f.name === name);
  if (family === undefined || family.type === 'histogram') throw new Error(`no gauge or counter ${name}`);
  return family.samples.map(
    (x) =>
      `${Object.entries(x.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',')} ${x.value}`,
  );
}

describe('stateMetrics: kube-state-metrics’ CronJob gauges', () => {
  const cronJob = aCronJob({
    name: 'hello',
    namespace: 'default',
    schedule: '*/5 * * * *',
    creationTimestamp: at('2026-03-02T09:58:00Z'),
    lastScheduleTime: at('2026-03-02T10:00:00Z'),
    lastSuccessfulTime: at('2026-03-02T10:00:07Z'),
  });

  it('exports creation, last schedule and success, active and suspend in seconds, labelled namespace, cronjob', () => {
    const families = stateMetrics({ cronJobs: [cronJob], jobs: [] });
    expect(samples(families, 'kube_cronjob_created')).toEqual([
      `namespace=default,cronjob=hello ${s('2026-03-02T09:58:00Z')}`,
    ]);
    expect(samples(families, 'kube_cronjob_status_last_schedule_time')).toEqual([
      `namespace=default,cronjob=hello ${s('2026-03-02T10:00:00Z')}`,
    ]);
    expect(samples(families, 'kube_cronjob_status_last_successful_time')).toEqual([
      `namespace=default,cronjob=hello ${s('2026-03-02T10:00:07Z')}`,
    ]);
    expect(samples(families, 'kube_cronjob_status_active')).toEqual(['namespace=default,cronjob=hello 0']);
    expect(samples(families, 'kube_cronjob_spec_suspend')).toEqual(['namespace=default,cronjob=hello 0']);
    expect(families.every((f) => f.type === 'gauge')).toBe(true);
  });

  it('gives the next schedule after lastScheduleTime, in the CronJob’s zone, none while suspended', () => {
    const berlin = aCronJob({
      name: 'nightly',
      namespace: 'default',
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      creationTimestamp: at('2026-03-01T12:00:00Z'),
    });
    const families = stateMetrics({ cronJobs: [cronJob, berlin, aCronJob({ name: 'off', suspend: true })], jobs: [] });
    expect(samples(families, 'kube_cronjob_next_schedule_time')).toEqual([
      `namespace=default,cronjob=hello ${s('2026-03-02T10:05:00Z')}`,
      // 02:30 in Berlin (UTC+1 in March, before the switch) is 01:30 UTC.
      `namespace=default,cronjob=nightly ${s('2026-03-02T01:30:00Z')}`,
    ]);
  });

  it(
    'leaves the next schedule at a due slot that has not started, so time() minus it says how late ' +
      '(kube-state-metrics’ meaning)',
    () => {
      // Last run 10:00, whatever the time now (10:12: the 10:05 and 10:10 slots missed): 10:05, in the past.
      const families = stateMetrics({ cronJobs: [cronJob], jobs: [] });
      expect(samples(families, 'kube_cronjob_next_schedule_time')).toEqual([
        `namespace=default,cronjob=hello ${s('2026-03-02T10:05:00Z')}`,
      ]);
    },
  );

  it('omits the next schedule of a schedule that does not parse or an unknown zone', () => {
    const bad = aCronJob({ name: 'bad', schedule: 'not a schedule' });
    const zone = aCronJob({ name: 'zone', timeZone: 'Mars/Olympus' });
    expect(samples(stateMetrics({ cronJobs: [bad, zone], jobs: [] }), 'kube_cronjob_next_schedule_time')).toEqual([]);
  });
});

describe('stateMetrics: kube-state-metrics’ Job gauges', () => {
  const owner = aCronJob({ name: 'hello', namespace: 'default' });

  it('exports owner, counts, times and conditions, labelled namespace, job_name', () => {
    const job = aJob({
      owner,
      name: 'hello-1',
      creationTimestamp: at('2026-03-02T10:00:01Z'),
      startTime: at('2026-03-02T10:00:01Z'),
      completionTime: at('2026-03-02T10:00:07Z'),
      finished: 'Complete',
    });
    const families = stateMetrics({ cronJobs: [], jobs: [job] });
    expect(samples(families, 'kube_job_owner')).toEqual([
      'namespace=default,job_name=hello-1,owner_kind=CronJob,owner_name=hello,owner_is_controller=true 1',
    ]);
    expect(samples(families, 'kube_job_status_succeeded')).toEqual(['namespace=default,job_name=hello-1 1']);
    expect(samples(families, 'kube_job_status_failed')).toEqual(['namespace=default,job_name=hello-1 0']);
    expect(samples(families, 'kube_job_status_active')).toEqual(['namespace=default,job_name=hello-1 0']);
    expect(samples(families, 'kube_job_status_start_time')).toEqual([
      `namespace=default,job_name=hello-1 ${s('2026-03-02T10:00:01Z')}`,
    ]);
    expect(samples(families, 'kube_job_status_completion_time')).toEqual([
      `namespace=default,job_name=hello-1 ${s('2026-03-02T10:00:07Z')}`,
    ]);
    expect(samples(families, 'kube_job_complete')).toEqual([
      'namespace=default,job_name=hello-1,condition=true 1',
      'namespace=default,job_name=hello-1,condition=false 0',
      'namespace=default,job_name=hello-1,condition=unknown 0',
    ]);
    expect(samples(families, 'kube_job_failed')).toEqual([]);
  });

  it('labels a failure with its reason as kube-state-metrics does, and an unowned Job with empty owner labels', () => {
    const failed: Job = aJob({ name: 'pi', namespace: 'default', finished: 'Failed' });
    failed.status.failed = 7;
    failed.status.conditions = [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }];
    const odd: Job = aJob({ name: 'odd', namespace: 'default', finished: 'Failed' });
    odd.status.failed = 2;
    odd.status.conditions = [{ type: 'Failed', status: 'True', reason: 'PodFailurePolicy' }];
    const families = stateMetrics({ cronJobs: [], jobs: [odd, failed] });
    expect(samples(families, 'kube_job_status_failed')).toEqual([
      'namespace=default,job_name=odd,reason=BackoffLimitExceeded 0',
      'namespace=default,job_name=odd,reason=DeadlineExceeded 0',
      'namespace=default,job_name=odd,reason=Evicted 0',
      'namespace=default,job_name=odd,reason= 2',
      'namespace=default,job_name=pi,reason=BackoffLimitExceeded 1',
      'namespace=default,job_name=pi,reason=DeadlineExceeded 0',
      'namespace=default,job_name=pi,reason=Evicted 0',
    ]);
    expect(samples(families, 'kube_job_owner')[0]).toBe(
      'namespace=default,job_name=odd,owner_kind=,owner_name=,owner_is_controller= 1',
    );
    expect(samples(families, 'kube_job_failed')).toContain('namespace=default,job_name=pi,condition=true 1');
  });
});

describe('metric events', () => {
  const owner = aCronJob({ name: 'hello', namespace: 'default' });
  const scheduled = (job: Job, iso: string): Job => ({
    ...job,
    metadata: { ...job.metadata, annotations: { [wellKnown.cronJobScheduledTimestamp]: iso } },
  });

  it('measures a created Job’s skew from its scheduled-timestamp annotation, in whole seconds', () => {
    const job = scheduled(
      aJob({ owner, name: 'hello-1', creationTimestamp: at('2026-03-02T10:01:03Z') }),
      '2026-03-02T10:01:00Z',
    );
    expect(jobScheduledEvent(job, 1)).toEqual({
      type: 'jobScheduled',
      namespace: 'default',
      cronJob: 'hello',
      job: 'hello-1',
      skewSeconds: 3,
      atMs: 1,
    });
    expect(jobScheduledEvent(aJob({ owner }), 1)).toBeUndefined(); // no annotation
  });

  it('reports a Job once, when its status write finishes it: run time to completion or to the Failed condition', () => {
    const running = aJob({ owner, name: 'hello-1', startTime: at('2026-03-02T10:01:01Z') });
    const done = aJob({
      owner,
      name: 'hello-1',
      startTime: at('2026-03-02T10:01:01Z'),
      completionTime: at('2026-03-02T10:01:31Z'),
      finished: 'Complete',
    });
    expect(jobFinishedEvent(running, done, 5)).toEqual({
      type: 'jobFinished',
      namespace: 'default',
      job: 'hello-1',
      cronJob: 'hello',
      condition: 'Complete',
      durationSeconds: 30,
      atMs: 5,
    });
    expect(jobFinishedEvent(done, done, 5)).toBeUndefined();
    expect(jobFinishedEvent(running, running, 5)).toBeUndefined();
    const failed: Job = aJob({ name: 'pi', namespace: 'default', startTime: at('2026-03-02T10:00:00Z') });
    failed.status.conditions = [
      { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', lastTransitionTime: '2026-03-02T10:02:00Z' },
    ];
    expect(jobFinishedEvent(aJob({ name: 'pi', namespace: 'default' }), failed, 5)).toEqual({
      type: 'jobFinished',
      namespace: 'default',
      job: 'pi',
      condition: 'Failed',
      durationSeconds: 120,
      atMs: 5,
    });
  });

  it('counts ledger entries per outcome, a run of slots as its count, marks not at all', () => {
    const o = { namespace: 'default', name: 'hello', uid: 'u' };
    const entries: LedgerEntry[] = [
      { type: 'slot', owner: o, scheduledMs: 1, outcome: 'Created', jobName: 'hello-1', decidedMs: 9 },
      { type: 'slot', owner: o, scheduledMs: 5, firstMs: 2, count: 4, outcome: 'NotDispatched', decidedMs: 9 },
      { type: 'slot', owner: o, scheduledMs: 6, outcome: 'Created', jobName: 'hello-6', decidedMs: 9 },
      { type: 'mark', owner: o, atMs: 7, suspended: true },
    ];
    expect(slotsRecordedEvents(entries, 9)).toEqual([
      { type: 'slots', namespace: 'default', cronJob: 'hello', outcome: 'Created', count: 2, atMs: 9 },
      { type: 'slots', namespace: 'default', cronJob: 'hello', outcome: 'NotDispatched', count: 4, atMs: 9 },
    ]);
  });
});

describe('MetricTotals', () => {
  it('counts slots and finished Jobs, and fills the skew and run-time histograms cumulatively', () => {
    const totals = new MetricTotals();
    totals.record({ type: 'slots', namespace: 'default', cronJob: 'hello', outcome: 'Created', count: 1, atMs: 0 });
    totals.record({ type: 'slots', namespace: 'default', cronJob: 'hello', outcome: 'Created', count: 2, atMs: 0 });
    totals.record({ type: 'jobScheduled', namespace: 'default', cronJob: 'hello', job: 'a', skewSeconds: 2, atMs: 0 });
    totals.record({ type: 'jobScheduled', namespace: 'default', cronJob: 'hello', job: 'b', skewSeconds: 90, atMs: 0 });
    totals.record({
      type: 'jobFinished',
      namespace: 'default',
      job: 'a',
      cronJob: 'hello',
      condition: 'Complete',
      durationSeconds: 4,
      atMs: 0,
    });
    totals.record({ type: 'jobFinished', namespace: 'default', job: 'pi', condition: 'Failed', atMs: 0 });
    const families = totals.families();
    expect(samples(families, 'jobctl_cronjob_slots_total')).toEqual([
      'namespace=default,cronjob=hello,outcome=Created 3',
    ]);
    expect(samples(families, 'jobctl_jobs_finished_total')).toEqual([
      'namespace=default,condition=Failed 1',
      'namespace=default,cronjob=hello,condition=Complete 1',
    ]);
    const skew = families.find((f) => f.name === 'jobctl_cronjob_schedule_skew_seconds');
    expect(skew).toMatchObject({ type: 'histogram', buckets: SKEW_BUCKETS_SECONDS });
    expect(skew?.type === 'histogram' && skew.series).toEqual([
      {
        labels: { namespace: 'default', cronjob: 'hello' },
        // 1, 2, 5, 10, 15, 30, 60, 120, …: 2 s in every bucket from le=2, 90 s from le=120.
        cumulativeCounts: SKEW_BUCKETS_SECONDS.map((le) => (le >= 120 ? 2 : le >= 2 ? 1 : 0)),
        sum: 92,
        count: 2,
      },
    ]);
    const duration = families.find((f) => f.name === 'jobctl_job_run_duration_seconds');
    expect(duration?.type === 'histogram' && duration.series.map((x) => [x.labels, x.count, x.sum])).toEqual([
      [{ namespace: 'default', cronjob: 'hello', condition: 'Complete' }, 1, 4],
    ]);
    expect(duration).toMatchObject({ buckets: RUN_DURATION_BUCKETS_SECONDS });
  });

  it('never goes down: what it served before is a snapshot, not a view', () => {
    const totals = new MetricTotals();
    totals.record({ type: 'slots', namespace: 'default', cronJob: 'hello', outcome: 'Created', count: 1, atMs: 0 });
    const before = totals.families();
    totals.record({ type: 'slots', namespace: 'default', cronJob: 'hello', outcome: 'Created', count: 1, atMs: 0 });
    expect(samples(before, 'jobctl_cronjob_slots_total')).toEqual([
      'namespace=default,cronjob=hello,outcome=Created 1',
    ]);
    expect(samples(totals.families(), 'jobctl_cronjob_slots_total')).toEqual([
      'namespace=default,cronjob=hello,outcome=Created 2',
    ]);
  });
});
