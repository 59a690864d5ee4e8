import type { LedgerEntry } from '../spec/slots.ts';
import type {
  HistogramSeries,
  JobFinished,
  JobScheduled,
  MetricEvent,
  MetricFamily,
  MetricLabels,
  MetricSample,
  SlotsRecorded,
} from '../spec/metrics.ts';
import { wellKnown, type CronJob, type Job } from '../spec/types.ts';
import { finishedCondition, fromRfc3339 } from './object-meta.ts';
import { scheduleOf } from './slot-ledger.ts';

/**
 * jobctl's metrics (issue 14), pure. Two kinds, for two reasons:
 *
 * - **State**, recomputed at every scrape from the CronJobs and Jobs as stored ({@link stateMetrics}): gauges with
 *   kube-state-metrics' names, labels and help texts (`kube_cronjob_*`, `kube_job_*`), so its dashboards and alerts
 *   work on `jobctl up`.
 * - **Events**, counted once when they happen ({@link MetricTotals}, fed by the controllers through the
 *   `MetricsSink` port): `jobctl_cronjob_slots_total`, `jobctl_jobs_finished_total` and the skew and run-time
 *   histograms. Counters and histogram buckets must only go up (Prometheus reads a decrease as a restart and counts
 *   the whole new value again); counted from stored state they would fall each time a ledger entry expires (30 days)
 *   or a Job is removed by the CronJob's history limits, so they are counted from events, as on AWS (CloudWatch EMF),
 *   and start at zero with the runtime.
 */

/**
 * Upper bounds of `jobctl_cronjob_schedule_skew_seconds`. Skew has whole-second resolution (`creationTimestamp`):
 * 1–5 s is the normal case (a timer waking locally; Scheduler's delivery and a Lambda cold start on AWS); 15 s is
 * where the slot ledger starts recording `lateMs`; 60 s is the AWS alarm's p90 threshold (an exact bound, so a
 * quantile there is exact); 2 min to 1 h are catch-up runs after downtime or a Forbid wait, started late within
 * `startingDeadlineSeconds`.
 */
export const SKEW_BUCKETS_SECONDS: readonly number[] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * Upper bounds of `jobctl_job_run_duration_seconds`: whole seconds, from the seed's `hello` (about a second) through
 * a minute (Fargate bills at least one), the common `activeDeadlineSeconds` of an hour, to a day.
 */
export const RUN_DURATION_BUCKETS_SECONDS: readonly number[] = [
  1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400,
];

const seconds = (rfc3339: string | undefined): number | undefined =>
  rfc3339 === undefined ? undefined : Math.floor(fromRfc3339(rfc3339) / 1000);

/** The CronJob controlling a Job, by `ownerReferences[].controller`. */
export function controllingCronJob(job: Job): string | undefined {
  return job.metadata.ownerReferences?.find((o) => o.kind === 'CronJob' && o.controller === true)?.name;
}

// ---------------------------------------------------------------------------------------------------------------------
// State: kube-state-metrics' families

interface Family {
  name: string;
  help: string;
  samples: MetricSample[];
}

/** kube-state-metrics' failure reasons that get a series of their own (`internal/store/job.go`). */
const JOB_FAILURE_REASONS = ['BackoffLimitExceeded', 'DeadlineExceeded', 'Evicted'] as const;

/**
 * The CronJob and Job gauges kube-state-metrics exports, as it computes them (`internal/store/cronjob.go`, `job.go`):
 * its names, label names (`namespace` then `cronjob` or `job_name`) and help texts; times in seconds since the epoch;
 * families without a sample are kept (their HELP and TYPE still say what would be there).
 *
 * `kube_cronjob_next_schedule_time` keeps kube-state-metrics' meaning, "the time after lastScheduleTime, or after the
 * cron job's creation time ... use this to determine if the job is delayed", computed with the controller's own
 * schedule (its zone, a `TZ=` prefix, DST as robfig): while the controller is on time it is the run `get -o wide`
 * shows next; a slot that is due and not started (a Forbid wait, a runtime that was down) leaves it in the past, which
 * is what `time() - kube_cronjob_next_schedule_time > 0` alerts on. Not exported while suspended, as theirs.
 */
