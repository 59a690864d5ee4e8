import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { JobctlError } from '../../errors.ts';

/**
 * The state table's key attributes and indexes. `DynamoDbStateStore` writes them, `docs/state-table.md` documents
 * them for cloud-ops, and the CDK construct must declare the same ones.
 */
export const stateTableKeys = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** Every object of a kind in a namespace, by name: `list(kind, namespace)`. */
  byKind: { indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' },
  /** A CronJob's Jobs, oldest first: `list('Job', namespace, { ownerName })`. Sparse: only Jobs a CronJob controls. */
  byOwner: { indexName: 'GSI2', partitionKey: 'GSI2PK', sortKey: 'GSI2SK' },
  /**
   * Epoch seconds after which an item may go: events carry it (Kubernetes' default `--event-ttl` is one hour). The
   * CDK construct enables TTL on it; dynalite cannot (no `UpdateTimeToLive`), so readers also filter on it.
   */
  timeToLiveAttribute: 'expiresAt',
} as const;

/**
 * The `CreateTable` input for the state table: on-demand, string keys, two all-projecting GSIs.
 * Streams, point-in-time recovery and TTL are not part of `CreateTable`; the CDK construct adds them on AWS.
 *
 * @example
 * await client.send(new CreateTableCommand(stateTableDefinition('jobctl')));
 */
export function stateTableDefinition(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey, byKind, byOwner } = stateTableKeys;
  const keyNames = [partitionKey, sortKey, byKind.partitionKey, byKind.sortKey, byOwner.partitionKey, byOwner.sortKey];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: keyNames.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' },
      { AttributeName: sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [byKind, byOwner].map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      // `list` returns whole objects, so the index carries them rather than a second read per item.
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

/**
 * Creates the state table when it is absent and waits until it is ACTIVE; an existing table is checked against
 * {@link stateTableDefinition} so a table made by something else fails here, not at the first query.
 * Safe to call from several processes at once. The local runtime calls it at start.
 *
 * @param maxWaitSeconds - how long to wait for ACTIVE. @default 120
 * @example
 * await ensureStateTable(new DynamoDBClient({ endpoint }), 'jobctl');
 */
export async function ensureStateTable(client: DynamoDBClient, tableName: string, maxWaitSeconds = 120): Promise<void> {
  const existing = await describeTable(client, tableName);
  if (existing) {
    assertSameKeys(existing, tableName);
  } else {
    try {
      await client.send(new CreateTableCommand(stateTableDefinition(tableName)));
    } catch (error) {
      // Another process created it between our DescribeTable and CreateTable: wait for theirs.
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
  if (existing?.TableStatus === 'ACTIVE') return;
  await waitUntilTableExists(
    { client, maxWaitTime: maxWaitSeconds, minDelay: 1, maxDelay: 5 },
    { TableName: tableName },
  );
}

async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

function assertSameKeys(table: TableDescription, tableName: string): void {
  const keysOf = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) =>
    (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  const wanted = stateTableDefinition(tableName);
  const describe = (base: string, indexes: Map<string, string>) =>
    [base, ...[...indexes].sort(([a], [b]) => a.localeCompare(b)).map(([name, keys]) => `${name}(${keys})`)].join(' ');
  const want = describe(
    keysOf(wanted.KeySchema),
    new Map((wanted.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName ?? '', keysOf(i.KeySchema)])),
  );
  const have = describe(
    keysOf(table.KeySchema),
    new Map((table.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName ?? '', keysOf(i.KeySchema)])),
  );
  if (have !== want) {
    throw new JobctlError(
      'Validation',
      `ensureStateTable: table "${tableName}" has keys "${have}": jobctl needs "${want}"; use another table name or ` +
        `delete this table`,
    );
  }
}
