/**
 * Metrics (issue 14): what the controllers report as it happens ({@link MetricEvent}), and the metric families an
 * exposition renders ({@link MetricFamily}). Shared by the engine (which computes them: src/engine/metrics.ts), the
 * `MetricsSink` port (src/ports/metrics.ts) and its adapters: CloudWatch embedded metric format lines on AWS,
 * Prometheus text locally.
 */
import type { SlotOutcome } from './slots.ts';

/** `count` slots of a CronJob whose outcome became final were written to the slot ledger with `outcome`. */
export interface SlotsRecorded {
  type: 'slots';
  namespace: string;
  cronJob: string;
  outcome: SlotOutcome;
  count: number;
  /** When they were recorded (epoch ms). */
  atMs: number;
}

/**
 * The CronJob controller created a Job for a scheduled time and the CronJob's status lists it: how late, in whole
 * seconds (`metadata.creationTimestamp` − the `batch.kubernetes.io/cronjob-scheduled-timestamp` annotation).
 */
export interface JobScheduled {
  type: 'jobScheduled';
  namespace: string;
  cronJob: string;
  job: string;
  skewSeconds: number;
  atMs: number;
}

/**
 * A Job finished (its status write that added `Complete` or `Failed` stuck): how, and for how long it ran when it
 * started (`status.startTime` to `completionTime`, or to the `Failed` condition's transition). `cronJob` when a
 * CronJob controls it.
 */
export interface JobFinished {
  type: 'jobFinished';
  namespace: string;
  job: string;
  cronJob?: string;
  condition: 'Complete' | 'Failed';
  durationSeconds?: number;
  atMs: number;
}

/** One thing worth counting, reported once when it happens (not recomputed per scrape). */
export type MetricEvent = SlotsRecorded | JobScheduled | JobFinished;

/** Label names to values, in the order they are rendered. */
export type MetricLabels = Readonly<Record<string, string>>;

/** One sample of a gauge or counter. */
export interface MetricSample {
  labels: MetricLabels;
  value: number;
}

/** One labelled series of a histogram: per upper bound, how many observations were at most that (cumulative). */
export interface HistogramSeries {
  labels: MetricLabels;
  /** Same length as the family's `buckets`; the `+Inf` bucket is `count`. */
  cumulativeCounts: readonly number[];
  sum: number;
  count: number;
}

/** A metric family as Prometheus' text format 0.0.4 has it: one name, one help text, one type. */
export type MetricFamily =
  | { name: string; help: string; type: 'gauge' | 'counter'; samples: readonly MetricSample[] }
  | {
      name: string;
      help: string;
      type: 'histogram';
      /** Ascending upper bounds (`le`), without `+Inf`. */
      buckets: readonly number[];
      series: readonly HistogramSeries[];
    };
