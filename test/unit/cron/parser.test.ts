import { describe, expect, it } from 'vitest';
import { CronSyntaxError } from '../../../src/errors.ts';
import { parseSchedule } from '../../../src/cron/index.ts';
import {
  DAY_OF_MONTH_BOUNDS,
  DAY_OF_WEEK_BOUNDS,
  HOUR_BOUNDS,
  MINUTE_BOUNDS,
  MONTH_BOUNDS,
  parseCron,
  parseField,
  parseRange,
  type FieldBounds,
  type FieldSet,
  type ParsedCron,
} from '../../../src/cron/parser.ts';

/** The values a field set matches, ascending. */
function valuesOf(set: FieldSet): number[] {
  const out: number[] = [];
  set.values.forEach((bit, v) => {
    if (bit === 1) out.push(v);
  });
  return out;
}

function bounds(min: number, max: number): FieldBounds {
  return { field: 'minute', min, max };
}

function range(from: number, to: number, step = 1): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

/** A parsed schedule reduced to plain data: values per field, star flags, zone or delay. */
function shape(parsed: ParsedCron): unknown {
  if (parsed.kind === 'every') return { every: parsed.delaySeconds, zone: parsed.zone.name };
  const f = parsed.fields;
  return {
    second: valuesOf(f.second),
    minute: valuesOf(f.minute),
    hour: valuesOf(f.hour),
    dayOfMonth: valuesOf(f.dayOfMonth),
    month: valuesOf(f.month),
    dayOfWeek: valuesOf(f.dayOfWeek),
    stars: [f.dayOfMonth.isStar, f.dayOfWeek.isStar],
    zone: parsed.zone.name,
  };
}

const ALL_HOURS = range(0, 23);
const ALL_DOM = range(1, 31);
const ALL_MONTHS = range(1, 12);
const ALL_DOW = range(0, 6);

describe('parseRange', () => {
  // robfig/cron v3 parser_test.go TestRange.
  it.each([
    { expr: '5', min: 0, max: 7, expected: { values: [5], isStar: false } },
    { expr: '0', min: 0, max: 7, expected: { values: [0], isStar: false } },
    { expr: '7', min: 0, max: 7, expected: { values: [7], isStar: false } },
    { expr: '5-5', min: 0, max: 7, expected: { values: [5], isStar: false } },
    { expr: '5-6', min: 0, max: 7, expected: { values: [5, 6], isStar: false } },
    { expr: '5-7', min: 0, max: 7, expected: { values: [5, 6, 7], isStar: false } },
    { expr: '5-6/2', min: 0, max: 7, expected: { values: [5], isStar: false } },
    { expr: '5-7/2', min: 0, max: 7, expected: { values: [5, 7], isStar: false } },
    { expr: '5-7/1', min: 0, max: 7, expected: { values: [5, 6, 7], isStar: false } },
    { expr: '*', min: 1, max: 3, expected: { values: [1, 2, 3], isStar: true } },
    { expr: '*/2', min: 1, max: 3, expected: { values: [1, 3], isStar: false } },
    // K8S-SEMANTICS.md §2.2–2.3: `?` is `*`, `*/1` keeps the star, N/S runs to the maximum, `*-5` is `*`.
    { expr: '?', min: 1, max: 3, expected: { values: [1, 2, 3], isStar: true } },
    { expr: '*/1', min: 1, max: 3, expected: { values: [1, 2, 3], isStar: true } },
    { expr: '?/1', min: 1, max: 3, expected: { values: [1, 2, 3], isStar: true } },
    { expr: '5/15', min: 0, max: 59, expected: { values: [5, 20, 35, 50], isStar: false } },
    { expr: '*/60', min: 0, max: 59, expected: { values: [0], isStar: false } },
    { expr: '*-5', min: 0, max: 7, expected: { values: range(0, 7), isStar: true } },
    { expr: '+5', min: 0, max: 7, expected: { values: [5], isStar: false } },
    { expr: '05', min: 0, max: 7, expected: { values: [5], isStar: false } },
  ])('parses $expr in $min-$max', ({ expr, min, max, expected }) => {
    const values = new Uint8Array(64);
    const { isStar } = parseRange(expr, bounds(min, max), values);
    expect({ values: valuesOf({ values, isStar }), isStar }).toEqual(expected);
  });

  // robfig/cron v3 parser_test.go TestRange (error rows), with jobctl's wording.
  it.each([
    { expr: '5--5', min: 0, max: 0, expected: 'minute: too many hyphens in "5--5"' },
    { expr: 'jan-x', min: 0, max: 0, expected: 'minute: value "jan" is not a number in "jan-x"' },
    { expr: '2-x', min: 1, max: 5, expected: 'minute: value "x" is not a number in "2-x"' },
    { expr: '*/-12', min: 0, max: 0, expected: 'minute: step -12 is negative in "*/-12"' },
    { expr: '*//2', min: 0, max: 0, expected: 'minute: too many slashes in "*//2"' },
    { expr: '1', min: 3, max: 5, expected: 'minute: value 1 below minimum 3' },
    { expr: '6', min: 3, max: 5, expected: 'minute: value 6 above maximum 5' },
    {
      expr: '5-3',
      min: 3,
      max: 5,
      expected: 'minute: range start 5 is after its end 3 in "5-3" (ranges do not wrap around)',
    },
    { expr: '*/0', min: 0, max: 0, expected: 'minute: step must be a positive number in "*/0"' },
  ])('rejects $expr in $min-$max', ({ expr, min, max, expected }) => {
    expect(() => parseRange(expr, bounds(min, max))).toThrow(new CronSyntaxError(expected, 'minute'));
  });
});

