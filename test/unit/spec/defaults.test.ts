import { describe, expect, it } from 'vitest';
import { loadManifests } from '../../../src/spec/index.ts';
import type { CronJob, Job } from '../../../src/spec/types.ts';
import { baseCronJob, edit } from './helpers.ts';

/** A Job whose pod template carries the label `default: default`, like defaults_test.go's fixtures. */
function jobWith(specLines: string, metaLines = ''): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: myjob
${metaLines}spec:
${specLines}  template:
    metadata:
      labels: {default: default}
    spec:
      restartPolicy: Never
      containers: [{name: abc, image: image}]
`;
}

function loadJob(text: string): Job {
  return loadManifests(text, 'job.yaml').objects[0] as Job;
}

describe('Job defaults', () => {
  // Ported from kubernetes/kubernetes pkg/apis/batch/v1/defaults_test.go, TestSetDefaultJob.
  it.each([
    {
      name: 'All unspecified -> sets all to default values',
      spec: '',
      expected: {
        completions: 1,
        parallelism: 1,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        labels: { default: 'default' },
      },
    },
    {
      name: 'suspend set, everything else is defaulted',
      spec: '  suspend: true\n',
      expected: {
        completions: 1,
        parallelism: 1,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: true,
        labels: { default: 'default' },
      },
    },
    {
      name: 'All unspecified -> all pointers are defaulted and no default labels',
      spec: '',
      meta: '  labels: {mylabel: myvalue}\n',
      expected: {
        completions: 1,
        parallelism: 1,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        labels: { mylabel: 'myvalue' },
      },
    },
    {
      name: 'WQ: Parallelism explicitly 0 and completions unset -> BackoffLimit is defaulted',
      spec: '  parallelism: 0\n',
      expected: {
        completions: undefined,
        parallelism: 0,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        labels: { default: 'default' },
      },
    },
    {
      name: 'WQ: Parallelism explicitly 2 and completions unset -> BackoffLimit is defaulted',
      spec: '  parallelism: 2\n',
      expected: {
        completions: undefined,
        parallelism: 2,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        labels: { default: 'default' },
      },
    },
    {
      name: 'Completions explicitly 2 and others unset -> parallelism and BackoffLimit are defaulted',
      spec: '  completions: 2\n',
      expected: {
        completions: 2,
        parallelism: 1,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        labels: { default: 'default' },
      },
    },
    {
      name: 'BackoffLimit explicitly 5 and others unset -> parallelism and completions are defaulted',
      spec: '  backoffLimit: 5\n',
      expected: {
        completions: 1,
        parallelism: 1,
        backoffLimit: 5,
        completionMode: 'NonIndexed',
        suspend: false,
        labels: { default: 'default' },
      },
    },
    {
      name: 'All set -> no change',
      spec: '  completions: 8\n  parallelism: 9\n  backoffLimit: 10\n  completionMode: NonIndexed\n  suspend: false\n',
      expected: {
        completions: 8,
        parallelism: 9,
        backoffLimit: 10,
        completionMode: 'NonIndexed',
        suspend: false,
        labels: { default: 'default' },
      },
    },
    {
      name: 'All set, flipped -> no change',
      spec: '  completions: 11\n  parallelism: 10\n  backoffLimit: 9\n  completionMode: Indexed\n  suspend: true\n',
      expected: {
        completions: 11,
        parallelism: 10,
        backoffLimit: 9,
        completionMode: 'Indexed',
        suspend: true,
        labels: { default: 'default' },
      },
    },
  ])('$name', ({ spec, meta, expected }) => {
    const job = loadJob(jobWith(spec, meta));

    expect({
      completions: job.spec.completions,
      parallelism: job.spec.parallelism,
      backoffLimit: job.spec.backoffLimit,
      completionMode: job.spec.completionMode,
      suspend: job.spec.suspend,
      labels: job.metadata.labels,
    }).toEqual(expected);
  });

  it('defaults namespace and status', () => {
    const job = loadJob(jobWith(''));

    expect({ namespace: job.metadata.namespace, status: job.status }).toEqual({
      namespace: 'default',
      status: { active: 0, succeeded: 0, failed: 0, conditions: [] },
    });
  });
});

describe('CronJob defaults', () => {
  // Ported from defaults_test.go, TestSetDefaultCronJob.
  it.each([
    {
      name: 'empty batchv1.CronJob should default batchv1.ConcurrencyPolicy and Suspend',
      text: edit(baseCronJob, ['  concurrencyPolicy: Allow\n', '']),
      expected: {
        concurrencyPolicy: 'Allow',
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
      },
    },
    {
      name: 'an empty concurrencyPolicy is defaulted like a missing one',
      text: edit(baseCronJob, ['concurrencyPolicy: Allow', 'concurrencyPolicy: ""']),
      expected: {
        concurrencyPolicy: 'Allow',
        suspend: false,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
      },
    },
    {
      name: 'set fields should not be defaulted',
      text: edit(baseCronJob, [
        '  concurrencyPolicy: Allow',
        '  concurrencyPolicy: Forbid\n  suspend: true\n  successfulJobsHistoryLimit: 5\n  failedJobsHistoryLimit: 5',
      ]),
      expected: {
        concurrencyPolicy: 'Forbid',
        suspend: true,
        successfulJobsHistoryLimit: 5,
        failedJobsHistoryLimit: 5,
      },
    },
  ])('$name', ({ text, expected }) => {
    const cronJob = loadManifests(text, 'cj.yaml').objects[0] as CronJob;

    expect({
      concurrencyPolicy: cronJob.spec.concurrencyPolicy,
      suspend: cronJob.spec.suspend,
      successfulJobsHistoryLimit: cronJob.spec.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: cronJob.spec.failedJobsHistoryLimit,
    }).toEqual(expected);
  });

  it('defaults the job template spec once, as each created Job would be defaulted', () => {
    const cronJob = loadManifests(baseCronJob, 'cj.yaml').objects[0] as CronJob;

    expect(cronJob.spec.jobTemplate.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
    });
  });
});
