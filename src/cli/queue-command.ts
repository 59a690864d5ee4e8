/**
 * `jobctl queue …`: create, fill, inspect and drain work queues through the connection's `WorkQueue` port (the local
 * lease queue under `jobctl up`, the stack's queue with `--context aws`). Output follows kubectl's forms:
 * `workqueue.jobctl.dev/NAME created`, `get`-style tables, `Error from server (NotFound): …`.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { assertNever, JobctlError, NotFoundError } from '../errors.ts';
import type { Connection } from '../ports/connection.ts';
import type { QueueSettings, QueueStats, QueuedItem, WorkQueue } from '../ports/work-queue.ts';
import { diffPaths, unfinishedJobsBoundTo } from './apply.ts';
import type { CliIo } from './io.ts';
import { loadYaml, noResourcesMessage, toJson, toYaml } from './printers/output.ts';
import { formatTable } from './printers/table.ts';
import { MAX_ARG_STRING_BYTES } from '../spec/validate.ts';

const NAMESPACE = 'default';
/** Pushes of at least this many items report progress on stderr. */
export const PUSH_PROGRESS_MIN_ITEMS = 1000;
const DEFAULT_PEEK_COUNT = 10;
const DEFAULT_DLQ_COUNT = 100;
const MAX_LIST_COUNT = 10_000;
/** Bodies longer than this are cut in tables (`-o json` prints them whole). */
const BODY_COLUMN_MAX_CHARS = 80;
/** Invalid lines reported per push before "and N more". */
const MAX_REPORTED_LINE_ERRORS = 20;

/** What the queue commands need from the program that hosts them (`buildProgram` in program.ts). */
export interface QueueCommandDeps {
  io: CliIo;
  /** Runs `work` on a connection of the selected context and closes it. */
  withConnection: <T>(work: (c: Connection) => Promise<T>) => Promise<T>;
  /** Standard input, for `push NAME -` and `--file -`. */
  readStdin: () => Promise<string>;
  /** Where relative `--file` paths start. */
  cwd: string;
}

/** `-o` formats of `queue stats` and `queue list`, as `jobctl get` has them. */
export type QueueOutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name';

/** A queue as `-o json|yaml` prints it: a `kind: WorkQueue` manifest (it can be applied back) with its counts. */
export interface WorkQueueView {
  apiVersion: 'jobctl.dev/v1';
  kind: 'WorkQueue';
  metadata: { name: string; namespace: string };
  spec: QueueSettings;
  status: QueueStats;
}

/**
 * Adds `queue create|push|stats|list|peek|purge|delete|dlq` to `program`.
 *
 * @example
 * registerQueueCommands(program, { io, withConnection, readStdin, cwd });
 * // jobctl queue create fruits --max-receive-count 3
 * // printf 'apple\nbanana\n' | jobctl queue push fruits -
 * // jobctl queue stats fruits
 */
