/**
 * Manifest loading: multi-document YAML (and `kind: List`) → validated, defaulted objects, with every error and
 * warning located at `file:line` and a Kubernetes field path. Pure: the caller reads the file.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  visit,
  type Alias,
  type Document,
  type Node,
} from 'yaml';
import { ValidationError, ValidationErrors } from '../errors.ts';
import { notSupported } from './field-errors.ts';
import type { CronJob, Job, ResourceQuotaManifest, WorkQueueManifest } from './types.ts';
import { validateObject, type Finding, type ValidationMode } from './validate.ts';

/** A manifest object as stored and run: validated and fully defaulted. */
export type Manifest = CronJob | Job;

/** Any object a manifest file may hold: a {@link Manifest}, or a `kind: WorkQueue` (applied to the WorkQueue port). */
export type LoadedObject = Manifest | WorkQueueManifest | ResourceQuotaManifest;

/** A field jobctl cannot honour and ignores; the run proceeds. */
export interface ManifestWarning {
  file: string;
  /** 1-based line of the field; 0 when the object did not come from text (`validateManifest`). */
  line: number;
  /** Kubernetes field path, e.g. `spec.jobTemplate.spec.template.spec.nodeSelector`. */
  path: string;
  /** Why it is ignored, e.g. `Fargate has no node selection (…); ignored`. */
  message: string;
  /** Set by a {@link ManifestLint}: what kind of finding it is (e.g. `docker-hub-anonymous-pull`). */
  code?: string;
}

/** What a manifest file holds. */
export interface LoadResult {
  /** CronJobs and Jobs, in file order. */
  objects: Manifest[];
  /**
   * `kind: WorkQueue` objects, in file order. Kept apart from `objects` so that every consumer of CronJobs and Jobs
   * (the store, the stack's custom resource, `cdk synth`) never receives a queue; `jobctl apply` applies these first,
   * so a Job bound to a queue declared in the same file finds it.
   */
  queues: WorkQueueManifest[];
  /** `kind: ResourceQuota` objects, in file order; like queues, applied before the Jobs they limit. */
  quotas: ResourceQuotaManifest[];
  warnings: ManifestWarning[];
}

/**
 * A check a deployment target adds to validation (e.g. `cdk synth`'s "this image would be pulled anonymously from
 * Docker Hub"): findings on a valid object, each at a field path, reported as warnings at that field's line.
 */
export type ManifestLint = (object: LoadedObject) => ReadonlyArray<{ path: string; message: string; code?: string }>;

/**
 * A limit a destination adds to validation (e.g. `jobctl apply`'s "fits the store's item size"): errors on a valid
 * object, each at a field path, reported at that field's line like the validator's own, so nothing of the load is
 * returned.
 */
export type ManifestCheck = (object: LoadedObject) => ReadonlyArray<{ path: string; message: string }>;

/** Options of {@link loadManifests}. */
export interface LoadOptions {
  /** Extra warnings per valid object. @default - none */
  lint?: ManifestLint;
  /** Extra errors per valid object. @default - none */
  check?: ManifestCheck;
}

/** Where each field path starts in the text, and which values were plain scalars. */
interface LineIndex {
  lineOf(path: string): number | undefined;
  isPlainScalar(path: string): boolean;
}

/** A path one level up: `a.b[0].c` → `a.b[0]` → `a.b` → `a` → ``. */
function parentPath(path: string): string {
  const bracket = path.endsWith(']') ? path.lastIndexOf('[') : -1;
  const dot = path.lastIndexOf('.');
  // A map key in brackets may itself contain dots (`labels[app.kubernetes.io/name]`): the bracket wins when it ends the
  // path.
  if (bracket > 0) return path.slice(0, bracket);
  return dot > 0 ? path.slice(0, dot) : '';
}

function indexLines(root: Node | null, lineCounter: LineCounter, documentLine: number, prefix: string): LineIndex {
  const lines = new Map<string, number>();
  const plain = new Set<string>();
  const lineAt = (node: unknown): number | undefined => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
  const visit = (node: unknown, path: string): void => {
    if (isScalar(node)) {
      if (node.type === 'PLAIN') plain.add(path);
    } else if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const line = lineAt(pair.key) ?? lineAt(pair.value);
        const dotted = path === '' ? key : `${path}.${key}`;
        if (line !== undefined) {
          lines.set(dotted, line);
          lines.set(`${path}[${key}]`, line);
        }
        visit(pair.value, dotted);
        if (isScalar(pair.value) && pair.value.type === 'PLAIN') plain.add(`${path}[${key}]`);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const line = lineAt(item);
        if (line !== undefined) lines.set(`${path}[${i}]`, line);
        visit(item, `${path}[${i}]`);
      });
    } else if (isAlias(node)) {
      // Aliased content is indexed where the anchor is defined; errors inside point at the alias itself.
    }
  };
  visit(root, '');
  const strip = (path: string): string => (prefix === '' ? path : path === '' ? prefix : `${prefix}.${path}`);
  return {
    lineOf(path) {
      for (let p = strip(path); ; p = parentPath(p)) {
        const line = lines.get(p);
        if (line !== undefined) return line;
        if (p === '' || p === prefix) return prefix === '' ? documentLine : (lines.get(prefix) ?? documentLine);
      }
    },
    isPlainScalar: (path) => plain.has(strip(path)),
  };
}