export function stateMetrics(input: { cronJobs: readonly CronJob[]; jobs: readonly Job[] }): MetricFamily[] {
  const family = (name: string, help: string): Family => ({ name, help, samples: [] });
  const cj = {
    created: family('kube_cronjob_created', 'Unix creation timestamp'),
    next: family(
      'kube_cronjob_next_schedule_time',
      "Next time the cronjob should be scheduled. The time after lastScheduleTime, or after the cron job's creation " +
        "time if it's never been scheduled. Use this to determine if the job is delayed.",
    ),
    active: family('kube_cronjob_status_active', 'Active holds pointers to currently running jobs.'),
    lastSchedule: family(
      'kube_cronjob_status_last_schedule_time',
      'LastScheduleTime keeps information of when was the last time the job was successfully scheduled.',
    ),
    lastSuccessful: family(
      'kube_cronjob_status_last_successful_time',
      'LastSuccessfulTime keeps information of when was the last time the job was completed successfully.',
    ),
    suspend: family('kube_cronjob_spec_suspend', 'Suspend flag tells the controller to suspend subsequent executions.'),
  };
  for (const cronJob of sortedByName(input.cronJobs)) {
    const labels = { namespace: cronJob.metadata.namespace, cronjob: cronJob.metadata.name };
    const add = (f: Family, value: number | undefined) => {
      if (value !== undefined) f.samples.push({ labels, value });
    };
    add(cj.created, seconds(cronJob.metadata.creationTimestamp));
    add(cj.next, nextScheduleSeconds(cronJob));
    add(cj.active, cronJob.status.active.length);
    add(cj.lastSchedule, seconds(cronJob.status.lastScheduleTime));
    add(cj.lastSuccessful, seconds(cronJob.status.lastSuccessfulTime));
    add(cj.suspend, cronJob.spec.suspend ? 1 : 0);
  }

  const job = {
    owner: family('kube_job_owner', "Information about the Job's owner."),
    created: family('kube_job_created', 'Unix creation timestamp'),
    active: family('kube_job_status_active', 'The number of actively running pods.'),
    succeeded: family('kube_job_status_succeeded', 'The number of pods which reached Phase Succeeded.'),
    failed: family(
      'kube_job_status_failed',
      'The number of pods which reached Phase Failed and the reason for failure.',
    ),
    startTime: family(
      'kube_job_status_start_time',
      'StartTime represents time when the job was acknowledged by the Job Manager.',
    ),
    completionTime: family(
      'kube_job_status_completion_time',
      'CompletionTime represents time when the job was completed.',
    ),
    complete: family('kube_job_complete', 'The job has completed its execution.'),
    failedCondition: family('kube_job_failed', 'The job has failed its execution.'),
  };
  for (const j of sortedByName(input.jobs)) {
    const base = { namespace: j.metadata.namespace, job_name: j.metadata.name };
    const add = (f: Family, value: number | undefined, extra: MetricLabels = {}) => {
      if (value !== undefined) f.samples.push({ labels: { ...base, ...extra }, value });
    };
    const owners = j.metadata.ownerReferences ?? [];
    if (owners.length === 0) add(job.owner, 1, { owner_kind: '', owner_name: '', owner_is_controller: '' });
    for (const o of owners)
      add(job.owner, 1, { owner_kind: o.kind, owner_name: o.name, owner_is_controller: String(o.controller === true) });
    add(job.created, seconds(j.metadata.creationTimestamp));
    add(job.active, j.status.active);
    add(job.succeeded, j.status.succeeded);
    for (const [labels, value] of failedSeries(j)) add(job.failed, value, labels);
    add(job.startTime, seconds(j.status.startTime));
    add(job.completionTime, seconds(j.status.completionTime));
    for (const c of j.status.conditions) {
      const target = c.type === 'Complete' ? job.complete : c.type === 'Failed' ? job.failedCondition : undefined;
      if (target === undefined) continue;
      for (const status of ['True', 'False', 'Unknown'] as const)
        add(target, c.status === status ? 1 : 0, { condition: status.toLowerCase() });
    }
  }
  return [...Object.values(cj), ...Object.values(job)].map((f) => ({ ...f, type: 'gauge' as const }));
}

