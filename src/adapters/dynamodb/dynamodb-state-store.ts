import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { toRfc3339 } from '../../engine/object-meta.ts';
import { AlreadyExistsError, ConflictError, JobctlError, NotFoundError, UnreadableItemError } from '../../errors.ts';

export { UnreadableItemError } from '../../errors.ts';
import type { ObjectKey, ObjectOfKind, StateStore } from '../../ports/state-store.ts';
import { isDns1123Label, isDns1123Subdomain } from '../../spec/field-errors.ts';
import { wellKnown, type Kind, type KubeEvent, type KubeObject, type Pod } from '../../spec/types.ts';
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
  /**
   * Told, once per item and reason, about an item that `list`, `listPods` or `listEvents` skipped because it cannot be
   * read (written by hand, by a bug, or by another version): `message` is one line naming the item's key and why.
   * @default - a `warning: …` line on stderr
   */
  onUnreadable?: (message: string, key: { PK: string; SK: string }) => void;
}

/**
 * DynamoDB's item size limit, 400 KB
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html), counted as {@link
 * storedItemSizeBytes} counts. dynalite enforces the same number.
 */
export const MAX_ITEM_BYTES = 409_600;

/** The document client's marshalling, so sizes are those of what the store sends. */
const MARSHALL_OPTIONS = { removeUndefinedValues: true } as const;

/**
 * The size DynamoDB counts for the item `create` (or `update`, at resourceVersion `rv`) writes for `obj`: attribute
 * names plus values, by the rules of "DynamoDB item sizes and formats"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html): strings and names
 * in UTF-8 bytes; numbers 1 byte per two significant digits plus 1 (as dynalite reproduces DynamoDB's encoding: digit
 * pairs aligned on the decimal point, one more byte for a negative number); booleans and null 1 byte; a list or map
 * 3 bytes plus 1 per element, plus its elements (a map's with their names). What `create` fills in (uid,
 * creationTimestamp, resourceVersion) is counted at the length it will have.
 *
 * @example
 * storedItemSizeBytes(job) > MAX_ITEM_BYTES;
 * // true: `create(job)` would fail with "Item size has exceeded the maximum allowed size"
 */
export function storedItemSizeBytes(obj: KubeObject, rv = 1): number {
  const metadata = {
    ...obj.metadata,
    uid: obj.metadata.uid ?? '00000000-0000-4000-8000-000000000000',
    creationTimestamp: obj.metadata.creationTimestamp ?? '1970-01-01T00:00:00Z',
    resourceVersion: String(rv),
  };
  const item = toItem({ ...obj, metadata } as KubeObject, rv);
  let bytes = 0;
  for (const [name, value] of Object.entries(marshall(item, MARSHALL_OPTIONS)))
    bytes += utf8Length(name) + attributeValueBytes(value);
  return bytes;
}

function attributeValueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Length(value.S);
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return value.L.reduce((sum, v) => sum + 1 + attributeValueBytes(v), 3);
  if (value.M !== undefined)
    return Object.entries(value.M).reduce((sum, [k, v]) => sum + 1 + utf8Length(k) + attributeValueBytes(v), 3);
  if (value.SS !== undefined) return value.SS.reduce((sum, v) => sum + utf8Length(v), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, v) => sum + numberBytes(v), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, v) => sum + v.length, 0);
  return 0;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** DynamoDB's number encoding: significant digits in pairs aligned on the decimal point, a byte for the exponent. */
