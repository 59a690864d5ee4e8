/**
 * The parser of kubectl's JSONPath template dialect (`-o jsonpath=…`, custom columns, `--sort-by`).
 *
 * Ported from k8s.io/client-go/util/jsonpath (`parser.go`, `node.go`), Apache-2.0, Copyright 2015 The Kubernetes
 * Authors. Same grammar, node tree and error messages; the Go parser's tail recursion is a loop here. A template is
 * text with actions in braces: `{.a.b}`, `{.items[*].x}`, `{..name}`, `{[0:2]}`, `{['key']}`, `{[a,b]}`,
 * `{[?(@.x==1)]}`, `{range .items[*]}…{end}`, `{"\t"}`, `{@}`.
 */

export type NodeType =
  | 'NodeText'
  | 'NodeArray'
  | 'NodeList'
  | 'NodeField'
  | 'NodeIdentifier'
  | 'NodeFilter'
  | 'NodeInt'
  | 'NodeFloat'
  | 'NodeWildcard'
  | 'NodeRecursive'
  | 'NodeUnion'
  | 'NodeBool';

/** One bound of an array selection `[start:end:step]`. */
export interface ParamsEntry {
  value: number;
  /** Whether the value was written (or derived) when parsed. */
  known: boolean;
  /** `end` of a single index `[n]`: `n + 1`, moved by the length when it wraps to 0 (`[-1]`). */
  derived: boolean;
}

export interface ListNode {
  readonly type: 'NodeList';
  readonly nodes: Node[];
}
export interface TextNode {
  readonly type: 'NodeText';
  readonly text: string;
}
export interface FieldNode {
  readonly type: 'NodeField';
  readonly value: string;
}
export interface IdentifierNode {
  readonly type: 'NodeIdentifier';
  readonly name: string;
}
export interface ArrayNode {
  readonly type: 'NodeArray';
  readonly params: readonly [ParamsEntry, ParamsEntry, ParamsEntry];
}
export interface FilterNode {
  readonly type: 'NodeFilter';
  readonly left: ListNode;
  readonly right: ListNode;
  readonly operator: string;
}
export interface IntNode {
  readonly type: 'NodeInt';
  readonly value: number;
}
export interface FloatNode {
  readonly type: 'NodeFloat';
  readonly value: number;
}
export interface WildcardNode {
  readonly type: 'NodeWildcard';
}
export interface RecursiveNode {
  readonly type: 'NodeRecursive';
}
export interface UnionNode {
  readonly type: 'NodeUnion';
  readonly nodes: ListNode[];
}
export interface BoolNode {
  readonly type: 'NodeBool';
  readonly value: boolean;
}

export type Node =
  | ListNode
  | TextNode
  | FieldNode
  | IdentifierNode
  | ArrayNode
  | FilterNode
  | IntNode
  | FloatNode
  | WildcardNode
  | RecursiveNode
  | UnionNode
  | BoolNode;

const newList = (): ListNode => ({ type: 'NodeList', nodes: [] });
const newText = (text: string): TextNode => ({ type: 'NodeText', text });

/** A parse or evaluation error, with the message the Go package gives. */
export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

/** `Node.String()` of the Go package: `NodeField: name`, `NodeArray: [{1 true false} …]`, `NodeFloat: 1.500000`. */
export function nodeString(node: Node): string {
  switch (node.type) {
    case 'NodeList':
    case 'NodeWildcard':
    case 'NodeRecursive':
    case 'NodeUnion':
      return node.type;
    case 'NodeText':
      return `${node.type}: ${node.text}`;
    case 'NodeField':
      return `${node.type}: ${node.value}`;
    case 'NodeIdentifier':
      return `${node.type}: ${node.name}`;
    case 'NodeArray':
      return `${node.type}: [${node.params.map((p) => `{${p.value} ${p.known} ${p.derived}}`).join(' ')}]`;
    case 'NodeFilter':
      return `${node.type}: ${nodeString(node.left)} ${node.operator} ${nodeString(node.right)}`;
    case 'NodeInt':
      return `${node.type}: ${node.value}`;
    case 'NodeFloat':
      return `${node.type}: ${node.value.toFixed(6)}`;
    case 'NodeBool':
      return `${node.type}: ${node.value}`;
  }
}

