import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  BatchRequestTooLong,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  SQSServiceException,
  TooManyEntriesInBatchRequest,
  type BatchResultErrorEntry,
  type Message,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsWorkQueue, sqsRedriveCount } from '../../../../src/adapters/sqs/sqs-work-queue.ts';
import { ensureStateTable } from '../../../../src/adapters/dynamodb/state-table.ts';
import { JobctlError, NotFoundError } from '../../../../src/errors.ts';
import { ManualClock } from '../../../../src/adapters/clock/clock.ts';
import { workQueueContract } from '../../../contract/work-queue.contract.ts';
import { startTestDynalite, type TestDynalite } from '../../../support/dynalite.ts';

// The SQS work queue with SQS behind aws-sdk-client-mock (its records on dynalite): the request shapes it sends, and
// how it reads responses shaped as the SQS API reference describes them:
// - SendMessageBatch: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
//   (`Successful[]` of SendMessageBatchResultEntry and `Failed[]` of BatchResultErrorEntry `{Id, Code, SenderFault,
//   Message}` in one 200 response; at most 10 entries and 256 KiB, or 1 MiB since 2025).
// - ReceiveMessage: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html and
//   Message: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Message.html (`MessageId`,
//   `ReceiptHandle`, `MD5OfBody`, `Body`, `Attributes` such as `ApproximateReceiveCount` only when asked for,
//   `MessageAttributes` with `MD5OfMessageAttributes`; no `Messages` key when there are none).
// - DeleteMessage: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html (an
//   older receipt handle "succeeds" without deleting the message).
// - ChangeMessageVisibility:
//   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html; a receipt
//   that is no longer in flight answers InvalidParameterValue "Message does not exist or is not available for
//   visibility timeout change" (quoted in vmihailenco/taskq#29).
// - Redrive: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
//   (a message received maxReceiveCount times moves to the DLQ instead of being delivered again, keeping its
//   MessageId).
// The fake below answers that way, on the test's ManualClock, so no test waits.

const REGION = 'us-west-2';
const ACCOUNT = '111122223333';

interface FakeMessage {
  MessageId: string;
  Body: string;
  MessageAttributes?: Record<string, MessageAttributeValue>;
  sentAtMs: number;
  receiveCount: number;
  firstReceiveAtMs?: number;
  visibleAtMs: number;
  receipt?: string;
}

interface FakeQueue {
  name: string;
  url: string;
  arn: string;
  attributes: Record<string, string>;
  messages: FakeMessage[];
}

type FailingCommand = 'ChangeMessageVisibility' | 'DeleteMessage';

/** Standard SQS queues in memory, on a ManualClock, answering through aws-sdk-client-mock. */
class FakeSqs {
  readonly queues = new Map<string, FakeQueue>();
  private readonly entryFailures = new Map<string, Pick<BatchResultErrorEntry, 'Code' | 'SenderFault' | 'Message'>>();
  private readonly failures = new Map<FailingCommand, Error>();

  constructor(private readonly clock: ManualClock) {}

