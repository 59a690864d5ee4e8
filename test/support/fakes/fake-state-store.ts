import { randomUUID } from 'node:crypto';
import { toRfc3339 } from '../../../src/engine/object-meta.ts';
import { AlreadyExistsError, ConflictError, JobctlError, NotFoundError } from '../../../src/errors.ts';
import type { ObjectKey, ObjectOfKind, StateStore } from '../../../src/ports/state-store.ts';
import { wellKnown, type Kind, type KubeEvent, type KubeObject, type Pod } from '../../../src/spec/types.ts';

export type StateStoreMethod = keyof StateStore;

/** One call the fake received, arguments copied as they were at the call. */
export interface RecordedStoreCall {
  method: StateStoreMethod;
  args: unknown[];
}

export interface FakeStateStoreOptions {
  /** Milliseconds since the epoch, for `creationTimestamp` and event expiry. @default Date.now */
  now?: () => number;
}

/** Kubernetes' default `--event-ttl`, as the DynamoDB adapter applies it. */
const EVENT_TTL_SECONDS = 3600;

interface StoredObject {
  obj: KubeObject;
  rv: number;
}

interface StoredEvent {
  event: KubeEvent;
  timestampMs: number;
  seq: number;
  expiresAtSeconds: number;
}

/**
 * In-memory {@link StateStore} with the same semantics as `DynamoDbStateStore` (the contract suite runs on both):
 * conditional create and update, pods keyed under their Job, events per involved object with a one-hour TTL.
 * Objects are copied on the way in and out, so callers cannot change stored state by mutating what they hold.
 *
 * It records every call in `calls` and fails on demand with `failNext`.
 *
 * @example
 * const store = new FakeStateStore({ now: () => clock.now() });
 * store.failNext('create', new ConflictError('boom'));
 */
export class FakeStateStore implements StateStore {
  /** Every call, oldest first. */
  readonly calls: RecordedStoreCall[] = [];
  private readonly now: () => number;
  private readonly failures = new Map<StateStoreMethod, Error[]>();
  /** `CronJob/<ns>/<name>`, `Job/<ns>/<name>`, `Pod/<ns>/<jobName>/<name>`. */
  private readonly objects = new Map<string, StoredObject>();
  /** `<Kind>/<ns>/<name>` of the involved object. */
  private readonly events = new Map<string, StoredEvent[]>();
  private eventSeq = 0;

  constructor(options: FakeStateStoreOptions = {}) {
    this.now = options.now ?? (() => Date.now());
  }

