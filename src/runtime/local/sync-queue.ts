import type { Clock } from '../../ports/clock.ts';

interface Entry<T> {
  item: T;
  dueMs: number;
  cancelTimer?: () => void;
}

/**
 * A keyed, delaying work queue with client-go's guarantees: a key is never processed by two workers at once, a key
 * added while it is being processed is processed again afterwards, and adding a key that is already waiting keeps
 * the earlier due time. Timers come from the injected clock.
 */
export class KeyedWorkQueue<T> {
  private readonly waiting = new Map<string, Entry<T>>();
  private readonly inFlight = new Set<string>();
  private readonly dirty = new Map<string, T>();
  /** Keys due now, in the order they fell due (a Set keeps insertion order and makes membership O(1)). */
  private readonly ready = new Set<string>();
  private active = 0;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly clock: Clock,
    private readonly process: (key: string, item: T) => Promise<void>,
    private readonly concurrency = 4,
    private readonly onError: (key: string, error: unknown) => void = () => {},
  ) {}

  /**
   * Queues `key` at `dueMs`. `front`: a key due now goes ahead of every key waiting (a Job woken for a quota slot kept
   * for it must not wait behind a thousand others), or is moved there when already waiting.
   */
  add(key: string, item: T, dueMs = this.clock.now(), options: { front?: boolean } = {}): void {
    if (this.closed) return;
    if (this.inFlight.has(key)) {
      if (dueMs <= this.clock.now()) {
        this.dirty.set(key, item);
        return;
      }
    }
    const existing = this.waiting.get(key);
    if (options.front && dueMs <= this.clock.now() && existing !== undefined && this.ready.has(key)) {
      this.moveToFront(key);
      return;
    }
    if (existing && existing.dueMs <= dueMs) return;
    existing?.cancelTimer?.();
    const entry: Entry<T> = { item, dueMs };
    this.waiting.set(key, entry);
    if (dueMs <= this.clock.now()) {
      if (options.front) this.moveToFront(key);
      this.makeReady(key);
    } else entry.cancelTimer = this.clock.setTimer(dueMs, () => this.makeReady(key));
  }

  /** Puts `key` first among the ready keys (a Set keeps insertion order, so the rest are re-added after it). */
  private moveToFront(key: string): void {
    const rest = [...this.ready].filter((k) => k !== key);
    this.ready.clear();
    this.ready.add(key);
    for (const k of rest) this.ready.add(k);
    this.pump();
  }

  /** Number of keys waiting, ready or being processed. */
  get size(): number {
    return this.waiting.size + this.inFlight.size + this.dirty.size;
  }

  /** True when nothing is due now and nothing is being processed (timers for later may still be set). */
  get isIdle(): boolean {
    return this.active === 0 && this.ready.size === 0 && this.dirty.size === 0;
  }

  /** Resolves once the queue is idle. */
  whenIdle(): Promise<void> {
    if (this.isIdle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const entry of this.waiting.values()) entry.cancelTimer?.();
    this.waiting.clear();
    this.ready.clear();
    this.dirty.clear();
  }

  private makeReady(key: string): void {
    if (!this.waiting.has(key) || this.ready.has(key)) return;
    this.ready.add(key);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.concurrency && this.ready.size > 0) {
      let key: string | undefined;
      for (const k of this.ready) {
        if (!this.inFlight.has(k)) {
          key = k;
          break;
        }
      }
      if (key === undefined) return;
      this.ready.delete(key);
      const entry = this.waiting.get(key);
      if (!entry) continue;
      this.waiting.delete(key);
      this.inFlight.add(key);
      this.active++;
      void this.process(key, entry.item)
        .catch((error: unknown) => this.onError(key, error))
        .finally(() => {
          this.active--;
          this.inFlight.delete(key);
          const again = this.dirty.get(key);
          if (again !== undefined) {
            this.dirty.delete(key);
            this.add(key, again);
          }
          this.pump();
          if (this.isIdle) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const w of waiters) w();
          }
        });
    }
  }
}
