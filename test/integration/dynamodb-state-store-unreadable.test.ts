import { PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbStateStore } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import type { Job, KubeEvent, Pod } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import { attackJobItem } from '../support/attack-item.ts';

// Audit D8: one malformed item (a Job without status.conditions, written by D1's attack.py, a bug or a hand edit)
// failed every `get jobs` and stopped `jobctl up` from starting, with only "Cannot read properties of undefined
// (reading 'find')". The store now checks what it reads: Kubernetes' status defaults are filled in, an item it cannot
// read is skipped by `list` (reported once, naming its key) and refused by `get` (naming its key).

let db: TestDynalite;
let tables = 0;
beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(async () => {
  await db.stop();
});

const NOW_MS = Date.parse('2024-01-01T00:00:00Z');

async function freshStore() {
  const tableName = `unreadable-${++tables}`;
  await ensureStateTable(db.client, tableName);
  const reports: string[] = [];
  const store = new DynamoDbStateStore({
    client: db.client,
    tableName,
    now: () => NOW_MS,
    onUnreadable: (message) => reports.push(message),
  });
  const putRaw = (item: Record<string, AttributeValue>) =>
    db.client.send(new PutItemCommand({ TableName: tableName, Item: item }));
  return { tableName, store, reports, putRaw };
}

const S = (s: string): AttributeValue => ({ S: s });

function aJob(name: string): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
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

/** A Job item whose object is `object`, with the keys `list` and `get` use. */
function jobItem(name: string, object: unknown): Record<string, AttributeValue> {
  return {
    PK: S(`Job#default#${name}`),
    SK: S('object'),
    kind: S('Job'),
    name: S(name),
    namespace: S('default'),
    rv: { N: '1' },
    GSI1PK: S('Job#default'),
    GSI1SK: S(name),
    ...marshall({ object }, { removeUndefinedValues: true }),
  };
}

