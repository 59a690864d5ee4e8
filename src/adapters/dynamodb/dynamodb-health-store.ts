import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { HealthRecord, HealthStore, VersionedHealth } from '../../ports/health.ts';
import { stateTableKeys } from './state-table.ts';

/**
 * Each CronJob's last health in the state table (docs/state-table.md "Health"): one item, `Health#<ns>#<name>` /
 * `state`, with a version `v` every write is conditional on, so two syncs that see the same transition send it once.
 * Its own partition (not the CronJob's) so that a CronJob deleted and created again is told apart by its uid.
 */
export class DynamoDbHealthStore implements HealthStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(private readonly options: { client: DynamoDBClient; tableName: string }) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async get(owner: HealthRecord['owner']): Promise<VersionedHealth | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.options.tableName, Key: keyOf(owner), ConsistentRead: true }),
    );
    const record = Item?.['health'] as HealthRecord | undefined;
    if (record === undefined || record.owner.uid !== owner.uid) return undefined;
    return { record, version: Number(Item!['v']) };
  }

  async put(record: HealthRecord, expectedVersion: number | undefined): Promise<number | undefined> {
    const version = (expectedVersion ?? 0) + 1;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.options.tableName,
          Item: {
            ...keyOf(record.owner),
            kind: 'Health',
            namespace: record.owner.namespace,
            name: record.owner.name,
            health: record,
            v: version,
          },
          ...(expectedVersion === undefined
            ? {
                ConditionExpression: 'attribute_not_exists(#pk) OR #health.#owner.#uid <> :uid',
                ExpressionAttributeNames: {
                  '#pk': stateTableKeys.partitionKey,
                  '#health': 'health',
                  '#owner': 'owner',
                  '#uid': 'uid',
                },
                ExpressionAttributeValues: { ':uid': record.owner.uid },
              }
            : {
                ConditionExpression: '#v = :v AND #health.#owner.#uid = :uid',
                ExpressionAttributeNames: { '#v': 'v', '#health': 'health', '#owner': 'owner', '#uid': 'uid' },
                ExpressionAttributeValues: { ':v': expectedVersion, ':uid': record.owner.uid },
              }),
        }),
      );
      return version;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}

function keyOf(owner: HealthRecord['owner']): Record<string, string> {
  return {
    [stateTableKeys.partitionKey]: `Health#${owner.namespace}#${owner.name}`,
    [stateTableKeys.sortKey]: 'state',
  };
}
