/**
 * `kubectl get -o …` output: tables (default and `wide`), `json`, `yaml` and `name`, plus watch rows.
 *
 * JSON and YAML follow what kubectl prints for objects it read from the API server: keys sorted at every level
 * (kubectl handles them as unstructured maps), JSON indented with 4 spaces with Go's HTML escaping, YAML in
 * go-yaml v2's style. A list prints as `kind: List` with `apiVersion: v1`, like `kubectl get … -o json`.
 */
import { createRequire } from 'node:module';
import { assertNever } from '../../errors.ts';
import type { Kind, KubeObject } from '../../spec/types.ts';
import { renderTable, renderTableRows } from './table.ts';

/** Output formats of `jobctl get`: `table` is the default (no `-o`). */
export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name';

/** Options shared by {@link renderObjects} and {@link renderWatchRow}. */
export interface RenderOptions {
  readonly format: OutputFormat;
  /** "Now" for ages and durations, epoch milliseconds. */
  readonly nowMs: number;
  /** `--no-headers` (tables only). @default false */
  readonly noHeaders?: boolean;
  /**
   * The user asked for one object by name: `-o json|yaml` then prints the object itself, not a List.
   * @default false
   */
  readonly single?: boolean;
  /**
   * Column memory for tables, shared between the first listing and later watch rows so rows stay under
   * their header, as kubectl's single `RememberWidths` tab writer does. Mutated in place.
   * @default a fresh memory per call
   */
  readonly widths?: number[];
}

/**
 * The stderr line kubectl prints when a list is empty.
 *
 * @example noResourcesMessage('default') // "No resources found in default namespace."
 */
export function noResourcesMessage(namespace: string): string {
  return `No resources found in ${namespace} namespace.`;
}

/**
 * `-o name` form: `cronjob.batch/hello`, `job.batch/hello-28340780`, `pod/hello-28340780-x2b9q`.
 */
export function resourceName(obj: KubeObject): string {
  switch (obj.kind) {
    case 'CronJob':
      return `cronjob.batch/${obj.metadata.name}`;
    case 'Job':
      return `job.batch/${obj.metadata.name}`;
    case 'Pod':
      return `pod/${obj.metadata.name}`;
    default:
      return assertNever(obj, 'kind');
  }
}

/** The `v1/List` wrapper kubectl prints around several objects. */
export function asList(items: readonly KubeObject[]): {
  apiVersion: 'v1';
  items: readonly KubeObject[];
  kind: 'List';
  metadata: { resourceVersion: '' };
} {
  return { apiVersion: 'v1', items: items.map(asServed), kind: 'List', metadata: { resourceVersion: '' } };
}

/**
 * The object as the API server serves it: status fields tagged `omitempty` in Kubernetes' Go types (JobStatus
 * `active`, `succeeded`, `failed`, `conditions`; CronJobStatus `active`) are left out when zero or empty, so
 * `-o json` matches what scripts written against kubectl expect.
 */
export function asServed<T extends KubeObject>(obj: T): T {
  const status: Record<string, unknown> = { ...(obj.status as unknown as Record<string, unknown>) };
  const omitEmpty =
    obj.kind === 'Job'
      ? ['active', 'succeeded', 'failed', 'conditions', 'completedIndexes']
      : obj.kind === 'CronJob'
        ? ['active']
        : [];
  for (const field of omitEmpty) {
    const v = status[field];
    if (v === 0 || v === '' || (Array.isArray(v) && v.length === 0)) delete status[field];
  }
  // ObjectMeta's labels and annotations are `omitempty` too: an empty map is left out, as the API server writes it.
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const field of ['labels', 'annotations']) {
    const v = metadata[field];
    if (v !== null && typeof v === 'object' && Object.keys(v).length === 0) delete metadata[field];
  }
  return { ...obj, metadata, status } as T;
}

/** A deep copy with object keys in code-point order, as Go's encoding/json writes maps. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * kubectl's JSON printer: `json.MarshalIndent(obj, "", "    ")` and a newline. Go escapes `<`, `>`, `&`,
 * U+2028 and U+2029 inside strings, so `<none>` prints as `\u003cnone\u003e`, as kubectl shows it.
 */
