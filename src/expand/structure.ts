/**
 * Values are text, not YAML (audit D12). A rendered template is compared with the same template rendered with a
 * harmless placeholder token in place of each value: the documents, the keys of every map, the length of every list
 * and which nodes are maps, lists, scalars or aliases (and their explicit tags) must be the same. A value that closes
 * a quote and adds a field, a list item or a whole document changes one of them. Pure.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';

/**
 * Placeholder tokens: `<prefix><index>x`, a plain lowercase word that is a valid scalar, key or part of a name
 * anywhere.
 */
export interface Tokens {
  /** The token standing for value `index`. */
  token(index: number): string;
  /** Finds every token; the first capture is the value index. Global: reset `lastIndex` or use `replace`. */
  readonly pattern: RegExp;
}

/**
 * Tokens whose prefix occurs nowhere in `avoid` (the template and the values), so a token can only be one the
 * renderer put there.
 *
 * @example
 * tokensAvoiding(['name: $ITEM', 'apple']).token(0); // 'jobctlv0x'
 */
export function tokensAvoiding(avoid: readonly string[]): Tokens {
  let prefix = 'jobctlv';
  while (avoid.some((text) => text.includes(prefix))) prefix += 'q';
  return { token: (index) => `${prefix}${index}x`, pattern: new RegExp(`${prefix}(\\d+)x`, 'g') };
}

/** A render, and the same render with each spliced value replaced by its token. */
export interface SplicedRender {
  /** The render as it will be written, values spliced in. */
  readonly text: string;
  /** The render with value `i` replaced by `tokens.token(i)`. */
  readonly templateText: string;
  /**
   * The text of each spliced value, in order; a value may itself hold the tokens of earlier values (a captured block).
   */
  readonly values: readonly string[];
  readonly tokens: Tokens;
}

/** How a value changed the structure, located in the render. */
export interface StructureChange {
  /** The value found to make the difference, when one could be singled out. */
  valueIndex: number | undefined;
  /** The node, as a field path (`spec.template.spec.containers[0]`), or `(document)` / `(yaml)`. */
  path: string;
  /** 1-based line of the node in the render. */
  line: number | undefined;
  /** What differs, e.g. `it adds the key "env"`. */
  what: string;
}

interface Parsed {
  docs: Document.Parsed[];
  lineCounter: LineCounter;
  hasErrors: boolean;
}

function parse(text: string): Parsed {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true });
  return { docs, lineCounter, hasErrors: docs.some((d) => d.errors.length > 0) };
}

/** The last template parsed: every item of a `$ITEM` expansion has the same one. */
let lastTemplate: { text: string; parsed: Parsed } | undefined;

function parseTemplate(text: string): Parsed {
  if (lastTemplate?.text !== text) lastTemplate = { text, parsed: parse(text) };
  return lastTemplate.parsed;
}

/**
 * The first difference between `render.text` and its template (the render with tokens), or undefined when the values
 * kept the structure. A render that is not YAML is left to the manifest loader, which reports the syntax error at its
 * line; a template that is YAML only with the values spliced in is a change (a value supplies structure).
 *
 * @example
 * structureChange({ text: 'a: [x, y]\n', templateText: 'a: [jobctlv0x]\n', values: ['x, y'], tokens });
 * // { path: 'a', what: 'it has 2 items where the template has 1', … }
 */
export function structureChange(render: SplicedRender): StructureChange | undefined {
  const real = parse(render.text);
  if (real.hasErrors) return undefined;
  const template = parseTemplate(render.templateText);
  if (template.hasErrors) {
    const firstError = template.docs.flatMap((d) => d.errors)[0];
    const reason = (firstError?.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    return {
      valueIndex: culprit(render, (candidate) => !candidate.hasErrors),
      path: '(yaml)',
      line: undefined,
      what: `the template is YAML only with it spliced in (with a placeholder instead: ${reason})`,
    };
  }
  const difference = compareDocuments(real, template, expander(render, render.values.length));
  if (difference === undefined) return undefined;
  return {
    ...difference,
    valueIndex: culprit(
      render,
      (candidate, k) =>
        !candidate.hasErrors && compareDocuments(candidate, template, expander(render, k)) === undefined,
    ),
  };
}

/**
 * The value whose splicing first breaks `isLikeTemplate`: a binary search over "values 0..k−1 spliced, the rest
 * tokens" (k = 0 is the template itself). Undefined when splicing every value keeps it (a render whose control flow
 * depended on its output, which this cannot replay).
 */
function culprit(render: SplicedRender, isLikeTemplate: (candidate: Parsed, k: number) => boolean): number | undefined {
  const n = render.values.length;
  const at = (k: number) =>
    isLikeTemplate(parse(render.templateText.replace(render.tokens.pattern, replacer(render, k))), k);
  if (n === 0 || at(n)) return undefined;
  let like = 0;
  let unlike = n;
  while (unlike - like > 1) {
    const mid = Math.floor((like + unlike) / 2);
    if (at(mid)) like = mid;
    else unlike = mid;
  }
  return unlike - 1;
}

/** Replaces the tokens of values below `k` with their text (recursively), leaving the others. */
function replacer(render: SplicedRender, k: number): (token: string, index: string) => string {
  const replace = (token: string, index: string): string => {
    const i = Number(index);
    const value = i < k ? render.values[i] : undefined;
    return value === undefined ? token : value.replace(render.tokens.pattern, replace);
  };
  return replace;
}

/** What a template's key becomes with every value spliced in. */
function expander(render: SplicedRender, k: number): (text: string) => string {
  const replace = replacer(render, k);
  return (text) => text.replace(render.tokens.pattern, replace);
}

type Difference = Omit<StructureChange, 'valueIndex'>;

function compareDocuments(real: Parsed, template: Parsed, expand: (text: string) => string): Difference | undefined {
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined): number | undefined =>
    node?.range ? real.lineCounter.linePos(node.range[0]).line : undefined;
  if (real.docs.length !== template.docs.length) {
    const extra = real.docs.slice(template.docs.length);
    const added = extra.map(describeDocument).filter((d) => d !== '');
    return {
      path: '(document)',
      line: extra[0] ? real.lineCounter.linePos(extra[0].range[0]).line : lineOf(real.docs.at(-1)?.contents),
      what:
        `it renders ${real.docs.length} documents where the template renders ` +
        `${template.docs.length}${added.length > 0 ? ` (adds ${added.join(', ')})` : ''}`,
    };
  }
  for (const [i, doc] of real.docs.entries()) {
    const difference = compareNodes(doc.contents, template.docs[i]!.contents, '', expand, lineOf);
    if (difference !== undefined) return difference;
  }
  return undefined;
}

