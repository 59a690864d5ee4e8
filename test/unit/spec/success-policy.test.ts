import { describe, expect, it } from 'vitest';
import { ValidationErrors } from '../../../src/errors.ts';
import { loadManifests } from '../../../src/spec/index.ts';
import type { Job } from '../../../src/spec/types.ts';
import { baseJob, edit } from './helpers.ts';

/** `baseJob` made Indexed, completions 5, with `policy` (YAML lines under `successPolicy:`, indented 4) at line 10. */
function withPolicy(policy: string, mode = 'Indexed'): string {
  return edit(baseJob, [
    '  parallelism: 1',
    `  parallelism: 1\n  completions: 5\n  completionMode: ${mode}\n  successPolicy:\n${policy}`,
  ]);
}

/** The errors as a user sees them: file, line, field and message. */
function errorsOf(text: string): { file: string; line: number | undefined; path: string; detail: string }[] {
  try {
    loadManifests(text, 'job.yaml');
    return [];
  } catch (error) {
    if (!(error instanceof ValidationErrors)) throw error;
    return error.errors.map((e) => ({ file: e.file, line: e.line, path: e.path, detail: e.detail }));
  }
}

const rules = 'spec.successPolicy.rules';

// Kubernetes' rules (pkg/apis/batch/validation/validation.go: validateJobSpec, validateSuccessPolicy,
// validateSuccessPolicyRule, validateIndexesFormat), in its words, each at the file line of the field.
describe('successPolicy validation', () => {
  it('loads rules with succeededIndexes and succeededCount and keeps them on the Job', () => {
    const text = withPolicy(
      '    rules:\n    - succeededIndexes: "0,2-4"\n      succeededCount: 2\n    - succeededCount: 5\n',
    );
    const { objects } = loadManifests(text, 'job.yaml');
    expect((objects[0] as Job | undefined)?.spec.successPolicy).toEqual({
      rules: [{ succeededIndexes: '0,2-4', succeededCount: 2 }, { succeededCount: 5 }],
    });
  });

  it.each([
    {
      name: 'a NonIndexed Job',
      text: withPolicy('    rules:\n    - succeededCount: 1\n', 'NonIndexed'),
      expected: [
        { path: 'spec.successPolicy', line: 10, detail: /^Invalid value: .*: requires indexed completion mode$/ },
      ],
    },
    {
      name: 'no rules',
      text: withPolicy('    rules: []\n'),
      expected: [
        {
          path: rules,
          line: 11,
          detail: 'Required value: at least one rules must be specified when the successPolicy is specified',
        },
      ],
    },
    {
      name: 'more than 20 rules',
      text: withPolicy(`    rules:\n${'    - succeededCount: 1\n'.repeat(21)}`),
      expected: [{ path: rules, line: 11, detail: 'Too many: 21: must have at most 20 items' }],
    },
    {
      name: 'a rule with neither field',
      text: withPolicy('    rules:\n    - {}\n'),
      expected: [
        {
          path: `${rules}[0]`,
          line: 12,
          detail: 'Required value: at least one of succeededCount or succeededIndexes must be specified',
        },
      ],
    },
    {
      name: 'succeededIndexes beyond completions',
      text: withPolicy('    rules:\n    - succeededIndexes: "0-5"\n'),
      expected: [
        {
          path: `${rules}[0].succeededIndexes`,
          line: 12,
          detail: 'Invalid value: "0-5": error parsing succeededIndexes: too large index: "5"',
        },
      ],
    },
    {
      name: 'succeededIndexes out of order',
      text: withPolicy('    rules:\n    - succeededIndexes: "3,1"\n'),
      expected: [
        {
          path: `${rules}[0].succeededIndexes`,
          line: 12,
          detail: 'Invalid value: "3,1": error parsing succeededIndexes: non-increasing order, previous: 3, current: 1',
        },
      ],
    },
    {
      name: 'succeededIndexes that is not a number',
      text: withPolicy('    rules:\n    - succeededIndexes: "a"\n'),
      expected: [
        {
          path: `${rules}[0].succeededIndexes`,
          line: 12,
          detail: 'Invalid value: "a": error parsing succeededIndexes: cannot convert string to integer for index: "a"',
        },
      ],
    },
    {
      name: 'succeededIndexes with three parts',
      text: withPolicy('    rules:\n    - succeededIndexes: "1-2-3"\n'),
      expected: [
        {
          path: `${rules}[0].succeededIndexes`,
          line: 12,
          detail:
            'Invalid value: "1-2-3": error parsing succeededIndexes: the fragment "1-2-3" violates the requirement ' +
            "that an index interval can have at most two parts separated by '-'",
        },
      ],
    },
    {
      name: 'a negative succeededCount',
      text: withPolicy('    rules:\n    - succeededCount: -1\n'),
      expected: [
        {
          path: `${rules}[0].succeededCount`,
          line: 12,
          detail: 'Invalid value: -1: must be greater than or equal to 0',
        },
      ],
    },
    {
      name: 'succeededCount above completions',
      text: withPolicy('    rules:\n    - succeededCount: 6\n'),
      expected: [
        {
          path: `${rules}[0].succeededCount`,
          line: 12,
          detail: 'Invalid value: 6: must be less than or equal to 5 (the number of specified completions)',
        },
      ],
    },
    {
      name: 'succeededCount above the size of succeededIndexes',
      text: withPolicy('    rules:\n    - succeededIndexes: "0,2"\n      succeededCount: 3\n'),
      expected: [
        {
          path: `${rules}[0].succeededCount`,
          line: 13,
          detail:
            'Invalid value: 3: must be less than or equal to 2 (the number of indexes in the specified ' +
            'succeededIndexes field)',
        },
      ],
    },
  ])('refuses $name, naming file, line and field', ({ text, expected }) => {
    const errors = errorsOf(text);
    expect(errors).toEqual(
      expected.map((e) => ({
        file: 'job.yaml',
        line: e.line,
        path: e.path,
        detail: typeof e.detail === 'string' ? e.detail : expect.stringMatching(e.detail),
      })),
    );
  });
});
