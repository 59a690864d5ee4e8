/**
 * `jobctl cron next` and `jobctl cron validate`: preview and check a schedule exactly as Kubernetes evaluates it,
 * before it goes into a manifest.
 */
import type { Command } from 'commander';
import { describeSchedule } from '../cron/describe.ts';
import { nextTimes, parseSchedule, validateSchedule, type CronSchedule } from '../cron/index.ts';
import { newWallClock, wallClockAt, zoneRules } from '../cron/time-zone.ts';
import { validateTimeZone } from '../cron/validate.ts';
import { CronSyntaxError } from '../errors.ts';
import { InvalidInstantError, parseInstant } from './instant.ts';
import type { CliIo } from './io.ts';

const DEFAULT_COUNT = 5;
const MAX_COUNT = 1000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

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
    if (!(error instanceof CliUsageError || error instanceof InvalidInstantError)) throw error;
    io.stderr(`${error.message}\n`);
    io.setExitCode(1);
  }
}

function printNext(io: CliIo, expression: string, opts: NextOptions): void {
  const count = parseCount(opts.count ?? String(DEFAULT_COUNT));
  const afterMs = opts.after === undefined ? io.now() : parseInstant(opts.after, '--after');
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
