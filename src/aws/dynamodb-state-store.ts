import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { toRfc3339 } from '../engine/object-meta.ts';
import { AlreadyExistsError, ConflictError, JobctlError, NotFoundError } from '../errors.ts';
import type { ObjectKey, ObjectOfKind, StateStore } from '../ports/state-store.ts';
import { wellKnown, type Kind, type KubeEvent, type KubeObject, type Pod } from '../spec/types.ts';
import { stateTableKeys } from './state-table.ts';

export interface DynamoDbStateStoreOptions {
  /**
   * The DynamoDB client. Its own retry strategy handles throttling; we recommend `maxAttempts: 8` (standard mode:
   * up to ~13 s of jittered back-off, inside a Lambda's budget) rather than the SDK's default of 3.
   */
  client: DynamoDBClient;
  /** The table `stateTableDefinition` describes. */
  tableName: string;
  /** Milliseconds since the epoch, for `creationTimestamp` and event expiry. @default Date.now */
  now?: () => number;
  /** Waits between retries of a batch's unprocessed items. @default a `setTimeout` promise */
  sleep?: (ms: number) => Promise<void>;
}

/** Kubernetes' default `--event-ttl`: events are garbage-collected an hour after they were recorded. */
export const EVENT_TTL_SECONDS = 3600;

/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;
const MAX_BATCH_ATTEMPTS = 10;
/** Concurrent partition queries when a Job's pods' event partitions are deleted. */
const DELETE_CONCURRENCY = 8;

// Condition parts, named so a write's guard reads as a sentence (STYLE.md §5).
const objectIsAbsent = 'attribute_not_exists(#PK)';
const objectExists = 'attribute_exists(#PK)';
const resourceVersionMatches = '#rv = :expectedRv';
const uidMatches = '#object.#metadata.#uid = :uid';
const eventNotExpired = '#expiresAt > :nowSeconds';

interface ItemKey {
  PK: string;
  SK: string;
}

interface StoredItem extends ItemKey {
  kind: string;
  name: string;
  namespace: string;
  object: Record<string, unknown>;
  rv?: number;
  GSI1PK?: string;
  GSI1SK?: string;
  GSI2PK?: string;
  GSI2SK?: string;
  expiresAt?: number;
}

const OBJECT_SK = 'object';
const POD_SK_PREFIX = 'pod#';
const EVENT_SK_PREFIX = 'event#';

/**
 * The {@link StateStore} on one DynamoDB table (keys: `docs/state-table.md`). Every access is a key lookup or a
 * Query; concurrency comes from conditional puts on a numeric `rv`, never from read-then-write.
 *
 * - Objects are stored as a native map attribute `object`, so the console and `aws dynamodb query` show them as-is.
 * - A Pod lives in its Job's partition (`metadata.labels['job-name']`), so `listPods` is one strongly consistent
 *   Query and deleting a Job takes its pods along. `get`/`delete` of a Pod by name first find that partition on
 *   GSI1, which AWS updates asynchronously: a Pod created a moment ago may not be found yet.
 * - Events live in their involved object's partition (a Pod's in `Pod#<ns>#<name>`, so recording one needs no
 *   lookup), and carry `expiresAt` one hour out; `listEvents` drops expired ones as Kubernetes' event-ttl would.
 * - `list(kind, ns, { ownerName })`: Jobs controlled by that CronJob in creation order; for `Pod` the pods of the
 *   Job named `ownerName`; for `CronJob` nothing (no object owns a CronJob).
 *
 * @example
 * const store = new DynamoDbStateStore({ client: new DynamoDBClient({ maxAttempts: 8 }), tableName: 'jobctl' });
 * const job = await store.create(aJob);
 */
