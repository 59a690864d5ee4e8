/**
 * Expansion: one template, many manifests (the Kubernetes task "Parallel Processing using Expansions"). Renders a
 * `$ITEM` template once per item, or a Jinja2 template once, then validates every document with the manifest loader
 * before returning anything, so a caller writes all manifests or none. A value is text: a render whose structure
 * differs from the template's rendered with placeholders is an error naming the value (`structure.ts`, audit D12),
 * unless `raw` asks for the seed's text splice. Pure: the caller reads and writes files.
 */
import { isScalar, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { assertNever, JobctlError, ValidationError, ValidationErrors } from '../errors.ts';
import { loadManifestSources, type LoadResult } from '../spec/index.ts';
import { renderJinja2, renderJinja2Spliced } from './jinja2.ts';
import { bindingsFromItems, bindingsFromParams, type ItemBinding } from './params.ts';
import { PLACEHOLDER_NAME, placeholderNames, splitAtPlaceholders, substitutePlaceholders } from './placeholders.ts';
import { structureChange, tokensAvoiding, type SplicedRender } from './structure.ts';

/** How a template is rendered: `$ITEM`/`${NAME}` substitution (the task's sed loop) or Jinja2. */
export type TemplateEngine = 'subst' | 'jinja2';

/** A parsed `--params` file. */
export interface TemplateParams {
  /** As parsed: a list, or for Jinja2 any JSON/YAML value. */
  readonly value: unknown;
  /** The file's name in messages. */
  readonly file: string;
}

/** What to render. */
export interface ExpansionRequest {
  /** The template text. */
  readonly template: string;
  /** The template's name, in messages; its extension picks the engine. */
  readonly file: string;
  /** @default - `jinja2` for a `.jinja2`, `.jinja` or `.j2` file, otherwise `subst` */
  readonly engine?: TemplateEngine;
  /**
   * `--items`/`--items-file`: `$ITEM` of one manifest each; a Jinja2 template reads them as `items`. @default - none
   */
  readonly items?: readonly string[];
  /**
   * `--params`: one manifest per entry (`$ITEM`, or `$FIELD` per field); a Jinja2 template reads it as `params`.
   * @default - none
   */
  readonly params?: TemplateParams;
  /** `--var NAME=VALUE`: `$NAME` in every manifest; a Jinja2 variable. @default - none */
  readonly vars?: Readonly<Record<string, string>>;
  /**
   * `--raw`: splice values into the text as the seed's `sed` did, so a value may add YAML structure (fields, list
   * items, documents). Otherwise a value that changes the structure the template gives the documents is an error.
   * @default false
   */
  readonly raw?: boolean;
}

/** One rendered, validated manifest. */
export interface ExpandedManifest {
  /** Which item or document produced it: `item "apple"`, `document 2`. */
  readonly label: string;
  readonly kind: 'Job' | 'CronJob' | 'WorkQueue';
  /** `metadata.name`. */
  readonly name: string;
  /** The document as rendered (without a `---` line), ending in a newline. */
  readonly text: string;
}

/**
 * The engine a template's file name implies.
 *
 * @example
 * templateEngineOf('job.yaml.jinja2'); // 'jinja2'
 * templateEngineOf('job-tmpl.yaml'); // 'subst'
 */
export function templateEngineOf(file: string): TemplateEngine {
  return /\.(jinja2?|j2)$/i.test(file) ? 'jinja2' : 'subst';
}

/**
 * Renders a template into manifests and validates each as `jobctl apply` would, naming the item that produced an
 * error. Two items rendering the same kind and name is an error too: the second would overwrite the first.
 *
 * @throws ValidationErrors listing every invalid document of every item, each prefixed with its item:
 * `item "Apple Pie": job-tmpl.yaml:4 metadata.name: Invalid value: "process-item-Apple Pie": a lowercase RFC 1123 …`
 * @throws ValidationErrors also for a value that changes the structure of its render (adds a field, a list item or a
 * document; turns a scalar into a map), naming the item and the value: `item 2 "evil": job-tmpl.yaml:15 …: $url "x\"]…"
 * changes the structure of the manifest: it adds the key "env"; …` (not with `raw`)
 * @throws JobctlError (`Validation`) for a template that cannot be rendered (undefined Jinja2 variable, bad syntax,
 * no items, a `--var` the template never uses)
 *
 * @example
 * const manifests = expandTemplate({
 *   template: readFileSync('job-tmpl.yaml', 'utf8'),
 *   file: 'job-tmpl.yaml',
 *   items: ['apple', 'banana', 'cherry'],
 * });
 * manifests.map((m) => m.name); // ['process-item-apple', 'process-item-banana', 'process-item-cherry']
 */
export function expandTemplate(request: ExpansionRequest): ExpandedManifest[] {
  const engine = request.engine ?? templateEngineOf(request.file);
  const vars = request.vars ?? {};
  for (const name of Object.keys(vars)) {
    if (!PLACEHOLDER_NAME.test(name))
      throw new JobctlError(
        'Validation',
        `--var ${name}: invalid name "${name}": use letters, digits and _, not starting with a digit`,
      );
  }
  const checked = request.raw !== true;
  const rendered = ((): Rendered[] => {
    switch (engine) {
      case 'subst':
        return renderSubst(request, vars, checked);
      case 'jinja2':
        return renderJinja2Documents(request, vars, checked);
      default:
        return assertNever(engine, 'template engine');
    }
  })();
  const manifests = validateRendered(rendered);
  if (manifests.length === 0)
    throw new JobctlError('Validation', `${request.file}: the template rendered no manifests`);
  return manifests;
}

/**
 * Multi-document YAML of the manifests, `---` between them: what `jobctl apply -f -` reads.
 *
 * @example
 * process.stdout.write(expansionText(expandTemplate(request)));
 */
export function expansionText(manifests: readonly ExpandedManifest[]): string {
  return manifests.map((m) => m.text).join('---\n');
}

/** Rendered text, before validation. */
interface Rendered {
  /** `item "apple"` or `document 2`. */
  label: string;
  /** The name errors show for the rendered text (the template's name; line numbers are the text's own). */
  file: string;
  text: string;
  /**
   * For the structure check: the render with placeholders, and how to name each value. @default - not checked (`raw`)
   */
  check?: StructureCheck;
}

interface StructureCheck {
  spliced: SplicedRender;
  /** Where errors about a value are reported: `item 2 "evil": job-tmpl.yaml`. */
  where: string;
  /** What the values make: `manifest` (one item) or `documents` (a whole Jinja2 render). */
  subject: string;
  /** Names value `i`: `$url`, `--var IMAGE`, `params[1].url`. */
  nameOf(index: number): string;
  /** How a value is written as YAML in this kind of template. */
  advice: string;
}

/** A value quoted in a message: JSON, cut to 47 characters. */
function quoteValue(value: string): string {
  return JSON.stringify(value.length > 48 ? `${value.slice(0, 47)}…` : value);
}

/** The error for a value that changed the structure of its render (audit D12), or undefined. */
function structureError(check: StructureCheck): ValidationError | undefined {
  const change = structureChange(check.spliced);
  if (change === undefined) return undefined;
  const { valueIndex } = change;
  const value =
    valueIndex === undefined
      ? 'a value'
      : `${check.nameOf(valueIndex)} ${quoteValue(check.spliced.values[valueIndex] ?? '')}`;
  return new ValidationError({
    file: check.where,
    line: change.line,
    path: change.path,
    detail:
      `${value} changes the structure of the ${check.subject}: ${change.what}; values are text and cannot add ` +
      `YAML structure: ${check.advice}, or pass --raw to splice values as text`,
  });
}

function renderSubst(request: ExpansionRequest, vars: Readonly<Record<string, string>>, checked: boolean): Rendered[] {
  const { template, file } = request;
  const bindings: ItemBinding[] = [];
  if (request.items !== undefined) bindings.push(...bindingsFromItems(request.items));
  if (request.params !== undefined) bindings.push(...bindingsFromParams(request.params.value, request.params.file));
  if (bindings.length === 0) {
    throw new JobctlError(
      'Validation',
      `${file}: no items: pass --items a,b,c, --items-file FILE or --params FILE (one manifest is rendered per item)`,
    );
  }
  const used = new Set(placeholderNames(template));
  for (const name of Object.keys(vars)) {
    if (!used.has(name))
      throw new JobctlError('Validation', `--var ${name}: the template ${file} has no $${name} or \${${name}}`);
  }
  const itemNames = new Set(bindings.flatMap((b) => Object.keys(b.values)));
  for (const name of itemNames) {
    if (Object.hasOwn(vars, name))
      throw new JobctlError('Validation', `--var ${name}: also set by every item; drop one of them`);
  }
  // Without a placeholder every item renders the same manifest; say so rather than report N-1 duplicate names.
  if (![...itemNames].some((name) => used.has(name))) {
    const wanted = [...itemNames].map((n) => `$${n}`).join(', ');
    throw new JobctlError(
      'Validation',
      `${file}: no placeholder for the items: use ${wanted} (or \${NAME}) where each manifest differs, e.g. name: ` +
        `process-item-$ITEM`,
    );
  }
  return bindings.map((b, i) => {
    const values = { ...vars, ...b.values };
    const text = substitutePlaceholders(template, values);
    if (!checked) return { label: b.label, file, text };
    const split = splitAtPlaceholders(template, new Set(Object.keys(values)));
    const spliced = split.names.map((name) => values[name] ?? '');
    const tokens = tokensAvoiding([template, ...spliced]);
    const templateText = split.pieces
      .map((piece, j) => (j < split.names.length ? `${piece}${tokens.token(j)}` : piece))
      .join('');
    const first = Object.values(b.values)[0] ?? '';
    return {
      label: b.label,
      file,
      text,
      check: {
        spliced: { text, templateText, values: spliced, tokens },
        where: `item ${i + 1} ${quoteValue(first)}: ${file}`,
        subject: 'manifest',
        nameOf: (j) => {
          const name = split.names[j] ?? '';
          return Object.hasOwn(b.values, name) ? `$${name}` : `--var ${name}`;
        },
        advice: 'quote the placeholder in the template',
      },
    };
  });
}

function renderJinja2Documents(
  request: ExpansionRequest,
  vars: Readonly<Record<string, string>>,
  checked: boolean,
): Rendered[] {
  const context: Record<string, unknown> = { ...vars };
  for (const [name, value] of [
    ['items', request.items],
    ['params', request.params?.value],
  ] as const) {
    if (value === undefined) continue;
    if (Object.hasOwn(vars, name))
      throw new JobctlError(
        'Validation',
        `--var ${name}: the template's ${name} come from --${name}; rename the variable`,
      );
    context[name] = value;
  }
  const file = `${request.file} (rendered)`;
  if (!checked) return [{ label: '', file, text: renderJinja2(request.template, context, request.file) }];
  const spliced = renderJinja2Spliced(request.template, context, request.file);
  const origins = valueOrigins(context);
  return [
    {
      label: '',
      file,
      text: spliced.text,
      check: {
        spliced,
        where: file,
        subject: 'documents',
        nameOf: (i) => origins(spliced.values[i] ?? '') ?? `the value of {{ }} output ${i + 1}`,
        advice: 'write {{ value | tojson }} to insert a value as YAML',
      },
    },
  ];
}

/**
 * Where in the template's context a value came from (`params[1].url`, `items[0]`, `image`): the first leaf whose text
 * is the value. Built on first use; undefined for a value the template computed.
 */
function valueOrigins(context: Readonly<Record<string, unknown>>): (value: string) => string | undefined {
  let origins: Map<string, string> | undefined;
  const visit = (value: unknown, path: string, into: Map<string, string>): void => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      if (!into.has(String(value))) into.set(String(value), path);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        visit(v, `${path}[${i}]`, into);
      });
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value))
        visit(v, /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`, into);
    }
  };
  return (value) => {
    if (origins === undefined) {
      origins = new Map();
      for (const [name, v] of Object.entries(context)) visit(v, name, origins);
    }
    return origins.get(value);
  };
}

/** One YAML document of a rendered text. */
interface RenderedDocument {
  /** The document, padded with blank lines so the loader's line numbers are those of the whole rendered text. */
  located: string;
  text: string;
  nameLine: number | undefined;
}

function validateRendered(rendered: readonly Rendered[]): ExpandedManifest[] {
  const errors: ValidationError[] = [];
  const manifests: ExpandedManifest[] = [];
  const firstLabel = new Map<string, string>();
  let documentNumber = 0;
  for (const r of rendered) {
    const changed = r.check === undefined ? undefined : structureError(r.check);
    if (changed !== undefined) {
      errors.push(changed);
      continue;
    }
    for (const doc of documentsOf(r.text)) {
      documentNumber++;
      const label = r.label === '' ? `document ${documentNumber}` : r.label;
      const where = `${label}: ${r.file}`;
      let loaded: LoadResult;
      try {
        loaded = loadManifestSources([{ file: where, text: doc.located }]);
      } catch (error) {
        if (!(error instanceof ValidationErrors)) throw error;
        errors.push(...error.errors);
        continue;
      }
      const objects = [...loaded.queues, ...loaded.objects];
      const object = objects[0];
      if (objects.length !== 1 || object === undefined) {
        errors.push(
          new ValidationError({
            file: where,
            path: 'kind',
            detail: `Invalid value: "List": expand writes one object per document; put each in its own --- document`,
          }),
        );
        continue;
      }
      const key = `${object.kind}/${object.metadata.name}`;
      const first = firstLabel.get(key);
      if (first !== undefined) {
        errors.push(
          new ValidationError({
            file: where,
            line: doc.nameLine,
            path: 'metadata.name',
            detail:
              `Duplicate value: "${object.metadata.name}": ${first} renders a ${object.kind} of the same name; ` +
              `use the item in metadata.name`,
          }),
        );
        continue;
      }
      firstLabel.set(key, label);
      manifests.push({ label, kind: object.kind, name: object.metadata.name, text: doc.text });
    }
  }
  if (errors.length > 0) throw new ValidationErrors(errors);
  return manifests;
}

/**
 * The non-empty documents of a rendered text. Text that is not YAML is returned whole, so the loader reports its
 * syntax errors at their lines.
 */
function documentsOf(text: string): RenderedDocument[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  if (docs.some((d) => d.errors.length > 0)) return [{ located: text, text, nameLine: undefined }];
  return docs
    .filter((d) => !isEmpty(d))
    .map((d) => {
      const [start, , end] = d.range;
      const marker = /^---[ \t]*(?:#.*)?\r?\n/.exec(text.slice(start, end));
      const from = start + (marker?.[0].length ?? 0);
      const body = text.slice(from, end);
      const startLine = lineCounter.linePos(from).line;
      const nameNode = d.getIn(['metadata', 'name'], true);
      const nameLine = isScalar(nameNode) && nameNode.range ? lineCounter.linePos(nameNode.range[0]).line : undefined;
      return { located: '\n'.repeat(startLine - 1) + body, text: body.endsWith('\n') ? body : `${body}\n`, nameLine };
    });
}

/** `---` followed by nothing (or only comments), which the loader and kubectl skip. */
function isEmpty(doc: Document.Parsed): boolean {
  return doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
}