function numberBytes(text: string): number {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!match) return text.length;
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  const all = `${whole}${fraction}`;
  const firstNonZero = all.search(/[1-9]/);
  if (firstNonZero === -1) return 1;
  const digits = all.slice(firstNonZero).replace(/0+$/, '').length;
  // The decimal exponent of the first significant digit (big.js's `e`).
  const e = whole.length - 1 - firstNonZero + Number(exponent);
  const misaligned = digits % 2 === 0 && e % 2 === 0;
  return 1 + Math.ceil(digits / 2) + (misaligned ? 1 : 0) + (sign === '-' ? 1 : 0);
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
  private readonly onUnreadable: (message: string, key: { PK: string; SK: string }) => void;
  /** Unreadable items already reported (key and reason), so a runtime's resync every 30 s does not repeat them. */
  private readonly reportedUnreadable = new Set<string>();
  private eventSeq = 0;

  constructor(options: DynamoDbStateStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true },
      // A number JavaScript cannot hold exactly becomes a marker the decoder reports, instead of failing the whole
      // page.
      unmarshallOptions: { wrapNumbers: readNumber },
    });
    this.tableName = options.tableName;
    this.now = options.now ?? (() => Date.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.onUnreadable = options.onUnreadable ?? ((message) => void process.stderr.write(`warning: ${message}\n`));
  }

  async get<K extends Kind>(kind: K, key: ObjectKey): Promise<ObjectOfKind<K> | undefined> {
    const itemKey = kind === 'Pod' ? await this.locatePod(key) : objectItemKey(kind, key);
    if (!itemKey) return undefined;
    const item = await this.getItem(itemKey);
    return item && (this.decodeOrThrow(item, 'get') as ObjectOfKind<K>);
  }

  async list<K extends Kind>(
    kind: K,
    namespace: string,
    options: { ownerName?: string } = {},
  ): Promise<ObjectOfKind<K>[]> {
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
      return this.decodeReadable(items) as ObjectOfKind<K>[];
    }
    const { indexName, partitionKey } = stateTableKeys.byKind;
    const items = await this.queryAll({
      IndexName: indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': partitionKey },
      ExpressionAttributeValues: { ':pk': `${kind}#${namespace}` },
    });
    return this.decodeReadable(items) as ObjectOfKind<K>[];
  }

  async listPods(job: ObjectKey): Promise<Pod[]> {
    const items = await this.queryAll({
      KeyConditionExpression: '#PK = :pk AND begins_with(#SK, :prefix)',
      ExpressionAttributeNames: { '#PK': 'PK', '#SK': 'SK' },
      ExpressionAttributeValues: { ':pk': objectPartition('Job', job), ':prefix': POD_SK_PREFIX },
      ConsistentRead: true,
    });
    return this.decodeReadable(items) as Pod[];
  }

  async getPod(job: ObjectKey, podName: string): Promise<Pod | undefined> {
    const item = await this.getItem({ PK: objectPartition('Job', job), SK: `${POD_SK_PREFIX}${podName}` });
    return item && (this.decodeOrThrow(item, 'getPod') as Pod);
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
      if (isConditionFailure(error))
        throw new AlreadyExistsError(`${this.where('create')}: ${label(created)}: already exists`, { cause: error });
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
      const meta = this.decodeOrThrow(stored, 'update').metadata;
      updated.metadata.uid ??= meta.uid;
      updated.metadata.creationTimestamp ??= meta.creationTimestamp;
    }
    const nextRv = expectedRv + 1;
    updated.metadata.resourceVersion = String(nextRv);
    // The uid guard turns a write aimed at a deleted-and-recreated object (whose rv restarted at 1) into a conflict.
    const uid = updated.metadata.uid;
    const guard =
      uid === undefined ? [objectExists, resourceVersionMatches] : [objectExists, resourceVersionMatches, uidMatches];
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
  private async updateFailure(
    obj: KubeObject,
    itemKey: ItemKey,
    cause: ConditionalCheckFailedException | undefined,
  ): Promise<Error> {
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
        const podNames = keys
          .filter((k) => k.SK.startsWith(POD_SK_PREFIX))
          .map((k) => k.SK.slice(POD_SK_PREFIX.length));
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
      throw new JobctlError(
        'Validation',
        `${this.where('recordEvent')}: timestamp "${event.timestamp}": must be RFC 3339`,
      );
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
      ExpressionAttributeValues: {
        ':pk': eventPartition(kind, key),
        ':from': fromSk,
        ':to': `${EVENT_SK_PREFIX}\uffff`,
        ':nowSeconds': Math.floor(this.now() / 1000),
      },
      ConsistentRead: true,
    });
    return items.flatMap((item) => {
      const problem = eventProblem(item.object);
      if (problem === undefined) return [item.object as unknown as KubeEvent];
      this.reportUnreadable(item, problem);
      return [];
    });
  }

  private where(method: string): string {
    return `state table "${this.tableName}" ${method}`;
  }

  /** The objects of `items` that can be read; each other one is reported (once) and skipped. */
  private decodeReadable(items: readonly StoredItem[]): KubeObject[] {
    return items.flatMap((item) => {
      try {
        return [decode(item)];
      } catch (error) {
        if (!(error instanceof ItemProblem)) throw error;
        this.reportUnreadable(item, error);
        return [];
      }
    });
  }

  private decodeOrThrow(item: StoredItem, method: string): KubeObject {
    try {
      return decode(item);
    } catch (error) {
      if (!(error instanceof ItemProblem)) throw error;
      throw new UnreadableItemError(`${this.where(method)}: item ${itemLabel(item)} cannot be read: ${error.message}`, {
        PK: String(item.PK),
        SK: String(item.SK),
      });
    }
  }

  private reportUnreadable(item: StoredItem, problem: ItemProblem): void {
    const message =
      `state table "${this.tableName}": skipped item ${itemLabel(item)}, which cannot be read: ` + `${problem.message}`;
    if (this.reportedUnreadable.has(message)) return;
    this.reportedUnreadable.add(message);
    this.onUnreadable(message, { PK: String(item.PK), SK: String(item.SK) });
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
            throw new Error(
              `${this.where('delete')}: ${pending.length} items still unprocessed after ${MAX_BATCH_ATTEMPTS} ` +
                `attempts: retry the delete`,
            );
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
    throw new JobctlError(
      'Validation',
      `state store: Pod "${pod.metadata.namespace}/${pod.metadata.name}": metadata.labels["${wellKnown.jobName}"] is ` +
        `required: a pod belongs to a Job`,
    );
  }
  return jobName;
}

