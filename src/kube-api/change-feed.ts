import type { Clock } from '../ports/clock.ts';
import type { ServedObject } from './served-objects.ts';

/**
 * Watches for the façade (KUBECTL-API.md §6). The store's resourceVersions count per object, but a list's
 * resourceVersion must be a point a watch can resume from: so the feed reads the watched kinds (by polling, as `jobctl
 * get -w` does, while anyone watches), numbers every change it sees with one counter, and keeps the last
 * `logSize` changes. A list returns the counter as its resourceVersion; a watch from it replays what came after,
 * then streams; one from before the kept changes gets 410 Gone, and kubectl lists again.
 */

export type WatchedKind = 'CronJob' | 'Job' | 'Pod';
export const WATCHED_KINDS: readonly WatchedKind[] = ['CronJob', 'Job', 'Pod'];

export interface FeedEvent {
  readonly seq: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly kind: WatchedKind;
  readonly object: ServedObject;
}

export interface ChangeFeedOptions {
  /** Every object of a kind in the namespace, as served. */
  readonly read: (kind: WatchedKind) => Promise<ServedObject[]>;
  readonly clock: Clock;
  /** How often the kinds are read while a watch is open. @default 500 */
  readonly pollMs?: number;
  /** Changes kept for watches to resume from. @default 10 000 */
  readonly logSize?: number;
}

/** A watch that asked for changes the feed no longer keeps. */
export class ResourceVersionTooOld extends Error {}

export class ChangeFeed {
  private seq = 0;
  private readonly snapshot = new Map<WatchedKind, Map<string, ServedObject>>();
  private readonly log: FeedEvent[] = [];
  private readonly listeners = new Set<(event: FeedEvent) => void>();
  /** The kind of each open watch: polling reads only these. */
  private readonly watching: WatchedKind[] = [];
  private syncing: Promise<number> | undefined;
  private cancelPoll: (() => void) | undefined;

  constructor(private readonly options: ChangeFeedOptions) {}

  /**
   * Reads `kinds` once, logging what changed since their last read; resolves to the counter. Only the kinds asked for
   * are read (a list of CronJobs does not read every pod): a kind's changes are numbered when it is next read.
   */
  sync(kinds: readonly WatchedKind[] = WATCHED_KINDS): Promise<number> {
    // One read at a time; a caller arriving during a read waits for the next one, which sees its writes.
    const next = (this.syncing ?? Promise.resolve(0)).then(() => this.readAll(kinds));
    this.syncing = next.catch(() => this.seq);
    return next;
  }

  private async readAll(kinds: readonly WatchedKind[]): Promise<number> {
    for (const kind of kinds) {
      const current = new Map((await this.options.read(kind)).map((o) => [o.metadata.name, o]));
      const before = this.snapshot.get(kind) ?? new Map<string, ServedObject>();
      for (const [name, old] of before) {
        const now = current.get(name);
        if (now === undefined || now.metadata.uid !== old.metadata.uid) this.append('DELETED', kind, old);
      }
      for (const [name, now] of current) {
        const old = before.get(name);
        if (old === undefined || old.metadata.uid !== now.metadata.uid) this.append('ADDED', kind, now);
        else if (old.metadata.resourceVersion !== now.metadata.resourceVersion) this.append('MODIFIED', kind, now);
      }
      this.snapshot.set(kind, current);
    }
    return this.seq;
  }

  private append(type: FeedEvent['type'], kind: WatchedKind, object: ServedObject): void {
    const event = { seq: ++this.seq, type, kind, object };
    this.log.push(event);
    if (this.log.length > (this.options.logSize ?? 10_000)) this.log.shift();
    for (const listener of this.listeners) listener(event);
  }

  /** The objects of `kind` as of a fresh read, and the resourceVersion to watch from. */
  async list(kind: WatchedKind): Promise<{ items: ServedObject[]; resourceVersion: string }> {
    const seq = await this.sync([kind]);
    const items = [...(this.snapshot.get(kind)?.values() ?? [])].sort((a, b) =>
      a.metadata.name.localeCompare(b.metadata.name),
    );
    return { items, resourceVersion: String(seq) };
  }

  /**
   * Calls `onEvent` for each change of `kind` after `resourceVersion` until `signal` aborts. No resourceVersion (or
   * "0") starts with an ADDED event for every current object, as the API server does.
   *
   * @throws ResourceVersionTooOld when changes after `resourceVersion` are no longer kept.
   */
  async watch(
    kind: WatchedKind,
    resourceVersion: string | undefined,
    onEvent: (event: FeedEvent) => void,
    signal: AbortSignal,
    onLive?: () => void,
  ): Promise<void> {
    const from = resourceVersion === undefined || resourceVersion === '' ? 0 : Number(resourceVersion);
    // Changes seen while the first events are being sent wait, so none is lost or sent twice.
    let live = false;
    const early: FeedEvent[] = [];
    const listener = (event: FeedEvent) => {
      if (event.kind !== kind) return;
      if (live) onEvent(event);
      else early.push(event);
    };
    this.listeners.add(listener);
    this.watching.push(kind);
    try {
      let sentUpTo: number;
      if (from === 0 || !Number.isSafeInteger(from)) {
        const { items, resourceVersion: at } = await this.list(kind);
        sentUpTo = Number(at);
        for (const object of items) onEvent({ seq: sentUpTo, type: 'ADDED', kind, object });
      } else {
        await this.sync([kind]);
        const oldest = this.log[0]?.seq ?? this.seq + 1;
        if (from < oldest - 1) throw new ResourceVersionTooOld(`too old resource version: ${from} (${oldest - 1})`);
        // Past the counter: handed out by an earlier `jobctl up`, whose changes this one never saw. 410 makes the
        // client list again; waiting for the counter to get there would skip every change until then.
        if (from > this.seq) throw new ResourceVersionTooOld(`too old resource version: ${from} (${this.seq})`);
        sentUpTo = this.seq;
        for (const event of this.log) if (event.seq > from && event.kind === kind) onEvent(event);
      }
      for (const event of early) if (event.seq > sentUpTo) onEvent(event);
      live = true;
      this.startPolling();
      onLive?.();
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    } finally {
      this.listeners.delete(listener);
      this.watching.splice(this.watching.indexOf(kind), 1);
      if (this.listeners.size === 0) this.stopPolling();
    }
  }

  private startPolling(): void {
    if (this.cancelPoll !== undefined) return;
    const { clock } = this.options;
    const every = this.options.pollMs ?? 500;
    const schedule = () => {
      this.cancelPoll = clock.setTimer(clock.now() + every, () => {
        void this.sync(WATCHED_KINDS.filter((k) => this.watching.includes(k)))
          .catch(() => undefined)
          .finally(() => {
            if (this.cancelPoll !== undefined) schedule();
          });
      });
    };
    schedule();
  }

  private stopPolling(): void {
    this.cancelPoll?.();
    this.cancelPoll = undefined;
  }

  /** Stops polling (the server is closing). */
  close(): void {
    this.stopPolling();
  }
}
