import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { JobctlError, NotFoundError } from '../../errors.ts';
import {
  DEFAULT_QUEUE_SETTINGS,
  type LeasedItem,
  type QueueSettings,
  type QueueStats,
  type QueuedItem,
  type WorkQueue,
} from '../../ports/work-queue.ts';
import { stateTableKeys } from './state-table.ts';
import { WorkQueueTable } from './work-queue-table.ts';
import {
  assertQueueName,
  assertSettings,
  deadPartition,
  definedOnly,
  donePartition,
  itemSortKey,
  queuePartition,
} from './work-queue-keys.ts';

export interface DynamoDbWorkQueueOptions {
  client: DynamoDBClient;
  /**
   * The state table (`src/adapters/dynamodb/state-table.ts`): queues live in their own partitions beside the objects.
   */
  tableName: string;
  /** Milliseconds since the epoch; leases expire by it. @default Date.now */
  now?: () => number;
}

/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;
/** Items read per Query page while looking for one to lease: leased ones at the head are skipped. */
const LEASE_PAGE = 10;
/** How long queue settings are reused before being read again (they change only with `queue create`/apply). */
const META_CACHE_MS = 2_000;

interface QueueMeta {
  PK: string;
  SK: 'meta';
  name: string;
  maxReceiveCount: number;
  leaseSeconds: number;
  /** Last sequence number handed to a pushed item (keeps items in push order in their partition). */
  seq?: number;
}

interface ItemRecord {
  PK: string;
  SK: string;
  id: string;
  body: string;
  receiveCount: number;
  /** The current lease's token; absent while pending. */
  leaseToken?: string;
  /** While leased: when the lease runs out. */
  visibleAtMs: number;
}

/**
 * The local lease queue: {@link WorkQueue} on the state table, so it lives in `.jobctl/db` with everything else and
 * loses nothing when `jobctl up` restarts. Every change is a conditional write on one item; no transaction is needed
 * (dynalite has none):
 *
 * | item | `PK` | `SK` |
 * | --- | --- | --- |
 * | queue settings | `Queue#<name>` | `meta` (also on GSI1 as `Queue` / `<name>`, for `listQueues`) |
 * | pending or leased item | `Queue#<name>` | `item#<push sequence, 12 digits>#<id>` |
 * | done marker (counted once) | `QueueDone#<name>` | `<id>` |
 * | dead letter | `QueueDead#<name>` | `<push sequence>#<id>` |
 *
 * - Leasing reads the queue's partition from its head (consistent Query) and takes the first item that is pending
 *   or whose lease ran out, with a write conditional on the lease token it saw: two workers never get one item.
 * - Completing writes the done marker (conditional on its absence: counted once), then deletes the item on
 *   condition that the lease is still the caller's. A lease that was lost returns false; the marker keeps the
 *   count exact however many workers finish the same item.
 * - An item that has had `maxReceiveCount` leases goes dead when it is released or found expired: a dead-letter
 *   record is written, then the item deleted (a crash between leaves the item, which the next lease moves again).
 * - Emptiness is exact: done items are deleted from the partition, so `pending + leased` is what is left in it.
 *
 * @example
 * const queue = new DynamoDbWorkQueue({ client, tableName: 'jobctl' });
 * await queue.ensureQueue('fruits');
 * await queue.push('fruits', ['apple', 'banana']);
 * const item = await queue.lease('fruits');
 */
export class DynamoDbWorkQueue implements WorkQueue {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly metaCache = new Map<string, { meta: QueueMeta; readAtMs: number }>();
  private readonly table: WorkQueueTable;

  constructor(options: DynamoDbWorkQueueOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.tableName = options.tableName;
    this.table = new WorkQueueTable(this.doc, this.tableName);
    this.now = options.now ?? (() => Date.now());
  }