  /** Makes the next call of `method` reject with `error` without touching state; queued errors are used in order. */
  failNext(method: StateStoreMethod, error: Error): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(error);
    this.failures.set(method, queue);
  }

  /** The calls of one method, in order. */
  callsOf(method: StateStoreMethod): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  async get<K extends Kind>(kind: K, key: ObjectKey): Promise<ObjectOfKind<K> | undefined> {
    await this.enter('get', [kind, key]);
    const found = kind === 'Pod' ? this.findPod(key) : this.objects.get(objectId(kind, key));
    return found && (output(found) as ObjectOfKind<K>);
  }

  async list<K extends Kind>(
    kind: K,
    namespace: string,
    options: { ownerName?: string } = {},
  ): Promise<ObjectOfKind<K>[]> {
    await this.enter('list', [kind, namespace, options]);
    const { ownerName } = options;
    const ofKind = [...this.objects.values()].filter(
      (s) => s.obj.kind === kind && s.obj.metadata.namespace === namespace,
    );
    if (ownerName === undefined)
      return sortBy(ofKind, (s) => s.obj.metadata.name).map((s) => output(s) as ObjectOfKind<K>);
    switch (kind) {
      case 'CronJob':
        return [];
      case 'Pod':
        return sortBy(
          ofKind.filter((s) => s.obj.metadata.labels?.[wellKnown.jobName] === ownerName),
          (s) => s.obj.metadata.name,
        ).map((s) => output(s) as ObjectOfKind<K>);
      case 'Job':
        return sortBy(
          ofKind.filter((s) => controllingCronJob(s.obj) === ownerName),
          (s) => `${s.obj.metadata.creationTimestamp ?? ''}#${s.obj.metadata.name}`,
        ).map((s) => output(s) as ObjectOfKind<K>);
    }
    return [];
  }

  async listPods(job: ObjectKey): Promise<Pod[]> {
    await this.enter('listPods', [job]);
    const prefix = `Pod/${job.namespace}/${job.name}/`;
    const pods = [...this.objects].filter(([id]) => id.startsWith(prefix)).map(([, s]) => s);
    return sortBy(pods, (s) => s.obj.metadata.name).map((s) => output(s) as Pod);
  }

  async getPod(job: ObjectKey, podName: string): Promise<Pod | undefined> {
    await this.enter('getPod', [job, podName]);
    const stored = this.objects.get(`Pod/${job.namespace}/${job.name}/${podName}`);
    return stored && (output(stored) as Pod);
  }

  async create<T extends KubeObject>(obj: T): Promise<T> {
    await this.enter('create', [obj]);
    const created = structuredClone(obj);
    created.metadata.uid ??= randomUUID();
    created.metadata.creationTimestamp ??= toRfc3339(this.now());
    created.metadata.resourceVersion = '1';
    const id = idOf(created);
    if (this.objects.has(id))
      throw new AlreadyExistsError(`fake state store create: ${label(created)}: already exists`);
    this.objects.set(id, { obj: structuredClone(created), rv: 1 });
    return created;
  }

  async update<T extends KubeObject>(obj: T): Promise<T> {
    await this.enter('update', [obj]);
    const updated = structuredClone(obj);
    const stored = this.objects.get(idOf(updated));
    if (!stored) throw new NotFoundError(`fake state store update: ${label(updated)}: not found`);
    updated.metadata.uid ??= stored.obj.metadata.uid;
    updated.metadata.creationTimestamp ??= stored.obj.metadata.creationTimestamp;
    const isCurrent =
      updated.metadata.resourceVersion === String(stored.rv) && updated.metadata.uid === stored.obj.metadata.uid;
    if (!isCurrent) {
      throw new ConflictError(
        `fake state store update: ${label(updated)} at resourceVersion "${updated.metadata.resourceVersion ?? ''}": ` +
          'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    const rv = stored.rv + 1;
    updated.metadata.resourceVersion = String(rv);
    this.objects.set(idOf(updated), { obj: structuredClone(updated), rv });
    return updated;
  }

  async delete(kind: Kind, key: ObjectKey): Promise<void> {
    await this.enter('delete', [kind, key]);
    switch (kind) {
      case 'CronJob':
        this.objects.delete(objectId('CronJob', key));
        this.events.delete(eventId('CronJob', key));
        return;
      case 'Job': {
        const prefix = `Pod/${key.namespace}/${key.name}/`;
        for (const [id, s] of [...this.objects]) {
          if (!id.startsWith(prefix)) continue;
          this.objects.delete(id);
          this.events.delete(eventId('Pod', s.obj.metadata));
        }
        this.objects.delete(objectId('Job', key));
        this.events.delete(eventId('Job', key));
        return;
      }
      case 'Pod': {
        const pod = this.findPod(key);
        if (pod) this.objects.delete(idOf(pod.obj));
        this.events.delete(eventId('Pod', key));
        return;
      }
    }
  }

  async recordEvent(event: KubeEvent): Promise<void> {
    await this.enter('recordEvent', [event]);
    const timestampMs = Date.parse(event.timestamp);
    if (Number.isNaN(timestampMs))
      throw new JobctlError(
        'Validation',
        `fake state store recordEvent: timestamp "${event.timestamp}": must be RFC 3339`,
      );
    const id = eventId(event.involvedObject.kind, event.involvedObject);
    const list = this.events.get(id) ?? [];
    list.push({
      event: structuredClone(event),
      timestampMs,
      seq: this.eventSeq++,
      expiresAtSeconds: Math.floor(this.now() / 1000) + EVENT_TTL_SECONDS,
    });
    this.events.set(id, list);
  }

  async listEvents(kind: Kind, key: ObjectKey): Promise<KubeEvent[]> {
    await this.enter('listEvents', [kind, key]);
    const nowSeconds = Math.floor(this.now() / 1000);
    return (this.events.get(eventId(kind, key)) ?? [])
      .filter((e) => e.expiresAtSeconds > nowSeconds)
      .sort((a, b) => a.timestampMs - b.timestampMs || a.seq - b.seq)
      .map((e) => structuredClone(e.event));
  }

  /** Records the call, throws an injected failure, and yields once so concurrent callers interleave as on a server. */
  private async enter(method: StateStoreMethod, args: unknown[]): Promise<void> {
    this.calls.push({ method, args: structuredClone(args) });
    const failure = this.failures.get(method)?.shift();
    await Promise.resolve();
    if (failure) throw failure;
  }

  private findPod(key: ObjectKey): StoredObject | undefined {
    return [...this.objects.values()].find(
      (s) => s.obj.kind === 'Pod' && s.obj.metadata.namespace === key.namespace && s.obj.metadata.name === key.name,
    );
  }
}

function objectId(kind: 'CronJob' | 'Job', key: ObjectKey): string {
  return `${kind}/${key.namespace}/${key.name}`;
}

function eventId(kind: Kind, key: ObjectKey): string {
  return `${kind}/${key.namespace}/${key.name}`;
}

function idOf(obj: KubeObject): string {
  if (obj.kind !== 'Pod') return objectId(obj.kind, obj.metadata);
  const jobName = obj.metadata.labels?.[wellKnown.jobName];
  if (!jobName) {
    throw new JobctlError(
      'Validation',
      `fake state store: ${label(obj)}: metadata.labels["${wellKnown.jobName}"] is required: a pod belongs to a Job`,
    );
  }
  return `Pod/${obj.metadata.namespace}/${jobName}/${obj.metadata.name}`;
}

function controllingCronJob(obj: KubeObject): string | undefined {
  return obj.metadata.ownerReferences?.find((o) => o.kind === 'CronJob' && o.controller === true)?.name;
}

function output(stored: StoredObject): KubeObject {
  const obj = structuredClone(stored.obj);
  obj.metadata.resourceVersion = String(stored.rv);
  return obj;
}

function label(obj: KubeObject): string {
  return `${obj.kind} "${obj.metadata.namespace}/${obj.metadata.name}"`;
}

function sortBy<T>(items: T[], key: (item: T) => string): T[] {
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
