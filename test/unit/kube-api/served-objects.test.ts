import { describe, expect, it } from 'vitest';
import { served } from '../../../src/kube-api/served-objects.ts';
import { aBatchJob } from '../../support/builders.ts';

describe('served', () => {
  it('serves a Job with status.ready and status.terminating, 0 included, as the API server does', () => {
    const job = aBatchJob({ parallelism: 2, completions: 4, active: 2, ready: 1 });
    const status = { ...job.status, terminating: 0 };

    expect(served({ ...job, status })['status']).toEqual({ active: 2, ready: 1, terminating: 0 });
  });
});
