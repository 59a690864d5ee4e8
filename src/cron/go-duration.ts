/**
 * Go's `time.ParseDuration` and `Duration.String`, for `@every <duration>`: Kubernetes accepts exactly the
 * durations Go accepts, so `1d` is an error and `1h30m`, `1.5h`, `90s` and `+5m` are not.
 */

const NANOS_PER_UNIT: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n], // U+00B5 micro sign
  ['\u03bcs', 1_000n], // U+03BC Greek small letter mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

const LIMIT = 1n << 63n;

/** A duration Go would reject, with Go's own reason (`time: unknown unit "d" in duration "1d"`). */
export class GoDurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GoDurationError';
  }
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/**
 * Parses a Go duration string ("300ms", "-1.5h", "2h45m") into nanoseconds, exactly as Go's
 * `time.ParseDuration`: units ns, us (or µs), ms, s, m, h; a sign; decimal fractions; "0" alone needs no unit.
 *
 * @throws GoDurationError with Go's message when Go would return an error.
 * @example
 * parseGoDuration('1h30m'); // 5_400_000_000_000n
 */
export function parseGoDuration(input: string): bigint {
  const invalid = () => new GoDurationError(`time: invalid duration ${JSON.stringify(input)}`);
  let s = input;
  let total = 0n;
  let negative = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // [0-9]*
    let i = 0;
    let whole = 0n;
    while (isDigit(s[i])) {
      if (whole > LIMIT / 10n) throw invalid();
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48);
      if (whole > LIMIT) throw invalid();
      i++;
    }
    const hasWhole = i > 0;
    s = s.slice(i);
    // (\.[0-9]*)? — Go keeps at most what fits in 63 bits and ignores the remaining digits.
    let fraction = 0n;
    let scale = 1;
    let hasFraction = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          const next = fraction * 10n + BigInt(s.charCodeAt(j) - 48);
          if (fraction > (LIMIT - 1n) / 10n || next > LIMIT) overflow = true;
          else {
            fraction = next;
            scale *= 10;
          }
        }
        j++;
      }
      hasFraction = j > 0;
      s = s.slice(j);
    }
    if (!hasWhole && !hasFraction) throw invalid();
    // The unit runs up to the next digit or '.'.
    let k = 0;
    while (k < s.length && s[k] !== '.' && !isDigit(s[k])) k++;
    if (k === 0) throw new GoDurationError(`time: missing unit in duration ${JSON.stringify(input)}`);
    const unitName = s.slice(0, k);
    s = s.slice(k);
    const unit = NANOS_PER_UNIT.get(unitName);
    if (unit === undefined) {
      throw new GoDurationError(`time: unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(input)}`);
    }
    if (whole > LIMIT / unit) throw invalid();
    let value = whole * unit;
    if (fraction > 0n) {
      // Go computes the fractional part in float64 on purpose (nanosecond-accurate for fractions of an hour).
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
      if (value > LIMIT) throw invalid();
    }
    total += value;
    if (total > LIMIT) throw invalid();
  }
  if (negative) return -total;
  if (total > LIMIT - 1n) throw invalid();
  return total;
}

/**
 * Go's `Duration.String()` for whole seconds ("1h30m0s", "5m0s", "1s"): how Go, and so Kubernetes, prints an
 * `@every` interval after rounding.
 */
export function formatGoDurationSeconds(totalSeconds: number): string {
  if (totalSeconds === 0) return '0s';
  const sign = totalSeconds < 0 ? '-' : '';
  let rest = Math.abs(totalSeconds);
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}
