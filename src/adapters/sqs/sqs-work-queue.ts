import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  MessageNotInflight,
  QueueDeletedRecently,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ConflictError, JobctlError, NotFoundError } from '../../errors.ts';
import {
  DEFAULT_QUEUE_SETTINGS,
  type LeasedItem,
  type QueueSettings,
  type QueueStats,
  type QueuedItem,
  type WorkQueue,
} from '../../ports/work-queue.ts';
import { DynamoDbWorkQueue } from '../dynamodb/dynamodb-work-queue.ts';
import { WorkQueueTable } from '../dynamodb/work-queue-table.ts';
import {
  assertQueueName,
  assertSettings,
  deadPartition,
  definedOnly,
  itemSortKey,
  queuePartition,
} from '../dynamodb/work-queue-keys.ts';

export interface SqsWorkQueueOptions {
  /** Delivers the items: one standard queue and one dead-letter queue per work queue. */
  sqs: SQSClient;
  /** Keeps the truth: item records, done markers and dead letters in the state table. */
  dynamodb: DynamoDBClient;
  /** The state table (`src/adapters/dynamodb/state-table.ts`); the records use {@link DynamoDbWorkQueue}'s layout. */
  tableName: string;
  /** Milliseconds since the epoch; lease expiry, `stats` and the repair grace period go by it. @default Date.now */
  now?: () => number;
  /**
   * Prepended to a work queue's name to name its SQS queues, `<prefix><name>` and `<prefix><name>-dlq`: letters,
   * digits, `-` and `_`, at most 13 characters so that a 63-character name still fits SQS's 80.
   * @default 'jobctl-'
   */
  queuePrefix?: string;
  /**
   * How long an item may sit pending with no SQS message known to carry it before `lease` sends a new one, seconds.
   * It covers a crash between the record write and `SendMessageBatch`, a message SQS moved to the DLQ on its own or
   * dropped after its retention period. Shorter means faster repair but more duplicate messages (harmless: they are
   * deleted when received) when a short poll comes back empty while the message is there.
   * @default 60
   */
  repairAfterSeconds?: number;
  /**
   * `ReceiveMessage`'s `WaitTimeSeconds` in `lease`. 0 answers at once but samples only some SQS servers, so it can
   * miss a waiting message; 1–20 long-polls all of them and waits that long when there is nothing.
   * @default 0
   */
  receiveWaitSeconds?: number;
}

/** SendMessageBatch, ReceiveMessage and DeleteMessageBatch take at most 10 entries. */
const SQS_BATCH_LIMIT = 10;
/**
 * The sum of a batch's message sizes, bytes: 256 KiB, SQS's limit before it was raised to 1 MiB in 2025, which every
 * SQS-compatible server still accepts.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
 */
const SQS_BATCH_BYTES = 262_144;
/** Bodies up to this size travel in the message as well; larger ones are read from the record only. */
const MIRRORED_BODY_BYTES = 200 * 1024;
/**
 * Characters SQS accepts in a body
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html).
 */
const SQS_BODY_CHARACTERS = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u;
/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;
const MAX_ATTEMPTS = 8;
/** Messages one `lease` call may receive before it gives up for now (stale ones are deleted on the way). */
const MAX_RECEIVES_PER_LEASE = 50;
/** Orphaned records one repair pass re-sends; the rest wait for the next pass. */
const REPAIR_LIMIT = 100;
/** Longest retention SQS allows (14 days): an item waiting longer loses its message, which the repair re-sends. */
const RETENTION_SECONDS = 1_209_600;
/** RedrivePolicy's `maxReceiveCount` range. */
const SQS_MAX_RECEIVE_COUNT = 1000;
/** How long `purge`/`redrive` hide the messages they look at while they sweep a queue, seconds. */
const SWEEP_VISIBILITY_SECONDS = 30;
/** Message attributes: the item's id (stable across redrives) and its record's sort key. */
const ITEM_ID_ATTRIBUTE = 'jobctl-item-id';
const ITEM_KEY_ATTRIBUTE = 'jobctl-item-key';

/** An item record, as {@link DynamoDbWorkQueue} writes it, plus what delivery by SQS needs. */
interface ItemRecord {
  PK: string;
  SK: string;
  id: string;
  body: string;
  receiveCount: number;
  leaseToken?: string;
  visibleAtMs: number;
  /** The SQS message the current (or last) lease came with: a second copy of it is told apart from a duplicate. */
  messageId?: string;
  /** When a message was last known to carry this item (sent, received or made visible again). */
  messageAtMs?: number;
}

interface QueueUrls {
  url: string;
  dlqUrl: string;
}

