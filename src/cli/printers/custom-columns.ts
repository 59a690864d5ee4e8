/**
 * `kubectl get -o custom-columns=NAME:.metadata.name,…` and `-o custom-columns-file=FILE`.
 *
 * Ported from k8s.io/kubectl/pkg/cmd/get/customcolumn.go and customcolumn_flags.go, Apache-2.0, Copyright 2014 The
 * Kubernetes Authors: the relaxed path syntax (`metadata.name`, `.metadata.name`, `{metadata.name}`,
 * `{.metadata.name}`), `<none>` for a missing value, several values joined with commas, each printed as Go's
 * `fmt.Sprint` does (a map as `map[k:v]`), and the messages for bad specs. Pure: objects in, text out.
 */
import { JobctlError } from '../../errors.ts';
import { goSprint } from './go-format.ts';
import { JsonPath, JsonPathError } from './jsonpath.ts';
import { formatTable } from './table.ts';

/** One column: its header and the JSONPath template of its values. */
export interface Column {
  readonly header: string;
  readonly fieldSpec: string;
}

/** The columns and whether `--no-headers` applies (kubectl ignores it for `custom-columns-file`). */
export interface CustomColumns {
  readonly columns: readonly Column[];
  readonly noHeaders: boolean;
}

const JSON_REGEXP = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/;

const invalid = (message: string) => new JobctlError('Validation', `error: ${message}`);

/**
 * `RelaxedJSONPathExpression`: `metadata.name`, `.metadata.name`, `{metadata.name}` and `{.metadata.name}` all
 * become `{.metadata.name}`; the empty path stays empty.
 * @throws JobctlError for a path with braces inside
 */
export function relaxedJsonPathExpression(path: string): string {
  if (path.length === 0) return path;
  const match = JSON_REGEXP.exec(path);
  if (!match)
    throw invalid(
      "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
    );
  return `{.${match[1] || match[2]}}`;
}

/** `-o custom-columns=SPEC`: comma-separated `HEADER:path` pairs. */
export function parseCustomColumnsSpec(spec: string, noHeaders: boolean): CustomColumns {
  if (spec.length === 0) throw invalid('custom-columns format specified but no custom columns given');
  const columns = spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon === -1) throw invalid(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
    return { header: part.slice(0, colon), fieldSpec: relaxedJsonPathExpression(part.slice(colon + 1)) };
  });
  return { columns, noHeaders };
}

const TEMPLATE_FORMAT =
  'Expected format is one line of space separated headers, one line of space separated column specs.';

/** `-o custom-columns-file=FILE`: a line of headers, then a line of paths, separated by whitespace. */
export function parseCustomColumnsTemplate(text: string): CustomColumns {
  // bufio.Scanner's lines: split at \n, a trailing \r dropped, no empty line after a final \n.
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const words = (line: string) => line.replace(/\r$/, '').split(/\s+/).filter(Boolean);
  if (lines.length < 1) throw invalid(`invalid template, missing header line. ${TEMPLATE_FORMAT}`);
  const headers = words(lines[0]!);
  if (lines.length < 2) throw invalid(`invalid template, missing spec line. ${TEMPLATE_FORMAT}`);
  const specs = words(lines[1]!);
  if (headers.length !== specs.length)
    throw invalid(`number of headers (${headers.length}) and field specifications (${specs.length}) don't match`);
  const columns = headers.map((header, i) => ({ header, fieldSpec: relaxedJsonPathExpression(specs[i]!) }));
  return { columns, noHeaders: false };
}

/** `printers.EscapeTerminal`: no escape sequences or carriage returns reach the terminal from a value. */
function escapeTerminal(text: string): string {
  return text.replaceAll('\x1b', '^[').replaceAll('\r', '\\r');
}

/**
 * An error after part of the table was written: kubectl's tab writer is flushed on the way out, so the header and
 * the rows before the failing object still reach stdout.
 */
export class PartialOutputError extends JobctlError {
  constructor(
    message: string,
    readonly stdout: string,
  ) {
    super('Validation', message);
    this.name = 'PartialOutputError';
  }
}

/** The cells of one object's row. */
function rowOf(parsers: readonly JsonPath[], obj: unknown): string[] {
  return parsers.map((parser) => {
    const values = parser.findResults(obj);
    const texts = values.flat().map((v) => escapeTerminal(goSprint(v)));
    return values.length === 0 || values[0]!.length === 0 ? ['<none>', ...texts].join(',') : texts.join(',');
  });
}

/**
 * The table: headers (unless `noHeaders` or `header: false`) and one row per object (unstructured content).
 *
 * @param options.widths - column memory shared with later calls, as kubectl's single tab writer keeps it
 * @param options.header - print the header line (a watch prints it with the first object only) @default true
 * @throws PartialOutputError for a column path that does not parse or fails on an object (`error: <reason>`)
 */
export function renderCustomColumns(
  spec: CustomColumns,
  objects: readonly unknown[],
  options: { widths?: number[]; header?: boolean } = {},
): string {
  const rows: string[][] = [];
  if (!spec.noHeaders && options.header !== false) rows.push(spec.columns.map((c) => c.header));
  try {
    const parsers = spec.columns.map((column, ix) => {
      const parser = new JsonPath(`column${ix}`).setAllowMissingKeys(true);
      parser.parse(column.fieldSpec);
      return parser;
    });
    for (const obj of objects) rows.push(rowOf(parsers, obj));
  } catch (error) {
    if (!(error instanceof JsonPathError)) throw error;
    throw new PartialOutputError(`error: ${error.message}`, formatTable(rows, options.widths));
  }
  return formatTable(rows, options.widths);
}
