/**
 * `jobctl cron next` and `jobctl cron validate`: preview and check a schedule exactly as Kubernetes evaluates it,
 * before it goes into a manifest.
 */
import type { Command } from 'commander';
import { describeSchedule, nextTimes, parseSchedule, validateSchedule, type CronSchedule } from '../cron/index.ts';
import { newWallClock, wallClockAt, zoneRules } from '../cron/time-zone.ts';
import { validateTimeZone } from '../cron/validate.ts';
import { CronSyntaxError } from '../errors.ts';
import type { CliIo } from './io.ts';

const DEFAULT_COUNT = 5;
const MAX_COUNT = 1000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
// An instant with an explicit zone (Z or ±hh:mm), or a bare date taken as UTC midnight.
const ISO_8601 = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,9})?)?(?:Z|[+-]\d\d:?\d\d))?$/i;

interface NextOptions {
  tz?: string;
  after?: string;
  count?: string;
  output?: string;
}

/** A user error: one line on stderr, exit code 1. */
class CliUsageError extends Error {}

/**
 * Adds `cron next` and `cron validate` to `program`.
 *
 * @example
 * registerCronCommands(program, processIo);
 * // jobctl cron next '30 2 * * *' --tz America/New_York --after 2012-03-10T00:00:00Z -n 2
 */
export function registerCronCommands(program: Command, io: CliIo): void {
  const cron = program.command('cron').description('preview and check cron schedules exactly as Kubernetes reads them');

  cron
    .command('next <schedule>')
    .description('print the next fire times of a schedule (quote it: jobctl cron next "*/15 * * * *")')
    .option('--tz <zone>', 'IANA time zone, as spec.timeZone (default: UTC)')
    .option('--after <time>', 'ISO 8601 time to start after, e.g. 2024-01-01T09:00:00Z (default: now)')
    .option('-n, --count <n>', `how many times to print (1-${MAX_COUNT})`, String(DEFAULT_COUNT))
    .option('-o, --output <format>', 'json')
    .action((expression: string, opts: NextOptions) => {
      run(io, () => printNext(io, expression, opts));
    });

  cron
    .command('validate <schedule>')
    .description('check a schedule (and time zone) the way the Kubernetes API server does on create')
    .option('--tz <zone>', 'IANA time zone, as spec.timeZone')
    .action((expression: string, opts: { tz?: string }) => {
      run(io, () => printValidation(io, expression, opts.tz));
    });
}

function run(io: CliIo, work: () => void): void {
  try {
    work();
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    io.stderr(`${error.message}\n`);
    io.setExitCode(1);
  }
}

function printNext(io: CliIo, expression: string, opts: NextOptions): void {
  const count = parseCount(opts.count ?? String(DEFAULT_COUNT));
  const afterMs = opts.after === undefined ? io.now() : parseAfter(opts.after);
  if (opts.output !== undefined && opts.output !== 'json') {
    throw new CliUsageError(`invalid --output "${opts.output}": the only format is json`);
  }
  const schedule = parseOrExplain(expression, opts.tz);
  const times = nextTimes(schedule, afterMs, count);
  if (opts.output === 'json') {
    io.stdout(
      `${JSON.stringify({ schedule: expression, timeZone: schedule.timeZone, next: times.map(isoSeconds) }, null, 2)}` +
        '\n',
    );
    return;
  }
  io.stdout(`${describeSchedule(expression)} (${expression}, ${schedule.timeZone})\n`);
  for (const t of times) io.stdout(`${isoSeconds(t)}  ${localTime(t, schedule.timeZone)}\n`);
  if (times.length < count) {
    io.stdout(
      `no ${times.length === 0 ? '' : 'further '}fire time within 5 years after ` +
        `${isoSeconds(times.at(-1) ?? afterMs)}\n`,
    );
  }
}

function printValidation(io: CliIo, expression: string, timeZone: string | undefined): void {
  const error = validateSchedule(expression, timeZone);
  if (error === undefined) {
    const zone = timeZone === undefined ? '' : `, in ${timeZone} time`;
    io.stdout(`valid: ${describeSchedule(expression)}${zone}\n`);
    return;
  }
  if (error.field === 'spec.timeZone')
    throw new CliUsageError(`invalid time zone ${JSON.stringify(timeZone)}: ${error.message}`);
  throw new CliUsageError(`invalid schedule ${JSON.stringify(expression)}: ${error.message}`);
}