export function registerQueueCommands(program: Command, deps: QueueCommandDeps): void {
  const { io, withConnection } = deps;
  const queue = program.command('queue').description('create, fill and inspect work queues (kind: WorkQueue)');

  queue
    .command('create <name>')
    .description('create a work queue, or change the settings given (prints created, configured or unchanged)')
    .option('--max-receive-count <n>', 'leases an item gets before it goes to the dead-letter list, 1-1000 (default 5)')
    .option('--lease-seconds <s>', 'default lease of an item in seconds, 0-43200 (default 30)')
    .action(async (name: string, opts: { maxReceiveCount?: string; leaseSeconds?: string }) => {
      const settings: Partial<QueueSettings> = {};
      if (opts.maxReceiveCount !== undefined)
        settings.maxReceiveCount = parseWhole(opts.maxReceiveCount, '--max-receive-count');
      if (opts.leaseSeconds !== undefined) settings.leaseSeconds = parseWhole(opts.leaseSeconds, '--lease-seconds');
      await withConnection(async (c) => {
        const before = await c.queues.describeQueue(name);
        const after = await c.queues.ensureQueue(name, settings);
        // Settings not given are kept (the port merges), so re-running a create never resets a queue.
        const changes = before === undefined ? [] : diffPaths('spec', settingsOf(before), settingsOf(after));
        const action = before === undefined ? 'created' : changes.length > 0 ? 'configured' : 'unchanged';
        io.stdout(`workqueue.jobctl.dev/${name} ${action}\n`);
        for (const change of changes) io.stdout(`  ${change}\n`);
        if (action !== 'unchanged') await notifyBoundJobs(c, name);
      });
    });

  queue
    .command('push <name> [items...]')
    .description(
      'append items: as arguments (after -- when one starts with -), one per line from --file FILE, or from stdin ' +
        'with -',
    )
    .option('-f, --file <path>', 'read items from a file, one per line (- for stdin); empty lines are skipped')
    .option(
      '--json-lines',
      'every item must be one JSON value (JSON Lines); it is pushed verbatim, as written, for workers that ' +
        'JSON.parse $JOB_ITEM',
    )
    .action(async (name: string, args: string[], opts: { file?: string; jsonLines?: boolean }) => {
      const bodies = await readItems(deps, args, opts);
      await withConnection(async (c) => {
        await pushItems(io, c.queues, name, bodies);
        await notifyBoundJobs(c, name);
      });
    });

  queue
    .command('stats <name>')
    .description('exact counts of a queue: NAME PENDING LEASED DONE DEAD')
    .option('-o, --output <format>', 'wide | json | yaml | name')
    .option('--no-headers', 'omit the header row')
    .action(async (name: string, opts: { output?: string; headers: boolean }) => {
      const format = parseQueueOutput(opts.output);
      await withConnection((c) => printWorkQueues(io, c.queues, name, { format, noHeaders: !opts.headers }));
    });

  queue
    .command('list')
    .alias('ls')
    .description('every queue with its exact counts (as jobctl get workqueues)')
    .option('-o, --output <format>', 'wide | json | yaml | name')
    .option('--no-headers', 'omit the header row')
    .action(async (opts: { output?: string; headers: boolean }) => {
      const format = parseQueueOutput(opts.output);
      await withConnection((c) => printWorkQueues(io, c.queues, undefined, { format, noHeaders: !opts.headers }));
    });

  queue
    .command('peek <name>')
    .description('show the oldest pending and leased items without leasing them: ID STATE RECEIVES BODY')
    .option('-n, --count <n>', `how many items, 1-${MAX_LIST_COUNT}`, String(DEFAULT_PEEK_COUNT))
    .option('-o, --output <format>', 'json (whole bodies)')
    .action(async (name: string, opts: { count: string; output?: string }) => {
      const count = parseCount(opts.count);
      const isJson = parseItemsOutput(opts.output);
      await withConnection(async (c) => {
        const items = await c.queues.peek(name, count);
        if (isJson) io.stdout(toJson(items));
        else if (items.length === 0) io.stderr(`No pending or leased items in workqueue/${name}.\n`);
        else
          io.stdout(
            formatTable([
              ['ID', 'STATE', 'RECEIVES', 'BODY'],
              ...items.map((i) => [i.id, i.state, String(i.receiveCount), bodyCell(i.body)]),
            ]),
          );
      });
    });

  queue
    .command('purge <name>')
    .description('remove every pending and leased item (dead letters are kept: jobctl queue dlq NAME)')
    .action(async (name: string) => {
      await withConnection(async (c) => {
        const removed = await c.queues.purge(name);
        io.stdout(`purged ${itemCount(removed)} from workqueue/${name}\n`);
        await notifyBoundJobs(c, name);
      });
    });

  queue
    .command('delete <name>')
    .description('delete a queue with its items and dead letters')
    .action(async (name: string) => {
      await withConnection(async (c) => {
        if ((await c.queues.describeQueue(name)) === undefined) throw queueNotFound(name);
        const bound = await unfinishedJobsBoundTo(c.store, [name]);
        await c.queues.deleteQueue(name);
        io.stdout(`workqueue.jobctl.dev "${name}" deleted\n`);
        for (const job of bound)
          io.stderr(
            `Warning: job "${job.metadata.name}" is bound to workqueue/${name} and has not finished: it can start no ` +
              `more pods\n`,
          );
        if (bound.length > 0)
          await c.notify(
            bound.map((job) => ({
              kind: 'Job' as const,
              key: { namespace: job.metadata.namespace, name: job.metadata.name },
            })),
          );
      });
    });

  queue
    .command('dlq <name> [ids...]')
    .description('list the dead letters of a queue (ID RECEIVES BODY), or move them back with --redrive [ID...]')
    .option('--redrive', 'move dead letters back to the queue with a fresh receive count: the IDs given, or all')
    .option('-n, --count <n>', `how many dead letters to list, 1-${MAX_LIST_COUNT}`, String(DEFAULT_DLQ_COUNT))
    .option('-o, --output <format>', 'json (whole bodies)')
    .action(async (name: string, ids: string[], opts: { redrive?: boolean; count: string; output?: string }) => {
      if (!opts.redrive && ids.length > 0)
        throw new JobctlError(
          'Validation',
          `error: dead-letter IDs are taken with --redrive: jobctl queue dlq ${name} --redrive ${ids.join(' ')}`,
        );
      const count = parseCount(opts.count);
      const isJson = parseItemsOutput(opts.output);
      await withConnection(async (c) => {
        if (opts.redrive) {
          await redrive(io, c, name, ids);
          return;
        }
        const dead = await c.queues.deadLetters(name, count);
        if (isJson) io.stdout(toJson(dead));
        else if (dead.length === 0) io.stderr(`No dead letters in workqueue/${name}.\n`);
        else
          io.stdout(
            formatTable([
              ['ID', 'RECEIVES', 'BODY'],
              ...dead.map((d) => [d.id, String(d.receiveCount), bodyCell(d.body)]),
            ]),
          );
        if (!isJson && dead.length === count) io.stderr(`(the oldest ${count} shown; -n to show more)\n`);
      });
    });
}