/**
 * kube-state-metrics' `kube_job_status_failed`: no failed pod, one series without `reason`; a `Failed` condition, one
 * series per known reason (1 for the condition's, 0 for the others); a failure with no known reason, `reason=""`
 * with the count of failed pods.
 */
function failedSeries(job: Job): Array<[MetricLabels, number]> {
  if (job.status.failed === 0) return [[{}, 0]];
  const series: Array<[MetricLabels, number]> = [];
  let reasonKnown = false;
  for (const c of job.status.conditions) {
    if (c.type !== 'Failed') continue;
    for (const reason of JOB_FAILURE_REASONS) {
      reasonKnown ||= c.reason === reason;
      series.push([{ reason }, c.reason === reason ? 1 : 0]);
    }
  }
  if (!reasonKnown) series.push([{ reason: '' }, job.status.failed]);
  return series;
}

/** kube-state-metrics' next schedule time (see {@link stateMetrics}), in the controller's schedule; seconds. */
function nextScheduleSeconds(cronJob: CronJob): number | undefined {
  if (cronJob.spec.suspend) return undefined;
  const fromMs = fromRfc3339(cronJob.status.lastScheduleTime ?? cronJob.metadata.creationTimestamp ?? '');
  if (Number.isNaN(fromMs)) return undefined;
  const nextMs = scheduleOf(cronJob)?.next(fromMs);
  return nextMs === undefined ? undefined : Math.floor(nextMs / 1000);
}

