import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.ts';
import { applyStopRequest } from '../../src/engine/task-exit.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { connectLocal } from '../../src/runtime/local/connect.ts';
import { findTaskPid } from '../../src/adapters/process/task-records.ts';
import type { Pod } from '../../src/spec/types.ts';

/*
 * Audit D5: a crash of `jobctl up` threw away tasks that had succeeded meanwhile and ran them again (18 random
 * kills: 15 of 95 successful pods re-run, 2 CronJob runs done twice, 5 of 50 queue items processed twice). Here the
 * runtime runs in a process of its own (test/support/runtime-child.ts, on a manual clock moved over IPC) and is
 * killed with SIGKILL at random moments, 10 times (JOBCTL_CRASH_KILLS=20 for more; scripts/kill-runtime.sh does it to
 * the real `jobctl up`), while a CronJob every minute, a Job with parallelism 5 and a
 * 50-item coarse queue run. Every task appends its pod name to a ledger: a pod that ran twice, a scheduled run done
 * twice or an item processed twice shows there.
 */
const KILLS = Number(process.env.JOBCTL_CRASH_KILLS ?? 10);
/** No change in the Jobs for this long (real time) fails the test with what the runtime said. */
const LIFE_LIMIT_MS = 60_000;
/** The manual clock starts at this minute: `apply` (without a runtime) stamps objects with the system clock. */
const START = Math.floor(Date.now() / 60_000) * 60_000;
const CHILD = join(import.meta.dirname, '..', 'support', 'runtime-child.ts');

/** The workload scripts/kill-runtime.sh runs too, with its sleeps cut to fractions of a second. */
const manifests = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'crash', 'workload.yaml'), 'utf8')
  .replace('sleep 20;', 'sleep 0.3;')
  .replace('sleep 8;', 'sleep 0.4;')
  .replace('sleep 2;', 'sleep 0.2;');

interface JobReport {
  name: string;
  succeeded: number;
  failed: number;
  active: number;
  finished: boolean;
}

/** A seeded generator (mulberry32): a failing run can be replayed with its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Life {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  ready = false;
  private waiting?: (message: unknown) => void;

  constructor(stateDir: string, cwd: string, nowMs: number, logFile: string) {
    this.child = fork(CHILD, [stateDir, cwd, String(nowMs), logFile], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.on('message', (message) => {
      if (message === 'ready') this.ready = true;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(message);
    });
  }

  /** Sends a message and resolves with the answer; undefined if the process dies first. */
  ask(message: object): Promise<unknown> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.exited.then(() => resolve(undefined));
      if (this.child.connected) this.child.send(message);
    });
  }

  whenReady(): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.waiting = (m) => resolve(m === 'ready');
      this.exited.then(() => resolve(false));
    });
  }
}

/** The pods of Job `stopme`, read as the CLI reads them (through the running runtime, or the files when none runs). */
async function readPods(stateDir: string): Promise<Pod[]> {
  const connection = await connectLocal(stateDir, new ManualClock(START));
  try {
    return await connection.store.listPods({ namespace: 'default', name: 'stopme' });
  } finally {
    await connection.close();
  }
}

