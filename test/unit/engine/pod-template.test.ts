import { describe, expect, it } from 'vitest';
import { nextPodSequence, podForJob, podNamePrefix, podSequenceOf } from '../../../src/engine/pod-template.ts';
import { aBatchJob, aJobPod, at } from '../../support/builders.ts';

const NOW = at('2024-03-01T12:00:00Z');

describe('podForJob', () => {
  it('builds a Pending pod owned by the Job, with the Kubernetes Job labels and the template copied', () => {
    const job = aBatchJob({ name: 'hello', uid: 'job-uid-1' });
    job.spec.template.metadata = { labels: { foo: 'bar' }, annotations: { note: 'x' } };

    const pod = podForJob(job, 0, NOW);

    expect({ ...pod, metadata: { ...pod.metadata, name: undefined, uid: undefined } }).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: undefined,
        uid: undefined,
        namespace: 'default',
        creationTimestamp: '2024-03-01T12:00:00Z',
        labels: {
          foo: 'bar',
          'job-name': 'hello',
          'batch.kubernetes.io/job-name': 'hello',
          'controller-uid': 'job-uid-1',
          'batch.kubernetes.io/controller-uid': 'job-uid-1',
        },
        annotations: { note: 'x', 'jobctl.dev/pod-sequence': '0' },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: 'hello',
            uid: 'job-uid-1',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { containers: [{ name: 'main', image: 'foo/bar' }], restartPolicy: 'Never' },
      status: { phase: 'Pending' },
    });
  });

  it('names the pod <job>-<5 chars> from the generateName alphabet, deterministically per Job uid and sequence', () => {
    const job = aBatchJob({ name: 'hello', uid: 'job-uid-1' });

    const names = [
      podForJob(job, 0, NOW),
      podForJob(job, 0, NOW + 5000),
      podForJob(job, 1, NOW),
      podForJob(aBatchJob({ name: 'hello', uid: 'other' }), 0, NOW),
    ].map((p) => p.metadata.name);

    expect(names[0]).toMatch(/^hello-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect({
      sameLaunch: names[0] === names[1],
      nextLaunch: names[0] === names[2],
      otherJob: names[0] === names[3],
    }).toEqual({
      sameLaunch: true,
      nextLaunch: false,
      otherJob: false,
    });
  });

  it('gives each launch its own UUID-shaped uid, the same on a retried decision', () => {
    const job = aBatchJob({ uid: 'job-uid-1' });

    const uids = [podForJob(job, 0, NOW), podForJob(job, 0, NOW), podForJob(job, 1, NOW)].map((p) => p.metadata.uid);

    expect(uids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([uids[0] === uids[1], uids[0] === uids[2]]).toEqual([true, false]);
  });

  it('gives an Indexed pod its index as label, annotation, env JOB_COMPLETION_INDEX and hostname <job>-<index>', () => {
    // Kubernetes job_controller_test.go checkIndexedJobPods: hostname "<job>-<ix>", generateName "<job>-<ix>-".
    const job = aBatchJob({ name: 'render', completions: 5, completionMode: 'Indexed' });
    job.spec.template.spec.containers = [
      { name: 'main', image: 'foo/bar', env: [{ name: 'A', value: '1' }] },
      { name: 'side', image: 'foo/side', env: [{ name: 'JOB_COMPLETION_INDEX', value: 'mine' }] },
    ];

    const pod = podForJob(job, 3, NOW, 2);

    expect({
      name: pod.metadata.name.slice(0, -5),
      label: pod.metadata.labels?.['batch.kubernetes.io/job-completion-index'],
      annotation: pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index'],
      hostname: pod.spec.hostname,
      env: pod.spec.containers.map((c) => c.env),
      templateUntouched: job.spec.template.spec.containers[0]?.env,
    }).toEqual({
      name: 'render-2-',
      label: '2',
      annotation: '2',
      hostname: 'render-2',
      env: [
        [
          { name: 'A', value: '1' },
          { name: 'JOB_COMPLETION_INDEX', value: '2' },
        ],
        [{ name: 'JOB_COMPLETION_INDEX', value: 'mine' }],
      ],
      templateUntouched: [{ name: 'A', value: '1' }],
    });
  });

  it('has no hostname and no index for a NonIndexed Job', () => {
    const pod = podForJob(aBatchJob(), 0, NOW);

    expect({
      hostname: pod.spec.hostname,
      index: pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index'],
    }).toEqual({
      hostname: undefined,
      index: undefined,
    });
  });
});

describe('podForJob: per-index failure counts (Kubernetes addIndexFailureCountAnnotation)', () => {
  const job = aBatchJob({ name: 'render', completions: 5, completionMode: 'Indexed' });
  const counts = (pod: ReturnType<typeof podForJob>) => [
    pod.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'],
    pod.metadata.annotations?.['batch.kubernetes.io/job-index-ignored-failure-count'],
  ];

  it('annotates the failure count, and the ignored count only when above 0', () => {
    expect(counts(podForJob(job, 0, NOW, 2, { failed: 0, ignored: 0 }))).toEqual(['0', undefined]);
    expect(counts(podForJob(job, 1, NOW, 2, { failed: 2, ignored: 1 }))).toEqual(['2', '1']);
  });

  it('leaves both out for a Job without backoffLimitPerIndex', () => {
    expect(counts(podForJob(job, 0, NOW, 2))).toEqual([undefined, undefined]);
  });
});

describe('podNamePrefix', () => {
  // Kubernetes names.SimpleNameGenerator (prefix ≤ 58 characters) and podGenerateNameWithIndex.
  const long = 'a'.repeat(70);
  it.each([
    { name: 'short job', jobName: 'hello', index: undefined, expected: 'hello-' },
    { name: 'short indexed job', jobName: 'hello', index: 12, expected: 'hello-12-' },
    { name: 'long job is cut to 58', jobName: long, index: undefined, expected: `${'a'.repeat(58)}` },
    { name: 'long indexed job keeps the index', jobName: long, index: 7, expected: `${'a'.repeat(55)}-7-` },
  ])('$name', ({ jobName, index, expected }) => {
    expect(podNamePrefix(jobName, index)).toBe(expected);
  });
});

describe('nextPodSequence', () => {
  it.each([
    { name: 'first pod of a new Job', sequences: [], finished: 0, expected: 0 },
    { name: 'one past the highest, whatever the order', sequences: [2, 7, 4], finished: 0, expected: 8 },
    { name: 'pods gone: the finished counters are a floor', sequences: [], finished: 5, expected: 5 },
    { name: 'pods without the annotation are skipped', sequences: [undefined, 1], finished: 0, expected: 2 },
  ])('$name', ({ sequences, finished, expected }) => {
    const job = aBatchJob({ succeeded: finished });
    const pods = sequences.map((sequence) => aJobPod(job, sequence === undefined ? {} : { sequence }));

    expect(nextPodSequence(job, pods)).toBe(expected);
  });

  it('reads back the sequence podForJob recorded', () => {
    expect(podSequenceOf(podForJob(aBatchJob(), 41, NOW))).toBe(41);
  });
});
