/**
 * Jinja2 templates, rendered with nunjucks configured as Jinja2's defaults are, so a template written for
 * `python -c "from jinja2 import Template; …"` (the Kubernetes "Parallel Processing using Expansions" task) renders
 * the same text here.
 */
import nunjucks from 'nunjucks';
import { JobctlError } from '../errors.ts';
import { tokensAvoiding, type SplicedRender } from './structure.ts';

/** Template-level variables: `params`, `items` and each `--var`. */
export type Jinja2Context = Readonly<Record<string, unknown>>;

installJinja2Syntax();

const environment = new nunjucks.Environment([], {
  // Jinja2's `Template(...)` does not escape HTML, and a manifest is not HTML.
  autoescape: false,
  // As jinja2.StrictUndefined: a misspelt variable fails the render instead of printing nothing into a manifest.
  throwOnUndefined: true,
  // Jinja2's defaults (trim_blocks=False, lstrip_blocks=False); whitespace is controlled with `{%-` and `-%}`.
  trimBlocks: false,
  lstripBlocks: false,
});
// Jinja2's `tojson` (nunjucks has only `dump`): a JSON value is valid YAML, so it quotes any value safely. Marked
// safe, as Jinja2 marks it: it is kept as written when the structure check renders placeholders for values.
environment.addFilter('tojson', (value: unknown) => new nunjucks.runtime.SafeString(pythonJson(value)));

/**
 * Renders a Jinja2 template. Whitespace follows Jinja2's defaults: newlines are normalised to `\n` and a single
 * trailing newline of the template is dropped (`keep_trailing_newline=False`).
 *
 * @param file - the template's name in error messages
 * @throws JobctlError (`Validation`) naming `file:line:column` and the reason, e.g. an undefined variable
 *
 * @example
 * const template = '{% for p in params %}---\nname: {{ p.name }}\n{% endfor %}';
 * renderJinja2(template, { params: [{ name: 'apple' }] }, 'job.yaml.jinja2');
 * // '---\nname: apple\n'
 */
export function renderJinja2(text: string, context: Jinja2Context, file: string): string {
  const source = text.replace(/\r\n?/g, '\n').replace(/\n$/, '');
  try {
    return new nunjucks.Template(source, environment, file, true).render({ ...context });
  } catch (error) {
    throw translateError(error, source, file);
  }
}

/**
 * Renders a Jinja2 template twice: as {@link renderJinja2} does, and with every `{{ … }}` output replaced by a
 * placeholder token (outputs marked safe — `| tojson`, `| safe`, a macro's — are kept as written), for
 * `structureChange` to compare. Control flow depends on the context, not on what was output (but for a `{% set %}`
 * block that captures output and is then tested), so both renders take the same path.
 *
 * @throws JobctlError (`Validation`) as {@link renderJinja2}
 */
export function renderJinja2Spliced(text: string, context: Jinja2Context, file: string): SplicedRender {
  const rendered = renderJinja2(text, context, file);
  const tokens = tokensAvoiding([text, rendered]);
  const values: string[] = [];
  outputHook = (value) => {
    values.push(value);
    return tokens.token(values.length - 1);
  };
  try {
    return { text: rendered, templateText: renderJinja2(text, context, file), values, tokens };
  } catch (error) {
    // Only a template that computes with what it printed (a `{% set %}` block) can fail here after rendering once.
    const reason = error instanceof Error ? error.message : String(error);
    throw new JobctlError(
      'Validation',
      `${reason}: the template could not be rendered again with placeholders for its values, to check they add no ` +
        `YAML structure; pass --raw to splice values as text`,
      { cause: error },
    );
  } finally {
    outputHook = undefined;
  }
}

/** Set while {@link renderJinja2Spliced} renders its placeholder pass: what an unsafe `{{ … }}` output becomes. */
let outputHook: ((value: string) => string) | undefined;

