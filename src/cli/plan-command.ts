/**
 * `jobctl plan`: every run CronJobs will start between two times, read from manifests (`-f`, offline) or from the
 * context, with the runs a daylight-saving change skips or doubles, the runs that may overlap the previous one, and
 * the busiest minute. The computation is src/engine/plan.ts; this file reads, checks and prints.
 */
import type { Command } from 'commander';
import { formatGoDurationSeconds } from '../cron/go-duration.ts';
import {
  formatRfc3339InZone,
  newWallClock,
  UTC_RULES,
  wallClockAt,
  zoneRules,
  type WallClock,
  type ZoneRules,
} from '../cron/time-zone.ts';
import {
  MAX_PLAN_DAYS,
  MAX_RUNTIME_ANNOTATION,
  maxRuntimeFindings,
  planRuns,
  type Plan,
  type PlannedCronJob,
  type PlannedRun,
  type RunNote,
  type SkippedTime,
} from '../engine/plan.ts';
import { JobctlError } from '../errors.ts';
import type { LoadedObject } from '../spec/load.ts';
import type { CronJob } from '../spec/types.ts';
import { storeItemLimitFindings } from './apply.ts';
import { NAMESPACE, type CliContext } from './context.ts';
import { parseInstant } from './instant.ts';
import { loadManifestArgs } from './manifest-files.ts';

const DAY_MS = 86_400_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
/** Lines per write of the text output: few writes, and no string of the whole of a long plan. */
const LINES_PER_WRITE = 4096;

interface PlanOptions {
  filename?: string[];
  from?: string;
  to?: string;
  output?: string;
  maxPerMinute?: string;
}

const HELP_AFTER = `
Each run is a fire time of the schedule exactly as the CronJob controller computes it (spec.timeZone, UTC without
one), in [--from, --to). NOTE says:
  repeated hour   the local time occurs twice (clocks go back) and the schedule runs at both
  skipped         the local time the schedule names does not exist that day (clocks go forward): no run
  Forbid would skip it / Replace would cut the previous run / runs concurrently with the previous run
                  the run starts while the previous one may still run, and what concurrencyPolicy does then
A run may last the CronJob's ${MAX_RUNTIME_ANNOTATION} annotation (a Go duration: 30m, 1h30m), else
spec.jobTemplate.spec.activeDeadlineSeconds; without either, no overlap is marked. Suspended CronJobs have no runs.
Exit code 1 on bad input, and with --max-per-minute when more runs than that start in one minute.

Examples:
  jobctl plan -f examples/cronjobs --from 2025-10-25T00:00:00Z --to 2025-10-27T00:00:00Z
  jobctl plan --to 2026-01-01T00:00:00Z -o json          # the CronJobs of the context, from now
  jobctl plan -f deploy/cronjobs --from 2025-01-01 --to 2026-01-01 --max-per-minute 20
`;

/**
 * Adds `jobctl plan` to `program`.
 *
 * @example
 * registerPlanCommand(program, ctx);
 * // jobctl plan -f examples/cronjobs --from 2025-10-25T00:00:00Z --to 2025-10-27T00:00:00Z
 */
export function registerPlanCommand(program: Command, ctx: CliContext): void {
  const { io, cwd, readStdin, withReads } = ctx;
  program
    .command('plan')
    .description('list every run CronJobs will start between two times: DST skips and repeats, overlaps, the peak')
    .option('-f, --filename <path...>', 'manifest file, directory or - as apply reads them (default: the context)')
    .option('--from <time>', 'ISO 8601 start, in UTC or with an offset (default: now)')
    .option('--to <time>', `ISO 8601 end, not included (default: --from + 24h; at most ${MAX_PLAN_DAYS} days)`)
    .option('-o, --output <format>', 'json')
    .option('--max-per-minute <n>', 'exit 1 when more runs than this start in one minute (for CI)')
    .addHelpText('after', HELP_AFTER)
    .action(async (opts: PlanOptions) => {
      if (opts.output !== undefined && opts.output !== 'json')
        throw new JobctlError('Validation', `error: invalid --output "${opts.output}": the only format is json`);
      const maxPerMinute = opts.maxPerMinute === undefined ? undefined : parseMaxPerMinute(opts.maxPerMinute);
      const { fromMs, toMs } = planWindow(opts.from, opts.to, io.now());
      const cronJobs =
        opts.filename === undefined
          ? ((await withReads((r) => r.store.list('CronJob', NAMESPACE))) as CronJob[])
          : await cronJobsOfFiles(opts.filename, readStdin, cwd);
      const plan = planRuns(cronJobs, fromMs, toMs);
      if (opts.output === 'json') io.stdout(`${JSON.stringify(planJson(plan), null, 2)}\n`);
      else printPlanText(plan, io.stdout);
      if (maxPerMinute !== undefined && plan.peak.perMinute > maxPerMinute) {
        throw new JobctlError(
          'Validation',
          `error: ${plan.peak.perMinute} runs start in the minute of ${utc(plan.peak.minuteMs!)}: more than ` +
            `--max-per-minute ${maxPerMinute}`,
        );
      }
    });
}