const EOF = -1;
const DICT_KEY = /^'([^']*)'$/;
const SLICE_OPERATOR = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;
// Go's `.` does not match a newline; `[^\n]` keeps JavaScript's `.` from also refusing \r, U+2028 and U+2029.
const FILTER = /^([^!<>=]+)([!<>=]+)([^\n]+?)$/;
const MAX_INT = 2n ** 63n - 1n;

const isSpace = (r: number) => r === 0x20 || r === 0x09;
const isEndOfLine = (r: number) => r === 0x0d || r === 0x0a;
const isDigit = (r: number) => r >= 0 && /\p{Nd}/u.test(String.fromCodePoint(r));
const isAlphaNumeric = (r: number) => r === 0x5f || (r >= 0 && /[\p{L}\p{Nd}]/u.test(String.fromCodePoint(r)));
const is = (r: number, ch: string) => r === ch.codePointAt(0);

/** Whether `r` may end an identifier or field name. */
function isTerminator(r: number): boolean {
  if (isSpace(r) || isEndOfLine(r) || r === EOF) return true;
  return r >= 0 && '.,[]$@{}'.includes(String.fromCodePoint(r));
}

/** `strconv.Atoi`: a decimal `int` (64 bits), or undefined. */
function atoi(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const big = BigInt(text);
  return big > MAX_INT || big < -MAX_INT - 1n ? undefined : Number(big);
}

/** `strconv.ParseFloat(s, 64)` for the characters a number token may hold (sign, digits, dots). */
function parseFloat64(text: string): number | undefined {
  return /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(text) ? Number(text) : undefined;
}

/** The parsed template: a root list of text nodes and one list node per `{…}` action. */
export class Parser {
  root: ListNode = newList();
  private input = '';
  private pos = 0;
  private start = 0;
  private width = 0;

  constructor(readonly name: string) {}

  /** Parses `text`; throws a {@link JsonPathError} with the Go message on bad syntax. */
  parse(text: string): void {
    this.input = text;
    this.root = newList();
    this.pos = 0;
    this.start = 0;
    this.parseText(this.root);
  }

  /** The text read since the last call. */
  private consumeText(): string {
    const value = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return value;
  }