describe('DynamoDbStateStore reading a malformed item (audit D8)', () => {
  it("lists and gets D1's Job without status.conditions, with the status Kubernetes defaults", async () => {
    const { store, reports, putRaw } = await freshStore();
    await putRaw(
      attackJobItem('pwn', ['sh', '-c', 'id > pwned.txt'], {
        uid: '7b0a7a0e-0000-4000-8000-000000000001',
        withConditions: false,
      }),
    );

    const [listed] = await store.list('Job', 'default');
    expect(listed?.status).toEqual({ active: 0, succeeded: 0, failed: 0, conditions: [] });
    expect((await store.get('Job', { namespace: 'default', name: 'pwn' }))?.status.conditions).toEqual([]);
    expect(reports).toEqual([]);
  });

  it('defaults a missing status and the spec fields Kubernetes defaults', async () => {
    const { store, putRaw } = await freshStore();
    const { status: _status, ...withoutStatus } = aJob('bare');
    const spec = { template: withoutStatus.spec.template };
    await putRaw(jobItem('bare', { ...withoutStatus, spec }));

    const job = await store.get('Job', { namespace: 'default', name: 'bare' });
    expect({ spec: job?.spec, status: job?.status }).toEqual({
      spec: { template: spec.template, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false },
      status: { active: 0, succeeded: 0, failed: 0, conditions: [] },
    });
  });

  it.each<{ name: string; item: (name: string) => Record<string, AttributeValue>; reason: RegExp }>([
    {
      name: 'garbage in object',
      item: (n) => ({ ...jobItem(n, {}), object: S('garbage') }),
      reason: /object: must be a map, got a string/,
    },
    {
      name: 'no metadata.name',
      item: (n) => jobItem(n, { ...aJob(n), metadata: { namespace: 'default' } }),
      reason: /metadata\.name: must be a string/,
    },
    {
      name: "a name that is not the key's",
      item: (n) => jobItem(n, aJob('other')),
      reason: /metadata\.name: "other" is not the item's name/,
    },
    {
      name: 'a name that is not a DNS subdomain',
      item: (n) => ({
        ...jobItem(n, { ...aJob(n), metadata: { name: '../../../tmp/x', namespace: 'default' } }),
        name: S('../../../tmp/x'),
      }),
      reason: /metadata\.name: "\.\.\/\.\.\/\.\.\/tmp\/x" is not a valid name/,
    },
    {
      name: 'conditions that are not a list',
      item: (n) => jobItem(n, { ...aJob(n), status: { ...aJob(n).status, conditions: 'none' } }),
      reason: /status\.conditions: must be a list, got a string/,
    },
    {
      name: 'a container list that is not a list',
      item: (n) => jobItem(n, { ...aJob(n), spec: { ...aJob(n).spec, template: { spec: { containers: {} } } } }),
      reason: /spec\.template\.spec\.containers: must be a list, got a map/,
    },
    {
      name: 'a command that is not strings',
      item: (n) =>
        jobItem(n, {
          ...aJob(n),
          spec: {
            ...aJob(n).spec,
            template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x', command: ['sh', 7] }] } },
          },
        }),
      reason: /spec\.template\.spec\.containers\[0\]\.command\[1\]: must be a string, got a number/,
    },
    {
      name: "a number beyond JavaScript's integers",
      item: (n) => {
        const item = jobItem(n, aJob(n));
        (item['object'] as { M: Record<string, AttributeValue> }).M['status'] = {
          M: { active: { N: '123456789012345678901234567890' } },
        };
        return item;
      },
      reason: /status\.active: 123456789012345678901234567890 is beyond the numbers jobctl reads/,
    },
    {
      name: 'a set where a list belongs',
      item: (n) => {
        const item = jobItem(n, aJob(n));
        (item['object'] as { M: Record<string, AttributeValue> }).M['status'] = { M: { conditions: { SS: ['a'] } } };
        return item;
      },
      reason: /status\.conditions: must be a list, got a set/,
    },
  ])('skips an item with $name in list, naming its key once, and refuses it in get', async ({ item, reason }) => {
    const { store, reports, putRaw } = await freshStore();
    await store.create(aJob('good-1'));
    await putRaw(item('bad'));
    await store.create(aJob('good-2'));

    const names = (await store.list('Job', 'default')).map((j) => j.metadata.name);
    await store.list('Job', 'default');

    expect(names).toEqual(['good-1', 'good-2']);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(
      /^state table "unreadable-\d+": skipped item Job#default#bad\/object, which cannot be read: /,
    );
    expect(reports[0]).toMatch(reason);
    expect(reports[0]).not.toContain('\n');
    await expect(store.get('Job', { namespace: 'default', name: 'bad' })).rejects.toThrow(
      /^state table "unreadable-\d+" get: item Job#default#bad\/object cannot be read: /,
    );
  });

  it("skips a malformed pod in a Job's partition and a malformed event", async () => {
    const { tableName, store, reports, putRaw } = await freshStore();
    await store.create(aJob('j'));
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'j-abcde', namespace: 'default', labels: { 'job-name': 'j' } },
      spec: { containers: [{ name: 'c', image: 'x' }], restartPolicy: 'Never' },
      status: { phase: 'Pending' },
    };
    await store.create(pod);
    await putRaw({
      PK: S('Job#default#j'),
      SK: S('pod#j-zzzzz'),
      kind: S('Pod'),
      name: S('j-zzzzz'),
      namespace: S('default'),
      rv: { N: '1' },
      GSI1PK: S('Pod#default'),
      GSI1SK: S('j-zzzzz'),
      object: {
        M: {
          kind: S('Pod'),
          metadata: { M: { name: S('j-zzzzz'), namespace: S('default'), labels: { M: { 'job-name': S('j') } } } },
          spec: { M: { containers: { L: [] } } },
          status: { M: { phase: S('Exploded') } },
        },
      },
    });
    const event: KubeEvent = {
      type: 'Normal',
      reason: 'SuccessfulCreate',
      message: 'Created pod: j-abcde',
      timestamp: '2024-01-01T00:00:00Z',
      involvedObject: { kind: 'Job', namespace: 'default', name: 'j' },
    };
    await store.recordEvent(event);
    await putRaw({
      PK: S('Job#default#j'),
      SK: S('event#2024-01-01T00:00:00.000Z#bad'),
      kind: S('Event'),
      name: S('j'),
      namespace: S('default'),
      expiresAt: { N: String(NOW_MS / 1000 + 3600) },
      object: S('garbage'),
    });

    expect((await store.listPods({ namespace: 'default', name: 'j' })).map((p) => p.metadata.name)).toEqual([
      'j-abcde',
    ]);
    expect((await store.list('Pod', 'default')).map((p) => p.metadata.name)).toEqual(['j-abcde']);
    expect(await store.listEvents('Job', { namespace: 'default', name: 'j' })).toEqual([event]);
    expect(reports).toEqual([
      expect.stringMatching(
        new RegExp(
          `^state table "${tableName}": skipped item Job#default#j/pod#j-zzzzz, which cannot be read: status.phase: ` +
            `"Exploded" is not one of Pending, Running, Succeeded, Failed`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^state table "${tableName}": skipped item Job#default#j/event#2024-01-01T00:00:00.000Z#bad, which cannot ` +
            `be read: object: must be a map`,
        ),
      ),
    ]);
  });

  it('warns on stderr by default, one line per unreadable item', async () => {
    const tableName = `unreadable-${++tables}`;
    await ensureStateTable(db.client, tableName);
    await db.client.send(
      new PutItemCommand({ TableName: tableName, Item: { ...jobItem('bad', {}), object: S('garbage') } }),
    );
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const store = new DynamoDbStateStore({ client: db.client, tableName, now: () => NOW_MS });
      expect(await store.list('Job', 'default')).toEqual([]);
    } finally {
      spy.mockRestore();
    }
    expect(written).toEqual([
      expect.stringMatching(
        new RegExp(
          /^warning: state table "unreadable-\d+": skipped item Job#default#bad\/object, which cannot be read:/.source +
            / object: must be a map, got a string\n$/.source,
        ),
      ),
    ]);
  });
});