export class DynamoDbStateStore implements StateStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private eventSeq = 0;

  constructor(options: DynamoDbStateStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.tableName = options.tableName;
    this.now = options.now ?? (() => Date.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async get<K extends Kind>(kind: K, key: ObjectKey): Promise<ObjectOfKind<K> | undefined> {
    const itemKey = kind === 'Pod' ? await this.locatePod(key) : objectItemKey(kind, key);
    if (!itemKey) return undefined;
    const item = await this.getItem(itemKey);
    return item && (decode(item) as ObjectOfKind<K>);
  }

  async list<K extends Kind>(kind: K, namespace: string, options: { ownerName?: string } = {}): Promise<ObjectOfKind<K>[]> {
    const { ownerName } = options;
    if (ownerName !== undefined) {
      if (kind === 'Pod') return (await this.listPods({ namespace, name: ownerName })) as ObjectOfKind<K>[];
      if (kind === 'CronJob') return [];
      const { indexName, partitionKey } = stateTableKeys.byOwner;
      const items = await this.queryAll({
        IndexName: indexName,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': partitionKey },
        ExpressionAttributeValues: { ':pk': ownerPartition(namespace, ownerName) },
      });
      return items.map((item) => decode(item) as ObjectOfKind<K>);
    }
    const { indexName, partitionKey } = stateTableKeys.byKind;
    const items = await this.queryAll({
      IndexName: indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': partitionKey },
      ExpressionAttributeValues: { ':pk': `${kind}#${namespace}` },
    });
    return items.map((item) => decode(item) as ObjectOfKind<K>);
  }

  async listPods(job: ObjectKey): Promise<Pod[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#PK = :pk AND begins_with(#SK, :prefix)',
      ExpressionAttributeNames: { '#PK': 'PK', '#SK': 'SK' },
      ExpressionAttributeValues: { ':pk': objectPartition('Job', job), ':prefix': POD_SK_PREFIX },
      ConsistentRead: true,
    });
    return items.map((item) => decode(item) as Pod);
  }

  async getPod(job: ObjectKey, podName: string): Promise<Pod | undefined> {
    const item = await this.getItem({ PK: objectPartition('Job', job), SK: `${POD_SK_PREFIX}${podName}` });
    return item && (decode(item) as Pod);
  }

  async create<T extends KubeObject>(obj: T): Promise<T> {
    const created = structuredClone(obj);
    created.metadata.uid ??= randomUUID();
    created.metadata.creationTimestamp ??= toRfc3339(this.now());
    // Kubernetes ignores a client's resourceVersion on create; the store assigns the first one.
    created.metadata.resourceVersion = '1';
    const item = toItem(created, 1);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: objectIsAbsent,
          ExpressionAttributeNames: { '#PK': 'PK' },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new AlreadyExistsError(`${this.where('create')}: ${label(created)}: already exists`, { cause: error });
      throw error;
    }
    return created;
  }

  async update<T extends KubeObject>(obj: T): Promise<T> {
    const updated = structuredClone(obj);
    const itemKey = itemKeyOf(updated);
    const expectedRv = parseResourceVersion(updated.metadata.resourceVersion);
    // A resourceVersion the store never issued can match nothing: report it the way a stale one is reported.
    if (expectedRv === undefined) throw await this.updateFailure(updated, itemKey, undefined);
    if (updated.metadata.uid === undefined || updated.metadata.creationTimestamp === undefined) {
      // Kubernetes keeps uid and creationTimestamp across updates; fill what the caller left out.
      const stored = await this.getItem(itemKey);
      if (!stored) throw new NotFoundError(`${this.where('update')}: ${label(updated)}: not found`);
      const meta = decode(stored).metadata;
      updated.metadata.uid ??= meta.uid;
      updated.metadata.creationTimestamp ??= meta.creationTimestamp;
    }
    const nextRv = expectedRv + 1;
    updated.metadata.resourceVersion = String(nextRv);
    // The uid guard turns a write aimed at a deleted-and-recreated object (whose rv restarted at 1) into a conflict.
    const uid = updated.metadata.uid;
    const guard = uid === undefined ? [objectExists, resourceVersionMatches] : [objectExists, resourceVersionMatches, uidMatches];
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(updated, nextRv),
          ConditionExpression: guard.join(' AND '),
          ExpressionAttributeNames: {
            '#PK': 'PK',
            '#rv': 'rv',
            ...(uid === undefined ? {} : { '#object': 'object', '#metadata': 'metadata', '#uid': 'uid' }),
          },
          ExpressionAttributeValues: { ':expectedRv': expectedRv, ...(uid === undefined ? {} : { ':uid': uid }) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw await this.updateFailure(updated, itemKey, error);
    }
    return updated;
  }

  /** Tells a vanished object (NotFound) from a changed one (Conflict) after a failed update guard. */
  private async updateFailure(obj: KubeObject, itemKey: ItemKey, cause: ConditionalCheckFailedException | undefined): Promise<Error> {
    // AWS returns the current item with the failure; dynalite does not, so read it then.
    const exists = cause?.Item !== undefined || (await this.getItem(itemKey)) !== undefined;
    const options = cause ? { cause } : undefined;
    if (!exists) return new NotFoundError(`${this.where('update')}: ${label(obj)}: not found`, options);
    return new ConflictError(
      `${this.where('update')}: ${label(obj)} at resourceVersion "${obj.metadata.resourceVersion ?? ''}": ` +
        'the object has been modified; please apply your changes to the latest version and try again',
      options,
    );
  }

  async delete(kind: Kind, key: ObjectKey): Promise<void> {
    switch (kind) {
      case 'CronJob':
        return this.deletePartition(await this.partitionKeys(objectPartition('CronJob', key)));
      case 'Job': {
        const keys = await this.partitionKeys(objectPartition('Job', key));
        const podNames = keys.filter((k) => k.SK.startsWith(POD_SK_PREFIX)).map((k) => k.SK.slice(POD_SK_PREFIX.length));
        // Children first, the Job's own item last: a crash part-way leaves the Job visible, and a retry finishes.
        await forEachLimited(podNames, DELETE_CONCURRENCY, async (name) =>
          this.deleteKeys(await this.partitionKeys(eventPartition('Pod', { namespace: key.namespace, name }))),
        );
        return this.deletePartition(keys);
      }
      case 'Pod': {
        const itemKey = await this.locatePod(key);
        await this.deleteKeys(await this.partitionKeys(eventPartition('Pod', key)));
        if (itemKey) await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: itemKey }));
        return;
      }
    }
  }

  async recordEvent(event: KubeEvent): Promise<void> {
    const timestampMs = Date.parse(event.timestamp);
    if (Number.isNaN(timestampMs)) {
      throw new JobctlError('Validation', `${this.where('recordEvent')}: timestamp "${event.timestamp}": must be RFC 3339`);
    }
    const nowMs = this.now();
    // Sorts by event time, then by when this store recorded it, then by this process's order; the random tail keeps
    // two processes recording at the same millisecond from overwriting each other.
    const seq = String(this.eventSeq++ % 1e6).padStart(6, '0');
    const tail = randomUUID().slice(0, 8);
    const item: StoredItem = {
      PK: eventPartition(event.involvedObject.kind, event.involvedObject),
      SK: `${EVENT_SK_PREFIX}${new Date(timestampMs).toISOString()}#${String(nowMs).padStart(15, '0')}.${seq}.${tail}`,
      kind: 'Event',
      name: event.involvedObject.name,
      namespace: event.involvedObject.namespace,
      object: structuredClone(event) as unknown as Record<string, unknown>,
      expiresAt: Math.floor(nowMs / 1000) + EVENT_TTL_SECONDS,
    };
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async listEvents(kind: Kind, key: ObjectKey): Promise<KubeEvent[]> {
    // The sort key starts with the event time, so the read starts two TTLs back: an every-minute CronJob's partition
    // holds thousands of expired events until TTL (days late on AWS, never on dynalite) deletes them, and `describe`
    // must not read them all. Expired items inside the window are filtered out.
    const fromSk = `${EVENT_SK_PREFIX}${new Date(this.now() - 2 * EVENT_TTL_SECONDS * 1000).toISOString()}`;
    const items = await this.queryAll({
      KeyConditionExpression: '#PK = :pk AND #SK BETWEEN :from AND :to',
      FilterExpression: eventNotExpired,
      ExpressionAttributeNames: { '#PK': 'PK', '#SK': 'SK', '#expiresAt': stateTableKeys.timeToLiveAttribute },
      ExpressionAttributeValues: { ':pk': eventPartition(kind, key), ':from': fromSk, ':to': `${EVENT_SK_PREFIX}\uffff`, ':nowSeconds': Math.floor(this.now() / 1000) },
      ConsistentRead: true,
    });
    return items.map((item) => item.object as unknown as KubeEvent);
  }

  private where(method: string): string {
    return `state table "${this.tableName}" ${method}`;
  }

  private async getItem(key: ItemKey): Promise<StoredItem | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    return out.Item as StoredItem | undefined;
  }

  /** The Job partition a Pod lives in, found on GSI1 (eventually consistent on AWS). */
  private async locatePod(key: ObjectKey): Promise<ItemKey | undefined> {
    const { indexName, partitionKey, sortKey } = stateTableKeys.byKind;
    const items = await this.queryAll({
      IndexName: indexName,
      KeyConditionExpression: '#pk = :pk AND #sk = :sk',
      ExpressionAttributeNames: { '#pk': partitionKey, '#sk': sortKey, '#PK': 'PK', '#SK': 'SK' },
      ExpressionAttributeValues: { ':pk': `Pod#${key.namespace}`, ':sk': key.name },
      ProjectionExpression: '#PK, #SK',
    });
    const first = items[0];
    return first && { PK: first.PK, SK: first.SK };
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<StoredItem[]> {
    const items: StoredItem[] = [];
    for await (const page of paginateQuery({ client: this.doc }, { TableName: this.tableName, ...input })) {
      items.push(...((page.Items ?? []) as StoredItem[]));
    }
    return items;
  }

  private async partitionKeys(pk: string): Promise<ItemKey[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#PK = :pk',
      ExpressionAttributeNames: { '#PK': 'PK', '#SK': 'SK' },
      ExpressionAttributeValues: { ':pk': pk },
      ProjectionExpression: '#PK, #SK',
      ConsistentRead: true,
    });
    return items.map(({ PK, SK }) => ({ PK, SK }));
  }

  /** Deletes the items of one partition, its object item (if any) last. */
  private async deletePartition(keys: ItemKey[]): Promise<void> {
    await this.deleteKeys(keys.filter((k) => k.SK !== OBJECT_SK));
    const objectKey = keys.find((k) => k.SK === OBJECT_SK);
    if (objectKey) await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: objectKey }));
  }

  /** BatchWriteItem in chunks of 25, retrying what DynamoDB left unprocessed with jittered exponential back-off. */
  private async deleteKeys(keys: ItemKey[]): Promise<void> {
    for (let start = 0; start < keys.length; start += BATCH_WRITE_LIMIT) {
      let pending = keys.slice(start, start + BATCH_WRITE_LIMIT).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > 1) {
          if (attempt > MAX_BATCH_ATTEMPTS) {
            throw new Error(`${this.where('delete')}: ${pending.length} items still unprocessed after ${MAX_BATCH_ATTEMPTS} attempts: retry the delete`);
          }
          await this.sleep(Math.random() * Math.min(5_000, 50 * 2 ** attempt));
        }
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof pending;
      }
    }
  }
}

