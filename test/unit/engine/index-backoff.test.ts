import { describe, expect, it } from 'vitest';
import {
  indexFailureCountOf,
  lastFailedPodPerIndex,
  newIndexFailureCounts,
  remainingTimePerIndexMs,
} from '../../../src/engine/index-backoff.ts';
import { parseIndexes } from '../../../src/engine/indexes.ts';
import type { Job, Pod } from '../../../src/spec/types.ts';
import { aBatchJob, aJobPod, at } from '../../support/builders.ts';

// defaultTestTime of kubernetes/kubernetes pkg/controller/job/backoff_utils_test.go.
const T = at('2009-11-10T23:00:00Z');
const s = 1000;

/** Kubernetes' `buildPod()` with `.index(ix).phase(phase).indexFailureCount(n).indexIgnoredFailureCount(m)`. */
function aPod(
  job: Job,
  o: { index?: string; phase: Pod['status']['phase']; failures?: string; ignored?: string; finishedAt?: number },
): Pod {
  const pod = aJobPod(job, {
    phase: o.phase,
    ...(o.index === undefined ? {} : { index: o.index }),
    ...(o.finishedAt === undefined ? {} : { finishedAt: o.finishedAt }),
  });
  pod.metadata.annotations = {
    ...pod.metadata.annotations,
    ...(o.failures === undefined ? {} : { 'batch.kubernetes.io/job-index-failure-count': o.failures }),
    ...(o.ignored === undefined ? {} : { 'batch.kubernetes.io/job-index-ignored-failure-count': o.ignored }),
  };
  return pod;
}

const job = aBatchJob({ completions: 3, completionMode: 'Indexed' });

describe('remainingTimePerIndexMs', () => {
  // Ported from backoff_utils_test.go TestGetRemainingBackoffTimePerIndex (defaultBackoff 5 s, maxBackoff 700 s).
  // Upstream times the failure by the pod's deletion timestamp; jobctl pods have none, so by the container's
  // finishedAt, the first thing Kubernetes' getFinishedTime looks at.
  const cases: { name: string; lastFailedPod?: Pod; now: number; expected: number }[] = [
    { name: 'no failures', now: T, expected: 0 },
    {
      name: 'two prev failures; current time and failure time are same',
      lastFailedPod: aPod(job, { phase: 'Failed', failures: '2', finishedAt: T }),
      now: T,
      expected: 20 * s,
    },
    {
      name: 'one prev failure counted and one ignored; current time and failure time are same',
      lastFailedPod: aPod(job, { phase: 'Failed', failures: '1', ignored: '1', finishedAt: T }),
      now: T,
      expected: 20 * s,
    },
  ];

  it.each(cases)('$name', ({ lastFailedPod, now, expected }) => {
    expect(remainingTimePerIndexMs(lastFailedPod, now, 5 * s, 700 * s)).toBe(expected);
  });

  it(
    "defaults to the Job controller's constants: 10 s for an index's first failure, doubling, " + 'capped at 10 min',
    () => {
      const wait = (failures: string) =>
        remainingTimePerIndexMs(aPod(job, { phase: 'Failed', failures, finishedAt: T }), T);
      expect(['0', '1', '2', '5', '6', '30'].map(wait)).toEqual([10 * s, 20 * s, 40 * s, 320 * s, 600 * s, 600 * s]);
    },
  );
});

