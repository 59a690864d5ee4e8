import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError, ValidationErrors } from '../../../src/errors.ts';
import { loadManifests, validateManifest, type Manifest } from '../../../src/spec/index.ts';
import { baseCronJob, baseJob, edit, loadErrors } from './helpers.ts';

const helloPath = new URL('../../../examples/hello/cronjob.yaml', import.meta.url);

describe('loadManifests', () => {
  it('loads the seed hello CronJob with Kubernetes defaults', () => {
    const { objects, warnings } = loadManifests(readFileSync(helloPath, 'utf8'), 'examples/hello/cronjob.yaml');

    expect({ objects, warnings }).toEqual({
      objects: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'hello', namespace: 'default' },
          spec: {
            schedule: '*/1 * * * *',
            concurrencyPolicy: 'Allow',
            suspend: false,
            jobTemplate: {
              spec: {
                parallelism: 1,
                completions: 1,
                backoffLimit: 6,
                template: {
                  spec: {
                    containers: [
                      {
                        name: 'hello',
                        image: 'busybox',
                        imagePullPolicy: 'IfNotPresent',
                        command: ['/bin/sh', '-c', 'date; echo Hello from the Kubernetes cluster'],
                      },
                    ],
                    restartPolicy: 'OnFailure',
                  },
                },
                completionMode: 'NonIndexed',
                suspend: false,
              },
            },
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 1,
          },
          status: { active: [] },
        },
      ],
      warnings: [],
    });
  });

  it('ignores a user-supplied status, as the API server does on create', () => {
    const text = `${baseJob}status:\n  active: 3\n  succeeded: 9\n`;

    const [job] = loadManifests(text, 'job.yaml').objects;

    expect(job?.status).toEqual({ active: 0, succeeded: 0, failed: 0, conditions: [] });
  });

  it('loads every document of a multi-document file, in order, skipping empty documents', () => {
    const text = `---\n${baseCronJob}---\n# nothing here\n---\n${baseJob}---\n`;

    const { objects } = loadManifests(text, 'all.yaml');

    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['CronJob/mycronjob', 'Job/myjob']);
  });

  it('loads a kind: List and locates errors inside its items', () => {
    const indent = (text: string): string =>
      text
        .trimEnd()
        .split('\n')
        .map((line, i) => (i === 0 ? `- ${line}` : `  ${line}`))
        .join('\n');
    const list =
      `apiVersion: v1\nkind: ` +
      `List\nitems:\n${indent(baseJob)}\n${indent(edit(baseCronJob, ['"* * * * ?"', '""']))}\n`;

    expect(loadErrors(list)).toEqual([{ path: 'spec.schedule', line: 24, detail: 'Required value' }]);
    expect(
      loadManifests(list.replace('schedule: ""', 'schedule: "@daily"'), 'list.yaml').objects.map((o) => o.kind),
    ).toEqual(['Job', 'CronJob']);
  });

  it('reports the errors of every bad document with file-relative lines, and returns nothing', () => {
    const text = [
      edit(baseCronJob, ['restartPolicy: OnFailure', 'restartPolicy: Always']),
      baseJob,
      edit(baseJob, ['name: myjob', 'name: other'], ['image: image', 'image: ""']),
    ].join('---\n');

    const thrown = captureErrors(() => loadManifests(text, 'three.yaml'));

    expect(thrown.map((e) => e.message)).toEqual([
      'three.yaml:13 spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported ' +
        'values: "OnFailure", "Never"',
      'three.yaml:46 spec.template.spec.containers[0].image: Required value',
    ]);
  });

  it('names file and line of a YAML syntax error', () => {
    const text = 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\n spec: {}\n';

    expect(loadErrors(text, 'broken.yaml')).toEqual([
      { path: '(yaml)', line: 5, detail: 'YAML syntax error: All mapping items must start at the same column' },
    ]);
  });

  it('rejects a duplicated key as YAML, like strict decoding does', () => {
    const text = edit(baseJob, ['  parallelism: 1', '  parallelism: 1\n  parallelism: 2']);

    expect(loadErrors(text)).toEqual([
      { path: '(yaml)', line: 8, detail: 'YAML syntax error: Map keys must be unique' },
    ]);
  });

  it.each([
    { name: 'at the top level', edits: [['kind: Job', 'kind: Job\nfoo: 1']], expected: { path: 'foo', line: 3 } },
    {
      name: 'in spec',
      edits: [['  parallelism: 1', '  parallelism: 1\n  foo: bar']],
      expected: { path: 'spec.foo', line: 8 },
    },
    {
      name: 'in a container (a typo)',
      edits: [['imagePullPolicy: IfNotPresent', 'imagePullPolicy: IfNotPresent\n        imagePulPolicy: Always']],
      expected: { path: 'spec.template.spec.containers[0].imagePulPolicy', line: 15 },
    },
  ] as { name: string; edits: [string, string][]; expected: { path: string; line: number } }[])(
    'reports an unknown field $name as kubectl --validate=strict does',
    ({ edits, expected }) => {
      expect(loadErrors(edit(baseJob, ...edits))).toEqual([
        { ...expected, detail: `unknown field "${expected.path}"` },
      ]);
    },
  );

  it.each([
    {
      name: 'batch/v1beta1 CronJob',
      text: edit(baseCronJob, ['batch/v1', 'batch/v1beta1']),
      expected: {
        path: 'apiVersion',
        line: 1,
        detail:
          'Unsupported value: "batch/v1beta1": supported values: "batch/v1" (batch/v1beta1 CronJob was removed in ' +
          'Kubernetes 1.25; use apiVersion: batch/v1)',
      },
    },
    {
      name: 'another kind',
      text: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n',
      expected: {
        path: 'kind',
        line: 2,
        detail: 'Unsupported value: "Deployment": supported values: "CronJob", "Job", "WorkQueue", "ResourceQuota"',
      },
    },
    {
      name: 'no kind',
      text: 'apiVersion: batch/v1\nmetadata:\n  name: d\n',
      expected: {
        path: 'kind',
        line: 1,
        detail: 'Required value: supported kinds: "CronJob", "Job", "WorkQueue", "ResourceQuota"',
      },
    },
    {
      name: 'no apiVersion',
      text: 'kind: Job\nmetadata:\n  name: d\n',
      expected: { path: 'apiVersion', line: 1, detail: 'Required value: supported values: "batch/v1"' },
    },
    {
      name: 'a document that is not a mapping',
      text: '- just\n- a list\n',
      expected: {
        path: '(root)',
        line: 1,
        detail:
          'Invalid value: "array": a manifest document must be a Kubernetes object (a mapping with apiVersion and ' +
          'kind)',
      },
    },
  ])('says what is supported for $name', ({ text, expected }) => {
    expect(loadErrors(text)).toEqual([expected]);
  });

  it('rejects two objects of the same kind, namespace and name', () => {
    expect(loadErrors(`${baseJob}---\n${baseJob}`)).toEqual([
      {
        path: 'metadata.name',
        line: 19,
        detail: 'Duplicate value: "myjob": another Job in namespace "default" has this name (line 4)',
      },
    ]);
  });

  it('throws ValidationErrors whose errors are ValidationErrors naming file, line and path', () => {
    const thrown = captureErrors(() => loadManifests(edit(baseJob, ['name: abc', 'name: ABC']), 'job.yaml'));

    expect(thrown[0]).toBeInstanceOf(ValidationError);
    expect(thrown[0]).toMatchObject({ file: 'job.yaml', line: 12, path: 'spec.template.spec.containers[0].name' });
  });
});

