import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand as DocQueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { ensureStateTable, stateTableDefinition } from '../../src/adapters/dynamodb/state-table.ts';
import { AlreadyExistsError, ConflictError } from '../../src/errors.ts';
import type { Job, KubeEvent, Pod } from '../../src/spec/types.ts';
import { stateStoreContract } from '../contract/state-store.contract.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';

let db: TestDynalite;
let tables = 0;
const freshTableName = () => `jobctl-test-${++tables}`;

beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(async () => {
  await db.stop();
});

// A fresh table per test keeps tests independent; dynalite creates one in about a millisecond.
stateStoreContract('DynamoDbStateStore on dynalite', async ({ now }) => {
  const tableName = freshTableName();
  await ensureStateTable(db.client, tableName);
  return { store: new DynamoDbStateStore({ client: db.client, tableName, now }), close: async () => {} };
});

const NOW_MS = Date.parse('2016-05-19T10:00:00Z');

function aJob(name: string, owner?: string): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'default',
      ...(owner
        ? { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: owner, uid: 'u', controller: true }] }
        : {}),
    },
    spec: {
      template: { spec: { containers: [{ name: 'main', image: 'busybox' }], restartPolicy: 'Never' } },
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
    },
    status: { active: 0, succeeded: 0, failed: 0, conditions: [] },
  };
}

function aPod(name: string, jobName: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { 'job-name': jobName } },
    spec: { containers: [{ name: 'main', image: 'busybox' }], restartPolicy: 'Never' },
    status: { phase: 'Pending' },
  };
}

const event: KubeEvent = {
  type: 'Normal',
  reason: 'SuccessfulCreate',
  message: 'Created pod: hello-1-abcde',
  timestamp: '2016-05-19T10:01:00Z',
  involvedObject: { kind: 'Job', namespace: 'default', name: 'hello-1' },
};

async function storeOnFreshTable() {
  const tableName = freshTableName();
  await ensureStateTable(db.client, tableName);
  return { tableName, store: new DynamoDbStateStore({ client: db.client, tableName, now: () => NOW_MS }) };
}

async function rawQuery(input: ConstructorParameters<typeof QueryCommand>[0]) {
  return ((await db.client.send(new QueryCommand(input))).Items ?? []).map((item) => unmarshall(item));
}

