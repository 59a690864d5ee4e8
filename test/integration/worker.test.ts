import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbWorkQueue } from '../../src/adapters/dynamodb/dynamodb-work-queue.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import type { LeasedItem, WorkQueue } from '../../src/ports/work-queue.ts';
import { WorkQueueClient, type WorkQueueClientOptions } from '../../src/worker/work-queue-client.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';

// The fine-grained work-queue pattern (the seed's walkthrough 4) on the local lease queue (dynalite), with the
// issue's fault tests. Time is a ManualClock shared by the queue (lease expiry) and the workers (polls, renewals,
// the work itself); `drive` advances it to the next timer only when no queue call is in flight, so no test waits on
// the real clock and every run takes the same path through time.

const T0 = Date.parse('2026-03-02T10:00:00Z');
const FRUITS = ['apple', 'banana', 'cherry', 'date', 'fig', 'grape', 'lemon', 'melon', 'orange'];

let db: TestDynalite;
let tables = 0;
beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(() => db.stop());

interface Call {
  method: string;
  args: unknown[];
  result: unknown;
}

/** The queue with every call recorded, and how many are in flight (the driver moves time only when none is). */
function recording(inner: WorkQueue): { queue: WorkQueue; calls: Call[]; inFlight: () => number } {
  const calls: Call[] = [];
  let inFlight = 0;
  const queue = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        inFlight++;
        try {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          calls.push({ method: String(property), args, result });
          return result;
        } finally {
          inFlight--;
        }
      };
    },
  });
  return { queue, calls, inFlight: () => inFlight };
}

interface Harness {
  clock: ManualClock;
  queue: WorkQueue;
  calls: Call[];
  name: string;
  logs: string[];
  client(options?: WorkQueueClientOptions): WorkQueueClient;
  /** Simulated work: `ms` of clock time. */
  work(ms: number): Promise<void>;
  /** Resolves once no queue call is in flight: every worker waits on the clock (or is done). */
  settle(): Promise<void>;
  /** Runs the clock forward, timer by timer, until `work` settles. */
  drive<T>(work: Promise<T>): Promise<T>;
  /** The seed's worker.py loop; returns what it processed and the queue as it saw it when it exited. */
  seedWorker(client: WorkQueueClient, workMs: number, leaseSeconds?: number): Promise<SeedWorkerRun>;
}

interface SeedWorkerRun {
  processed: string[];
  exitedAtMs: number;
  statsAtExit: { pending: number; leased: number; done: number; dead: number };
}

async function harness(settings = { maxReceiveCount: 5, leaseSeconds: 30 }): Promise<Harness> {
  const tableName = `worker-${++tables}`;
  await ensureStateTable(db.client, tableName);
  const clock = new ManualClock(T0);
  const { queue, calls, inFlight } = recording(
    new DynamoDbWorkQueue({ client: db.client, tableName, now: () => clock.now() }),
  );
  const name = 'job2';
  await queue.ensureQueue(name, settings);
  const logs: string[] = [];
  const h: Harness = {
    clock,
    queue,
    calls,
    name,
    logs,
    client: (options = {}) => new WorkQueueClient(queue, name, { clock, log: (line) => logs.push(line), ...options }),
    work: (ms) => new Promise<void>((resolve) => clock.setTimer(clock.now() + ms, resolve)),
    async settle() {
      // Queue calls are real I/O: let them finish, so time moves only while every worker waits on the clock.
      for (let quietTurns = 0; quietTurns < 3; ) {
        await new Promise((resolve) => setImmediate(resolve));
        quietTurns = inFlight() === 0 ? quietTurns + 1 : 0;
      }
    },
    async drive(work) {
      let isSettled = false;
      work.then(
        () => (isSettled = true),
        () => (isSettled = true),
      );
      for (let steps = 0; ; steps++) {
        await h.settle();
        if (isSettled) return work;
        const next = clock.nextTimerAtMs();
        if (next === undefined) throw new Error('drive: the workers wait, but no timer is set');
        if (steps > 5_000) throw new Error('drive: more than 5000 timer steps');
        clock.advanceTo(next);
      }
    },
    async seedWorker(client, workMs, leaseSeconds = 10) {
      const processed: string[] = [];
      while (!client.isStopping && !(await client.empty())) {
        const item = await client.lease(leaseSeconds, { block: true, timeoutSeconds: 2 });
        if (item === undefined) continue; // "Waiting for work"
        await h.work(workMs);
        if (await client.complete(item)) processed.push(item.body);
      }
      return { processed, exitedAtMs: clock.now(), statsAtExit: await queue.stats(name) };
    },
  };
  return h;
}

