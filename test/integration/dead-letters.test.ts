import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeadLetterQueue } from '../../src/adapters/sqs/dead-letters.ts';
import { startTestSqs, type TestSqs } from '../support/local-sqs.ts';

// The dead-letter queue against a real SQS protocol server (local-aws-sqs), Lambda's Invoke mocked.
const DISPATCHER = 'Jobctl-Dispatcher-4JKL';
const JOB_CONTROLLER = 'Jobctl-JobController-5MNO';
const arnOf = (name: string, account = '111122223333') => `arn:aws:lambda:us-west-2:${account}:function:${name}`;

/**
 * An invocation record Lambda sends to an on-failure destination
 * (test/fixtures/aws/lambda-async-on-failure-record.aws-docs.json).
 */
function failedInvocation(functionArn: string, n: number): string {
  return JSON.stringify({
    version: '1.0',
    timestamp: '2026-03-02T10:00:00.000Z',
    requestContext: {
      requestId: `r-${n}`,
      functionArn: `${functionArn}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: { requeue: { kind: 'Job', namespace: 'default', name: `job-${n}` } },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: 'ThrottlingException', errorMessage: 'Rate exceeded' },
  });
}

describe('DeadLetterQueue (local-aws-sqs)', () => {
  let sqs: TestSqs;
  let queueUrl: string;
  let queues = 0;
  const lambda = mockClient(LambdaClient);
  // A short poll: local-aws-sqs answers every visible message (SQS itself samples servers, hence the default long
  // poll).
  const dlq = (options: { listLimit?: number } = {}) =>
    new DeadLetterQueue({
      sqs: sqs.client,
      lambda: new LambdaClient({ region: 'us-west-2' }),
      queueUrl,
      functions: [DISPATCHER, JOB_CONTROLLER],
      waitSeconds: 0,
      ...options,
    });
  const visible = async () =>
    Number(
      (
        await sqs.client.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
        )
      ).Attributes?.['ApproximateNumberOfMessages'],
    );
  async function put(bodies: string[]): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) {
      await sqs.client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: bodies.slice(i, i + 10).map((MessageBody, j) => ({ Id: String(i + j), MessageBody })),
        }),
      );
    }
  }

  beforeAll(async () => {
    sqs = await startTestSqs();
  });
  afterAll(() => sqs.stop());
  beforeEach(async () => {
    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    queueUrl = (await sqs.client.send(new CreateQueueCommand({ QueueName: `dead-letters-${++queues}` }))).QueueUrl!;
  });

  it('lists every message and leaves them all visible', async () => {
    await put(Array.from({ length: 35 }, (_, n) => failedInvocation(arnOf(JOB_CONTROLLER), n)));
    const listed = await dlq().list();
    expect(listed).toHaveLength(35);
    expect(new Set(listed.map((l) => l.what))).toHaveLength(35);
    expect(await visible()).toBe(35);
    expect(await dlq({ listLimit: 20 }).list()).toHaveLength(20);
  });

  it(
    "redrives all of a long queue page by page, each to the stack's own function, deleting each after its " +
      'invocation',
    async () => {
      await put(
        Array.from({ length: 25 }, (_, n) => failedInvocation(arnOf(n % 2 === 0 ? JOB_CONTROLLER : DISPATCHER), n)),
      );
      const outcomes = await dlq().redrive('all');
      expect(outcomes.filter((o) => o.action === 'invoked')).toHaveLength(25);
      expect(
        lambda
          .commandCalls(InvokeCommand)
          .map((c) => c.args[0].input.FunctionName)
          .sort(),
      ).toEqual([...Array(12).fill(DISPATCHER), ...Array(13).fill(JOB_CONTROLLER)]);
      expect(await visible()).toBe(0);
    },
  );

  it('never invokes a function of another account, however the message names it', async () => {
    await put([
      failedInvocation(arnOf(JOB_CONTROLLER, '999999999999'), 1),
      failedInvocation(arnOf('somebody-else'), 2),
    ]);
    const outcomes = await dlq().redrive('all');
    // The same name is this stack's job controller (invoked as configured); another name is not redriven.
    expect(lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input.FunctionName)).toEqual([JOB_CONTROLLER]);
    expect(outcomes.map((o) => o.action).sort()).toEqual(['invoked', 'not-redrivable']);
    expect(await visible()).toBe(1);
  });

  it(
    'stops at an invocation that fails, keeps its message and every later one, and reports what it did ' + 'before',
    async () => {
      await put(Array.from({ length: 3 }, (_, n) => failedInvocation(arnOf(JOB_CONTROLLER), n)));
      lambda
        .on(InvokeCommand)
        .resolvesOnce({ StatusCode: 202 })
        .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
      const outcomes = await dlq().redrive('all');
      expect(outcomes.map((o) => o.action)).toEqual(['invoked', 'failed']);
      expect(outcomes[1]).toMatchObject({ error: 'TooManyRequestsException: Rate exceeded' });
      expect(await visible()).toBe(2);
    },
  );

  it('redrives the ids asked for only, and reports ids it did not find', async () => {
    await put(Array.from({ length: 12 }, (_, n) => failedInvocation(arnOf(JOB_CONTROLLER), n)));
    const [first, second] = await dlq().list();
    const outcomes = await dlq().redrive([first!.id, second!.id, 'no-such-id']);
    expect(outcomes.map((o) => [o.id, o.action])).toEqual([
      [first!.id, 'invoked'],
      [second!.id, 'invoked'],
      ['no-such-id', 'not-found'],
    ]);
    expect(await visible()).toBe(10);
  });
});