  private next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    const r = this.input.codePointAt(this.pos)!;
    this.width = r > 0xffff ? 2 : 1;
    this.pos += this.width;
    return r;
  }

  private peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  private backup(): void {
    this.pos -= this.width;
  }

  private parseText(cur: ListNode): void {
    for (;;) {
      if (this.input.startsWith('{', this.pos)) {
        if (this.pos > this.start) cur.nodes.push(newText(this.consumeText()));
        // parseLeftDelim
        this.pos += 1;
        this.consumeText();
        const action = newList();
        cur.nodes.push(action);
        this.parseInsideAction(action); // returns after the closing "}"
        continue;
      }
      if (this.next() === EOF) break;
    }
    if (this.pos > this.start) cur.nodes.push(newText(this.consumeText()));
  }

  /** Reads one action up to and including its `}`. */
  private parseInsideAction(cur: ListNode): void {
    for (;;) {
      if (this.input.startsWith('}', this.pos)) {
        // parseRightDelim: back to text at the root
        this.pos += 1;
        this.consumeText();
        return;
      }
      if (this.input.startsWith('[?(', this.pos)) {
        this.parseFilter(cur);
        continue;
      }
      if (this.input.startsWith('..', this.pos)) {
        this.parseRecursive(cur);
        continue;
      }
      const r = this.next();
      if (r === EOF || isEndOfLine(r)) throw new JsonPathError('unclosed action');
      if (r === 0x20 || is(r, '@') || is(r, '$')) {
        this.consumeText(); // a space, or the current object: nothing to do
      } else if (is(r, '[')) {
        this.parseArray(cur);
      } else if (is(r, '"') || is(r, "'")) {
        this.parseQuote(cur, r);
      } else if (is(r, '.')) {
        this.parseField(cur);
      } else if (is(r, '+') || is(r, '-') || isDigit(r)) {
        this.backup();
        this.parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.backup();
        this.parseIdentifier(cur);
      } else {
        throw new JsonPathError(`unrecognized character in action: ${formatRune(r)}`);
      }
    }
  }

  /** Built-in keywords (`range`, `end`) and the literals `true` and `false`. */
  private parseIdentifier(cur: ListNode): void {
    while (!isTerminator(this.next()));
    this.backup();
    const value = this.consumeText();
    if (value === 'true' || value === 'false') cur.nodes.push({ type: 'NodeBool', value: value === 'true' });
    else cur.nodes.push({ type: 'NodeIdentifier', name: value });
  }

  /** The recursive descent operator `..`. */
  private parseRecursive(cur: ListNode): void {
    if (cur.nodes.at(-1)?.type === 'NodeRecursive') throw new JsonPathError('invalid multiple recursive descent');
    this.pos += 2;
    this.consumeText();
    cur.nodes.push({ type: 'NodeRecursive' });
    if (isAlphaNumeric(this.peek())) this.parseField(cur);
  }

  private parseNumber(cur: ListNode): void {
    const sign = this.peek();
    if (is(sign, '+') || is(sign, '-')) this.next();
    for (;;) {
      const r = this.next();
      if (!is(r, '.') && !isDigit(r)) {
        this.backup();
        break;
      }
    }
    const value = this.consumeText();
    const int = atoi(value);
    if (int !== undefined) {
      cur.nodes.push({ type: 'NodeInt', value: int });
      return;
    }
    const float = parseFloat64(value);
    if (float === undefined) throw new JsonPathError(`cannot parse number ${value}`);
    cur.nodes.push({ type: 'NodeFloat', value: float });
  }

  /** An array selection: index, slice, `*`, a union `[a,b]` or a quoted key `['a.b']`. */
  private parseArray(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || is(r, '\n')) throw new JsonPathError('unterminated array');
      if (is(r, ']')) break;
    }
    let text = this.consumeText().slice(1, -1);
    if (text === '*') text = ':';

    const parts = text.split(',');
    if (parts.length > 1) {
      const union = parts.map((part) => parseAction('union', `[${part.replace(/^ +| +$/g, '')}]`).root);
      cur.nodes.push({ type: 'NodeUnion', nodes: union });
      return;
    }

    const key = DICT_KEY.exec(text);
    if (key) {
      cur.nodes.push(...parseAction('arraydict', `.${key[1]}`).root.nodes);
      return;
    }

    const slice = SLICE_OPERATOR.exec(text);
    if (!slice) throw new JsonPathError(`invalid array index ${text}`);
    const values = [slice[1] ?? '', slice[2] ?? '', slice[3] ?? ''];
    const params: ParamsEntry[] = [];
    for (let i = 0; i < 3; i++) {
      let value = values[i]!;
      if (value !== '') {
        if (i > 0) value = value.slice(1);
        if (i > 0 && value === '') {
          params.push({ value: 0, known: false, derived: false });
        } else {
          const n = atoi(value);
          if (n === undefined) throw new JsonPathError(`array index ${value} is not a number`);
          params.push({ value: n, known: true, derived: false });
        }
      } else if (i === 1) {
        params.push({ value: params[0]!.value + 1, known: true, derived: true });
      } else {
        params.push({ value: 0, known: false, derived: false });
      }
    }
    cur.nodes.push({ type: 'NodeArray', params: params as [ParamsEntry, ParamsEntry, ParamsEntry] });
  }

  /** A filter `[?(@.a==1)]`, `[?(@.a)]` (exists). */
  private parseFilter(cur: ListNode): void {
    this.pos += 3;
    this.consumeText();
    let begin = false;
    let end = false;
    let pair = 0;
    for (;;) {
      const r = this.next();
      if (r === EOF || is(r, '\n')) throw new JsonPathError('unterminated filter');
      if (is(r, '"') || is(r, "'")) {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && r === pair) end = true;
      } else if (is(r, ')')) {
        // Quotes appear at most once on the right, paired at its beginning and end.
        if (begin === end) break;
      }
    }
    if (!is(this.next(), ']')) throw new JsonPathError('unclosed array expect ]');
    const text = this.consumeText().slice(0, -2);
    const match = FILTER.exec(text);
    if (!match) {
      cur.nodes.push({
        type: 'NodeFilter',
        left: parseAction('text', text).root,
        right: newList(),
        operator: 'exists',
      });
    } else {
      const left = parseAction('left', match[1]!).root;
      const right = parseAction('right', match[3]!).root;
      cur.nodes.push({ type: 'NodeFilter', left, right, operator: match[2]! });
    }
  }

  /** A string literal in double or single quotes. */
  private parseQuote(cur: ListNode, end: number): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || is(r, '\n')) throw new JsonPathError('unterminated quoted string');
      if (r === end && this.input[this.pos - 2] !== '\\') break;
    }
    const value = this.consumeText();
    let text: string;
    try {
      text = unquoteExtend(value);
    } catch (error) {
      throw new JsonPathError(`unquote string ${value} error ${(error as Error).message}`);
    }
    cur.nodes.push(newText(text));
  }

  /** A field name up to the next unescaped terminator; `\.` keeps a dot in the name. */
  private parseField(cur: ListNode): void {
    this.consumeText();
    while (this.advance());
    const value = this.consumeText();
    if (value === '*') cur.nodes.push({ type: 'NodeWildcard' });
    else cur.nodes.push({ type: 'NodeField', value: value.replaceAll('\\', '') });
  }

  private advance(): boolean {
    const r = this.next();
    if (is(r, '\\')) {
      this.next();
    } else if (isTerminator(r)) {
      this.backup();
      return false;
    }
    return true;
  }
}

