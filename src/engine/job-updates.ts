import { isDeepStrictEqual } from 'node:util';
import { JobctlError } from '../errors.ts';
import type { Job, JobSpec } from '../spec/types.ts';

/** Job spec fields Kubernetes lets an update change; the rest (template, completions, …) are immutable. */
export const MUTABLE_JOB_FIELDS = [
  'parallelism',
  'suspend',
  'activeDeadlineSeconds',
  'ttlSecondsAfterFinished',
  'podReplacementPolicy',
] as const satisfies ReadonlyArray<keyof JobSpec>;

/** Throws the API server's message when `next` changes an immutable field of `existing`. */
export function assertJobUpdatable(existing: Job, next: Job): void {
  const strip = (spec: JobSpec) => {
    const copy: Partial<JobSpec> = { ...spec };
    for (const field of MUTABLE_JOB_FIELDS) delete copy[field];
    return copy;
  };
  if (!isDeepStrictEqual(strip(existing.spec), strip(next.spec))) {
    throw new JobctlError(
      'Validation',
      `The Job "${next.metadata.name}" is invalid: spec: field is immutable except ${MUTABLE_JOB_FIELDS.join(', ')}; ` +
        `delete the Job and create it again`,
    );
  }
}
