import { createHash } from 'node:crypto';
import type { Job, JobCondition, JobConditionType } from '../spec/types.ts';

/**
 * A UUID-shaped uid derived from a seed. Controllers name what they create deterministically (`<cronjob>-<unix
 * minutes>`), so the uid is derived too: a duplicate dispatch builds a byte-identical Job, and a status reference
 * written before the Job itself (or after a crash) still points at the right object.
 */
export function deterministicUid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return (
    `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}` +
    `-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`
  );
}

export function findCondition(job: Job, type: JobConditionType): JobCondition | undefined {
  return job.status.conditions.find((c) => c.type === type && c.status === 'True');
}

/**
 * The terminal condition of a finished Job (`Complete` or `Failed` with status True), as the CronJob controller reads
 * it.
 */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  if (findCondition(job, 'Complete')) return 'Complete';
  if (findCondition(job, 'Failed')) return 'Failed';
  return undefined;
}

export function isJobFinished(job: Job): boolean {
  return finishedCondition(job) !== undefined;
}

/** RFC 3339 in UTC with second precision, the form Kubernetes serves (`2016-05-19T10:00:00Z`). */
export function toRfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function fromRfc3339(value: string): number {
  return Date.parse(value);
}
