/**
 * Expansion: one template, many manifests (the Kubernetes task "Parallel Processing using Expansions"). Renders a
 * `$ITEM` template once per item, or a Jinja2 template once, then validates every document with the manifest loader
 * before returning anything, so a caller writes all manifests or none. Pure: the caller reads and writes files.
 */
import { isScalar, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { assertNever, JobctlError, ValidationError, ValidationErrors } from '../errors.ts';
import { loadManifestSources } from '../spec/index.ts';
import { renderJinja2 } from './jinja2.ts';
import { bindingsFromItems, bindingsFromParams, type ItemBinding } from './params.ts';
import { PLACEHOLDER_NAME, placeholderNames, substitutePlaceholders } from './placeholders.ts';

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
  /** `--items`/`--items-file`: `$ITEM` of one manifest each; a Jinja2 template reads them as `items`. @default - none */
  readonly items?: readonly string[];
  /** `--params`: one manifest per entry (`$ITEM`, or `$FIELD` per field); a Jinja2 template reads it as `params`. @default - none */
  readonly params?: TemplateParams;
  /** `--var NAME=VALUE`: `$NAME` in every manifest; a Jinja2 variable. @default - none */
  readonly vars?: Readonly<Record<string, string>>;
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
 * @throws JobctlError (`Validation`) for a template that cannot be rendered (undefined Jinja2 variable, bad syntax,
 * no items, a `--var` the template never uses)
 *
 * @example
 * const manifests = expandTemplate({ template: readFileSync('job-tmpl.yaml', 'utf8'), file: 'job-tmpl.yaml', items: ['apple', 'banana', 'cherry'] });
 * manifests.map((m) => m.name); // ['process-item-apple', 'process-item-banana', 'process-item-cherry']
 */
export function expandTemplate(request: ExpansionRequest): ExpandedManifest[] {
  const engine = request.engine ?? templateEngineOf(request.file);
  const vars = request.vars ?? {};
  for (const name of Object.keys(vars)) {
    if (!PLACEHOLDER_NAME.test(name)) throw new JobctlError('Validation', `--var ${name}: invalid name "${name}": use letters, digits and _, not starting with a digit`);
  }
  const rendered = ((): Rendered[] => {
    switch (engine) {
      case 'subst':
        return renderSubst(request, vars);
      case 'jinja2':
        return renderJinja2Documents(request, vars);
      default:
        return assertNever(engine, 'template engine');
    }
  })();
  const manifests = validateRendered(rendered);
  if (manifests.length === 0) throw new JobctlError('Validation', `${request.file}: the template rendered no manifests`);
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
}

function renderSubst(request: ExpansionRequest, vars: Readonly<Record<string, string>>): Rendered[] {
  const { template, file } = request;
  const bindings: ItemBinding[] = [];
  if (request.items !== undefined) bindings.push(...bindingsFromItems(request.items));
  if (request.params !== undefined) bindings.push(...bindingsFromParams(request.params.value, request.params.file));
  if (bindings.length === 0) {
    throw new JobctlError('Validation', `${file}: no items: pass --items a,b,c, --items-file FILE or --params FILE (one manifest is rendered per item)`);
  }
  const used = new Set(placeholderNames(template));
  for (const name of Object.keys(vars)) {
    if (!used.has(name)) throw new JobctlError('Validation', `--var ${name}: the template ${file} has no $${name} or \${${name}}`);
  }
  const itemNames = new Set(bindings.flatMap((b) => Object.keys(b.values)));
  for (const name of itemNames) {
    if (Object.hasOwn(vars, name)) throw new JobctlError('Validation', `--var ${name}: also set by every item; drop one of them`);
  }
  // Without a placeholder every item renders the same manifest; say so rather than report N-1 duplicate names.
  if (![...itemNames].some((name) => used.has(name))) {
    const wanted = [...itemNames].map((n) => `$${n}`).join(', ');
    throw new JobctlError('Validation', `${file}: no placeholder for the items: use ${wanted} (or \${NAME}) where each manifest differs, e.g. name: process-item-$ITEM`);
  }
  return bindings.map((b) => ({ label: b.label, file, text: substitutePlaceholders(template, { ...vars, ...b.values }) }));
}

function renderJinja2Documents(request: ExpansionRequest, vars: Readonly<Record<string, string>>): Rendered[] {
  const context: Record<string, unknown> = { ...vars };
  for (const [name, value] of [['items', request.items], ['params', request.params?.value]] as const) {
    if (value === undefined) continue;
    if (Object.hasOwn(vars, name)) throw new JobctlError('Validation', `--var ${name}: the template's ${name} come from --${name}; rename the variable`);
    context[name] = value;
  }
  const text = renderJinja2(request.template, context, request.file);
  return [{ label: '', file: `${request.file} (rendered)`, text }];
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
    for (const doc of documentsOf(r.text)) {
      documentNumber++;
      const label = r.label === '' ? `document ${documentNumber}` : r.label;
      const where = `${label}: ${r.file}`;
      let loaded;
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
        errors.push(new ValidationError({ file: where, path: 'kind', detail: `Invalid value: "List": expand writes one object per document; put each in its own --- document` }));
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
            detail: `Duplicate value: "${object.metadata.name}": ${first} renders a ${object.kind} of the same name; use the item in metadata.name`,
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
  return docs.filter((d) => !isEmpty(d)).map((d) => {
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
