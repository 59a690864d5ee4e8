/**
 * Label selectors for `-l` / `--selector`, parsed and matched exactly as Kubernetes does.
 *
 * Ported from `staging/src/k8s.io/apimachinery/pkg/labels/selector.go` (Lexer, Parser, `NewRequirement`,
 * `Requirement.Matches`, `String`) and the key/value checks of `pkg/util/validation/validation.go`
 * (`IsQualifiedName`, `IsValidLabelValue`). Error messages are upstream's, so a bad selector fails with the
 * line a kubectl user already knows: `unable to parse requirement: …`.
 */
import { JobctlError } from '../errors.ts';
import type { Labels } from '../spec/types.ts';

/** Kubernetes `selection.Operator` values, verbatim. */
export type SelectorOperator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

/** One `key op values` term; a selector is the AND of its requirements. */
export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  /** Sorted and de-duplicated, as upstream's `sets.String.List()` leaves them. Empty for `exists` and `!`. */
  readonly values: readonly string[];
}

/** A parsed selector: requirements sorted by key (upstream sorts "to grant deterministic parsing"). */
export type Selector = readonly Requirement[];

// Upstream's `binaryOperators`, in its order: the parse error lists them as "in, notin, =, ==, !=, gt, lt".
const BINARY_OPERATORS: readonly SelectorOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

type Token =
  | 'Error'
  | 'EndOfString'
  | 'ClosedPar'
  | 'Comma'
  | 'DoesNotExist'
  | 'DoubleEquals'
  | 'Equals'
  | 'GreaterThan'
  | 'Identifier'
  | 'In'
  | 'LessThan'
  | 'NotEquals'
  | 'NotIn'
  | 'OpenPar';

const STRING_TO_TOKEN: Readonly<Record<string, Token>> = {
  ')': 'ClosedPar',
  ',': 'Comma',
  '!': 'DoesNotExist',
  '==': 'DoubleEquals',
  '=': 'Equals',
  '>': 'GreaterThan',
  in: 'In',
  '<': 'LessThan',
  '!=': 'NotEquals',
  notin: 'NotIn',
  '(': 'OpenPar',
};

interface ScannedItem {
  tok: Token;
  literal: string;
}

const isWhitespace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string) => '=!(),><'.includes(ch) && ch !== '';

/** Upstream's byte-at-a-time lexer; it returns the longest operator it recognises (`!=` over `!`). */
function lex(s: string): ScannedItem[] {
  let pos = 0;
  const read = () => (pos < s.length ? s[pos++]! : '');
  const items: ScannedItem[] = [];
  for (;;) {
    let ch = read();
    while (ch !== '' && isWhitespace(ch)) ch = read();
    if (ch === '') {
      items.push({ tok: 'EndOfString', literal: '' });
      return items;
    }
    pos--;
    if (isSpecialSymbol(ch)) {
      let buffer = '';
      let last: ScannedItem | undefined;
      for (;;) {
        const c = read();
        if (c === '') break;
        if (!isSpecialSymbol(c)) {
          pos--;
          break;
        }
        buffer += c;
        const tok = STRING_TO_TOKEN[buffer];
        if (tok) last = { tok, literal: buffer };
        else if (last) {
          pos--;
          break;
        }
      }
      items.push(last ?? { tok: 'Error', literal: `error expected: keyword found '${buffer}'` });
    } else {
      let buffer = '';
      for (;;) {
        const c = read();
        if (c === '') break;
        if (isSpecialSymbol(c) || isWhitespace(c)) {
          pos--;
          break;
        }
        buffer += c;
      }
      items.push({ tok: STRING_TO_TOKEN[buffer] ?? 'Identifier', literal: buffer });
    }
  }
}

class ParseError extends Error {}

type Context = 'KeyAndOperator' | 'Values';

/** Recursive-descent parser over the scanned tokens, a line-for-line port of upstream's `Parser`. */
class Parser {
  private position = 0;
  constructor(private readonly items: ScannedItem[]) {}

  // In a value position `in` and `notin` are plain identifiers: `a in (in,notin)` is legal.
  private lookahead(context: Context): ScannedItem {
    const item = this.items[this.position]!;
    return context === 'Values' && (item.tok === 'In' || item.tok === 'NotIn')
      ? { tok: 'Identifier', literal: item.literal }
      : item;
  }