export function toJson(value: unknown): string {
  const text = JSON.stringify(sortKeys(value), null, 4).replace(
    /[<>&\u2028\u2029]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `${text}\n`;
}

const YAML11_NULL = /^(~|null|Null|NULL)$/;

/** The yaml package, a sixth of what `jobctl get` would load up front: loaded only to print YAML. */
let yamlPackage: typeof import('yaml') | undefined;

/**
 * Loads what {@link toYaml} needs: a command that prints YAML awaits this first (in the built CLI the package is a
 * chunk of its own). Without it, toYaml requires the package from node_modules, which is slower but the same.
 */
export async function loadYaml(): Promise<void> {
  const loaded: typeof import('yaml') & { default?: typeof import('yaml') } = await import('yaml');
  // The package is CommonJS: Node gives its exports by name too, the build's chunk only as the default export.
  yamlPackage ??= loaded.Document === undefined ? loaded.default! : loaded;
}

/**
 * kubectl's YAML printer (sigs.k8s.io/yaml over go-yaml v2): sorted keys, sequences not indented under their
 * key, no line folding, and go-yaml's quoting: a string that YAML 1.1 would read as another type (`"true"`,
 * `"123"`, `"on"`, timestamps) is double-quoted; one that cannot be plain (`'*\/1 * * * *'`) is single-quoted.
 */
export function toYaml(value: unknown): string {
  // A require of our own, not the bundler's: it leaves the package out of the chunks every `get` loads.
  yamlPackage ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const { Document, parse: parseYaml, visit } = yamlPackage;
  const doc = new Document(sortKeys(value), { version: '1.1' });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      if (node.value === '') {
        node.type = 'QUOTE_DOUBLE';
        return;
      }
      let resolved: unknown;
      try {
        resolved = parseYaml(node.value, { version: '1.1' });
      } catch {
        return; // not valid as plain text (an alias, a flow indicator): the emitter picks single quotes
      }
      const isOtherType =
        typeof resolved === 'number' ||
        typeof resolved === 'boolean' ||
        typeof resolved === 'bigint' ||
        resolved instanceof Date ||
        (resolved === null && YAML11_NULL.test(node.value));
      if (isOtherType) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ indentSeq: false, lineWidth: 0, singleQuote: true });
}

/**
 * Everything `jobctl get` prints to stdout for a listing (the caller prints {@link noResourcesMessage} to
 * stderr instead when the list is empty).
 *
 * @example renderObjects('Job', jobs, { format: 'table', nowMs: clock.now() })
 */
export function renderObjects(kind: Kind, objects: readonly KubeObject[], options: RenderOptions): string {
  switch (options.format) {
    case 'table':
    case 'wide':
      return renderTable(kind, objects, {
        nowMs: options.nowMs,
        wide: options.format === 'wide',
        noHeaders: options.noHeaders,
        rememberedWidths: options.widths,
      });
    case 'json':
      return toJson(options.single && objects.length === 1 ? asServed(objects[0]!) : asList(objects));
    case 'yaml':
      return toYaml(options.single && objects.length === 1 ? asServed(objects[0]!) : asList(objects));
    case 'name':
      return objects.map((o) => `${resourceName(o)}\n`).join('');
    default:
      return assertNever(options.format, 'output format');
  }
}

/**
 * What `get --watch` prints for one changed object: a table row without header (aligned with `widths` from the
 * first listing), the object as JSON, the object as a `---`-separated YAML document, or its name.
 */
export function renderWatchRow(kind: Kind, obj: KubeObject, options: RenderOptions): string {
  switch (options.format) {
    case 'table':
    case 'wide':
      return renderTableRows([obj], {
        nowMs: options.nowMs,
        wide: options.format === 'wide',
        rememberedWidths: options.widths,
      });
    case 'json':
      return toJson(asServed(obj));
    case 'yaml':
      // kubectl's YAML printer separates every document after the first with "---".
      return `---\n${toYaml(asServed(obj))}`;
    case 'name':
      return `${resourceName(obj)}\n`;
    default:
      return assertNever(options.format, `output format for ${kind}`);
  }
}
