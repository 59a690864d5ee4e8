/**
 * What Go's `fmt` and `encoding/json` print for the values kubectl's printers handle: objects decoded from JSON into
 * `interface{}` (Kubernetes' "unstructured" content: `map[string]interface {}`, `[]interface {}`, `string`, `int64`
 * for whole numbers, `float64` for the rest, `bool` and `nil`). kubectl's JSONPath, custom-columns and sorting
 * output is made of these, so the JSONPath port (`jsonpath.ts`) prints with them.
 *
 * In this model a JavaScript number is an `int64` when it is a whole number and a `float64` otherwise, as kubectl's
 * JSON decoding makes them; {@link GoFloat} marks a float that happens to be whole (a JSONPath literal like `2.0`).
 */

/** A Go `float64` whose value is a whole number (`2.0`), which a plain JavaScript number would show as an int. */
export class GoFloat {
  constructor(readonly value: number) {}
  /** `encoding/json` writes it as a number. */
  toJSON(): number {
    return this.value;
  }
}

/** A JSON object (a Go map), as opposed to an array, `null` or a scalar. */
export function isGoMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof GoFloat);
}

/** `strconv.FormatInt` of a whole number, exact beyond 2^53 (where `String()` switches to exponents). */
function formatInt(value: number): string {
  return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
}

/**
 * `fmt.Sprint(float64)`: `%g` with the shortest digits that read back the same, in exponent form when the exponent
 * is below -4 or at least 6 (`1.2345675e+06`, `1e-05`), else in plain decimals.
 */
export function goFormatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 6) return String(value);
  const sign = value < 0 ? '-' : '';
  const digits = String(Math.abs(exponent)).padStart(2, '0');
  return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${digits}`;
}

/** A number as `fmt` prints it: an `int64` for whole numbers, else a `float64`. */
function formatNumber(value: number): string {
  return Number.isInteger(value) ? formatInt(value) : goFormatFloat(value);
}

/** Go's `unicode.IsPrint`, close enough: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrint(codePoint: number): boolean {
  return codePoint === 0x20 || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(codePoint));
}

const SHORT_ESCAPES = new Map<number, string>([
  [0x07, '\\a'],
  [0x08, '\\b'],
  [0x0c, '\\f'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
  [0x0b, '\\v'],
]);

/** `strconv.Quote`: a double-quoted Go string literal, printable characters kept as they are. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (isPrint(cp)) out += ch;
    else if (SHORT_ESCAPES.has(cp)) out += SHORT_ESCAPES.get(cp);
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** Map keys in the order `fmt` prints them (sorted since Go 1.12). */
function sortedKeys(map: Record<string, unknown>): string[] {
  return Object.keys(map).sort(compareCodePoints);
}

/** Go's string order (bytes of UTF-8, which is code point order), not JavaScript's UTF-16 order. */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * `fmt.Sprint(v)` (`%v`): strings bare, `map[k:v k2:v2]` with sorted keys, `[a b]`, `<nil>`; `undefined` stands for
 * Go's invalid `reflect.Value` (`<invalid reflect.Value>`).
 */
export function goSprint(value: unknown): string {
  if (value === undefined) return '<invalid reflect.Value>';
  if (value === null) return '<nil>';
  if (value instanceof GoFloat) return goFormatFloat(value.value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(goSprint).join(' ')}]`;
  if (isGoMap(value))
    return `map[${sortedKeys(value)
      .map((k) => `${k}:${goSprint(value[k])}`)
      .join(' ')}]`;
  return String(value);
}

/** `fmt.Sprintf("%#v", v)` of unstructured content: `map[string]interface {}{"a":"b", "n":1}`. */
export function goSharpV(value: unknown): string {
  if (value === undefined || value === null) return 'interface {}(nil)';
  if (value instanceof GoFloat) return goFormatFloat(value.value);
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSharpV).join(', ')}}`;
  if (isGoMap(value)) {
    const entries = sortedKeys(value).map((k) => `${goQuote(k)}:${goSharpV(value[k])}`);
    return `map[string]interface {}{${entries.join(', ')}}`;
  }
  return String(value);
}

/** The Go type of an unstructured value, as `reflect.Value.Type()` prints it in error messages. */
export function goTypeName(value: unknown): string {
  if (value === undefined) return '<invalid Value>';
  if (value === null) return 'interface {}';
  if (value instanceof GoFloat) return 'float64';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return '[]interface {}';
  return 'map[string]interface {}';
}

/**
 * `json.Marshal` (no `indent`) or `json.MarshalIndent(v, "", indent)`: keys in the order given (callers sort maps
 * first, as Go's encoder does), and Go's HTML-safe escaping of `<`, `>`, `&`, U+2028 and U+2029.
 */
export function goJson(value: unknown, indent?: string): string {
  const text = JSON.stringify(value === undefined ? null : value, null, indent) ?? 'null';
  return text.replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Unstructured content as kubectl hands it to its printers: a deep copy through JSON (so `undefined` fields are
 * gone) with every map's keys sorted, the order Go's `encoding/json` writes them in.
 */
export function toUnstructured(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toUnstructured);
  if (value !== null && typeof value === 'object') {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return toUnstructured(JSON.parse(goJson(value)));
    const out: Record<string, unknown> = {};
    for (const key of sortedKeys(value as Record<string, unknown>)) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined && typeof v !== 'function') out[key] = toUnstructured(v);
    }
    return out;
  }
  return value;
}