  install(sqs: typeof sqsMock): void {
    sqs.on(CreateQueueCommand).callsFake((input) => this.createQueue(input));
    sqs.on(GetQueueUrlCommand).callsFake((input) => ({ QueueUrl: this.byName(input.QueueName).url }));
    sqs.on(GetQueueAttributesCommand).callsFake((input) => this.getAttributes(input));
    sqs.on(SetQueueAttributesCommand).callsFake((input) => {
      Object.assign(this.byUrl(input.QueueUrl).attributes, input.Attributes);
      return {};
    });
    sqs.on(DeleteQueueCommand).callsFake((input) => {
      this.queues.delete(this.byUrl(input.QueueUrl).url);
      return {};
    });
    sqs.on(SendMessageBatchCommand).callsFake((input) => this.sendBatch(input));
    sqs.on(SendMessageCommand).callsFake((input) => {
      const m = this.enqueue(this.byUrl(input.QueueUrl), input.MessageBody, input.MessageAttributes);
      return {
        MessageId: m.MessageId,
        MD5OfMessageBody: md5(m.Body),
        ...(m.MessageAttributes ? { MD5OfMessageAttributes: md5OfAttributes(m.MessageAttributes) } : {}),
      };
    });
    sqs.on(ReceiveMessageCommand).callsFake((input) => this.receive(input));
    sqs.on(DeleteMessageCommand).callsFake((input) => {
      this.failIfTold('DeleteMessage');
      this.deleteMessage(this.byUrl(input.QueueUrl), input.ReceiptHandle);
      return {};
    });
    sqs.on(DeleteMessageBatchCommand).callsFake((input) => {
      const queue = this.byUrl(input.QueueUrl);
      for (const entry of input.Entries) this.deleteMessage(queue, entry.ReceiptHandle);
      return { Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })), Failed: [] };
    });
    sqs.on(ChangeMessageVisibilityCommand).callsFake((input) => {
      this.failIfTold('ChangeMessageVisibility');
      this.changeVisibility(this.byUrl(input.QueueUrl), input.ReceiptHandle, input.VisibilityTimeout);
      return {};
    });
    sqs.on(ChangeMessageVisibilityBatchCommand).callsFake((input) => {
      const queue = this.byUrl(input.QueueUrl);
      const Successful: Array<{ Id: string }> = [];
      const Failed: BatchResultErrorEntry[] = [];
      for (const entry of input.Entries) {
        try {
          this.changeVisibility(queue, entry.ReceiptHandle, entry.VisibilityTimeout);
          Successful.push({ Id: entry.Id });
        } catch (error) {
          Failed.push({
            Id: entry.Id,
            Code: (error as Error).name,
            SenderFault: true,
            Message: (error as Error).message,
          });
        }
      }
      return { Successful, Failed };
    });
  }

  /** The next SendMessageBatch reports these entry ids in `Failed` (once each). */
  failEntries(ids: string[], error: Pick<BatchResultErrorEntry, 'Code' | 'SenderFault' | 'Message'>): void {
    for (const id of ids) this.entryFailures.set(id, error);
  }

  /** The next call of `command` throws `error`. */
  failNext(command: FailingCommand, error: Error): void {
    this.failures.set(command, error);
  }

  /** At-least-once delivery: a second copy of a message, with the same MessageId, visible now. */
  duplicate(queueUrl: string, messageId: string): void {
    const queue = this.byUrl(queueUrl);
    const original = queue.messages.find((m) => m.MessageId === messageId)!;
    queue.messages.push({ ...original, receiveCount: 0, visibleAtMs: this.clock.now(), receipt: undefined });
  }

  messagesOf(name: string): FakeMessage[] {
    return this.byName(name).messages;
  }

  private createQueue(input: { QueueName: string; Attributes?: Record<string, string> }) {
    const existing = [...this.queues.values()].find((q) => q.name === input.QueueName);
    const attributes: Record<string, string> = {
      VisibilityTimeout: '30',
      MessageRetentionPeriod: '345600',
      ...input.Attributes,
    };
    if (existing !== undefined) {
      const differs = Object.entries(input.Attributes ?? {}).find(([k, v]) => existing.attributes[k] !== v);
      if (differs)
        throw new QueueNameExists({
          message: `A queue already exists with the same name and a different value for attribute ${differs[0]}`,
          $metadata: {},
        });
      return { QueueUrl: existing.url };
    }
    if (attributes['RedrivePolicy'] !== undefined) {
      const target = JSON.parse(attributes['RedrivePolicy']).deadLetterTargetArn;
      if (![...this.queues.values()].some((q) => q.arn === target))
        throw new SQSServiceException({
          name: 'InvalidParameterValue',
          $fault: 'client',
          message: `Value ${target} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`,
          $metadata: {},
        });
    }
    const url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${input.QueueName}`;
    this.queues.set(url, {
      name: input.QueueName,
      url,
      arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${input.QueueName}`,
      attributes,
      messages: [],
    });
    return { QueueUrl: url };
  }

  private getAttributes(input: { QueueUrl: string; AttributeNames?: string[] }) {
    const queue = this.byUrl(input.QueueUrl);
    const all: Record<string, string> = {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(queue.messages.length),
      ...queue.attributes,
    };
    const names = input.AttributeNames ?? [];
    return {
      Attributes: names.includes('All')
        ? all
        : Object.fromEntries(names.filter((n) => all[n] !== undefined).map((n) => [n, all[n]!])),
    };
  }

  private sendBatch(input: {
    QueueUrl: string;
    Entries: Array<{ Id: string; MessageBody: string; MessageAttributes?: Record<string, MessageAttributeValue> }>;
  }) {
    const queue = this.byUrl(input.QueueUrl);
    if (input.Entries.length > 10)
      throw new TooManyEntriesInBatchRequest({
        message: `Maximum number of entries per request are 10. You have sent ${input.Entries.length}.`,
        $metadata: {},
      });
    const bytes = input.Entries.reduce((sum, e) => sum + Buffer.byteLength(e.MessageBody), 0);
    if (bytes > 262_144)
      throw new BatchRequestTooLong({
        message: `Batch requests cannot be longer than 262144 bytes. You have sent ${bytes} bytes.`,
        $metadata: {},
      });
    const Successful = [];
    const Failed: BatchResultErrorEntry[] = [];
    for (const entry of input.Entries) {
      const failure = this.entryFailures.get(entry.Id);
      if (failure !== undefined) {
        this.entryFailures.delete(entry.Id);
        Failed.push({ Id: entry.Id, ...failure } as BatchResultErrorEntry);
        continue;
      }
      if (!/^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u.test(entry.MessageBody)) {
        Failed.push({
          Id: entry.Id,
          Code: 'InvalidMessageContents',
          SenderFault: true,
          Message: 'Invalid binary character',
        });
        continue;
      }
      const m = this.enqueue(queue, entry.MessageBody, entry.MessageAttributes);
      Successful.push({
        Id: entry.Id,
        MessageId: m.MessageId,
        MD5OfMessageBody: md5(m.Body),
        ...(m.MessageAttributes ? { MD5OfMessageAttributes: md5OfAttributes(m.MessageAttributes) } : {}),
      });
    }
    return { Successful, Failed };
  }

  private enqueue(queue: FakeQueue, body: string, attributes?: Record<string, MessageAttributeValue>): FakeMessage {
    const m: FakeMessage = {
      MessageId: randomUUID(),
      Body: body,
      sentAtMs: this.clock.now(),
      receiveCount: 0,
      visibleAtMs: this.clock.now(),
      ...(attributes ? { MessageAttributes: attributes } : {}),
    };
    queue.messages.push(m);
    return m;
  }

  private receive(input: {
    QueueUrl: string;
    MaxNumberOfMessages?: number;
    VisibilityTimeout?: number;
    AttributeNames?: string[];
    MessageSystemAttributeNames?: string[];
    MessageAttributeNames?: string[];
  }) {
    const queue = this.byUrl(input.QueueUrl);
    const now = this.clock.now();
    const out: Message[] = [];
    for (const m of [...queue.messages]) {
      if (out.length >= (input.MaxNumberOfMessages ?? 1)) break;
      if (m.visibleAtMs > now) continue;
      if (this.redrive(queue, m)) continue;
      m.receiveCount++;
      m.firstReceiveAtMs ??= now;
      m.visibleAtMs = now + (input.VisibilityTimeout ?? Number(queue.attributes['VisibilityTimeout'])) * 1000;
      m.receipt = `AQEB${randomBytes(96).toString('base64')}`;
      const systemNames = [...(input.AttributeNames ?? []), ...(input.MessageSystemAttributeNames ?? [])];
      const attributeNames = input.MessageAttributeNames ?? [];
      const selected = Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).filter(
          ([name]) => attributeNames.includes('All') || attributeNames.includes(name),
        ),
      );
      out.push({
        MessageId: m.MessageId,
        ReceiptHandle: m.receipt,
        MD5OfBody: md5(m.Body),
        Body: m.Body,
        ...(systemNames.length > 0
          ? {
              Attributes: {
                SenderId: 'AIDAIENQZJOLO23YVJ4VO',
                ApproximateFirstReceiveTimestamp: String(m.firstReceiveAtMs),
                ApproximateReceiveCount: String(m.receiveCount),
                SentTimestamp: String(m.sentAtMs),
              },
            }
          : {}),
        ...(Object.keys(selected).length > 0
          ? { MessageAttributes: selected, MD5OfMessageAttributes: md5OfAttributes(selected) }
          : {}),
      });
    }
    return out.length > 0 ? { Messages: out } : {};
  }

  /** Moves `m` to the DLQ if it was received maxReceiveCount times already; true when it did. */
  private redrive(queue: FakeQueue, m: FakeMessage): boolean {
    const policy = queue.attributes['RedrivePolicy'];
    if (policy === undefined) return false;
    const { deadLetterTargetArn, maxReceiveCount } = JSON.parse(policy) as {
      deadLetterTargetArn: string;
      maxReceiveCount: number;
    };
    if (m.receiveCount < Number(maxReceiveCount)) return false;
    queue.messages.splice(queue.messages.indexOf(m), 1);
    [...this.queues.values()]
      .find((q) => q.arn === deadLetterTargetArn)!
      .messages.push({ ...m, receiveCount: 0, visibleAtMs: this.clock.now(), receipt: undefined });
    return true;
  }

  private deleteMessage(queue: FakeQueue, receipt: string): void {
    if (!receipt.startsWith('AQEB'))
      throw new ReceiptHandleIsInvalid({
        message: `The input receipt handle "${receipt}" is not a valid receipt handle.`,
        $metadata: {},
      });
    const index = queue.messages.findIndex((m) => m.receipt === receipt);
    if (index >= 0) queue.messages.splice(index, 1); // an older receipt "succeeds" and deletes nothing
  }

  private changeVisibility(queue: FakeQueue, receipt: string, seconds: number): void {
    const m = queue.messages.find((x) => x.receipt === receipt);
    if (m === undefined || m.visibleAtMs <= this.clock.now()) {
      throw new SQSServiceException({
        name: 'InvalidParameterValue',
        $fault: 'client',
        message:
          `Value ${receipt} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not ` +
          `available for visibility timeout change.`,
        $metadata: {},
      });
    }
    m.visibleAtMs = this.clock.now() + seconds * 1000;
  }

  private failIfTold(command: FailingCommand): void {
    const error = this.failures.get(command);
    if (error === undefined) return;
    this.failures.delete(command);
    throw error;
  }

  private byUrl(url: string): FakeQueue {
    const queue = this.queues.get(url);
    if (queue === undefined)
      throw new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} });
    return queue;
  }

  private byName(name: string): FakeQueue {
    const queue = [...this.queues.values()].find((q) => q.name === name);
    if (queue === undefined)
      throw new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} });
    return queue;
  }
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/**
 * SQS's MD5OfMessageAttributes: per attribute, sorted by name, length-prefixed name, type, transport byte and value.
 */