  async ensureQueue(name: string, settings: Partial<QueueSettings> = {}): Promise<QueueSettings> {
    assertQueueName(name);
    this.metaCache.delete(name);
    const current = await this.describeQueue(name);
    const next: QueueSettings = { ...DEFAULT_QUEUE_SETTINGS, ...current, ...definedOnly(settings) };
    assertSettings(name, next);
    const { byKind } = stateTableKeys;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { PK: queuePartition(name), SK: 'meta' },
        UpdateExpression:
          'SET #name = :name, maxReceiveCount = :max, leaseSeconds = :lease, #g1pk = :g1pk, #g1sk = :name',
        ExpressionAttributeNames: { '#name': 'name', '#g1pk': byKind.partitionKey, '#g1sk': byKind.sortKey },
        ExpressionAttributeValues: {
          ':name': name,
          ':max': next.maxReceiveCount,
          ':lease': next.leaseSeconds,
          ':g1pk': 'Queue',
        },
      }),
    );
    return next;
  }

  async describeQueue(name: string): Promise<QueueSettings | undefined> {
    const meta = await this.meta(name);
    return meta && { maxReceiveCount: meta.maxReceiveCount, leaseSeconds: meta.leaseSeconds };
  }

  async listQueues(): Promise<string[]> {
    const { byKind } = stateTableKeys;
    const items = await this.table.queryAll({
      IndexName: byKind.indexName,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': byKind.partitionKey },
      ExpressionAttributeValues: { ':pk': 'Queue' },
    });
    return items.map((i) => String(i['name'])).sort();
  }

  async deleteQueue(name: string): Promise<void> {
    this.metaCache.delete(name);
    for (const partition of [queuePartition(name), donePartition(name), deadPartition(name)]) {
      const keys = (await this.table.queryAll({
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ProjectionExpression: 'PK, SK',
        ConsistentRead: true,
      })) as Array<{ PK: string; SK: string }>;
      await this.table.batchWrite(keys.map((Key) => ({ DeleteRequest: { Key: { PK: Key.PK, SK: Key.SK } } })));
    }
  }

  async push(name: string, bodies: readonly string[], onProgress?: (written: number) => void): Promise<string[]> {
    await this.mustMeta(name);
    if (bodies.length === 0) return [];
    // Reserve a block of sequence numbers in one atomic ADD: concurrent pushes never interleave inside a block.
    const reserved = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { PK: queuePartition(name), SK: 'meta' },
        UpdateExpression: 'ADD seq :n',
        ExpressionAttributeValues: { ':n': bodies.length },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const last = Number(reserved.Attributes?.['seq']);
    const first = last - bodies.length + 1;
    const records: ItemRecord[] = bodies.map((body, i) => {
      const id = randomUUID();
      return { PK: queuePartition(name), SK: itemSortKey(first + i, id), id, body, receiveCount: 0, visibleAtMs: 0 };
    });
    let written = 0;
    for (let start = 0; start < records.length; start += BATCH_WRITE_LIMIT) {
      const chunk = records.slice(start, start + BATCH_WRITE_LIMIT);
      await this.table.batchWrite(chunk.map((Item) => ({ PutRequest: { Item } })));
      written += chunk.length;
      onProgress?.(written);
    }
    return records.map((r) => r.id);
  }

  async lease(name: string, options: { leaseSeconds?: number } = {}): Promise<LeasedItem | undefined> {
    const meta = await this.mustMeta(name);
    const leaseSeconds = options.leaseSeconds ?? meta.leaseSeconds;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :item)',
          ExpressionAttributeValues: { ':pk': queuePartition(name), ':item': 'item#' },
          ConsistentRead: true,
          Limit: LEASE_PAGE,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      // Candidates in random order: workers reading the same head would all race for its first item.
      for (const record of shuffled((page.Items ?? []) as ItemRecord[])) {
        const now = this.now();
        if (record.leaseToken !== undefined && record.visibleAtMs > now) continue; // someone holds it
        if (record.receiveCount >= meta.maxReceiveCount) {
          await this.table.moveToDead(name, record);
          continue;
        }
        const leased = await this.takeLease(record, now + leaseSeconds * 1000);
        if (leased !== undefined) return leased;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return undefined;
  }

  async renew(name: string, lease: string, leaseSeconds: number): Promise<boolean> {
    const { sk, token } = parseLease(lease);
    return this.conditionalUpdate(name, sk, token, 'SET visibleAtMs = :until', {
      ':until': this.now() + leaseSeconds * 1000,
    });
  }

  async complete(name: string, lease: string): Promise<boolean> {
    const { sk, token } = parseLease(lease);
    const record = await this.table.item<ItemRecord>(name, sk);
    if (record === undefined || record.leaseToken !== token) return false;
    // The marker first: a crash after it leaves the item leased, and whoever finishes it later is not counted again.
    await this.markDone(name, record.id);
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { PK: queuePartition(name), SK: sk },
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeValues: { ':token': token },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(name: string, lease: string, options: { uncounted?: boolean } = {}): Promise<boolean> {
    const meta = await this.mustMeta(name);
    const { sk, token } = parseLease(lease);
    const record = await this.table.item<ItemRecord>(name, sk);
    if (record === undefined || record.leaseToken !== token) return false;
    if (options.uncounted) {
      return this.conditionalUpdate(name, sk, token, 'REMOVE leaseToken SET visibleAtMs = :now, receiveCount = :rc', {
        ':now': this.now(),
        ':rc': Math.max(0, record.receiveCount - 1),
      });
    }
    if (record.receiveCount >= meta.maxReceiveCount) {
      await this.table.moveToDead(name, record);
      return true;
    }
    return this.conditionalUpdate(name, sk, token, 'REMOVE leaseToken SET visibleAtMs = :now', { ':now': this.now() });
  }

  async stats(name: string): Promise<QueueStats> {
    const meta = await this.mustMeta(name);
    const now = this.now();
    let pending = 0;
    let leased = 0;
    let expiredAtMax = 0;
    for (const record of await this.items(name)) {
      const held = record.leaseToken !== undefined && record.visibleAtMs > now;
      if (held) leased++;
      else if (record.receiveCount >= meta.maxReceiveCount)
        expiredAtMax++; // goes dead at the next lease
      else pending++;
    }
    const done = await this.count(donePartition(name));
    const dead = (await this.count(deadPartition(name))) + expiredAtMax;
    return { pending, leased, done, dead };
  }

  async peek(name: string, limit: number): Promise<QueuedItem[]> {
    await this.mustMeta(name);
    const now = this.now();
    return (await this.items(name, limit)).map((r) => ({
      id: r.id,
      body: r.body,
      receiveCount: r.receiveCount,
      state: r.leaseToken !== undefined && r.visibleAtMs > now ? 'leased' : 'pending',
    }));
  }

  async purge(name: string): Promise<number> {
    await this.mustMeta(name);
    const records = await this.items(name);
    await this.table.batchWrite(records.map((r) => ({ DeleteRequest: { Key: { PK: r.PK, SK: r.SK } } })));
    return records.length;
  }

  async deadLetters(name: string, limit: number): Promise<QueuedItem[]> {
    await this.mustMeta(name);
    const records = (await this.table.queryAll(
      {
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': deadPartition(name) },
        ConsistentRead: true,
      },
      limit,
    )) as unknown as ItemRecord[];
    return records.map((r) => ({ id: r.id, body: r.body, receiveCount: r.receiveCount, state: 'dead' as const }));
  }

  async redrive(name: string, ids?: readonly string[]): Promise<number> {
    await this.mustMeta(name);
    const wanted = ids === undefined ? undefined : new Set(ids);
    const dead = (
      (await this.table.queryAll({
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': deadPartition(name) },
        ConsistentRead: true,
      })) as unknown as ItemRecord[]
    ).filter((r) => wanted === undefined || wanted.has(r.id));
    for (const record of dead) {
      // Back at the tail with a fresh receive count; the item keeps its id (and its done marker, if it has one).
      const reserved = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: queuePartition(name), SK: 'meta' },
          UpdateExpression: 'ADD seq :one',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      const item: ItemRecord = {
        PK: queuePartition(name),
        SK: itemSortKey(Number(reserved.Attributes?.['seq']), record.id),
        id: record.id,
        body: record.body,
        receiveCount: 0,
        visibleAtMs: 0,
      };
      await this.doc.send(new PutCommand({ TableName: this.tableName, Item: item }));
      await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { PK: record.PK, SK: record.SK } }));
    }
    return dead.length;
  }

  /** Leases `record` if it is still as read (same token, same receive count); undefined when someone was faster. */
  private async takeLease(record: ItemRecord, untilMs: number): Promise<LeasedItem | undefined> {
    const token = randomUUID();
    const receiveCount = record.receiveCount + 1;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: record.PK, SK: record.SK },
          UpdateExpression: 'SET leaseToken = :token, visibleAtMs = :until, receiveCount = :rc',
          ConditionExpression:
            `receiveCount = :seen AND ` +
            `${record.leaseToken === undefined ? 'attribute_not_exists(leaseToken)' : 'leaseToken = :old'}`,
          ExpressionAttributeValues: {
            ':token': token,
            ':until': untilMs,
            ':rc': receiveCount,
            ':seen': record.receiveCount,
            ...(record.leaseToken === undefined ? {} : { ':old': record.leaseToken }),
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
    return {
      id: record.id,
      body: record.body,
      lease: `${record.SK}|${token}`,
      receiveCount,
      leaseExpiresAtMs: untilMs,
    };
  }

  private async markDone(name: string, id: string): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { PK: donePartition(name), SK: id },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async conditionalUpdate(
    name: string,
    sk: string,
    token: string,
    update: string,
    values: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: queuePartition(name), SK: sk },
          UpdateExpression: update,
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeValues: { ...values, ':token': token },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async items(name: string, limit?: number): Promise<ItemRecord[]> {
    return (await this.table.queryAll(
      {
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :item)',
        ExpressionAttributeValues: { ':pk': queuePartition(name), ':item': 'item#' },
        ConsistentRead: true,
      },
      limit,
    )) as unknown as ItemRecord[];
  }

  private async count(partition: string): Promise<number> {
    let total = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': partition },
          Select: 'COUNT',
          ConsistentRead: true,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return total;
  }

  private async meta(name: string): Promise<QueueMeta | undefined> {
    const out = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { PK: queuePartition(name), SK: 'meta' },
        ConsistentRead: true,
      }),
    );
    return out.Item as QueueMeta | undefined;
  }

  /** The queue's settings, from a short-lived cache (monotonic time: a cache age, not a lease decision). */
  private async mustMeta(name: string): Promise<QueueMeta> {
    const cached = this.metaCache.get(name);
    if (cached !== undefined && performance.now() - cached.readAtMs < META_CACHE_MS) return cached.meta;
    const meta = await this.meta(name);
    if (meta !== undefined) this.metaCache.set(name, { meta, readAtMs: performance.now() });
    if (meta === undefined)
      throw new NotFoundError(
        `Error from server (NotFound): workqueues "${name}" not found: create it with jobctl queue create ${name}`,
      );
    return meta;
  }
}

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function parseLease(lease: string): { sk: string; token: string } {
  const bar = lease.lastIndexOf('|');
  if (bar <= 0 || !lease.startsWith('item#'))
    throw new JobctlError('Validation', `work queue: lease "${lease}" is not a lease token this queue handed out`);
  return { sk: lease.slice(0, bar), token: lease.slice(bar + 1) };
}