/**
 * {@link WorkQueue} on Amazon SQS, for AWS: delivery by SQS, truth in DynamoDB. Every item is also a record in the
 * state table, in {@link DynamoDbWorkQueue}'s partitions (`Queue#<name>` items, `QueueDone#<name>` done markers,
 * `QueueDead#<name>` dead letters), and this adapter runs that class's own code for settings, `stats`, `peek`,
 * `deadLetters`, `purge`, `renew` and `complete` on them: emptiness is exact the same way as in the local queue (items
 * pushed, completed and dead-lettered are counted; SQS's `ApproximateNumberOfMessages*` and `ApproximateReceiveCount`
 * are never read), and the two cannot drift apart.
 *
 * SQS decides who gets an item next (its visibility timeout is the lease); the record decides whether that is
 * allowed. A received message is checked against its record:
 *
 * | record | what `lease` does with the message |
 * | --- | --- |
 * | gone (completed, purged, dead) | deletes it: a stale copy |
 * | held by an unexpired lease, same `MessageId` | hides it until that lease ends (SQS let it go a little early) |
 * | held by an unexpired lease, other `MessageId` | deletes it: a duplicate (a repair re-send, or at-least-once) |
 * | leased `maxReceiveCount` times | dead-letters the item: dead record, SendMessage to the DLQ, DeleteMessage |
 * | otherwise | takes the lease with a write conditional on the record as read: `receiveCount + 1`, exact |
 *
 * Order of writes, and what a crash between two of them leaves:
 *
 * ```
 * push:      records (BatchWriteItem) ──► SendMessageBatch          crash: records with no message → repaired (below)
 * lease:     ReceiveMessage ──► record lease (conditional)          crash: message comes back after the visibility
 * timeout complete:  done marker ──► delete record on token ──► DeleteMessage  crash: marker keeps the count; stale
 * message deleted dead:      dead record ──► delete record ──► DLQ copy ──► DeleteMessage   crash: the message comes
 * back, moved again
 * ```
 *
 * Repair: when SQS hands out nothing, `lease` looks for pending records that no message has carried for
 * `repairAfterSeconds` and sends each a new one (claimed with a conditional write, so one worker re-sends). That
 * also heals a message SQS moved to the DLQ on its own or dropped after 14 days.
 *
 * The DLQ: the adapter dead-letters an item itself, at exactly `maxReceiveCount` leases, so SQS's own redrive is
 * only a safety net for messages the adapter never gets to judge (a consumer that receives without leasing, a message
 * with no item key) and should never pre-empt it; see {@link sqsRedriveCount}. The DLQ also gets a copy of every item
 * the adapter dead-letters, so a CloudWatch alarm on its depth works; `redrive` removes those copies again. Dead
 * letters themselves are the `QueueDead#` records.
 *
 * @example
 * const queue = new SqsWorkQueue({ sqs: new SQSClient({}), dynamodb: new DynamoDBClient({}), tableName: 'jobctl' });
 * await queue.ensureQueue('fruits', { maxReceiveCount: 3 });
 * await queue.push('fruits', ['apple', 'banana']);
 * const item = await queue.lease('fruits');
 * if (item) await queue.complete('fruits', item.lease);
 */
export class SqsWorkQueue implements WorkQueue {
  private readonly sqs: SQSClient;
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: WorkQueueTable;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly prefix: string;
  private readonly repairAfterMs: number;
  private readonly receiveWaitSeconds: number;
  /** Reads and lease bookkeeping on the records: the local queue's own code, so both count the same way. */
  private readonly records: DynamoDbWorkQueue;
  private readonly urls = new Map<string, QueueUrls>();
  /** When each queue was last scanned for orphans: idle workers scan at most every `repairAfterSeconds / 2`. */
  private readonly repairScannedAtMs = new Map<string, number>();

