import { closeSync, openSync, writeSync } from 'node:fs';
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPositionedLogSink, printPodLogs, type LogsConnection } from '../../../src/cli/pod-logs.ts';
import type { CliIo } from '../../../src/cli/io.ts';
import { FileLogSink } from '../../../src/adapters/files/file-log-sink.ts';
import type { LogSink } from '../../../src/ports/log-sink.ts';
import type { Pod, PodPhase } from '../../../src/spec/types.ts';
import { aBatchJob, aJobPod } from '../../support/builders.ts';
import { FakeLogSink } from '../../support/fakes/fake-log-sink.ts';

const BIG_BYTES = 600 * 1024 * 1024;

/** Counts what `logs` prints and keeps only its last characters, as a terminal would scroll. */
function countingIo(): CliIo & { chars: number; last: string; writes: number } {
  const io = {
    chars: 0,
    last: '',
    writes: 0,
    stdout(text: string) {
      io.chars += text.length;
      io.writes++;
      io.last = (io.last + text).slice(-200);
    },
    stderr() {},
    now: () => 0,
    setExitCode() {},
  };
  return io;
}

/** A connection whose pod is in `phase.current` (what `-f` polls to know when to stop). */
function connection(logs: LogSink, phase: { current: PodPhase }): LogsConnection {
  return {
    logs,
    logsSettleMs: 20,
    store: {
      getPod: async (_job: unknown, name: string) => ({ ...podNamed(name), status: { phase: phase.current } }),
    } as unknown as LogsConnection['store'],
  };
}

const podNamed = (name: string): Pod => {
  const pod = aJobPod(aBatchJob({ name: 'big' }));
  pod.metadata.name = name;
  return pod;
};

const shortSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, Math.min(ms, 30));
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

describe('jobctl logs of a 600 MB local log (audit D10)', () => {
  let dir: string;
  let sink: FileLogSink;
  const pod = podNamed('big-x7k2q');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jobctl-podlogs-'));
    sink = new FileLogSink(join(dir, 'logs'), 10);
    await sink.ensureDir('default');
    const line = Buffer.from('0123456789\n');
    const block = Buffer.concat(
      Array.from({ length: (1024 * 1024) / 16 }, () => Buffer.concat([line, Buffer.from('abcd\n')])),
    );
    const fd = openSync(sink.pathFor('default', pod.metadata.name), 'w');
    for (let written = 0; written < BIG_BYTES; written += block.length) writeSync(fd, block);
    writeSync(fd, 'the end\n');
    closeSync(fd);
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints the whole log in chunks, its memory independent of the log size (it failed: Invalid string ' +
    'length)', async () => {
    expect(isPositionedLogSink(sink)).toBe(true);
    const io = countingIo();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      await printPodLogs(connection(sink, { current: 'Succeeded' }), [pod], {}, { io });
    } finally {
      clearInterval(sampler);
    }
    expect(io.chars).toBe(BIG_BYTES + 'the end\n'.length);
    expect(io.last.endsWith('abcd\nthe end\n')).toBe(true);
    expect(peak - before).toBeLessThan(150 * 1024 * 1024);
  }, 60_000);

  it('--tail 5 reads only the end', async () => {
    const io = countingIo();
    const started = performance.now();
    await printPodLogs(connection(sink, { current: 'Succeeded' }), [pod], { tailLines: 5 }, { io });
    expect(io.last).toBe('0123456789\nabcd\n0123456789\nabcd\nthe end\n');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('-f --tail 2 prints the last lines, then what the task writes next, until the pod has ended', async () => {
    const phase = { current: 'Running' as PodPhase };
    const io = countingIo();
    const following = printPodLogs(
      connection(sink, phase),
      [pod],
      { follow: true, tailLines: 2 },
      { io, sleep: shortSleep },
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(io.last).toBe('abcd\nthe end\n');
    await appendFile(sink.pathFor('default', pod.metadata.name), 'one more\n');
    await new Promise((r) => setTimeout(r, 100));
    phase.current = 'Succeeded';
    await following;
    expect(io.last).toBe('abcd\nthe end\none more\n');
    expect(io.chars).toBe('abcd\nthe end\none more\n'.length);
  });
});

describe('jobctl logs through a sink that only reads whole logs (CloudWatch Logs)', () => {
  it('still tails and follows, skipping what the first read printed', async () => {
    const pod = podNamed('cw-x7k2q');
    const wholeLogSink = new FakeLogSink();
    wholeLogSink.write(pod, 'a\nb\nc\n');
    expect(isPositionedLogSink(wholeLogSink)).toBe(false);
    const phase = { current: 'Running' as PodPhase };
    const io = countingIo();
    const following = printPodLogs(
      connection(wholeLogSink, phase),
      [pod],
      { follow: true, tailLines: 1 },
      { io, sleep: shortSleep },
    );
    await new Promise((r) => setTimeout(r, 50));
    wholeLogSink.write(pod, 'd\n');
    await new Promise((r) => setTimeout(r, 50));
    phase.current = 'Failed';
    await following;
    expect(io.last).toBe('c\nd\n');
  });
});

describe('jobctl logs --prefix of a line longer than what is held back', () => {
  it('writes it in pieces with the prefix once, so a log without newlines never accumulates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jobctl-podlogs-'));
    try {
      const sink = new FileLogSink(join(dir, 'logs'));
      await sink.ensureDir('default');
      const pod = podNamed('long-x7k2q');
      await writeFile(sink.pathFor('default', pod.metadata.name), `${'x'.repeat(300_000)}\nshort\n`);
      let out = '';
      let writes = 0;
      const io = {
        ...countingIo(),
        stdout: (t: string) => {
          out += t;
          writes++;
        },
      };
      await printPodLogs(connection(sink, { current: 'Succeeded' }), [pod], { prefix: true }, { io });
      expect(out).toBe(`[pod/long-x7k2q/main] ${'x'.repeat(300_000)}\n[pod/long-x7k2q/main] short\n`);
      expect(writes).toBeGreaterThan(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
