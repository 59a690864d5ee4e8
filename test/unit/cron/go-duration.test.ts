import { describe, expect, it } from 'vitest';
import { formatGoDurationSeconds, GoDurationError, parseGoDuration } from '../../../src/cron/go-duration.ts';

const NS = 1n;
const US = 1_000n;
const MS = 1_000_000n;
const S = 1_000_000_000n;
const M = 60n * S;
const H = 60n * M;

describe('parseGoDuration', () => {
  // golang/go src/time/time_test.go parseDurationTests.
  it.each([
    // simple
    { input: '0', expected: 0n },
    { input: '5s', expected: 5n * S },
    { input: '30s', expected: 30n * S },
    { input: '1478s', expected: 1478n * S },
    // sign
    { input: '-5s', expected: -5n * S },
    { input: '+5s', expected: 5n * S },
    { input: '-0', expected: 0n },
    { input: '+0', expected: 0n },
    // decimal
    { input: '5.0s', expected: 5n * S },
    { input: '5.6s', expected: 5n * S + 600n * MS },
    { input: '5.s', expected: 5n * S },
    { input: '.5s', expected: 500n * MS },
    { input: '1.0s', expected: 1n * S },
    { input: '1.00s', expected: 1n * S },
    { input: '1.004s', expected: 1n * S + 4n * MS },
    { input: '1.0040s', expected: 1n * S + 4n * MS },
    { input: '100.00100s', expected: 100n * S + 1n * MS },
    // different units
    { input: '10ns', expected: 10n * NS },
    { input: '11us', expected: 11n * US },
    { input: '12\u00b5s', expected: 12n * US },
    { input: '12\u03bcs', expected: 12n * US },
    { input: '13ms', expected: 13n * MS },
    { input: '14s', expected: 14n * S },
    { input: '15m', expected: 15n * M },
    { input: '16h', expected: 16n * H },
    // composite durations
    { input: '3h30m', expected: 3n * H + 30n * M },
    { input: '10.5s4m', expected: 4n * M + 10n * S + 500n * MS },
    { input: '-2m3.4s', expected: -(2n * M + 3n * S + 400n * MS) },
    { input: '1h2m3s4ms5us6ns', expected: 1n * H + 2n * M + 3n * S + 4n * MS + 5n * US + 6n * NS },
    { input: '39h9m14.425s', expected: 39n * H + 9n * M + 14n * S + 425n * MS },
    // large value
    { input: '52763797000ns', expected: 52763797000n },
    // more than 9 digits after decimal point, see https://golang.org/issue/6617
    { input: '0.3333333333333333333h', expected: 20n * M },
    // 9007199254740993 = 1<<53+1 cannot be stored precisely in a float64
    { input: '9007199254740993ns', expected: (1n << 53n) + 1n },
    // largest duration that can be represented by int64 in nanoseconds
    { input: '9223372036854775807ns', expected: (1n << 63n) - 1n },
    { input: '9223372036854775.807us', expected: (1n << 63n) - 1n },
    { input: '9223372036s854ms775us807ns', expected: (1n << 63n) - 1n },
    { input: '-9223372036854775808ns', expected: -(1n << 63n) },
    { input: '-9223372036854775.808us', expected: -(1n << 63n) },
    { input: '-9223372036s854ms775us808ns', expected: -(1n << 63n) },
    // largest negative round trip value, see https://golang.org/issue/48629
    { input: '-2562047h47m16.854775808s', expected: -(1n << 63n) },
    // huge string; issue 15011.
    { input: '0.100000000000000000000h', expected: 6n * M },
    // This value tests the first overflow check in leadingFraction.
    { input: '0.830103483285477580700h', expected: 49n * M + 48n * S + 372539827n },
  ])('parses $input', ({ input, expected }) => {
    expect(parseGoDuration(input)).toBe(expected);
  });

  // golang/go src/time/time_test.go parseDurationErrorTests, with Go's full messages.
  it.each([
    { input: '', expected: 'time: invalid duration ""' },
    { input: '3', expected: 'time: missing unit in duration "3"' },
    { input: '-', expected: 'time: invalid duration "-"' },
    { input: 's', expected: 'time: invalid duration "s"' },
    { input: '.', expected: 'time: invalid duration "."' },
    { input: '-.', expected: 'time: invalid duration "-."' },
    { input: '.s', expected: 'time: invalid duration ".s"' },
    { input: '+.s', expected: 'time: invalid duration "+.s"' },
    { input: '1d', expected: 'time: unknown unit "d" in duration "1d"' },
    { input: '\u0085\u0085', expected: 'time: invalid duration "\u0085\u0085"' },
    { input: '9223372036854775810ns', expected: 'time: invalid duration "9223372036854775810ns"' },
    { input: '9223372036854775808ns', expected: 'time: invalid duration "9223372036854775808ns"' },
    { input: '-9223372036854775809ns', expected: 'time: invalid duration "-9223372036854775809ns"' },
    { input: '9223372036854776us', expected: 'time: invalid duration "9223372036854776us"' },
    { input: '3000000h', expected: 'time: invalid duration "3000000h"' },
    { input: '9223372036854775.808us', expected: 'time: invalid duration "9223372036854775.808us"' },
    { input: '9223372036854ms775us808ns', expected: 'time: invalid duration "9223372036854ms775us808ns"' },
    // Not Go's table, but what users try: days and spaces.
    { input: '1 h', expected: 'time: unknown unit " h" in duration "1 h"' },
  ])('rejects $input', ({ input, expected }) => {
    expect(() => parseGoDuration(input)).toThrow(new GoDurationError(expected));
  });
});

describe('formatGoDurationSeconds', () => {
  // golang/go src/time/time_test.go durationTests (whole-second rows).
  it.each([
    { seconds: 0, expected: '0s' },
    { seconds: 1, expected: '1s' },
    { seconds: 245, expected: '4m5s' },
    { seconds: 5400, expected: '1h30m0s' },
    { seconds: 18367, expected: '5h6m7s' },
    { seconds: -245, expected: '-4m5s' },
  ])('prints $seconds s as $expected', ({ seconds, expected }) => {
    expect(formatGoDurationSeconds(seconds)).toBe(expected);
  });
});
