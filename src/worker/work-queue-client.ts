import { randomUUID } from 'node:crypto';
import { SystemClock } from '../adapters/clock/clock.ts';
import type { Clock } from '../ports/clock.ts';
import type { LeasedItem, WorkQueueConsumer } from '../ports/work-queue.ts';

/** Waits `ms` on some clock; must resolve early when `signal` aborts (a stopping worker does not sit out its poll). */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** What a signal handler is installed on: `process`, or an `EventEmitter` in tests. */
export interface SignalSource {
  once(event: NodeJS.Signals, listener: () => void): unknown;
  off(event: NodeJS.Signals, listener: () => void): unknown;
}

export interface WorkQueueClientOptions {
  /** Time for polls, lease deadlines and renewals. @default SystemClock (wall-clock time) */
  readonly clock?: Clock;
  /** How a blocking `lease` waits between polls. @default - a timer on `clock` */
  readonly sleep?: Sleep;
  /** Renew held leases in the background while the caller works. @default true */
  readonly renewLeases?: boolean;
  /**
   * Milliseconds between renewals of one lease. @default - a third of the lease, so two renewals can fail before it
   * runs out
   */
  readonly renewEveryMs?: number;
  /**
   * First wait of a blocking `lease` that found nothing, in milliseconds; it doubles up to `pollMaxMs`. @default 250
   */
  readonly pollMinMs?: number;
  /** Longest wait between two polls of a blocking `lease`, in milliseconds. @default 5000 */
  readonly pollMaxMs?: number;
  /** Where the client says what happened to leases (lost, released at stop). @default - one line on stderr */
  readonly log?: (line: string) => void;
  /** Aborting it stops the client as {@link WorkQueueClient.stop} does. @default - none; see installSignalHandlers */
  readonly signal?: AbortSignal;
}

export interface LeaseOptions {
  /** Wait for an item when none is available but the queue is not empty (others hold every item). @default true */
  readonly block?: boolean;
  /**
   * How long a blocking `lease` waits before it returns undefined. @default - until an item comes or the queue is empty
   */
  readonly timeoutSeconds?: number;
}

interface HeldLease {
  item: LeasedItem;
  leaseSeconds: number;
  /** Renewal found the lease gone: the item is someone else's now, and this worker's result must not count. */
  isLost: boolean;
  cancelRenewal?: () => void;
}

const DEFAULT_POLL_MIN_MS = 250;
const DEFAULT_POLL_MAX_MS = 5_000;

/**
 * A worker's side of a work queue ({@link WorkQueueConsumer}): the seed's `rediswq` client (walkthrough 4:
 * `lease(lease_secs, block, timeout)`, `complete(item)`, `empty()`, a session id) made safe:
 * - `empty()` is exact (`pending + leased === 0`), so a worker does not exit while an item is still leased by a worker
 *   that died: that item returns to the queue when its lease runs out, and a worker still looping picks it up.
 * - Held leases are renewed in the background (every third of the lease), so an item that takes longer than its lease
 *   is not handed to a second worker; a renewal that finds the lease gone marks the item lost, and `complete` then
 *   returns false instead of counting a result the queue already gave to someone else.
 * - `stop()` (SIGTERM via {@link installSignalHandlers}, or the `signal` option) releases held leases at once, so
 *   another worker takes the item without waiting for the lease to run out, and ends blocking `lease` calls.
 *
 * @example
 * // The seed's worker.py, in TypeScript.
 * const q = new WorkQueueClient(connection.queues, 'job2');
 * q.installSignalHandlers();
 * console.log(`Worker with sessionID: ${q.sessionId}`);
 * while (!q.isStopping && !(await q.empty())) {
 *   const item = await q.lease(10, { block: true, timeoutSeconds: 2 });
 *   if (item === undefined) continue; // waiting for work: others hold every item
 *   console.log(`Working on ${item.body}`);
 *   await work(item.body);
 *   await q.complete(item);
 * }
 */
export class WorkQueueClient {
  /** Names this worker in logs, as `rediswq`'s `sessionID()`. */
  readonly sessionId = randomUUID();
  private readonly clock: Clock;
  private readonly sleep: Sleep;
  private readonly log: (line: string) => void;
  private readonly held = new Map<string, HeldLease>();
  private readonly inFlightLeases = new Set<Promise<unknown>>();
  private readonly stopController = new AbortController();
  private stopped: Promise<void> | undefined;
  private queueLeaseSeconds: number | undefined;
  private readonly onAbort = () => this.stopInBackground('signal aborted');

