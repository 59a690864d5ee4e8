/**
 * `kubectl get --sort-by=JSONPATH`.
 *
 * Ported from k8s.io/kubectl/pkg/cmd/get/sorter.go (`isLess`, `SortObjects`, `NewTableSorter`), Apache-2.0,
 * Copyright 2014 The Kubernetes Authors, with `sortorder.NaturalLess` (github.com/fvbommel/sortorder, MIT) and the
 * part of `resource.ParseQuantity` (k8s.io/apimachinery) that decides whether a string is a quantity. Numbers sort
 * as numbers, strings that are all quantities (`100m`, `2Gi`, `10`) by their value, other strings naturally
 * (`job-9` before `job-10`; RFC 3339 times in time order); an object without the field sorts first.
 *
 * kubectl sorts with Go's `sort.Sort`, an insertion sort up to 12 items: that is used here too, so ties and missing
 * values come out in kubectl's order; longer lists use a stable merge sort (kubectl's pdqsort is not stable).
 */
import { JobctlError } from '../../errors.ts';
import { goQuote, goTypeName } from './go-format.ts';
import { JsonPath, JsonPathError } from './jsonpath.ts';
import { relaxedJsonPathExpression } from './custom-columns.ts';

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** `sortorder.NaturalLess`: digit runs compare as numbers, other bytes as bytes, digits before other bytes. */
export function naturalLess(a: string, b: string): boolean {
  const s1 = Buffer.from(a, 'utf8');
  const s2 = Buffer.from(b, 'utf8');
  let i1 = 0;
  let i2 = 0;
  while (i1 < s1.length && i2 < s2.length) {
    const c1 = s1[i1]!;
    const c2 = s2[i2]!;
    const d1 = isDigit(c1);
    const d2 = isDigit(c2);
    if (d1 !== d2) return d1;
    if (!d1) {
      if (c1 !== c2) return c1 < c2;
      i1++;
      i2++;
      continue;
    }
    while (i1 < s1.length && s1[i1] === 0x30) i1++;
    while (i2 < s2.length && s2[i2] === 0x30) i2++;
    const nonZero1 = i1;
    const nonZero2 = i2;
    while (i1 < s1.length && isDigit(s1[i1]!)) i1++;
    while (i2 < s2.length && isDigit(s2[i2]!)) i2++;
    const len1 = i1 - nonZero1;
    const len2 = i2 - nonZero2;
    if (len1 !== len2) return len1 < len2;
    const n1 = s1.subarray(nonZero1, i1).toString('latin1');
    const n2 = s2.subarray(nonZero2, i2).toString('latin1');
    if (n1 !== n2) return n1 < n2;
    if (nonZero1 !== nonZero2) return nonZero1 < nonZero2;
  }
  return s1.length < s2.length;
}

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/**
 * The value of a Kubernetes quantity (`500m`, `1.5Gi`, `2e3`, `10`), or undefined when `text` is not one, as
 * `resource.ParseQuantity` decides (`""` is not; `"+"` and `"E"` are, oddly, zero).
 */
export function parseQuantity(text: string): number | undefined {
  if (text.length === 0) return undefined;
  const match = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*)([+-]?[0-9]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign, whole, fraction, letters, exponentDigits] = match as unknown as string[];
  // ParseQuantity stops at the first character that is not part of a suffix; after the letters only a signed
  // number may follow, and only to make an exponent (`e3`, `E-2`).
  const suffix = `${letters}${exponentDigits}`;
  const mantissa = Number(`${whole || '0'}.${fraction || '0'}`) * (sign === '-' ? -1 : 1);
  if (DECIMAL_SUFFIXES[suffix] !== undefined) return mantissa * 10 ** DECIMAL_SUFFIXES[suffix];
  if (BINARY_SUFFIXES[suffix] !== undefined) return mantissa * 2 ** BINARY_SUFFIXES[suffix];
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1)))
    return mantissa * 10 ** Number(suffix.slice(1));
  return undefined;
}

