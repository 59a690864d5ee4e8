import type { MetricEvent, MetricsSink } from '../../ports/metrics.ts';

/**
 * The Lambdas' metrics as CloudWatch embedded metric format (EMF) documents, one JSON line per event on stdout
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification
 * .html).
 * CloudWatch Logs extracts the metrics from the function's log group: no PutMetricData call, so no permission, no
 * client and no latency in the handler ("On Lambda ... writing JSON to standard out in the embedded metric format is
 * sufficient"; the timestamp and request id Lambda puts before it are allowed).
 *
 * Every metric is in namespace `jobctl`, published twice: per CronJob (dimensions `Namespace`, `CronJob`; a Job no
 * CronJob controls: `Namespace`) and for the whole stack (no dimension, or `Outcome` alone for `Slots`), which is what
 * the construct's alarms watch (infra/observability.ts): an alarm must name its dimensions at synth time, and
 * CronJobs created with `jobctl apply` are not known then. Each dimension set is a custom metric (billed monthly).
 */

/** The namespace of jobctl's metrics in CloudWatch. */
export const EMF_NAMESPACE = 'jobctl';

/** Metric names, as the dashboard and alarms read them. */
export const EMF_METRIC = {
  /** Count; dimension `Outcome`: slots recorded in the slot ledger with that outcome. */
  slots: 'Slots',
  /** Seconds: a CronJob's Job's creation after its scheduled time. */
  scheduleSkew: 'ScheduleSkew',
  /** Seconds: a finished Job's run, start to completion or failure. */
  runDuration: 'RunDuration',
  /** Count, 1 or 0 per finished Job. */
  jobsSucceeded: 'JobsSucceeded',
  /** Count, 1 or 0 per finished Job. */
  jobsFailed: 'JobsFailed',
} as const;

/** Dimension names (members of the document's root). */
export const EMF_DIMENSION = { namespace: 'Namespace', cronJob: 'CronJob', outcome: 'Outcome' } as const;

type Unit = 'Count' | 'Seconds';

/**
 * The EMF document for one event; `Job` and `Condition` ride along as plain members (searchable in Logs Insights,
 * not dimensions).
 *
 * @example
 * emfDocument({ type: 'jobScheduled', namespace: 'default', cronJob: 'hello', job: 'hello-29', skewSeconds: 2,
 *   atMs: 1772445662000 });
 * // { _aws: { Timestamp: 1772445662000, CloudWatchMetrics: [{ Namespace: 'jobctl',
 * //   Dimensions: [['Namespace', 'CronJob'], []], Metrics: [{ Name: 'ScheduleSkew', Unit: 'Seconds' }] }] },
 * //   Namespace: 'default', CronJob: 'hello', Job: 'hello-29', ScheduleSkew: 2 }
 */
export function emfDocument(event: MetricEvent, namespace = EMF_NAMESPACE): Record<string, unknown> {
  const { namespace: ns, cronJob } = event;
  const owner: Record<string, string> = cronJob === undefined ? { Namespace: ns } : { Namespace: ns, CronJob: cronJob };
  const ownerKeys = Object.keys(owner);
  const doc = (dimensions: string[][], metrics: Array<[string, Unit, number]>, members: Record<string, unknown>) => ({
    _aws: {
      Timestamp: Math.round(event.atMs),
      CloudWatchMetrics: [
        { Namespace: namespace, Dimensions: dimensions, Metrics: metrics.map(([Name, Unit]) => ({ Name, Unit })) },
      ],
    },
    ...members,
    ...Object.fromEntries(metrics.map(([name, , value]) => [name, value])),
  });
  switch (event.type) {
    case 'slots':
      return doc(
        [[...ownerKeys, EMF_DIMENSION.outcome], [EMF_DIMENSION.outcome]],
        [[EMF_METRIC.slots, 'Count', event.count]],
        { ...owner, Outcome: event.outcome },
      );
    case 'jobScheduled':
      return doc([ownerKeys, []], [[EMF_METRIC.scheduleSkew, 'Seconds', event.skewSeconds]], {
        ...owner,
        Job: event.job,
      });
    case 'jobFinished': {
      const failed = event.condition === 'Failed';
      return doc(
        [ownerKeys, []],
        [
          ...(event.durationSeconds === undefined
            ? []
            : [[EMF_METRIC.runDuration, 'Seconds', event.durationSeconds] as [string, Unit, number]]),
          [EMF_METRIC.jobsSucceeded, 'Count', failed ? 0 : 1],
          [EMF_METRIC.jobsFailed, 'Count', failed ? 1 : 0],
        ],
        { ...owner, Job: event.job, Condition: event.condition },
      );
    }
  }
}

/**
 * A {@link MetricsSink} writing one EMF line per event.
 *
 * @example
 * new EmfMetricsSink(); // console.log, as the Lambdas log
 * new EmfMetricsSink({ write: (line) => lines.push(line) }); // tests
 */
export class EmfMetricsSink implements MetricsSink {
  private readonly write: (line: string) => void;
  private readonly namespace: string;

  constructor(options: { write?: (line: string) => void; namespace?: string } = {}) {
    this.write = options.write ?? ((line) => console.log(line));
    this.namespace = options.namespace ?? EMF_NAMESPACE;
  }

  record(event: MetricEvent): void {
    this.write(JSON.stringify(emfDocument(event, this.namespace)));
  }
}
