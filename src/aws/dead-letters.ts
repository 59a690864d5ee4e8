import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { FailedWork, Failures, RedriveOutcome } from '../ports/failures.ts';

/*
 * The stack's dead-letter queue receives four kinds of message, each in the shape its service documents
 * (test/fixtures/aws/README.md has the examples):
 *
 * | from | body | failure details |
 * | --- | --- | --- |
 * | Lambda, an asynchronous invocation that failed 3 times (on-failure destination) | invocation record: `requestContext`, `requestPayload`, `responsePayload` | `responsePayload.errorMessage`, `requestContext.approximateInvokeCount` |
 * | Lambda, a stream batch it gave up on (event source mapping on-failure) | `DDBStreamBatchInfo` (shard, sequence range), no records | `responseContext.functionError` |
 * | EventBridge Scheduler, a firing it could not deliver | the schedule's input | message attributes `ERROR_CODE`, `ERROR_MESSAGE`, `RETRY_ATTEMPTS`, `TARGET_ARN`, `SCHEDULE_ARN` |
 * | EventBridge, a rule's event it could not deliver | the event | message attributes `ERROR_CODE`, `ERROR_MESSAGE`, `RETRY_ATTEMPTS`, `TARGET_ARN`, `RULE_ARN` |
 *
 * Sources: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html,
 * https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html,
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html.
 */

/** One dead letter, read, with what redriving it means. */
export interface DeadLetter extends FailedWork {
  /** The function and event a redrive invokes (`redrive: 'invoke'`). */
  replay?: { functionArn: string; payload: unknown };
}

