import { createRequire } from 'node:module';
import { GetItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoDbStateStore,
  MAX_ITEM_BYTES,
  storedItemSizeBytes,
} from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import type { CronJob, Job, KubeObject, Pod } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';

// Audit D7: `apply` must know, before writing anything, whether each object fits DynamoDB's 400 KB item. The size is
// that of the item the store writes, counted as DynamoDB counts it; dynalite (the embedded runtime's DynamoDB) counts
// the same way for ASCII text and refuses an item one byte over, so it is the reference here.
const dynaliteItemSize = (
  createRequire(import.meta.url)('dynalite/db/index.js') as {
    itemSize: (item: Record<string, AttributeValue>) => number;
  }
).itemSize;

let db: TestDynalite;
let tables = 0;
beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(async () => {
  await db.stop();
});

async function freshStore() {
  const tableName = `size-${++tables}`;
  await ensureStateTable(db.client, tableName);
  return {
    tableName,
    store: new DynamoDbStateStore({ client: db.client, tableName, now: () => Date.parse('2024-01-01T00:00:00Z') }),
  };
}

function aJob(name: string, annotations: Record<string, string> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'default',
      annotations,
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: 'owner',
          uid: 'u-1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      template: {
        metadata: { labels: { app: 'x' } },
        spec: {
          containers: [
            { name: 'c', image: 'busybox', command: ['sh', '-c', 'echo hi'], env: [{ name: 'A', value: '' }] },
          ],
          restartPolicy: 'Never',
        },
      },
      parallelism: 10,
      completions: 1234,
      backoffLimit: 6,
      activeDeadlineSeconds: 3600,
      completionMode: 'NonIndexed',
      suspend: false,
    },
    status: {
      active: 0,
      succeeded: 100,
      failed: 7,
      conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: '2024-01-01T00:00:00Z' }],
    },
  };
}

const cronJob: CronJob = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'every-minute', namespace: 'default', labels: { team: 'a' } },
  spec: {
    schedule: '*/1 * * * *',
    concurrencyPolicy: 'Forbid',
    suspend: true,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 1,
    jobTemplate: { spec: aJob('t').spec },
  },
  status: { active: [], lastScheduleTime: '2024-01-01T00:00:00Z' },
};

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'j-abcde', namespace: 'default', labels: { 'job-name': 'j' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never', terminationGracePeriodSeconds: 30 },
  status: {
    phase: 'Failed',
    containerStatuses: [
      {
        name: 'c',
        image: 'busybox',
        restartCount: 0,
        state: { terminated: { exitCode: 137, finishedAt: '2024-01-01T00:00:00Z' } },
      },
    ],
  },
};

/**
 * Numbers of every shape DynamoDB encodes differently: zero, odd and even digit counts, fractions, exponents, signs.
 */
const numbers = [
  0, 1, 7, 10, 12, 99, 100, 101, 1234, 12345, 100000, 2147483647, 0.5, 0.25, 1.5, 12.75, 0.001, 123.456, -1, -12, -0.5,
  1.5e-7, -2.5e-8, 123456789012, 9007199254740991,
];