describe('parseField', () => {
  // robfig/cron v3 parser_test.go TestField, plus K8S-SEMANTICS.md §2.2 empty list items.
  it.each([
    { expr: '5', expected: [5] },
    { expr: '5,6', expected: [5, 6] },
    { expr: '5,6,7', expected: [5, 6, 7] },
    { expr: '1,5-7/2,3', expected: [1, 3, 5, 7] },
    { expr: '1,,7', expected: [1, 7] },
    { expr: ',', expected: [] },
  ])('parses $expr', ({ expr, expected }) => {
    expect(valuesOf(parseField(expr, bounds(1, 7)))).toEqual(expected);
  });

  // robfig/cron v3 parser_test.go TestAll: `*` covers each field's full range.
  it.each([
    { b: MINUTE_BOUNDS, expected: range(0, 59) },
    { b: HOUR_BOUNDS, expected: ALL_HOURS },
    { b: DAY_OF_MONTH_BOUNDS, expected: ALL_DOM },
    { b: MONTH_BOUNDS, expected: ALL_MONTHS },
    { b: DAY_OF_WEEK_BOUNDS, expected: ALL_DOW },
  ])('expands * over the $b.field range', ({ b, expected }) => {
    expect({ values: valuesOf(parseField('*', b)), isStar: parseField('*', b).isStar }).toEqual({
      values: expected,
      isStar: true,
    });
  });

  it.each([
    { expr: 'JUL', b: MONTH_BOUNDS, expected: [7] },
    { expr: 'Jul', b: MONTH_BOUNDS, expected: [7] },
    { expr: 'jan-mar', b: MONTH_BOUNDS, expected: [1, 2, 3] },
    { expr: 'MON-FRI', b: DAY_OF_WEEK_BOUNDS, expected: [1, 2, 3, 4, 5] },
    { expr: 'Mon/2', b: DAY_OF_WEEK_BOUNDS, expected: [1, 3, 5] },
    { expr: 'sun,sat', b: DAY_OF_WEEK_BOUNDS, expected: [0, 6] },
  ])('reads names case-insensitively: $expr', ({ expr, b, expected }) => {
    expect(valuesOf(parseField(expr, b))).toEqual(expected);
  });
});

