import type { EventEmitter } from 'node:events';
import { statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { JobctlError } from '../../errors.ts';

/**
 * The local DynamoDB (dynalite on LevelDB) stopped or cannot open, in one line for the operator: what happened, to
 * which state directory, and what to do. A full disk says so, with the space left.
 */
export class DatabaseFailure extends JobctlError {
  /** The cause was a full file system (ENOSPC, or a disk quota). */
  readonly diskFull: boolean;
  constructor(message: string, diskFull: boolean, options?: ErrorOptions) {
    super('Conflict', message, options);
    this.name = 'DatabaseFailure';
    this.diskFull = diskFull;
  }
}

/** What {@link watchDatabaseWorker} returns. */
export interface DatabaseWatch {
  /** Resolves once, when the worker died without being asked to close; never resolves otherwise. */
  readonly failed: Promise<DatabaseFailure>;
  /** Call before asking the worker to close: its exit is then no failure. */
  expectExit(): void;
}

/**
 * Watches the worker thread that serves dynalite, after it is ready. dynalite answers a storage error it does not
 * expect with `if (err) throw err` (`node_modules/dynalite/index.js`): on a full disk LevelDB's write fails
 * (`IO error: …/000010.log: No space left on device`, code `LEVEL_IO_ERROR`), the throw kills the worker, and every
 * request after it is refused (ECONNREFUSED) — a silent wedge unless someone listens (audit D3b). The worker's
 * uncaught error reaches this thread as its `'error'` event (message and `code` kept), then `'exit'`.
 *
 * `failed` resolves with a {@link DatabaseFailure} naming the state directory and the cause (and the free space left
 * when the disk is full) once the worker has exited without {@link DatabaseWatch.expectExit} having been called.
 *
 * @example
 * const watch = watchDatabaseWorker(worker, { dbPath: '/home/me/project/.jobctl/db' });
 * void watch.failed.then((failure) => runtime.fail(failure));
 * …
 * watch.expectExit(); worker.postMessage('close');
 */
export function watchDatabaseWorker(worker: EventEmitter, options: { dbPath?: string }): DatabaseWatch {
  let expected = false;
  let lastError: unknown;
  const onError = (error: unknown) => (lastError = error);
  worker.on('error', onError);
  const failed = new Promise<DatabaseFailure>((resolve) => {
    worker.once('exit', (code: number) => {
      worker.off('error', onError);
      if (expected) return;
      const cause = lastError ?? new Error(`the DynamoDB worker thread exited with code ${code}`);
      void describeDatabaseFailure(cause, { dbPath: options.dbPath, when: 'stopped' }).then(resolve);
    });
  });
  return {
    failed,
    expectExit: () => {
      expected = true;
    },
  };
}

/**
 * The one-line {@link DatabaseFailure} for `error`, a storage error of dynalite's LevelDB: `'stopped'` when the
 * running database died (the runtime then stops), `'open'` when it could not be opened (`jobctl up`, or a CLI command
 * with no runtime). Looks through `error.cause` (classic-level's "Database failed to open" carries the IO error there).
 *
 * @example
 * await describeDatabaseFailure(error, { dbPath: '.jobctl/db', when: 'open' })
 * // cannot open the state in .jobctl/db: no space left on the device (0 B free on the file system of .jobctl); …
 */
export async function describeDatabaseFailure(
  error: unknown,
  options: { dbPath?: string; when: 'stopped' | 'open' },
): Promise<DatabaseFailure> {
  const { dbPath, when } = options;
  const detail = innermostMessage(error);
  const stateDir = dbPath === undefined ? undefined : dirname(dbPath);
  if (isDiskFull(error)) {
    const free = stateDir === undefined ? undefined : await freeBytesAt(stateDir);
    const space =
      `no space left on the ` +
      `device${free === undefined ? '' : ` (${formatBytes(free)} free on the file system of ${stateDir})`}`;
    const fix = `free some space${stateDir === undefined ? '' : ` (task logs are in ${join(stateDir, 'logs')})`}`;
    const message =
      when === 'stopped'
        ? `the state database${dbPath === undefined ? '' : ` in ${dbPath}`} stopped: ${space}; jobctl up has ` +
          `stopped. ${capitalize(fix)}, then run jobctl up again [${detail}]`
        : `cannot open the state${dbPath === undefined ? '' : ` in ${dbPath}`}: ${space}; ${fix} and try again ` +
          `[${detail}]`;
    return new DatabaseFailure(message, true, { cause: error });
  }
  const message =
    when === 'stopped'
      ? `the state database${dbPath === undefined ? '' : ` in ${dbPath}`} stopped: ${detail}; jobctl up has stopped. ` +
        `Run jobctl up again`
      : `cannot open the state${dbPath === undefined ? '' : ` in ${dbPath}`}: ${detail}`;
  return new DatabaseFailure(message, false, { cause: error });
}

/**
 * The one-line {@link DatabaseFailure} for a full disk met outside the database by the runtime's own writes (a task
 * record, a log directory, `runtime.json`): the runtime stops on it as on a database failure.
 *
 * @example await diskFullFailure(error, '/home/me/project/.jobctl')
 * // no space left on the device holding /home/me/project/.jobctl (0 B free); jobctl up has stopped. Free some space …
 */
export async function diskFullFailure(error: unknown, stateDir: string): Promise<DatabaseFailure> {
  const free = await freeBytesAt(stateDir);
  return new DatabaseFailure(
    `no space left on the device holding ${stateDir}${free === undefined ? '' : ` (${formatBytes(free)} free)`}; ` +
      `jobctl up has stopped. Free some space (task logs are in ${join(stateDir, 'logs')}), then run jobctl up again ` +
      `[${innermostMessage(error)}]`,
    true,
    { cause: error },
  );
}

/**
 * Whether `error` (or one of its causes) is a full file system: Node's `ENOSPC`/`EDQUOT`, or LevelDB's IO error text
 * ("No space left on device", "Disk quota exceeded"), which is all a worker thread's error keeps of it.
 */
export function isDiskFull(error: unknown): boolean {
  for (
    let e = error, depth = 0;
    e !== undefined && e !== null && depth < 8;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
    if (typeof message === 'string' && /No space left on device|Disk quota exceeded|ENOSPC/i.test(message)) return true;
  }
  return false;
}

/** Bytes an unprivileged process may still write on the file system holding `path`; undefined when unknown. */
export async function freeBytesAt(path: string): Promise<number | undefined> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const s = await statfs(p);
      return s.bavail * s.bsize;
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}

/** The deepest message of an error and its causes: the storage layer's own words. */
function innermostMessage(error: unknown): string {
  let message = String((error as { message?: unknown })?.message ?? error);
  for (
    let e = (error as { cause?: unknown })?.cause, depth = 0;
    e !== undefined && e !== null && depth < 8;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const m = (e as { message?: unknown }).message;
    if (typeof m === 'string' && m !== '') message = m;
  }
  return message;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