  private consume(context: Context): ScannedItem {
    const item = this.lookahead(context);
    this.position++;
    return item;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const { tok, literal } = this.lookahead('Values');
      switch (tok) {
        case 'Identifier':
        case 'DoesNotExist': {
          let r: Requirement;
          try {
            r = this.parseRequirement();
          } catch (error) {
            throw new ParseError(`unable to parse requirement: ${(error as Error).message}`);
          }
          requirements.push(r);
          const next = this.consume('Values');
          if (next.tok === 'EndOfString') return requirements;
          if (next.tok === 'Comma') {
            const after = this.lookahead('Values');
            if (after.tok !== 'Identifier' && after.tok !== 'DoesNotExist')
              throw new ParseError(`found '${after.literal}', expected: identifier after ','`);
            break;
          }
          throw new ParseError(`found '${next.literal}', expected: ',' or 'end of string'`);
        }
        case 'EndOfString':
          return requirements;
        default:
          throw new ParseError(`found '${literal}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator: inferred } = this.parseKeyAndInferOperator();
    if (inferred === 'exists' || inferred === '!') return newRequirement(key, inferred, []);
    const operator = this.parseOperator();
    const values = operator === 'in' || operator === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, operator, [...values].sort());
  }

  private parseKeyAndInferOperator(): { key: string; operator: SelectorOperator | undefined } {
    let operator: SelectorOperator | undefined;
    let item = this.consume('Values');
    if (item.tok === 'DoesNotExist') {
      operator = '!';
      item = this.consume('Values');
    }
    if (item.tok !== 'Identifier') throw new Error(`found '${item.literal}', expected: identifier`);
    const keyErrors = qualifiedNameErrors(item.literal);
    // Upstream validates with a nil field path here, hence the literal "<nil>" in its message.
    if (keyErrors.length > 0) throw new Error(invalidValue('<nil>', item.literal, keyErrors.join('; ')));
    const next = this.lookahead('Values').tok;
    if ((next === 'EndOfString' || next === 'Comma') && operator !== '!') operator = 'exists';
    return { key: item.literal, operator };
  }

  private parseOperator(): SelectorOperator {
    const { tok, literal } = this.consume('KeyAndOperator');
    switch (tok) {
      case 'In':
        return 'in';
      case 'Equals':
        return '=';
      case 'DoubleEquals':
        return '==';
      case 'GreaterThan':
        return 'gt';
      case 'LessThan':
        return 'lt';
      case 'NotIn':
        return 'notin';
      case 'NotEquals':
        return '!=';
      default:
        throw new Error(`found '${literal}', expected: ${BINARY_OPERATORS.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume('Values');
    if (open.tok !== 'OpenPar') throw new Error(`found '${open.literal}' expected: '('`);
    const { tok, literal } = this.lookahead('Values');
    switch (tok) {
      case 'Identifier':
      case 'Comma': {
        const values = this.parseIdentifiersList();
        if (this.consume('Values').tok !== 'ClosedPar') throw new Error(`found '${literal}', expected: ')'`);
        return values;
      }
      case 'ClosedPar':
        this.consume('Values');
        return new Set(['']);
      default:
        throw new Error(`found '${literal}', expected: ',', ')' or identifier`);
    }
  }

  // `(,a)`, `(a,)` and `(a,,b)` each contribute the empty value, as upstream documents.
  private parseIdentifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const { tok, literal } = this.consume('Values');
      if (tok === 'Identifier') {
        values.add(literal);
        const next = this.lookahead('Values');
        if (next.tok === 'Comma') continue;
        if (next.tok === 'ClosedPar') return values;
        throw new Error(`found '${next.literal}', expected: ',' or ')'`);
      }
      if (tok === 'Comma') {
        if (values.size === 0) values.add('');
        const next = this.lookahead('Values').tok;
        if (next === 'ClosedPar') {
          values.add('');
          return values;
        }
        if (next === 'Comma') values.add('');
        continue;
      }
      throw new Error(`found '${literal}', expected: ',', or identifier`);
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead('Values').tok;
    if (next === 'EndOfString' || next === 'Comma') return new Set(['']);
    const { tok, literal } = this.consume('Values');
    if (tok === 'Identifier') return new Set([literal]);
    throw new Error(`found '${literal}', expected: identifier`);
  }
}

/** Upstream `NewRequirement`'s checks on operator arity and values; the key was validated by the parser. */
function newRequirement(key: string, operator: SelectorOperator, values: string[]): Requirement {
  const errors: string[] = [];
  if (operator === 'gt' || operator === 'lt') {
    values.forEach((v, i) => {
      if (!/^[+-]?\d+$/.test(v))
        errors.push(invalidValue(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
    });
  }
  values.forEach((v, i) => {
    const valueErrors = labelValueErrors(v);
    if (valueErrors.length > 0) errors.push(invalidValue(`values[${i}][${key}]`, v, valueErrors.join('; ')));
  });
  // field.ErrorList.ToAggregate(): one error prints bare, several print as "[a, b]".
  if (errors.length === 1) throw new Error(errors[0]);
  if (errors.length > 1) throw new Error(`[${errors.join(', ')}]`);
  return { key, operator, values };
}

/**
 * `field.Invalid(path, value, detail).Error()`; Go's `%q` quoting, which JSON string syntax matches for printable
 * input.
 */
function invalidValue(path: string, value: string, detail: string): string {
  return `${path}: Invalid value: ${JSON.stringify(value)}: ${detail}`;
}

// validation.go: RegexError joins examples as "'a',  or 'b', " (the double space is upstream's).
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const QUALIFIED_NAME_ERR =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const QUALIFIED_NAME_RE = new RegExp(`^${QUALIFIED_NAME_FMT}$`);
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);
const DNS1123_SUBDOMAIN_ERR =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and " +
  'end with an alphanumeric character';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const LABEL_VALUE_ERR =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and " +
  'end with an alphanumeric character';

/** `validation.IsQualifiedName`: a label key is `[prefix/]name`, prefix a DNS subdomain, name ≤ 63 characters. */
function qualifiedNameErrors(value: string): string[] {
  const errors: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errors.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) errors.push('prefix part must be no more than 253 characters');
      if (!DNS1123_SUBDOMAIN_RE.test(prefix))
        errors.push(`prefix part ${regexError(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, 'example.com')}`);
    }
  } else {
    return [
      `a qualified name ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')} with ` +
        `an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errors.push('name part must be non-empty');
  else if (name.length > 63) errors.push('name part must be no more than 63 characters');
  if (!QUALIFIED_NAME_RE.test(name))
    errors.push(`name part ${regexError(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errors;
}

/** `validation.IsValidLabelValue`. */
function labelValueErrors(value: string): string[] {
  const errors: string[] = [];
  if (value.length > 63) errors.push('must be no more than 63 characters');
  if (!LABEL_VALUE_RE.test(value))
    errors.push(regexError(LABEL_VALUE_ERR, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errors;
}

/**
 * Parses a label selector (`app=web,tier!=db`, `env in (a,b)`, `!canary`, `job-name`).
 * Requirements are ANDed. The empty string selects everything.
 *
 * @throws JobctlError (`Validation`) with upstream's one-line message, e.g.
 *   `unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt`
 * @example parseSelector('job-name=hello-123,app!=web')
 */
export function parseSelector(text: string): Selector {
  try {
    const requirements = new Parser(lex(text)).parse();
    // Stable sort by key, as upstream's sort.Sort(ByKey) yields for distinct keys.
    return requirements
      .map((r, i) => [r, i] as const)
      .sort(([a, i], [b, j]) => (a.key < b.key ? -1 : a.key > b.key ? 1 : i - j))
      .map(([r]) => r);
  } catch (error) {
    if (error instanceof Error) throw new JobctlError('Validation', error.message, { cause: error });
    throw error;
  }
}

/** `Requirement.Matches`: set-based and equality-based matching, with upstream's missing-key rules. */
export function matchesRequirement(requirement: Requirement, labels: Labels): boolean {
  const has = Object.hasOwn(labels, requirement.key);
  const value = has ? labels[requirement.key]! : undefined;
  switch (requirement.operator) {
    case 'in':
    case '=':
    case '==':
      return value !== undefined && requirement.values.includes(value);
    case 'notin':
    case '!=':
      // A missing key satisfies "not equal" and "not in": upstream case 4 of Requirement.Matches.
      return value === undefined || !requirement.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (value === undefined || !/^[+-]?\d+$/.test(value) || requirement.values.length !== 1) return false;
      const labelValue = BigInt(value);
      const bound = BigInt(requirement.values[0]!);
      return requirement.operator === 'gt' ? labelValue > bound : labelValue < bound;
    }
  }
}

/**
 * True when every requirement matches `labels`; the empty selector matches everything.
 *
 * @example matchesSelector(parseSelector('app in (web,api)'), { app: 'web' }) // true
 */
export function matchesSelector(selector: Selector, labels: Labels): boolean {
  return selector.every((r) => matchesRequirement(r, labels));
}

/** The canonical text of a selector (`Selector.String()`): `x in (a,b),y!=c,!z`. */
export function formatSelector(selector: Selector): string {
  return selector
    .map(({ key, operator, values }) => {
      switch (operator) {
        case 'exists':
          return key;
        case '!':
          return `!${key}`;
        case 'in':
        case 'notin':
          return `${key} ${operator} (${values.join(',')})`;
        case 'gt':
          return `${key}>${values.join(',')}`;
        case 'lt':
          return `${key}<${values.join(',')}`;
        default:
          return `${key}${operator}${values.join(',')}`;
      }
    })
    .join(',');
}
