import { describe, expect, it } from 'vitest';
import { JobctlError } from '../../../src/errors.ts';
import { parseCsv } from '../../../src/expand/csv.ts';
import {
  bindingsFromItems,
  bindingsFromParams,
  paramsFormatOf,
  parseItemLines,
  parseItemList,
  parseParams,
} from '../../../src/expand/params.ts';

const fruits = [
  { name: 'apple', url: 'http://dbpedia.org/resource/Apple' },
  { name: 'banana', url: 'http://dbpedia.org/resource/Banana' },
  { name: 'cherry', url: 'http://dbpedia.org/resource/Cherry' },
];

describe('parseParams', () => {
  it.each([
    {
      format: 'csv',
      file: 'params.csv',
      text:
        'name,url\napple,http://dbpedia.org/resource/Apple\nbanana,http://dbpedia.org/resource/Banana\n' +
        'cherry,http://dbpedia.org/resource/Cherry\n',
    },
    { format: 'json', file: 'params.json', text: JSON.stringify(fruits) },
    {
      format: 'yaml',
      file: 'params.yaml',
      text:
        '- name: apple\n  url: http://dbpedia.org/resource/Apple\n- name: banana\n  url: ' +
        'http://dbpedia.org/resource/Banana\n- name: cherry\n  url: http://dbpedia.org/resource/Cherry\n',
    },
  ])('reads the three fruits from $format', ({ file, text }) => {
    expect(parseParams(text, file)).toEqual(fruits);
  });

  it('keeps a JSON object as it is, for a Jinja2 template', () => {
    expect(parseParams('{"image": "busybox", "fruits": ["apple"]}', 'params.json')).toEqual({
      image: 'busybox',
      fruits: ['apple'],
    });
  });

  it('names the file and line of a YAML syntax error', () => {
    expect(() => parseParams('- name: apple\n  url: [unclosed\n', 'params.yaml')).toThrow(
      /^params\.yaml(:\d+)?: invalid YAML: /,
    );
  });

  it('names the file of a JSON syntax error', () => {
    expect(() => parseParams('[{"name": "apple",]', 'params.json')).toThrow(/^params\.json: invalid JSON: /);
  });

  it('picks the format from the extension, YAML by default', () => {
    expect(['a.csv', 'a.JSON', 'a.yml', 'a.txt'].map(paramsFormatOf)).toEqual(['csv', 'json', 'yaml', 'yaml']);
  });
});

describe('parseCsv', () => {
  it('reads quoted fields with commas, doubled quotes, line breaks and CRLF line ends', () => {
    const text = '\uFEFFname,note\r\n"Apple, Pie","say ""hi"""\r\n\r\nplum,"two\nlines"\r\n';

    expect(parseCsv(text, 'p.csv')).toEqual([
      { name: 'Apple, Pie', note: 'say "hi"' },
      { name: 'plum', note: 'two\nlines' },
    ]);
  });

  it("rejects a row whose field count differs from the header's, at its line", () => {
    expect(() => parseCsv('name,url\napple\n', 'p.csv')).toThrow(
      new JobctlError(
        'Validation',
        'p.csv:2: 1 fields, but the header has 2 (name,url): quote a value that holds a comma',
      ),
    );
  });

  it('rejects an unclosed quote at the line it opens', () => {
    expect(() => parseCsv('name\n"apple\n', 'p.csv')).toThrow(
      new JobctlError('Validation', 'p.csv:2: a quoted field is not closed: end it with "'),
    );
  });

  it('rejects a header with a repeated name', () => {
    expect(() => parseCsv('name,name\na,b\n', 'p.csv')).toThrow(
      new JobctlError('Validation', 'p.csv:1: column "name" is named twice'),
    );
  });
});

describe('items', () => {
  it('splits --items on commas, trimmed, skipping empty entries', () => {
    expect(parseItemList('apple, banana,,cherry,')).toEqual(['apple', 'banana', 'cherry']);
  });

  it('reads an --items-file one per line, skipping empty lines', () => {
    expect(parseItemLines('apple\n\n  banana  \r\ncherry\n\n')).toEqual(['apple', 'banana', 'cherry']);
  });

  it('binds each item to $ITEM', () => {
    expect(bindingsFromItems(['apple'])).toEqual([{ label: 'item "apple"', values: { ITEM: 'apple' } }]);
  });
});

describe('bindingsFromParams', () => {
  it("binds a row's columns by name and its first value to $ITEM", () => {
    expect(bindingsFromParams([fruits[0]], 'params.csv')).toEqual([
      { label: 'item "apple"', values: { name: 'apple', url: 'http://dbpedia.org/resource/Apple', ITEM: 'apple' } },
    ]);
  });

  it('binds scalars to $ITEM as YAML writes them', () => {
    expect(bindingsFromParams([1, true, 'x'], 'p.yaml').map((b) => b.values['ITEM'])).toEqual(['1', 'true', 'x']);
  });

  it('rejects an object where a list of items is needed', () => {
    expect(() => bindingsFromParams({ a: 1 }, 'p.json')).toThrow(
      /^p\.json: a \$ITEM template takes a list .*got an object/,
    );
  });

  it('rejects a nested field, naming the entry and the field', () => {
    expect(() => bindingsFromParams([{ name: 'apple', tags: ['red'] }], 'p.yaml')).toThrow(
      /^p\.yaml: entry 1 field "tags" is a list/,
    );
  });
});
