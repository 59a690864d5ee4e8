import { describe, expect, it } from 'vitest';
import {
  PartialOutputError,
  parseCustomColumnsSpec,
  parseCustomColumnsTemplate,
  relaxedJsonPathExpression,
  renderCustomColumns,
} from '../../../src/cli/printers/custom-columns.ts';
import { naturalLess, parseQuantity, sortByField } from '../../../src/cli/printers/sort-by.ts';

// Custom columns and --sort-by as k8s.io/kubectl's customcolumn.go and sorter.go behave (their tests' cases where
// they apply to unstructured objects).

const pods = [
  { metadata: { name: 'a', labels: { app: 'web' } }, spec: { containers: [{ name: 'c1' }, { name: 'c2' }] } },
  { metadata: { name: 'b' }, spec: { containers: [] } },
];

describe('relaxedJsonPathExpression', () => {
  it.each([
    ['metadata.name', '{.metadata.name}'],
    ['.metadata.name', '{.metadata.name}'],
    ['{metadata.name}', '{.metadata.name}'],
    ['{.metadata.name}', '{.metadata.name}'],
    ['', ''],
  ])('reads %j as %j', (path, expected) => {
    expect(relaxedJsonPathExpression(path)).toBe(expected);
  });

  it.each(['{.a}{.b}', '{.a', '.a}'])('rejects %j', (path) => {
    expect(() => relaxedJsonPathExpression(path)).toThrow(/^error: unexpected path string, expected a 'name1.name2'/);
  });
});

describe('custom columns', () => {
  it('joins several values with commas and prints <none> for none', () => {
    const spec = parseCustomColumnsSpec(
      'NAME:.metadata.name,CONTAINERS:.spec.containers[*].name,APP:.metadata.labels.app',
      false,
    );
    expect(renderCustomColumns(spec, pods)).toBe(
      'NAME   CONTAINERS   APP\na      c1,c2        web\nb      <none>       <none>\n',
    );
  });

  it('keeps a colon in the path and escapes terminal control characters in values', () => {
    const spec = parseCustomColumnsSpec('K:{.metadata.annotations.a:b}', true);
    expect(renderCustomColumns(spec, [{ metadata: { annotations: { 'a:b': '\x1b[31mred\r' } } }])).toBe(
      '^[[31mred\\r\n',
    );
  });

  it('reads a template of a header line and a path line; --no-headers does not apply to it, as in kubectl', () => {
    const spec = parseCustomColumnsTemplate('NAME\tAPP\r\n  metadata.name   {.metadata.labels.app}\n');
    expect(spec).toEqual({
      columns: [
        { header: 'NAME', fieldSpec: '{.metadata.name}' },
        { header: 'APP', fieldSpec: '{.metadata.labels.app}' },
      ],
      noHeaders: false,
    });
  });

  it("rejects a template with kubectl's messages", () => {
    expect(() => parseCustomColumnsTemplate('')).toThrow(/^error: invalid template, missing header line\. Expected/);
    expect(() => parseCustomColumnsTemplate('NAME\n')).toThrow(/^error: invalid template, missing spec line\. /);
    expect(() => parseCustomColumnsTemplate('NAME AGE\n.metadata.name\n')).toThrow(
      "error: number of headers (2) and field specifications (1) don't match",
    );
  });

  it('prints the header and rows before an object whose value fails, as kubectl flushes them', () => {
    const spec = parseCustomColumnsSpec('FIRST:.spec.containers[0].name', false);
    let error: unknown;
    try {
      renderCustomColumns(spec, pods);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PartialOutputError);
    expect((error as PartialOutputError).message).toBe('error: array index out of bounds: index 0, length 0');
    expect((error as PartialOutputError).stdout).toBe('FIRST\nc1\n');
  });
});

describe('--sort-by', () => {
  it('compares digit runs as numbers (sortorder.NaturalLess)', () => {
    expect(naturalLess('job-9', 'job-10')).toBe(true);
    expect(naturalLess('job-10', 'job-9')).toBe(false);
    expect(naturalLess('a01', 'a1')).toBe(false);
    expect(naturalLess('a1', 'a01')).toBe(true);
    expect(naturalLess('2026-03-02T09:59:59Z', '2026-03-02T10:00:00Z')).toBe(true);
    expect(naturalLess('1a', 'a')).toBe(true);
  });

  it('reads Kubernetes quantities as resource.ParseQuantity does', () => {
    expect(parseQuantity('100m')).toBeCloseTo(0.1);
    expect(parseQuantity('2Gi')).toBe(2 * 2 ** 30);
    expect(parseQuantity('1.5k')).toBe(1500);
    expect(parseQuantity('2e3')).toBe(2000);
    expect(parseQuantity('10')).toBe(10);
    for (const text of ['', 'abc', '1/1', 'job-10', '2026-03-02T10:00:00Z', '5-3', '1.5.3']) {
      expect(parseQuantity(text)).toBeUndefined();
    }
  });

  const items = [
    { name: 'a', mem: '1Gi', n: 3 },
    { name: 'b', mem: '512Mi', n: 1 },
    { name: 'c', n: 2 },
  ];
  const names = (sorted: typeof items) => sorted.map((i) => i.name);

  it('sorts quantities by value and numbers as numbers, an item without the field first', () => {
    expect(names(sortByField(items, (i) => i, '.mem', 'list'))).toEqual(['c', 'b', 'a']);
    expect(names(sortByField(items, (i) => i, '{.n}', 'table'))).toEqual(['b', 'c', 'a']);
  });

  it("reports kubectl's errors: a path in no object, a bad path, values of two types", () => {
    expect(() => sortByField(items, (i) => i, '.nope', 'list')).toThrow(
      'error: couldn\'t find any field with path "{.nope}" in the list of objects',
    );
    expect(sortByField([], (i) => i, '.nope', 'list')).toEqual([]);
    expect(() => sortByField(items, (i) => i, '{.a', 'table')).toThrow('error: sorting error: unclosed action');
    expect(() => sortByField(items, (i) => i, '{.a}{.b}', 'list')).toThrow(/^error: unexpected path string/);
    const mixed = [{ v: 1 }, { v: 'x' }];
    expect(() => sortByField(mixed, (i) => i, '.v', 'list')).toThrow(
      'error: Field {.v} in *unstructured.Unstructured is an unsortable type: interface, ' +
        'err: unsortable interface: interface',
    );
  });
});