  constructor(options: SqsWorkQueueOptions) {
    this.sqs = options.sqs;
    this.doc = DynamoDBDocumentClient.from(options.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    this.table = new WorkQueueTable(this.doc, options.tableName);
    this.tableName = options.tableName;
    this.now = options.now ?? (() => Date.now());
    this.prefix = options.queuePrefix ?? 'jobctl-';
    if (!/^[A-Za-z0-9_-]{0,13}$/.test(this.prefix)) {
      throw new JobctlError(
        'Validation',
        `SqsWorkQueue: queuePrefix: Invalid value "${this.prefix}": must be at most 13 letters, digits, '-' or '_'`,
      );
    }
    const repairAfterSeconds = options.repairAfterSeconds ?? 60;
    if (!(repairAfterSeconds > 0))
      throw new JobctlError(
        'Validation',
        `SqsWorkQueue: repairAfterSeconds: Invalid value ${repairAfterSeconds}: must be positive`,
      );
    this.repairAfterMs = repairAfterSeconds * 1000;
    this.receiveWaitSeconds = options.receiveWaitSeconds ?? 0;
    if (!Number.isInteger(this.receiveWaitSeconds) || this.receiveWaitSeconds < 0 || this.receiveWaitSeconds > 20) {
      throw new JobctlError(
        'Validation',
        `SqsWorkQueue: receiveWaitSeconds: Invalid value ${this.receiveWaitSeconds}: must be an integer 0-20 (SQS ` +
          `WaitTimeSeconds)`,
      );
    }
    this.records = new DynamoDbWorkQueue({ client: options.dynamodb, tableName: options.tableName, now: this.now });
  }

  /**
   * The SQS queue names of work queue `name`.
   *
   * @example
   * new SqsWorkQueue({ sqs, dynamodb, tableName: 'jobctl' }).sqsQueueNames('fruits');
   * // { queueName: 'jobctl-fruits', deadLetterQueueName: 'jobctl-fruits-dlq' }
   */
  sqsQueueNames(name: string): { queueName: string; deadLetterQueueName: string } {
    return { queueName: `${this.prefix}${name}`, deadLetterQueueName: `${this.prefix}${name}-dlq` };
  }

  async ensureQueue(name: string, settings: Partial<QueueSettings> = {}): Promise<QueueSettings> {
    assertQueueName(name);
    const next: QueueSettings = {
      ...DEFAULT_QUEUE_SETTINGS,
      ...(await this.records.describeQueue(name)),
      ...definedOnly(settings),
    };
    assertSettings(name, next);
    // The SQS queues first, the settings record last: a queue that describeQueue shows has its SQS queues.
    const { queueName, deadLetterQueueName } = this.sqsQueueNames(name);
    const common = { SqsManagedSseEnabled: 'true', MessageRetentionPeriod: String(RETENTION_SECONDS) };
    const dlqUrl = await this.createOrUpdateQueue(name, deadLetterQueueName, common);
    const dlqArn = (
      await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }))
    ).Attributes?.['QueueArn'];
    if (dlqArn === undefined)
      throw new JobctlError('NotFound', `work queue "${name}": SQS returned no QueueArn for "${deadLetterQueueName}"`);
    const url = await this.createOrUpdateQueue(name, queueName, {
      ...common,
      VisibilityTimeout: String(next.leaseSeconds),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlqArn,
        maxReceiveCount: sqsRedriveCount(next.maxReceiveCount),
      }),
    });
    this.urls.set(name, { url, dlqUrl });
    return this.records.ensureQueue(name, next);
  }

  describeQueue(name: string): Promise<QueueSettings | undefined> {
    return this.records.describeQueue(name);
  }

  listQueues(): Promise<string[]> {
    return this.records.listQueues();
  }

  async deleteQueue(name: string): Promise<void> {
    // Records first: a crash after leaves SQS queues with no settings, which the next ensureQueue adopts.
    await this.records.deleteQueue(name);
    const { queueName, deadLetterQueueName } = this.sqsQueueNames(name);
    for (const sqsName of [queueName, deadLetterQueueName]) {
      try {
        const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: sqsName }));
        await this.sqs.send(new DeleteQueueCommand({ QueueUrl }));
      } catch (error) {
        if (!(error instanceof QueueDoesNotExist)) throw error;
      }
    }
    this.urls.delete(name);
    this.repairScannedAtMs.delete(name);
  }

  async push(name: string, bodies: readonly string[], onProgress?: (written: number) => void): Promise<string[]> {
    await this.settings(name);
    const { url } = await this.queueUrls(name);
    if (bodies.length === 0) return [];
    const first = (await this.reserveSequence(name, bodies.length)) - bodies.length + 1;
    const now = this.now();
    const records: ItemRecord[] = bodies.map((body, i) => {
      const id = randomUUID();
      return {
        PK: queuePartition(name),
        SK: itemSortKey(first + i, id),
        id,
        body,
        receiveCount: 0,
        visibleAtMs: 0,
        messageAtMs: now,
      };
    });
    let written = 0;
    for (let start = 0; start < records.length; start += BATCH_WRITE_LIMIT) {
      const chunk = records.slice(start, start + BATCH_WRITE_LIMIT);
      // Records before messages: a message always finds its record, and a record left without one is repaired.
      await this.table.batchWrite(chunk.map((Item) => ({ PutRequest: { Item } })));
      await this.sendMessages(name, url, chunk, (sent) => {
        written += sent;
        onProgress?.(written);
      });
    }
    return records.map((r) => r.id);
  }

  async lease(name: string, options: { leaseSeconds?: number } = {}): Promise<LeasedItem | undefined> {
    const settings = await this.settings(name);
    const leaseSeconds = options.leaseSeconds ?? settings.leaseSeconds;
    const urls = await this.queueUrls(name);
    let repaired = false;
    for (let received = 0; received < MAX_RECEIVES_PER_LEASE; received++) {
      // The record's lease starts before SQS's, so it never outlives the message's invisibility.
      const untilMs = this.now() + leaseSeconds * 1000;
      const out = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: urls.url,
          MaxNumberOfMessages: 1,
          VisibilityTimeout: leaseSeconds,
          WaitTimeSeconds: this.receiveWaitSeconds,
          MessageAttributeNames: [ITEM_KEY_ATTRIBUTE],
        }),
      );
      const message = out.Messages?.[0];
      if (message === undefined) {
        if (repaired || (await this.repairOrphans(name, settings, urls)) === 0) return undefined;
        repaired = true;
        continue;
      }
      const leased = await this.takeMessage(name, settings, urls, message, untilMs);
      if (leased !== undefined) return leased;
    }
    return undefined;
  }

  async renew(name: string, lease: string, leaseSeconds: number): Promise<boolean> {
    const { sk, token, receipt } = parseLease(lease);
    // The record first: it decides whether the lease is still held; SQS's visibility follows it. When SQS refuses
    // (a receipt past its timeout, or beyond 12 h since the receive), the message comes back early and is hidden again
    // until the record's lease ends (see takeMessage).
    const held = await this.records.renew(name, `${sk}|${token}`, leaseSeconds);
    if (held) await this.changeVisibility(name, receipt, leaseSeconds);
    return held;
  }

  async complete(name: string, lease: string): Promise<boolean> {
    const { sk, token, receipt } = parseLease(lease);
    // Done marker (counted once), then the record deleted on condition that the lease is still this one.
    const completed = await this.records.complete(name, `${sk}|${token}`);
    if (completed) await this.deleteMessage((await this.queueUrls(name)).url, receipt);
    return completed;
  }

  async release(name: string, lease: string, options: { uncounted?: boolean } = {}): Promise<boolean> {
    const settings = await this.settings(name);
    const { sk, token, receipt } = parseLease(lease);
    const record = await this.table.item<ItemRecord>(name, sk);
    if (record === undefined || record.leaseToken !== token) return false;
    if (!options.uncounted && record.receiveCount >= settings.maxReceiveCount) {
      await this.deadLetter(name, record, receipt);
      return true;
    }
    const now = this.now();
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: record.PK, SK: record.SK },
          UpdateExpression:
            `REMOVE leaseToken SET visibleAtMs = :now, messageAtMs = ` +
            `:now${options.uncounted ? ', receiveCount = :rc' : ''}`,
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeValues: {
            ':now': now,
            ':token': token,
            ...(options.uncounted ? { ':rc': Math.max(0, record.receiveCount - 1) } : {}),
          },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
    await this.changeVisibility(name, receipt, 0);
    return true;
  }

  stats(name: string): Promise<QueueStats> {
    return this.records.stats(name);
  }

  peek(name: string, limit: number): Promise<QueuedItem[]> {
    return this.records.peek(name, limit);
  }

  async purge(name: string): Promise<number> {
    const urls = await this.queueUrls(name);
    const purged = await this.records.purge(name);
    // Not PurgeQueue: SQS allows one per 60 s and may also delete messages sent during the following minute. The
    // records are gone, so every visible message is stale: sweep them now rather than one per lease. Leased ones
    // are invisible; lease deletes them when they come back.
    await this.sweep(urls.url, purged, async (message) => {
      const key = message.MessageAttributes?.[ITEM_KEY_ATTRIBUTE]?.StringValue;
      return key !== undefined && (await this.table.item<ItemRecord>(name, key)) === undefined;
    });
    return purged;
  }

  deadLetters(name: string, limit: number): Promise<QueuedItem[]> {
    return this.records.deadLetters(name, limit);
  }

  async redrive(name: string, ids?: readonly string[]): Promise<number> {
    await this.settings(name);
    const urls = await this.queueUrls(name);
    const wanted = ids === undefined ? undefined : new Set(ids);
    const allDead = await this.deadRecords(name);
    const dead = allDead.filter((r) => wanted === undefined || wanted.has(r.id));
    if (dead.length === 0) return 0;
    const first = (await this.reserveSequence(name, dead.length)) - dead.length + 1;
    const now = this.now();
    const revived = dead.map<ItemRecord>((r, i) => ({
      PK: queuePartition(name),
      SK: itemSortKey(first + i, r.id),
      id: r.id,
      body: r.body,
      receiveCount: 0,
      visibleAtMs: 0,
      messageAtMs: now,
    }));
    // Back at the tail with a fresh receive count and its id; each record's put and its dead letter's delete share
    // one BatchWriteItem, then the message (a crash before it leaves a pending record, which the repair re-sends).
    const perWrite = Math.floor(BATCH_WRITE_LIMIT / 2);
    for (let start = 0; start < revived.length; start += perWrite) {
      const chunk = revived.slice(start, start + perWrite);
      const deadChunk = dead.slice(start, start + perWrite);
      await this.table.batchWrite([
        ...chunk.map((Item) => ({ PutRequest: { Item } })),
        ...deadChunk.map((r) => ({ DeleteRequest: { Key: { PK: r.PK, SK: r.SK } } })),
      ]);
      await this.sendMessages(name, urls.url, chunk);
    }
    // Take the DLQ copies of the redriven items out again, so the DLQ's depth still means "dead letters".
    const redriven = new Set(dead.map((r) => r.SK));
    const stillDead = new Set(allDead.filter((r) => !redriven.has(r.SK)).map((r) => r.id));
    await this.sweep(
      urls.dlqUrl,
      allDead.length,
      async (message) => !stillDead.has(message.MessageAttributes?.[ITEM_ID_ATTRIBUTE]?.StringValue ?? ''),
    );
    return dead.length;
  }

  /** Decides what a received message means for its record (see the class comment); the lease, or undefined. */
  private async takeMessage(
    name: string,
    settings: QueueSettings,
    urls: QueueUrls,
    message: Message,
    untilMs: number,
  ): Promise<LeasedItem | undefined> {
    const receipt = message.ReceiptHandle ?? '';
    const key = message.MessageAttributes?.[ITEM_KEY_ATTRIBUTE]?.StringValue;
    // Not ours (no item key): leave it invisible; after maxReceiveCount + 1 receives SQS moves it to the DLQ.
    if (key === undefined || !key.startsWith('item#')) return undefined;
    // A lost race re-reads the record; three in a row leave the message to come back after its timeout.
    for (let attempt = 0; attempt < 3; attempt++) {
      const record = await this.table.item<ItemRecord>(name, key);
      const now = this.now();
      if (record === undefined) {
        await this.deleteMessage(urls.url, receipt);
        return undefined;
      }
      if (isHeld(record, now)) {
        if (record.messageId === message.MessageId) {
          await this.changeVisibility(
            name,
            receipt,
            Math.min(43_200, Math.max(1, Math.ceil((record.visibleAtMs - now) / 1000))),
          );
        } else {
          await this.deleteMessage(urls.url, receipt);
        }
        return undefined;
      }
      if (record.receiveCount >= settings.maxReceiveCount) {
        await this.deadLetter(name, record, receipt);
        return undefined;
      }
      const leased = await this.takeLease(record, message, receipt, untilMs, now);
      if (leased !== undefined) return leased;
    }
    return undefined;
  }

  /**
   * Leases `record` if it is still as read (same lease token, same receive count); undefined when someone was faster.
   */
  private async takeLease(
    record: ItemRecord,
    message: Message,
    receipt: string,
    untilMs: number,
    now: number,
  ): Promise<LeasedItem | undefined> {
    const token = randomUUID();
    const receiveCount = record.receiveCount + 1;
    const receiveCountUnchanged = 'receiveCount = :seen';
    const leaseUnchanged = record.leaseToken === undefined ? 'attribute_not_exists(leaseToken)' : 'leaseToken = :old';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: record.PK, SK: record.SK },
          UpdateExpression:
            'SET leaseToken = :token, visibleAtMs = :until, receiveCount = :rc, messageId = :mid, messageAtMs = :now',
          ConditionExpression: `${receiveCountUnchanged} AND ${leaseUnchanged}`,
          ExpressionAttributeValues: {
            ':token': token,
            ':until': untilMs,
            ':rc': receiveCount,
            ':mid': message.MessageId ?? '',
            ':now': now,
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
      lease: `${record.SK}|${token}|${receipt}`,
      receiveCount,
      leaseExpiresAtMs: untilMs,
    };
  }

  /**
   * Dead record first (idempotent by key; none when the item was already completed), then the item record if it is
   * still as read, then the DLQ copy (only by whoever deleted the record: no duplicates), then the message.
   */
  private async deadLetter(name: string, record: ItemRecord, receipt?: string): Promise<void> {
    const { isDone, isMoved } = await this.table.moveToDead(name, record);
    if (!isMoved) return; // someone else moved it; the message is theirs
    const urls = await this.queueUrls(name);
    if (!isDone) {
      await this.sqs.send(
        new SendMessageCommand({
          QueueUrl: urls.dlqUrl,
          MessageBody: messageBodyFor(record),
          MessageAttributes: itemAttributes(record),
        }),
      );
    }
    if (receipt !== undefined) await this.deleteMessage(urls.url, receipt);
  }

  /**
   * Sends a new message for each pending record that no message has carried for `repairAfterSeconds`, claiming it
   * first with a conditional write (one worker re-sends); dead-letters those already leased `maxReceiveCount` times.
   * Returns how many messages it sent.
   */
  private async repairOrphans(name: string, settings: QueueSettings, urls: QueueUrls): Promise<number> {
    const now = this.now();
    const scannedAtMs = this.repairScannedAtMs.get(name);
    if (scannedAtMs !== undefined && now - scannedAtMs < this.repairAfterMs / 2) return 0;
    this.repairScannedAtMs.set(name, now);
    const cutoffMs = now - this.repairAfterMs;
    const orphans = (await this.items(name))
      .filter((r) => !isHeld(r, now) && Math.max(r.messageAtMs ?? 0, r.visibleAtMs) <= cutoffMs)
      .slice(0, REPAIR_LIMIT);
    const claimed: ItemRecord[] = [];
    for (const record of orphans) {
      if (record.receiveCount >= settings.maxReceiveCount) await this.deadLetter(name, record);
      else if (await this.claimRepair(record, now)) claimed.push(record);
    }
    await this.sendMessages(name, urls.url, claimed);
    return claimed.length;
  }

  private async claimRepair(record: ItemRecord, now: number): Promise<boolean> {
    const receiveCountUnchanged = 'receiveCount = :seen';
    const leaseUnchanged = record.leaseToken === undefined ? 'attribute_not_exists(leaseToken)' : 'leaseToken = :old';
    const notRepairedSince =
      record.messageAtMs === undefined ? 'attribute_not_exists(messageAtMs)' : 'messageAtMs = :at';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: record.PK, SK: record.SK },
          UpdateExpression: 'SET messageAtMs = :now',
          ConditionExpression: `${receiveCountUnchanged} AND ${leaseUnchanged} AND ${notRepairedSince}`,
          ExpressionAttributeValues: {
            ':now': now,
            ':seen': record.receiveCount,
            ...(record.leaseToken === undefined ? {} : { ':old': record.leaseToken }),
            ...(record.messageAtMs === undefined ? {} : { ':at': record.messageAtMs }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * SendMessageBatch in batches of at most 10 entries and 256 KiB, retrying the entries SQS reports in `Failed`
   * (a 200 response can carry both). A sender fault will not succeed on retry and throws; the records it leaves
   * behind are re-sent by the repair. `onSent` gets each batch's count once all of it is in.
   */
  private async sendMessages(
    name: string,
    url: string,
    records: readonly ItemRecord[],
    onSent?: (count: number) => void,
  ): Promise<void> {
    for (const batch of sendBatches(records)) {
      let pending = batch;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > MAX_ATTEMPTS)
          throw new JobctlError(
            'Conflict',
            `work queue "${name}": SendMessageBatch: ${pending.length} messages still failing after ${MAX_ATTEMPTS} ` +
              `attempts: the items are recorded and their messages will be re-sent by a later lease`,
          );
        await backOff(attempt);
        const out = await this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            // Entry ids are positions: unique in the batch whatever the items are.
            Entries: pending.map((r, i) => ({
              Id: String(i),
              MessageBody: messageBodyFor(r),
              MessageAttributes: itemAttributes(r),
            })),
          }),
        );
        const failed = out.Failed ?? [];
        const senderFault = failed.find((f) => f.SenderFault === true);
        if (senderFault !== undefined) {
          const item = pending[Number(senderFault.Id)]?.id ?? senderFault.Id;
          throw new JobctlError(
            'Validation',
            `work queue "${name}": SQS rejected item "${item}": ${senderFault.Code}: ` +
              `${senderFault.Message ?? 'sender fault'}`,
          );
        }
        const failedIds = new Set(failed.map((f) => f.Id));
        pending = pending.filter((_, i) => failedIds.has(String(i)));
      }
      onSent?.(batch.length);
    }
  }

  /**
   * Looks at up to about `expected` visible messages of a queue, 10 at a time: deletes those `isStale` says are,
   * and makes the others visible again at the end. Best effort: a short poll may miss some, which `lease` (main
   * queue) or the next sweep (DLQ) deletes later.
   */
  private async sweep(url: string, expected: number, isStale: (message: Message) => Promise<boolean>): Promise<void> {
    const kept: string[] = [];
    const rounds = Math.ceil(expected / SQS_BATCH_LIMIT) + 2;
    for (let round = 0; round < rounds; round++) {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: SQS_BATCH_LIMIT,
          VisibilityTimeout: SWEEP_VISIBILITY_SECONDS,
          WaitTimeSeconds: 0,
          MessageAttributeNames: [ITEM_ID_ATTRIBUTE, ITEM_KEY_ATTRIBUTE],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      const stale: Message[] = [];
      for (const message of messages) {
        if (await isStale(message)) stale.push(message);
        else kept.push(message.ReceiptHandle ?? '');
      }
      if (stale.length > 0) {
        // Failed entries are receipts that went stale meanwhile: those messages come back and are judged again.
        await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: stale.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    }
    for (let start = 0; start < kept.length; start += SQS_BATCH_LIMIT) {
      const entries = kept
        .slice(start, start + SQS_BATCH_LIMIT)
        .map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle, VisibilityTimeout: 0 }));
      await this.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries }));
    }
  }

  /**
   * CreateQueue; when the queue exists with other attributes (QueueNameExists), SetQueueAttributes. Returns its URL.
   */
  private async createOrUpdateQueue(
    name: string,
    sqsName: string,
    attributes: Partial<Record<QueueAttributeName, string>>,
  ): Promise<string> {
    try {
      return requireUrl(
        (await this.sqs.send(new CreateQueueCommand({ QueueName: sqsName, Attributes: attributes }))).QueueUrl,
        sqsName,
      );
    } catch (error) {
      if (error instanceof QueueDeletedRecently) {
        throw new ConflictError(
          `work queue "${name}": SQS queue "${sqsName}" was deleted less than 60 s ago: SQS refuses the name until ` +
            `then; retry in a minute`,
          { cause: error },
        );
      }
      if (!(error instanceof QueueNameExists)) throw error;
    }
    const url = requireUrl((await this.sqs.send(new GetQueueUrlCommand({ QueueName: sqsName }))).QueueUrl, sqsName);
    await this.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
    return url;
  }

  private async queueUrls(name: string): Promise<QueueUrls> {
    const cached = this.urls.get(name);
    if (cached !== undefined) return cached;
    const { queueName, deadLetterQueueName } = this.sqsQueueNames(name);
    const lookUp = async (sqsName: string) => {
      try {
        return requireUrl((await this.sqs.send(new GetQueueUrlCommand({ QueueName: sqsName }))).QueueUrl, sqsName);
      } catch (error) {
        if (!(error instanceof QueueDoesNotExist)) throw error;
        throw new NotFoundError(
          `work queue "${name}": SQS queue "${sqsName}" not found: re-create it with jobctl queue create ${name}`,
          { cause: error },
        );
      }
    };
    const urls = { url: await lookUp(queueName), dlqUrl: await lookUp(deadLetterQueueName) };
    this.urls.set(name, urls);
    return urls;
  }

  /** DeleteMessage; a receipt that is no longer valid means the message is someone else's now, or gone. */
  private async deleteMessage(url: string, receipt: string): Promise<void> {
    try {
      await this.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: receipt }));
    } catch (error) {
      if (!isStaleReceipt(error)) throw error;
    }
  }

  /**
   * ChangeMessageVisibility; a stale receipt (the message was received again, or deleted) is not an error: the
   * record already says who holds the item, and a copy received meanwhile was hidden until that lease ends.
   */
  private async changeVisibility(name: string, receipt: string, seconds: number): Promise<void> {
    try {
      await this.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: (await this.queueUrls(name)).url,
          ReceiptHandle: receipt,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (error) {
      if (!isStaleReceipt(error)) throw error;
    }
  }

  private async settings(name: string): Promise<QueueSettings> {
    const settings = await this.records.describeQueue(name);
    if (settings === undefined)
      throw new NotFoundError(
        `Error from server (NotFound): workqueues "${name}" not found: create it with jobctl queue create ${name}`,
      );
    return settings;
  }

  /** Reserves `count` sequence numbers in one atomic ADD on the queue's settings record; returns the last. */
  private async reserveSequence(name: string, count: number): Promise<number> {
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { PK: queuePartition(name), SK: 'meta' },
          UpdateExpression: 'ADD seq :n',
          // not a settings record of its own when the queue was deleted meanwhile
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':n': count },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.['seq']);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      throw new NotFoundError(`Error from server (NotFound): workqueues "${name}" not found: it was deleted`, {
        cause: error,
      });
    }
  }

  private async items(name: string): Promise<ItemRecord[]> {
    return (await this.table.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :item)',
      ExpressionAttributeValues: { ':pk': queuePartition(name), ':item': 'item#' },
      ConsistentRead: true,
    })) as unknown as ItemRecord[];
  }

  private async deadRecords(name: string): Promise<ItemRecord[]> {
    return (await this.table.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': deadPartition(name) },
      ConsistentRead: true,
    })) as unknown as ItemRecord[];
  }
}

