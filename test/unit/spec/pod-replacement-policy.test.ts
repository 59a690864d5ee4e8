import { describe, expect, it } from 'vitest';
import { assertJobUpdatable } from '../../../src/engine/job-updates.ts';
import { ValidationErrors } from '../../../src/errors.ts';
import { loadManifests } from '../../../src/spec/index.ts';
import type { Job } from '../../../src/spec/types.ts';
import { baseJob, edit } from './helpers.ts';

/** `baseJob` with restartPolicy Never, `podReplacementPolicy` at line 8, and optionally a podFailurePolicy. */
function withPolicy(value: string, podFailurePolicy = false): string {
  const pfp = podFailurePolicy ? '\n  podFailurePolicy:\n    rules: []' : '';
  return edit(
    baseJob,
    ['  parallelism: 1', `  parallelism: 1\n  podReplacementPolicy: ${value}${pfp}`],
    ['restartPolicy: OnFailure', 'restartPolicy: Never'],
  );
}

function errorsOf(text: string): { file: string; line: number | undefined; path: string; detail: string }[] {
  try {
    loadManifests(text, 'job.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof ValidationErrors)) throw error;
    return error.errors.map((e) => ({ file: e.file, line: e.line, path: e.path, detail: e.detail }));
  }
}

const loadJob = (text: string): Job => loadManifests(text, 'job.yaml').objects[0] as Job;

// Kubernetes' rule (pkg/apis/batch/validation/validation.go validatePodReplacementPolicy), in its words.
describe('podReplacementPolicy validation', () => {
  it.each(['Failed', 'TerminatingOrFailed'])('loads %s and keeps it on the Job', (value) => {
    expect(loadJob(withPolicy(value)).spec.podReplacementPolicy).toBe(value);
  });

  it('refuses another value naming file, line and field', () => {
    expect(errorsOf(withPolicy('Never'))).toEqual([
      {
        file: 'job.yaml',
        line: 8,
        path: 'spec.podReplacementPolicy',
        detail: 'Unsupported value: "Never": supported values: "Failed", "TerminatingOrFailed"',
      },
    ]);
  });

  it('accepts only Failed with a podFailurePolicy', () => {
    expect(loadJob(withPolicy('Failed', true)).spec.podReplacementPolicy).toBe('Failed');
    expect(errorsOf(withPolicy('TerminatingOrFailed', true))).toEqual([
      {
        file: 'job.yaml',
        line: 8,
        path: 'spec.podReplacementPolicy',
        detail: 'Unsupported value: "TerminatingOrFailed": supported values: "Failed"',
      },
    ]);
  });

  it('may be changed on an existing Job, as upstream (not among the immutable fields)', () => {
    expect(() =>
      assertJobUpdatable(loadJob(withPolicy('TerminatingOrFailed')), loadJob(withPolicy('Failed'))),
    ).not.toThrow();
  });
});
