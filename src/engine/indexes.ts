import { wellKnown, type Pod } from '../spec/types.ts';

/**
 * Completion indexes of Indexed Jobs, kept as Kubernetes keeps them: ordered, non-overlapping closed intervals,
 * written in the compressed form of `status.completedIndexes` (`"0-2,5"`).
 * Port of `orderedIntervals` in Kubernetes `pkg/controller/job/indexed_job_utils.go`.
 */
export interface IndexInterval {
  first: number;
  last: number;
}

/**
 * Parses `status.completedIndexes`. Like Kubernetes' `parseIndexesFromString`: intervals starting at or beyond
 * `completions` end the parse (the list is ordered), an interval ending beyond it is clipped, touching intervals
 * merge, and a corrupted interval (`"1-foo"`) is skipped rather than failing the whole Job.
 */
export function parseIndexes(value: string | undefined, completions: number): IndexInterval[] {
  if (value === undefined || value === '') return [];
  const result: IndexInterval[] = [];
  for (const part of value.split(',')) {
    const limits = part.split('-');
    const first = parseDecimal(limits[0] ?? '');
    if (first === undefined) continue;
    if (first >= completions) break;
    let last = first;
    if (limits.length > 1) {
      const parsedLast = parseDecimal(limits[1] ?? '');
      if (parsedLast === undefined) continue;
      last = Math.min(parsedLast, completions - 1);
    }
    const previous = result.at(-1);
    if (previous !== undefined && previous.last === first - 1) previous.last = last;
    else result.push({ first, last });
  }
  return result;
}

/** Go's `strconv.Atoi` accepts an optional sign and decimal digits only. */
function parseDecimal(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number.parseInt(text, 10) : undefined;
}

/** The intervals with `indexes` added (any order, duplicates allowed); the input is not changed. */
export function withIndexes(intervals: readonly IndexInterval[], indexes: Iterable<number>): IndexInterval[] {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  return mergeIntervals(
    intervals,
    sorted.map((ix) => ({ first: ix, last: ix })),
  );
}

/** Union of two ordered interval lists (Kubernetes `orderedIntervals.merge`). */
export function mergeIntervals(a: readonly IndexInterval[], b: readonly IndexInterval[]): IndexInterval[] {
  const result: IndexInterval[] = [];
  const add = (next: IndexInterval): void => {
    const last = result.at(-1);
    if (last === undefined || next.first > last.last + 1) result.push({ ...next });
    else if (last.last < next.last) last.last = next.last;
  };
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as IndexInterval;
    const y = b[j] as IndexInterval;
    if (x.first < y.first) {
      add(x);
      i++;
    } else {
      add(y);
      j++;
    }
  }
  for (; i < a.length; i++) add(a[i] as IndexInterval);
  for (; j < b.length; j++) add(b[j] as IndexInterval);
  return result;
}

/** How many indexes the intervals hold. */
export function countIndexes(intervals: readonly IndexInterval[]): number {
  return intervals.reduce((sum, iv) => sum + iv.last - iv.first + 1, 0);
}

/** Whether `index` is in one of the intervals. */
export function hasIndex(intervals: readonly IndexInterval[], index: number): boolean {
  return intervals.some((iv) => iv.first <= index && index <= iv.last);
}

/**
 * The compressed form Kubernetes writes to `status.completedIndexes`: a run of three or more is `first-last`, a run
 * of two is written out (`"0,1"`, not `"0-1"`), as `orderedIntervals.String()` does.
 */
export function formatIndexes(intervals: readonly IndexInterval[]): string {
  return intervals
    .map((iv) => {
      if (iv.last === iv.first) return `${iv.first}`;
      return iv.last === iv.first + 1 ? `${iv.first},${iv.last}` : `${iv.first}-${iv.last}`;
    })
    .join(',');
}

/**
 * The `count` lowest indexes below `completions` not in `taken` (succeeded or active), as Kubernetes'
 * `firstPendingIndexes` picks the indexes for new pods.
 */
export function firstPendingIndexes(taken: readonly IndexInterval[], count: number, completions: number): number[] {
  const result: number[] = [];
  let candidate = 0;
  for (const iv of taken) {
    for (; candidate < completions && result.length < count && candidate < iv.first; candidate++)
      result.push(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < completions && result.length < count; candidate++) result.push(candidate);
  return result;
}

/**
 * A pod's completion index from its `batch.kubernetes.io/job-completion-index` annotation; undefined when absent,
 * not a number or negative (Kubernetes `getCompletionIndex` returns -1 then).
 */
export function completionIndexOf(pod: Pod): number | undefined {
  const value = pod.metadata.annotations?.[wellKnown.completionIndex];
  if (value === undefined) return undefined;
  const ix = parseDecimal(value);
  return ix === undefined || ix < 0 ? undefined : ix;
}
