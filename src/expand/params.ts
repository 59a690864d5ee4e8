/**
 * Template parameters: the items of `--items`/`--items-file` and the rows of a `--params` file (JSON, YAML or CSV).
 */
import { parse as parseYaml } from 'yaml';
import { JobctlError } from '../errors.ts';
import { parseCsv } from './csv.ts';

/** The values one rendered manifest gets, and how errors name it. */
export interface ItemBinding {
  /** How messages name the item: `item "apple"`. */
  label: string;
  /** Placeholder name → value: `{ ITEM: 'apple' }`, or a row's columns `{ name: 'apple', url: '…' }`. */
  values: Record<string, string>;
}

/** The format of a `--params` file. */
export type ParamsFormat = 'json' | 'yaml' | 'csv';

/**
 * The format a `--params` file name implies: `.csv` is CSV, `.json` JSON, anything else YAML (which reads JSON too).
 *
 * @example
 * paramsFormatOf('fruits.csv'); // 'csv'
 */
export function paramsFormatOf(file: string): ParamsFormat {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.json$/i.test(file)) return 'json';
  return 'yaml';
}

/**
 * Parses a `--params` file: a JSON or YAML list or object as written, a CSV file as a list of objects keyed by its
 * header row (values are strings).
 *
 * @throws JobctlError (`Validation`) naming the file and, where known, the line
 *
 * @example
 * parseParams('name,url\napple,http://dbpedia.org/resource/Apple\n', 'params.csv');
 * // [{ name: 'apple', url: 'http://dbpedia.org/resource/Apple' }]
 */
export function parseParams(text: string, file: string, format: ParamsFormat = paramsFormatOf(file)): unknown {
  switch (format) {
    case 'csv':
      return parseCsv(text, file);
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new JobctlError('Validation', `${file}: invalid JSON: ${(error as Error).message}`, { cause: error });
      }
    case 'yaml':
      try {
        return parseYaml(text, { prettyErrors: false }) as unknown;
      } catch (error) {
        const reason = ((error as Error).message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        const line = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
        throw new JobctlError(
          'Validation',
          `${line === undefined ? file : `${file}:${line}`}: invalid YAML: ${reason}`,
          { cause: error },
        );
      }
  }
}

/**
 * Items from `--items a,b,c`: split on commas, trimmed, empty entries skipped.
 *
 * @example
 * parseItemList('apple, banana,cherry'); // ['apple', 'banana', 'cherry']
 */
export function parseItemList(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Items from an `--items-file`: one per line, trimmed, empty lines skipped.
 *
 * @example
 * parseItemLines('apple\n\nbanana\r\n'); // ['apple', 'banana']
 */
export function parseItemLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Each item as the `$ITEM` of one manifest. */
export function bindingsFromItems(items: readonly string[]): ItemBinding[] {
  return items.map((item) => ({ label: `item ${JSON.stringify(item)}`, values: { ITEM: item } }));
}

/**
 * Each entry of a parsed `--params` list as the values of one manifest: a string, number or boolean is `$ITEM`; an
 * object's fields are `$FIELD` (a CSV row's columns: `$name`, `$url`) and its first value is also `$ITEM` (unless it
 * has a field named ITEM). An item is named in errors by its first value.
 *
 * @throws JobctlError (`Validation`) when `params` is not a list, or an entry holds a list or object
 *
 * @example
 * bindingsFromParams([{ name: 'apple', url: 'http://dbpedia.org/resource/Apple' }], 'params.csv');
 * // [{ label: 'item "apple"', values: { name: 'apple', url: 'http://dbpedia.org/resource/Apple', ITEM: 'apple' } }]
 */
export function bindingsFromParams(params: unknown, file: string): ItemBinding[] {
  if (!Array.isArray(params)) {
    throw new JobctlError(
      'Validation',
      `${file}: a $ITEM template takes a list (one item or row per manifest), got ${kindOf(params)}: a Jinja2 ` +
        `template can read any shape as params`,
    );
  }
  return params.map((entry: unknown, i) => {
    if (isScalar(entry))
      return { label: `item ${JSON.stringify(scalarText(entry))}`, values: { ITEM: scalarText(entry) } };
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new JobctlError(
        'Validation',
        `${file}: entry ${i + 1} is ${kindOf(entry)}: a $ITEM template takes strings, numbers or objects of them`,
      );
    }
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(entry)) {
      if (!isScalar(value)) {
        throw new JobctlError(
          'Validation',
          `${file}: entry ${i + 1} field "${key}" is ${kindOf(value)}: a $ITEM template takes strings, numbers and ` +
            `booleans (a Jinja2 template reads any shape)`,
        );
      }
      values[key] = scalarText(value);
    }
    // A row's first value is its item (a one-column CSV is a list of items), so `$ITEM` templates take rows too.
    const first = Object.values(values)[0];
    if (first !== undefined && !Object.hasOwn(values, 'ITEM')) values['ITEM'] = first;
    return { label: first === undefined || first === '' ? `item ${i + 1}` : `item ${JSON.stringify(first)}`, values };
  });
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** As YAML writes it: `null` is empty, as an unset shell variable. */
function scalarText(value: string | number | boolean | null): string {
  return value === null ? '' : String(value);
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'empty';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
