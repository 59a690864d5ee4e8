import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { SqsWorkQueue } from '../../src/adapters/sqs/sqs-work-queue.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import type { LeasedItem } from '../../src/ports/work-queue.ts';
import { workQueueContract } from '../contract/work-queue.contract.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import { startTestSqs, type TestSqs } from '../support/local-sqs.ts';

// The SQS work queue against a real SQS protocol server (local-aws-sqs, in process) with its records on dynalite.
// SQS's visibility runs on the real clock and the records' leases on a ManualClock, so expiring a lease is both
// ChangeMessageVisibility(0) and moving the clock: no test waits.
let db: TestDynalite;
let sqs: TestSqs;
let tables = 0;
beforeAll(async () => {
  [db, sqs] = await Promise.all([startTestDynalite(), startTestSqs()]);
});
afterAll(async () => {
  await Promise.all([db?.stop(), sqs?.stop()]);
});

interface Harness {
  queue: SqsWorkQueue;
  clock: ManualClock;
  tableName: string;
  queuePrefix: string;
  expireLease(item: LeasedItem): Promise<void>;
}

async function makeHarness(): Promise<Harness> {
  const tableName = `sqs-work-queue-${++tables}`;
  await ensureStateTable(db.client, tableName);
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
  // A prefix per table: one SQS server serves every test, and SQS refuses a name for 60 s after its deletion.
  const queuePrefix = `t${tables}-`;
  const adapter = new SqsWorkQueue({
    sqs: sqs.client,
    dynamodb: db.client,
    tableName,
    now: () => clock.now(),
    queuePrefix,
  });
  // A receipt handle does not name its queue: remember which queue each lease came from.
  const leasedFrom = new Map<string, string>();
  const queue = new Proxy(adapter, {
    get(target, property) {
      if (property === 'lease') {
        return async (name: string, options?: { leaseSeconds?: number }) => {
          const item = await target.lease(name, options);
          if (item !== undefined) leasedFrom.set(item.lease, name);
          return item;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  // The message's visibility to 0 (its receipt is the lease's last part) and the records' clock past the lease.
  const expireLease = async (item: LeasedItem) => {
    const receipt = item.lease.split('|')[2];
    const queueName = adapter.sqsQueueNames(leasedFrom.get(item.lease)!).queueName;
    const { QueueUrl } = await sqs.client.send(new GetQueueUrlCommand({ QueueName: queueName }));
    await sqs.client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: receipt, VisibilityTimeout: 0 }),
    );
    clock.advanceTo(Math.max(clock.now(), item.leaseExpiresAtMs));
  };
  return { queue, clock, tableName, queuePrefix, expireLease };
}

workQueueContract('SQS + DynamoDB (local-aws-sqs, dynalite)', async () => {
  const { queue, expireLease } = await makeHarness();
  return { queue, expireLease, close: async () => {} };
});

describe('SqsWorkQueue (local-aws-sqs, dynalite)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await makeHarness();
  });

  const urlOf = async (sqsName: string) =>
    (await sqs.client.send(new GetQueueUrlCommand({ QueueName: sqsName }))).QueueUrl!;
  const attributesOf = async (sqsName: string) =>
    (await sqs.client.send(new GetQueueAttributesCommand({ QueueUrl: await urlOf(sqsName), AttributeNames: ['All'] })))
      .Attributes ?? {};
  const receiveRaw = async (sqsName: string) =>
    (
      await sqs.client.send(
        new ReceiveMessageCommand({
          QueueUrl: await urlOf(sqsName),
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      )
    ).Messages ?? [];

  it(
    'creates the queue and its DLQ encrypted, with the lease as VisibilityTimeout and a redrive at 2 * ' +
      'maxReceiveCount + 1',
    async () => {
      await h.queue.ensureQueue('fruits', { maxReceiveCount: 3, leaseSeconds: 45 });

      const dlq = await attributesOf(`${h.queuePrefix}fruits-dlq`);
      const main = await attributesOf(`${h.queuePrefix}fruits`);
      expect(dlq).toMatchObject({ SqsManagedSseEnabled: 'true', MessageRetentionPeriod: '1209600' });
      expect(main).toMatchObject({
        SqsManagedSseEnabled: 'true',
        VisibilityTimeout: '45',
        MessageRetentionPeriod: '1209600',
      });
      expect(JSON.parse(main['RedrivePolicy']!)).toEqual({ deadLetterTargetArn: dlq['QueueArn'], maxReceiveCount: 7 });
    },
  );

  it('updates the SQS attributes when the settings change', async () => {
    await h.queue.ensureQueue('fruits', { maxReceiveCount: 3, leaseSeconds: 45 });

    await h.queue.ensureQueue('fruits', { maxReceiveCount: 7, leaseSeconds: 90 });

    const main = await attributesOf(`${h.queuePrefix}fruits`);
    expect(main).toMatchObject({ VisibilityTimeout: '90', SqsManagedSseEnabled: 'true' });
    expect(JSON.parse(main['RedrivePolicy']!)).toMatchObject({ maxReceiveCount: 15 });
    expect(await h.queue.describeQueue('fruits')).toEqual({ maxReceiveCount: 7, leaseSeconds: 90 });
  });

  it(
    'repairs a crash between the record write and SendMessageBatch: pending stays exact, the items are ' + 're-sent',
    async () => {
      await h.queue.ensureQueue('crash', { maxReceiveCount: 3 });
      // A worker whose process dies right after BatchWriteItem: its SendMessageBatch never reaches SQS.
      const crashing = sqs.newClient();
      crashing.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'SendMessageBatchCommand') throw new Error('process killed');
          return next(args);
        },
        { step: 'initialize', name: 'crashBeforeSend' },
      );
      const dying = new SqsWorkQueue({
        sqs: crashing,
        dynamodb: db.client,
        tableName: h.tableName,
        now: () => h.clock.now(),
        queuePrefix: h.queuePrefix,
      });
      await expect(dying.push('crash', ['a', 'b', 'c'])).rejects.toThrow('process killed');

      // Exact: three items are pending though SQS has no message for them.
      expect(await h.queue.stats('crash')).toEqual({ pending: 3, leased: 0, done: 0, dead: 0 });
      expect(await h.queue.lease('crash')).toBeUndefined(); // within the grace period: maybe a push still under way
      h.clock.advance(61_000);
      const leased = [await h.queue.lease('crash'), await h.queue.lease('crash'), await h.queue.lease('crash')];

      expect(leased.map((i) => i?.body).sort()).toEqual(['a', 'b', 'c']);
      for (const item of leased) expect(await h.queue.complete('crash', item!.lease)).toBe(true);
      expect(await h.queue.stats('crash')).toEqual({ pending: 0, leased: 0, done: 3, dead: 0 });
      expect(await h.queue.lease('crash')).toBeUndefined();
    },
  );

  it(
    "counts leases itself, not by SQS's ApproximateReceiveCount, and re-sends an item SQS's own " + 'redrive took',
    async () => {
      await h.queue.ensureQueue('counted', { maxReceiveCount: 3 });
      await h.queue.push('counted', ['job']);
      const sqsName = `${h.queuePrefix}counted`;
      const url = await urlOf(sqsName);
      // A consumer that receives without leasing (or crashes before recording a lease), until SQS's redrive takes it.
      const seen: number[] = [];
      for (let i = 0; i < 20; i++) {
        const [raw] = await receiveRaw(sqsName);
        if (raw === undefined) break;
        seen.push(Number(raw.Attributes?.['ApproximateReceiveCount']));
        await sqs.client.send(
          new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: raw.ReceiptHandle, VisibilityTimeout: 0 }),
        );
      }
      expect(seen.length).toBeGreaterThan(1);
      expect(await receiveRaw(`${sqsName}-dlq`)).toHaveLength(1); // SQS's own move: not a dead letter of ours

      // Exact all the same: the item is pending, never leased, not dead.
      expect(await h.queue.stats('counted')).toEqual({ pending: 1, leased: 0, done: 0, dead: 0 });
      expect(await h.queue.lease('counted')).toBeUndefined(); // no message left: the repair waits out its grace period
      h.clock.advance(61_000);
      const item = (await h.queue.lease('counted'))!;
      expect(item).toMatchObject({ body: 'job', receiveCount: 1 });
      expect(await h.queue.complete('counted', item.lease)).toBe(true);
      expect(await h.queue.stats('counted')).toEqual({ pending: 0, leased: 0, done: 1, dead: 0 });
    },
  );

  it('deletes a duplicate message while its item is leased, and a stale one after the item is done', async () => {
    await h.queue.ensureQueue('dupes');
    await h.queue.push('dupes', ['once']);
    const item = (await h.queue.lease('dupes'))!;
    const [sk] = item.lease.split('|');
    const url = await urlOf(`${h.queuePrefix}dupes`);
    const copy = {
      QueueUrl: url,
      MessageBody: 'once',
      MessageAttributes: { 'jobctl-item-key': { DataType: 'String', StringValue: sk } },
    };

    await sqs.client.send(new SendMessageCommand(copy));
    expect(await h.queue.lease('dupes')).toBeUndefined();
    expect(await h.queue.complete('dupes', item.lease)).toBe(true);
    await sqs.client.send(new SendMessageCommand(copy));
    expect(await h.queue.lease('dupes')).toBeUndefined();

    expect(await receiveRaw(`${h.queuePrefix}dupes`)).toEqual([]);
    expect(await h.queue.stats('dupes')).toEqual({ pending: 0, leased: 0, done: 1, dead: 0 });
  });

  it('copies dead letters to the DLQ, and redrive takes the copies out again', async () => {
    await h.queue.ensureQueue('poison', { maxReceiveCount: 1 });
    const [id] = await h.queue.push('poison', ['bad']);
    const item = (await h.queue.lease('poison'))!;
    expect(await h.queue.release('poison', item.lease)).toBe(true);

    const copies = await receiveRaw(`${h.queuePrefix}poison-dlq`);
    expect(copies).toEqual([
      expect.objectContaining({
        Body: 'bad',
        MessageAttributes: expect.objectContaining({ 'jobctl-item-id': { DataType: 'String', StringValue: id } }),
      }),
    ]);
    await sqs.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: await urlOf(`${h.queuePrefix}poison-dlq`),
        ReceiptHandle: copies[0]!.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    expect(await h.queue.stats('poison')).toEqual({ pending: 0, leased: 0, done: 0, dead: 1 });

    expect(await h.queue.redrive('poison')).toBe(1);
    expect(await receiveRaw(`${h.queuePrefix}poison-dlq`)).toEqual([]);
    expect(await h.queue.lease('poison')).toMatchObject({ id, body: 'bad', receiveCount: 1 });
  });

  it('keeps bodies SQS cannot carry (empty, control characters, over 200 KiB) byte for byte', async () => {
    await h.queue.ensureQueue('odd');
    const bodies = ['', 'nul\u0000inside', 'x'.repeat(300 * 1024)];
    await h.queue.push('odd', bodies);

    const leased = [await h.queue.lease('odd'), await h.queue.lease('odd'), await h.queue.lease('odd')];

    expect(leased.map((i) => i?.body).sort()).toEqual([...bodies].sort());
  });

  it('sweeps the visible messages of purged items; a leased one is deleted when it comes back', async () => {
    await h.queue.ensureQueue('sweep');
    await h.queue.push('sweep', ['x', 'y', 'z']);
    const held = (await h.queue.lease('sweep'))!;

    expect(await h.queue.purge('sweep')).toBe(3);
    expect(await receiveRaw(`${h.queuePrefix}sweep`)).toEqual([]);
    await h.expireLease(held);
    expect(await h.queue.lease('sweep')).toBeUndefined();
    expect(await receiveRaw(`${h.queuePrefix}sweep`)).toEqual([]);
  });
});
