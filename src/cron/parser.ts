/**
 * A port of robfig/cron v3.0.1 `parser.go`, the parser behind Kubernetes' `cron.ParseStandard`.
 *
 * It accepts exactly what robfig accepts — including its quirks (`?` is `*` in every field, `N/S` runs from N to
 * the field's maximum, `*-5` is `*`, empty list items are skipped, `+5` and `08` are numbers) — and rejects exactly
 * what it rejects. Only the error messages differ: they name the field and say why in plain words.
 */
import { CronSyntaxError } from '../errors.ts';
import { GoDurationError, parseGoDuration } from './go-duration.ts';
import { UTC_RULES, zoneRules, type ZoneRules } from './time-zone.ts';

/** The cron field names used in error messages and `CronSyntaxError.field`. */
export type CronFieldName = 'second' | 'minute' | 'hour' | 'day of month' | 'month' | 'day of week';

/** A field's bounds and, for month and day of week, its names (robfig `bounds`). */
export interface FieldBounds {
  readonly field: CronFieldName;
  readonly min: number;
  readonly max: number;
  readonly names?: ReadonlyMap<string, number>;
}

/** The set of values a field matches. */
export interface FieldSet {
  /** `values[v] === 1` when value v matches; indexes 0–63. */
  readonly values: Uint8Array;
  /**
   * robfig's star bit: the field was written `*` or `?` with no step or a step of 1. The day-of-month /
   * day-of-week OR rule applies only when neither day field has it.
   */
  readonly isStar: boolean;
}

/** The six fields of a robfig `SpecSchedule` (seconds are always 0 for 5-field Kubernetes schedules). */
export interface SpecFields {
  readonly second: FieldSet;
  readonly minute: FieldSet;
  readonly hour: FieldSet;
  readonly dayOfMonth: FieldSet;
  readonly month: FieldSet;
  readonly dayOfWeek: FieldSet;
}

/** What a schedule string parses to: a field schedule in a zone, or a constant delay (`@every`). */
export type ParsedCron =
  | { readonly kind: 'spec'; readonly fields: SpecFields; readonly zone: ZoneRules }
  | { readonly kind: 'every'; readonly delaySeconds: number; readonly zone: ZoneRules };

/**
 * Which fields a spec has. `standard` is `cron.ParseStandard` (Minute | Hour | Dom | Month | Dow | Descriptor);
 * `seconds` is the `secondParser` of robfig's own tests (Second | Minute | Hour | Dom | Month | DowOptional |
 * Descriptor), kept so the upstream `Next()` test table can be ported whole.
 */
export type CronLayout = 'standard' | 'seconds';

/** Bounds of each field (robfig `seconds`, `minutes`, `hours`, `dom`, `months`, `dow`). */
export const SECOND_BOUNDS: FieldBounds = { field: 'second', min: 0, max: 59 };
export const MINUTE_BOUNDS: FieldBounds = { field: 'minute', min: 0, max: 59 };
export const HOUR_BOUNDS: FieldBounds = { field: 'hour', min: 0, max: 23 };
export const DAY_OF_MONTH_BOUNDS: FieldBounds = { field: 'day of month', min: 1, max: 31 };
export const MONTH_BOUNDS: FieldBounds = {
  field: 'month',
  min: 1,
  max: 12,
  names: new Map(
    ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((n, i) => [n, i + 1]),
  ),
};
export const DAY_OF_WEEK_BOUNDS: FieldBounds = {
  field: 'day of week',
  min: 0,
  max: 6,
  names: new Map(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((n, i) => [n, i])),
};

/**
 * Go's `unicode.IsSpace`, which `strings.Fields` and `strings.TrimSpace` split and trim on. Unlike JavaScript's
 * `\s` it includes U+0085 and excludes U+FEFF.
 */
function isGoSpace(c: string): boolean {
  switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case '\u0085':
    case '\u00a0':
    case '\u1680':
    case '\u2028':
    case '\u2029':
    case '\u202f':
    case '\u205f':
    case '\u3000':
      return true;
    default:
      return c >= '\u2000' && c <= '\u200a';
  }
}

/** Go's `strings.Fields`. */
export function goFields(s: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const c of s) {
    if (isGoSpace(c)) {
      if (current !== '') out.push(current);
      current = '';
    } else current += c;
  }
  if (current !== '') out.push(current);
  return out;
}

/** Go's `strings.TrimSpace`. */
function goTrimSpace(s: string): string {
  const chars = [...s];
  let start = 0;
  let end = chars.length;
  while (start < end && isGoSpace(chars[start]!)) start++;
  while (end > start && isGoSpace(chars[end - 1]!)) end--;
  return chars.slice(start, end).join('');
}

/** Go's `strconv.Atoi` on a 64-bit platform: optional sign, ASCII digits only, within int64. */
function goAtoi(s: string): number | undefined {
  const m = /^([+-]?)([0-9]+)$/.exec(s);
  if (!m) return undefined;
  const magnitude = BigInt(m[2]!);
  const value = m[1] === '-' ? -magnitude : magnitude;
  if (value > 9_223_372_036_854_775_807n || value < -9_223_372_036_854_775_808n) return undefined;
  // Anything beyond 2^53 is far outside every cron field, so the precision lost here never changes a decision.
  return Number(value);
}