/**
 * Prints one queue (`name`) or all of them as `jobctl get` prints objects: a table (`wide` adds the settings), the
 * object or a `kind: List` as JSON or YAML, or `workqueue.jobctl.dev/NAME`. Counts are exact (`WorkQueue.stats`).
 * An unknown `name` throws the port's NotFound error; no queues at all prints kubectl's "No resources found" on stderr.
 *
 * @example
 * await printWorkQueues(io, connection.queues, 'fruits', { format: 'table' });
 * // NAME     PENDING   LEASED   DONE   DEAD
 * // fruits   3         1        0      0
 */
export async function printWorkQueues(
  io: CliIo,
  queues: WorkQueue,
  name: string | undefined,
  options: { format: QueueOutputFormat; noHeaders?: boolean },
): Promise<void> {
  const names = name === undefined ? await queues.listQueues() : [name];
  const views: WorkQueueView[] = [];
  for (const n of names) {
    // stats first: for a missing queue it throws the port's NotFound message.
    let status: QueueStats;
    try {
      status = await queues.stats(n);
    } catch (error) {
      if (name === undefined && error instanceof NotFoundError) continue; // deleted while listing
      throw error;
    }
    const spec = await queues.describeQueue(n);
    if (spec === undefined) {
      if (name === undefined) continue;
      throw queueNotFound(n);
    }
    views.push({
      apiVersion: 'jobctl.dev/v1',
      kind: 'WorkQueue',
      metadata: { name: n, namespace: NAMESPACE },
      spec: settingsOf(spec),
      status,
    });
  }
  if (views.length === 0) {
    io.stderr(`${noResourcesMessage(NAMESPACE)}\n`);
    return;
  }
  const single = name !== undefined;
  switch (options.format) {
    case 'json':
      io.stdout(toJson(single ? views[0] : asQueueList(views)));
      return;
    case 'yaml':
      await loadYaml();
      io.stdout(toYaml(single ? views[0] : asQueueList(views)));
      return;
    case 'name':
      for (const v of views) io.stdout(`workqueue.jobctl.dev/${v.metadata.name}\n`);
      return;
    case 'table':
    case 'wide': {
      const isWide = options.format === 'wide';
      const header = ['NAME', 'PENDING', 'LEASED', 'DONE', 'DEAD', ...(isWide ? ['MAX-RECEIVES', 'LEASE'] : [])];
      const rows = views.map((v) => [
        v.metadata.name,
        String(v.status.pending),
        String(v.status.leased),
        String(v.status.done),
        String(v.status.dead),
        ...(isWide ? [String(v.spec.maxReceiveCount), `${v.spec.leaseSeconds}s`] : []),
      ]);
      io.stdout(formatTable(options.noHeaders ? rows : [header, ...rows]));
      return;
    }
    default:
      assertNever(options.format, 'output format');
  }
}

