/**
 * `jobctl worker`: the seed's fine-grained work-queue worker (walkthrough 4) for any language. It leases items from a
 * queue one at a time and runs a command per item, until the queue is exactly empty; the command never learns that
 * a queue exists (as `amqp-consume` in walkthrough 3 hands its program one message on stdin).
 */
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Command } from 'commander';
import { assertNever, JobctlError, NotFoundError } from '../errors.ts';
import type { Connection } from '../ports/connection.ts';
import { QUEUE_NAME, type LeasedItem } from '../ports/work-queue.ts';
import { WorkQueueClient, type Sleep } from '../worker/work-queue-client.ts';
import type { CliIo } from './io.ts';

/** Exit code of a worker stopped by SIGTERM: 128 + 15, what a process killed by the signal reports. */
export const WORKER_EXIT_SIGTERM = 143;
/**
 * Exit code when `--timeout-seconds` passed with no item available while other workers still held every remaining
 * one: EX_TEMPFAIL (sysexits.h), "try again later". Not 0: a worker that succeeds tells the Job the queue is done
 * (Kubernetes completes a Job without `completions` once any pod succeeds), which would be false here.
 */
export const WORKER_EXIT_TIMEOUT = 75;
/** Exit code when the command cannot be started at all, as a shell reports a command it cannot find. */
export const WORKER_EXIT_CANNOT_RUN = 127;

/** What `jobctl worker` needs from a connection. */
export type WorkerConnection = Pick<Connection, 'queues' | 'clock'>;

export interface WorkerCommandDeps {
  readonly io: CliIo;
  /** Opens the connection of `--context` (the program's own `withConnection`). */
  readonly withConnection: <T>(work: (c: WorkerConnection) => Promise<T>) => Promise<T>;
  /**
   * Aborted on SIGTERM/SIGINT (src/cli/main.ts): forwarded to the command, the lease released, exit 143. @default -
   * none
   */
  readonly signal?: AbortSignal;
  /**
   * The environment the command inherits, plus JOB_ITEM, JOB_ITEM_ID and JOB_ITEM_RECEIVE_COUNT. @default process.env
   */
  readonly env?: NodeJS.ProcessEnv;
  /** How the worker waits between polls while others hold every item. @default - a timer on the connection's clock */
  readonly sleep?: Sleep;
}

/** `jobctl worker`'s parsed options. */
export interface WorkerOptions {
  readonly queue: string;
  /** The command and its arguments, run once per item. */
  readonly command: readonly string[];
  /** @default - the queue's `leaseSeconds` */
  readonly leaseSeconds?: number;
  /** Stop after running the command for this many items. @default - until the queue is empty */
  readonly maxItems?: number;
  /**
   * Give up (exit 75) after waiting this long for an item while others hold every remaining one. @default - wait until
   * the queue is empty
   */
  readonly timeoutSeconds?: number;
}

const HELP_AFTER = `
The command runs once per item with the item's body on stdin and in $JOB_ITEM, its id in $JOB_ITEM_ID and its
lease count in $JOB_ITEM_RECEIVE_COUNT; stdout and stderr are the worker's. Exit 0 completes the item; any other
exit releases it at once (after the queue's maxReceiveCount attempts it goes dead). The lease is renewed while the
command runs. The worker exits 0 when the queue is exactly empty (no item pending or leased, so an item held by a
worker that died is waited for), 143 on SIGTERM (forwarded to the command; the item is released at once), 75 when
--timeout-seconds passed while others held every item, 127 when the command cannot be started.

Inside a local task the worker finds the runtime through $JOBCTL_STATE_DIR (the runtime's state directory).

Example (the seed's walkthrough 4, two workers: a Job with parallelism: 2 running this command):
  jobctl worker --queue job2 --lease-seconds 10 -- sh -c 'echo "Working on $JOB_ITEM"; sleep 10'
`;

/**
 * Adds `jobctl worker` to `program`.
 *
 * @example
 * registerWorkerCommand(program, { io, withConnection, signal: penv.signal, env });
 * // jobctl worker --queue fruits -- python3 process.py
 */
export function registerWorkerCommand(program: Command, deps: WorkerCommandDeps): void {
  program
    .command('worker')
    .description('lease items from a work queue and run a command per item (item on stdin) until the queue is empty')
    .argument('<command...>', 'the command to run per item, after --')
    .requiredOption('--queue <name>', 'the work queue to drain')
    .option(
      '--lease-seconds <seconds>',
      "how long an item stays leased without renewal (default: the queue's leaseSeconds)",
    )
    .option('--max-items <n>', 'stop after running the command for N items (default: until the queue is empty)')
    .option(
      '--timeout-seconds <seconds>',
      'exit 75 after waiting this long for an item while other workers hold every one (default: wait)',
    )
    .addHelpText('after', HELP_AFTER)
    .action(
      async (
        command: string[],
        opts: { queue: string; leaseSeconds?: string; maxItems?: string; timeoutSeconds?: string },
      ) => {
        const options: WorkerOptions = {
          queue: parseQueueName(opts.queue),
          command,
          leaseSeconds: parseWhole('--lease-seconds', opts.leaseSeconds, 0, 43_200),
          maxItems: parseWhole('--max-items', opts.maxItems, 1, Number.MAX_SAFE_INTEGER),
          timeoutSeconds: parseWhole('--timeout-seconds', opts.timeoutSeconds, 0, Number.MAX_SAFE_INTEGER),
        };
        deps.io.setExitCode(await deps.withConnection((c) => runWorker(c, options, deps)));
      },
    );
}

/** The outcome of running the command for one item. */
type CommandOutcome = { kind: 'exited'; exitCode: number } | { kind: 'cannot-run'; error: Error };