function syntaxError(bounds: FieldBounds, detail: string): CronSyntaxError {
  return new CronSyntaxError(`${bounds.field}: ${detail}`, bounds.field);
}

/** robfig `mustParseInt`: a non-negative integer. */
function parseNumber(text: string, bounds: FieldBounds, what: 'value' | 'step', item: string): number {
  const n = goAtoi(text);
  const where = text === item ? '' : ` in ${JSON.stringify(item)}`;
  if (n === undefined) {
    const named =
      bounds.names && what === 'value'
        ? ` or a ${bounds.field === 'month' ? 'month name (jan-dec)' : 'day name (sun-sat)'}`
        : '';
    const shown = text === '' ? `empty ${what}` : `${what} ${JSON.stringify(text)}`;
    throw syntaxError(bounds, `${shown} is not a number${named}${where}`);
  }
  if (n < 0) throw syntaxError(bounds, `${what} ${n} is negative${where}`);
  return n;
}

/** robfig `parseIntOrName`: names are matched case-insensitively, and only in their own field. */
function parseIntOrName(text: string, bounds: FieldBounds, item: string): number {
  const named = bounds.names?.get(text.toLowerCase());
  if (named !== undefined) return named;
  return parseNumber(text, bounds, 'value', item);
}

/**
 * robfig `getRange`: one comma-separated item — `*`, `?`, `N`, `N-M`, each optionally followed by `/step`.
 *
 * @throws CronSyntaxError naming the field and the reason.
 */
