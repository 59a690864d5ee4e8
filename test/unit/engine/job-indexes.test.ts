import { describe, expect, it } from 'vitest';
import {
  completionIndexOf,
  firstPendingIndexes,
  formatIndexes,
  parseIndexes,
  withIndexes,
} from '../../../src/engine/indexes.ts';
import type { Pod } from '../../../src/spec/types.ts';
import { aBatchJob, aJobPod } from '../../support/builders.ts';

/** Kubernetes' `calculateSucceededIndexes`: previous status indexes plus succeeded pods' valid indexes. */
function succeededIndexes(prev: string, pods: [string, Pod['status']['phase']][], completions: number) {
  const job = aBatchJob();
  const indexes = pods
    .map(([index, phase]) => aJobPod(job, { index, phase }))
    .filter((p) => p.status.phase === 'Succeeded')
    .map(completionIndexOf)
    .filter((ix): ix is number => ix !== undefined && ix < completions);
  const status = parseIndexes(prev, completions);
  return { status: formatIndexes(status), all: formatIndexes(withIndexes(status, indexes)) };
}

describe('completed indexes', () => {
  // Ported from kubernetes/kubernetes pkg/controller/job/indexed_job_utils_test.go TestCalculateSucceededIndexes;
  // intervals are compared in their status form.
  const cases = [
    { name: 'one index', prev: '', pods: [['1', 'Succeeded']], completions: 2, expected: { status: '', all: '1' } },
    {
      name: 'two separate',
      prev: '',
      pods: [
        ['2', 'Failed'],
        ['5', 'Succeeded'],
        ['5', 'Succeeded'],
        ['10', 'Failed'],
        ['10', 'Succeeded'],
      ],
      completions: 11,
      expected: { status: '', all: '5,10' },
    },
    {
      name: 'two intervals',
      prev: '',
      pods: [
        ['0', 'Running'],
        ['1', 'Pending'],
        ['2', 'Succeeded'],
        ['3', 'Succeeded'],
        ['5', 'Succeeded'],
        ['6', 'Succeeded'],
        ['7', 'Succeeded'],
      ],
      completions: 8,
      expected: { status: '', all: '2,3,5-7' },
    },
    {
      name: 'one index and one interval',
      prev: '',
      pods: [
        ['0', 'Succeeded'],
        ['1', 'Failed'],
        ['2', 'Succeeded'],
        ['3', 'Succeeded'],
        ['4', 'Succeeded'],
        ['5', 'Succeeded'],
        ['-', 'Succeeded'],
        ['-2', 'Succeeded'],
      ],
      completions: 6,
      expected: { status: '', all: '0,2-5' },
    },
    {
      name: 'out of range',
      prev: '',
      pods: [
        ['0', 'Succeeded'],
        ['1', 'Succeeded'],
        ['2', 'Succeeded'],
        ['3', 'Failed'],
        ['4', 'Succeeded'],
        ['5', 'Succeeded'],
        ['-', 'Succeeded'],
        ['-2', 'Succeeded'],
      ],
      completions: 5,
      expected: { status: '', all: '0-2,4' },
    },
    {
      name: 'prev interval out of range',
      prev: '0-5,8-10',
      pods: [],
      completions: 8,
      expected: { status: '0-5', all: '0-5' },
    },
    {
      name: 'prev interval partially out of range',
      prev: '0-5,8-10',
      pods: [],
      completions: 10,
      expected: { status: '0-5,8,9', all: '0-5,8,9' },
    },
    {
      name: 'prev and new separate',
      prev: '0,4,5,10-12',
      pods: [
        ['2', 'Succeeded'],
        ['7', 'Succeeded'],
        ['8', 'Succeeded'],
      ],
      completions: 13,
      expected: { status: '0,4,5,10-12', all: '0,2,4,5,7,8,10-12' },
    },
    {
      name: 'prev between new',
      prev: '3,4,6',
      pods: [
        ['2', 'Succeeded'],
        ['7', 'Succeeded'],
        ['8', 'Succeeded'],
      ],
      completions: 9,
      expected: { status: '3,4,6', all: '2-4,6-8' },
    },
    {
      name: 'new between prev',
      prev: '2,7,8',
      pods: [
        ['3', 'Succeeded'],
        ['4', 'Succeeded'],
        ['6', 'Succeeded'],
      ],
      completions: 9,
      expected: { status: '2,7,8', all: '2-4,6-8' },
    },
    {
      name: 'new within prev',
      prev: '2-7',
      pods: [
        ['0', 'Succeeded'],
        ['3', 'Succeeded'],
        ['5', 'Succeeded'],
        ['9', 'Succeeded'],
      ],
      completions: 10,
      expected: { status: '2-7', all: '0,2-7,9' },
    },
    {
      name: 'corrupted interval',
      prev: '0,1-foo,bar',
      pods: [['3', 'Succeeded']],
      completions: 4,
      expected: { status: '0', all: '0,3' },
    },
  ] as {
    name: string;
    prev: string;
    pods: [string, Pod['status']['phase']][];
    completions: number;
    expected: { status: string; all: string };
  }[];

  it.each(cases)('$name', ({ prev, pods, completions, expected }) => {
    expect(succeededIndexes(prev, pods, completions)).toEqual(expected);
  });
});

describe('firstPendingIndexes', () => {
  // The lowest indexes not succeeded or active (Kubernetes firstPendingIndexes), as TestControllerSyncJob's
  // 'indexed job some running and completed pods' exercises it.
  it.each([
    { name: 'nothing taken', taken: '', count: 2, completions: 5, expected: [0, 1] },
    {
      name: 'gaps first, then past the last interval',
      taken: '0,2-5,7-9',
      count: 6,
      completions: 20,
      expected: [1, 6, 10, 11, 12, 13],
    },
    { name: 'never beyond completions', taken: '0-2', count: 5, completions: 4, expected: [3] },
    { name: 'count 0', taken: '', count: 0, completions: 4, expected: [] },
  ])('$name', ({ taken, count, completions, expected }) => {
    expect(firstPendingIndexes(parseIndexes(taken, completions), count, completions)).toEqual(expected);
  });
});

describe('completionIndexOf', () => {
  it.each([
    { annotation: '3', expected: 3 },
    { annotation: '-2', expected: undefined },
    { annotation: 'invalid', expected: undefined },
    { annotation: undefined, expected: undefined },
  ])('reads $annotation as $expected', ({ annotation, expected }) => {
    const pod = aJobPod(aBatchJob(), annotation === undefined ? {} : { index: annotation });
    expect(completionIndexOf(pod)).toBe(expected);
  });
});
