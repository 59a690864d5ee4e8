import type { Clock } from '../../ports/clock.ts';

/** Wall-clock time. Long waits are chunked because Node caps one timer at ~24.8 days. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(atMs: number, callback: () => void): () => void {
    let handle: NodeJS.Timeout | undefined;
    const arm = () => {
      const delayMs = atMs - Date.now();
      if (delayMs <= 0) {
        handle = setTimeout(callback, 0);
        return;
      }
      handle = setTimeout(arm, Math.min(delayMs, 2 ** 31 - 1));
    };
    arm();
    return () => clearTimeout(handle);
  }
}

interface PendingTimer {
  atMs: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

const before = (a: PendingTimer, b: PendingTimer) => a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);

/**
 * A clock that moves only when told to: tests and benchmarks pass a minute in milliseconds with `advance`.
 * Timers fire in time order (ties in the order they were set), each seeing `now()` equal to its own due time.
 * Timers sit in a binary heap, so a benchmark with 10,000 CronJobs due at once does not sort 10,000 timers per fire.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly heap: PendingTimer[] = [];

  constructor(startMs: number) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(atMs: number, callback: () => void): () => void {
    const timer: PendingTimer = { atMs, seq: this.seq++, callback, cancelled: false };
    this.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  advanceTo(targetMs: number): void {
    for (;;) {
      const due = this.peek();
      if (!due || due.atMs > targetMs) break;
      this.pop();
      this.current = Math.max(this.current, due.atMs);
      due.callback();
    }
    this.current = Math.max(this.current, targetMs);
  }

  /** The earliest pending timer, if any: lets a test step from one wake-up to the next. */
  nextTimerAtMs(): number | undefined {
    return this.peek()?.atMs;
  }

  private peek(): PendingTimer | undefined {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    return this.heap[0];
  }

  private push(timer: PendingTimer): void {
    const h = this.heap;
    h.push(timer);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): PendingTimer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let min = i;
        if (l < h.length && before(h[l]!, h[min]!)) min = l;
        if (r < h.length && before(h[r]!, h[min]!)) min = r;
        if (min === i) break;
        [h[i], h[min]] = [h[min]!, h[i]!];
        i = min;
      }
    }
    return top;
  }
}