/** One object's findings, turned into located errors and warnings. */
function collect(
  raw: unknown,
  mode: ValidationMode,
  file: string,
  index: LineIndex,
  errors: ValidationError[],
  warnings: ManifestWarning[],
  options: LoadOptions = {},
): LoadedObject | undefined {
  const { lint, check } = options;
  const result = validateObject(raw, mode, index);
  const line = (f: Finding): number | undefined => index.lineOf(f.linePath ?? f.path);
  for (const f of result.errors)
    errors.push(new ValidationError({ file, line: line(f), path: f.path, detail: f.detail }));
  for (const f of result.warnings) warnings.push({ file, line: line(f) ?? 0, path: f.path, message: f.detail });
  if (result.object !== undefined && lint !== undefined) {
    for (const f of lint(result.object))
      warnings.push({
        file,
        line: index.lineOf(f.path) ?? 0,
        path: f.path,
        message: f.message,
        ...(f.code === undefined ? {} : { code: f.code }),
      });
  }
  if (result.object !== undefined && check !== undefined) {
    const failed = check(result.object);
    for (const f of failed)
      errors.push(new ValidationError({ file, line: index.lineOf(f.path), path: f.path, detail: f.message }));
    if (failed.length > 0) return undefined;
  }
  return result.object;
}

/** Two objects with the same kind, namespace and name in one load would overwrite each other. */
function checkDuplicates(
  placed: { object: LoadedObject; line: number | undefined }[],
  file: string,
  errors: ValidationError[],
): void {
  const seen = new Map<string, number | undefined>();
  for (const { object, line } of placed) {
    const key = `${object.kind}/${object.metadata.namespace}/${object.metadata.name}`;
    if (seen.has(key)) {
      const first = seen.get(key);
      errors.push(
        new ValidationError({
          file,
          line,
          path: 'metadata.name',
          detail:
            `Duplicate value: "${object.metadata.name}": another ${object.kind} in namespace ` +
            `"${object.metadata.namespace}" has this name${first === undefined ? '' : ` (line ${first})`}`,
        }),
      );
    } else {
      seen.set(key, line);
    }
  }
}

/**
 * Parses multi-document YAML (and `kind: List` with `items`), validates every document like the Kubernetes API server
 * would on create, applies Kubernetes defaults. Throws `ValidationErrors` listing EVERY error found (each a
 * `ValidationError` with file, 1-based line of the offending field, and the field path, e.g.
 * `spec.jobTemplate.spec.template.spec.restartPolicy`). Either every object is returned or none. Pure: no fs.
 *
 * @example
 * const { objects, warnings } = loadManifests(readFileSync('cronjob.yaml', 'utf8'), 'cronjob.yaml');
 */
export function loadManifests(text: string, file: string, options: LoadOptions = {}): LoadResult {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const errors: ValidationError[] = [];
  const warnings: ManifestWarning[] = [];
  const placed: { object: LoadedObject; line: number | undefined }[] = [];

  for (const doc of documents) {
    if (doc.errors.length > 0) {
      // Text that is not YAML at all (a runaway template render) can hold thousands: the first few locate the problem.
      for (const err of doc.errors.slice(0, MAX_YAML_ERRORS_PER_DOCUMENT)) {
        const position = err.linePos?.[0];
        const reason = err.message.split('\n')[0] ?? err.message;
        errors.push(
          new ValidationError({
            file,
            line: position?.line,
            path: '(yaml)',
            detail: `YAML syntax error: ${reason.replace(/ at line \d+, column \d+:?$/, '')}`,
          }),
        );
      }
      const more = doc.errors.length - MAX_YAML_ERRORS_PER_DOCUMENT;
      if (more > 0) {
        const last = doc.errors[MAX_YAML_ERRORS_PER_DOCUMENT - 1]?.linePos?.[0]?.line;
        errors.push(
          new ValidationError({
            file,
            line: last,
            path: '(yaml)',
            detail: `and ${more} more YAML syntax error${more === 1 ? '' : 's'} in this document`,
          }),
        );
      }
      continue;
    }
    // `---` followed by nothing (or only comments) is an empty document, which kubectl skips too.
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    const documentLine = lineCounter.linePos(doc.contents.range[0]).line;
    const converted = toPlainValue(doc, lineCounter);
    if ('error' in converted) {
      errors.push(
        new ValidationError({ file, line: converted.line ?? documentLine, path: '(yaml)', detail: converted.error }),
      );
      continue;
    }
    const raw = converted.value;

    if (isListObject(raw)) {
      const rootIndex = indexLines(doc.contents, lineCounter, documentLine, '');
      const items = raw['items'];
      if (raw['apiVersion'] !== 'v1') {
        errors.push(
          new ValidationError({
            file,
            line: rootIndex.lineOf('apiVersion'),
            path: 'apiVersion',
            detail: notSupported(raw['apiVersion'] ?? '', ['v1']),
          }),
        );
      }
      if (!Array.isArray(items)) {
        if (items !== undefined && items !== null) {
          errors.push(
            new ValidationError({
              file,
              line: rootIndex.lineOf('items'),
              path: 'items',
              detail: 'Invalid value: must be of type array',
            }),
          );
        }
        continue;
      }
      items.forEach((item: unknown, i) => {
        const index = indexLines(doc.contents, lineCounter, documentLine, `items[${i}]`);
        const object = collect(item, 'create', file, index, errors, warnings, options);
        if (object) placed.push({ object, line: index.lineOf('metadata.name') });
      });
      continue;
    }

    const index = indexLines(doc.contents, lineCounter, documentLine, '');
    const object = collect(raw, 'create', file, index, errors, warnings, options);
    if (object) placed.push({ object, line: index.lineOf('metadata.name') });
  }

  checkDuplicates(placed, file, errors);
  if (errors.length > 0) throw new ValidationErrors(sortByLine(errors));
  return { ...split(placed.map((p) => p.object)), warnings: warnings.sort((a, b) => a.line - b.line) };
}

