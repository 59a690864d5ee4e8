import type { Command } from 'commander';
import { explainSlotAt, explainSlotsBetween, type SlotExplanation } from '../engine/slot-explanation.ts';
import { JobctlError } from '../errors.ts';
import { DEFAULT_SLOT_RETENTION_SECONDS } from '../ports/slot-ledger.ts';
import type { CronJob, Job, Kind } from '../spec/types.ts';
import { listKind, mustGet, type CliContext } from './context.ts';
import { InvalidInstantError, parseInstant } from './instant.ts';
import { parseResourceArgs, parseResourceType } from './resources.ts';
import { formatTable } from './printers/table.ts';

interface ExplainOptions {
  at?: string;
  from?: string;
  to?: string;
  output?: string;
}

/** The longest `--from/--to` range: the ledger keeps 30 days; a year covers any retention one would set. */
const MAX_RANGE_MS = 366 * 86_400_000;

/**
 * `jobctl explain cronjob/NAME [--at TIME]`: what happened at the CronJob's slot at or before TIME, and why, in one
 * sentence — the Job and how it ended, or why there was none (suspended, Forbid with a run active, past
 * startingDeadlineSeconds, not dispatched, before its creation). `--from T --to T` lists every slot of a range.
 * Read from the slot ledger (src/engine/slot-ledger.ts), locally and with `--context aws`.
 *
 * Not kubectl's `explain` (which documents a resource's fields): only the `TYPE/NAME` and `TYPE NAME` forms of a
 * CronJob are taken.
 */
export function registerExplainCommand(program: Command, ctx: CliContext): void {
  const { io, withConnection } = ctx;
  program
    .command('explain')
    .argument('<resource...>', 'cronjob/NAME or cronjob NAME')
    .description("say what happened at a CronJob's scheduled time and why: the Job it created, or why none")
    .option('--at <time>', 'the slot at or before this ISO 8601 time, e.g. 2024-05-01T02:00:00Z (default: now)')
    .option('--from <time>', 'list every slot from this time (with --to)')
    .option('--to <time>', 'list every slot up to this time (default with --from: now)')
    .option('-o, --output <format>', 'json')
    .action(async (args: string[], opts: ExplainOptions) => {
      const request = parseResourceArgs<Kind>(args, { resolve: parseResourceType, commandName: 'jobctl explain' });
      if (request.kind !== 'named' || request.targets.length !== 1 || request.targets[0]!.type !== 'CronJob')
        throw new JobctlError('Validation', 'error: explain takes one CronJob: jobctl explain cronjob/NAME');
      if (opts.output !== undefined && opts.output !== 'json')
        throw new JobctlError('Validation', `error: invalid --output "${opts.output}": the only format is json`);
      if (opts.at !== undefined && (opts.from !== undefined || opts.to !== undefined))
        throw new JobctlError('Validation', 'error: --at explains one slot; --from/--to list a range: use one of them');
      if (opts.to !== undefined && opts.from === undefined)
        throw new JobctlError('Validation', 'error: --to needs --from');
      const times = parseTimes(opts, io.now());
      const name = request.targets[0]!.name;
      await withConnection(async (c) => {
        const cronJob = (await mustGet(c, 'CronJob', name)) as CronJob;
        if (c.slots === undefined) throw new JobctlError('Validation', 'error: this context keeps no slot ledger');
        const jobs = ((await listKind(c, 'Job')) as Job[]).filter((j) =>
          j.metadata.ownerReferences?.some((o) => o.controller && o.uid === cronJob.metadata.uid),
        );
        const nowMs = c.clock.now();
        const fromMs = times.kind === 'at' ? times.atMs : times.fromMs;
        const toMs = times.kind === 'at' ? times.atMs : times.toMs;
        // A day before: a run of slots is keyed by its last one and may cover the time asked about.
        const entries = await c.slots.list(cronJob.metadata, fromMs - 86_400_000, toMs);
        const input = {
          cronJob,
          jobs,
          entries,
          nowMs,
          retentionMs: DEFAULT_SLOT_RETENTION_SECONDS * 1000,
        };
        const explained =
          times.kind === 'at' ? [explainSlotAt(input, times.atMs)] : explainSlotsBetween(input, fromMs, toMs);
        if (opts.output === 'json') {
          const json = explained.map(asJson);
          io.stdout(`${JSON.stringify(times.kind === 'at' ? json[0] : json, null, 2)}\n`);
        } else if (times.kind === 'at') {
          io.stdout(`${explained[0]!.sentence}\n`);
        } else if (explained.length === 0) {
          io.stderr(`No slots of cronjob ${name} between ${iso(fromMs)} and ${iso(toMs)}.\n`);
        } else {
          const rows = explained.map((e) => [
            iso(e.scheduledMs),
            e.outcome,
            e.jobName ?? '<none>',
            e.jobResult ?? '<none>',
          ]);
          io.stdout(formatTable([['SCHEDULED', 'OUTCOME', 'JOB', 'RESULT'], ...rows]));
        }
      });
    });
}

type Times = { kind: 'at'; atMs: number } | { kind: 'range'; fromMs: number; toMs: number };

function parseTimes(opts: ExplainOptions, nowMs: number): Times {
  try {
    if (opts.from === undefined)
      return { kind: 'at', atMs: opts.at === undefined ? nowMs : parseInstant(opts.at, '--at') };
    const fromMs = parseInstant(opts.from, '--from');
    const toMs = opts.to === undefined ? nowMs : parseInstant(opts.to, '--to');
    if (toMs < fromMs) throw new InvalidInstantError(`--to ${opts.to ?? 'now'} is before --from ${opts.from}`);
    if (toMs - fromMs > MAX_RANGE_MS) throw new InvalidInstantError('--from/--to span more than 366 days');
    return { kind: 'range', fromMs, toMs };
  } catch (error) {
    if (error instanceof InvalidInstantError) throw new JobctlError('Validation', `error: ${error.message}`);
    throw error;
  }
}

function asJson(e: SlotExplanation): Record<string, unknown> {
  const { scheduledMs, ...rest } = e;
  return { scheduledTime: iso(scheduledMs), ...rest };
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