describe('kill -9 of jobctl up at random moments loses no finished work (audit D5)', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir && process.env.JOBCTL_CRASH_KEEP === undefined) await rm(dir, { recursive: true, force: true });
  });

  it(`${KILLS} kills over a CronJob every minute, a parallelism-5 Job and a 50-item coarse queue: nothing runs twice`, {
    timeout: 300_000,
  }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'jobctl-crash-'));
    const stateDir = join(dir, '.jobctl');
    const seed = Number(process.env.JOBCTL_CRASH_SEED ?? Date.now() % 100_000);
    const next = random(seed);
    const cli = async (...argv: string[]) => {
      let err = '';
      const code = await runCli(argv, {
        io: { stdout: () => {}, stderr: (s) => (err += s), now: () => START, setExitCode: () => {} },
        env: { JOBCTL_STATE_DIR: stateDir },
        cwd: dir,
      });
      expect(err.replace(/^note: no jobctl runtime is running.*\n/m, ''), argv.join(' ')).toBe('');
      expect(code).toBe(0);
    };
    const items = Array.from({ length: 50 }, (_, i) => `item-${i}`);
    await writeFile(join(dir, 'all.yaml'), manifests);
    await writeFile(join(dir, 'items.txt'), `${items.join('\n')}\n`);
    await cli('queue', 'create', 'items');
    await cli('queue', 'push', 'items', '--file', join(dir, 'items.txt'));
    await cli('apply', '-f', join(dir, 'all.yaml'));

    let now = START;
    let jobs: JobReport[] = [];
    const kills: string[] = [];
    const logFile = join(dir, 'runtime.log');
    const failure = async (why: string) => {
      const log = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-30).join('\n');
      return new Error(
        `${why}; seed ${seed}; kills after ${kills.join(', ')}; jobs ${JSON.stringify(jobs)}\nlast lines of the ` +
          `runtime's log:\n${log}`,
      );
    };
    for (let kill = 0; kill <= KILLS; kill++) {
      const life = new Life(stateDir, dir, now, logFile);
      const last = kill === KILLS;
      // A random moment: a quarter during the start (adoption included), the rest while the clock moves and tasks run.
      const duringStart = next() < 0.25;
      const killAfterMs = duringStart ? 100 + Math.floor(next() * 1_000) : 50 + Math.floor(next() * 1_500);
      let timer = last || !duringStart ? undefined : setTimeout(() => life.child.kill('SIGKILL'), killAfterMs);
      if (await life.whenReady()) {
        if (!last && !duringStart) timer = setTimeout(() => life.child.kill('SIGKILL'), killAfterMs);
        let done = false;
        let unchanged = 0;
        let progressAt = Date.now();
        // A failure leaves no runtime behind.
        const fail = async (why: string) => {
          life.child.kill('SIGKILL');
          return failure(why);
        };
        for (;;) {
          // Once the Jobs are done only the CronJob remains, and while nothing changes (an item leased by a runtime
          // killed before it stored the pod waits for its lease, 1 h, to run out): bigger steps.
          const step = done || unchanged > 20 ? 60_000 : 5_000;
          const answer = (await life.ask({ advance: step })) as
            | { now: number; jobs: JobReport[]; error?: string }
            | undefined;
          if (answer === undefined) break; // killed
          if (answer.error !== undefined) throw await fail(`the runtime failed: ${answer.error}`);
          const changed = JSON.stringify(answer.jobs) !== JSON.stringify(jobs);
          ({ now, jobs } = answer);
          unchanged = changed ? 0 : unchanged + 1;
          if (changed) progressAt = Date.now();
          done = jobs.filter((j) => j.name === 'par5' || j.name === 'wq').every((j) => j.finished);
          if (last && done && now >= START + 15 * 60_000) break;
          // Until the kill, time stands still past the 15 minutes: every simulated minute costs a real task.
          while (
            !last &&
            done &&
            now >= START + 15 * 60_000 &&
            life.child.exitCode === null &&
            life.child.signalCode === null
          )
            await new Promise((r) => setTimeout(r, 50));
          if (now > START + 4 * 60 * 60_000) throw await fail('the Jobs did not finish within 4 simulated hours');
          if (Date.now() - progressAt > LIFE_LIMIT_MS) throw await fail(`no progress for ${LIFE_LIMIT_MS / 1000} s`);
          await new Promise((r) => setTimeout(r, 20)); // tasks are real processes: let them run a little
        }
      }
      kills.push(`${killAfterMs}ms${duringStart ? ' from spawn' : ' from ready'}${life.ready ? '' : ' (starting)'}`);
      if (last) {
        await life.ask({ settle: true });
        await life.ask({ stop: true });
      }
      clearTimeout(timer);
      await life.exited;
    }

    const lines = async (file: string) =>
      (await readFile(join(dir!, file), 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
    const par = await lines('par.ledger');
    const queue = await lines('queue.ledger');
    const cron = await lines('cron.ledger');
    const context = `seed ${seed} (JOBCTL_CRASH_SEED replays it); kills after ${kills.join(', ')}`;
    // No pod ran twice under its name, in any workload.
    const pods = [...par, ...queue.map((l) => l.split(' ')[0]!), ...cron];
    expect(pods.length - new Set(pods).size, context).toBe(0);
    // Every success counted, none redone: exactly the completions ran, and the Jobs charged no failure.
    expect(par, context).toHaveLength(40);
    expect(
      jobs.find((j) => j.name === 'par5'),
      context,
    ).toMatchObject({ succeeded: 40, failed: 0, finished: true });
    // Each item processed exactly once.
    expect(queue.map((l) => l.split(' ')[1]).sort(), context).toEqual([...items].sort());
    expect(
      jobs.find((j) => j.name === 'wq'),
      context,
    ).toMatchObject({ succeeded: 50, failed: 0, finished: true });
    // Each scheduled run done once: one line per CronJob-made Job (the pod name is the Job's plus a suffix).
    const runs = cron.map((pod) => pod.replace(/-[a-z0-9]{5}$/, ''));
    expect(runs.length - new Set(runs).size, context).toBe(0);
    expect(runs.length, context).toBeGreaterThanOrEqual(12);
    console.log(
      `crash-recovery: ${KILLS} kills, ${par.length} + ${queue.length} + ${cron.length} task runs, 0 twice; ${context}`,
    );
  });

  it('a stop the controller recorded but the runtime died before sending is sent by the next runtime', {
    timeout: 60_000,
  }, async () => {
    const own = await mkdtemp(join(tmpdir(), 'jobctl-crash-stop-'));
    const stateDir = join(own, '.jobctl');
    const pidDir = join(stateDir, 'pids');
    try {
      const job = `apiVersion: batch/v1
kind: Job
metadata: {name: stopme}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: ["sh", "-c", "touch started; sleep 600"]}]
`;
      await writeFile(join(own, 'job.yaml'), job);
      expect(
        await runCli(['apply', '-f', join(own, 'job.yaml')], {
          io: { stdout: () => {}, stderr: () => {}, now: () => START, setExitCode: () => {} },
          env: { JOBCTL_STATE_DIR: stateDir },
          cwd: own,
        }),
      ).toBe(0);
      let now = START;
      const first = new Life(stateDir, own, now, join(own, 'runtime.log'));
      expect(await first.whenReady()).toBe(true);
      for (let i = 0; i < 200 && !existsSync(join(own, 'started')); i++) {
        now = ((await first.ask({ advance: 1_000 })) as { now: number }).now;
        await new Promise((r) => setTimeout(r, 20));
      }
      first.child.kill('SIGKILL');
      await first.exited;
      const [pod] = await readPods(stateDir);
      expect(findTaskPid(pidDir, 'default', pod!.metadata.name)).toBeDefined(); // the task outlived its runtime

      // What a runtime killed between recording the stop (a deadline, a delete) and signalling the task leaves.
      const connection = await connectLocal(stateDir, new ManualClock(now));
      await connection.store.update(
        applyStopRequest(pod!, 'DeadlineExceeded', 'Job was active longer than specified deadline'),
      );
      await connection.close();

      const second = new Life(stateDir, own, now, join(own, 'runtime.log'));
      expect(await second.whenReady()).toBe(true);
      let stopped: Pod | undefined;
      for (let i = 0; i < 200 && stopped === undefined; i++) {
        await second.ask({ advance: 1_000 });
        await new Promise((r) => setTimeout(r, 20));
        stopped = (await readPods(stateDir)).find((p) => p.status.phase === 'Failed');
      }
      await second.ask({ stop: true });
      await second.exited;
      expect(stopped?.status).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
      expect(findTaskPid(pidDir, 'default', pod!.metadata.name)).toBeUndefined();
    } finally {
      await rm(own, { recursive: true, force: true });
    }
  });
});
