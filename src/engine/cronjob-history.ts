import type { CronJob, Job } from '../spec/types.ts';
import { finishedCondition, fromRfc3339 } from './object-meta.ts';

/**
 * Kubernetes `byJobStartTime` (`pkg/controller/cronjob/utils.go`): oldest `status.startTime` first, Jobs without a
 * start time after all that have one, ties (including two missing start times) broken by name.
 *
 * @example
 * jobs.toSorted(compareByStartTime); // the first ones are the first to go
 */
export function compareByStartTime(a: Job, b: Job): number {
  const aStart = a.status.startTime;
  const bStart = b.status.startTime;
  if (aStart === undefined && bStart !== undefined) return 1;
  if (aStart !== undefined && bStart === undefined) return -1;
  const byTime = aStart === undefined || bStart === undefined ? 0 : fromRfc3339(aStart) - fromRfc3339(bStart);
  if (byTime !== 0) return byTime;
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/**
 * Kubernetes `cleanupFinishedJobs` / `removeOldestJobs` (`cronjob_controllerv2.go`): the finished child Jobs beyond
 * `successfulJobsHistoryLimit` (Complete=True) and `failedJobsHistoryLimit` (Failed=True), oldest first — the
 * successful ones, then the failed ones, in the order Kubernetes deletes them. Running Jobs are never returned;
 * a limit of 0 returns every finished Job of that kind.
 *
 * The controller runs this at the start of every sync, before the suspend and schedule checks, so history is trimmed
 * even while suspended or while creating Jobs fails (upstream TestControllerV2CleanupFinishedJobs: "jobs are still
 * deleted when a cronjob can't create jobs due to jobs quota being reached").
 */
export function jobsBeyondHistoryLimits(cronJob: CronJob, jobs: readonly Job[]): Job[] {
  const successful: Job[] = [];
  const failed: Job[] = [];
  for (const job of jobs) {
    const condition = finishedCondition(job);
    if (condition === 'Complete') successful.push(job);
    else if (condition === 'Failed') failed.push(job);
  }
  return [
    ...oldestBeyond(successful, cronJob.spec.successfulJobsHistoryLimit),
    ...oldestBeyond(failed, cronJob.spec.failedJobsHistoryLimit),
  ];
}

function oldestBeyond(jobs: Job[], limit: number): Job[] {
  const excess = jobs.length - limit;
  if (excess <= 0) return [];
  return [...jobs].sort(compareByStartTime).slice(0, excess);
}
