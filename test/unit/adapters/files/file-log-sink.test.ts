import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tailLines } from '../../../../src/cli/pod-logs.ts';
import { FileLogSink, incompleteUtf8Tail, LOG_CHUNK_BYTES } from '../../../../src/adapters/files/file-log-sink.ts';
import {
  DEFAULT_LOG_MAX_BYTES,
  DEFAULT_LOG_MAX_FILES,
  LogRotator,
  logRotationFromEnv,
  parseByteQuantity,
} from '../../../../src/adapters/files/log-rotation.ts';
import type { Pod } from '../../../../src/spec/types.ts';
import { aBatchJob, aJobPod } from '../../../support/builders.ts';

const podNamed = (name: string): Pod => {
  const pod = aJobPod(aBatchJob({ name: 'logs' }));
  pod.metadata.name = name;
  return pod;
};

/** Every line numbered, so a test sees at once what was lost, repeated or reordered. */
const numberedLines = (from: number, to: number, width = 0) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}${'.'.repeat(width)}\n`).join('');

describe('FileLogSink: reading big logs by position', () => {
  let dir: string;
  let sink: FileLogSink;
  const pod = podNamed('big-x7k2q');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jobctl-logsink-'));
    sink = new FileLogSink(join(dir, 'logs'), 5);
    await sink.ensureDir('default');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const collect = async (from: number) => {
    let text = '';
    const end = await sink.readRange(pod, from, (t) => (text += t));
    return { text, end };
  };

  it(
    'finds the start of the last N lines reading backwards, as kubectl --tail counts them, across chunk ' +
      'boundaries',
    async () => {
      // Lines of irregular lengths, some longer than a chunk, with and without a final newline.
      const lengths = [3, 0, 70_000, 12, 1, 140_000, 5, 0, 0, 9];
      const body = lengths.map((n, i) => `${String(i).padStart(2, '0')}${'x'.repeat(n)}\n`).join('');
      for (const text of [body, `${body}partial last line`, '\n\n\n', 'no newline at all', '']) {
        await writeFile(sink.pathFor('default', pod.metadata.name), text);
        for (const n of [0, 1, 2, 3, 7, 10, 11, 50]) {
          const { text: tail } = await collect(await sink.tailStart(pod, n));
          expect(tail, `n=${n} of ${JSON.stringify(text.slice(-30))}`).toBe(tailLines(text, n));
        }
        expect((await collect(await sink.tailStart(pod, -1))).text).toBe(text);
      }
    },
  );

  it('reads the last lines of a 600 MB log from its end, and streams the whole log in chunks (audit D10)', async () => {
    const path = sink.pathFor('default', pod.metadata.name);
    const block = Buffer.from(`${numberedLines(1, 100_000).slice(0, 1024 * 1024 - 1)}\n`);
    const fd = openSync(path, 'w');
    for (let i = 0; i < 600; i++) writeSync(fd, block);
    closeSync(fd);
    await appendFile(path, 'second to last\nlast\n');
    expect((await stat(path)).size).toBeGreaterThan(600 * 1024 * 1024);

    const started = performance.now();
    const { text } = await collect(await sink.tailStart(pod, 2));
    expect(text).toBe('second to last\nlast\n');
    expect(performance.now() - started).toBeLessThan(500); // one chunk, not 600 MB

    // `read` used to build the whole log as one string: over V8's limit, "Invalid string length".
    let chars = 0;
    let largest = 0;
    const end = await sink.readRange(pod, 0, (t) => {
      chars += t.length;
      largest = Math.max(largest, t.length);
    });
    expect(chars).toBe((await stat(path)).size);
    expect(end).toBe(chars);
    expect(largest).toBeLessThanOrEqual(LOG_CHUNK_BYTES);
    await expect(sink.read(pod)).rejects.toThrow(/too large to read at once; stream it/);
  }, 60_000);

  it('never splits a multi-byte character between chunks, and resumes from the position it returned', async () => {
    const path = sink.pathFor('default', pod.metadata.name);
    // 'é' is two bytes: one falls at the end of the first chunk.
    const text = `${'a'.repeat(LOG_CHUNK_BYTES - 1)}é€🙂\n`;
    await writeFile(path, Buffer.from(text).subarray(0, LOG_CHUNK_BYTES + 2)); // ends inside '€'
    const first = await collect(0);
    expect(first.text).toBe(`${'a'.repeat(LOG_CHUNK_BYTES - 1)}é`);
    await writeFile(path, text);
    const rest = await collect(first.end);
    expect(first.text + rest.text).toBe(text);
    expect(incompleteUtf8Tail(Buffer.from('🙂').subarray(0, 3))).toBe(3);
    expect(incompleteUtf8Tail(Buffer.from('ab'))).toBe(0);
  });
});

describe('LogRotator: kubelet-style caps on per-pod logs (audit D10)', () => {
  let dir: string;
  let sink: FileLogSink;
  const pod = podNamed('rot-x7k2q');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jobctl-rotate-'));
    sink = new FileLogSink(join(dir, 'logs'), 5);
    await sink.ensureDir('default');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const files = async () => (await readdir(join(dir, 'logs', 'default'))).sort();

  it("has the kubelet's defaults: 10 MiB and 5 files, settable through the environment", () => {
    const rotator = new LogRotator(sink);
    expect([rotator.maxBytes, rotator.maxFiles]).toEqual([DEFAULT_LOG_MAX_BYTES, DEFAULT_LOG_MAX_FILES]);
    expect([DEFAULT_LOG_MAX_BYTES, DEFAULT_LOG_MAX_FILES]).toEqual([10 * 1024 * 1024, 5]);
    expect(logRotationFromEnv({ JOBCTL_LOG_MAX_SIZE: '50Mi', JOBCTL_LOG_MAX_FILES: '3' })).toEqual({
      maxBytes: 50 * 1024 * 1024,
      maxFiles: 3,
    });
    expect(logRotationFromEnv({})).toEqual({});
    expect(parseByteQuantity('500Ki')).toBe(512_000);
    expect(() => logRotationFromEnv({ JOBCTL_LOG_MAX_SIZE: '10 MB' })).toThrow(/JOBCTL_LOG_MAX_SIZE "10 MB"/);
    expect(() => new LogRotator(sink, { maxFiles: 1 })).toThrow(/from 2/);
  });

  it(
    "rotates a running task's O_APPEND log by copy-and-truncate: the task writes on at the new end, nothing beyond " +
      'the cap is kept',
    async () => {
      const path = sink.pathFor('default', pod.metadata.name);
      const rotator = new LogRotator(sink, { maxBytes: 4_000, maxFiles: 3 });
      // As ProcessTaskLauncher does: the task's stdout is a descriptor opened with O_APPEND ('a').
      const fd = openSync(path, 'a');
      const child = spawn(
        'sh',
        [
          '-c',
          'i=1; while [ $i -le 20000 ]; do echo "line $i"; [ $((i % 400)) -eq 0 ] && sleep 0.01; i=$((i+1)); done',
        ],
        { stdio: ['ignore', fd, fd] },
      );
      closeSync(fd);
      const exited = new Promise((resolve) => child.on('exit', resolve));
      let rotations = 0;
      let running = true;
      void exited.then(() => (running = false));
      while (running) rotations += (await rotator.check()).length;
      rotations += (await rotator.check()).length;
      expect(rotations).toBeGreaterThan(3);

      const live = await readFile(path);
      // Without O_APPEND the task would write on at its old offset, leaving a hole of NUL bytes.
      expect(live.includes(0)).toBe(false);
      expect(live.length).toBeLessThan(4_000);
      expect(await files()).toEqual(['rot-x7k2q.log', 'rot-x7k2q.log.1', 'rot-x7k2q.log.2', 'rot-x7k2q.log.index']);
      for (const n of [1, 2])
        expect((await stat(sink.rotatedPathFor('default', pod.metadata.name, n))).size).toBeLessThanOrEqual(
          2 * 4_000 + 1_000,
        );

      // The kept output reads in order, oldest file first, and ends with the task's last line.
      const kept = (await sink.read(pod))
        .split('\n')
        .filter(Boolean)
        .map((l) => Number(l.split(' ')[1]));
      expect(kept.at(-1)).toBe(20000);
      expect(kept.every((n, i) => i === 0 || n > kept[i - 1]!)).toBe(true);
    },
  );

  it('reads rotated files first, keeps maxFiles - 1 of them, and removes them all with the pod', async () => {
    const path = sink.pathFor('default', pod.metadata.name);
    const rotator = new LogRotator(sink, { maxBytes: 40, maxFiles: 3 });
    let written = '';
    for (let round = 0; round < 5; round++) {
      const chunk = numberedLines(round * 10 + 1, round * 10 + 10);
      await appendFile(path, chunk);
      written += chunk;
      expect(await rotator.rotate('default', pod.metadata.name)).toMatchObject({
        bytes: chunk.length,
        droppedBytes: 0,
      });
    }
    await appendFile(path, 'tail\n');
    written += 'tail\n';
    expect(await files()).toEqual(['rot-x7k2q.log', 'rot-x7k2q.log.1', 'rot-x7k2q.log.2', 'rot-x7k2q.log.index']);
    // Two rotated files of rounds 4 and 5, then the live file.
    const lastTwoRounds = `${numberedLines(31, 50)}tail\n`;
    expect(await sink.read(pod)).toBe(lastTwoRounds);
    expect(written.endsWith(lastTwoRounds)).toBe(true);
    // --tail reaches back into the rotated files.
    let tail = '';
    await sink.readRange(pod, await sink.tailStart(pod, 3), (t) => (tail += t));
    expect(tail).toBe('line 49\nline 50\ntail\n');

    await sink.remove(pod);
    expect(await files()).toEqual([]);
  });

  it(
    'keeps only the newest maxBytes of a log that outgrew twice the cap between two checks, from a line ' + 'start',
    async () => {
      const path = sink.pathFor('default', pod.metadata.name);
      const text = numberedLines(1, 5_000);
      await writeFile(path, text);
      const rotation = await new LogRotator(sink, { maxBytes: 1_000, maxFiles: 2 }).rotate(
        'default',
        pod.metadata.name,
      );
      const kept = await readFile(sink.rotatedPathFor('default', pod.metadata.name, 1), 'utf8');
      expect(kept.length).toBeLessThanOrEqual(1_000);
      expect(kept.startsWith('line ')).toBe(true);
      expect(text.endsWith(kept)).toBe(true);
      expect(rotation).toEqual({
        namespace: 'default',
        podName: pod.metadata.name,
        bytes: text.length,
        droppedBytes: text.length - kept.length,
      });
      expect(await sink.read(pod)).toBe(kept);
    },
  );

  it('follows a log across rotations without losing or repeating a byte', async () => {
    const path = sink.pathFor('default', pod.metadata.name);
    const rotator = new LogRotator(sink, { maxBytes: 300, maxFiles: 3 });
    let seen = '';
    const controller = new AbortController();
    const following = sink.follow(pod, (t) => (seen += t), controller.signal);
    let written = '';
    for (let i = 1; i <= 60; i++) {
      const line = `line ${i}\n`;
      await appendFile(path, line);
      written += line;
      if (i % 7 === 0) await rotator.check();
      // Half of the rotations happen before the follower has read the lines they move.
      if (i % 2 === 0) await new Promise((r) => setTimeout(r, 8));
    }
    for (let i = 0; i < 100 && seen.length < written.length; i++) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await following;
    expect(seen).toBe(written);
  });
});
