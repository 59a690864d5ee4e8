/**
 * The output options of `jobctl get`, with kubectl's behaviour and messages: `-o` (`wide`, `json`, `yaml`, `name`,
 * `jsonpath=`, `jsonpath-file=`, `jsonpath-as-json=`, `custom-columns=`, `custom-columns-file=`), `--no-headers`,
 * `--show-labels`, `--sort-by`, `-A/--all-namespaces` and `--allow-missing-template-keys`.
 *
 * As kubectl does: an empty list prints "No resources found …" to stderr for tables only (other formats print an
 * empty List, nothing, or the template's output for it); a name given prints the object itself, not a List.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { JobctlError } from '../errors.ts';
import type { Kind, KubeObject } from '../spec/types.ts';
import { NAMESPACE } from './context.ts';
import type { CliIo } from './io.ts';
import {
  type CustomColumns,
  PartialOutputError,
  parseCustomColumnsSpec,
  parseCustomColumnsTemplate,
  renderCustomColumns,
} from './printers/custom-columns.ts';
import { compareCodePoints, toUnstructured } from './printers/go-format.ts';
import { JsonPathPrinter } from './printers/jsonpath.ts';
import { asList, asServed, noResourcesMessage, renderObjects, renderWatchRow } from './printers/output.ts';
import { sortByField } from './printers/sort-by.ts';
import { formatTable, objectRow, tableHeaders } from './printers/table.ts';

/** The `jobctl get` flags that shape its output (commander's names). */
export interface GetOutputFlags {
  output?: string;
  /** False with `--no-headers`. */
  headers?: boolean;
  showLabels?: boolean;
  sortBy?: string;
  allNamespaces?: boolean;
  /** @default true */
  allowMissingTemplateKeys?: boolean;
}

/** What to print for a listing: stdout, and stderr for an empty table. */
export interface GetListing {
  stdout: string;
  stderr: string;
}

type Format =
  | { type: 'table'; wide: boolean }
  | { type: 'json' | 'yaml' | 'name' }
  | { type: 'jsonpath'; printer: JsonPathPrinter }
  | { type: 'custom-columns'; spec: CustomColumns };

const ALLOWED_FORMATS =
  'custom-columns,custom-columns-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml';

const invalid = (message: string) => new JobctlError('Validation', `error: ${message}`);

/**
 * `--allow-missing-template-keys[=BOOL]` as pflag reads a bool (`strconv.ParseBool`).
 * @throws JobctlError pflag's message for anything else
 */
export function parseGoBool(value: string, flag = 'allow-missing-template-keys'): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw invalid(
    `invalid argument "${value}" for "--${flag}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`,
  );
}

/** Go's `os.ReadFile` error text for a Node.js file error. */
function goFileError(path: string, error: NodeJS.ErrnoException): string {
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    ENOTDIR: 'not a directory',
  };
  if (error.code === 'EISDIR') return `read ${path}: is a directory`;
  return `open ${path}: ${reasons[error.code ?? ''] ?? error.message}`;
}

/** `FORMAT=VALUE` → VALUE when `output` is one of `formats` (kubectl's prefix match), else undefined. */
function templateOf(output: string, formats: readonly string[]): { format: string; value: string } | undefined {
  for (const format of formats) {
    if (output === format) return { format, value: '' };
    if (output.startsWith(`${format}=`)) return { format, value: output.slice(format.length + 1) };
  }
  return undefined;
}

/** `labels.FormatLabels`: `k=v,k2=v2` in key order, `<none>` without labels. */
function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort(compareCodePoints);
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** Options of a first listing. */
export interface ListOptions {
  /** A NAME was given: the object prints as itself, not in a List. */
  single: boolean;
  /** "Now" for ages, epoch milliseconds. */
  nowMs: number;
  /** Table column memory, shared with later watch rows. */
  widths: number[];
  /** A watch follows: objects print one by one, as kubectl's watch prints them. @default false */
  watch?: boolean;
}

/** The printer `jobctl get` builds from its flags, kept for a whole `--watch`. */
export class GetPrinter {
  private customHeaderPrinted = false;
  /** A watch began on an empty table: the header comes with the first row, sized with it (kubectl's). */
  private tableHeaderPending = false;

  private constructor(
    private readonly format: Format,
    private readonly flags: GetOutputFlags,
  ) {}

