import { describe, expect, it } from 'vitest';
import {
  crashLoopBackOffMs,
  newBackoffRecord,
  podFinishedTimeMs,
  remainingBackoffMs,
  type BackoffRecord,
} from '../../../src/engine/backoff.ts';
import type { Pod } from '../../../src/spec/types.ts';
import { aBatchJob, aJobPod, at } from '../../support/builders.ts';

// defaultTestTime of kubernetes/kubernetes pkg/controller/job/backoff_utils_test.go.
const T = at('2009-11-10T23:00:00Z');
const job = aBatchJob();
const succeededAt = (ms: number): Pod => aJobPod(job, { phase: 'Succeeded', finishedAt: ms });
const failedAt = (ms: number): Pod => aJobPod(job, { phase: 'Failed', finishedAt: ms });

describe('newBackoffRecord', () => {
  // Ported from backoff_utils_test.go TestNewBackoffRecord (cases starting from an empty store). Upstream offsets are
  // milliseconds; jobctl stores RFC 3339 seconds, so they are seconds here: the ordering, which is what is tested,
  // holds.
  const s = 1000;
  const cases: { name: string; succeeded: number[]; failed: number[]; expected: BackoffRecord }[] = [
    {
      name: 'Empty backoff store and one new failure',
      succeeded: [],
      failed: [T],
      expected: { failuresAfterLastSuccess: 1, lastFailureTimeMs: T },
    },
    {
      name: 'Empty backoff store and two new failures',
      succeeded: [],
      failed: [T, T - s],
      expected: { failuresAfterLastSuccess: 2, lastFailureTimeMs: T },
    },
    {
      name: 'Empty backoff store, two failures followed by success',
      succeeded: [T],
      failed: [T - 2 * s, T - s],
      expected: { failuresAfterLastSuccess: 0 },
    },
    {
      name: 'Empty backoff store, two failures, one success and two more failures',
      succeeded: [T - 2 * s],
      failed: [T, T - 4 * s, T - 3 * s, T - s],
      expected: { failuresAfterLastSuccess: 2, lastFailureTimeMs: T },
    },
    {
      name: 'Empty backoff store with success and failure at same timestamp',
      succeeded: [T],
      failed: [T],
      expected: { failuresAfterLastSuccess: 0 },
    },
    {
      name: 'Empty backoff store with no success/failure',
      succeeded: [],
      failed: [],
      expected: { failuresAfterLastSuccess: 0 },
    },
    {
      name: 'Empty backoff store with one success',
      succeeded: [T],
      failed: [],
      expected: { failuresAfterLastSuccess: 0 },
    },
  ];

  it.each(cases)('$name', ({ succeeded, failed, expected }) => {
    expect(newBackoffRecord(succeeded.map(succeededAt), failed.map(failedAt))).toEqual(expected);
  });
});

describe('remainingBackoffMs', () => {
  // Ported from backoff_utils_test.go TestGetRemainingBackoffTime (defaultBackoff 5 s, maxBackoff 700 s).
  const cases = [
    { name: 'no failures', record: { failuresAfterLastSuccess: 0 }, now: T, expected: 0 },
    {
      name: 'one failure; current time and failure time are same',
      record: { failuresAfterLastSuccess: 1, lastFailureTimeMs: T },
      now: T,
      expected: 5_000,
    },
    {
      name: 'one failure; current time == 1 second + failure time',
      record: { failuresAfterLastSuccess: 1, lastFailureTimeMs: T },
      now: T + 1_000,
      expected: 4_000,
    },
    {
      name: 'one failure; current time == expected backoff time',
      record: { failuresAfterLastSuccess: 1, lastFailureTimeMs: T },
      now: T + 5_000,
      expected: 0,
    },
    {
      name: 'one failure; current time == expected backoff time + 1 Second',
      record: { failuresAfterLastSuccess: 1, lastFailureTimeMs: T },
      now: T + 6_000,
      expected: 0,
    },
    {
      name: 'three failures; current time and failure time are same',
      record: { failuresAfterLastSuccess: 3, lastFailureTimeMs: T },
      now: T,
      expected: 20_000,
    },
    {
      name: 'eight failures; current time and failure time are same; backoff not exceeding maxBackoff',
      record: { failuresAfterLastSuccess: 8, lastFailureTimeMs: T },
      now: T,
      expected: 640_000,
    },
    {
      name: 'nine failures; current time and failure time are same; backoff exceeding maxBackoff',
      record: { failuresAfterLastSuccess: 9, lastFailureTimeMs: T },
      now: T,
      expected: 700_000,
    },
  ];

  it.each(cases)('$name', ({ record, now, expected }) => {
    expect(remainingBackoffMs(record, now, 5_000, 700_000)).toBe(expected);
  });

  it('defaults to the Job controller constants: 10 s doubling, capped at 10 minutes', () => {
    const at = (n: number) => remainingBackoffMs({ failuresAfterLastSuccess: n, lastFailureTimeMs: T }, T);
    expect([1, 2, 3, 6, 7, 20].map(at)).toEqual([10_000, 20_000, 40_000, 320_000, 600_000, 600_000]);
  });
});

describe('podFinishedTimeMs', () => {
  // Ported from backoff_utils_test.go TestGetFinishedTime.
  it(
    'takes the latest finishedAt when all containers terminated (Pod with multiple containers and all containers ' +
      'terminated)',
    () => {
      const pod = failedAt(T);
      pod.status.containerStatuses = [T - 1_000, T, T - 2_000].map((ms, i) => ({
        name: `c${i}`,
        image: 'foo/bar',
        restartCount: 0,
        state: { terminated: { exitCode: 1, finishedAt: new Date(ms).toISOString().replace('.000Z', 'Z') } },
      }));

      expect(podFinishedTimeMs(pod)).toBe(T);
    },
  );

  it('falls back to the creation time when a container has not terminated (fallback to creationTimestamp)', () => {
    const pod = aJobPod(job, { phase: 'Running' });
    pod.metadata.creationTimestamp = '2009-11-10T23:00:00Z';

    expect(podFinishedTimeMs(pod)).toBe(T);
  });
});

describe('crashLoopBackOffMs', () => {
  // Kubelet: restart at once after the first crash, then 10 s, 20 s, … capped at MaxContainerBackOff 300 s.
  it.each([
    { restartCount: 1, expected: 0 },
    { restartCount: 2, expected: 10_000 },
    { restartCount: 3, expected: 20_000 },
    { restartCount: 6, expected: 160_000 },
    { restartCount: 7, expected: 300_000 },
    { restartCount: 1000, expected: 300_000 },
  ])('waits $expected ms before restart after crash $restartCount', ({ restartCount, expected }) => {
    expect(crashLoopBackOffMs(restartCount)).toBe(expected);
  });
});
