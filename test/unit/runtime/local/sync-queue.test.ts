import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/adapters/clock/clock.ts';
import { KeyedWorkQueue } from '../../../../src/runtime/local/sync-queue.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyedWorkQueue', () => {
  it('processes a key added now, and a delayed key only once the clock reaches it', async () => {
    const clock = new ManualClock(1_000);
    const seen: string[] = [];
    const q = new KeyedWorkQueue<string>(clock, async (key) => void seen.push(`${key}@${clock.now()}`));
    q.add('a', 'a');
    q.add('b', 'b', 5_000);
    await q.whenIdle();
    expect(seen).toEqual(['a@1000']);
    clock.advance(3_999);
    await q.whenIdle();
    expect(seen).toEqual(['a@1000']);
    clock.advance(1);
    await q.whenIdle();
    expect(seen).toEqual(['a@1000', 'b@5000']);
  });

  it('never runs one key twice at once, and runs it again when it was added while running', async () => {
    const clock = new ManualClock(0);
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const q = new KeyedWorkQueue<string>(clock, async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs++;
      if (runs === 1) await gate.promise;
      running--;
    });
    q.add('k', 'x');
    await Promise.resolve();
    q.add('k', 'x');
    q.add('k', 'x');
    gate.resolve();
    await q.whenIdle();
    await q.whenIdle();
    expect({ maxRunning, runs }).toEqual({ maxRunning: 1, runs: 2 });
  });

  it('keeps the earlier due time when a key is added twice', async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    const q = new KeyedWorkQueue<string>(clock, async () => void seen.push(clock.now()));
    q.add('k', 'x', 10_000);
    q.add('k', 'x', 20_000);
    q.add('k', 'x', 5_000);
    clock.advance(30_000);
    await q.whenIdle();
    expect(seen).toEqual([5_000]);
  });

  it('reports a failing sync and goes on with other keys', async () => {
    const clock = new ManualClock(0);
    const errors: string[] = [];
    const done: string[] = [];
    const q = new KeyedWorkQueue<string>(
      clock,
      async (key) => {
        if (key === 'bad') throw new Error('boom');
        done.push(key);
      },
      2,
      (key, error) => errors.push(`${key}: ${(error as Error).message}`),
    );
    q.add('bad', 'x');
    q.add('good', 'y');
    await q.whenIdle();
    expect({ errors, done }).toEqual({ errors: ['bad: boom'], done: ['good'] });
  });
});

describe('ManualClock', () => {
  it('fires timers in time order, each seeing its own due time', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push(`c@${clock.now()}`));
    clock.setTimer(100, () => {
      fired.push(`a@${clock.now()}`);
      clock.setTimer(200, () => fired.push(`b@${clock.now()}`));
    });
    const cancel = clock.setTimer(250, () => fired.push('cancelled'));
    cancel();
    clock.advance(1_000);
    expect(fired).toEqual(['a@100', 'b@200', 'c@300']);
    expect(clock.now()).toBe(1_000);
  });

  it('puts a key added with front ahead of the keys waiting, moving it when it already waits', async () => {
    const clock = new ManualClock(0);
    const gate = deferred();
    const seen: string[] = [];
    const q = new KeyedWorkQueue<string>(
      clock,
      async (key) => {
        seen.push(key);
        if (key === 'busy') await gate.promise;
      },
      1,
    );
    q.add('busy', 'busy');
    for (const k of ['a', 'b', 'c']) q.add(k, k);
    q.add('woken', 'woken', clock.now(), { front: true });
    q.add('c', 'c', clock.now(), { front: true });
    gate.resolve();
    await q.whenIdle();
    expect(seen).toEqual(['busy', 'c', 'woken', 'a', 'b']);
  });
});
