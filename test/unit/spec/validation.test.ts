import { describe, expect, it } from 'vitest';
import { baseCronJob, baseJob, edit, loadErrors, type Located } from './helpers.ts';

const podSpec = 'spec.jobTemplate.spec.template.spec';
const longName53 = '10000000002000000000300000000040000000005000000000123';
const dns1123LabelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with " +
  "an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const dns1123SubdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and " +
  "end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

interface Case {
  name: string;
  text: string;
  expected: Located[];
}

describe('CronJob validation', () => {
  it('accepts the base CronJob', () => {
    expect(loadErrors(baseCronJob)).toEqual([]);
  });

  // Error cases ported from kubernetes/kubernetes pkg/apis/batch/validation/validation_test.go, TestValidateCronJob
  // (errorCases, keyed there by "<field>: <message>"), run through YAML so the line is checked too.
  const cases: Case[] = [
    {
      name: 'spec.schedule: Invalid value',
      text: edit(baseCronJob, ['"* * * * ?"', '"error"']),
      expected: [{ path: 'spec.schedule', line: 7, detail: expect.stringMatching(/^Invalid value: "error": /) }],
    },
    {
      name: 'spec.schedule: Required value',
      text: edit(baseCronJob, ['"* * * * ?"', '""']),
      expected: [{ path: 'spec.schedule', line: 7, detail: 'Required value' }],
    },
    {
      name: 'spec.schedule: Required value (field missing, located at its parent)',
      text: edit(baseCronJob, ['  schedule: "* * * * ?"\n', '']),
      expected: [{ path: 'spec.schedule', line: 6, detail: 'Required value' }],
    },
    {
      name: 'spec.timeZone: timeZone must be nil or non-empty string',
      text: edit(baseCronJob, ['  schedule: "* * * * ?"', '  schedule: "0 * * * *"\n  timeZone: ""']),
      expected: [
        { path: 'spec.timeZone', line: 8, detail: 'Invalid value: "": timeZone must be nil or non-empty string' },
      ],
    },
    {
      name: 'spec.timeZone: timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      text: edit(baseCronJob, ['  schedule: "* * * * ?"', '  schedule: "0 * * * *"\n  timeZone: Local']),
      expected: [
        {
          path: 'spec.timeZone',
          line: 8,
          detail: expect.stringContaining(
            'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
          ),
        },
      ],
    },
    ...[' Continent/Zone', 'Continent/InvalidZone', ' ', 'Continent/Zone '].map(
      (zone): Case => ({
        name: `spec.timeZone: Invalid value: ${JSON.stringify(zone)}: unknown time zone ${zone}`,
        text: edit(baseCronJob, [
          '  schedule: "* * * * ?"',
          `  schedule: "0 * * * *"\n  timeZone: ${JSON.stringify(zone)}`,
        ]),
        expected: [{ path: 'spec.timeZone', line: 8, detail: expect.stringContaining(`unknown time zone ${zone}`) }],
      }),
    ),
    {
      name: 'a bad schedule and a bad time zone are both reported',
      text: edit(baseCronJob, ['  schedule: "* * * * ?"', '  schedule: "61 * * * *"\n  timeZone: Mars/Olympus_Mons']),
      expected: [
        { path: 'spec.schedule', line: 7, detail: expect.stringMatching(/^Invalid value: "61 \* \* \* \*": /) },
        { path: 'spec.timeZone', line: 8, detail: expect.stringContaining('unknown time zone Mars/Olympus_Mons') },
      ],
    },
    {
      // TestValidateCronJobScheduleTZ "update removing TZ should work" (its createErr).
      name: 'spec.schedule: cannot use TZ or CRON_TZ in schedule',
      text: edit(baseCronJob, ['"* * * * ?"', '"TZ=UTC 0 * * * *"']),
      expected: [
        {
          path: 'spec.schedule',
          line: 7,
          detail: expect.stringContaining('cannot use TZ or CRON_TZ in schedule, use timeZone field instead'),
        },
      ],
    },
    ...['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit'].map(
      (field): Case => ({
        name: `spec.${field}: must be greater than or equal to 0`,
        text: edit(baseCronJob, ['  concurrencyPolicy: Allow', `  concurrencyPolicy: Allow\n  ${field}: -1`]),
        expected: [{ path: `spec.${field}`, line: 9, detail: 'Invalid value: -1: must be greater than or equal to 0' }],
      }),
    ),
    {
      // Kubernetes' "spec.concurrencyPolicy: Required value" case bypasses defaulting; through the API "" becomes
      // Allow, so the reachable error is an unsupported value.
      name: 'spec.concurrencyPolicy: Unsupported value',
      text: edit(baseCronJob, ['concurrencyPolicy: Allow', 'concurrencyPolicy: Sometimes']),
      expected: [
        {
          path: 'spec.concurrencyPolicy',
          line: 8,
          detail: 'Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
        },
      ],
    },
    ...['parallelism', 'completions', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'backoffLimit'].map(
      (field): Case => ({
        name: `spec.jobTemplate.spec.${field}: must be greater than or equal to 0`,
        text: edit(baseCronJob, ['    spec:\n      template:', `    spec:\n      ${field}: -1\n      template:`]),
        expected: [
          {
            path: `spec.jobTemplate.spec.${field}`,
            line: 11,
            detail: 'Invalid value: -1: must be greater than or equal to 0',
          },
        ],
      }),
    ),
    {
      name:
        'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be ' +
        'auto-generated',
      text: edit(baseCronJob, [
        '    spec:\n      template:',
        '    spec:\n      selector:\n        matchLabels: {a: b}\n      template:',
      ]),
      expected: [
        {
          path: 'spec.jobTemplate.spec.selector',
          line: 11,
          detail: 'Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
        },
      ],
    },
    {
      name: 'metadata.name: must be no more than 52 characters',
      text: edit(baseCronJob, ['name: mycronjob', `name: "${longName53}"`]),
      expected: [
        {
          path: 'metadata.name',
          line: 4,
          detail: `Invalid value: "${longName53}": must be no more than 52 characters`,
        },
      ],
    },
    {
      name: 'spec.jobTemplate.spec.manualSelector: Unsupported value',
      text: edit(baseCronJob, ['    spec:\n      template:', '    spec:\n      manualSelector: true\n      template:']),
      expected: [
        {
          path: 'spec.jobTemplate.spec.manualSelector',
          line: 11,
          detail: 'Unsupported value: true: supported values: "nil", "false"',
        },
      ],
    },
    {
      // Kubernetes ≥1.27 words Always as "Required value" (pods default to Always); jobctl names the value instead.
      name: 'spec.jobTemplate.spec.template.spec.restartPolicy: Always is not supported',
      text: edit(baseCronJob, ['restartPolicy: OnFailure', 'restartPolicy: Always']),
      expected: [
        {
          path: `${podSpec}.restartPolicy`,
          line: 13,
          detail: 'Unsupported value: "Always": supported values: "OnFailure", "Never"',
        },
      ],
    },
    {
      name: 'spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value',
      text: edit(baseCronJob, ['restartPolicy: OnFailure', 'restartPolicy: Invalid']),
      expected: [
        {
          path: `${podSpec}.restartPolicy`,
          line: 13,
          detail: 'Unsupported value: "Invalid": supported values: "OnFailure", "Never"',
        },
      ],
    },
    {
      name: 'spec.jobTemplate.spec.template.spec.restartPolicy: Required value',
      text: edit(baseCronJob, ['          restartPolicy: OnFailure\n', '']),
      expected: [
        { path: `${podSpec}.restartPolicy`, line: 12, detail: 'Required value: valid values: "OnFailure", "Never"' },
      ],
    },
    {
      name: 'containers: Required value',
      text: edit(baseCronJob, [
        '          containers:\n          - name: abc\n            image: image\n            imagePullPolicy: ' +
          'IfNotPresent\n',
        '',
      ]),
      expected: [{ path: `${podSpec}.containers`, line: 12, detail: 'Required value' }],
    },
    {
      name: 'no jobTemplate at all: every required field below it, located at spec',
      text: 'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: "@hourly"\n',
      expected: [
        { path: `${podSpec}.containers`, line: 5, detail: 'Required value' },
        { path: `${podSpec}.restartPolicy`, line: 5, detail: 'Required value: valid values: "OnFailure", "Never"' },
      ],
    },
    {
      name: 'containers[0].image: Required value',
      text: edit(baseCronJob, ['            image: image\n', '']),
      expected: [{ path: `${podSpec}.containers[0].image`, line: 15, detail: 'Required value' }],
    },
    {
      name: 'containers[0].image: must not have leading or trailing whitespace',
      text: edit(baseCronJob, ['image: image', 'image: " image"']),
      expected: [
        {
          path: `${podSpec}.containers[0].image`,
          line: 16,
          detail: 'Invalid value: " image": must not have leading or trailing whitespace',
        },
      ],
    },
    {
      name: 'containers[0].name: Required value',
      text: edit(baseCronJob, ['          - name: abc\n            image: image', '          - image: image']),
      expected: [{ path: `${podSpec}.containers[0].name`, line: 15, detail: 'Required value' }],
    },
    {
      name: 'containers[0].name: not a DNS-1123 label',
      text: edit(baseCronJob, ['name: abc', 'name: ABC']),
      expected: [
        { path: `${podSpec}.containers[0].name`, line: 15, detail: `Invalid value: "ABC": ${dns1123LabelMsg}` },
      ],
    },
    {
      name: 'containers[0].imagePullPolicy: Unsupported value',
      text: edit(baseCronJob, ['imagePullPolicy: IfNotPresent', 'imagePullPolicy: Sometimes']),
      expected: [
        {
          path: `${podSpec}.containers[0].imagePullPolicy`,
          line: 17,
          detail: 'Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
        },
      ],
    },
    {
      name: 'env names: Required value and an invalid name',
      text: edit(baseCronJob, [
        '            imagePullPolicy: IfNotPresent\n',
        '            imagePullPolicy: IfNotPresent\n            env:\n            - value: x\n            - name: ' +
          '1BAD\n              value: y\n            - name: my.env-name\n              value: ok\n',
      ]),
      expected: [
        { path: `${podSpec}.containers[0].env[0].name`, line: 19, detail: 'Required value' },
        {
          path: `${podSpec}.containers[0].env[1].name`,
          line: 20,
          detail:
            'Invalid value: "1BAD": a valid environment variable name must consist of alphabetic characters, ' +
            "digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or " +
            "'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')",
        },
      ],
    },
    {
      name: 'metadata.name: not a DNS-1123 subdomain',
      text: edit(baseCronJob, ['name: mycronjob', 'name: My_Job']),
      expected: [{ path: 'metadata.name', line: 4, detail: `Invalid value: "My_Job": ${dns1123SubdomainMsg}` }],
    },
    {
      name: 'metadata.name: Required value',
      text: edit(baseCronJob, ['  name: mycronjob\n', '']),
      expected: [{ path: 'metadata.name', line: 3, detail: 'Required value: name or generateName is required' }],
    },
    {
      name: 'metadata.namespace: not a DNS-1123 label',
      text: edit(baseCronJob, ['namespace: default', 'namespace: Team.A']),
      expected: [
        {
          path: 'metadata.namespace',
          line: 5,
          detail: expect.stringMatching(/^Invalid value: "Team.A": a lowercase RFC 1123 label/),
        },
      ],
    },
    {
      name: 'metadata.namespace: jobctl serves the default namespace only',
      text: edit(baseCronJob, ['namespace: default', 'namespace: prod']),
      expected: [
        {
          path: 'metadata.namespace',
          line: 5,
          detail: 'Unsupported value: "prod": supported values: "default": jobctl serves the default namespace only',
        },
      ],
    },
    {
      name: 'metadata.labels: bad key and bad value, each located at its own line',
      text: edit(baseCronJob, [
        '  namespace: default\n',
        `  namespace: default\n  labels:\n    ok: fine\n    "bad key!": x\n    app: "${'v'.repeat(64)}"\n`,
      ]),
      expected: [
        {
          path: 'metadata.labels',
          line: 8,
          detail:
            "Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and " +
            "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex " +
            "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        },
        {
          path: 'metadata.labels',
          line: 9,
          detail: `Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
        },
      ],
    },
    {
      name: 'jobTemplate.metadata.annotations: key with an empty prefix',
      text: edit(baseCronJob, [
        '  jobTemplate:\n',
        '  jobTemplate:\n    metadata:\n      annotations:\n        /x: y\n',
      ]),
      expected: [
        {
          path: 'spec.jobTemplate.metadata.annotations',
          line: 12,
          detail: 'Invalid value: "/x": prefix part must be non-empty',
        },
      ],
    },
    {
      name: 'wrong JSON type: a quoted integer',
      text: edit(baseCronJob, ['    spec:\n      template:', '    spec:\n      parallelism: "2"\n      template:']),
      expected: [
        { path: 'spec.jobTemplate.spec.parallelism', line: 11, detail: 'Invalid value: "2": must be of type integer' },
      ],
    },
    {
      name: 'wrong JSON type: a number where a string belongs',
      text: edit(baseCronJob, ['image: image', 'image: 3']),
      expected: [
        { path: `${podSpec}.containers[0].image`, line: 16, detail: 'Invalid value: 3: must be of type string' },
      ],
    },
    {
      name: 'wrong JSON type: a quoted "yes" is not a boolean',
      text: edit(baseCronJob, ['  concurrencyPolicy: Allow', '  concurrencyPolicy: Allow\n  suspend: "yes"']),
      expected: [{ path: 'spec.suspend', line: 9, detail: 'Invalid value: "yes": must be of type boolean' }],
    },
    {
      name: 'wrong JSON type: containers as a map',
      text: edit(baseCronJob, [
        '          containers:\n          - name: abc',
        '          containers:\n            name: abc',
      ]),
      expected: [{ path: `${podSpec}.containers`, line: 14, detail: 'Invalid value: "object": must be of type array' }],
    },
    {
      name: 'resources: a malformed quantity and a request above its limit',
      text: edit(baseCronJob, [
        '            imagePullPolicy: IfNotPresent\n',
        '            imagePullPolicy: IfNotPresent\n            resources:\n              limits: {cpu: 500m, ' +
          'memory: 1x}\n              requests:\n                cpu: "1"\n',
      ]),
      expected: [
        {
          path: `${podSpec}.containers[0].resources.limits[memory]`,
          line: 19,
          detail:
            'Invalid value: "1x": quantities must match the regular expression ' +
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        },
        {
          path: `${podSpec}.containers[0].resources.requests[cpu]`,
          line: 21,
          detail: 'Invalid value: "1": must be less than or equal to cpu limit of 500m',
        },
      ],
    },
    {
      name: 'resources: an unknown standard-looking resource name',
      text: edit(baseCronJob, [
        '            imagePullPolicy: IfNotPresent\n',
        '            imagePullPolicy: IfNotPresent\n            resources:\n              limits:\n                ' +
          'cpus: 1\n',
      ]),
      expected: [
        {
          path: `${podSpec}.containers[0].resources.limits[cpus]`,
          line: 20,
          detail: 'Invalid value: "cpus": must be a standard resource for containers',
        },
      ],
    },
  ];

  it.each(cases)('$name', ({ text, expected }) => {
    expect(loadErrors(text)).toEqual(expected);
  });

  it('accepts YAML 1.1 booleans in plain scalars, as sigs.k8s.io/yaml does', () => {
    expect(
      loadErrors(edit(baseCronJob, ['  concurrencyPolicy: Allow', '  concurrencyPolicy: Allow\n  suspend: yes'])),
    ).toEqual([]);
  });

  it.each([
    // TestValidateCronJob successCases.
    { name: 'basic scheduled job', text: baseCronJob },
    { name: 'non-standard scheduled', text: edit(baseCronJob, ['"* * * * ?"', '"@hourly"']) },
    {
      name: 'correct timeZone value',
      text: edit(baseCronJob, ['  schedule: "* * * * ?"', '  schedule: "0 * * * *"\n  timeZone: America/New_York']),
    },
    {
      name: 'zero history limits and deadline',
      text: edit(baseCronJob, [
        '  concurrencyPolicy: Allow',
        '  concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 0\n  successfulJobsHistoryLimit: 0\n  ' +
          'failedJobsHistoryLimit: 0',
      ]),
    },
    { name: 'a 52-character name', text: edit(baseCronJob, ['name: mycronjob', `name: "${longName53.slice(0, 52)}"`]) },
  ])('accepts $name', ({ text }) => {
    expect(loadErrors(text)).toEqual([]);
  });
});

describe('Job validation', () => {
  it('accepts the base Job', () => {
    expect(loadErrors(baseJob)).toEqual([]);
  });

  // Error cases ported from validation_test.go TestValidateJob (errorCases) and validation.go ValidateJob.
  const cases: Case[] = [
    ...['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished'].map(
      (field): Case => ({
        name: `spec.${field}: must be greater than or equal to 0`,
        text:
          field === 'parallelism'
            ? edit(baseJob, ['parallelism: 1', 'parallelism: -1'])
            : edit(baseJob, ['  parallelism: 1', `  parallelism: 1\n  ${field}: -1`]),
        expected: [
          {
            path: `spec.${field}`,
            line: field === 'parallelism' ? 7 : 8,
            detail: 'Invalid value: -1: must be greater than or equal to 0',
          },
        ],
      }),
    ),
    {
      name: 'spec.completions: Required value: when completion mode is Indexed',
      text: edit(baseJob, ['  parallelism: 1', '  parallelism: 1\n  completionMode: Indexed']),
      expected: [{ path: 'spec.completions', line: 6, detail: 'Required value: when completion mode is Indexed' }],
    },
    {
      name: 'spec.parallelism: must be less than or equal to 100000 when completion mode is Indexed',
      text: edit(baseJob, ['  parallelism: 1', '  parallelism: 100001\n  completions: 2\n  completionMode: Indexed']),
      expected: [
        {
          path: 'spec.parallelism',
          line: 7,
          detail: 'Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed',
        },
      ],
    },
    {
      name: 'spec.completionMode: Unsupported value',
      text: edit(baseJob, ['  parallelism: 1', '  parallelism: 1\n  completionMode: Sometimes']),
      expected: [
        {
          path: 'spec.completionMode',
          line: 8,
          detail: 'Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"',
        },
      ],
    },
    {
      name: 'spec.template.spec.restartPolicy: Unsupported value',
      text: edit(baseJob, ['restartPolicy: OnFailure', 'restartPolicy: Invalid']),
      expected: [
        {
          path: 'spec.template.spec.restartPolicy',
          line: 10,
          detail: 'Unsupported value: "Invalid": supported values: "OnFailure", "Never"',
        },
      ],
    },
    {
      // jobctl always generates the selector; Kubernetes rejects a hand-written one without manualSelector too.
      name: 'spec.selector: `selector` will be auto-generated',
      text: edit(baseJob, ['  parallelism: 1', '  parallelism: 1\n  selector: {matchLabels: {a: b}}']),
      expected: [
        {
          path: 'spec.selector',
          line: 8,
          detail: 'Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
        },
      ],
    },
    {
      name: "metadata.name: a Job name is its pods' job-name label value, at most 63 characters",
      text: edit(baseJob, ['name: myjob', `name: ${'j'.repeat(64)}`]),
      expected: [
        {
          path: 'metadata.name',
          line: 4,
          detail:
            `Invalid value: "${'j'.repeat(64)}": must be no more than 63 characters (it is the job-name label ` +
            `value of its pods)`,
        },
      ],
    },
    {
      // validation.go ValidateJob: "the job controller appends a suffix (`-$INDEX`) to the pod hostname".
      name: 'metadata.name: will not able to create pod with invalid DNS label',
      text: edit(
        baseJob,
        ['name: myjob', `name: ${'j'.repeat(62)}`],
        ['  parallelism: 1', '  parallelism: 1\n  completions: 10\n  completionMode: Indexed'],
      ),
      expected: [
        {
          path: 'metadata.name',
          line: 4,
          detail:
            `Invalid value: "${'j'.repeat(62)}": will not able to create pod with invalid DNS label: ` +
            `${'j'.repeat(62)}-9`,
        },
      ],
    },
  ];

  it.each(cases)('$name', ({ text, expected }) => {
    expect(loadErrors(text)).toEqual(expected);
  });

  it.each([
    // TestValidateJob successCases that apply without manual selectors.
    {
      name: 'valid NonIndexed completion mode',
      text: edit(baseJob, ['  parallelism: 1', '  parallelism: 1\n  completionMode: NonIndexed']),
    },
    {
      name: 'valid Indexed completion mode',
      text: edit(baseJob, ['  parallelism: 1', '  parallelism: 100000\n  completions: 2\n  completionMode: Indexed']),
    },
    {
      name: 'restartPolicy Never with annotations',
      text: edit(
        baseJob,
        ['restartPolicy: OnFailure', 'restartPolicy: Never'],
        ['  namespace: default', '  namespace: default\n  annotations: {foo: bar}'],
      ),
    },
  ])('accepts $name', ({ text }) => {
    expect(loadErrors(text)).toEqual([]);
  });
});