function itemKeyOf(obj: KubeObject): ItemKey {
  if (obj.kind === 'Pod')
    return {
      PK: objectPartition('Job', { namespace: obj.metadata.namespace, name: podJobName(obj) }),
      SK: `${POD_SK_PREFIX}${obj.metadata.name}`,
    };
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
  const owner =
    obj.kind === 'Job'
      ? obj.metadata.ownerReferences?.find((o) => o.kind === 'CronJob' && o.controller === true)
      : undefined;
  if (owner) {
    // Sparse index: only Jobs a CronJob controls, in creation order (the CronJob controller's history).
    item.GSI2PK = ownerPartition(namespace, owner.name);
    item.GSI2SK = `${obj.metadata.creationTimestamp ?? ''}#${name}`;
  }
  return item;
}

/**
 * The object an item holds, checked for the structure jobctl's code relies on and completed with the defaults
 * Kubernetes gives the fields it defaults (status counters and conditions, a Job's parallelism, …), as the API server
 * serves an object whatever an older writer left out. Anything else that is wrong is an {@link ItemProblem} naming
 * the field: the store's callers (controllers, the CLI, `jobctl up` at start) then never meet a malformed object.
 */
function decode(item: StoredItem): KubeObject {
  const obj = readStoredObject(item);
  // `rv` is what the condition compares; the string is derived from it.
  if (item.rv !== undefined) {
    if (!isSafeCount(item.rv) || (item.rv as number) < 1)
      throw new ItemProblem('rv', `${describe(item.rv)} is not a resource version`);
    obj.metadata.resourceVersion = String(item.rv);
  }
  return obj;
}

function itemLabel(item: StoredItem): string {
  return `${String(item.PK)}/${String(item.SK)}`;
}

function label(obj: KubeObject): string {
  return `${obj.kind} "${obj.metadata.namespace}/${obj.metadata.name}"`;
}

function parseResourceVersion(value: string | undefined): number | undefined {
  return value !== undefined && /^[1-9][0-9]{0,14}$/.test(value) ? Number(value) : undefined;
}

