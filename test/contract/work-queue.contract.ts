import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeasedItem, WorkQueue } from '../../src/ports/work-queue.ts';

/** A queue under test, and what the suite needs besides the port. */
export interface WorkQueueUnderTest {
  queue: WorkQueue;
  /**
   * Makes `item`'s lease run out now, as if `leaseSeconds` had passed with no renewal (a worker that died): the local
   * queue moves its clock, the SQS adapter sets the message's visibility to 0. Nothing in the suite waits.
   */
  expireLease(item: LeasedItem): Promise<void>;
  close(): Promise<void>;
}

/**
 * The semantics of {@link WorkQueue} every adapter must pass (src/ports/work-queue.ts): leases, exactly-once
 * completion counts, dead letters after `maxReceiveCount`, exact emptiness.
 *
 * @example
 * workQueueContract('local lease queue', async () => ({
 *   queue,
 *   expireLease: async () => clock.advance(31_000),
 *   close,
 * }));
 */
export function workQueueContract(name: string, make: () => Promise<WorkQueueUnderTest>): void {
  describe(`WorkQueue contract: ${name}`, () => {
    let q: WorkQueueUnderTest;
    let queue: WorkQueue;
    let queueName: string;
    let n = 0;
    beforeEach(async () => {
      q = await make();
      queue = q.queue;
      queueName = `q${++n}-${Math.random().toString(36).slice(2, 8)}`;
      await queue.ensureQueue(queueName, { maxReceiveCount: 3, leaseSeconds: 30 });
    });
    afterEach(() => q.close());

    const empty = async () => {
      const s = await queue.stats(queueName);
      return s.pending + s.leased === 0;
    };

    it('creates, describes, lists and deletes queues, with defaults and idempotent updates', async () => {
      expect(await queue.describeQueue(queueName)).toEqual({ maxReceiveCount: 3, leaseSeconds: 30 });
      expect(await queue.ensureQueue(queueName, { leaseSeconds: 60 })).toEqual({
        maxReceiveCount: 3,
        leaseSeconds: 60,
      });
      const other = `${queueName}-defaults`;
      expect(await queue.ensureQueue(other)).toEqual({ maxReceiveCount: 5, leaseSeconds: 30 });
      expect(await queue.listQueues()).toEqual(expect.arrayContaining([queueName, other]));
      await queue.deleteQueue(other);
      expect(await queue.describeQueue(other)).toBeUndefined();
      expect(await queue.listQueues()).not.toContain(other);
    });

    it('hands each pushed item to one lease at a time, and nothing when all are leased', async () => {
      const ids = await queue.push(queueName, ['apple', 'banana', 'cherry']);
      expect(new Set(ids).size).toBe(3);
      const leased = [await queue.lease(queueName), await queue.lease(queueName), await queue.lease(queueName)];
      expect(leased.map((i) => i?.body).sort()).toEqual(['apple', 'banana', 'cherry']);
      expect(leased.every((i) => i?.receiveCount === 1)).toBe(true);
      expect(await queue.lease(queueName)).toBeUndefined();
      expect(await queue.stats(queueName)).toEqual({ pending: 0, leased: 3, done: 0, dead: 0 });
      expect(await empty()).toBe(false);
    });

    it('never hands one item to two concurrent leases', async () => {
      await queue.push(queueName, ['a', 'b', 'c', 'd', 'e']);
      const leased = (await Promise.all(Array.from({ length: 12 }, () => queue.lease(queueName)))).filter(
        (i) => i !== undefined,
      );
      expect(leased.map((i) => i.body).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('counts a completion once, and is exactly empty when every item is done', async () => {
      await queue.push(queueName, ['only']);
      const item = (await queue.lease(queueName))!;
      expect(await queue.complete(queueName, item.lease)).toBe(true);
      expect(await queue.complete(queueName, item.lease)).toBe(false);
      expect(await queue.stats(queueName)).toEqual({ pending: 0, leased: 0, done: 1, dead: 0 });
      expect(await empty()).toBe(true);
      expect(await queue.lease(queueName)).toBeUndefined();
    });

    it(
      'gives an expired lease to the next worker; the first cannot complete it, and it is counted ' + 'done once',
      async () => {
        await queue.push(queueName, ['slow']);
        const first = (await queue.lease(queueName))!;
        await q.expireLease(first);
        const second = (await queue.lease(queueName))!;
        expect(second).toMatchObject({ id: first.id, body: 'slow', receiveCount: 2 });
        expect(second.lease).not.toBe(first.lease);
        expect(await queue.renew(queueName, first.lease, 30)).toBe(false);
        expect(await queue.complete(queueName, first.lease)).toBe(false);
        expect(await queue.complete(queueName, second.lease)).toBe(true);
        expect(await queue.stats(queueName)).toEqual({ pending: 0, leased: 0, done: 1, dead: 0 });
      },
    );

    it('is not empty while a dead worker still holds a lease; the item returns when the lease runs out', async () => {
      await queue.push(queueName, ['orphan']);
      const held = (await queue.lease(queueName))!;
      expect(await queue.lease(queueName)).toBeUndefined();
      expect(await empty()).toBe(false);
      await q.expireLease(held);
      const again = (await queue.lease(queueName))!;
      expect(again.body).toBe('orphan');
      await queue.complete(queueName, again.lease);
      expect(await empty()).toBe(true);
    });

    it('renews a lease it holds', async () => {
      await queue.push(queueName, ['long']);
      const item = (await queue.lease(queueName))!;
      expect(await queue.renew(queueName, item.lease, 120)).toBe(true);
      expect(await queue.lease(queueName)).toBeUndefined();
      expect(await queue.complete(queueName, item.lease)).toBe(true);
    });

    it(
      'returns a released item at once, counting the attempt; after maxReceiveCount leases it goes dead and can be ' +
        'redriven',
      async () => {
        await queue.push(queueName, ['poison']);
        for (let attempt = 1; attempt <= 3; attempt++) {
          const item = (await queue.lease(queueName))!;
          expect(item).toMatchObject({ body: 'poison', receiveCount: attempt });
          expect(await queue.release(queueName, item.lease)).toBe(true);
        }
        expect(await queue.lease(queueName)).toBeUndefined();
        await queue.push(queueName, ['fine']);
        const fine = (await queue.lease(queueName))!;
        expect(fine.body).toBe('fine');
        await queue.complete(queueName, fine.lease);
        expect(await queue.stats(queueName)).toEqual({ pending: 0, leased: 0, done: 1, dead: 1 });
        expect(await empty()).toBe(true);
        const dead = await queue.deadLetters(queueName, 10);
        expect(dead).toEqual([expect.objectContaining({ body: 'poison', state: 'dead', receiveCount: 3 })]);

        expect(await queue.redrive(queueName)).toBe(1);
        expect(await queue.stats(queueName)).toEqual({ pending: 1, leased: 0, done: 1, dead: 0 });
        expect(await queue.lease(queueName)).toMatchObject({ body: 'poison', receiveCount: 1 });
      },
    );

    it('gives back a lease that was never used without counting it', async () => {
      await queue.push(queueName, ['untried']);
      // maxReceiveCount is 3: counted, the third release would dead-letter the item.
      for (let i = 0; i < 3; i++) {
        const item = (await queue.lease(queueName))!;
        expect(item.receiveCount).toBe(1);
        expect(await queue.release(queueName, item.lease, { uncounted: true })).toBe(true);
      }
      expect(await queue.stats(queueName)).toEqual({ pending: 1, leased: 0, done: 0, dead: 0 });
    });

    it('peeks without leasing and purges pending and leased items', async () => {
      await queue.push(queueName, ['x', 'y', 'z']);
      await queue.lease(queueName);
      const peeked = await queue.peek(queueName, 10);
      expect(peeked.map((i) => i.body).sort()).toEqual(['x', 'y', 'z']);
      expect(peeked.filter((i) => i.state === 'leased')).toHaveLength(1);
      expect(await queue.stats(queueName)).toMatchObject({ pending: 2, leased: 1 });
      expect(await queue.purge(queueName)).toBe(3);
      expect(await queue.stats(queueName)).toEqual({ pending: 0, leased: 0, done: 0, dead: 0 });
    });

    it('pushes in batches and reports progress up to the total', async () => {
      const bodies = Array.from({ length: 25 }, (_, i) => `item-${i}`);
      const progress: number[] = [];
      const ids = await queue.push(queueName, bodies, (written) => progress.push(written));
      expect(ids).toHaveLength(25);
      expect(progress.at(-1)).toBe(25);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect((await queue.stats(queueName)).pending).toBe(25);
    });

    it('keeps item bodies byte for byte (JSON, unicode, newlines)', async () => {
      const body = '{"n":1,"text":"naïve 🍒\\nline 2"}';
      await queue.push(queueName, [body]);
      expect((await queue.lease(queueName))?.body).toBe(body);
    });
  });
}