describe('DynamoDbStateStore item layout (docs/state-table.md)', () => {
  it('stores a Job as documented: keys, GSIs, rv as a number and the object as a map', async () => {
    const { tableName, store } = await storeOnFreshTable();
    const job = await store.create({
      ...aJob('hello-1', 'hello'),
      metadata: { ...aJob('hello-1', 'hello').metadata, creationTimestamp: '2016-05-19T10:01:00Z' },
    });

    const raw = unmarshall(
      (
        await db.client.send(
          new GetItemCommand({ TableName: tableName, Key: { PK: { S: 'Job#default#hello-1' }, SK: { S: 'object' } } }),
        )
      ).Item!,
    );

    expect(raw).toEqual({
      PK: 'Job#default#hello-1',
      SK: 'object',
      kind: 'Job',
      name: 'hello-1',
      namespace: 'default',
      rv: 1,
      object: job,
      GSI1PK: 'Job#default',
      GSI1SK: 'hello-1',
      GSI2PK: 'owner#CronJob#default#hello',
      GSI2SK: '2016-05-19T10:01:00Z#hello-1',
    });
  });

  it('answers the documented queries: run history, a Job’s pods, a Job’s events', async () => {
    const { tableName, store } = await storeOnFreshTable();
    await store.create({
      ...aJob('hello-2', 'hello'),
      metadata: { ...aJob('hello-2', 'hello').metadata, creationTimestamp: '2016-05-19T10:02:00Z' },
    });
    await store.create({
      ...aJob('hello-1', 'hello'),
      metadata: { ...aJob('hello-1', 'hello').metadata, creationTimestamp: '2016-05-19T10:01:00Z' },
    });
    await store.create(aPod('hello-1-abcde', 'hello-1'));
    await store.recordEvent(event);

    const history = await rawQuery({
      TableName: tableName,
      IndexName: 'GSI2',
      KeyConditionExpression: 'GSI2PK = :owner',
      ExpressionAttributeValues: { ':owner': { S: 'owner#CronJob#default#hello' } },
      ScanIndexForward: false,
    });
    const pods = await rawQuery({
      TableName: tableName,
      KeyConditionExpression: 'PK = :job AND begins_with(SK, :pod)',
      ExpressionAttributeValues: { ':job': { S: 'Job#default#hello-1' }, ':pod': { S: 'pod#' } },
    });
    const events = await rawQuery({
      TableName: tableName,
      KeyConditionExpression: 'PK = :job AND begins_with(SK, :event)',
      ExpressionAttributeValues: { ':job': { S: 'Job#default#hello-1' }, ':event': { S: 'event#' } },
    });

    expect({
      history: history.map((i) => i['name']),
      pods: pods.map((i) => ({ SK: i['SK'], GSI1PK: i['GSI1PK'], phase: (i['object'] as Pod).status.phase })),
      events: events.map((i) => ({ object: i['object'], expiresAt: i['expiresAt'], kind: i['kind'], SK: i['SK'] })),
    }).toEqual({
      history: ['hello-2', 'hello-1'],
      pods: [{ SK: 'pod#hello-1-abcde', GSI1PK: 'Pod#default', phase: 'Pending' }],
      events: [
        {
          object: event,
          expiresAt: NOW_MS / 1000 + 3600,
          kind: 'Event',
          SK: expect.stringMatching(/^event#2016-05-19T10:01:00\.000Z#/),
        },
      ],
    });
  });

  it('pages through Query results beyond 1 MB', async () => {
    const { store } = await storeOnFreshTable();
    const bulk = 'x'.repeat(8_000);
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          store.create({
            ...aPod(`big-${batch * 40 + i}`, 'big'),
            metadata: { ...aPod(`big-${batch * 40 + i}`, 'big').metadata, annotations: { bulk } },
          }),
        ),
      );
    }
    let queries = 0;
    const countQueries = db.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'QueryCommand') queries++;
        return next(args);
      },
      { step: 'initialize', name: 'countQueries' },
    );
    void countQueries;

    const pods = await store.listPods({ namespace: 'default', name: 'big' });
    db.client.middlewareStack.remove('countQueries');

    expect({ pods: pods.length, pagedMoreThanOnce: queries > 1 }).toEqual({ pods: 200, pagedMoreThanOnce: true });
  });
});