/** YAML syntax errors reported per document; the rest are counted. */
const MAX_YAML_ERRORS_PER_DOCUMENT = 3;

/** Aliases a document may expand, in all: yaml's defence against "billion laughs" (100 is its own default). */
const MAX_ALIAS_COUNT = 100;

/**
 * The document as plain data. yaml resolves aliases only here, and throws without a location (an alias bomb over
 * {@link MAX_ALIAS_COUNT}, an alias whose anchor comes later or not at all): such a throw becomes an error at the
 * line of the alias that caused it (audit D15).
 */
function toPlainValue(
  doc: Document.Parsed,
  lineCounter: LineCounter,
): { value: unknown } | { error: string; line: number | undefined } {
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown };
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    // Run the conversion again with each alias watched: the innermost alias whose resolution throws is the culprit.
    let culprit: Alias | undefined;
    visit(doc, {
      Alias(_key, node) {
        const toJSON = node.toJSON.bind(node);
        node.toJSON = (...args: Parameters<Alias['toJSON']>) => {
          try {
            return toJSON(...args);
          } catch (thrown) {
            culprit ??= node;
            throw thrown;
          }
        };
      },
    });
    try {
      doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch {
      // The same error as above; only the culprit was wanted.
    }
    const message = culprit === undefined ? error.message : error.message.replace(`: ${culprit.source}`, '');
    const reason = message.charAt(0).toLowerCase() + message.slice(1);
    const what = culprit === undefined ? 'YAML aliases' : `YAML alias *${culprit.source}`;
    const line = culprit?.range ? lineCounter.linePos(culprit.range[0]).line : undefined;
    const fix = /excessive/i.test(error.message)
      ? `: a document may expand at most ${MAX_ALIAS_COUNT} aliases; write the values out`
      : '';
    return { error: `${what}: ${reason}${fix}`, line };
  }
}

/** CronJobs and Jobs apart from WorkQueues and ResourceQuotas, each in order. */
function split(loaded: readonly LoadedObject[]): Pick<LoadResult, 'objects' | 'queues' | 'quotas'> {
  const objects: Manifest[] = [];
  const queues: WorkQueueManifest[] = [];
  const quotas: ResourceQuotaManifest[] = [];
  for (const object of loaded) {
    if (object.kind === 'WorkQueue') queues.push(object);
    else if (object.kind === 'ResourceQuota') quotas.push(object);
    else objects.push(object);
  }
  return { objects, queues, quotas };
}

function isListObject(raw: unknown): raw is Record<string, unknown> {
  return (
    typeof raw === 'object' &&
    raw !== null &&
    !Array.isArray(raw) &&
    (raw as Record<string, unknown>)['kind'] === 'List'
  );
}

/** Document order, then line: a user fixes a file top to bottom. Stable, so errors on one line keep their order. */
function sortByLine(errors: ValidationError[]): ValidationError[] {
  return [...errors].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/**
 * Validates an already-built object (e.g. after `jobctl patch`) with the same rules, `file` used in messages (no line
 * numbers: errors carry `line` undefined, warnings line 0). Server-set metadata (`uid`, `resourceVersion`,
 * `creationTimestamp`, `ownerReferences`) is kept. As on an API-server update of the main resource, `status` is not
 * taken from the input: the returned object has an empty status, and the caller keeps the stored one.
 * Throws `ValidationErrors` listing every error.
 *
 * @example
 * const { objects: [patched] } = validateManifest(applyPatch(stored, patch), 'patch');
 */
export function validateManifest(obj: unknown, file: string): LoadResult {
  const errors: ValidationError[] = [];
  const warnings: ManifestWarning[] = [];
  const noLines: LineIndex = { lineOf: () => undefined, isPlainScalar: () => false };
  const object = collect(obj, 'stored', file, noLines, errors, warnings);
  if (errors.length > 0 || object === undefined) throw new ValidationErrors(errors);
  return { ...split([object]), warnings };
}