/** The CronJobs of the manifests, validated as `apply` validates them, and the max-runtime annotation too. */
async function cronJobsOfFiles(paths: string[], readStdin: () => Promise<string>, cwd: string): Promise<CronJob[]> {
  const check = (object: LoadedObject) => [...storeItemLimitFindings(object), ...maxRuntimeFindings(object)];
  const loaded = await loadManifestArgs(paths, readStdin, cwd, { check });
  return loaded.objects.filter((o): o is CronJob => o.kind === 'CronJob');
}

function planWindow(fromText: string | undefined, toText: string | undefined, nowMs: number) {
  const fromMs = fromText === undefined ? nowMs : parseInstant(fromText, '--from');
  const toMs = toText === undefined ? fromMs + DAY_MS : parseInstant(toText, '--to');
  if (toMs <= fromMs)
    throw new JobctlError('Validation', `error: --to (${utc(toMs)}) must be after --from (${utc(fromMs)})`);
  if (toMs - fromMs > MAX_PLAN_DAYS * DAY_MS) {
    throw new JobctlError(
      'Validation',
      `error: --from ${utc(fromMs)} to --to ${utc(toMs)} is ${Math.ceil((toMs - fromMs) / DAY_MS)} days: a plan ` +
        `covers at most ${MAX_PLAN_DAYS} days`,
    );
  }
  return { fromMs, toMs };
}

function parseMaxPerMinute(text: string): number {
  if (!/^[0-9]+$/.test(text))
    throw new JobctlError(
      'Validation',
      `error: invalid --max-per-minute "${text}": expected a whole number, 0 or more`,
    );
  return Number(text);
}

/** The `-o json` document: stable keys, times as RFC 3339 (UTC, and local with the zone's offset). */
function planJson(plan: Plan) {
  return {
    from: utc(plan.fromMs),
    to: utc(plan.toMs),
    cronJobs: plan.cronJobs.map((c) => ({
      name: c.name,
      timeZone: c.timeZone,
      schedule: c.schedule,
      suspended: c.suspended,
      concurrencyPolicy: c.concurrencyPolicy,
      longestRunSeconds: c.longestRun === undefined ? null : c.longestRun.ms / 1000,
      runCount: c.runCount,
      skippedCount: c.skippedCount,
      problem: c.problem ?? null,
    })),
    runs: plan.runs.map((run) => ({
      cronJob: run.cronJob,
      time: utc(run.timeMs),
      localTime: formatRfc3339InZone(run.timeMs, run.timeZone),
      notes: run.notes,
    })),
    skipped: plan.skipped.map((s) => ({
      cronJob: s.cronJob,
      // No offset: this wall-clock time does not exist in the zone.
      localTime: wallText(s.localTime, 'T'),
      timeZone: s.timeZone,
      clockChange: utc(s.clockChangeMs),
      notes: ['dst-gap'],
    })),
    peak: { perMinute: plan.peak.perMinute, minute: plan.peak.minuteMs === undefined ? null : utc(plan.peak.minuteMs) },
  };
}

/** The text output, written a block of lines at a time: a year of every minute is half a million lines. */
function printPlanText(plan: Plan, write: (text: string) => void): void {
  const rows: string[][] = [['TIME (UTC)', 'LOCAL TIME', 'CRONJOB', 'NOTE']];
  // Both lists are sorted; a skipped local time comes before the run at the same instant (it is earlier on the wall
  // clock: 02:30 skipped, then 03:00).
  let next = 0;
  for (const s of plan.skipped) {
    for (; next < plan.runs.length && plan.runs[next]!.timeMs < s.clockChangeMs; next++)
      rows.push(runRow(plan.runs[next]!));
    rows.push(['-', `${WEEKDAYS[s.localTime.weekday]} ${wallText(s.localTime, ' ')}`, s.cronJob, skippedNote(s)]);
  }
  for (; next < plan.runs.length; next++) rows.push(runRow(plan.runs[next]!));
  const window = `from ${utc(plan.fromMs)} to ${utc(plan.toMs)}`;
  if (plan.cronJobs.length === 0) {
    write(`no CronJobs to plan ${window}\n`);
    return;
  }
  if (rows.length === 1) write(`no runs ${window}\n`);
  else writeColumns(rows, write);
  write('\n');
  writeColumns(
    [
      ['CRONJOB', 'SCHEDULE', 'TIME ZONE', 'POLICY', 'LONGEST RUN', 'RUNS', 'SKIPPED'],
      ...plan.cronJobs.map(summaryRow),
    ],
    write,
  );
  const runCount = plan.runs.length;
  write(`${runCount} run${runCount === 1 ? '' : 's'} in [${utc(plan.fromMs)}, ${utc(plan.toMs)})\n`);
  const { perMinute, minuteMs } = plan.peak;
  write(
    minuteMs === undefined
      ? 'peak: no run starts\n'
      : `peak: ${perMinute === 1 ? '1 run starts' : `${perMinute} runs start`} in the minute of ${utc(minuteMs)} ` +
          '(the first minute with that many)\n',
  );
  for (const c of plan.cronJobs) if (c.problem !== undefined) write(`${c.name}: never runs: ${c.problem}\n`);
  const untold = plan.cronJobs.filter((c) => c.longestRun === undefined && !c.suspended && c.problem === undefined);
  if (untold.length > 0) {
    write(
      `no overlap marks for ${untold.map((c) => c.name).join(', ')}: neither a ${MAX_RUNTIME_ANNOTATION} ` +
        'annotation nor spec.jobTemplate.spec.activeDeadlineSeconds says how long a run lasts\n',
    );
  }
}