function isConditionFailure(error: unknown): error is ConditionalCheckFailedException {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: unknown } | undefined)?.name === 'ConditionalCheckFailedException'
  );
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// ---------------------------------------------------------------------------------------------------------------------
// Reading stored items (audit D8)
// ---------------------------------------------------------------------------------------------------------------------

/** Why a stored item cannot be read: the field (path in the item) and the reason. */
class ItemProblem extends Error {
  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'ItemProblem';
  }
}

/** A DynamoDB number JavaScript cannot hold exactly (beyond 2^53) or at all: kept as its text for the message. */
class UnreadableNumber {
  constructor(readonly text: string) {}
}

/** `unmarshallOptions.wrapNumbers`: the SDK would otherwise throw on one such number and fail the whole Query page. */
function readNumber(text: string): number | UnreadableNumber {
  const value = Number(text);
  return Number.isFinite(value) && (Number.isSafeInteger(value) || !Number.isInteger(value))
    ? value
    : new UnreadableNumber(text);
}

type Fields = Record<string, unknown>;

function describe(value: unknown): string {
  if (value instanceof UnreadableNumber) return `${value.text} (beyond the numbers jobctl reads)`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Set) return 'a set';
  if (value instanceof Uint8Array) return 'binary data';
  if (value instanceof UnreadableNumber) return 'a number beyond the numbers jobctl reads';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}

function isFields(value: unknown): value is Fields {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype
  );
}

function isSafeCount(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** Typed reads at a path, each throwing an {@link ItemProblem} that names the field. */
const read = {
  map(value: unknown, path: string): Fields {
    if (!isFields(value)) throw new ItemProblem(path, `must be a map, got ${typeOf(value)}`);
    return value;
  },
  list(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) throw new ItemProblem(path, `must be a list, got ${typeOf(value)}`);
    return value;
  },
  string(value: unknown, path: string): string {
    if (typeof value !== 'string') throw new ItemProblem(path, `must be a string, got ${typeOf(value)}`);
    return value;
  },
  /** A map field, created empty when absent (a status Kubernetes serves as `{}`). */
  mapField(parent: Fields, key: string, path: string): Fields {
    if (parent[key] === undefined || parent[key] === null) parent[key] = {};
    return read.map(parent[key], join(path, key));
  },
  optionalMap(parent: Fields, key: string, path: string): Fields | undefined {
    return parent[key] === undefined ? undefined : read.map(parent[key], join(path, key));
  },
  optionalString(parent: Fields, key: string, path: string): void {
    if (parent[key] !== undefined) read.string(parent[key], join(path, key));
  },
  optionalBoolean(parent: Fields, key: string, path: string, fallback?: boolean): void {
    if (parent[key] === undefined && fallback !== undefined) parent[key] = fallback;
    if (parent[key] !== undefined && typeof parent[key] !== 'boolean')
      throw new ItemProblem(join(path, key), `must be a boolean, got ${typeOf(parent[key])}`);
  },
  /** A whole number (0 or more), set to `fallback` when absent and one is given. */
  optionalCount(parent: Fields, key: string, path: string, fallback?: number): void {
    if ((parent[key] === undefined || parent[key] === null) && fallback !== undefined) parent[key] = fallback;
    const value = parent[key];
    if (value === undefined) return;
    if (value instanceof UnreadableNumber)
      throw new ItemProblem(join(path, key), `${value.text} is beyond the numbers jobctl reads`);
    if (!isSafeCount(value) || (value as number) < 0)
      throw new ItemProblem(
        join(path, key),
        `must be a whole number, 0 or more, got ${typeOf(value) === 'a number' ? String(value) : typeOf(value)}`,
      );
  },
  oneOf(parent: Fields, key: string, path: string, allowed: readonly string[], fallback?: string): void {
    if (parent[key] === undefined && fallback !== undefined) parent[key] = fallback;
    if (parent[key] === undefined) return;
    const value = read.string(parent[key], join(path, key));
    if (!allowed.includes(value))
      throw new ItemProblem(join(path, key), `${describe(value)} is not one of ${allowed.join(', ')}`);
  },
  optionalStringMap(parent: Fields, key: string, path: string): void {
    const map = read.optionalMap(parent, key, path);
    for (const [k, v] of Object.entries(map ?? {})) read.string(v, `${join(path, key)}[${k}]`);
  },
  optionalStringList(parent: Fields, key: string, path: string): void {
    if (parent[key] === undefined) return;
    read.list(parent[key], join(path, key)).forEach((v, i) => {
      read.string(v, `${join(path, key)}[${i}]`);
    });
  },
};

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