describe('parseCron', () => {
  // robfig/cron v3 parser_test.go TestParseSchedule and TestStandardSpecSchedule (standardParser rows and
  // descriptor rows; a zone-less schedule is UTC in jobctl where robfig uses time.Local).
  it.each([
    {
      expr: '5 * * * *',
      expected: {
        second: [0],
        minute: [5],
        hour: ALL_HOURS,
        dayOfMonth: ALL_DOM,
        month: ALL_MONTHS,
        dayOfWeek: ALL_DOW,
        stars: [true, true],
        zone: 'UTC',
      },
    },
    {
      expr: 'CRON_TZ=UTC  5 * * * *',
      expected: {
        second: [0],
        minute: [5],
        hour: ALL_HOURS,
        dayOfMonth: ALL_DOM,
        month: ALL_MONTHS,
        dayOfWeek: ALL_DOW,
        stars: [true, true],
        zone: 'UTC',
      },
    },
    {
      expr: 'TZ=Asia/Tokyo 5 * * * *',
      expected: {
        second: [0],
        minute: [5],
        hour: ALL_HOURS,
        dayOfMonth: ALL_DOM,
        month: ALL_MONTHS,
        dayOfWeek: ALL_DOW,
        stars: [true, true],
        zone: 'Asia/Tokyo',
      },
    },
    { expr: '@every 5m', expected: { every: 300, zone: 'UTC' } },
    {
      expr: '@midnight',
      expected: {
        second: [0],
        minute: [0],
        hour: [0],
        dayOfMonth: ALL_DOM,
        month: ALL_MONTHS,
        dayOfWeek: ALL_DOW,
        stars: [true, true],
        zone: 'UTC',
      },
    },
    {
      expr: 'TZ=UTC  @midnight',
      expected: {
        second: [0],
        minute: [0],
        hour: [0],
        dayOfMonth: ALL_DOM,
        month: ALL_MONTHS,
        dayOfWeek: ALL_DOW,
        stars: [true, true],
        zone: 'UTC',
      },
    },
    {
      expr: 'TZ=Asia/Tokyo @midnight',
      expected: {
        second: [0],
        minute: [0],
        hour: [0],
        dayOfMonth: ALL_DOM,
        month: ALL_MONTHS,
        dayOfWeek: ALL_DOW,
        stars: [true, true],
        zone: 'Asia/Tokyo',
      },
    },
    {
      expr: '@yearly',
      expected: {
        second: [0],
        minute: [0],
        hour: [0],
        dayOfMonth: [1],
        month: [1],
        dayOfWeek: ALL_DOW,
        stars: [false, true],
        zone: 'UTC',
      },
    },
    {
      expr: '@annually',
      expected: {
        second: [0],
        minute: [0],
        hour: [0],
        dayOfMonth: [1],
        month: [1],
        dayOfWeek: ALL_DOW,
        stars: [false, true],
        zone: 'UTC',
      },
    },
    {
      expr: '@monthly',
      expected: {
        second: [0],
        minute: [0],
        hour: [0],
        dayOfMonth: [1],
        month: ALL_MONTHS,
        dayOfWeek: ALL_DOW,
        stars: [false, true],
        zone: 'UTC',
      },
    },
    {
      expr: '@weekly',
      expected: {
        second: [0],
        minute: [0],
        hour: [0],
        dayOfMonth: ALL_DOM,
        month: ALL_MONTHS,
        dayOfWeek: [0],
        stars: [true, false],
        zone: 'UTC',
      },
    },
    {
      expr: '@daily',
      expected: {
        second: [0],
        minute: [0],
        hour: [0],
        dayOfMonth: ALL_DOM,
        month: ALL_MONTHS,
        dayOfWeek: ALL_DOW,
        stars: [true, true],
        zone: 'UTC',
      },
    },
    {
      expr: '@hourly',
      expected: {
        second: [0],
        minute: [0],
        hour: ALL_HOURS,
        dayOfMonth: ALL_DOM,
        month: ALL_MONTHS,
        dayOfWeek: ALL_DOW,
        stars: [true, true],
        zone: 'UTC',
      },
    },
    // K8S-SEMANTICS.md §2.1–2.2: any run of whitespace separates fields; `1,,15`; `+5` and `08`.
    {
      expr: ' \t1,,15\t+5  08 JAN,jul sun ',
      expected: {
        second: [0],
        minute: [1, 15],
        hour: [5],
        dayOfMonth: [8],
        month: [1, 7],
        dayOfWeek: [0],
        stars: [false, false],
        zone: 'UTC',
      },
    },
    {
      expr: '0 0 */1 * 1',
      expected: {
        second: [0],
        minute: [0],
        hour: [0],
        dayOfMonth: ALL_DOM,
        month: ALL_MONTHS,
        dayOfWeek: [1],
        stars: [true, false],
        zone: 'UTC',
      },
    },
    {
      expr: '0 0 1-31 * 1',
      expected: {
        second: [0],
        minute: [0],
        hour: [0],
        dayOfMonth: ALL_DOM,
        month: ALL_MONTHS,
        dayOfWeek: [1],
        stars: [false, false],
        zone: 'UTC',
      },
    },
  ])('parses $expr', ({ expr, expected }) => {
    expect(shape(parseCron(expr))).toEqual(expected);
  });

  // @every: robfig `Every` rounds below a second up to 1 s and drops the sub-second part (constantdelay.go).
  it.each([
    { expr: '@every 1h30m', expected: 5400 },
    { expr: '@every 1.5h', expected: 5400 },
    { expr: '@every 15m50ns', expected: 900 },
    { expr: '@every 1500ms', expected: 1 },
    { expr: '@every 15ms', expected: 1 },
    { expr: '@every 0s', expected: 1 },
    { expr: '@every -5m', expected: 1 },
    { expr: '@every +90s', expected: 90 },
  ])('turns $expr into a $expected s delay', ({ expr, expected }) => {
    expect(shape(parseCron(expr))).toEqual({ every: expected, zone: 'UTC' });
  });

  // robfig/cron v3 parser_test.go TestStandardSpecSchedule / TestParseScheduleErrors, spec_test.go TestErrors and
  // TestSlash0NoHang, and the cases of K8S-SEMANTICS.md §2.
  it.each([
    { expr: '5 j * * *', expected: { message: 'hour: value "j" is not a number', field: 'hour' } },
    {
      expr: '* * * *',
      expected: {
        message: 'expected exactly 5 fields (minute hour day-of-month month day-of-week), found 4: "* * * *"',
        field: undefined,
      },
    },
    {
      expr: '0 * * * * *',
      expected: {
        message: 'expected exactly 5 fields (minute hour day-of-month month day-of-week), found 6: "0 * * * * *"',
        field: undefined,
      },
    },
    {
      expr: '0 0 1 1 * 2030',
      expected: {
        message: 'expected exactly 5 fields (minute hour day-of-month month day-of-week), found 6: "0 0 1 1 * 2030"',
        field: undefined,
      },
    },
    { expr: '', expected: { message: 'empty schedule', field: undefined } },
    {
      expr: 'xyz',
      expected: {
        message: 'expected exactly 5 fields (minute hour day-of-month month day-of-week), found 1: "xyz"',
        field: undefined,
      },
    },
    { expr: '60 0 * * *', expected: { message: 'minute: value 60 above maximum 59', field: 'minute' } },
    { expr: '0 60 * * *', expected: { message: 'hour: value 60 above maximum 23', field: 'hour' } },
    { expr: '0 24 * * *', expected: { message: 'hour: value 24 above maximum 23', field: 'hour' } },
    {
      expr: '0 0 * * XYZ',
      expected: { message: 'day of week: value "XYZ" is not a number or a day name (sun-sat)', field: 'day of week' },
    },
    { expr: '61 * * * *', expected: { message: 'minute: value 61 above maximum 59', field: 'minute' } },
    {
      expr: '* * * * 7',
      expected: { message: 'day of week: value 7 above maximum 6 (Sunday is 0)', field: 'day of week' },
    },
    {
      expr: '* * * * 1-7',
      expected: { message: 'day of week: range end 7 above maximum 6 (Sunday is 0) in "1-7"', field: 'day of week' },
    },
    { expr: '* * 0 * *', expected: { message: 'day of month: value 0 below minimum 1', field: 'day of month' } },
    { expr: '* * 32 * *', expected: { message: 'day of month: value 32 above maximum 31', field: 'day of month' } },
    { expr: '* * * 13 *', expected: { message: 'month: value 13 above maximum 12', field: 'month' } },
    { expr: '* * * 0 *', expected: { message: 'month: value 0 below minimum 1', field: 'month' } },
    { expr: '0-0-0 * * * *', expected: { message: 'minute: too many hyphens in "0-0-0"', field: 'minute' } },
    { expr: '*/5/5 * * * *', expected: { message: 'minute: too many slashes in "*/5/5"', field: 'minute' } },
    {
      expr: '59-2 * * * *',
      expected: {
        message: 'minute: range start 59 is after its end 2 in "59-2" (ranges do not wrap around)',
        field: 'minute',
      },
    },
    {
      expr: '* * * * FRI-MON',
      expected: {
        message: 'day of week: range start 5 is after its end 1 in "FRI-MON" (ranges do not wrap around)',
        field: 'day of week',
      },
    },
    {
      expr: '* * * * 6-0',
      expected: {
        message: 'day of week: range start 6 is after its end 0 in "6-0" (ranges do not wrap around)',
        field: 'day of week',
      },
    },
    {
      expr: 'TZ=America/New_York 15/0 * * * *',
      expected: { message: 'minute: step must be a positive number in "15/0"', field: 'minute' },
    },
    { expr: '-5 * * * *', expected: { message: 'minute: empty value is not a number in "-5"', field: 'minute' } },
  ])('rejects $expr', ({ expr, expected }) => {
    const error = catchError(() => parseCron(expr));
    expect({ message: error.message, field: error.field }).toEqual(expected);
  });

  it.each([
    { expr: '* * * * jan', expected: 'day of week: value "jan" is not a number or a day name (sun-sat)' },
    { expr: '* * * mon *', expected: 'month: value "mon" is not a number or a month name (jan-dec)' },
    { expr: '* * * * 0L', expected: 'day of week: value "0L" is not a number or a day name (sun-sat)' },
    { expr: '* * L * *', expected: 'day of month: value "L" is not a number' },
    { expr: '* * * * 1#2', expected: 'day of week: value "1#2" is not a number or a day name (sun-sat)' },
    { expr: 'H * * * *', expected: 'minute: value "H" is not a number' },
  ])('accepts names only in their own field, and no L, W, # or H: $expr', ({ expr, expected }) => {
    expect(catchError(() => parseCron(expr)).message).toBe(expected);
  });

  // K8S-SEMANTICS.md §2.4: macros are exact and case-sensitive; robfig/cron TestParseScheduleErrors.
  it.each([
    { expr: '@Hourly', expected: /^unrecognized macro "@Hourly"/ },
    { expr: '@hourly ', expected: /^unrecognized macro "@hourly "/ },
    { expr: ' @hourly', expected: /^expected exactly 5 fields .* found 1/ },
    { expr: '@unrecognized', expected: /^unrecognized macro/ },
    { expr: '@reboot', expected: /^unrecognized macro/ },
    { expr: '@every Xm', expected: /^@every: invalid duration "Xm"/ },
    { expr: '@every 1d', expected: /^@every: unknown unit "d" in duration "1d"/ },
    { expr: '@every', expected: /^unrecognized macro "@every"/ },
    { expr: 'TZ=UTC', expected: /^time zone prefix "TZ=UTC" must be followed by a space/ },
    { expr: 'TZ=Bogus * * * * *', expected: /^unknown time zone "Bogus" in TZ=Bogus prefix/ },
    { expr: 'TZ=utc * * * * *', expected: /^unknown time zone "utc"/ },
  ])('rejects $expr', ({ expr, expected }) => {
    expect(catchError(() => parseCron(expr)).message).toMatch(expected);
  });

  it('accepts a TZ prefix that a grandfathered CronJob still carries, and an empty zone as UTC', () => {
    expect([parseCron('TZ= 0 * * * *').zone.name, parseCron('CRON_TZ=Europe/Rome @hourly').zone.name]).toEqual([
      'UTC',
      'Europe/Rome',
    ]);
  });
});

describe('parseSchedule', () => {
  it('prefixes TZ=<timeZone> as Kubernetes formatSchedule does, and reports the schedule as written', () => {
    const schedule = parseSchedule('@hourly', 'America/New_York');
    expect({ expression: schedule.expression, timeZone: schedule.timeZone }).toEqual({
      expression: '@hourly',
      timeZone: 'America/New_York',
    });
  });

  it('evaluates a schedule without a time zone in UTC', () => {
    expect(parseSchedule('0 9 * * *').timeZone).toBe('UTC');
  });

  it('throws a CronSyntaxError naming the field', () => {
    const error = catchError(() => parseSchedule('0 9 * * *', 'Mars/Olympus'));
    expect({ name: error.name, message: error.message }).toEqual({
      name: 'CronSyntaxError',
      message: 'unknown time zone "Mars/Olympus" in TZ=Mars/Olympus prefix',
    });
  });

  it('rejects a second TZ prefix after the timeZone one, as ParseStandard("TZ=a TZ=b …") does', () => {
    expect(() => parseSchedule('TZ=UTC * * * * *', 'UTC')).toThrow(CronSyntaxError);
  });
});

function catchError(fn: () => unknown): CronSyntaxError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CronSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a CronSyntaxError');
}