// The store sends through lib-dynamodb's document client, so that is the class to stub (and restore: the dynalite
// tests in this file use real ones).
describe('DynamoDbStateStore request shapes and error translation', () => {
  const mockDocumentClient = () => mockClient(DynamoDBDocumentClient);
  let mock: ReturnType<typeof mockDocumentClient>;
  beforeEach(() => {
    mock = mockDocumentClient();
  });
  afterEach(() => {
    mock.restore();
  });
  const storeOnMock = (sleep?: (ms: number) => Promise<void>) =>
    new DynamoDbStateStore({
      client: mockedDynamoClient(),
      tableName: 'jobctl',
      now: () => NOW_MS,
      ...(sleep ? { sleep } : {}),
    });

  it('translates ConditionalCheckFailedException on create into AlreadyExistsError, keeping it as cause', async () => {
    const sdkError = new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    mock.on(PutCommand).rejects(sdkError);

    const error = await storeOnMock()
      .create(aJob('hello-1'))
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AlreadyExistsError);
    expect((error as Error).cause).toBe(sdkError);
    expect(mock).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'jobctl',
      ConditionExpression: 'attribute_not_exists(#PK)',
    });
  });

  it('reports a Conflict from the item AWS returns with the failure, without a second read', async () => {
    mock.on(PutCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: { PK: { S: 'Job#default#hello-1' } },
      }),
    );
    const job = aJob('hello-1');
    job.metadata = { ...job.metadata, uid: 'u-1', creationTimestamp: '2016-05-19T10:00:00Z', resourceVersion: '3' };

    await expect(storeOnMock().update(job)).rejects.toBeInstanceOf(ConflictError);

    expect(mock).toHaveReceivedCommandTimes(GetCommand, 0);
    expect(mock).toHaveReceivedCommandWith(PutCommand, {
      ConditionExpression: 'attribute_exists(#PK) AND #rv = :expectedRv AND #object.#metadata.#uid = :uid',
      ExpressionAttributeValues: { ':expectedRv': 3, ':uid': 'u-1' },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('retries unprocessed deletes with back-off, then deletes the object last', async () => {
    const podKeys = Array.from({ length: 30 }, (_, i) => ({ PK: 'Job#default#big', SK: `pod#big-${i}` }));
    mock.on(DocQueryCommand).resolves({ Items: [] });
    mock
      .on(DocQueryCommand, { ExpressionAttributeValues: { ':pk': 'Job#default#big' } })
      .resolvesOnce({
        Items: [{ PK: 'Job#default#big', SK: 'object' }, ...podKeys.slice(0, 10)],
        LastEvaluatedKey: podKeys[9],
      })
      .resolves({ Items: podKeys.slice(10) });
    const unprocessed = podKeys.slice(0, 2).map((Key) => ({ DeleteRequest: { Key } }));
    mock
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { jobctl: unprocessed } })
      .resolves({ UnprocessedItems: {} });
    const sleeps: number[] = [];

    await storeOnMock(async (ms) => void sleeps.push(ms)).delete('Job', { namespace: 'default', name: 'big' });

    const batches = mock
      .commandCalls(BatchWriteCommand)
      .map((c) => (c.args[0].input as { RequestItems: Record<string, unknown[]> }).RequestItems['jobctl']?.length);
    const lastCall = mock.calls().at(-1)?.args[0];
    expect({
      batches,
      sleeps: sleeps.length,
      last: lastCall?.constructor.name,
      lastKey: (lastCall?.input as { Key?: unknown } | undefined)?.Key,
    }).toEqual({
      batches: [25, 2, 5],
      sleeps: 1,
      last: 'DeleteCommand',
      lastKey: { PK: 'Job#default#big', SK: 'object' },
    });
  });

  it('gives up after repeated unprocessed items and says to retry', async () => {
    mock.on(DocQueryCommand).resolves({ Items: [{ PK: 'CronJob#default#hello', SK: 'event#x' }] });
    mock.on(BatchWriteCommand).resolves({
      UnprocessedItems: { jobctl: [{ DeleteRequest: { Key: { PK: 'CronJob#default#hello', SK: 'event#x' } } }] },
    });
    const sleeps: number[] = [];

    const error = await storeOnMock(async (ms) => void sleeps.push(ms))
      .delete('CronJob', { namespace: 'default', name: 'hello' })
      .catch((e: unknown) => e);

    expect({
      message: (error as Error).message,
      sleeps: sleeps.length,
      batchWrites: mock.commandCalls(BatchWriteCommand).length,
    }).toEqual({
      message: 'state table "jobctl" delete: 1 items still unprocessed after 10 attempts: retry the delete',
      sleeps: 9,
      batchWrites: 10,
    });
  });
});

describe('ensureStateTable', () => {
  it('creates the table once, however many callers race to', async () => {
    const tableName = freshTableName();

    await Promise.all(Array.from({ length: 5 }, () => ensureStateTable(db.client, tableName)));
    await ensureStateTable(db.client, tableName);

    const { store } = { store: new DynamoDbStateStore({ client: db.client, tableName, now: () => NOW_MS }) };
    expect((await store.create(aJob('a'))).metadata.resourceVersion).toBe('1');
  });

  it('rejects an existing table with other keys, naming the table and the fix', async () => {
    const tableName = freshTableName();
    await db.client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );

    await expect(ensureStateTable(db.client, tableName)).rejects.toThrow(
      new RegExp(
        `table "${tableName}" has keys "id:HASH": jobctl needs "PK:HASH,SK:RANGE GSI1\\(GSI1PK:HASH,GSI1SK:RANGE\\) ` +
          `GSI2\\(GSI2PK:HASH,GSI2SK:RANGE\\)"`,
      ),
    );
  });

  it('defines an on-demand table with the documented keys', () => {
    expect(stateTableDefinition('jobctl')).toMatchObject({
      TableName: 'jobctl',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        { IndexName: 'GSI1', Projection: { ProjectionType: 'ALL' } },
        { IndexName: 'GSI2', Projection: { ProjectionType: 'ALL' } },
      ],
    });
  });
});

/** A client for aws-sdk-client-mock: static credentials so no provider chain runs. */
function mockedDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
}