  constructor(
    private readonly queue: WorkQueueConsumer,
    /** The queue's name. */
    readonly name: string,
    private readonly options: WorkQueueClientOptions = {},
  ) {
    this.clock = options.clock ?? new SystemClock();
    this.sleep = options.sleep ?? clockSleep(this.clock);
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    if (options.signal?.aborted) this.onAbort();
    else options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** True once `stop()` ran (or a signal asked for it): `lease` returns undefined, and the caller's loop should end. */
  get isStopping(): boolean {
    return this.stopped !== undefined;
  }

  /**
   * One item under a lease of `leaseSeconds`, renewed in the background until `complete` or `release`.
   * Returns undefined when the queue is exactly empty, when `block` is false and no item is available now, when
   * `timeoutSeconds` passed, or when the client is stopping.
   *
   * @param leaseSeconds - how long the item stays invisible to other workers without a renewal. @default - the queue's
   * `leaseSeconds`
   */
  lease(leaseSeconds?: number, options: LeaseOptions = {}): Promise<LeasedItem | undefined> {
    const leasing = this.leaseLoop(leaseSeconds, options);
    this.inFlightLeases.add(leasing);
    const forget = () => this.inFlightLeases.delete(leasing);
    leasing.then(forget, forget);
    return leasing;
  }

  /**
   * Completes the item: true when this worker's lease still held it (the item is done, counted once).
   * False, with a log line saying why, when the lease was lost (the item went to another worker, whose result counts)
   * or released (at stop).
   */
  async complete(item: LeasedItem): Promise<boolean> {
    const held = this.unhold(item);
    if (held === undefined) {
      this.log(
        `${this.prefix()}: item ${item.id} not completed: this worker no longer holds its lease ` +
          `(${this.isStopping ? 'released when the worker stopped' : 'already completed or released'})`,
      );
      return false;
    }
    if (held.isLost) {
      this.log(
        `${this.prefix()}: item ${item.id} not completed: its lease was lost while working on it; the item went to ` +
          `another worker, and this result does not count`,
      );
      return false;
    }
    const isCompleted = await this.queue.complete(this.name, item.lease);
    if (!isCompleted)
      this.log(
        `${this.prefix()}: item ${item.id} not completed: its lease ran out and the item went to another worker; ` +
          `this result does not count`,
      );
    return isCompleted;
  }

  /**
   * Gives the item back at once (a failed attempt: it counts toward the queue's `maxReceiveCount`, after which the
   * item goes dead). False when the lease was already lost or released.
   */
  async release(item: LeasedItem): Promise<boolean> {
    const held = this.unhold(item);
    if (held === undefined || held.isLost) return false;
    return this.queue.release(this.name, item.lease);
  }

  /**
   * True exactly when nothing is left to do: no item pending and none leased. An item leased by a worker that died
   * keeps this false until its lease runs out and a live worker finishes it (rediswq's `empty()` checks its
   * processing list for the same reason).
   */
  async empty(): Promise<boolean> {
    const stats = await this.queue.stats(this.name);
    return stats.pending + stats.leased === 0;
  }

  /**
   * Stops leasing and releases every lease this client holds, so other workers take the items at once; blocking
   * `lease` calls return undefined. Idempotent: every call returns the same promise.
   */
  stop(): Promise<void> {
    this.stopped ??= this.stopNow();
    return this.stopped;
  }

  /**
   * Stops the client (as `stop()`) on the first of `signals`: the graceful end of a Kubernetes pod (SIGTERM, then
   * SIGKILL after `terminationGracePeriodSeconds`). Returns a function that removes the handlers.
   *
   * @param signals - @default ['SIGTERM', 'SIGINT']
   * @param source - @default process
   * @example
   * const uninstall = client.installSignalHandlers();
   */
  installSignalHandlers(
    signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'],
    source: SignalSource = process,
  ): () => void {
    const handlers = signals.map((signal) => {
      const handler = () => this.stopInBackground(signal);
      source.once(signal, handler);
      return [signal, handler] as const;
    });
    return () => {
      for (const [signal, handler] of handlers) source.off(signal, handler);
    };
  }

  /**
   * Leases, yields and settles items until the queue is exactly empty or the client stops: an item is completed when
   * the loop body finishes and the loop asks for the next one, and released when the body throws or breaks out.
   *
   * @example
   * for await (const item of client.items(30)) await work(item.body);
   */
  async *items(leaseSeconds?: number): AsyncGenerator<LeasedItem, void, undefined> {
    for (;;) {
      const item = await this.lease(leaseSeconds, { block: true });
      if (item === undefined) return;
      let isFinished = false;
      try {
        yield item;
        isFinished = true;
      } finally {
        // A for-await loop that throws or breaks calls return() on the generator: the yield never resumes.
        if (isFinished) await this.complete(item);
        else await this.release(item);
      }
    }
  }

  private async leaseLoop(leaseSeconds: number | undefined, options: LeaseOptions): Promise<LeasedItem | undefined> {
    const { block = true, timeoutSeconds } = options;
    const seconds = leaseSeconds ?? (await this.defaultLeaseSeconds());
    const deadlineMs = timeoutSeconds === undefined ? undefined : this.clock.now() + timeoutSeconds * 1000;
    let waitMs = this.options.pollMinMs ?? DEFAULT_POLL_MIN_MS;
    while (!this.isStopping) {
      const item = await this.queue.lease(this.name, { leaseSeconds: seconds });
      if (item !== undefined) {
        if (this.isStopping) {
          // Stopped while the lease was on its way: give it straight back rather than hold it past the stop.
          await this.queue.release(this.name, item.lease);
          return undefined;
        }
        this.hold(item, seconds);
        return item;
      }
      if (!block || (await this.empty())) return undefined;
      const nowMs = this.clock.now();
      if (deadlineMs !== undefined && nowMs >= deadlineMs) return undefined;
      await this.sleep(
        deadlineMs === undefined ? waitMs : Math.min(waitMs, deadlineMs - nowMs),
        this.stopController.signal,
      );
      waitMs = Math.min(this.options.pollMaxMs ?? DEFAULT_POLL_MAX_MS, waitMs * 2);
    }
    return undefined;
  }

  private async defaultLeaseSeconds(): Promise<number> {
    if (this.queueLeaseSeconds === undefined) {
      const settings = await this.queue.describeQueue(this.name);
      // Undefined only when the queue does not exist: lease() then fails with the adapter's NotFoundError.
      this.queueLeaseSeconds = settings?.leaseSeconds ?? 30;
    }
    return this.queueLeaseSeconds;
  }

  private hold(item: LeasedItem, leaseSeconds: number): void {
    const held: HeldLease = { item, leaseSeconds, isLost: false };
    this.held.set(item.lease, held);
    this.scheduleRenewal(held);
  }

  private unhold(item: LeasedItem): HeldLease | undefined {
    const held = this.held.get(item.lease);
    held?.cancelRenewal?.();
    this.held.delete(item.lease);
    return held;
  }

  private scheduleRenewal(held: HeldLease): void {
    if (this.options.renewLeases === false || held.leaseSeconds <= 0) return;
    const everyMs = this.options.renewEveryMs ?? (held.leaseSeconds * 1000) / 3;
    held.cancelRenewal = this.clock.setTimer(this.clock.now() + everyMs, () => void this.renew(held));
  }

  private async renew(held: HeldLease): Promise<void> {
    held.cancelRenewal = undefined;
    let isHeld: boolean;
    try {
      isHeld = await this.queue.renew(this.name, held.item.lease, held.leaseSeconds);
    } catch (error) {
      // A failed call says nothing about the lease: it may still hold, so try again at the next period.
      this.log(
        `${this.prefix()}: renewing the lease of item ${held.item.id} failed: ${(error as Error).message}; retrying`,
      );
      isHeld = true;
    }
    if (this.held.get(held.item.lease) !== held) return; // completed or released while the renewal was on its way
    if (!isHeld) {
      held.isLost = true;
      this.log(
        `${this.prefix()}: lost the lease of item ${held.item.id} (it ran out and the item went to another worker); ` +
          `this worker's result for it will not count`,
      );
      return;
    }
    this.scheduleRenewal(held);
  }

  private stopInBackground(reason: string): void {
    // The promise stays stop()'s: a caller awaiting stop() sees a failed release; here it is only reported.
    this.stop().catch((error: unknown) =>
      this.log(`${this.prefix()}: stopping (${reason}) failed to release a lease: ${(error as Error).message}`),
    );
  }

  private async stopNow(): Promise<void> {
    this.stopController.abort();
    this.options.signal?.removeEventListener('abort', this.onAbort);
    const held = [...this.held.values()];
    for (const h of held) this.unhold(h.item);
    await Promise.all(
      held
        .filter((h) => !h.isLost)
        .map(async (h) => {
          const isReleased = await this.queue.release(this.name, h.item.lease);
          this.log(
            `${this.prefix()}: stopping: ` +
              `${
                isReleased
                  ? `released item ${h.item.id}; another worker can take it now`
                  : `item ${h.item.id} was no longer leased to this worker`
              }`,
          );
        }),
    );
    await Promise.allSettled([...this.inFlightLeases]);
  }

  private prefix(): string {
    return `worker ${this.sessionId.slice(0, 8)} queue ${this.name}`;
  }
}

/** A {@link Sleep} on `clock`'s timers. */
export function clockSleep(clock: Clock): Sleep {
  return (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      let cancel = () => {};
      const done = () => {
        cancel();
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      cancel = clock.setTimer(clock.now() + ms, done);
    });
}