describe('validateManifest', () => {
  const stored = (): Manifest => loadManifests(baseJob, 'job.yaml').objects[0] as Manifest;

  it('accepts a stored object, keeping its server-set metadata', () => {
    const job = {
      ...stored(),
      metadata: {
        ...stored().metadata,
        uid: 'u-1',
        resourceVersion: '7',
        creationTimestamp: '2016-05-19T10:00:00Z',
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: 'c',
            uid: 'u-0',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
    };

    const { objects, warnings } = validateManifest(job, 'patch');

    expect({ metadata: objects[0]?.metadata, warnings }).toEqual({ metadata: job.metadata, warnings: [] });
  });

  it('round-trips a loaded object unchanged', () => {
    expect(validateManifest(stored(), 'patch').objects).toEqual([stored()]);
  });

  it('reports every error of a patched object with its path and no line', () => {
    const job = stored();
    const patched = { ...job, spec: { ...job.spec, backoffLimit: -1, parallelism: 'many' } };

    const thrown = captureErrors(() => validateManifest(patched, 'patch'));

    expect(thrown.map((e) => e.message)).toEqual([
      'patch spec.parallelism: Invalid value: "many": must be of type integer',
      'patch spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });
});

function captureErrors(fn: () => unknown): ValidationError[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationErrors) return error.errors;
    throw error;
  }
  throw new Error('expected ValidationErrors');
}