export function parseRange(
  expr: string,
  bounds: FieldBounds,
  into: Uint8Array = new Uint8Array(64),
): { isStar: boolean } {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const isSingle = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let isStar = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    // robfig ignores whatever follows a star's hyphen: `*-5` is `*`.
    start = bounds.min;
    end = bounds.max;
    isStar = true;
  } else {
    start = parseIntOrName(lowAndHigh[0]!, bounds, expr);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1]!, bounds, expr);
    else throw syntaxError(bounds, `too many hyphens in ${JSON.stringify(expr)}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseNumber(rangeAndStep[1]!, bounds, 'step', expr);
    // "N/step" means "N-max/step".
    if (isSingle) end = bounds.max;
    if (step > 1) isStar = false;
  } else if (rangeAndStep.length > 2) {
    throw syntaxError(bounds, `too many slashes in ${JSON.stringify(expr)}`);
  }
  // robfig checks in this order; the messages say the same thing in the user's terms.
  if (start < bounds.min) {
    throw syntaxError(
      bounds,
      isSingle
        ? `value ${start} below minimum ${bounds.min}`
        : `range start ${start} below minimum ${bounds.min} in ${JSON.stringify(expr)}`,
    );
  }
  if (end > bounds.max) {
    const hint = bounds.field === 'day of week' && end === 7 ? ' (Sunday is 0)' : '';
    throw syntaxError(
      bounds,
      isSingle
        ? `value ${end} above maximum ${bounds.max}${hint}`
        : `range end ${end} above maximum ${bounds.max}${hint} in ${JSON.stringify(expr)}`,
    );
  }
  if (start > end) {
    if (isSingle) throw syntaxError(bounds, `value ${start} above maximum ${bounds.max}`);
    throw syntaxError(
      bounds,
      `range start ${start} is after its end ${end} in ${JSON.stringify(expr)} (ranges do not wrap around)`,
    );
  }
  if (step === 0) throw syntaxError(bounds, `step must be a positive number in ${JSON.stringify(expr)}`);
  for (let v = start; v <= end; v += step) into[v] = 1;
  return { isStar };
}

/** robfig `getField`: a comma-separated list of ranges; empty items are skipped (`1,,15` is `1,15`). */
export function parseField(field: string, bounds: FieldBounds): FieldSet {
  const values = new Uint8Array(64);
  let isStar = false;
  for (const item of field.split(',')) {
    if (item === '') continue;
    if (parseRange(item, bounds, values).isStar) isStar = true;
  }
  return { values, isStar };
}

function single(value: number): FieldSet {
  const values = new Uint8Array(64);
  values[value] = 1;
  return { values, isStar: false };
}

function all(bounds: FieldBounds): FieldSet {
  const values = new Uint8Array(64);
  for (let v = bounds.min; v <= bounds.max; v++) values[v] = 1;
  return { values, isStar: true };
}

/** The macros, exactly as robfig spells them (case-sensitive). */
export const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

/** The 5-field equivalent of each macro, for descriptions. */
export const DESCRIPTOR_EQUIVALENTS: Readonly<Record<(typeof DESCRIPTORS)[number], string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const EVERY_PREFIX = '@every ';

function parseDescriptor(descriptor: string, zone: ZoneRules): ParsedCron {
  const zero = single(0);
  switch (descriptor) {
    case '@yearly':
    case '@annually':
      return spec(zone, zero, zero, zero, single(1), single(1), all(DAY_OF_WEEK_BOUNDS));
    case '@monthly':
      return spec(zone, zero, zero, zero, single(1), all(MONTH_BOUNDS), all(DAY_OF_WEEK_BOUNDS));
    case '@weekly':
      return spec(zone, zero, zero, zero, all(DAY_OF_MONTH_BOUNDS), all(MONTH_BOUNDS), single(0));
    case '@daily':
    case '@midnight':
      return spec(zone, zero, zero, zero, all(DAY_OF_MONTH_BOUNDS), all(MONTH_BOUNDS), all(DAY_OF_WEEK_BOUNDS));
    case '@hourly':
      return spec(
        zone,
        zero,
        zero,
        all(HOUR_BOUNDS),
        all(DAY_OF_MONTH_BOUNDS),
        all(MONTH_BOUNDS),
        all(DAY_OF_WEEK_BOUNDS),
      );
    default:
      break;
  }
  if (descriptor.startsWith(EVERY_PREFIX)) {
    const text = descriptor.slice(EVERY_PREFIX.length);
    let nanos: bigint;
    try {
      nanos = parseGoDuration(text);
    } catch (error) {
      const why = error instanceof GoDurationError ? error.message.replace(/^time: /, '') : String(error);
      throw new CronSyntaxError(`@every: ${why} (Go duration units: ns, us, ms, s, m, h; no d)`, undefined, {
        cause: error,
      });
    }
    // robfig `Every`: under a second becomes a second, and the sub-second part is dropped.
    const delaySeconds = nanos < 1_000_000_000n ? 1 : Number(nanos / 1_000_000_000n);
    return { kind: 'every', delaySeconds, zone };
  }
  throw new CronSyntaxError(
    `unrecognized macro ${JSON.stringify(descriptor)}: use one of ${DESCRIPTORS.join(', ')} or @every <duration>, ` +
      `spelled exactly (case-sensitive, no extra spaces)`,
  );
}

function spec(
  zone: ZoneRules,
  second: FieldSet,
  minute: FieldSet,
  hour: FieldSet,
  dayOfMonth: FieldSet,
  month: FieldSet,
  dayOfWeek: FieldSet,
): ParsedCron {
  return { kind: 'spec', zone, fields: { second, minute, hour, dayOfMonth, month, dayOfWeek } };
}

/** The zone named in a `TZ=`/`CRON_TZ=` prefix, as Go's `time.LoadLocation` would load it. */
function loadLocation(name: string): ZoneRules | undefined {
  // LoadLocation("") is UTC; "Local" is the controller's zone, which jobctl takes to be UTC.
  if (name === '' || name === 'UTC' || name === 'Local') return UTC_RULES;
  return zoneRules(name);
}

/**
 * robfig `Parser.Parse` for the given layout (default: Kubernetes' `cron.ParseStandard`).
 *
 * @throws CronSyntaxError whose message names the field and the reason, e.g. `minute: value 61 above maximum 59`.
 * @example
 * parseCron('*\/15 9-17 * * MON-FRI');
 */
export function parseCron(input: string, layout: CronLayout = 'standard'): ParsedCron {
  if (input.length === 0) throw new CronSyntaxError('empty schedule');
  let spec = input;
  let zone = UTC_RULES;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    // robfig takes the zone up to the first ASCII space (a tab does not end it) and trims the rest.
    const space = spec.indexOf(' ');
    if (space === -1) {
      // robfig v3.0.1 does not check for the space and slices out of range; either way the schedule is refused.
      throw new CronSyntaxError(
        `time zone prefix ${JSON.stringify(spec)} must be followed by a space and the schedule`,
      );
    }
    const name = spec.slice(spec.indexOf('=') + 1, space);
    const loaded = loadLocation(name);
    if (loaded === undefined)
      throw new CronSyntaxError(`unknown time zone ${JSON.stringify(name)} in ${spec.slice(0, space)} prefix`);
    zone = loaded;
    spec = goTrimSpace(spec.slice(space));
  }
  if (spec.startsWith('@')) return parseDescriptor(spec, zone);

  let fields = goFields(spec);
  if (layout === 'standard') {
    if (fields.length !== 5) {
      throw new CronSyntaxError(
        `expected exactly 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}: ` +
          `${JSON.stringify(spec)}`,
      );
    }
    fields = ['0', ...fields];
  } else {
    if (fields.length < 5 || fields.length > 6) {
      throw new CronSyntaxError(`expected 5 to 6 fields, found ${fields.length}: ${JSON.stringify(spec)}`);
    }
    if (fields.length === 5) fields = [...fields, '*'];
  }
  return {
    kind: 'spec',
    zone,
    fields: {
      second: parseField(fields[0]!, SECOND_BOUNDS),
      minute: parseField(fields[1]!, MINUTE_BOUNDS),
      hour: parseField(fields[2]!, HOUR_BOUNDS),
      dayOfMonth: parseField(fields[3]!, DAY_OF_MONTH_BOUNDS),
      month: parseField(fields[4]!, MONTH_BOUNDS),
      dayOfWeek: parseField(fields[5]!, DAY_OF_WEEK_BOUNDS),
    },
  };
}