function objectPartition(kind: 'CronJob' | 'Job', key: ObjectKey): string {
  return `${kind}#${key.namespace}#${key.name}`;
}

function eventPartition(kind: Kind, key: ObjectKey): string {
  return `${kind}#${key.namespace}#${key.name}`;
}

function ownerPartition(namespace: string, ownerName: string): string {
  return `owner#CronJob#${namespace}#${ownerName}`;
}

function objectItemKey(kind: 'CronJob' | 'Job', key: ObjectKey): ItemKey {
  return { PK: objectPartition(kind, key), SK: OBJECT_SK };
}

function podJobName(pod: Pod): string {
  const jobName = pod.metadata.labels?.[wellKnown.jobName];
  if (!jobName) {
    throw new JobctlError('Validation', `state store: Pod "${pod.metadata.namespace}/${pod.metadata.name}": metadata.labels["${wellKnown.jobName}"] is required: a pod belongs to a Job`);
  }
  return jobName;
}

function itemKeyOf(obj: KubeObject): ItemKey {
  if (obj.kind === 'Pod') return { PK: objectPartition('Job', { namespace: obj.metadata.namespace, name: podJobName(obj) }), SK: `${POD_SK_PREFIX}${obj.metadata.name}` };
  return objectItemKey(obj.kind, obj.metadata);
}