function sortedByName<T extends CronJob | Job>(objects: readonly T[]): T[] {
  const key = (o: T) => `${o.metadata.namespace}/${o.metadata.name}`;
  return [...objects].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------------------------------
// Events: what the controllers report

/**
 * The event for a CronJob's Job the controller created and admitted: its skew, `creationTimestamp` minus the
 * scheduled time it carries (whole seconds, never below 0). Undefined for a Job without the annotation or owner.
 */
export function jobScheduledEvent(job: Job, atMs: number): JobScheduled | undefined {
  const scheduled = job.metadata.annotations?.[wellKnown.cronJobScheduledTimestamp];
  const cronJob = controllingCronJob(job);
  const createdS = seconds(job.metadata.creationTimestamp);
  const scheduledS = seconds(scheduled);
  if (cronJob === undefined || createdS === undefined || scheduledS === undefined || Number.isNaN(scheduledS))
    return undefined;
  const { namespace, name } = job.metadata;
  return { type: 'jobScheduled', namespace, cronJob, job: name, skewSeconds: Math.max(0, createdS - scheduledS), atMs };
}

/**
 * The event for a Job whose status write made it finished (`before` was not, `after` is): its terminal condition and,
 * when it started, how long it ran: to `completionTime` (set on success), else to the `Failed` condition's
 * `lastTransitionTime` (Kubernetes sets no completionTime on failure).
 */
export function jobFinishedEvent(before: Job, after: Job, atMs: number): JobFinished | undefined {
  const condition = finishedCondition(after);
  if (condition === undefined || finishedCondition(before) !== undefined) return undefined;
  const startS = seconds(after.status.startTime);
  const endS = seconds(
    after.status.completionTime ??
      after.status.conditions.find((c) => c.type === condition && c.status === 'True')?.lastTransitionTime,
  );
  const cronJob = controllingCronJob(after);
  return {
    type: 'jobFinished',
    namespace: after.metadata.namespace,
    job: after.metadata.name,
    ...(cronJob === undefined ? {} : { cronJob }),
    condition,
    ...(startS === undefined || endS === undefined ? {} : { durationSeconds: Math.max(0, endS - startS) }),
    atMs,
  };
}

/** The events for ledger entries just written: per CronJob and outcome, how many slots (a run counts `count`). */
export function slotsRecordedEvents(entries: readonly LedgerEntry[], atMs: number): SlotsRecorded[] {
  const byKey = new Map<string, SlotsRecorded>();
  for (const entry of entries) {
    if (entry.type !== 'slot') continue;
    const { namespace, name } = entry.owner;
    const key = `${namespace}/${name}/${entry.outcome}`;
    const event = byKey.get(key) ?? { type: 'slots', namespace, cronJob: name, outcome: entry.outcome, count: 0, atMs };
    event.count += entry.count ?? 1;
    byKey.set(key, event);
  }
  return [...byKey.values()];
}

/**
 * Counters and histograms of the events seen since this object was made (the runtime's start): what `jobctl up`
 * serves besides {@link stateMetrics}. Its `record` makes it a `MetricsSink`.
 */
export class MetricTotals {
  private readonly slots = new Map<string, { labels: MetricLabels; value: number }>();
  private readonly finished = new Map<string, { labels: MetricLabels; value: number }>();
  private readonly skew = new Map<string, Observations>();
  private readonly duration = new Map<string, Observations>();

  record(event: MetricEvent): void {
    switch (event.type) {
      case 'slots':
        count(this.slots, { namespace: event.namespace, cronjob: event.cronJob, outcome: event.outcome }, event.count);
        return;
      case 'jobScheduled':
        observe(
          this.skew,
          SKEW_BUCKETS_SECONDS,
          { namespace: event.namespace, cronjob: event.cronJob },
          event.skewSeconds,
        );
        return;
      case 'jobFinished': {
        const owner: MetricLabels = event.cronJob === undefined ? {} : { cronjob: event.cronJob };
        const labels: MetricLabels = { namespace: event.namespace, ...owner, condition: event.condition };
        count(this.finished, labels, 1);
        if (event.durationSeconds !== undefined)
          observe(this.duration, RUN_DURATION_BUCKETS_SECONDS, labels, event.durationSeconds);
        return;
      }
    }
  }

  families(): MetricFamily[] {
    return [
      {
        name: 'jobctl_cronjob_slots_total',
        help:
          'Scheduled times of a CronJob whose outcome (Created, Suspended, ForbidActive, DeadlinePassed, ' +
          'NotDispatched) the controller recorded in the slot ledger since this runtime started.',
        type: 'counter',
        samples: sortedSeries(this.slots),
      },
      {
        name: 'jobctl_jobs_finished_total',
        help: 'Jobs that finished (condition Complete or Failed) since this runtime started.',
        type: 'counter',
        samples: sortedSeries(this.finished),
      },
      {
        name: 'jobctl_cronjob_schedule_skew_seconds',
        help:
          "How late a CronJob's Job was created after its scheduled time (creationTimestamp minus the " +
          'batch.kubernetes.io/cronjob-scheduled-timestamp annotation), for Jobs created since this runtime started.',
        type: 'histogram',
        buckets: SKEW_BUCKETS_SECONDS,
        series: sortedSeries(this.skew).map(histogramSeries),
      },
      {
        name: 'jobctl_job_run_duration_seconds',
        help:
          'How long a finished Job ran: startTime to completionTime, or to its Failed condition, for Jobs that ' +
          'finished since this runtime started.',
        type: 'histogram',
        buckets: RUN_DURATION_BUCKETS_SECONDS,
        series: sortedSeries(this.duration).map(histogramSeries),
      },
    ];
  }
}

interface Observations {
  labels: MetricLabels;
  cumulativeCounts: number[];
  sum: number;
  count: number;
}

const seriesKey = (labels: MetricLabels) => JSON.stringify(Object.entries(labels));

function count(map: Map<string, { labels: MetricLabels; value: number }>, labels: MetricLabels, by: number): void {
  const key = seriesKey(labels);
  const series = map.get(key) ?? { labels, value: 0 };
  series.value += by;
  map.set(key, series);
}

function observe(
  map: Map<string, Observations>,
  buckets: readonly number[],
  labels: MetricLabels,
  value: number,
): void {
  const key = seriesKey(labels);
  const series = map.get(key) ?? { labels, cumulativeCounts: buckets.map(() => 0), sum: 0, count: 0 };
  buckets.forEach((le, i) => {
    if (value <= le) series.cumulativeCounts[i]!++;
  });
  series.sum += value;
  series.count++;
  map.set(key, series);
}

function histogramSeries(o: Observations): HistogramSeries {
  return { labels: o.labels, cumulativeCounts: [...o.cumulativeCounts], sum: o.sum, count: o.count };
}

function sortedSeries<T>(map: Map<string, T>): T[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => ({ ...v }));
}
