/**
 * A `jobctl up` the test can kill -9: the same LocalRuntime in a process of its own, on a manual clock the parent
 * moves over IPC (no test waits on the real clock). Started as `runtime-child.ts <stateDir> <cwd> <nowMs> [logFile]`.
 *
 * Messages in: `{ advance: ms }` (moves the clock wake-up by wake-up, letting each one's syncs settle; running tasks
 * are not waited for), `{ settle: true }` (waits for the tasks too), `{ stop: true }` (a clean stop). Out: `ready`,
 * then after each message `{ now, jobs }` — the clock, and each Job's counts — or `{ error }`, and `stopped`.
 */
import { appendFileSync } from 'node:fs';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { LocalRuntime } from '../../src/runtime/local/runtime.ts';
import { isJobFinished } from '../../src/engine/object-meta.ts';

const [stateDir, cwd, nowArg, logFile] = process.argv.slice(2);
const clock = new ManualClock(Number(nowArg));
// What jobctl up would print (syncs that failed, what it took over): kept for the test's failure message.
const log = (line: string) =>
  logFile !== undefined && appendFileSync(logFile, `${new Date(clock.now()).toISOString()} [${process.pid}] ${line}\n`);
const runtime = new LocalRuntime({
  stateDir: stateDir!,
  cwd,
  clock,
  serveControl: false,
  resyncIntervalMs: 30_000,
  log,
});
const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

async function report(): Promise<void> {
  const jobs = (await runtime.store.list('Job', 'default')).map((j) => ({
    name: j.metadata.name,
    succeeded: j.status.succeeded,
    failed: j.status.failed,
    active: j.status.active,
    finished: isJobFinished(j),
  }));
  await send({ now: clock.now(), jobs });
}

process.on('message', (message: { advance?: number; settle?: boolean; stop?: boolean }) => {
  void (async () => {
    try {
      await answer(message);
    } catch (error) {
      log(`failed: ${(error as Error).stack}`);
      await send({ error: (error as Error).message });
    }
  })();
});

async function answer(message: { advance?: number; settle?: boolean; stop?: boolean }): Promise<void> {
  if (message.stop) {
    await runtime.stop();
    await send('stopped');
    process.exit(0);
  }
  if (message.advance !== undefined) {
    const target = clock.now() + message.advance;
    for (;;) {
      await runtime.settle({ tasks: false, timeoutMs: 60_000 });
      const next = clock.nextTimerAtMs();
      if (next === undefined || next > target) break;
      clock.advanceTo(next);
    }
    clock.advanceTo(target);
    await runtime.settle({ tasks: false, timeoutMs: 60_000 });
  }
  if (message.settle) await runtime.settle({ timeoutMs: 60_000 });
  await report();
}

await runtime.start();
await send('ready');
