import { describe, expect, it } from 'vitest';
import {
  formatRfc1123z,
  humanDuration,
  shortHumanDuration,
  translateTimestampSince,
} from '../../../src/cli/human-duration.ts';

// Go durations in milliseconds. Go's `+1` nanosecond becomes 1e-6 ms.
const ns = 1e-6;
const ms = 1;
const s = 1000 * ms;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;
const y = 365 * d;

describe('humanDuration', () => {
  // Ported from kubernetes staging/src/k8s.io/apimachinery/pkg/util/duration/duration_test.go, TestHumanDuration.
  it.each([
    { durationMs: s, expected: '1s' },
    { durationMs: 70 * s, expected: '70s' },
    { durationMs: 190 * s, expected: '3m10s' },
    { durationMs: 70 * m, expected: '70m' },
    { durationMs: 47 * h, expected: '47h' },
    { durationMs: 49 * h, expected: '2d1h' },
    { durationMs: (8 * 24 + 2) * h, expected: '8d' },
    { durationMs: 367 * 24 * h, expected: '367d' },
    { durationMs: (365 * 2 * 24 + 25) * h, expected: '2y1d' },
    { durationMs: (365 * 8 * 24 + 2) * h, expected: '8y' },
  ])('prints $expected for $durationMs ms (TestHumanDuration)', ({ durationMs, expected }) => {
    expect(humanDuration(durationMs)).toBe(expected);
  });

  // Ported from duration_test.go, TestHumanDurationBoundaries.
  it.each([
    { durationMs: -2 * s, expected: '<invalid>' },
    { durationMs: -2 * s + ns, expected: '0s' },
    { durationMs: 0, expected: '0s' },
    { durationMs: s - ms, expected: '0s' },
    { durationMs: 2 * m - ms, expected: '119s' },
    { durationMs: 2 * m, expected: '2m' },
    { durationMs: 2 * m + s, expected: '2m1s' },
    { durationMs: 10 * m - ms, expected: '9m59s' },
    { durationMs: 10 * m, expected: '10m' },
    { durationMs: 10 * m + s, expected: '10m' },
    { durationMs: 3 * h - ms, expected: '179m' },
    { durationMs: 3 * h, expected: '3h' },
    { durationMs: 3 * h + m, expected: '3h1m' },
    { durationMs: 8 * h - ms, expected: '7h59m' },
    { durationMs: 8 * h, expected: '8h' },
    { durationMs: 8 * h + 59 * m, expected: '8h' },
    { durationMs: 2 * d - ms, expected: '47h' },
    { durationMs: 2 * d, expected: '2d' },
    { durationMs: 2 * d + h, expected: '2d1h' },
    { durationMs: 8 * d - ms, expected: '7d23h' },
    { durationMs: 8 * d, expected: '8d' },
    { durationMs: 8 * d + 23 * h, expected: '8d' },
    { durationMs: 2 * y - ms, expected: '729d' },
    { durationMs: 2 * y, expected: '2y' },
    { durationMs: 2 * y + 23 * h, expected: '2y' },
    { durationMs: 2 * y + 23 * h + 59 * m, expected: '2y' },
    { durationMs: 2 * y + 24 * h - ms, expected: '2y' },
    { durationMs: 2 * y + 24 * h, expected: '2y1d' },
    { durationMs: 3 * y, expected: '3y' },
    { durationMs: 4 * y, expected: '4y' },
    { durationMs: 5 * y, expected: '5y' },
    { durationMs: 6 * y, expected: '6y' },
    { durationMs: 7 * y, expected: '7y' },
    { durationMs: 8 * y - ms, expected: '7y364d' },
    { durationMs: 8 * y, expected: '8y' },
    { durationMs: 8 * y + 364 * d, expected: '8y' },
    { durationMs: 9 * y, expected: '9y' },
  ])('prints $expected for $durationMs ms (TestHumanDurationBoundaries)', ({ durationMs, expected }) => {
    expect(humanDuration(durationMs)).toBe(expected);
  });
});

describe('shortHumanDuration', () => {
  // Ported from duration_test.go, TestShortHumanDurationBoundaries.
  it.each([
    { durationMs: -2 * s, expected: '<invalid>' },
    { durationMs: -2 * s + ns, expected: '0s' },
    { durationMs: 0, expected: '0s' },
    { durationMs: s - ms, expected: '0s' },
    { durationMs: s, expected: '1s' },
    { durationMs: 2 * s - ms, expected: '1s' },
    { durationMs: m - ms, expected: '59s' },
    { durationMs: m, expected: '1m' },
    { durationMs: 2 * m - ms, expected: '1m' },
    { durationMs: h - ms, expected: '59m' },
    { durationMs: h, expected: '1h' },
    { durationMs: 2 * h - ms, expected: '1h' },
    { durationMs: d - ms, expected: '23h' },
    { durationMs: d, expected: '1d' },
    { durationMs: 2 * d - ms, expected: '1d' },
    { durationMs: y - ms, expected: '364d' },
    { durationMs: y, expected: '1y' },
    { durationMs: 2 * y - ms, expected: '1y' },
    { durationMs: 2 * y, expected: '2y' },
  ])('prints $expected for $durationMs ms', ({ durationMs, expected }) => {
    expect(shortHumanDuration(durationMs)).toBe(expected);
  });
});

describe('translateTimestampSince', () => {
  const nowMs = Date.parse('2019-02-22T11:02:15Z');
  it.each([
    { name: 'the walkthrough AGE', timestamp: '2019-02-22T11:01:00Z', expected: '75s' },
    { name: 'unset', timestamp: undefined, expected: '<unknown>' },
    { name: 'not a time', timestamp: 'yesterday', expected: '<unknown>' },
    { name: 'one second ahead (clock skew)', timestamp: '2019-02-22T11:02:16Z', expected: '0s' },
    { name: 'well in the future', timestamp: '2019-02-22T11:05:00Z', expected: '<invalid>' },
  ])('prints $expected when $name', ({ timestamp, expected }) => {
    expect(translateTimestampSince(timestamp, nowMs)).toBe(expected);
  });
});

describe('formatRfc1123z', () => {
  it('formats like Go time.RFC1123Z in UTC', () => {
    expect(formatRfc1123z(Date.parse('2019-02-22T11:02:09Z'))).toBe('Fri, 22 Feb 2019 11:02:09 +0000');
    expect(formatRfc1123z(Date.parse('2016-05-09T01:04:05Z'))).toBe('Mon, 09 May 2016 01:04:05 +0000');
  });

  it('prints the wall clock at a given UTC offset, hours and minutes, east positive', () => {
    // Europe/Berlin's two 02:30s on 2025-10-26, Kathmandu's +05:45, Newfoundland's -03:30 (the day before, there).
    expect(formatRfc1123z(Date.parse('2025-10-26T00:30:00Z'), 7200)).toBe('Sun, 26 Oct 2025 02:30:00 +0200');
    expect(formatRfc1123z(Date.parse('2025-10-26T01:30:00Z'), 3600)).toBe('Sun, 26 Oct 2025 02:30:00 +0100');
    expect(formatRfc1123z(Date.parse('2025-01-01T00:00:00Z'), 20_700)).toBe('Wed, 01 Jan 2025 05:45:00 +0545');
    expect(formatRfc1123z(Date.parse('2025-01-01T00:00:00Z'), -12_600)).toBe('Tue, 31 Dec 2024 20:30:00 -0330');
  });
});