/**
 * Drains `options.queue` with `options.command`; returns the worker's exit code.
 *
 * @example
 * const code = await runWorker(connection, { queue: 'fruits', command: ['cat'] }, { io: processIo, withConnection });
 */
export async function runWorker(
  c: WorkerConnection,
  options: WorkerOptions,
  deps: Omit<WorkerCommandDeps, 'withConnection'>,
): Promise<number> {
  const { io } = deps;
  const settings = await c.queues.describeQueue(options.queue);
  if (settings === undefined)
    throw new NotFoundError(
      `Error from server (NotFound): workqueues "${options.queue}" not found: create it with jobctl queue create ` +
        `${options.queue}`,
    );
  const leaseSeconds = options.leaseSeconds ?? settings.leaseSeconds;
  const say = (line: string) => io.stderr(`${line}\n`);
  const client = new WorkQueueClient(c.queues, options.queue, {
    clock: c.clock,
    log: say,
    signal: deps.signal,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });
  const me = `worker ${client.sessionId}`;
  say(`${me}: queue ${options.queue}: leasing items for ${leaseSeconds}s each (renewed while the command runs)`);
  let processed = 0;
  let failedAttempts = 0;
  let ran = 0;
  try {
    while (!client.isStopping) {
      if (options.maxItems !== undefined && ran >= options.maxItems) {
        say(`${me}: ran the command for ${ran} items (--max-items): ${processed} processed, ${failedAttempts} failed`);
        return failedAttempts === 0 ? 0 : 1;
      }
      const item = await client.lease(leaseSeconds, { block: true, timeoutSeconds: options.timeoutSeconds });
      if (item === undefined) {
        if (client.isStopping) break;
        const stats = await c.queues.stats(options.queue);
        if (stats.pending + stats.leased === 0) {
          const failed = failedAttempts === 0 ? '' : ` (${failedAttempts} failed attempts released)`;
          const dead = stats.dead === 0 ? '' : `; ${stats.dead} items are dead letters`;
          say(`queue ${options.queue} is empty: ${processed} items processed by this worker${failed}${dead}`);
          return 0;
        }
        if (options.timeoutSeconds !== undefined) {
          say(
            `${me}: no item available for ${options.timeoutSeconds}s while other workers hold ${stats.leased} ` +
              `(${stats.pending} pending): exiting ${WORKER_EXIT_TIMEOUT} to be retried`,
          );
          return WORKER_EXIT_TIMEOUT;
        }
        continue;
      }
      if (client.isStopping) break; // stopped just now: the lease is already released
      ran++;
      const outcome = await runCommand(options.command, item, deps.env ?? process.env, deps.signal, say);
      // Stopping released the lease already; whatever the command did, another worker owns the item now.
      if (client.isStopping) break;
      switch (outcome.kind) {
        case 'cannot-run':
          await client.release(item);
          say(
            `error: cannot run ${JSON.stringify(options.command[0])}: ${outcome.error.message} (item ${item.id} ` +
              `released)`,
          );
          return WORKER_EXIT_CANNOT_RUN;
        case 'exited':
          if (outcome.exitCode === 0) {
            // complete() says itself why a lost lease does not count.
            if (await client.complete(item)) processed++;
          } else {
            failedAttempts++;
            const isLastAttempt = item.receiveCount >= settings.maxReceiveCount;
            const isReleased = await client.release(item);
            say(
              `${me}: item ${item.id} (attempt ${item.receiveCount} of ${settings.maxReceiveCount}): command exited ` +
                `${outcome.exitCode}: ` +
                (!isReleased
                  ? 'its lease was already lost'
                  : isLastAttempt
                    ? 'that was its last attempt: it is a dead letter now'
                    : 'released for another attempt'),
            );
          }
          break;
        default:
          assertNever(outcome, 'command outcome');
      }
    }
  } finally {
    await client.stop();
  }
  say(`${me}: stopped by signal: ${processed} items processed; the item in progress was released`);
  return WORKER_EXIT_SIGTERM;
}

/** Runs the command for one item; SIGTERM on `signal` is forwarded to it. Resolves when it has exited. */
function runCommand(
  argv: readonly string[],
  item: LeasedItem,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
  say: (line: string) => void,
): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['pipe', 'inherit', 'inherit'],
      env: { ...env, JOB_ITEM: item.body, JOB_ITEM_ID: item.id, JOB_ITEM_RECEIVE_COUNT: String(item.receiveCount) },
    });
    const forward = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', forward, { once: true });
    // 'error' before 'close' means the command never started (ENOENT, EACCES): 'close' then reports a negative errno.
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    child.stdin!.on('error', (error: NodeJS.ErrnoException) => {
      // A command that exits without reading its stdin closes the pipe: EPIPE then is its choice; its exit code counts.
      if (error.code !== 'EPIPE' && spawnError === undefined)
        say(`worker: writing item ${item.id} to the command's stdin failed: ${error.message}`);
    });
    child.stdin!.end(item.body);
    child.once('close', (code, signalName) => {
      signal?.removeEventListener('abort', forward);
      if (spawnError !== undefined) return resolve({ kind: 'cannot-run', error: spawnError });
      resolve({ kind: 'exited', exitCode: code ?? 128 + (signalName ? (osConstants.signals[signalName] ?? 9) : 9) });
    });
  });
}

function parseQueueName(name: string): string {
  if (!QUEUE_NAME.test(name))
    throw new JobctlError(
      'Validation',
      `error: --queue "${name}": must be 1-63 lowercase letters, digits and '-', starting and ending with a letter ` +
        `or digit`,
    );
  return name;
}

function parseWhole(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new JobctlError(
      'Validation',
      `error: ${flag} "${text}": expected a whole number from ` +
        `${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`,
    );
  }
  return n;
}