function asQueueList(items: readonly WorkQueueView[]): {
  apiVersion: 'v1';
  items: readonly WorkQueueView[];
  kind: 'List';
  metadata: { resourceVersion: '' };
} {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

/** kubectl's message for an unknown `-o`, with the formats queues print. */
export function parseQueueOutput(output: string | undefined): QueueOutputFormat {
  if (output === undefined) return 'table';
  if (['wide', 'json', 'yaml', 'name'].includes(output)) return output as QueueOutputFormat;
  throw new JobctlError(
    'Validation',
    `error: unable to match a printer suitable for the output format "${output}", allowed formats are: ` +
      `json,name,wide,yaml`,
  );
}

function parseItemsOutput(output: string | undefined): boolean {
  if (output === undefined) return false;
  if (output === 'json') return true;
  throw new JobctlError(
    'Validation',
    `error: unable to match a printer suitable for the output format "${output}", allowed formats are: json`,
  );
}

/**
 * The item bodies of a push, in order. Arguments are items verbatim. A file or stdin holds one item per line: a
 * trailing `\r` (CRLF files) is dropped and lines that are empty or only whitespace are skipped; every other line is
 * kept exactly, leading and trailing spaces included. With `--json-lines`, each item must parse as one JSON value and
 * is pushed as written (not re-serialized), so a worker's `JSON.parse(JOB_ITEM)` sees exactly the line; every bad
 * line is reported as `FILE:LINE` and nothing is pushed.
 */
async function readItems(
  deps: QueueCommandDeps,
  args: readonly string[],
  opts: { file?: string; jsonLines?: boolean },
): Promise<string[]> {
  const isStdinArg = args.length === 1 && args[0] === '-';
  if (opts.file !== undefined && args.length > 0)
    throw new JobctlError('Validation', 'error: pass items as arguments or with --file, not both');
  if (args.length > 1 && args.includes('-'))
    throw new JobctlError(
      'Validation',
      'error: - (stdin) cannot be mixed with item arguments; to push a literal "-", put it in a file',
    );
  let lines: Array<{ where: string; text: string }>;
  if (opts.file !== undefined || isStdinArg) {
    const path = opts.file ?? '-';
    const text = path === '-' ? await deps.readStdin() : await readItemsFile(resolve(deps.cwd, path), path);
    const where = path === '-' ? '<stdin>' : path;
    lines = text
      .split('\n')
      .map((line, i) => ({ where: `${where}:${i + 1}`, text: line.endsWith('\r') ? line.slice(0, -1) : line }))
      .filter((line) => line.text.trim() !== '');
  } else if (args.length > 0) {
    lines = args.map((text, i) => ({ where: `argument ${i + 1}`, text }));
  } else {
    throw new JobctlError(
      'Validation',
      'error: no items: pass them as arguments, with --file FILE (one per line), or - to read stdin',
    );
  }
  if (opts.jsonLines) assertJsonLines(lines);
  assertLaunchable(lines);
  if (lines.length === 0)
    throw new JobctlError(
      'Validation',
      `error: no items to push: ${opts.file === '-' || isStdinArg ? 'stdin' : `"${opts.file}"`} has only empty lines`,
    );
  return lines.map((line) => line.text);
}

async function readItemsFile(absolute: string, shown: string): Promise<string> {
  const info = await stat(absolute).catch(() => undefined);
  if (!info) throw new JobctlError('NotFound', `error: the path "${shown}" does not exist`);
  if (info.isDirectory())
    throw new JobctlError('Validation', `error: "${shown}" is a directory: --file takes a file with one item per line`);
  return readFile(absolute, 'utf8');
}

/**
 * Every item reaches its task in `$JOB_ITEM` (both work-queue patterns), so an item with a NUL byte, or one whose
 * `JOB_ITEM=<item>` is over the kernel's limit for one environment string, could never be handed over: its pods would
 * fail to start until it dead-letters (audit D6). Such items are refused, with where they are, and nothing is pushed.
 */
function assertLaunchable(lines: ReadonlyArray<{ where: string; text: string }>): void {
  const problems: string[] = [];
  for (const line of lines) {
    if (line.text.includes('\0'))
      problems.push(`error: ${line.where}: the item contains a NUL byte, which no process can receive in $JOB_ITEM`);
    else {
      const bytes = Buffer.byteLength(`JOB_ITEM=${line.text}`);
      if (bytes > MAX_ARG_STRING_BYTES)
        problems.push(
          `error: ${line.where}: the item is ${bytes - 'JOB_ITEM='.length} bytes; $JOB_ITEM holds at most ` +
            `${MAX_ARG_STRING_BYTES - 'JOB_ITEM='.length} (the kernel's limit on one environment string)`,
        );
    }
  }
  if (problems.length === 0) return;
  const shown = problems.slice(0, MAX_REPORTED_LINE_ERRORS);
  if (problems.length > shown.length)
    shown.push(`error: … and ${problems.length - shown.length} more items that cannot be handed to a task`);
  throw new JobctlError('Validation', `${shown.join('\n')}\nnothing was pushed`);
}

function assertJsonLines(lines: ReadonlyArray<{ where: string; text: string }>): void {
  const problems: string[] = [];
  for (const line of lines) {
    try {
      JSON.parse(line.text);
    } catch (error) {
      problems.push(
        `error: ${line.where}: invalid JSON ${JSON.stringify(ellipsis(line.text, 40))}: ${(error as Error).message}`,
      );
    }
  }
  if (problems.length === 0) return;
  const shown = problems.slice(0, MAX_REPORTED_LINE_ERRORS);
  if (problems.length > shown.length) shown.push(`error: … and ${problems.length - shown.length} more invalid lines`);
  throw new JobctlError(
    'Validation',
    `${shown.join('\n')}\nnothing was pushed (--json-lines: one JSON value per line)`,
  );
}

/**
 * Pushes `bodies` in one `WorkQueue.push` (the port batches the writes); a push of {@link PUSH_PROGRESS_MIN_ITEMS} or
 * more prints its progress to stderr every 10%. A push that fails part-way says how many items went in: the port
 * appends in order, so they are the first ones.
 */
async function pushItems(io: CliIo, queues: WorkQueue, name: string, bodies: readonly string[]): Promise<void> {
  const total = bodies.length;
  const step = Math.ceil(total / 10);
  let nextReportAt = step;
  let written = 0;
  const onProgress = (count: number): void => {
    written = count;
    if (total < PUSH_PROGRESS_MIN_ITEMS || count >= total || count < nextReportAt) return;
    io.stderr(`pushing to workqueue/${name}: ${count}/${total} (${Math.floor((count * 100) / total)}%)\n`);
    nextReportAt = (Math.floor(count / step) + 1) * step;
  };
  try {
    await queues.push(name, bodies, onProgress);
  } catch (error) {
    if (written === 0 || !(error instanceof Error)) throw error;
    const code = error instanceof JobctlError ? error.code : 'Conflict';
    throw new JobctlError(
      code,
      `error: ${error.message}: the first ${written} of ${total} items were pushed to workqueue/${name}, the rest ` +
        `were not`,
      { cause: error },
    );
  }
  io.stdout(`pushed ${itemCount(total)} to workqueue/${name}\n`);
}

/** `--redrive`: every ID must name a dead letter of the queue, else nothing is moved. */
async function redrive(io: CliIo, c: Connection, name: string, ids: readonly string[]): Promise<void> {
  const wanted = [...new Set(ids)];
  if (wanted.length > 0) {
    const dead = new Set((await c.queues.deadLetters(name, Number.MAX_SAFE_INTEGER)).map((d) => d.id));
    const missing = wanted.filter((id) => !dead.has(id));
    if (missing.length > 0) {
      throw new NotFoundError(
        `Error from server (NotFound): dead letters ${missing.map((id) => `"${id}"`).join(', ')} not found in ` +
          `workqueue/${name}: nothing was moved (jobctl queue dlq ${name} lists them)`,
      );
    }
  }
  const moved = await c.queues.redrive(name, wanted.length === 0 ? undefined : wanted);
  io.stdout(`moved ${moved} dead ${moved === 1 ? 'letter' : 'letters'} back to workqueue/${name}\n`);
  if (moved > 0) await notifyBoundJobs(c, name);
}

/** A Job bound to the queue may now start pods (items arrived) or must see it gone: its controller looks again. */
async function notifyBoundJobs(c: Connection, name: string): Promise<void> {
  const jobs = await unfinishedJobsBoundTo(c.store, [name]);
  if (jobs.length > 0)
    await c.notify(
      jobs.map((job) => ({
        kind: 'Job' as const,
        key: { namespace: job.metadata.namespace, name: job.metadata.name },
      })),
    );
}

function queueNotFound(name: string): NotFoundError {
  return new NotFoundError(`Error from server (NotFound): workqueues "${name}" not found`);
}

function settingsOf(s: QueueSettings): QueueSettings {
  return { maxReceiveCount: s.maxReceiveCount, leaseSeconds: s.leaseSeconds };
}

function parseWhole(text: string, flag: string): number {
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new JobctlError('Validation', `error: invalid ${flag} "${text}": expected a whole number`);
  return Number(text);
}

function parseCount(text: string): number {
  const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIST_COUNT)
    throw new JobctlError(
      'Validation',
      `error: invalid --count "${text}": expected a whole number from 1 to ${MAX_LIST_COUNT}`,
    );
  return n;
}

function itemCount(n: number): string {
  return `${n} ${n === 1 ? 'item' : 'items'}`;
}

/** A body in one table cell: control characters escaped (as JSON), long ones cut. */
function bodyCell(body: QueuedItem['body']): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point (to escape them)
  const text = /[\u0000-\u001f\u007f]/.test(body) ? JSON.stringify(body) : body;
  return ellipsis(text, BODY_COLUMN_MAX_CHARS);
}

function ellipsis(text: string, maxChars: number): string {
  const chars = [...text];
  return chars.length <= maxChars ? text : `${chars.slice(0, maxChars - 1).join('')}…`;
}