function md5OfAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const hash = createHash('md5');
  const prefixed = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name]!;
    prefixed(name);
    prefixed(value.DataType ?? 'String');
    hash.update(Buffer.from([1]));
    prefixed(value.StringValue ?? '');
  }
  return hash.digest('hex');
}

const sqsMock = mockClient(SQSClient);
let db: TestDynalite;
let tables = 0;
beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(async () => {
  sqsMock.restore();
  await db?.stop();
});

async function makeQueue(): Promise<{ queue: SqsWorkQueue; clock: ManualClock; fake: FakeSqs; tableName: string }> {
  const tableName = `sqs-mock-${++tables}`;
  await ensureStateTable(db.client, tableName);
  const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
  const fake = new FakeSqs(clock);
  sqsMock.reset();
  fake.install(sqsMock);
  const queue = new SqsWorkQueue({
    sqs: new SQSClient({ region: REGION }),
    dynamodb: db.client,
    tableName,
    now: () => clock.now(),
  });
  return { queue, clock, fake, tableName };
}

const URL = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/jobctl-fruits`;
const DLQ_URL = `${URL}-dlq`;
const inputsOf = (command: Parameters<typeof sqsMock.commandCalls>[0]) =>
  sqsMock.commandCalls(command).map((call) => call.args[0].input as Record<string, unknown>);

workQueueContract('SQS (aws-sdk-client-mock, SQS API reference shapes) + DynamoDB (dynalite)', async () => {
  const { queue, clock } = await makeQueue();
  return {
    queue,
    expireLease: async (item) => clock.advanceTo(Math.max(clock.now(), item.leaseExpiresAtMs)),
    close: async () => {},
  };
});

describe('SqsWorkQueue (request shapes)', () => {
  let queue: SqsWorkQueue;
  let clock: ManualClock;
  let fake: FakeSqs;
  let tableName: string;
  beforeEach(async () => {
    ({ queue, clock, fake, tableName } = await makeQueue());
    await queue.ensureQueue('fruits', { maxReceiveCount: 3, leaseSeconds: 30 });
  });

  describe('Method: ensureQueue', () => {
    it('creates the DLQ, reads its ARN, then creates the queue with SSE, the lease and a redrive to it', () => {
      expect(inputsOf(CreateQueueCommand)).toEqual([
        {
          QueueName: 'jobctl-fruits-dlq',
          Attributes: { SqsManagedSseEnabled: 'true', MessageRetentionPeriod: '1209600' },
        },
        {
          QueueName: 'jobctl-fruits',
          Attributes: {
            SqsManagedSseEnabled: 'true',
            MessageRetentionPeriod: '1209600',
            VisibilityTimeout: '30',
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:jobctl-fruits-dlq`,
              maxReceiveCount: 7,
            }),
          },
        },
      ]);
      expect(inputsOf(GetQueueAttributesCommand)).toEqual([{ QueueUrl: DLQ_URL, AttributeNames: ['QueueArn'] }]);
    });

    it('sets the attributes of a queue that exists with others (QueueNameExists)', async () => {
      sqsMock.resetHistory();

      await queue.ensureQueue('fruits', { leaseSeconds: 60 });

      expect(inputsOf(SetQueueAttributesCommand)).toEqual([
        expect.objectContaining({ QueueUrl: URL, Attributes: expect.objectContaining({ VisibilityTimeout: '60' }) }),
      ]);
    });

    it.each([
      [1, 3],
      [5, 11],
      [499, 999],
      [1000, 1000],
    ])('redrives at %i leases after %i SQS receives', (maxReceiveCount, sqsCount) => {
      expect(sqsRedriveCount(maxReceiveCount)).toBe(sqsCount);
    });
  });

  describe('Method: push', () => {
    it(
      'sends batches of 10 with the body and the item id and key as message attributes, reporting ' + 'progress',
      async () => {
        const bodies = Array.from({ length: 25 }, (_, i) => `item-${i}`);
        const progress: number[] = [];

        const ids = await queue.push('fruits', bodies, (written) => progress.push(written));

        const batches = inputsOf(SendMessageBatchCommand) as Array<{
          QueueUrl: string;
          Entries: Array<{ Id: string; MessageBody: string; MessageAttributes: Record<string, MessageAttributeValue> }>;
        }>;
        expect(batches.map((b) => b.Entries.length)).toEqual([10, 10, 5]);
        expect(batches.every((b) => b.QueueUrl === URL)).toBe(true);
        expect(batches[0]!.Entries[0]).toEqual({
          Id: '0',
          MessageBody: 'item-0',
          MessageAttributes: {
            'jobctl-item-id': { DataType: 'String', StringValue: ids[0] },
            'jobctl-item-key': {
              DataType: 'String',
              StringValue: expect.stringMatching(new RegExp(`^item#\\d{12}#${ids[0]}$`)),
            },
          },
        });
        expect(progress).toEqual([10, 20, 25]);
      },
    );

    it('re-sends only the entries SendMessageBatch reports as Failed', async () => {
      fake.failEntries(['3', '7'], {
        Code: 'InternalError',
        SenderFault: false,
        Message: 'We encountered an internal error. Please try again.',
      });

      await queue.push(
        'fruits',
        Array.from({ length: 10 }, (_, i) => `item-${i}`),
      );

      const batches = inputsOf(SendMessageBatchCommand) as Array<{
        Entries: Array<{ Id: string; MessageBody: string }>;
      }>;
      expect(batches.map((b) => b.Entries.map((e) => e.MessageBody))).toEqual([
        Array.from({ length: 10 }, (_, i) => `item-${i}`),
        ['item-3', 'item-7'],
      ]);
      expect(fake.messagesOf('jobctl-fruits')).toHaveLength(10);
      expect(await queue.stats('fruits')).toMatchObject({ pending: 10 });
    });

    it('throws on a sender fault, naming the item and the code; the recorded items stay counted', async () => {
      fake.failEntries(['1'], {
        Code: 'InvalidParameterValue',
        SenderFault: true,
        Message: 'Message must be shorter than 262144 bytes.',
      });

      const pushing = queue.push('fruits', ['a', 'b']);

      await expect(pushing).rejects.toThrow(JobctlError);
      await expect(pushing).rejects.toThrow(
        /work queue "fruits": SQS rejected item "[0-9a-f-]{36}": InvalidParameterValue: Message must be shorter/,
      );
      expect(await queue.stats('fruits')).toMatchObject({ pending: 2 });
    });

    it('splits batches at 256 KiB and keeps bodies SQS cannot carry in the record only', async () => {
      const big = 'b'.repeat(100 * 1024);
      const bodies = [big, big, big, '', 'nul\u0000'];

      await queue.push('fruits', bodies);

      const batches = inputsOf(SendMessageBatchCommand) as Array<{ Entries: Array<{ MessageBody: string }> }>;
      expect(batches.map((b) => b.Entries.length)).toEqual([2, 3]);
      expect(batches[1]!.Entries.slice(1).map((e) => e.MessageBody)).toEqual([
        expect.stringMatching(/^jobctl: the body of item .* is in the state table only/),
        expect.stringMatching(/^jobctl: the body/),
      ]);
      const leased = await Promise.all(bodies.map(() => queue.lease('fruits')));
      expect(leased.map((i) => i?.body).sort()).toEqual([...bodies].sort());
    });
  });

  describe('Method: lease', () => {
    it(
      'receives one message under a visibility timeout of the lease, without waiting, and counts the lease from the ' +
        'record',
      async () => {
        await queue.push('fruits', ['apple']);

        const item = await queue.lease('fruits', { leaseSeconds: 45 });

        expect(inputsOf(ReceiveMessageCommand)).toEqual([
          {
            QueueUrl: URL,
            MaxNumberOfMessages: 1,
            VisibilityTimeout: 45,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['jobctl-item-key'],
          },
        ]);
        const [message] = fake.messagesOf('jobctl-fruits');
        expect(item).toEqual({
          id: expect.any(String),
          body: 'apple',
          receiveCount: 1,
          lease: expect.stringMatching(/^item#\d{12}#[0-9a-f-]{36}\|[0-9a-f-]{36}\|AQEB/),
          leaseExpiresAtMs: clock.now() + 45_000,
        });
        expect(item!.lease.endsWith(`|${message!.receipt}`)).toBe(true);
      },
    );

    it('deletes a second copy of a message (same MessageId) whose item is already done', async () => {
      await queue.push('fruits', ['apple']);
      const item = (await queue.lease('fruits'))!;
      const [message] = fake.messagesOf('jobctl-fruits');
      const messageId = message!.MessageId;
      fake.duplicate(URL, messageId);
      await queue.complete('fruits', item.lease);
      sqsMock.resetHistory();

      expect(await queue.lease('fruits')).toBeUndefined();

      expect(inputsOf(DeleteMessageCommand)).toEqual([
        { QueueUrl: URL, ReceiptHandle: expect.stringMatching(/^AQEB/) },
      ]);
      expect(fake.messagesOf('jobctl-fruits')).toEqual([]);
    });

    it(
      'hides a second copy of a leased message until that lease ends, and deletes a duplicate with another ' +
        'MessageId',
      async () => {
        await queue.push('fruits', ['apple']);
        const item = (await queue.lease('fruits'))!;
        const [message] = fake.messagesOf('jobctl-fruits');
        clock.advance(10_000);
        fake.duplicate(URL, message!.MessageId);
        sqsMock.resetHistory();

        expect(await queue.lease('fruits')).toBeUndefined();
        expect(inputsOf(ChangeMessageVisibilityCommand)).toEqual([
          { QueueUrl: URL, ReceiptHandle: expect.stringMatching(/^AQEB/), VisibilityTimeout: 20 },
        ]);

        const key = item.lease.split('|')[0]!;
        fake.messagesOf('jobctl-fruits').push({
          MessageId: randomUUID(),
          Body: 'apple',
          MessageAttributes: { 'jobctl-item-key': { DataType: 'String', StringValue: key } },
          sentAtMs: clock.now(),
          receiveCount: 0,
          visibleAtMs: clock.now(),
        });
        expect(await queue.lease('fruits')).toBeUndefined();
        expect(inputsOf(DeleteMessageCommand)).toHaveLength(1);
        expect(await queue.complete('fruits', item.lease)).toBe(true);
        expect(await queue.stats('fruits')).toEqual({ pending: 0, leased: 0, done: 1, dead: 0 });
      },
    );

    it(
      'dead-letters an item whose message comes back after its last lease: a DLQ copy, then ' + 'DeleteMessage',
      async () => {
        const [id] = await queue.push('fruits', ['poison']);
        for (let i = 0; i < 3; i++) {
          const item = (await queue.lease('fruits'))!;
          clock.advanceTo(item.leaseExpiresAtMs);
        }
        sqsMock.resetHistory();

        expect(await queue.lease('fruits')).toBeUndefined();

        expect(inputsOf(SendMessageCommand)).toEqual([
          {
            QueueUrl: DLQ_URL,
            MessageBody: 'poison',
            MessageAttributes: {
              'jobctl-item-id': { DataType: 'String', StringValue: id },
              'jobctl-item-key': expect.anything(),
            },
          },
        ]);
        expect(inputsOf(DeleteMessageCommand)).toEqual([
          { QueueUrl: URL, ReceiptHandle: expect.stringMatching(/^AQEB/) },
        ]);
        expect(await queue.stats('fruits')).toEqual({ pending: 0, leased: 0, done: 0, dead: 1 });
      },
    );

    it('throws NotFoundError when the SQS queue is gone', async () => {
      fake.queues.clear();
      const fresh = new SqsWorkQueue({
        sqs: new SQSClient({ region: REGION }),
        dynamodb: db.client,
        tableName,
        now: () => clock.now(),
      }); // no cached URL

      await expect(fresh.lease('fruits')).rejects.toThrow(NotFoundError);
      await expect(fresh.lease('fruits')).rejects.toThrow('work queue "fruits": SQS queue "jobctl-fruits" not found');
    });
  });

  describe('Method: renew', () => {
    it('extends the record, then the visibility, and holds even when SQS no longer knows the receipt', async () => {
      await queue.push('fruits', ['apple']);
      const item = (await queue.lease('fruits'))!;
      const receipt = item.lease.split('|')[2];

      expect(await queue.renew('fruits', item.lease, 120)).toBe(true);
      fake.failNext(
        'ChangeMessageVisibility',
        new SQSServiceException({
          name: 'InvalidParameterValue',
          $fault: 'client',
          message: 'Message does not exist or is not available for visibility timeout change.',
          $metadata: {},
        }),
      );
      expect(await queue.renew('fruits', item.lease, 120)).toBe(true);

      expect(inputsOf(ChangeMessageVisibilityCommand)).toEqual([
        { QueueUrl: URL, ReceiptHandle: receipt, VisibilityTimeout: 120 },
        { QueueUrl: URL, ReceiptHandle: receipt, VisibilityTimeout: 120 },
      ]);
    });
  });

  describe('Method: complete', () => {
    it('deletes the message with the lease receipt; an invalid receipt does not undo the completion', async () => {
      await queue.push('fruits', ['apple', 'banana']);
      const first = (await queue.lease('fruits'))!;
      const second = (await queue.lease('fruits'))!;

      expect(await queue.complete('fruits', first.lease)).toBe(true);
      fake.failNext(
        'DeleteMessage',
        new ReceiptHandleIsInvalid({
          message: 'The input receipt handle is not a valid receipt handle.',
          $metadata: {},
        }),
      );
      expect(await queue.complete('fruits', second.lease)).toBe(true);

      expect(inputsOf(DeleteMessageCommand)).toEqual([
        { QueueUrl: URL, ReceiptHandle: first.lease.split('|')[2] },
        { QueueUrl: URL, ReceiptHandle: second.lease.split('|')[2] },
      ]);
      expect(await queue.stats('fruits')).toEqual({ pending: 0, leased: 0, done: 2, dead: 0 });
    });
  });

  describe('Method: release', () => {
    it('makes the message visible at once; on the last lease it dead-letters instead', async () => {
      await queue.push('fruits', ['poison']);
      const receipts: string[] = [];
      for (let i = 0; i < 3; i++) {
        const item = (await queue.lease('fruits'))!;
        receipts.push(item.lease.split('|')[2]!);
        expect(await queue.release('fruits', item.lease)).toBe(true);
      }

      expect(inputsOf(ChangeMessageVisibilityCommand)).toEqual(
        receipts.slice(0, 2).map((ReceiptHandle) => ({ QueueUrl: URL, ReceiptHandle, VisibilityTimeout: 0 })),
      );
      expect(inputsOf(SendMessageCommand)).toEqual([
        expect.objectContaining({ QueueUrl: DLQ_URL, MessageBody: 'poison' }),
      ]);
      expect(inputsOf(DeleteMessageCommand)).toEqual([{ QueueUrl: URL, ReceiptHandle: receipts[2] }]);
      expect(fake.messagesOf('jobctl-fruits-dlq').map((m) => m.Body)).toEqual(['poison']);
    });
  });

  describe('Method: redrive', () => {
    it('re-sends the chosen dead letters and takes their copies out of the DLQ, keeping the others', async () => {
      const [poison] = await queue.push('fruits', ['poison', 'toxic']);
      for (let i = 0; i < 6; i++) await queue.release('fruits', (await queue.lease('fruits'))!.lease);
      expect(fake.messagesOf('jobctl-fruits-dlq').map((m) => m.Body)).toEqual(['poison', 'toxic']);
      sqsMock.resetHistory();

      expect(await queue.redrive('fruits', [poison!])).toBe(1);

      expect(inputsOf(SendMessageBatchCommand)).toEqual([
        { QueueUrl: URL, Entries: [expect.objectContaining({ Id: '0', MessageBody: 'poison' })] },
      ]);
      expect(inputsOf(ReceiveMessageCommand)).toContainEqual(
        expect.objectContaining({ QueueUrl: DLQ_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      expect(inputsOf(DeleteMessageBatchCommand)).toEqual([
        { QueueUrl: DLQ_URL, Entries: [{ Id: '0', ReceiptHandle: expect.stringMatching(/^AQEB/) }] },
      ]);
      expect(inputsOf(ChangeMessageVisibilityBatchCommand)).toEqual([
        {
          QueueUrl: DLQ_URL,
          Entries: [{ Id: '0', ReceiptHandle: expect.stringMatching(/^AQEB/), VisibilityTimeout: 0 }],
        },
      ]);
      expect(fake.messagesOf('jobctl-fruits-dlq').map((m) => m.Body)).toEqual(['toxic']);
      expect(await queue.deadLetters('fruits', 10)).toEqual([expect.objectContaining({ body: 'toxic' })]);
      expect(await queue.lease('fruits')).toMatchObject({ id: poison, body: 'poison', receiveCount: 1 });
    });
  });

  describe('Method: purge', () => {
    it('deletes the records, then sweeps visible messages 10 at a time without PurgeQueue', async () => {
      await queue.push(
        'fruits',
        Array.from({ length: 12 }, (_, i) => `item-${i}`),
      );
      await queue.lease('fruits');
      sqsMock.resetHistory();

      expect(await queue.purge('fruits')).toBe(12);

      expect(sqsMock.commandCalls(PurgeQueueCommand)).toHaveLength(0);
      expect(inputsOf(DeleteMessageBatchCommand).map((i) => (i['Entries'] as unknown[]).length)).toEqual([10, 1]);
      expect(fake.messagesOf('jobctl-fruits')).toHaveLength(1); // the leased one: deleted when it comes back
      expect(await queue.stats('fruits')).toEqual({ pending: 0, leased: 0, done: 0, dead: 0 });
    });
  });
});
