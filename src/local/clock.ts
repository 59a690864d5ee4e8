import type { Clock } from '../ports/clock.ts';

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
}

/**
 * A clock that moves only when told to: tests and benchmarks pass a minute in milliseconds with `advance`.
 * Timers fire in time order (ties in the order they were set), each seeing `now()` equal to its own due time.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(startMs: number) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(atMs: number, callback: () => void): () => void {
    const timer: PendingTimer = { atMs, seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  advanceTo(targetMs: number): void {
    for (;;) {
      const due = this.timers
        .filter((t) => t.atMs <= targetMs)
        .sort((a, b) => a.atMs - b.atMs || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.atMs);
      due.callback();
    }
    this.current = Math.max(this.current, targetMs);
  }

  /** The earliest pending timer, if any: lets a test step from one wake-up to the next. */
  nextTimerAtMs(): number | undefined {
    return this.timers.reduce<number | undefined>((min, t) => (min === undefined || t.atMs < min ? t.atMs : min), undefined);
  }
}
