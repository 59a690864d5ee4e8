import { describe, expect, it } from 'vitest';
import { assertJobUpdatable } from '../../../src/engine/job-updates.ts';
import { ValidationErrors } from '../../../src/errors.ts';
import { loadManifests } from '../../../src/spec/index.ts';
import type { Job } from '../../../src/spec/types.ts';
import { baseJob, edit } from './helpers.ts';

const withManagedBy = (value: string): string =>
  edit(baseJob, ['  parallelism: 1', `  parallelism: 1\n  managedBy: ${value}`]);

function loadJob(text: string): Job {
  return loadManifests(text, 'job.yaml').objects[0] as Job;
}

// Kubernetes (pkg/apis/batch/validation/validation.go validateJobSpec / ValidateJobSpecUpdate): any domain-prefixed
// path, immutable. jobctl runs only its own Job controller, so only `kubernetes.io/job-controller` (or none) loads.
describe('managedBy validation', () => {
  it('accepts managedBy kubernetes.io/job-controller and keeps it on the Job', () => {
    expect(loadJob(withManagedBy('kubernetes.io/job-controller')).spec.managedBy).toBe('kubernetes.io/job-controller');
  });

  it('accepts a Job without managedBy', () => {
    expect(loadJob(baseJob).spec.managedBy).toBeUndefined();
  });

  it('refuses another controller naming the file, line and field, saying no other controller runs here', () => {
    let errors: { file: string; line: number | undefined; path: string; detail: string }[] = [];
    try {
      loadManifests(withManagedBy('example.com/mine'), 'job.yaml');
    } catch (error) {
      if (!(error instanceof ValidationErrors)) throw error;
      errors = error.errors.map((e) => ({ file: e.file, line: e.line, path: e.path, detail: e.detail }));
    }
    expect(errors).toEqual([
      {
        file: 'job.yaml',
        line: 8,
        path: 'spec.managedBy',
        detail:
          'Unsupported value: "example.com/mine": supported values: "kubernetes.io/job-controller": no other Job ' +
          "controller runs here; jobctl's own Job controller manages every Job",
      },
    ]);
  });

  it('is immutable, as upstream: setting it on an existing Job is refused', () => {
    const existing = loadJob(baseJob);
    const next = loadJob(withManagedBy('kubernetes.io/job-controller'));
    expect(() => assertJobUpdatable(existing, next)).toThrow(/field is immutable/);
    expect(() => assertJobUpdatable(next, loadJob(withManagedBy('kubernetes.io/job-controller')))).not.toThrow();
  });
});