/** Reads one dead-letter queue message; never throws (an unknown shape is `unknown`, shown as its body's start). */
export function parseDeadLetter(message: Message): DeadLetter {
  const id = message.MessageId ?? '';
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  const sentAt = message.Attributes?.['SentTimestamp'];
  const sent = sentAt === undefined ? {} : { failedAt: new Date(Number(sentAt)).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  let body: unknown;
  try {
    body = JSON.parse(message.Body ?? '');
  } catch {
    body = undefined;
  }
  const b = isObject(body) ? body : {};
  const context = isObject(b['requestContext']) ? b['requestContext'] : undefined;
  if (context !== undefined && 'requestPayload' in b) {
    const functionArn = unqualified(String(context['functionArn'] ?? ''));
    const response = isObject(b['responsePayload']) ? b['responsePayload'] : {};
    return {
      id,
      source: 'invocation',
      ...(typeof b['timestamp'] === 'string' ? { failedAt: b['timestamp'] } : sent),
      functionName: functionNameOf(functionArn),
      what: describePayload(b['requestPayload']),
      error: String(response['errorMessage'] ?? (isObject(b['responseContext']) ? b['responseContext']['functionError'] : undefined) ?? context['condition'] ?? 'failed'),
      ...(typeof context['approximateInvokeCount'] === 'number' ? { attempts: context['approximateInvokeCount'] } : {}),
      redrive: 'invoke',
      replay: { functionArn, payload: b['requestPayload'] },
    };
  }
  if (context !== undefined && isObject(b['DDBStreamBatchInfo'])) {
    const batch = b['DDBStreamBatchInfo'];
    const functionArn = unqualified(String(context['functionArn'] ?? ''));
    return {
      id,
      source: 'stream-batch',
      ...(typeof b['timestamp'] === 'string' ? { failedAt: b['timestamp'] } : sent),
      functionName: functionNameOf(functionArn),
      what: `stream batch of ${String(batch['batchSize'] ?? '?')} record(s), sequence ${String(batch['startSequenceNumber'] ?? '?')}-${String(batch['endSequenceNumber'] ?? '?')}: its changes are no longer in the stream`,
      error: `${String(context['condition'] ?? 'failed')}${isObject(b['responseContext']) && b['responseContext']['functionError'] !== undefined ? ` (${String(b['responseContext']['functionError'])})` : ''}`,
      ...(typeof context['approximateInvokeCount'] === 'number' ? { attempts: context['approximateInvokeCount'] } : {}),
      redrive: 'resync',
      replay: { functionArn, payload: { resync: { namespace: 'default' } } },
    };
  }
  const targetArn = attribute('TARGET_ARN');
  if (targetArn !== undefined) {
    const fromSchedule = attribute('SCHEDULE_ARN') !== undefined;
    const functionArn = unqualified(targetArn);
    const error = [attribute('ERROR_CODE'), attribute('ERROR_MESSAGE')].filter((x) => x !== undefined).join(': ') || 'not delivered';
    const retries = attribute('RETRY_ATTEMPTS');
    return {
      id,
      source: fromSchedule ? 'schedule-delivery' : 'event-delivery',
      ...sent,
      functionName: functionNameOf(functionArn),
      what: describePayload(body),
      error,
      ...(retries === undefined ? {} : { attempts: Number(retries) + 1 }),
      redrive: /:function:/.test(functionArn) && body !== undefined ? 'invoke' : 'none',
      ...(/:function:/.test(functionArn) && body !== undefined ? { replay: { functionArn, payload: body } } : {}),
    };
  }
  return { id, source: 'unknown', ...sent, what: (message.Body ?? '').slice(0, 120), error: 'unrecognised message', redrive: 'none' };
}

/** What an event the jobctl Lambdas receive is about, in words. */
export function describePayload(payload: unknown): string {
  if (!isObject(payload)) return JSON.stringify(payload)?.slice(0, 120) ?? 'nothing';
  const cronJob = payload['cronJob'];
  if (isObject(cronJob)) return `schedule of CronJob ${String(cronJob['namespace'])}/${String(cronJob['name'])} for ${String(payload['scheduledTime'])}`;
  const requeue = payload['requeue'];
  if (isObject(requeue)) return `timer of ${String(requeue['kind'])} ${String(requeue['namespace'])}/${String(requeue['name'])}${payload['dueAt'] === undefined ? '' : ` due ${String(payload['dueAt'])}`}`;
  if (isObject(payload['resync'])) return 'periodic resync';
  if (payload['source'] === 'aws.ecs' && isObject(payload['detail'])) {
    const d = payload['detail'];
    const pod = typeof d['group'] === 'string' && d['group'].startsWith('jobctl:') ? ` of pod ${d['group'].split(':').slice(1, 2).join('')}/${d['group'].split(':')[3] ?? '?'}` : '';
    return `ECS task ${String(d['lastStatus'])} event${pod} (task ${String(d['taskArn']).slice(String(d['taskArn']).lastIndexOf('/') + 1)})`;
  }
  if (Array.isArray(payload['Records'])) return `stream batch of ${payload['Records'].length} record(s)`;
  return JSON.stringify(payload).slice(0, 120);
}

export interface DeadLetterQueueOptions {
  sqs: SQSClient;
  lambda: LambdaClient;
  queueUrl: string;
  /** The functions a redrive may invoke (names or ARNs): this stack's dispatcher and job controller. */
  functions: readonly string[];
  /** How long messages stay hidden while they are read; they are made visible again at once afterwards. @default 60 */
  visibilitySeconds?: number;
}

/**
 * {@link Failures} on AWS: lists the stack's dead-letter queue without consuming it (each message is received, then
 * made visible again, so the alarm and other readers still see it) and redrives messages: an event that can be
 * replayed is sent again to its function as an asynchronous invocation (`InvocationType: Event`, so the function's
 * retries and on-failure destination apply again), then the message is deleted. A stream batch cannot be replayed —
 * its records leave the stream after 24 hours — so its redrive invokes the job controller's resync, which syncs every
 * object the batch could have carried.
 */
export class DeadLetterQueue implements Failures {
  constructor(private readonly options: DeadLetterQueueOptions) {}

  async list(): Promise<DeadLetter[]> {
    const messages = await this.receiveAll();
    await this.release(messages);
    return messages.map(parseDeadLetter);
  }

  async redrive(ids: readonly string[] | 'all'): Promise<RedriveOutcome[]> {
    const messages = await this.receiveAll();
    const wanted = ids === 'all' ? undefined : new Set(ids);
    const outcomes: RedriveOutcome[] = [];
    const keep: Message[] = [];
    try {
      for (const message of messages) {
        const letter = parseDeadLetter(message);
        if (wanted !== undefined && !wanted.has(letter.id)) {
          keep.push(message);
          continue;
        }
        wanted?.delete(letter.id);
        if (letter.replay === undefined || !this.mayInvoke(letter.replay.functionArn)) {
          keep.push(message);
          outcomes.push({ id: letter.id, action: 'not-redrivable', what: letter.what });
          continue;
        }
        await this.options.lambda.send(new InvokeCommand({ FunctionName: letter.replay.functionArn, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(letter.replay.payload)) }));
        await this.options.sqs.send(new DeleteMessageCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: message.ReceiptHandle! }));
        outcomes.push({ id: letter.id, action: letter.redrive === 'resync' ? 'resync-requested' : 'invoked', functionName: functionNameOf(letter.replay.functionArn), what: letter.what });
      }
    } finally {
      await this.release(keep);
    }
    for (const id of wanted ?? []) outcomes.push({ id, action: 'not-found' });
    return outcomes;
  }

  /** Whether `functionArn` is one of this stack's functions (a message could name any ARN). */
  private mayInvoke(functionArn: string): boolean {
    const name = functionNameOf(functionArn);
    return this.options.functions.some((f) => f === functionArn || functionNameOf(f) === name);
  }

  /** Every message, each once: hidden while read, ordered as received. */
  private async receiveAll(): Promise<Message[]> {
    const seen = new Map<string, Message>();
    for (;;) {
      // A long poll (WaitTimeSeconds > 0) asks every SQS server, so an empty answer means the queue has nothing visible.
      const out = await this.options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.options.queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: this.options.visibilitySeconds ?? 60,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
        }),
      );
      const fresh = (out.Messages ?? []).filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
      if (fresh.length === 0) return [...seen.values()];
      for (const m of fresh) seen.set(m.MessageId!, m);
    }
  }

  /** Makes `messages` visible again at once (visibility 0), 10 per call. */
  private async release(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10);
      await this.options.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.options.queueUrl,
          Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `arn:…:function:NAME:$LATEST` → `arn:…:function:NAME`. */
function unqualified(functionArn: string): string {
  const match = /^(arn:[^:]+:lambda:[^:]+:\d+:function:[^:]+)(:.*)?$/.exec(functionArn);
  return match?.[1] ?? functionArn;
}

function functionNameOf(arnOrName: string): string {
  const match = /:function:([^:]+)/.exec(arnOrName);
  return match?.[1] ?? arnOrName;
}