const leasesOf = (calls: Call[], body?: string) =>
  calls
    .filter(
      (c) =>
        c.method === 'lease' &&
        c.result !== undefined &&
        (body === undefined || (c.result as LeasedItem).body === body),
    )
    .map((c) => c.result as LeasedItem);

describe('WorkQueueClient: the fine-grained work-queue pattern', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it(
    'drains 9 items with two workers, each item done once, and both exit only when the queue is exactly ' + 'empty',
    async () => {
      // The seed's numbers: lease 10 s, 10 s of work per item. Renewal is what keeps a lease as long as the work.
      await h.queue.push(h.name, FRUITS);
      const [a, b] = [h.client(), h.client()];
      expect(a.sessionId).not.toBe(b.sessionId);

      const runs = await h.drive(Promise.all([h.seedWorker(a, 10_000), h.seedWorker(b, 10_000)]));

      expect([...runs[0].processed, ...runs[1].processed].sort()).toEqual(FRUITS);
      expect(runs.map((r) => r.processed.length).every((n) => n > 0)).toBe(true);
      for (const run of runs) expect(run.statsAtExit).toEqual({ pending: 0, leased: 0, done: 9, dead: 0 });
      expect(leasesOf(h.calls).map((i) => i.receiveCount)).toEqual(Array(9).fill(1));
      expect(h.calls.filter((c) => c.method === 'complete').map((c) => c.result)).toEqual(Array(9).fill(true));
      expect(h.clock.now() - T0).toBeGreaterThanOrEqual(40_000); // 9 items of 10 s on two workers
    },
  );

  it(
    'does not count a slow worker whose lease expired: its complete returns false and the item is ' + 'done once',
    async () => {
      await h.queue.push(h.name, ['slow']);
      const slow = h.client({ renewLeases: false }); // a worker whose renewals cannot run (a stalled process)
      const item = (await slow.lease(10, { block: false }))!;
      const slowRun = h.work(25_000).then(() => slow.complete(item));
      const fastRun = h.seedWorker(h.client(), 1_000);

      const [isSlowCompleted, fast] = await h.drive(Promise.all([slowRun, fastRun]));

      expect(isSlowCompleted).toBe(false);
      expect(fast.processed).toEqual(['slow']);
      expect(leasesOf(h.calls, 'slow').map((i) => i.receiveCount)).toEqual([1, 2]);
      expect(await h.queue.stats(h.name)).toEqual({ pending: 0, leased: 0, done: 1, dead: 0 });
      expect(h.logs).toContainEqual(
        expect.stringContaining(`item ${item.id} not completed: its lease ran out and the item went to another worker`),
      );
    },
  );

  it('marks an item lost when a renewal finds its lease gone, and does not complete it', async () => {
    await h.queue.push(h.name, ['starved']);
    const starved = h.client({ renewEveryMs: 15_000 }); // its first renewal comes after the 10 s lease ran out
    const item = (await starved.lease(10, { block: false }))!;
    const starvedRun = h.work(25_000).then(() => starved.complete(item));
    const other = h.seedWorker(h.client(), 20_000);

    const [isStarvedCompleted, run] = await h.drive(Promise.all([starvedRun, other]));

    expect(isStarvedCompleted).toBe(false);
    expect(run.processed).toEqual(['starved']);
    expect(h.logs).toContainEqual(expect.stringContaining(`lost the lease of item ${item.id}`));
    expect(h.logs).toContainEqual(
      expect.stringContaining(`item ${item.id} not completed: its lease was lost while working on it`),
    );
    // Known lost: the starved worker did not even try to complete it.
    expect(h.calls.filter((c) => c.method === 'complete' && c.args[1] === item.lease)).toEqual([]);
    expect(await h.queue.stats(h.name)).toEqual({ pending: 0, leased: 0, done: 1, dead: 0 });
  });

  it(
    'keeps workers running while a dead worker holds the last item, until its lease expires and the item is ' +
      'processed',
    async () => {
      await h.queue.push(h.name, ['apple', 'banana', 'cherry']);
      const orphan = (await h.queue.lease(h.name, { leaseSeconds: 30 }))!; // leased by a worker that then died

      const runs = await h.drive(Promise.all([h.seedWorker(h.client(), 1_000), h.seedWorker(h.client(), 1_000)]));

      expect([...runs[0].processed, ...runs[1].processed].sort()).toEqual(['apple', 'banana', 'cherry']);
      for (const run of runs) {
        expect(run.exitedAtMs).toBeGreaterThanOrEqual(orphan.leaseExpiresAtMs);
        expect(run.statsAtExit).toEqual({ pending: 0, leased: 0, done: 3, dead: 0 });
      }
      expect(leasesOf(h.calls, orphan.body).map((i) => i.receiveCount)).toEqual([1, 2]);
    },
  );

  it("renews a long item's lease so no other worker gets it while it is worked on", async () => {
    await h.queue.push(h.name, ['long']);
    const holder = h.client();
    const item = (await holder.lease(10, { block: false }))!;
    const holderRun = h.work(60_000).then(() => holder.complete(item));
    const waiter = h.seedWorker(h.client(), 1_000);

    const [isCompleted, waiterRun] = await h.drive(Promise.all([holderRun, waiter]));

    expect(isCompleted).toBe(true);
    expect(waiterRun.processed).toEqual([]);
    expect(waiterRun.exitedAtMs).toBeGreaterThanOrEqual(T0 + 60_000);
    expect(leasesOf(h.calls, 'long')).toHaveLength(1);
    // every 3.3 s for 60 s
    expect(h.calls.filter((c) => c.method === 'renew' && c.result === true).length).toBeGreaterThanOrEqual(17);
    expect(await h.queue.stats(h.name)).toEqual({ pending: 0, leased: 0, done: 1, dead: 0 });
  });
});