const storedKinds: readonly Kind[] = ['CronJob', 'Job', 'Pod'];

/** Reads the `object` attribute of an item as the kind its `kind` attribute names. */
function readStoredObject(item: StoredItem): KubeObject {
  const obj = read.map(item.object, 'object');
  const kind = read.string(item.kind, 'kind') as Kind;
  if (!storedKinds.includes(kind)) throw new ItemProblem('kind', `${describe(kind)} is not a kind the store holds`);
  if (obj['kind'] !== kind)
    throw new ItemProblem('object.kind', `${describe(obj['kind'])} is not the item's kind "${kind}"`);
  if (obj['apiVersion'] === undefined) obj['apiVersion'] = kind === 'Pod' ? 'v1' : 'batch/v1';
  read.string(obj['apiVersion'], 'apiVersion');
  const metadata = readMetadata(read.map(obj['metadata'], 'metadata'), item, kind);
  switch (kind) {
    case 'Job':
      readJobSpec(read.map(obj['spec'], 'spec'), 'spec');
      readJobStatus(read.mapField(obj, 'status', ''));
      break;
    case 'CronJob':
      readCronJob(obj);
      break;
    case 'Pod':
      if (!metadata.labels?.[wellKnown.jobName])
        throw new ItemProblem(`metadata.labels[${wellKnown.jobName}]`, 'must be set: a pod belongs to a Job');
      readPodSpec(read.map(obj['spec'], 'spec'), 'spec');
      readPodStatus(read.mapField(obj, 'status', ''));
      break;
  }
  assertPlainData(obj, '');
  return obj as unknown as KubeObject;
}