  /**
   * Checks the flags as kubectl does (before reading anything) and builds the printer.
   *
   * @param context.named - objects were asked for by name (`get job x`, `get job/x`)
   * @param context.cwd - where `jsonpath-file=`/`custom-columns-file=` paths are relative to
   * @throws JobctlError kubectl's message for a bad combination, format, template or file
   */
  static create(flags: GetOutputFlags, context: { named: boolean; cwd: string }): GetPrinter {
    // pflag reads `-o=json` as `json`; commander keeps the `=`.
    const output = (flags.output ?? '').replace(/^=/, '');
    if (flags.showLabels && output !== '' && output !== 'wide')
      throw invalid(`--show-labels option cannot be used with ${output} printer`);
    if (flags.allNamespaces && context.named)
      throw invalid('a resource cannot be retrieved by name across all namespaces');
    return new GetPrinter(GetPrinter.parseFormat(output, flags, context.cwd), flags);
  }

  private static parseFormat(output: string, flags: GetOutputFlags, cwd: string): Format {
    const jsonPath = templateOf(output, ['jsonpath', 'jsonpath-file', 'jsonpath-as-json']);
    if (jsonPath) {
      if (jsonPath.value === '') throw invalid('template format specified but no template given');
      let template = jsonPath.value;
      if (jsonPath.format === 'jsonpath-file') {
        try {
          template = readFileSync(resolve(cwd, jsonPath.value), 'utf8');
        } catch (error) {
          const reason = goFileError(jsonPath.value, error as NodeJS.ErrnoException);
          throw invalid(`error reading --template ${jsonPath.value}, ${reason}`);
        }
      }
      const printer = new JsonPathPrinter(template, {
        allowMissingKeys: flags.allowMissingTemplateKeys ?? true,
        asJson: jsonPath.format === 'jsonpath-as-json',
      });
      return { type: 'jsonpath', printer };
    }
    if (output === 'json' || output === 'yaml' || output === 'name') return { type: output };
    if (output === '' || output === 'wide') return { type: 'table', wide: output === 'wide' };
    const columns = templateOf(output, ['custom-columns', 'custom-columns-file']);
    if (columns) {
      if (columns.value === '') throw invalid('custom-columns format specified but no custom columns given');
      if (columns.format === 'custom-columns')
        return { type: 'custom-columns', spec: parseCustomColumnsSpec(columns.value, flags.headers === false) };
      let text: string;
      try {
        text = readFileSync(resolve(cwd, columns.value), 'utf8');
      } catch (error) {
        const reason = goFileError(columns.value, error as NodeJS.ErrnoException);
        throw invalid(`error reading template ${columns.value}, ${reason}`);
      }
      return { type: 'custom-columns', spec: parseCustomColumnsTemplate(text) };
    }
    throw invalid(
      `unable to match a printer suitable for the output format "${output}", allowed formats are: ${ALLOWED_FORMATS}`,
    );
  }

  /**
   * Writes {@link list}'s output; a custom-columns error after part of the table still prints that part first.
   */
  writeList(io: CliIo, kind: Kind, objects: readonly KubeObject[], options: ListOptions): void {
    const listing = this.flushing(io, () => this.list(kind, objects, options));
    io.stdout(listing.stdout);
    if (listing.stderr) io.stderr(listing.stderr);
  }

  /** Writes {@link watchRow}'s output. */
  writeWatchRow(io: CliIo, kind: Kind, obj: KubeObject, options: { nowMs: number; widths: number[] }): void {
    io.stdout(this.flushing(io, () => this.watchRow(kind, obj, options)));
  }

  private flushing<T>(io: CliIo, print: () => T): T {
    try {
      return print();
    } catch (error) {
      if (error instanceof PartialOutputError) io.stdout(error.stdout);
      throw error;
    }
  }