describe('WorkQueueClient: stopping', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it('releases the held lease when its signal aborts, so another worker leases the item at once', async () => {
    await h.queue.push(h.name, ['interrupted']);
    const sigterm = new AbortController();
    const stopping = h.client({ signal: sigterm.signal });
    const item = (await stopping.lease(60, { block: false }))!;

    sigterm.abort();
    await stopping.stop();

    expect(stopping.isStopping).toBe(true);
    const next = await h.client().lease(60, { block: false });
    expect(next).toMatchObject({ id: item.id, receiveCount: 2 });
    expect(h.clock.now()).toBe(T0); // at once: no lease ran out
    expect(await stopping.lease(60)).toBeUndefined();
    expect(await stopping.complete(item)).toBe(false);
    expect(h.logs).toContainEqual(expect.stringContaining(`stopping: released item ${item.id}`));
  });

  it('stops on SIGTERM from installSignalHandlers, ending a blocking lease that waits for work', async () => {
    await h.queue.push(h.name, ['held-elsewhere']);
    await h.queue.lease(h.name, { leaseSeconds: 60 });
    const signals = new EventEmitter();
    const client = h.client();
    const uninstall = client.installSignalHandlers(['SIGTERM'], signals);
    const waiting = client.lease(10); // blocks: another worker holds the only item

    await h.settle(); // it polled, found nothing, and now sleeps on the clock
    expect(h.clock.nextTimerAtMs()).toBe(T0 + 250);
    signals.emit('SIGTERM');

    expect(await waiting).toBeUndefined();
    expect(client.isStopping).toBe(true);
    uninstall();
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('WorkQueueClient: lease and items()', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it('returns undefined at once when the queue is exactly empty, even when blocking', async () => {
    expect(await h.client().lease(10)).toBeUndefined();
    expect(h.clock.now()).toBe(T0);
  });

  it('returns undefined at the timeout when other workers hold every item, and at once when not blocking', async () => {
    await h.queue.push(h.name, ['held']);
    await h.queue.lease(h.name, { leaseSeconds: 60 });
    const client = h.client();

    expect(await client.lease(10, { block: false })).toBeUndefined();
    expect(await h.drive(client.lease(10, { timeoutSeconds: 2 }))).toBeUndefined();
    expect(h.clock.now()).toBe(T0 + 2_000);
  });

  it('completes each item the loop finishes and releases the item when the loop body throws', async () => {
    await h.queue.push(h.name, ['a', 'b']);
    const client = h.client();
    const seen: string[] = [];

    let failed = '';
    await expect(
      (async () => {
        for await (const item of client.items(10)) {
          failed = item.body;
          throw new Error(`cannot process ${item.body}`);
        }
      })(),
    ).rejects.toThrow(/^cannot process [ab]$/);
    expect(await h.queue.stats(h.name)).toEqual({ pending: 2, leased: 0, done: 0, dead: 0 });

    for await (const item of client.items(10)) seen.push(`${item.body}#${item.receiveCount}`);

    // The local queue leases in no fixed order; the released item comes back with its attempt counted.
    const other = failed === 'a' ? 'b' : 'a';
    expect(seen.sort()).toEqual([`${failed}#2`, `${other}#1`].sort());
    expect(await h.queue.stats(h.name)).toEqual({ pending: 0, leased: 0, done: 2, dead: 0 });
  });
});