/** nunjucks reports `(file) [Line 3, Column 9]\n  reason`; jobctl reports `file:3:9: reason`. */
function translateError(error: unknown, source: string, file: string): JobctlError {
  const message = error instanceof Error ? error.message : String(error);
  const match = /^\((?:.*?)\)(?: \[Line (\d+)(?:, Column (\d+))?\])?\s*([\s\S]*)$/.exec(message);
  const [line, column, reason] = match
    ? [match[1], match[2], (match[3] ?? '').trim()]
    : [undefined, undefined, message];
  const where = line === undefined ? file : column === undefined ? `${file}:${line}` : `${file}:${line}:${column}`;
  if (reason.startsWith('attempted to output null or undefined value')) {
    const expression = line === undefined ? undefined : expressionAt(source, Number(line), Number(column ?? 1));
    const what = expression === undefined ? 'a value' : `"${expression}"`;
    return new JobctlError(
      'Validation',
      `${where}: undefined variable ${what}: define it with --var NAME=VALUE or --params FILE, or give it a default ` +
        `with "| default(...)"`,
      { cause: error },
    );
  }
  return new JobctlError('Validation', `${where}: ${reason.replace(/^Error: /, '')}`, { cause: error });
}

/** The `{{ … }}` expression on a line that contains `column` (or the first one on the line). */
function expressionAt(source: string, line: number, column: number): string | undefined {
  const text = source.split('\n')[line - 1];
  if (text === undefined) return undefined;
  const expressions = [...text.matchAll(/\{\{-?\s*([\s\S]*?)\s*-?\}\}/g)];
  const hit = expressions.find((m) => m.index <= column && column <= m.index + m[0].length) ?? expressions[0];
  return hit?.[1];
}

/**
 * JSON as Jinja2's `tojson` writes it: Python's `json.dumps` separators (`", "`, `": "`), sorted keys, non-ASCII and
 * the HTML-special `<>&'` as `\uXXXX` (YAML reads those escapes in a double-quoted string too).
 */
function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${pythonJson(k)}: ${pythonJson((value as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[^\x20-\x7e]|[<>&']/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  return JSON.stringify(value ?? null);
}

/** The token stream nunjucks' parser reads; not in nunjucks' typings. */
interface Tokenizer {
  str: string;
  index: number;
  nextToken(): { type: string; value: string; lineno: number; colno: number } | null;
}

/**
 * Jinja2 syntax nunjucks lacks, added once per process:
 * - nunjucks' own Jinja2 compatibility (`True`/`False`/`None`, `d.items()`, `xs[1:]`), with a template's data
 *   winning over those method names (a CSV column named `values` stays readable as `p["values"]`);
 * - a trailing comma in a list or dict literal (`{ "name": "apple", }`, as the Kubernetes task's template has), which
 *   nunjucks' parser rejects: the tokenizer reads such a comma as whitespace.
 */
function installJinja2Syntax(): void {
  const runtime = nunjucks.runtime as unknown as {
    memberLookup: (obj: unknown, key: unknown, ...rest: unknown[]) => unknown;
    suppressValue: (value: unknown, autoescape: boolean) => unknown;
  };
  // Every `{{ … }}` output goes through suppressValue; the structure check's placeholder pass replaces it there.
  const suppressValue = runtime.suppressValue;
  runtime.suppressValue = (value: unknown, autoescape: boolean) => {
    if (outputHook === undefined || value instanceof nunjucks.runtime.SafeString)
      return suppressValue(value, autoescape);
    return outputHook(String(value ?? ''));
  };
  const plainLookup = runtime.memberLookup;
  nunjucks.installJinjaCompat();
  const compatLookup = runtime.memberLookup;
  runtime.memberLookup = function memberLookup(this: unknown, obj: unknown, key: unknown, ...rest: unknown[]) {
    const isOwnData =
      rest.length < 2 &&
      typeof obj === 'object' &&
      obj !== null &&
      !Array.isArray(obj) &&
      Object.hasOwn(obj, String(key));
    return (isOwnData ? plainLookup : compatLookup).call(this, obj, key, ...rest);
  };

  const lexer = (
    nunjucks as unknown as { lexer: { lex(src: string): Tokenizer; TOKEN_COMMA: string; TOKEN_WHITESPACE: string } }
  ).lexer;
  const tokenizer = Object.getPrototypeOf(lexer.lex('')) as Tokenizer;
  const nextToken = tokenizer.nextToken;
  const closesNext = /\s*[\]}]/y;
  tokenizer.nextToken = function (this: Tokenizer) {
    const token = nextToken.call(this);
    closesNext.lastIndex = this.index;
    if (token?.type === lexer.TOKEN_COMMA && closesNext.test(this.str)) {
      return { ...token, type: lexer.TOKEN_WHITESPACE };
    }
    return token;
  };
}