function parseOrExplain(expression: string, timeZone: string | undefined): CronSchedule {
  if (timeZone !== undefined) {
    const zoneError = validateTimeZone(timeZone);
    if (zoneError !== undefined) throw new CliUsageError(`invalid time zone ${JSON.stringify(timeZone)}: ${zoneError}`);
  }
  try {
    return parseSchedule(expression, timeZone);
  } catch (error) {
    if (error instanceof CronSyntaxError)
      throw new CliUsageError(`invalid schedule ${JSON.stringify(expression)}: ${error.message}`);
    throw error;
  }
}

function parseCount(text: string): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_COUNT) {
    throw new CliUsageError(`invalid --count "${text}": expected a whole number from 1 to ${MAX_COUNT}`);
  }
  return n;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const ISO_8601_PARTS = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?(?:\.\d+)?(?:Z|[+-](\d\d):?(\d\d)))?$/i;

function parseAfter(text: string): number {
  const isIso = ISO_8601.test(text);
  // Date.parse rolls an impossible day over (2024-02-30 → March 1st): every field must name a real date and time.
  const problem = isIso ? impossibleDateTime(text) : undefined;
  if (problem !== undefined) throw new CliUsageError(`invalid --after "${text}": ${problem}`);
  const ms = isIso ? Date.parse(text.replace(' ', 'T')) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new CliUsageError(
      `invalid --after "${text}": expected an ISO 8601 time with a zone, e.g. 2024-01-01T09:00:00Z`,
    );
  }
  return ms;
}

/** Why an ISO 8601 text that matches {@link ISO_8601} names no real instant, or undefined when it does. */
function impossibleDateTime(text: string): string | undefined {
  const [, y = '', mo = '', d = '', h, mi, sec, offH, offM] = ISO_8601_PARTS.exec(text) ?? [];
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12) return `month ${mo} is not a month (01-12)`;
  // Day 0 of the next month is the last day of this one.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth)
    return `${y}-${mo}-${d} is not a date: ${MONTHS[month - 1]} ${y} has ${daysInMonth} days`;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || Number(sec ?? 0) > 59)) {
    return `${h}:${mi}:${sec ?? '00'} is not a time of day (hours 00-23, minutes and seconds 00-59)`;
  }
  if (offH !== undefined && (Number(offH) > 23 || Number(offM) > 59)) {
    const sign = /([+-])\d\d:?\d\d$/.exec(text)?.[1] ?? '+';
    return `offset ${sign}${offH}:${offM} is not a UTC offset (at most ±23:59)`;
  }
  return undefined;
}

/** UTC ISO 8601 without milliseconds (fire times are whole seconds). */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const abbreviations = new Map<string, Intl.DateTimeFormat>();

/** "Thu 2016-05-19 06:15:00 EDT (America/New_York)": the wall clock the schedule was matched against. */
function localTime(ms: number, timeZone: string): string {
  const zone = zoneRules(timeZone);
  if (zone === undefined) return '';
  const w = wallClockAt(zone, Math.floor(ms / 1000), newWallClock());
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const wall =
    `${WEEKDAYS[w.weekday]} ${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)} ` +
    `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  if (timeZone === 'UTC') return `${wall} UTC`;
  let format = abbreviations.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' });
    abbreviations.set(timeZone, format);
  }
  // ICU knows letter abbreviations (EST, CET) only for some zones and prints "GMT+5:45" for the rest; a numeric
  // offset reads better there.
  let abbreviation = format.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';
  if (!/^[A-Z]{2,5}$/.test(abbreviation)) {
    const offset = zone.offsetAt(Math.floor(ms / 1000));
    const abs = Math.abs(offset);
    abbreviation = `${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600))}:${pad(Math.floor((abs % 3600) / 60))}`;
  }
  return `${wall} ${abbreviation} (${timeZone})`;
}