/** `CronJob "injected"` for a document that names a kind and a name. */
function describeDocument(doc: Document.Parsed): string {
  const kind = doc.get('kind');
  const name = doc.getIn(['metadata', 'name']);
  if (typeof kind !== 'string') return '';
  return typeof name === 'string' ? `${kind} ${JSON.stringify(name)}` : kind;
}

type NodeKind = 'a map' | 'a list' | 'a scalar' | 'an alias';

function kindOf(node: unknown): NodeKind {
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return 'an alias';
  return 'a scalar';
}

function childPath(path: string, key: string): string {
  if (/[.[\]/]/.test(key)) return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** A key as text: a scalar's source (so `1.0` stays `1.0`), or its kind for a complex key. */
function keyText(key: unknown): string {
  if (key === null || key === undefined) return '';
  if (isScalar(key)) return key.source ?? String(key.value);
  return `<${kindOf(key)}>`;
}

function compareNodes(
  real: unknown,
  template: unknown,
  path: string,
  expand: (text: string) => string,
  lineOf: (node: { range?: [number, number, number] | null } | null | undefined) => number | undefined,
): Difference | undefined {
  const at = (what: string): Difference => ({
    path: path === '' ? '(root)' : path,
    line: lineOf(real as { range?: [number, number, number] }),
    what,
  });
  const realKind = kindOf(real);
  const templateKind = kindOf(template);
  if (realKind !== templateKind) return at(`it is ${realKind} where the template has ${templateKind}`);
  const realTag = (real as { tag?: string } | null)?.tag;
  const templateTag = (template as { tag?: string } | null)?.tag;
  if (realTag !== templateTag) {
    if (templateTag === undefined) return at(`it has the tag ${realTag}, which the template does not`);
    return at(
      realTag === undefined
        ? `it lacks the tag ${templateTag} of the template`
        : `it has the tag ${realTag} where the template has ${templateTag}`,
    );
  }
  if (isAlias(real) && isAlias(template) && real.source !== expand(template.source)) {
    return at(`it is an alias of *${real.source} where the template has *${template.source}`);
  }
  if (isSeq(real) && isSeq(template)) {
    if (real.items.length !== template.items.length)
      return at(`it has ${real.items.length} items where the template has ${template.items.length}`);
    for (const [i, item] of real.items.entries()) {
      const difference = compareNodes(item, template.items[i], `${path}[${i}]`, expand, lineOf);
      if (difference !== undefined) return difference;
    }
  }
  if (isMap(real) && isMap(template)) {
    const realKeys = real.items.map((pair) => keyText(pair.key));
    const templateKeys = template.items.map((pair) => expand(keyText(pair.key)));
    const added = realKeys.find((k) => !templateKeys.includes(k));
    if (added !== undefined) return at(`it adds the key ${JSON.stringify(added)}`);
    const dropped = templateKeys.find((k) => !realKeys.includes(k));
    if (dropped !== undefined) return at(`it drops the key ${JSON.stringify(dropped)}`);
    const moved = realKeys.findIndex((k, i) => k !== templateKeys[i]);
    if (moved !== -1)
      return at(
        `its key ${JSON.stringify(realKeys[moved])} is where the template has ${JSON.stringify(templateKeys[moved])}`,
      );
    for (const [i, pair] of real.items.entries()) {
      const other = template.items[i]!;
      if (!isScalar(pair.key) || !isScalar(other.key)) {
        const difference = compareNodes(pair.key, other.key, childPath(path, realKeys[i]!), expand, lineOf);
        if (difference !== undefined) return difference;
      }
      const difference = compareNodes(pair.value, other.value, childPath(path, realKeys[i]!), expand, lineOf);
      if (difference !== undefined) return difference;
    }
  }
  return undefined;
}
