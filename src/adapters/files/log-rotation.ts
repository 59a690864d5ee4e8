import type { Dirent } from 'node:fs';
import { open, readdir, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { JobctlError } from '../../errors.ts';
import type { FileLogSink, RotatedLogFile } from './file-log-sink.ts';

/** The kubelet's `containerLogMaxSize` default (10Mi): a pod's live log file is rotated once it reaches this. */
export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024;
/** The kubelet's `containerLogMaxFiles` default: a pod keeps at most this many log files, the live one included. */
export const DEFAULT_LOG_MAX_FILES = 5;
/** How often {@link LogRotator.start} looks at the log files (the kubelet's `containerLogMonitorInterval` is 10 s). */
export const DEFAULT_LOG_CHECK_INTERVAL_MS = 5_000;

/** Bytes copied at a time during a rotation. */
const COPY_CHUNK_BYTES = 1024 * 1024;

export interface LogRotatorOptions {
  /** A live log file at or over this size is rotated. @default {@link DEFAULT_LOG_MAX_BYTES} (10 MiB) */
  maxBytes?: number;
  /** Files kept per pod, the live one included (so `maxFiles - 1` rotated ones); at least 2. @default 5 */
  maxFiles?: number;
  /** Period of {@link LogRotator.start}, in real milliseconds. @default {@link DEFAULT_LOG_CHECK_INTERVAL_MS} */
  intervalMs?: number;
  /** Where a failed check is reported (one line); it is retried at the next interval. @default none */
  log?: (line: string) => void;
}

/** One rotation done by {@link LogRotator.check}. */
export interface LogRotation {
  namespace: string;
  podName: string;
  /** Bytes the live file held when it was rotated. */
  bytes: number;
  /** Bytes not kept because the file had grown past twice `maxBytes` between two checks (the oldest of them). */
  droppedBytes: number;
}

/**
 * Caps the per-pod log files of {@link FileLogSink} as the kubelet caps container logs (`containerLogMaxSize`,
 * `containerLogMaxFiles`): a live file `<pod>.log` at or over `maxBytes` is copied to `<pod>.log.1` (`.1` → `.2`, …;
 * the oldest beyond `maxFiles - 1` is deleted) and truncated to zero, so a pod's log takes about `maxFiles × maxBytes`
 * (50 MiB by default).
 *
 * Copy-and-truncate (logrotate's `copytruncate`), because the task writes through a descriptor it inherited, opened
 * with O_APPEND: after the truncation its next write lands at the new end (offset 0), no reopen needed. The price is
 * logrotate's: bytes written between the end of the copy and the truncation (microseconds) are lost. A file found
 * over twice `maxBytes` (a task writing faster than the checks: `yes` writes a gigabyte a second) keeps only its newest
 * `maxBytes` in `<pod>.log.1`, from a line start when one is near, so no rotated file exceeds twice the cap and a
 * pod's logs take at most about `(2 × (maxFiles - 1) + 1) × maxBytes` plus what is written between two checks.
 *
 * `<pod>.log.index` records which bytes of the pod's output each file holds, for readers ({@link FileLogSink}).
 * Defaults are the kubelet's; {@link logRotationFromEnv} reads `JOBCTL_LOG_MAX_SIZE` and `JOBCTL_LOG_MAX_FILES`.
 *
 * @example
 * const rotator = new LogRotator(logs, { maxBytes: 10 * 1024 * 1024, maxFiles: 5 });
 * rotator.start();          // check() every 5 s
 * …
 * await rotator.stop();
 */
export class LogRotator {
  readonly maxBytes: number;
  readonly maxFiles: number;
  readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<LogRotation[]>;

  constructor(
    private readonly sink: FileLogSink,
    private readonly options: LogRotatorOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
    this.maxFiles = options.maxFiles ?? DEFAULT_LOG_MAX_FILES;
    this.intervalMs = options.intervalMs ?? DEFAULT_LOG_CHECK_INTERVAL_MS;
    if (!Number.isSafeInteger(this.maxBytes) || this.maxBytes < 1)
      throw new JobctlError(
        'Validation',
        `log rotation: maxBytes ${this.maxBytes}: must be a whole number of bytes from 1`,
      );
    if (!Number.isSafeInteger(this.maxFiles) || this.maxFiles < 2)
      throw new JobctlError(
        'Validation',
        `log rotation: maxFiles ${this.maxFiles}: must be a whole number from 2 (the live file and at least one ` +
          `rotated file), as the kubelet's containerLogMaxFiles`,
      );
  }

  /** Runs {@link check} every `intervalMs` of real time (log bytes are real, whatever clock the runtime runs on). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.check().catch((error: unknown) =>
        this.options.log?.(`log rotation failed: ${(error as Error).message}`),
      );
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the periodic checks and waits for one in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => {});
  }

  /**
   * Rotates every pod's live log file that is at or over `maxBytes` (every namespace directory is looked at: running
   * tasks' logs, and a finished task's that grew past the cap before the last check). One check at a time: a call
   * while one runs waits for it and returns its result.
   */
  check(): Promise<LogRotation[]> {
    this.running ??= this.checkAll().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Rotates one pod's live log if it is at or over `maxBytes`; undefined when it was not. */
  async rotate(namespace: string, podName: string): Promise<LogRotation | undefined> {
    return this.sink.exclusive(namespace, podName, () => this.rotateNow(namespace, podName));
  }

  private async checkAll(): Promise<LogRotation[]> {
    const done: LogRotation[] = [];
    for (const namespace of await directories(this.sink.root)) {
      let entries: Dirent[];
      try {
        entries = await readdir(join(this.sink.root, namespace), { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      for (const entry of entries) {
        if (!entry.isFile() || !entry.name.endsWith('.log')) continue;
        const podName = entry.name.slice(0, -'.log'.length);
        const size = await stat(join(this.sink.root, namespace, entry.name)).then(
          (s) => s.size,
          () => 0,
        );
        if (size < this.maxBytes) continue;
        const rotation = await this.rotate(namespace, podName);
        if (rotation) done.push(rotation);
      }
    }
    return done;
  }

  private async rotateNow(namespace: string, podName: string): Promise<LogRotation | undefined> {
    const live = this.sink.pathFor(namespace, podName);
    let size: number;
    try {
      size = (await stat(live)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed meanwhile
      throw error;
    }
    if (size < this.maxBytes) return undefined;
    const layout = await this.sink.layout(namespace, podName);

    // Make room: .(maxFiles-1) goes, .k becomes .k+1.
    const keep = this.maxFiles - 1;
    const shifted: RotatedLogFile[] = [];
    for (const file of [...layout.rotated].sort((a, b) => b.n - a.n)) {
      if (file.n >= keep) {
        await rm(this.sink.rotatedPathFor(namespace, podName, file.n), { force: true });
        continue;
      }
      await rename(
        this.sink.rotatedPathFor(namespace, podName, file.n),
        this.sink.rotatedPathFor(namespace, podName, file.n + 1),
      ).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      shifted.push({ ...file, n: file.n + 1 });
    }

    // Copy the file (only its newest maxBytes, from a line start when one is near, if it grew past twice the cap) up to
    // the end as it is when the copy ends, then truncate at once: the task's O_APPEND writes continue at offset 0.
    const first = this.sink.rotatedPathFor(namespace, podName, 1);
    const from = size > 2 * this.maxBytes ? await lineStartNear(live, size - this.maxBytes) : 0;
    let copied: number;
    try {
      copied = await copyFrom(live, `${first}.tmp`, from);
    } catch (error) {
      await rm(`${first}.tmp`, { force: true }); // a half copy (a full disk) must not take space of its own
      throw error;
    }
    await truncate(live, 0);
    await rename(`${first}.tmp`, first);
    const { ino } = await stat(first);
    const end = layout.liveStart + from + copied;
    await this.sink.writeLayout(namespace, podName, {
      liveStart: end,
      rotated: [...shifted, { n: 1, start: layout.liveStart + from, end, ino }].sort((a, b) => a.start - b.start),
    });
    return { namespace, podName, bytes: from + copied, droppedBytes: from };
  }
}

/**
 * `JOBCTL_LOG_MAX_SIZE` (a size as the kubelet writes it: `10Mi`, `500Ki`, `1Gi`, `10M`, or bytes) and
 * `JOBCTL_LOG_MAX_FILES` (a whole number from 2) as {@link LogRotatorOptions}; unset ones are left to the defaults.
 *
 * @throws JobctlError naming the variable when a value cannot be read.
 * @example logRotationFromEnv({ JOBCTL_LOG_MAX_SIZE: '50Mi' }) // { maxBytes: 52428800 }
 */
export function logRotationFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<LogRotatorOptions, 'maxBytes' | 'maxFiles'> {
  const options: Pick<LogRotatorOptions, 'maxBytes' | 'maxFiles'> = {};
  const size = env['JOBCTL_LOG_MAX_SIZE'];
  if (size !== undefined && size !== '') {
    const bytes = parseByteQuantity(size);
    if (bytes === undefined || bytes < 1)
      throw new JobctlError('Validation', `JOBCTL_LOG_MAX_SIZE "${size}": expected a size such as 10Mi, 500Ki or 1Gi`);
    options.maxBytes = bytes;
  }
  const files = env['JOBCTL_LOG_MAX_FILES'];
  if (files !== undefined && files !== '') {
    if (!/^[0-9]+$/.test(files) || Number(files) < 2)
      throw new JobctlError('Validation', `JOBCTL_LOG_MAX_FILES "${files}": expected a whole number from 2`);
    options.maxFiles = Number(files);
  }
  return options;
}

const QUANTITY_UNITS: Record<string, number> = {
  '': 1,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
};

/** A Kubernetes-style byte quantity (`10Mi`, `500Ki`, `2G`, `1048576`), or undefined. */
export function parseByteQuantity(text: string): number | undefined {
  const match = /^([0-9]+)(Ki|Mi|Gi|K|M|G)?$/.exec(text.trim());
  if (!match) return undefined;
  const bytes = Number(match[1]) * QUANTITY_UNITS[match[2] ?? '']!;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

async function directories(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The offset just after the first newline in the 64 KiB from `offset`, or `offset` itself when there is none. */
async function lineStartNear(path: string, offset: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
    return newline < 0 ? offset : offset + newline + 1;
  } finally {
    await handle.close();
  }
}

/**
 * Copies `source` from `offset` to its end (as it is when the copy reaches it) into a new `target`; returns the bytes
 * copied.
 */
async function copyFrom(source: string, target: string, offset: number): Promise<number> {
  const input = await open(source, 'r');
  const output = await open(target, 'w', 0o600);
  try {
    const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    let copied = 0;
    for (;;) {
      const { bytesRead } = await input.read(buffer, 0, buffer.length, offset + copied);
      if (bytesRead === 0) return copied;
      await output.write(buffer, 0, bytesRead);
      copied += bytesRead;
    }
  } finally {
    await input.close();
    await output.close();
  }
}
