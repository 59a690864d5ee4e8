import { readFileSync } from 'node:fs';
import type { Message } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { describePayload, parseDeadLetter } from '../../../../src/adapters/sqs/dead-letters.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/aws/${name}`, import.meta.url), 'utf8'));
/** An SQS message carrying `body`, as ReceiveMessage returns it. */
const message = (body: unknown, extra: Partial<Message> = {}): Message => ({
  MessageId: 'm-1',
  ReceiptHandle: 'r-1',
  Body: JSON.stringify(body),
  Attributes: { SentTimestamp: '1772445600000' },
  ...extra,
});

describe('parseDeadLetter: the four documented kinds of message in the dead-letter queue', () => {
  it(
    'an asynchronous invocation that failed three times (Lambda on-failure destination, the documented ' + 'example)',
    () => {
      expect(parseDeadLetter(message(fixture('lambda-async-on-failure-record.aws-docs.json')))).toEqual({
        id: 'm-1',
        source: 'invocation',
        failedAt: '2019-11-14T18:16:05.568Z',
        functionName: 'my-function',
        what: expect.stringContaining('ORDER_IDS'),
        error: 'RequestId: e4b46cbf-b738-xmpl-8880-a18cdf61200e Process exited before completing request',
        attempts: 3,
        redrive: 'invoke',
        // Redriven to the function itself, not its $LATEST qualifier.
        replay: {
          functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:my-function',
          payload: expect.objectContaining({ ORDER_IDS: expect.any(Array) }),
        },
      });
    },
  );

  it('a stream batch the job controller gave up on: not replayable, redriven as a resync', () => {
    expect(parseDeadLetter(message(fixture('lambda-dynamodb-stream-on-failure-record.aws-docs.json')))).toMatchObject({
      source: 'stream-batch',
      functionName: 'myfunction',
      what:
        'stream batch of 1 record(s), sequence 800000000003126276362-800000000003126276362: its changes are no ' +
        'longer in the stream',
      error: 'RetryAttemptsExhausted (Unhandled)',
      redrive: 'resync',
      replay: {
        functionArn: 'arn:aws:lambda:us-east-2:123456789012:function:myfunction',
        payload: { resync: { namespace: 'default' } },
      },
    });
  });

  it(
    'a schedule firing Scheduler could not deliver (its DLQ message: the input as the body, the error in ' +
      'attributes)',
    () => {
      const [documented] = (fixture('scheduler-dlq-message.derived.json') as { Messages: Message[] }).Messages;
      // The documented example targets SQS; a jobctl schedule targets the dispatcher with the CronJob payload.
      const attributes = {
        ...documented!.MessageAttributes!,
        TARGET_ARN: {
          DataType: 'String',
          StringValue: 'arn:aws:lambda:us-west-2:111122223333:function:Jobctl-Dispatcher',
        },
      };
      const letter = parseDeadLetter({
        ...documented!,
        MessageAttributes: attributes,
        Body: '{"cronJob":{"namespace":"default","name":"hello"},"scheduledTime":"2022-05-14T01:12:00Z"}',
      });
      expect(letter).toMatchObject({
        source: 'schedule-delivery',
        functionName: 'Jobctl-Dispatcher',
        what: 'schedule of CronJob default/hello for 2022-05-14T01:12:00Z',
        error: 'AWS.SimpleQueueService.NonExistentQueue: The specified queue does not exist for this wsdl version.',
        attempts: 1,
        redrive: 'invoke',
      });
      // The documented message itself (a target that is not a function) is shown but cannot be redriven.
      expect(parseDeadLetter(documented!)).toMatchObject({ source: 'schedule-delivery', redrive: 'none' });
    },
  );

  it('an ECS task event the rule could not deliver (EventBridge DLQ message)', () => {
    expect(parseDeadLetter(fixture('eventbridge-rule-dlq-message.derived.json') as Message)).toMatchObject({
      source: 'event-delivery',
      functionName: 'jobctl-job-controller',
      what: 'ECS task RUNNING event (task c13b4cb40f1f4fe4a2971f76ae5a47ad)',
      error: 'NO_PERMISSIONS: Lambda function is not authorized to be invoked by EventBridge',
      attempts: 1,
      redrive: 'invoke',
    });
  });

  it('anything else is shown, not redriven', () => {
    expect(parseDeadLetter({ MessageId: 'x', Body: 'hello' })).toMatchObject({
      source: 'unknown',
      what: 'hello',
      redrive: 'none',
    });
  });
});

describe('describePayload', () => {
  it.each([
    [
      { requeue: { kind: 'Job', namespace: 'default', name: 'pi' }, dueAt: '2026-03-02T10:00:10Z' },
      'timer of Job default/pi due 2026-03-02T10:00:10Z',
    ],
    [{ resync: { namespace: 'default' } }, 'periodic resync'],
    [
      {
        source: 'aws.ecs',
        detail: {
          lastStatus: 'STOPPED',
          group: 'jobctl:default:pi:pi-x7k2q:0',
          taskArn: 'arn:aws:ecs:us-west-2:1:task/c/abc',
        },
      },
      'ECS task STOPPED event of pod default/pi-x7k2q (task abc)',
    ],
  ])('%j', (payload, expected) => {
    expect(describePayload(payload)).toBe(expected);
  });
});