  /**
   * The first listing of `get` (and of `get --watch`): stdout, and the stderr line of an empty table.
   */
  list(kind: Kind, objects: readonly KubeObject[], options: ListOptions): GetListing {
    const { format } = this;
    const sortBy = this.flags.sortBy;
    if (format.type === 'table') {
      if (objects.length === 0 && !options.watch) {
        const message = this.flags.allNamespaces ? 'No resources found' : noResourcesMessage(NAMESPACE);
        return { stdout: '', stderr: `${message}\n` };
      }
      if (objects.length === 0) {
        // kubectl get --watch on nothing prints nothing; a header alone would fix widths no later row fits.
        this.tableHeaderPending = true;
        return { stdout: '', stderr: '' };
      }
      return { stdout: this.renderTable(kind, objects, options), stderr: '' };
    }
    const single = options.single && objects.length === 1;
    const sorted = sortBy && !single ? sortByField(objects, unstructuredOf, sortBy, 'list') : objects;
    if (options.watch) {
      const rows = sorted.map((obj) => this.watchRow(kind, obj, { nowMs: options.nowMs, widths: options.widths }));
      return { stdout: rows.join(''), stderr: '' };
    }
    switch (format.type) {
      case 'json':
      case 'yaml':
      case 'name':
        return {
          stdout: renderObjects(kind, sorted, { format: format.type, nowMs: options.nowMs, single }),
          stderr: '',
        };
      case 'jsonpath':
        return {
          stdout: format.printer.print(toUnstructured(single ? asServed(sorted[0]!) : asList(sorted))),
          stderr: '',
        };
      case 'custom-columns':
        return { stdout: this.customColumns(sorted, options.widths), stderr: '' };
    }
  }

  /** Whether the output is YAML (`-o yaml`): the command awaits `loadYaml()` before it prints. */
  get isYaml(): boolean {
    return this.format.type === 'yaml';
  }

  /** Whether the output is a table (default or `-o wide`), which kubectl prints one per kind. */
  get isTable(): boolean {
    return this.format.type === 'table';
  }

  /** The table of one kind's objects, sorted by `--sort-by` (kubectl's table sorter), header unless `--no-headers`. */
  renderTable(kind: Kind, objects: readonly KubeObject[], options: { nowMs: number; widths: number[] }): string {
    const sortBy = this.flags.sortBy;
    const sorted = sortBy ? sortByField(objects, unstructuredOf, sortBy, 'table') : objects;
    return this.table(kind, sorted, options.nowMs, options.widths, true);
  }

  /** What `get --watch` prints for one changed object. */
  watchRow(kind: Kind, obj: KubeObject, options: { nowMs: number; widths: number[] }): string {
    const { format } = this;
    switch (format.type) {
      case 'table': {
        const header = this.tableHeaderPending;
        this.tableHeaderPending = false;
        return this.table(kind, [obj], options.nowMs, options.widths, header);
      }
      case 'json':
      case 'yaml':
      case 'name':
        return renderWatchRow(kind, obj, { format: format.type, nowMs: options.nowMs, widths: options.widths });
      case 'jsonpath':
        return format.printer.print(unstructuredOf(obj));
      case 'custom-columns':
        return this.customColumns([obj], options.widths);
    }
  }

  /** kubectl's table, with the NAMESPACE column of `-A` first and the LABELS column of `--show-labels` last. */
  private table(kind: Kind, objects: readonly KubeObject[], nowMs: number, widths: number[], header: boolean): string {
    const wide = this.format.type === 'table' && this.format.wide;
    const { allNamespaces, showLabels } = this.flags;
    const rows = objects.map((obj) => [
      ...(allNamespaces ? [obj.metadata.namespace ?? NAMESPACE] : []),
      ...objectRow(obj, { wide, nowMs }),
      ...(showLabels ? [formatLabels(obj.metadata.labels)] : []),
    ]);
    if (header && this.flags.headers !== false) {
      const headers = [
        ...(allNamespaces ? ['NAMESPACE'] : []),
        ...tableHeaders(kind, wide),
        ...(showLabels ? ['LABELS'] : []),
      ];
      rows.unshift(headers);
    }
    return formatTable(rows, widths);
  }

  /** Custom columns: the header once per printer (kubectl prints it with the first object of a watch). */
  private customColumns(objects: readonly KubeObject[], widths: number[]): string {
    if (this.format.type !== 'custom-columns') return '';
    const header = !this.customHeaderPrinted;
    this.customHeaderPrinted = true;
    return renderCustomColumns(this.format.spec, objects.map(unstructuredOf), { widths, header });
  }
}

/** An object as kubectl's printers see it: as served, keys sorted. */
function unstructuredOf(obj: KubeObject): unknown {
  return toUnstructured(asServed(obj));
}