/**
 * `RedrivePolicy.maxReceiveCount` for a work queue's `maxReceiveCount` M: 2M + 1 (at most 1000).
 * - At least M + 1: the adapter dead-letters an item when its message comes back after the M-th lease, which is
 *   SQS's (M + 1)-th receive, and SQS moves a message to the DLQ instead of delivering it once it has been received
 *   `maxReceiveCount` times
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
 * - Slack beyond that: SQS also counts receives that never became leases (a copy hidden until its lease ends, a lease
 *   lost to a race, a `purge` sweep), and local-aws-sqs 2.0.2 counts every ChangeMessageVisibility as a receive, so
 *   a release or an expired lease costs two. With M + 1 it moved an item to the DLQ after two releases out of three.
 * An early move by SQS loses nothing (the record stays pending and the repair re-sends it) but costs the grace period.
 */
export function sqsRedriveCount(maxReceiveCount: number): number {
  return Math.min(SQS_MAX_RECEIVE_COUNT, 2 * maxReceiveCount + 1);
}

function isHeld(record: ItemRecord, now: number): boolean {
  return record.leaseToken !== undefined && record.visibleAtMs > now;
}

/** The item body when SQS can carry it (1+ allowed characters, ≤200 KiB); else a note: `lease` reads the record. */
function messageBodyFor(record: ItemRecord): string {
  const fits =
    record.body.length > 0 &&
    Buffer.byteLength(record.body) <= MIRRORED_BODY_BYTES &&
    SQS_BODY_CHARACTERS.test(record.body);
  return fits
    ? record.body
    : `jobctl: the body of item ${record.id} is in the state table only (SQS cannot carry it: empty, over 200 KiB or ` +
        `characters SQS does not allow)`;
}

