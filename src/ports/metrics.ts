import type { MetricEvent } from '../spec/metrics.ts';

export type { JobFinished, JobScheduled, MetricEvent, SlotsRecorded } from '../spec/metrics.ts';

/**
 * Where the controllers report what happened, as it happens: a slot's outcome written to the ledger, a CronJob's Job
 * created (its schedule skew), a Job finished (its run time). On AWS one CloudWatch embedded-metric-format line per
 * event on stdout (src/adapters/cloudwatch/emf-metrics.ts: no API call, so no permission); locally the in-memory
 * totals `jobctl up` serves on `GET /metrics` (src/engine/metrics.ts `MetricTotals`).
 *
 * Best effort: synchronous, and a sink that throws never fails the sync that reported (controllers/deps.ts
 * `reportMetrics`). Delivery is at least once on AWS's side and at most once here: a crash between the write and the
 * report loses that event.
 */
export interface MetricsSink {
  record(event: MetricEvent): void;
}
