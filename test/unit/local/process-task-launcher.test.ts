import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/local/clock.ts';
import { FileLogSink } from '../../../src/local/file-log-sink.ts';
import { ProcessTaskLauncher } from '../../../src/local/process-task-launcher.ts';
import type { TaskExit } from '../../../src/ports/task-launcher.ts';
import type { Pod } from '../../../src/spec/types.ts';
import { aBatchJob, aJobPod } from '../../builders.ts';

describe('ProcessTaskLauncher: one process per pod attempt', () => {
  let dir: string;
  let exits: TaskExit[];
  let launcher: ProcessTaskLauncher;
  let logs: FileLogSink;
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jobctl-launcher-'));
    exits = [];
    logs = new FileLogSink(join(dir, 'logs'));
    launcher = new ProcessTaskLauncher({ logs, pidDir: join(dir, 'pids'), clock, events: { started: () => {}, exited: (e) => void exits.push(e) } });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const pod = (restartCount = 0): Pod => {
    const p = aJobPod(aBatchJob({ name: 'once' }), { phase: 'Pending' });
    p.metadata.name = 'once-x7k2q';
    p.spec = { ...p.spec, containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo ran'] }] };
    if (restartCount > 0) p.status.containerStatuses = [{ name: 'main', image: 'busybox', restartCount, state: { waiting: { reason: 'CrashLoopBackOff' } } }];
    return p;
  };
  const exited = async (n: number) => {
    for (let i = 0; i < 200 && exits.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };

  it('runs a pod once when two syncs launch it at the same time, and again only for its next attempt', async () => {
    await Promise.all([launcher.launch(pod()), launcher.launch(pod())]);
    expect(launcher.runningCount).toBe(1);
    await exited(1);
    // A sync that read the pod before its exit was recorded launches it again: nothing runs.
    await launcher.launch(pod());
    expect(launcher.runningCount).toBe(0);
    await launcher.launch(pod(1));
    await exited(2);
    expect(exits).toHaveLength(2);
    expect(await readFile(logs.pathFor('default', 'once-x7k2q'), 'utf8')).toBe('ran\nran\n');
  });
});
