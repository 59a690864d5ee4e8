import { mkdir, open, readFile, rename, rm, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { JobctlError } from '../../errors.ts';
import type { LogSink } from '../../ports/log-sink.ts';
import type { Pod } from '../../spec/types.ts';

/** Bytes read from a log file at a time: what `logs` holds in memory per pod, whatever the log's size. */
export const LOG_CHUNK_BYTES = 64 * 1024;
/** {@link FileLogSink.read} refuses logs larger than this (a string that size is near V8's limit); stream instead. */
export const MAX_READ_WHOLE_BYTES = 256 * 1024 * 1024;

/** One rotated file of a pod's log: it holds the bytes `[start, end)` of the pod's whole output (stream offsets). */
export interface RotatedLogFile {
  /** `<pod>.log.<n>`: 1 is the newest. */
  n: number;
  start: number;
  end: number;
  /**
   * The file's inode: a reader checks it, so an index read just before a rotation renamed the files is noticed
   * (renames keep inodes) rather than trusted.
   */
  ino?: number;
}

/**
 * Where a pod's output is: the rotated files (oldest first) and the live file `<pod>.log`, which holds the bytes from
 * `liveStart` on. Kept in `<pod>.log.index` by {@link LogRotator} (`log-rotation.ts`); a log never rotated has none.
 */
export interface LogLayout {
  liveStart: number;
  rotated: RotatedLogFile[];
}

const EMPTY_LAYOUT: LogLayout = { liveStart: 0, rotated: [] };

/**
 * Per-pod log files under `<dir>/<namespace>/<pod>.log`; the local runtime's stand-in for CloudWatch Logs.
 *
 * A task writes its output straight into `<pod>.log` through a descriptor opened with O_APPEND. {@link LogRotator}
 * caps it as the kubelet caps a container's log: it copies the file to `<pod>.log.1` (older ones move to `.2`, …) and
 * truncates it, and records in `<pod>.log.index` which bytes of the pod's output each file holds. Positions used here
 * are offsets in that whole output ("stream offsets"), so a reader never loses its place across a rotation.
 *
 * Reading never holds a whole log in memory: {@link readRange}, {@link tailStart} and {@link follow} work in
 * {@link LOG_CHUNK_BYTES} chunks (a 600 MB log is read in 64 KiB pieces). {@link read}, the `LogSink` port's whole-log
 * string, is for small logs and refuses one over {@link MAX_READ_WHOLE_BYTES}.
 *
 * @example
 * const logs = new FileLogSink('.jobctl/logs');
 * const from = await logs.tailStart(pod, 10);                    // where the last 10 lines start
 * const end = await logs.readRange(pod, from, (t) => process.stdout.write(t));
 * await logs.follow(pod, (t) => process.stdout.write(t), signal, end);   // and what comes next
 */
export class FileLogSink implements LogSink {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    private readonly dir: string,
    private readonly pollMs = 200,
  ) {}

  /** The directory holding one directory per namespace. */
  get root(): string {
    return this.dir;
  }

  /** The live file: the one a running task appends to. */
  pathFor(namespace: string, podName: string): string {
    return join(this.dir, namespace, `${podName}.log`);
  }

  /** `<pod>.log.<n>`: the n-th newest rotated file. */
  rotatedPathFor(namespace: string, podName: string, n: number): string {
    return `${this.pathFor(namespace, podName)}.${n}`;
  }

  /** `<pod>.log.index`: which bytes of the output each file holds ({@link LogLayout}); absent until a rotation. */
  indexPathFor(namespace: string, podName: string): string {
    return `${this.pathFor(namespace, podName)}.index`;
  }

  async ensureDir(namespace: string): Promise<void> {
    await mkdir(join(this.dir, namespace), { recursive: true, mode: 0o700 });
  }

  /** The pod's {@link LogLayout}; a log never rotated (or no log) is all in the live file. */
  async layout(namespace: string, podName: string): Promise<LogLayout> {
    let text: string;
    try {
      text = await readFile(this.indexPathFor(namespace, podName), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_LAYOUT;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as Partial<LogLayout>;
      const rotated = (parsed.rotated ?? []).filter(
        (f) => Number.isSafeInteger(f.n) && Number.isSafeInteger(f.start) && Number.isSafeInteger(f.end),
      );
      return {
        liveStart: Number.isSafeInteger(parsed.liveStart) ? parsed.liveStart! : 0,
        rotated: rotated.sort((a, b) => a.start - b.start),
      };
    } catch {
      return EMPTY_LAYOUT; // a torn index (a crash while writing it) only costs readers the rotated files' offsets
    }
  }

  /** Replaces the pod's index atomically (a reader sees the old or the new one, never half). Used by the rotator. */
  async writeLayout(namespace: string, podName: string, layout: LogLayout): Promise<void> {
    const path = this.indexPathFor(namespace, podName);
    await writeFile(`${path}.tmp`, `${JSON.stringify(layout)}\n`, { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  }

  /**
   * Runs `fn` while no other {@link exclusive} call for the same pod runs in this process: a rotation and a removal
   * of one pod's files never interleave (a removal racing a rotation would leave a `.log.1` behind).
   */
  async exclusive<T>(namespace: string, podName: string, fn: () => Promise<T>): Promise<T> {
    const key = `${namespace}/${podName}`;
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => {});
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    });
    return run;
  }

  /**
   * The pod's whole output so far, rotated files first (the `LogSink` port). For small logs: it is one string.
   *
   * @throws JobctlError when the log is over {@link MAX_READ_WHOLE_BYTES}: use {@link readRange} to stream it.
   */
  async read(pod: Pod): Promise<string> {
    const { namespace, name } = pod.metadata;
    const layout = await this.layout(namespace, name);
    const first = layout.rotated[0]?.start ?? layout.liveStart;
    const total = layout.liveStart + (await sizeOf(this.pathFor(namespace, name))) - first;
    if (total > MAX_READ_WHOLE_BYTES) {
      throw new JobctlError(
        'Validation',
        `log of pod "${name}": ${total} bytes is too large to read at once; stream it (jobctl logs ${name}) or read ` +
          `its end (--tail)`,
      );
    }
    const parts: string[] = [];
    const reader = new Utf8Chunks((text) => parts.push(text));
    await this.emitSettled(namespace, name, 0, reader);
    reader.end();
    return parts.join('');
  }

  /**
   * Streams the pod's output from stream offset `from` to its current end, rotated files first, in chunks of at most
   * {@link LOG_CHUNK_BYTES}; returns the offset to continue from ({@link follow}'s `from`). Bytes rotated away
   * meanwhile are skipped. A multi-byte character cut by the current end is left for the next read, never split.
   */
  async readRange(pod: Pod, from: number, onChunk: (text: string) => void): Promise<number> {
    const reader = new Utf8Chunks(onChunk);
    const end = await this.emitSettled(pod.metadata.namespace, pod.metadata.name, from, reader);
    return end - reader.pendingBytes;
  }

  /**
   * The stream offset where the pod's last `lines` lines start (kubectl's `--tail`: a last line without a newline
   * counts), found by reading backwards from the end in {@link LOG_CHUNK_BYTES} chunks: never the whole file. With
   * fewer lines than asked, the offset of the oldest byte still kept. `lines < 0` means every line.
   */
  async tailStart(pod: Pod, lines: number): Promise<number> {
    const { namespace, name } = pod.metadata;
    const layout = await this.layout(namespace, name);
    const liveSize = await sizeOf(this.pathFor(namespace, name));
    const segments = [
      { path: this.pathFor(namespace, name), start: layout.liveStart, end: layout.liveStart + liveSize },
      ...[...layout.rotated]
        .reverse()
        .map((f) => ({ path: this.rotatedPathFor(namespace, name, f.n), start: f.start, end: f.end })),
    ];
    const oldest = segments.at(-1)!.start;
    if (lines < 0) return oldest;
    const end = segments[0]!.end;
    if (lines === 0) return end;
    let needed = lines;
    let isLastByte = true;
    for (const segment of segments) {
      const handle = await openIfExists(segment.path);
      if (!handle) continue;
      try {
        const buffer = Buffer.allocUnsafe(LOG_CHUNK_BYTES);
        for (let hi = segment.end - segment.start; hi > 0; ) {
          const lo = Math.max(0, hi - LOG_CHUNK_BYTES);
          const { bytesRead } = await handle.read(buffer, 0, hi - lo, lo);
          for (let i = bytesRead - 1; i >= 0; i--) {
            if (buffer[i] !== 0x0a) {
              isLastByte = false;
              continue;
            }
            // The newline ending the last line does not start a line.
            if (isLastByte) {
              isLastByte = false;
              continue;
            }
            if (--needed === 0) return segment.start + lo + i + 1;
          }
          hi = lo;
        }
      } finally {
        await handle.close();
      }
    }
    return oldest;
  }

  /**
   * Streams the pod's output from stream offset `from` (@default 0, the beginning, as the `LogSink` port says), then
   * polls every `pollMs` for more until `signal` aborts. Follows across rotations: bytes moved to `<pod>.log.1` before
   * they were read are read from there.
   */
  async follow(pod: Pod, onChunk: (text: string) => void, signal: AbortSignal, from = 0): Promise<void> {
    const { namespace, name } = pod.metadata;
    const reader = new Utf8Chunks(onChunk);
    let position = from;
    while (!signal.aborted) {
      position = (await this.emitFrom(namespace, name, position, reader)).position;
      await sleepUnlessAborted(this.pollMs, signal);
    }
  }

  /** Removes every file of the pod's log: the live one, the rotated ones and the index. */
  async remove(pod: Pod): Promise<void> {
    const { namespace, name } = pod.metadata;
    await this.exclusive(namespace, name, async () => {
      await rm(this.pathFor(namespace, name), { force: true });
      // Rotated files are numbered without gaps from 1.
      for (let n = 1; ; n++) {
        try {
          await unlink(this.rotatedPathFor(namespace, name, n));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
          throw error;
        }
      }
      await rm(`${this.rotatedPathFor(namespace, name, 1)}.tmp`, { force: true });
      await rm(this.indexPathFor(namespace, name), { force: true });
      await rm(`${this.indexPathFor(namespace, name)}.tmp`, { force: true });
    });
  }

  /**
   * Emits the output from stream offset `from` to the current end and returns the end. `settled` is false when a
   * rotation was caught half done (the live file truncated, the index not yet rewritten): what was emitted is right,
   * and the rest is for a next call.
   */
  private async emitFrom(
    namespace: string,
    podName: string,
    from: number,
    reader: Utf8Chunks,
  ): Promise<{ position: number; settled: boolean }> {
    const layout = await this.layout(namespace, podName);
    let position = from;
    for (const file of layout.rotated) {
      if (file.end <= position) continue;
      const offset = Math.max(position, file.start) - file.start;
      await readRange(await this.openRotated(namespace, podName, file), offset, file.end - file.start, reader);
      position = file.end;
    }
    const live = this.pathFor(namespace, podName);
    const size = await sizeOf(live);
    const offset = Math.max(position - layout.liveStart, 0);
    if (size < offset) return { position, settled: false };
    // A truncation during the read (a rotation) ends it early: the position is what was read, the rest is in `.1`.
    const read = size > offset ? await readRange(await openIfExists(live), offset, size, reader) : 0;
    return { position: layout.liveStart + offset + read, settled: true };
  }

  /**
   * Opens a rotated file the index lists. A rotation renames `.n` to `.n+1` before it rewrites the index, so a file
   * not at its listed place (or another file there: its inode differs) is looked for a few places further; one found
   * nowhere was deleted (the oldest, beyond the cap) and reads as empty.
   */
  private async openRotated(namespace: string, podName: string, file: RotatedLogFile): Promise<FileHandle | undefined> {
    for (let n = file.n; n <= file.n + (file.ino === undefined ? 0 : 3); n++) {
      const handle = await openIfExists(this.rotatedPathFor(namespace, podName, n));
      if (!handle) continue;
      if (file.ino === undefined || (await handle.stat()).ino === file.ino) return handle;
      await handle.close();
    }
    return undefined;
  }

  /** {@link emitFrom} until it reads a settled layout (a rotation takes milliseconds), for one-shot reads. */
  private async emitSettled(namespace: string, podName: string, from: number, reader: Utf8Chunks): Promise<number> {
    let position = from;
    for (let attempt = 0; ; attempt++) {
      const result = await this.emitFrom(namespace, podName, position, reader);
      position = result.position;
      if (result.settled || attempt >= 100) return position;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Decodes UTF-8 chunk by chunk, holding back a character cut at a chunk's end until its remaining bytes arrive. */
class Utf8Chunks {
  private carry: Buffer = Buffer.alloc(0);

  constructor(private readonly onText: (text: string) => void) {}

  /** Bytes received but not yet emitted (the start of a cut character). */
  get pendingBytes(): number {
    return this.carry.length;
  }

  push(bytes: Buffer): void {
    const all = this.carry.length === 0 ? bytes : Buffer.concat([this.carry, bytes]);
    const cut = incompleteUtf8Tail(all);
    this.carry = Buffer.from(all.subarray(all.length - cut));
    const text = all.subarray(0, all.length - cut).toString('utf8');
    if (text !== '') this.onText(text);
  }

  /** The stream ended: bytes of a cut character are emitted as they are (as replacement characters). */
  end(): void {
    if (this.carry.length > 0) this.onText(this.carry.toString('utf8'));
    this.carry = Buffer.alloc(0);
  }
}

/** How many bytes at the end of `bytes` begin a UTF-8 character that is not complete yet (0 to 3). */
export function incompleteUtf8Tail(bytes: Uint8Array): number {
  for (let i = 1; i <= Math.min(3, bytes.length); i++) {
    const b = bytes[bytes.length - i]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead byte
    if (b < 0xc0) return 0; // ASCII
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return length > i ? i : 0;
  }
  return 0;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Feeds bytes `[start, end)` of the open file (fewer if it is shorter; none without a file) to `reader`, then closes
 * it; returns how many it fed.
 */
async function readRange(
  handle: FileHandle | undefined,
  start: number,
  end: number,
  reader: Utf8Chunks,
): Promise<number> {
  if (!handle) return 0;
  let position = start;
  try {
    while (position < end) {
      const buffer = Buffer.allocUnsafe(Math.min(LOG_CHUNK_BYTES, end - position));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      reader.push(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    return position - start;
  } finally {
    await handle.close();
  }
}

/** Waits `ms`, or less when `signal` aborts; leaves no listener behind. */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