function toItem(obj: KubeObject, rv: number): StoredItem {
  const { namespace, name } = obj.metadata;
  const item: StoredItem = {
    ...itemKeyOf(obj),
    kind: obj.kind,
    name,
    namespace,
    rv,
    object: obj as unknown as Record<string, unknown>,
    GSI1PK: `${obj.kind}#${namespace}`,
    GSI1SK: name,
  };
  const owner = obj.kind === 'Job' ? obj.metadata.ownerReferences?.find((o) => o.kind === 'CronJob' && o.controller === true) : undefined;
  if (owner) {
    // Sparse index: only Jobs a CronJob controls, in creation order (the CronJob controller's history).
    item.GSI2PK = ownerPartition(namespace, owner.name);
    item.GSI2SK = `${obj.metadata.creationTimestamp ?? ''}#${name}`;
  }
  return item;
}

function decode(item: StoredItem): KubeObject {
  const obj = item.object as unknown as KubeObject;
  // `rv` is what the condition compares; the string is derived from it.
  if (item.rv !== undefined) obj.metadata.resourceVersion = String(item.rv);
  return obj;
}

function label(obj: KubeObject): string {
  return `${obj.kind} "${obj.metadata.namespace}/${obj.metadata.name}"`;
}

function parseResourceVersion(value: string | undefined): number | undefined {
  return value !== undefined && /^[1-9][0-9]{0,14}$/.test(value) ? Number(value) : undefined;
}

function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return error instanceof ConditionalCheckFailedException || (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException';
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
