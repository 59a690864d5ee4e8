import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { JobctlError } from '../errors.ts';
import type { Connection } from '../ports/connection.ts';
import type { FailedWork, Failures } from '../ports/failures.ts';
import { humanDuration } from './human-duration.ts';
import type { CliIo } from './io.ts';
import { formatTable } from './printers/table.ts';

export interface FailuresCommandDeps {
  io: CliIo;
  withConnection: <T>(work: (c: Connection) => Promise<T>) => Promise<T>;
}

/** Longest error text in the table; `-o yaml|json` prints it whole. */
const MAX_ERROR_CHARS = 80;

/**
 * `jobctl failures`: what failed for good on AWS and was kept in the stack's dead-letter queue — schedule firings and
 * task events that could not be delivered, invocations whose function failed three times, stream batches the job
 * controller gave up on — and `jobctl failures redrive ID…|--all` to run them again. The alarm on the queue
 * (`FailureAlarm`) says when to look.
 */
export function registerFailuresCommand(program: Command, deps: FailuresCommandDeps): void {
  const { io, withConnection } = deps;
  const failures = program
    .command('failures')
    .description(
      "list what failed for good on AWS (the stack's dead-letter queue): undelivered schedules and events, " +
        'invocations that failed 3 times, stream batches',
    )
    .option('-o, --output <format>', 'json | yaml')
    .option('--no-headers', 'omit the header row')
    .action(async (opts: { output?: string; headers: boolean }) => {
      const format = parseFormat(opts.output);
      await withConnection(async (c) => {
        const items = await failuresOf(c).list();
        if (format !== 'table') {
          io.stdout(format === 'json' ? `${JSON.stringify({ items }, null, 2)}\n` : toYaml({ items }));
          return;
        }
        if (items.length === 0) {
          io.stderr("No failures: nothing is in the stack's dead-letter queue.\n");
          return;
        }
        const now = c.clock.now();
        const rows = items.map((f) => [
          f.id,
          f.source,
          age(f, now),
          f.attempts === undefined ? '<unknown>' : String(f.attempts),
          f.functionName ?? '<unknown>',
          f.what,
          truncate(f.error),
          f.redrive,
        ]);
        io.stdout(
          formatTable(
            opts.headers
              ? [['ID', 'SOURCE', 'AGE', 'ATTEMPTS', 'FUNCTION', 'WHAT', 'ERROR', 'REDRIVE'], ...rows]
              : rows,
          ),
        );
      });
    });

  failures
    .command('redrive [ids...]')
    .description(
      'run failed work again: events are re-sent to their function (asynchronously), a stream batch becomes a ' +
        'resync; then removed from the queue',
    )
    .option('--all', 'every message of the queue')
    .action(async (ids: string[], opts: { all?: boolean }) => {
      if (opts.all === true && ids.length > 0)
        throw new JobctlError('Validation', 'error: give IDs or --all, not both');
      if (opts.all !== true && ids.length === 0)
        throw new JobctlError('Validation', 'error: give the IDs `jobctl failures` lists, or --all');
      await withConnection(async (c) => {
        const outcomes = await failuresOf(c).redrive(opts.all === true ? 'all' : ids);
        let missing = 0;
        for (const o of outcomes) {
          switch (o.action) {
            case 'invoked':
              io.stdout(`failure/${o.id} redriven: ${o.what} sent again to ${o.functionName}\n`);
              break;
            case 'resync-requested':
              io.stdout(`failure/${o.id} redriven: ${o.what}; ${o.functionName} resyncs every object instead\n`);
              break;
            case 'not-redrivable':
              io.stderr(`failure/${o.id} kept: ${o.what} names no function of this stack to send it to\n`);
              break;
            case 'failed':
              missing++;
              io.stderr(
                `failure/${o.id} kept: sending ${o.what} to ${o.functionName} failed: ${o.error}; the redrive ` +
                  `stopped here\n`,
              );
              break;
            case 'not-found':
              missing++;
              io.stderr(`Error from server (NotFound): failure "${o.id}" not found\n`);
              break;
          }
        }
        if (outcomes.length === 0) io.stderr("No failures: nothing is in the stack's dead-letter queue.\n");
        if (missing > 0) io.setExitCode(1);
      });
    });
}

function failuresOf(c: Connection): Failures {
  if (c.failures === undefined) {
    throw new JobctlError(
      'Validation',
      "error: failures are kept in a deployed stack's dead-letter queue: use --context aws with a stack whose " +
        'outputs name it (DeadLetterQueueUrl), ' +
        "or set JOBCTL_DEAD_LETTER_QUEUE_URL and JOBCTL_FUNCTIONS (the dispatcher's and job controller's names) " +
        'beside JOBCTL_TABLE_NAME; ' +
        'the embedded runtime retries every sync in its resync and keeps nothing it gave up on',
    );
  }
  return c.failures;
}

function parseFormat(output: string | undefined): 'table' | 'json' | 'yaml' {
  if (output === undefined) return 'table';
  if (output === 'json' || output === 'yaml') return output;
  throw new JobctlError(
    'Validation',
    `error: unable to match a printer suitable for the output format "${output}", allowed formats are: json,yaml`,
  );
}

function age(f: FailedWork, nowMs: number): string {
  const at = f.failedAt === undefined ? Number.NaN : Date.parse(f.failedAt);
  return Number.isNaN(at) ? '<unknown>' : humanDuration(Math.max(0, nowMs - at));
}

function truncate(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length <= MAX_ERROR_CHARS ? oneLine : `${oneLine.slice(0, MAX_ERROR_CHARS - 1)}…`;
}
