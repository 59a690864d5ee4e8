/**
 * A finite work queue with leases and exact counts: what the coarse and fine work-queue patterns (the seed's
 * walkthroughs 3 and 4) run on. Locally a lease queue on the runtime's DynamoDB (dynalite); on AWS an SQS queue
 * with a DLQ, its counts kept exactly beside it. Both pass `test/contract/work-queue.contract.ts`.
 *
 * Semantics every adapter honours:
 * - An item is *pending* (visible), *leased* (invisible to others until its lease expires), *done* (completed once)
 *   or *dead* (moved to the dead-letter list after `maxReceiveCount` leases without completion).
 * - `lease` hands out one pending item (or one whose lease expired) with a fresh lease token; its `receiveCount`
 *   counts every lease of that item. An item leased `maxReceiveCount` times and not completed goes dead instead of
 *   being leased again (SQS's redrive policy).
 * - `complete` with a lease token succeeds when that lease is still the item's current one. A lease that expired and
 *   was handed to someone else cannot complete the item (false), and however many workers complete it, the item is
 *   counted done once.
 * - `stats` is exact, not approximate: `pending + leased` is zero exactly when nothing is left to do, so `isEmpty`
 *   lets a worker exit without losing an item leased by a worker that died (it returns after its lease).
 */
/**
 * What a consumer of items needs: the worker library inside tasks (`WorkQueueClient`) and the Job controller, which
 * leases an item for each pod of a bound Job.
 */
export interface WorkQueueConsumer {
  /** The queue's settings; undefined when it does not exist. */
  describeQueue(name: string): Promise<QueueSettings | undefined>;
  /** One item under a lease of `leaseSeconds` (default: the queue's), or undefined when none is available now. */
  lease(name: string, options?: { leaseSeconds?: number }): Promise<LeasedItem | undefined>;
  /** Extends a lease still held; false when it was lost (expired and re-leased, completed or gone). */
  renew(name: string, lease: string, leaseSeconds: number): Promise<boolean>;
  /** Completes the item of a lease still held; false when the lease was lost (the item then is someone else's). */
  complete(name: string, lease: string): Promise<boolean>;
  /**
   * Gives a leased item back at once; false when the lease was lost. A failed attempt stays counted in `receiveCount`
   * (and the item goes dead at `maxReceiveCount`); `uncounted` undoes the count for a lease that was never used
   * (the item was not tried: its pod was never created, or was deleted with its Job).
   */
  release(name: string, lease: string, options?: { uncounted?: boolean }): Promise<boolean>;
  /** Exact counts. */
  stats(name: string): Promise<QueueStats>;
}

/** What the one who runs the queues needs besides: `jobctl queue …`, the deploy of a stack's queues. */
export interface WorkQueueAdmin {
  /** Creates the queue, or updates its settings. Idempotent. */
  ensureQueue(name: string, settings?: Partial<QueueSettings>): Promise<QueueSettings>;
  /** Every queue's name, sorted. */
  listQueues(): Promise<string[]>;
  /** Deletes the queue with its items and dead letters. */
  deleteQueue(name: string): Promise<void>;
  /** Appends items in order (batched); returns their ids. `onProgress` gets the count written so far. */
  push(name: string, bodies: readonly string[], onProgress?: (written: number) => void): Promise<string[]>;
  /** Up to `limit` items not done or dead, oldest first, without leasing them. */
  peek(name: string, limit: number): Promise<QueuedItem[]>;
  /** Removes every pending and leased item (not the dead letters); returns how many. */
  purge(name: string): Promise<number>;
  /** Dead letters, oldest first. */
  deadLetters(name: string, limit: number): Promise<QueuedItem[]>;
  /** Moves dead letters (all, or `ids`) back to pending with a fresh receive count; returns how many. */
  redrive(name: string, ids?: readonly string[]): Promise<number>;
}

/** Both sides: what the adapters (the local lease queue, SQS) implement. */
export interface WorkQueue extends WorkQueueConsumer, WorkQueueAdmin {}

export interface QueueSettings {
  /** Leases an item gets before it goes dead. SQS RedrivePolicy `maxReceiveCount` (1–1000). @default 5 */
  maxReceiveCount: number;
  /** Default lease, seconds. SQS `VisibilityTimeout` (0–43200). @default 30 */
  leaseSeconds: number;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = { maxReceiveCount: 5, leaseSeconds: 30 };

export interface QueuedItem {
  id: string;
  body: string;
  /** Leases so far. */
  receiveCount: number;
  state: 'pending' | 'leased' | 'dead';
}

export interface LeasedItem {
  id: string;
  body: string;
  /** Opaque token naming this lease; `complete`/`renew`/`release` take it. */
  lease: string;
  /** Leases of this item so far, this one included. */
  receiveCount: number;
  leaseExpiresAtMs: number;
}

export interface QueueStats {
  pending: number;
  leased: number;
  done: number;
  dead: number;
}

/**
 * Queue names: 1–63 lowercase letters, digits and `-`, starting and ending alphanumeric (a Kubernetes DNS label), so
 * `jobctl-<name>-dlq` is still a valid SQS queue name (80 characters of letters, digits, `-`, `_`).
 */
export const QUEUE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
