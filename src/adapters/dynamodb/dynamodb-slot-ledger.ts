import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ObjectKey } from '../../ports/state-store.ts';
import {
  DEFAULT_SLOT_RETENTION_SECONDS,
  entryTimeMs,
  type LedgerEntry,
  type LedgerOwner,
  type SlotLedger,
} from '../../ports/slot-ledger.ts';
import { stateTableKeys } from './state-table.ts';

export interface DynamoDbSlotLedgerOptions {
  client: DynamoDBClient;
  tableName: string;
  /** Epoch ms, for the expiry of what is written and of what is read. @default Date.now */
  now?: () => number;
  /** How long an entry is kept after it is written. @default 30 days */
  retentionSeconds?: number;
}

/**
 * The slot ledger in the state table (docs/state-table.md "Slot ledger"): one partition per CronJob name,
 * `Slots#<ns>#<name>`, an item per entry sorted by time (`<RFC 3339 UTC ms>#slot` or `#mark`), each with `expiresAt`
 * (the table's TTL; readers skip expired ones, as DynamoDB deletes them within days and dynalite never does). Its own
 * partition, not the CronJob's: deleting a CronJob deletes its partition, and the ledger says what ran even after.
 * The CronJob's uid is on every entry; a CronJob created again under the name reads only its own.
 */
export class DynamoDbSlotLedger implements SlotLedger {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly retentionSeconds: number;

  constructor(options: DynamoDbSlotLedgerOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.tableName = options.tableName;
    this.now = options.now ?? (() => Date.now());
    this.retentionSeconds = options.retentionSeconds ?? DEFAULT_SLOT_RETENTION_SECONDS;
  }

  async latest(owner: LedgerOwner): Promise<LedgerEntry | undefined> {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#PK = :pk',
        ExpressionAttributeNames: { '#PK': stateTableKeys.partitionKey },
        ExpressionAttributeValues: { ':pk': ledgerPartition(owner) },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const entry = this.readable(page.Items?.[0]);
    return entry?.owner.uid === owner.uid ? entry : undefined;
  }

  async append(entries: readonly LedgerEntry[]): Promise<void> {
    const expiresAt = Math.floor(this.now() / 1000) + this.retentionSeconds;
    // One PutItem each, in time order: a crash part-way leaves the earlier ones, and the next sync writes the rest.
    for (const entry of entries) {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [stateTableKeys.partitionKey]: ledgerPartition(entry.owner),
            [stateTableKeys.sortKey]: `${new Date(entryTimeMs(entry)).toISOString()}#${entry.type}`,
            kind: 'SlotLedger',
            namespace: entry.owner.namespace,
            name: entry.owner.name,
            entry,
            [stateTableKeys.timeToLiveAttribute]: expiresAt,
          },
        }),
      );
    }
  }

  async list(owner: ObjectKey, fromMs: number, toMs: number): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#PK = :pk AND #SK >= :from',
          ExpressionAttributeNames: { '#PK': stateTableKeys.partitionKey, '#SK': stateTableKeys.sortKey },
          ExpressionAttributeValues: { ':pk': ledgerPartition(owner), ':from': new Date(fromMs).toISOString() },
          ...(exclusiveStartKey === undefined ? {} : { ExclusiveStartKey: exclusiveStartKey }),
        }),
      );
      for (const item of page.Items ?? []) {
        const entry = this.readable(item);
        if (entry === undefined) continue;
        entries.push(entry);
        // The first entry after the range too: a run of slots is keyed by its last one, and may cover `toMs`.
        if (entryTimeMs(entry) > toMs) return entries;
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined);
    return entries;
  }

  /** The entry of an item, unless it has expired (DynamoDB deletes expired items within days, dynalite never). */
  private readable(item: Record<string, unknown> | undefined): LedgerEntry | undefined {
    if (item === undefined) return undefined;
    const expiresAt = item[stateTableKeys.timeToLiveAttribute];
    if (typeof expiresAt === 'number' && expiresAt * 1000 <= this.now()) return undefined;
    return item['entry'] as LedgerEntry;
  }
}

function ledgerPartition(key: ObjectKey): string {
  return `Slots#${key.namespace}#${key.name}`;
}