/** Names Kubernetes would accept, matching the item's keys: a name read back never becomes a path unchecked (D13). */
function readMetadata(meta: Fields, item: StoredItem, kind: Kind): { labels?: Record<string, string> } {
  const name = read.string(meta['name'], 'metadata.name');
  if (isDns1123Subdomain(name).length > 0)
    throw new ItemProblem('metadata.name', `${describe(name)} is not a valid name (a lowercase RFC 1123 subdomain)`);
  if (meta['namespace'] === undefined) meta['namespace'] = 'default';
  const namespace = read.string(meta['namespace'], 'metadata.namespace');
  if (isDns1123Label(namespace).length > 0)
    throw new ItemProblem(
      'metadata.namespace',
      `${describe(namespace)} is not a valid namespace (a lowercase RFC 1123 label)`,
    );
  if (typeof item.name === 'string' && item.name !== name)
    throw new ItemProblem('metadata.name', `${describe(name)} is not the item's name "${item.name}"`);
  if (typeof item.namespace === 'string' && item.namespace !== namespace)
    throw new ItemProblem(
      'metadata.namespace',
      `${describe(namespace)} is not the item's namespace "${item.namespace}"`,
    );
  const expectedSk = kind === 'Pod' ? `${POD_SK_PREFIX}${name}` : OBJECT_SK;
  if (item.SK !== expectedSk || (kind !== 'Pod' && item.PK !== objectPartition(kind, { namespace, name }))) {
    throw new ItemProblem('metadata.name', `${describe(name)} does not match the item's key`);
  }
  for (const key of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp'])
    read.optionalString(meta, key, 'metadata');
  read.optionalStringMap(meta, 'labels', 'metadata');
  read.optionalStringMap(meta, 'annotations', 'metadata');
  if (meta['ownerReferences'] !== undefined) {
    read.list(meta['ownerReferences'], 'metadata.ownerReferences').forEach((ref, i) => {
      const path = `metadata.ownerReferences[${i}]`;
      const owner = read.map(ref, path);
      for (const key of ['apiVersion', 'kind', 'name', 'uid']) read.string(owner[key], join(path, key));
      read.optionalBoolean(owner, 'controller', path);
      read.optionalBoolean(owner, 'blockOwnerDeletion', path);
    });
  }
  return meta as { labels?: Record<string, string> };
}

/** `SetDefaults_Job`'s spec defaults; the pod template must hold containers the launchers can read. */
function readJobSpec(spec: Fields, path: string): void {
  const template = read.map(spec['template'], join(path, 'template'));
  readTemplateMeta(template, join(path, 'template'));
  readPodSpec(read.map(template['spec'], join(path, 'template.spec')), join(path, 'template.spec'));
  read.optionalCount(spec, 'parallelism', path, 1);
  read.optionalCount(spec, 'backoffLimit', path, spec['backoffLimitPerIndex'] === undefined ? 6 : 2_147_483_647);
  for (const key of [
    'completions',
    'backoffLimitPerIndex',
    'maxFailedIndexes',
    'activeDeadlineSeconds',
    'ttlSecondsAfterFinished',
  ])
    read.optionalCount(spec, key, path);
  read.oneOf(spec, 'completionMode', path, ['NonIndexed', 'Indexed'], 'NonIndexed');
  read.optionalBoolean(spec, 'suspend', path, false);
  read.optionalMap(spec, 'selector', path);
}

function readTemplateMeta(template: Fields, path: string): void {
  const meta = read.optionalMap(template, 'metadata', path);
  if (meta === undefined) return;
  read.optionalStringMap(meta, 'labels', join(path, 'metadata'));
  read.optionalStringMap(meta, 'annotations', join(path, 'metadata'));
}

function readPodSpec(spec: Fields, path: string): void {
  const containers = read.list(spec['containers'], join(path, 'containers'));
  containers.forEach((value, i) => {
    const cpath = `${join(path, 'containers')}[${i}]`;
    const container = read.map(value, cpath);
    read.string(container['name'], join(cpath, 'name'));
    read.optionalString(container, 'image', cpath);
    read.optionalString(container, 'imagePullPolicy', cpath);
    read.optionalString(container, 'workingDir', cpath);
    read.optionalStringList(container, 'command', cpath);
    read.optionalStringList(container, 'args', cpath);
    if (container['env'] !== undefined) {
      read.list(container['env'], join(cpath, 'env')).forEach((e, j) => {
        const epath = `${join(cpath, 'env')}[${j}]`;
        const env = read.map(e, epath);
        read.string(env['name'], join(epath, 'name'));
        read.optionalString(env, 'value', epath);
      });
    }
    const resources = read.optionalMap(container, 'resources', cpath);
    if (resources !== undefined) {
      read.optionalStringMap(resources, 'limits', join(cpath, 'resources'));
      read.optionalStringMap(resources, 'requests', join(cpath, 'resources'));
    }
  });
  read.oneOf(spec, 'restartPolicy', path, ['Never', 'OnFailure']);
  read.optionalCount(spec, 'terminationGracePeriodSeconds', path);
  read.optionalStringMap(spec, 'nodeSelector', path);
  read.optionalString(spec, 'hostname', path);
}

function readJobStatus(status: Fields): void {
  for (const key of ['active', 'succeeded', 'failed']) read.optionalCount(status, key, 'status', 0);
  if (status['conditions'] === undefined || status['conditions'] === null) status['conditions'] = [];
  read.list(status['conditions'], 'status.conditions').forEach((value, i) => {
    const path = `status.conditions[${i}]`;
    const condition = read.map(value, path);
    read.string(condition['type'], join(path, 'type'));
    read.string(condition['status'], join(path, 'status'));
    for (const key of ['reason', 'message', 'lastProbeTime', 'lastTransitionTime'])
      read.optionalString(condition, key, path);
  });
  for (const key of ['startTime', 'completionTime', 'completedIndexes', 'failedIndexes'])
    read.optionalString(status, key, 'status');
}

function readCronJob(obj: Fields): void {
  const spec = read.map(obj['spec'], 'spec');
  read.string(spec['schedule'], 'spec.schedule');
  read.optionalString(spec, 'timeZone', 'spec');
  read.optionalCount(spec, 'startingDeadlineSeconds', 'spec');
  read.oneOf(spec, 'concurrencyPolicy', 'spec', ['Allow', 'Forbid', 'Replace'], 'Allow');
  read.optionalBoolean(spec, 'suspend', 'spec', false);
  read.optionalCount(spec, 'successfulJobsHistoryLimit', 'spec', 3);
  read.optionalCount(spec, 'failedJobsHistoryLimit', 'spec', 1);
  const jobTemplate = read.map(spec['jobTemplate'], 'spec.jobTemplate');
  readTemplateMeta(jobTemplate, 'spec.jobTemplate');
  readJobSpec(read.map(jobTemplate['spec'], 'spec.jobTemplate.spec'), 'spec.jobTemplate.spec');
  const status = read.mapField(obj, 'status', '');
  if (status['active'] === undefined || status['active'] === null) status['active'] = [];
  read.list(status['active'], 'status.active').forEach((value, i) => {
    const path = `status.active[${i}]`;
    const ref = read.map(value, path);
    read.string(ref['name'], join(path, 'name'));
    for (const key of ['apiVersion', 'kind', 'namespace', 'uid']) read.optionalString(ref, key, path);
  });
  read.optionalString(status, 'lastScheduleTime', 'status');
  read.optionalString(status, 'lastSuccessfulTime', 'status');
}

function readPodStatus(status: Fields): void {
  read.oneOf(status, 'phase', 'status', ['Pending', 'Running', 'Succeeded', 'Failed'], 'Pending');
  for (const key of ['startTime', 'reason', 'message']) read.optionalString(status, key, 'status');
  if (status['containerStatuses'] === undefined) return;
  read.list(status['containerStatuses'], 'status.containerStatuses').forEach((value, i) => {
    const path = `status.containerStatuses[${i}]`;
    const cs = read.map(value, path);
    read.string(cs['name'], join(path, 'name'));
    read.optionalCount(cs, 'restartCount', path, 0);
    for (const key of ['state', 'lastState']) {
      const state = key === 'state' ? read.mapField(cs, key, path) : read.optionalMap(cs, key, path);
      const terminated = state === undefined ? undefined : read.optionalMap(state, 'terminated', join(path, key));
      if (terminated === undefined) continue;
      const tpath = join(path, `${key}.terminated`);
      if (typeof terminated['exitCode'] !== 'number' || !Number.isInteger(terminated['exitCode'])) {
        throw new ItemProblem(join(tpath, 'exitCode'), `must be a whole number, got ${typeOf(terminated['exitCode'])}`);
      }
    }
  });
}

/** What `describe` reads of an event; undefined when it can be read. */
function eventProblem(value: unknown): ItemProblem | undefined {
  try {
    const event = read.map(value, 'object');
    for (const key of ['type', 'reason', 'message', 'timestamp']) read.string(event[key], key);
    const involved = read.map(event['involvedObject'], 'involvedObject');
    for (const key of ['kind', 'namespace', 'name']) read.string(involved[key], join('involvedObject', key));
    assertPlainData(event, '');
    return undefined;
  } catch (error) {
    if (error instanceof ItemProblem) return error;
    throw error;
  }
}

/**
 * JSON data only, as a Kubernetes object is: no sets, binary or unreadable numbers anywhere, even in unchecked fields.
 */
function assertPlainData(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new ItemProblem(path || '(root)', `${String(value)} is not a number JSON can hold`);
    return;
  }
  if (value instanceof UnreadableNumber)
    throw new ItemProblem(path || '(root)', `${value.text} is beyond the numbers jobctl reads`);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      assertPlainData(v, `${path}[${i}]`);
    });
    return;
  }
  if (!isFields(value)) throw new ItemProblem(path || '(root)', `${typeOf(value)} is not part of a Kubernetes object`);
  for (const [k, v] of Object.entries(value)) assertPlainData(v, join(path, k));
}