class UnsortableError extends Error {}

/** `isLess` for two values read from unstructured objects (Go's `reflect.Interface` case). */
function isLess(a: unknown, b: unknown): boolean {
  if (a === null && b === null) return false;
  if (a === null) return true;
  if (b === null) return false;
  if (typeof a === 'number') {
    if (typeof b !== 'number' || Number.isInteger(a) !== Number.isInteger(b))
      throw new UnsortableError('unsortable interface: interface');
    return a < b;
  }
  if (typeof a === 'string') {
    if (typeof b !== 'string') throw new UnsortableError('unsortable interface: interface');
    const qa = parseQuantity(a);
    const qb = qa === undefined ? undefined : parseQuantity(b);
    return qa === undefined || qb === undefined ? naturalLess(a, b) : qa < qb;
  }
  throw new UnsortableError(`unsortable type: ${goTypeName(a)}`);
}

/** Go's `sort.Sort` on `items` with `less(i, j)` over original positions; returns the new order of positions. */
function goSort(count: number, less: (i: number, j: number) => boolean): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  if (count <= 12) {
    for (let i = 1; i < count; i++) {
      for (let j = i; j > 0 && less(order[j]!, order[j - 1]!); j--) {
        [order[j], order[j - 1]] = [order[j - 1]!, order[j]!];
      }
    }
    return order;
  }
  return order.sort((x, y) => {
    const xy = less(x, y);
    const yx = less(y, x);
    return xy === yx ? 0 : xy ? -1 : 1; // kubectl's less is true both ways for two items without the field
  });
}

/** How kubectl sorts: the rows of a server-side table (`get`, `-o wide`) or the items of a list (other formats). */
export type SortMode = 'table' | 'list';

const fail = (message: string) => new JobctlError('Validation', `error: ${message}`);

/**
 * `items` sorted by the value `sortBy` selects in each one's unstructured content (`content(item)`).
 *
 * @throws JobctlError with kubectl's messages: a path found in no item (`couldn't find any field with path …`),
 *   a path that does not parse, values that cannot be compared
 */
export function sortByField<T>(
  items: readonly T[],
  content: (item: T) => unknown,
  sortBy: string,
  mode: SortMode,
): T[] {
  if (mode === 'list' && items.length === 0) return [...items];
  let field: string;
  try {
    field = relaxedJsonPathExpression(sortBy);
  } catch (error) {
    if (mode === 'list') throw error;
    field = sortBy; // the table sorter falls back to the text as given
  }
  const parser = new JsonPath('sorting').setAllowMissingKeys(true);
  try {
    parser.parse(field);
  } catch (error) {
    if (!(error instanceof JsonPathError)) throw error;
    throw fail(mode === 'table' ? `sorting error: ${error.message}` : error.message);
  }
  const values = items.map((item) => {
    try {
      return parser.findResults(content(item));
    } catch (error) {
      if (!(error instanceof JsonPathError)) throw error;
      if (mode === 'list') throw fail(error.message);
      throw fail(
        `Failed to get values for [][]reflect.Value(nil) using ${field} ` +
          `(&errors.errorString{s:${goQuote(error.message)}})`,
      );
    }
  });
  const found = (v: unknown[][]) => v.length > 0 && v[0]!.length > 0;
  if (items.length > 0 && !values.some(found))
    throw fail(`couldn't find any field with path ${goQuote(field)} in the list of objects`);
  const less = (i: number, j: number): boolean => {
    if (!found(values[i]!)) return true;
    if (!found(values[j]!)) return false;
    try {
      return isLess(values[i]![0]![0], values[j]![0]![0]);
    } catch (error) {
      if (!(error instanceof UnsortableError)) throw error;
      const where = mode === 'table' ? '[][][]reflect.Value' : '*unstructured.Unstructured';
      throw fail(`Field ${field} in ${where} is an unsortable type: interface, err: ${error.message}`);
    }
  };
  return goSort(items.length, less).map((i) => items[i]!);
}