/** `fmt`'s `%#U`: `U+002A '*'`. */
function formatRune(r: number): string {
  const hex = `U+${r.toString(16).toUpperCase().padStart(4, '0')}`;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(String.fromCodePoint(r)) ? `${hex} '${String.fromCodePoint(r)}'` : hex;
}

/** Parses a whole template. */
export function parse(name: string, text: string): Parser {
  const parser = new Parser(name);
  parser.parse(text);
  return parser;
}

/** Parses the inside of one action: the root becomes that action's list. */
function parseAction(name: string, text: string): Parser {
  const parser = parse(name, `{${text}}`);
  parser.root = parser.root.nodes[0] as ListNode;
  return parser;
}

const ERR_SYNTAX = 'invalid syntax';

/** `UnquoteExtend`: `strconv.Unquote` that also takes single-quoted strings of any length. */
export function unquoteExtend(quoted: string): string {
  if (quoted.length < 2) throw new Error(ERR_SYNTAX);
  const quote = quoted[0]!;
  if (quote !== quoted.at(-1)) throw new Error(ERR_SYNTAX);
  let s = quoted.slice(1, -1);
  if (quote !== '"' && quote !== "'") throw new Error(ERR_SYNTAX);
  if (!s.includes('\\') && !s.includes(quote)) return s;
  let out = '';
  while (s.length > 0) {
    const [ch, tail] = unquoteChar(s, quote);
    out += ch;
    s = tail;
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

/** `strconv.UnquoteChar`: the first character of `s` (an escape sequence decoded) and the rest. */
function unquoteChar(s: string, quote: string): [string, string] {
  const c = s[0]!;
  if (c === quote) throw new Error(ERR_SYNTAX);
  if (c !== '\\') {
    const ch = String.fromCodePoint(s.codePointAt(0)!);
    return [ch, s.slice(ch.length)];
  }
  if (s.length <= 1) throw new Error(ERR_SYNTAX);
  const e = s[1]!;
  let rest = s.slice(2);
  if (SIMPLE_ESCAPES[e] !== undefined) return [SIMPLE_ESCAPES[e], rest];
  if (e === 'x' || e === 'u' || e === 'U') {
    const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
    const hex = rest.slice(0, n);
    if (hex.length < n || !/^[0-9a-fA-F]+$/.test(hex)) throw new Error(ERR_SYNTAX);
    rest = rest.slice(n);
    const v = Number.parseInt(hex, 16);
    // \x is one byte (Latin-1 here); \u and \U must be valid Unicode scalar values.
    if (e === 'x') return [String.fromCharCode(v), rest];
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new Error(ERR_SYNTAX);
    return [String.fromCodePoint(v), rest];
  }
  if (e >= '0' && e <= '7') {
    const digits = rest.slice(0, 2);
    if (digits.length < 2 || !/^[0-7]{2}$/.test(digits)) throw new Error(ERR_SYNTAX);
    const v = Number.parseInt(e + digits, 8);
    if (v > 255) throw new Error(ERR_SYNTAX);
    return [String.fromCharCode(v), rest.slice(2)];
  }
  if (e === "'" || e === '"') {
    if (e !== quote) throw new Error(ERR_SYNTAX);
    return [e, rest];
  }
  throw new Error(ERR_SYNTAX);
}