function runRow(run: PlannedRun): string[] {
  return [utc(run.timeMs), localText(run.timeMs, run.timeZone), run.cronJob, runNotes(run)];
}

/** Columns as `kubectl get` aligns them (three spaces after the widest cell), with no trailing spaces. */
function writeColumns(rows: readonly (readonly string[])[], write: (text: string) => void): void {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  for (let first = 0; first < rows.length; first += LINES_PER_WRITE) {
    let block = '';
    for (const row of rows.slice(first, first + LINES_PER_WRITE)) {
      const line = row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('');
      block += `${line.trimEnd()}\n`;
    }
    write(block);
  }
}

function summaryRow(c: PlannedCronJob): string[] {
  const source = c.longestRun?.source === 'annotation' ? 'max-runtime' : c.longestRun?.source;
  const longest = c.longestRun === undefined ? '-' : `${goDuration(c.longestRun.ms)} (${source})`;
  const runs = c.suspended ? 'suspended' : String(c.runCount);
  return [c.name, c.schedule, c.timeZone, c.concurrencyPolicy, longest, runs, String(c.skippedCount)];
}

function runNotes(run: PlannedRun): string {
  return run.notes.map((note) => noteText(note, run)).join('; ');
}

function noteText(note: RunNote, run: PlannedRun): string {
  if (note === 'repeated-hour') {
    const wall = localWall(run.timeMs, run.timeZone);
    return `repeated hour: ${clockText(wall)} occurs twice (clocks go back), runs both times`;
  }
  const { timeMs, mayEndMs } = run.previousRun!;
  const previous = `the previous run (${utcNear(timeMs, run.timeMs)}) may last until ${utcNear(mayEndMs, run.timeMs)}`;
  switch (note) {
    case 'forbid-skip':
      return `Forbid would skip it: ${previous}`;
    case 'replace-cut':
      return `Replace would cut the previous run: ${previous}`;
    case 'concurrent':
      return `runs concurrently with the previous run: ${previous}`;
  }
}

function skippedNote(s: SkippedTime): string {
  return (
    `skipped: ${clockText(s.localTime)} does not exist on ${wallText(s.localTime, ' ').slice(0, 10)} in ` +
    `${s.timeZone} (clocks go forward)`
  );
}

// Scratch for the wall clocks each row reads (half a million rows in a year of every minute): filled, read, dropped.
const scratch = newWallClock();

/** RFC 3339 in UTC, whole seconds. */
function utc(ms: number): string {
  return `${wallText(wallClockAt(UTC_RULES, Math.floor(ms / 1000), scratch), 'T')}Z`;
}

/** `01:30Z` when on the same UTC day as `nearMs`, else the whole RFC 3339 time. */
function utcNear(ms: number, nearMs: number): string {
  const text = utc(ms);
  return text.slice(0, 10) === utc(nearMs).slice(0, 10) ? text.slice(11).replace(/:00Z$/, 'Z') : text;
}

/** `Sun 2025-10-26 02:30:00 +02:00`: the wall clock the schedule was matched against, and its offset. */
function localText(ms: number, timeZone: string): string {
  const zone = rulesOf(timeZone);
  const seconds = Math.floor(ms / 1000);
  const wall = wallClockAt(zone, seconds, scratch);
  // Whole minutes, truncated, as Go's RFC 3339 prints an offset (formatRfc3339InZone).
  const minutes = Math.trunc(zone.offsetAt(seconds) / 60);
  const offset =
    timeZone === 'UTC'
      ? 'UTC'
      : `${minutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
  return `${WEEKDAYS[wall.weekday]} ${wallText(wall, ' ')} ${offset}`;
}

function localWall(ms: number, timeZone: string): WallClock {
  return wallClockAt(rulesOf(timeZone), Math.floor(ms / 1000), newWallClock());
}

function rulesOf(timeZone: string): ZoneRules {
  const zone = zoneRules(timeZone);
  // The plan read every schedule in its zone: a zone that does not load has no runs to print.
  if (zone === undefined) throw new Error(`plan: time zone ${timeZone} does not load`);
  return zone;
}

function wallText(w: Readonly<WallClock>, separator: ' ' | 'T'): string {
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}${separator}${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/** `02:30`, or `02:30:15` for a schedule with seconds. */
function clockText(w: Readonly<WallClock>): string {
  return `${pad(w.hour)}:${pad(w.minute)}${w.second === 0 ? '' : `:${pad(w.second)}`}`;
}

function goDuration(ms: number): string {
  return Number.isInteger(ms / 1000) ? formatGoDurationSeconds(ms / 1000) : `${ms}ms`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}
