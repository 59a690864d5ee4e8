import type { Clock } from '../../ports/clock.ts';

/** What a paced caller needs: wait for a turn. {@link TokenBucket} is one; tests may pass their own. */
export interface Pacer {
  take(n?: number): Promise<void>;
}

export interface TokenBucketOptions {
  /** Sustained rate: tokens added per second, continuously. */
  ratePerSecond: number;
  /** Most tokens the bucket holds, so the most taken at once after a quiet spell. */
  burst: number;
  clock: Clock;
}

interface Waiter {
  n: number;
  resolve: () => void;
}

/**
 * Floating-point refills can land a hair under a whole token (0.1 + 0.2 style); without this slack the head waiter
 * would be woken, found a billionth short, and put back to sleep for another millisecond.
 */
const EPSILON = 1e-9;

/**
 * A classic token bucket: it starts full, refills continuously at `ratePerSecond` up to `burst`, and each call takes
 * tokens from it. Waiters are served strictly in arrival order, so a request for many tokens is not starved by a
 * stream of small ones. Time and timers come only from the injected clock, so tests drive it with a manual clock.
 */
export class TokenBucket implements Pacer {
  private readonly ratePerSecond: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private refilledAtMs: number;
  private readonly queue: Waiter[] = [];

  constructor({ ratePerSecond, burst, clock }: TokenBucketOptions) {
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) {
      throw new RangeError(`ratePerSecond must be a finite number > 0, got ${ratePerSecond}`);
    }
    if (!(Number.isInteger(burst) && burst >= 1)) {
      throw new RangeError(`burst must be an integer >= 1, got ${burst}`);
    }
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.clock = clock;
    this.tokens = burst;
    this.refilledAtMs = clock.now();
  }

  /** Callers queued behind a lack of tokens. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Resolves once `n` tokens were available and have been taken; callers are served first come, first served. */
  async take(n = 1): Promise<void> {
    this.check(n);
    if (this.tryTake(n)) return;
    await new Promise<void>((resolve) => {
      this.queue.push({ n, resolve });
      // Only the head needs a timer: nobody behind it can be served first. A new head has none yet.
      if (this.queue.length === 1) this.serve();
    });
  }

  /** Takes `n` tokens if they are there now and nobody is queued ahead (it must not jump the queue). */
  tryTake(n = 1): boolean {
    this.check(n);
    this.refill();
    if (this.queue.length > 0 || this.tokens + EPSILON < n) return false;
    this.tokens = Math.max(0, this.tokens - n);
    return true;
  }

  /** A request above `burst` could never be met, so it fails now rather than hanging forever. */
  private check(n: number): void {
    if (!(Number.isInteger(n) && n >= 1 && n <= this.burst)) {
      throw new RangeError(`n must be an integer from 1 to burst (${this.burst}), got ${n}`);
    }
  }

  private refill(): void {
    const now = this.clock.now();
    // A wall clock can step backwards; that must not take tokens away.
    const elapsedMs = Math.max(0, now - this.refilledAtMs);
    this.tokens += (elapsedMs * this.ratePerSecond) / 1000;
    this.refilledAtMs = now;
    // Tokens that arrive while callers wait are theirs: the head would have taken them the instant it could, and only
    // the timer's whole-millisecond rounding woke it later. Capping then would lose the surplus and let the rate
    // drift (at 3/s with burst 1, the 4th grant would land at 1002 ms, not 1000 ms).
    if (this.queue.length === 0) this.tokens = Math.min(this.burst, this.tokens);
  }

  /** Serves queued callers in order while tokens last, then sleeps until the head's tokens will have refilled. */
  private serve(): void {
    this.refill();
    for (let head = this.queue[0]; head; head = this.queue[0]) {
      if (this.tokens + EPSILON < head.n) {
        // Rounded up to a whole millisecond so the timer does not fire early; the half-EPSILON keeps float noise
        // (0.999000001 tokens short where 0.999 is meant) from pushing a due time one millisecond late.
        const waitMs = Math.ceil(((head.n - this.tokens - EPSILON / 2) * 1000) / this.ratePerSecond);
        this.clock.setTimer(this.clock.now() + waitMs, () => this.serve());
        return;
      }
      this.queue.shift();
      this.tokens = Math.max(0, this.tokens - head.n);
      head.resolve();
    }
    this.tokens = Math.min(this.burst, this.tokens);
  }
}
