import { describe, expect, it } from 'vitest';
import { loadManifests } from '../../../src/spec/index.ts';
import type { Job } from '../../../src/spec/types.ts';
import { baseJob, edit, loadErrors } from './helpers.ts';

/** `baseJob` with restartPolicy Never and `policy` (YAML lines under `podFailurePolicy:`, indented 4) from line 9. */
function withPolicy(policy: string, restartPolicy = 'Never'): string {
  return edit(
    baseJob,
    ['  parallelism: 1', `  parallelism: 1\n  podFailurePolicy:\n${policy}`],
    ['restartPolicy: OnFailure', `restartPolicy: ${restartPolicy}`],
  );
}

const rules = 'spec.podFailurePolicy.rules';

// Kubernetes' rules (pkg/apis/batch/validation/validation.go: validatePodFailurePolicy, validatePodFailurePolicyRule,
// validatePodFailurePolicyRuleOnExitCodes, validatePodFailurePolicyRuleOnPodConditions), in its words, each at the
// file line of the field; plus jobctl's: a pod condition it cannot observe is refused.
describe('podFailurePolicy validation', () => {
  it('loads a policy with FailJob on exit code 42 and Ignore on DisruptionTarget, and keeps it on the Job', () => {
    const text = withPolicy(
      '    rules:\n' +
        '    - action: FailJob\n      onExitCodes: {containerName: abc, operator: In, values: [42]}\n' +
        '    - action: Ignore\n      onPodConditions: [{type: DisruptionTarget, status: "True"}]\n',
    );
    const { objects } = loadManifests(text, 'job.yaml');
    expect((objects[0] as Job | undefined)?.spec.podFailurePolicy).toEqual({
      rules: [
        { action: 'FailJob', onExitCodes: { containerName: 'abc', operator: 'In', values: [42] } },
        { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      ],
    });
  });

  it.each([
    {
      name: 'restartPolicy OnFailure',
      text: withPolicy('    rules: []\n', 'OnFailure'),
      expected: [
        {
          path: 'spec.template.spec.restartPolicy',
          line: 13,
          detail: 'Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
        },
      ],
    },
    {
      name: 'more than 20 rules',
      text: withPolicy(`    rules:\n${'    - {action: Count, onExitCodes: {operator: In, values: [1]}}\n'.repeat(21)}`),
      expected: [{ path: rules, line: 9, detail: 'Too many: 21: must have at most 20 items' }],
    },
    {
      name: 'an unknown action',
      text: withPolicy('    rules:\n    - action: Retry\n      onExitCodes: {operator: In, values: [1]}\n'),
      expected: [
        {
          path: `${rules}[0].action`,
          line: 10,
          detail: 'Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
        },
      ],
    },
    {
      name: 'FailIndex without backoffLimitPerIndex',
      text: withPolicy('    rules:\n    - action: FailIndex\n      onExitCodes: {operator: In, values: [1]}\n'),
      expected: [
        {
          path: `${rules}[0].action`,
          line: 10,
          detail: 'Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
        },
      ],
    },
    {
      name: 'a rule with both requirements',
      text: withPolicy(
        '    rules:\n    - action: Ignore\n      onExitCodes: {operator: In, values: [1]}\n' +
          '      onPodConditions: [{type: DisruptionTarget, status: "True"}]\n',
      ),
      expected: [
        {
          path: `${rules}[0]`,
          line: 10,
          detail: 'Invalid value: specifying both OnExitCodes and OnPodConditions is not supported',
        },
      ],
    },
    {
      name: 'a rule with neither requirement',
      text: withPolicy('    rules:\n    - action: Ignore\n'),
      expected: [
        {
          path: `${rules}[0]`,
          line: 10,
          detail: 'Invalid value: specifying one of OnExitCodes and OnPodConditions is required',
        },
      ],
    },
    {
      name: 'exit codes: no operator, an unknown container, 0 with In, a duplicate, not ordered',
      text: withPolicy(
        '    rules:\n    - action: FailJob\n      onExitCodes:\n        containerName: sidecar\n' +
          '        values: [3, 0, 3]\n',
      ),
      expected: [
        {
          path: `${rules}[0].onExitCodes.operator`,
          line: 11,
          detail: 'Required value: valid values: ["In" "NotIn"]',
        },
        {
          path: `${rules}[0].onExitCodes.containerName`,
          line: 12,
          detail: 'Invalid value: "sidecar": must be one of the container or initContainer names in the pod template',
        },
        { path: `${rules}[0].onExitCodes.values[2]`, line: 13, detail: 'Duplicate value: 3' },
        {
          path: `${rules}[0].onExitCodes.values`,
          line: 13,
          detail: 'Invalid value: [3,0,3]: must be ordered',
        },
      ],
    },
    {
      name: 'exit code 0 with In, an unknown operator, no values',
      text: withPolicy(
        '    rules:\n    - action: FailJob\n      onExitCodes: {operator: In, values: [0]}\n' +
          '    - action: FailJob\n      onExitCodes: {operator: Between, values: []}\n',
      ),
      expected: [
        {
          path: `${rules}[0].onExitCodes.values[0]`,
          line: 11,
          detail: 'Invalid value: 0: must not be 0 for the In operator',
        },
        {
          path: `${rules}[1].onExitCodes.operator`,
          line: 13,
          detail: 'Unsupported value: "Between": supported values: "In", "NotIn"',
        },
        {
          path: `${rules}[1].onExitCodes.values`,
          line: 13,
          detail: 'Invalid value: []: at least one value is required',
        },
      ],
    },
    {
      name: 'a pod condition jobctl cannot observe, and DisruptionTarget with status False',
      text: withPolicy(
        '    rules:\n    - action: FailJob\n      onPodConditions:\n      - {type: ConfigIssue, status: "True"}\n' +
          '      - {type: DisruptionTarget, status: "False"}\n',
      ),
      expected: [
        {
          path: `${rules}[0].onPodConditions[0].type`,
          line: 12,
          detail:
            'Unsupported value: "ConfigIssue": supported values: "DisruptionTarget": jobctl cannot observe this pod ' +
            'condition; it sets only DisruptionTarget (a task stopped by the platform or by the local runtime)',
        },
        {
          path: `${rules}[0].onPodConditions[1].status`,
          line: 13,
          detail:
            'Unsupported value: "False": supported values: "True": jobctl cannot observe this pod condition status; ' +
            'it sets DisruptionTarget only with status "True"',
        },
      ],
    },
  ])('rejects $name, naming the field and its line', ({ text, expected }) => {
    expect(loadErrors(text)).toEqual(expected);
  });

  it('names the file and line of an error', () => {
    const text = withPolicy('    rules:\n    - action: Retry\n      onExitCodes: {operator: In, values: [1]}\n');
    expect(() => loadManifests(text, 'jobs/batch.yaml')).toThrow(/jobs\/batch\.yaml:10.*spec\.podFailurePolicy/);
  });
});