describe('storedItemSizeBytes (audit D7)', () => {
  it.each<{ name: string; object: KubeObject }>([
    { name: 'a Job with status and an owner', object: aJob('size-a') },
    { name: 'a CronJob', object: cronJob },
    { name: 'a Pod', object: pod },
    {
      name: 'a Job holding numbers of every shape',
      object: { ...aJob('size-n'), status: { ...aJob('size-n').status, numbers } } as unknown as Job,
    },
  ])('counts $name exactly as the stored item is counted', async ({ object }) => {
    const { tableName, store } = await freshStore();
    if (object.kind === 'Pod') await store.create(aJob('j'));
    const created = await store.create(object);
    const key =
      object.kind === 'Pod'
        ? { PK: { S: 'Job#default#j' }, SK: { S: `pod#${object.metadata.name}` } }
        : { PK: { S: `${object.kind}#default#${object.metadata.name}` }, SK: { S: 'object' } };
    const raw = (await db.client.send(new GetItemCommand({ TableName: tableName, Key: key }))).Item!;

    // Before create (uid and creationTimestamp counted as create fills them) and after it, the same number.
    expect(storedItemSizeBytes(object)).toBe(dynaliteItemSize(raw));
    expect(storedItemSizeBytes(created)).toBe(dynaliteItemSize(raw));
  });

  it('is at the limit exactly where DynamoDB (dynalite) starts refusing the item', async () => {
    const { store } = await freshStore();
    const padded = (name: string, pad: number) => aJob(name, { pad: 'x'.repeat(pad) });
    const base = storedItemSizeBytes(padded('limit-a', 0));
    const fits = padded('limit-a', MAX_ITEM_BYTES - base);
    const over = padded('limit-b', MAX_ITEM_BYTES - base + 1);

    expect([storedItemSizeBytes(fits), storedItemSizeBytes(over)]).toEqual([MAX_ITEM_BYTES, MAX_ITEM_BYTES + 1]);
    await expect(store.create(fits)).resolves.toBeDefined();
    await expect(store.create(over)).rejects.toThrow(/Item size has exceeded the maximum allowed size/);
  });

  it('counts strings in UTF-8 bytes, as DynamoDB does (dynalite counts UTF-16 units, so it never refuses less)', () => {
    const ascii = storedItemSizeBytes(aJob('utf', { note: 'aaaa' }));
    expect(storedItemSizeBytes(aJob('utf', { note: 'ééé€' }))).toBe(ascii + 2 + 2 + 2 + 3 - 4);
    expect(storedItemSizeBytes(aJob('utf', { note: '😀' }))).toBe(ascii + 4 - 4);
  });

  it(
    "is never more than twice the object's compact JSON plus its key attributes (the bound apply screens " + 'with)',
    () => {
      const shapes: unknown[] = [
        Array.from({ length: 5000 }, (_, i) => i % 10),
        Array.from({ length: 5000 }, () => -7),
        Array.from({ length: 5000 }, () => true),
        Array.from({ length: 5000 }, () => ({})),
        Array.from({ length: 5000 }, () => []),
        Array.from({ length: 5000 }, () => ''),
        Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [String(i), ''])),
        Array.from({ length: 2000 }, () => 'é€😀'),
      ];
      for (const shape of shapes) {
        const job = { ...aJob('bound'), status: { ...aJob('bound').status, shape } } as unknown as Job;
        expect(storedItemSizeBytes(job)).toBeLessThanOrEqual(
          2 * Buffer.byteLength(JSON.stringify(job), 'utf8') + 1_024,
        );
      }
    },
  );

  it('counts a small item by the documented rules', () => {
    // PK "Job#default#s" (2 + 13), SK "object" (2 + 6), kind "Job" (4 + 3), name "s" (4 + 1), namespace "default" (9 +
    // 7), rv 1 (2 + 2), GSI1PK "Job#default" (6 + 11), GSI1SK "s" (6 + 1), object (6 + map).
    const tiny = {
      apiVersion: 'v',
      kind: 'Job',
      metadata: { name: 's', namespace: 'default', uid: 'u', creationTimestamp: 't', resourceVersion: '1' },
      spec: {},
      status: { active: 0 },
    } as unknown as Job;
    const metadata = 3 + (1 + 4 + 1) + (1 + 9 + 7) + (1 + 3 + 1) + (1 + 17 + 1) + (1 + 15 + 1);
    const object = 3 + (1 + 10 + 1) + (1 + 4 + 3) + (1 + 8 + metadata) + (1 + 4 + 3) + (1 + 6 + 3 + (1 + 6 + 1));
    expect(storedItemSizeBytes(tiny)).toBe(15 + 8 + 7 + 5 + 16 + 4 + 17 + 7 + 6 + object);
  });
});
