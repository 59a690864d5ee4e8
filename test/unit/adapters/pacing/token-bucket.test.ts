import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/adapters/clock/clock.ts';
import { TokenBucket } from '../../../../src/adapters/pacing/token-bucket.ts';

/** Lets resolved takes run their continuations; a few rounds cover chained awaits. */
async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Advances to `targetMs` one timer at a time, flushing after each, so a continuation sees the time its timer fired
 * (a single `advance` would fire every timer before any continuation runs).
 */
async function advanceStepwise(clock: ManualClock, targetMs: number): Promise<void> {
  for (let next = clock.nextTimerAtMs(); next !== undefined && next <= targetMs; next = clock.nextTimerAtMs()) {
    clock.advanceTo(next);
    await flush();
  }
  clock.advanceTo(targetMs);
  await flush();
}

/** Starts a take and records the clock time at which it was granted. */
function timedTake(
  bucket: TokenBucket,
  clock: ManualClock,
  grantedAt: Map<string, number>,
  label: string,
  n = 1,
): void {
  void bucket.take(n).then(() => grantedAt.set(label, clock.now()));
}

describe('TokenBucket', () => {
  it('starts full: serves a whole burst at once, and the next caller exactly 1/rate s later', async () => {
    const clock = new ManualClock(1_000);
    const bucket = new TokenBucket({ ratePerSecond: 20, burst: 100, clock });
    const grantedAt = new Map<string, number>();
    for (let i = 0; i < 101; i++) timedTake(bucket, clock, grantedAt, `t${i}`);
    await flush();
    expect(grantedAt.size).toBe(100);
    expect(bucket.waiting).toBe(1);
    expect(clock.nextTimerAtMs()).toBe(1_050);

    clock.advance(49);
    await flush();
    expect(grantedAt.has('t100')).toBe(false);
    clock.advance(1);
    await flush();
    expect(grantedAt.get('t100')).toBe(1_050);
    expect(bucket.waiting).toBe(0);
  });

  it.each([
    { ratePerSecond: 20, burst: 100 },
    { ratePerSecond: 3, burst: 1 },
    { ratePerSecond: 0.5, burst: 2 },
  ])(
    'over 10 s at $ratePerSecond/s (burst $burst) grants burst + rate × t, never more',
    async ({ ratePerSecond, burst }) => {
      const clock = new ManualClock(0);
      const bucket = new TokenBucket({ ratePerSecond, burst, clock });
      let granted = 0;
      for (let i = 0; i < 1_000; i++) void bucket.take().then(() => granted++);

      for (let t = 0; t <= 10_000; t += 10) {
        clock.advanceTo(t);
        await flush();
        const allowed = burst + (ratePerSecond * t) / 1_000;
        expect(granted, `at ${t} ms`).toBeLessThanOrEqual(allowed);
        // And not slower than the rate: at most the one token still refilling is missing.
        expect(granted, `at ${t} ms`).toBeGreaterThan(allowed - 1);
      }
    },
  );

  it('does not bank more than burst tokens while idle', async () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 5, clock });
    clock.advance(3_600_000);
    let granted = 0;
    for (let i = 0; i < 10; i++) void bucket.take().then(() => granted++);
    await flush();
    expect(granted).toBe(5);
  });

  it('serves waiters strictly in arrival order, so a big request is not starved by small ones', async () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 5, clock });
    const grantedAt = new Map<string, number>();
    await bucket.take(5);
    timedTake(bucket, clock, grantedAt, 'big', 5);
    timedTake(bucket, clock, grantedAt, 'small1');
    timedTake(bucket, clock, grantedAt, 'small2');
    await flush();
    expect(bucket.waiting).toBe(3);

    // After 1 s a small request would fit, but the big one came first.
    clock.advance(1_000);
    await flush();
    expect(grantedAt.size).toBe(0);

    await advanceStepwise(clock, 10_000);
    expect([...grantedAt]).toEqual([
      ['big', 5_000],
      ['small1', 6_000],
      ['small2', 7_000],
    ]);
  });

  it('tryTake takes tokens only when they are there and nobody is queued ahead', async () => {
    const clock = new ManualClock(0);
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 2, clock });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
    clock.advance(1_000);
    expect(bucket.tryTake(2)).toBe(false);
    expect(bucket.tryTake()).toBe(true);

    let waiterServed = false;
    void bucket.take(2).then(() => (waiterServed = true));
    clock.advance(1_000);
    await flush();
    expect(bucket.waiting).toBe(1);
    expect(bucket.tryTake()).toBe(false); // one token is there, but it belongs to the waiter
    clock.advance(1_000);
    await flush();
    expect(waiterServed).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects ratePerSecond %s', (ratePerSecond) => {
    expect(() => new TokenBucket({ ratePerSecond, burst: 1, clock: new ManualClock(0) })).toThrow(
      expect.objectContaining({ name: 'RangeError', message: expect.stringContaining('ratePerSecond') }),
    );
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects burst %s', (burst) => {
    expect(() => new TokenBucket({ ratePerSecond: 1, burst, clock: new ManualClock(0) })).toThrow(
      expect.objectContaining({ name: 'RangeError', message: expect.stringContaining('burst') }),
    );
  });

  it.each([0, 1.5, 4])(
    'rejects taking %s tokens from a bucket of 3: only whole numbers from 1 to burst can ever be served',
    async (n) => {
      const bucket = new TokenBucket({ ratePerSecond: 1, burst: 3, clock: new ManualClock(0) });
      await expect(bucket.take(n)).rejects.toThrow(RangeError);
      expect(() => bucket.tryTake(n)).toThrow(RangeError);
      expect(bucket.waiting).toBe(0);
    },
  );
});