function itemAttributes(record: ItemRecord): Record<string, MessageAttributeValue> {
  return {
    [ITEM_ID_ATTRIBUTE]: { DataType: 'String', StringValue: record.id },
    [ITEM_KEY_ATTRIBUTE]: { DataType: 'String', StringValue: record.SK },
  };
}

/** Groups records into SendMessageBatch calls: at most 10 entries and 256 KiB of bodies and attributes each. */
function sendBatches(records: readonly ItemRecord[]): ItemRecord[][] {
  const batches: ItemRecord[][] = [];
  let batch: ItemRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    const size =
      Buffer.byteLength(messageBodyFor(record)) +
      ITEM_ID_ATTRIBUTE.length +
      ITEM_KEY_ATTRIBUTE.length +
      12 +
      record.id.length +
      record.SK.length;
    if (batch.length === SQS_BATCH_LIMIT || (batch.length > 0 && bytes + size > SQS_BATCH_BYTES)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(record);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** The first retry goes at once (one failed entry is common and transient); later ones back off with jitter. */
async function backOff(attempt: number): Promise<void> {
  if (attempt <= 2) return;
  await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(5_000, 50 * 2 ** attempt)));
}

/**
 * Errors that mean "this receipt no longer names an in-flight message": SQS's modelled ones, and the
 * `InvalidParameterValue` "Message does not exist or is not available for visibility timeout change" that SQS
 * answers for a message no longer in flight (quoted in vmihailenco/taskq#29; AWS may also answer OK and do nothing,
 * localstack/localstack#9632).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
 */
function isStaleReceipt(error: unknown): boolean {
  return (
    error instanceof ReceiptHandleIsInvalid ||
    error instanceof MessageNotInflight ||
    (error instanceof Error && error.name === 'InvalidParameterValue')
  );
}

function requireUrl(url: string | undefined, sqsName: string): string {
  if (url === undefined) throw new JobctlError('NotFound', `work queue: SQS returned no URL for queue "${sqsName}"`);
  return url;
}

/** A lease is `<record sort key>|<lease token>|<receipt handle>`: the record decides, the receipt moves the message. */
function parseLease(lease: string): { sk: string; token: string; receipt: string } {
  const first = lease.indexOf('|');
  const second = lease.indexOf('|', first + 1);
  if (!lease.startsWith('item#') || first < 0 || second <= first + 1 || second === lease.length - 1) {
    throw new JobctlError('Validation', `work queue: lease "${lease}" is not a lease token this queue handed out`);
  }
  return { sk: lease.slice(0, first), token: lease.slice(first + 1, second), receipt: lease.slice(second + 1) };
}