describe('lastFailedPodPerIndex', () => {
  // Ported from indexed_job_utils_test.go TestGetPodsWithDelayedDeletionPerIndex. The failed indexes come from the
  // pods as Kubernetes' calculateFailedIndexes gives them (a failed pod whose failure count reaches
  // backoffLimitPerIndex). Left out: "failed pod without finalizer; …" and "failed pod with expected finalizer
  // removal; …" — jobctl pods carry no tracking finalizer, a failed pod stays until the Job goes.
  const cases: {
    name: string;
    completions: number;
    pods: Pod[];
    failedIndexes?: string;
    expected: string[];
  }[] = [
    {
      name: 'failed pods are kept corresponding to non-failed indexes are kept',
      completions: 3,
      pods: [
        tag('a', aPod(job, { index: '0', phase: 'Failed', failures: '0' })),
        tag('b', aPod(job, { index: '1', phase: 'Failed', failures: '1' })),
        tag('c', aPod(job, { index: '2', phase: 'Failed', failures: '0' })),
      ],
      failedIndexes: '1',
      expected: ['a', 'c'],
    },
    {
      name: "failed pod with index outside of completions; the pod's deletion is not delayed",
      completions: 2,
      pods: [tag('a', aPod(job, { index: '4', phase: 'Failed', failures: '0' }))],
      expected: [],
    },
    {
      name: "failed pod for active index; the pod's deletion is not delayed as it is already replaced",
      completions: 2,
      pods: [
        tag('a1', aPod(job, { index: '0', phase: 'Failed', failures: '0' })),
        tag('a2', aPod(job, { index: '0', phase: 'Running', failures: '1' })),
      ],
      expected: [],
    },
    {
      name: "failed pod for succeeded index; the pod's deletion is not delayed as it is already replaced",
      completions: 2,
      pods: [
        tag('a1', aPod(job, { index: '0', phase: 'Failed', failures: '0' })),
        tag('a2', aPod(job, { index: '0', phase: 'Succeeded', failures: '1' })),
      ],
      expected: [],
    },
    {
      name:
        'multiple failed pods for index with different failure count; only the pod with highest failure count ' +
        'is kept',
      completions: 2,
      pods: [
        tag('a1', aPod(job, { index: '0', phase: 'Failed', failures: '0' })),
        tag('a3', aPod(job, { index: '0', phase: 'Failed', failures: '2' })),
        tag('a2', aPod(job, { index: '0', phase: 'Failed', failures: '1' })),
      ],
      expected: ['a3'],
    },
    {
      name: 'multiple failed pods for index with different finish times; only the last failed pod is kept',
      completions: 2,
      pods: [
        tag('a1', aPod(job, { index: '0', phase: 'Failed', failures: '1', finishedAt: T - s })),
        tag('a3', aPod(job, { index: '0', phase: 'Failed', failures: '1', finishedAt: T })),
        tag('a2', aPod(job, { index: '0', phase: 'Failed', failures: '1', finishedAt: T - 2 * s })),
      ],
      expected: ['a3'],
    },
  ];

  it.each(cases)('$name', ({ completions, pods, failedIndexes, expected }) => {
    const failed = pods.filter((p) => p.status.phase === 'Failed');
    const active = pods.filter((p) => p.status.phase === 'Running' || p.status.phase === 'Pending');
    const succeeded = parseIndexes(
      pods
        .filter((p) => p.status.phase === 'Succeeded')
        .map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'])
        .join(','),
      completions,
    );
    const got = lastFailedPodPerIndex(failed, active, succeeded, parseIndexes(failedIndexes, completions), completions);
    expect([...got.values()].map((p) => p.metadata.uid).sort()).toEqual(expected);
  });
});

/** The pod with uid `uid` (Kubernetes' `buildPod().uid(…)`). */
function tag(uid: string, pod: Pod): Pod {
  pod.metadata.uid = uid;
  return pod;
}

describe('newIndexFailureCounts', () => {
  // Ported from indexed_job_utils_test.go TestGetNewIndexFailureCountValue.
  const ignoreDisruptions: Job = {
    ...job,
    spec: {
      ...job.spec,
      podFailurePolicy: {
        rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
      },
    },
  };
  const disrupted = aPod(job, { index: '3', phase: 'Failed', failures: '3' });
  disrupted.status.conditions = [{ type: 'DisruptionTarget', status: 'True' }];
  const cases: { name: string; job: Job; pod?: Pod; expected: { failed: number; ignored: number } }[] = [
    { name: 'first pod created', job, expected: { failed: 0, ignored: 0 } },
    {
      name: 'failed pod being replaced with 0 index failure count',
      job,
      pod: aPod(job, { index: '0', phase: 'Failed', failures: '0' }),
      expected: { failed: 1, ignored: 0 },
    },
    {
      name: 'failed pod being replaced with >0 index failure count',
      job,
      pod: aPod(job, { index: '0', phase: 'Failed', failures: '3' }),
      expected: { failed: 4, ignored: 0 },
    },
    {
      name: 'failed pod being replaced, matching the ignore rule',
      job: ignoreDisruptions,
      pod: disrupted,
      expected: { failed: 3, ignored: 1 },
    },
  ];

  it.each(cases)('$name', ({ job, pod, expected }) => {
    expect(newIndexFailureCounts(job, pod)).toEqual(expected);
  });

  it('counts a disrupted pod as ignored without a policy too (jobctl ignores disruptions unasked)', () => {
    expect(newIndexFailureCounts(job, disrupted)).toEqual({ failed: 3, ignored: 1 });
  });
});

describe('indexFailureCountOf', () => {
  // Ported from indexed_job_utils_test.go TestGetIndexFailureCount.
  it.each([
    { name: 'no annotation', value: undefined, expected: 0 },
    { name: 'valid value', value: '2', expected: 2 },
    { name: 'valid maxint32 value', value: '2147483647', expected: 2_147_483_647 },
    { name: 'too large value', value: '2147483648', expected: 0 },
    { name: 'negative value', value: '-1', expected: 0 },
    { name: 'invalid int value', value: 'xyz', expected: 0 },
  ])('$name', ({ value, expected }) => {
    const pod = aPod(job, { phase: 'Failed', ...(value === undefined ? {} : { failures: value }) });
    expect(indexFailureCountOf(pod)).toBe(expected);
  });
});
