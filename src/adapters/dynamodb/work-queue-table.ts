import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { JobctlError } from '../../errors.ts';
import { deadPartition, donePartition, queuePartition } from './work-queue-keys.ts';

/** BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_LIMIT = 25;
const MAX_BATCH_ATTEMPTS = 8;

/** The fields of an item record every adapter reads (`work-queue-keys.ts` names its keys). */
export interface ItemRecordBase {
  PK: string;
  SK: string;
  id: string;
  body: string;
  receiveCount: number;
}

/**
 * The record operations both work queues run on the state table (`DynamoDbWorkQueue` for everything, `SqsWorkQueue`
 * beside SQS): reads, paged queries, batched writes, and the two steps of moving an item to the dead letters.
 */
export class WorkQueueTable {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** One item record, strongly consistent. */
  async item<R extends ItemRecordBase>(name: string, sk: string): Promise<R | undefined> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { PK: queuePartition(name), SK: sk }, ConsistentRead: true }),
    );
    return out.Item as R | undefined;
  }

  /** Every item of a Query (all pages), or the first `limit`. */
  async queryAll(input: Omit<QueryCommandInput, 'TableName'>, limit?: number): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          ...input,
          TableName: this.tableName,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      out.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && (limit === undefined || out.length < limit));
    return limit === undefined ? out : out.slice(0, limit);
  }

  /** BatchWriteItem in chunks of 25, retrying unprocessed requests with jittered back-off. */
  async batchWrite(requests: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
      let pending = requests.slice(start, start + BATCH_WRITE_LIMIT);
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > MAX_BATCH_ATTEMPTS)
          throw new JobctlError(
            'Conflict',
            `work queue: ${pending.length} writes still unprocessed after ${MAX_BATCH_ATTEMPTS} attempts`,
          );
        if (attempt > 1)
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(5_000, 50 * 2 ** attempt)));
        const out = await this.doc.send(
          new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }),
        );
        pending = (out.UnprocessedItems?.[this.tableName] ?? []) as Array<Record<string, unknown>>;
      }
    }
  }

  /**
   * Moves an item to the dead letters: the dead record first (idempotent by key; none when the item was completed
   * meanwhile: it is done, not dead), then the item record if it is still as read (same receive count). A crash
   * between the two leaves the item, which the next lease moves again.
   *
   * @returns `isDone`: the item had been completed; `isMoved`: this call deleted the item record (the caller owns
   *   whatever follows, such as an SQS dead-letter copy).
   */
  async moveToDead(name: string, record: ItemRecordBase): Promise<{ isDone: boolean; isMoved: boolean }> {
    const isDone =
      (
        await this.doc.send(
          new GetCommand({
            TableName: this.tableName,
            Key: { PK: donePartition(name), SK: record.id },
            ConsistentRead: true,
          }),
        )
      ).Item !== undefined;
    if (!isDone) {
      const seq = record.SK.split('#')[1];
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            PK: deadPartition(name),
            SK: `${seq}#${record.id}`,
            id: record.id,
            body: record.body,
            receiveCount: record.receiveCount,
          },
        }),
      );
    }
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { PK: record.PK, SK: record.SK },
          ConditionExpression: 'receiveCount = :seen',
          ExpressionAttributeValues: { ':seen': record.receiveCount },
        }),
      );
      return { isDone, isMoved: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { isDone, isMoved: false };
      throw error;
    }
  }
}
