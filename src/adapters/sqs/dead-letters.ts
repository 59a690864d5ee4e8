import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { FailedWork, Failures, RedriveOutcome } from '../../ports/failures.ts';

/*
 * The stack's dead-letter queue receives four kinds of message, each in the shape its service documents
 * (test/fixtures/aws/README.md has the examples):
 *
 * | from | body | failure details |
 * | --- | --- | --- |
 * | Lambda, an asynchronous invocation that failed 3 times (on-failure destination) | invocation record:
 * `requestContext`, `requestPayload`, `responsePayload` | `responsePayload.errorMessage`,
 * `requestContext.approximateInvokeCount` |
 * | Lambda, a stream batch it gave up on (event source mapping on-failure) | `DDBStreamBatchInfo` (shard, sequence
 * range), no records | `responseContext.functionError` |
 * | EventBridge Scheduler, a firing it could not deliver | the schedule's input | message attributes `ERROR_CODE`,
 * `ERROR_MESSAGE`, `RETRY_ATTEMPTS`, `TARGET_ARN`, `SCHEDULE_ARN` |
 * | EventBridge, a rule's event it could not deliver | the event | message attributes `ERROR_CODE`, `ERROR_MESSAGE`,
 * `RETRY_ATTEMPTS`, `TARGET_ARN`, `RULE_ARN` |
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
  const sent =
    sentAt === undefined ? {} : { failedAt: new Date(Number(sentAt)).toISOString().replace(/\.\d{3}Z$/, 'Z') };
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
      error: String(
        response['errorMessage'] ??
          (isObject(b['responseContext']) ? b['responseContext']['functionError'] : undefined) ??
          context['condition'] ??
          'failed',
      ),
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
      what:
        `stream batch of ${String(batch['batchSize'] ?? '?')} record(s), sequence ` +
        `${String(batch['startSequenceNumber'] ?? '?')}-${String(batch['endSequenceNumber'] ?? '?')}: its changes ` +
        `are no longer in the stream`,
      error:
        String(context['condition'] ?? 'failed') +
        (isObject(b['responseContext']) && b['responseContext']['functionError'] !== undefined
          ? ` (${String(b['responseContext']['functionError'])})`
          : ''),
      ...(typeof context['approximateInvokeCount'] === 'number' ? { attempts: context['approximateInvokeCount'] } : {}),
      redrive: 'resync',
      replay: { functionArn, payload: { resync: { namespace: 'default' } } },
    };
  }
  const targetArn = attribute('TARGET_ARN');
  if (targetArn !== undefined) {
    const fromSchedule = attribute('SCHEDULE_ARN') !== undefined;
    const functionArn = unqualified(targetArn);
    const error =
      [attribute('ERROR_CODE'), attribute('ERROR_MESSAGE')].filter((x) => x !== undefined).join(': ') ||
      'not delivered';
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
  return {
    id,
    source: 'unknown',
    ...sent,
    what: (message.Body ?? '').slice(0, 120),
    error: 'unrecognised message',
    redrive: 'none',
  };
}

/** What an event the jobctl Lambdas receive is about, in words. */
export function describePayload(payload: unknown): string {
  if (!isObject(payload)) return JSON.stringify(payload)?.slice(0, 120) ?? 'nothing';
  const cronJob = payload['cronJob'];
  if (isObject(cronJob))
    return (
      `schedule of CronJob ${String(cronJob['namespace'])}/${String(cronJob['name'])} for ` +
      `${String(payload['scheduledTime'])}`
    );
  const requeue = payload['requeue'];
  if (isObject(requeue))
    return (
      `timer of ${String(requeue['kind'])} ` +
      `${String(requeue['namespace'])}/${String(requeue['name'])}` +
      `${payload['dueAt'] === undefined ? '' : ` due ${String(payload['dueAt'])}`}`
    );
  if (isObject(payload['resync'])) return 'periodic resync';
  if (payload['source'] === 'aws.ecs' && isObject(payload['detail'])) {
    const d = payload['detail'];
    const pod =
      typeof d['group'] === 'string' && d['group'].startsWith('jobctl:')
        ? ` of pod ${d['group'].split(':').slice(1, 2).join('')}/${d['group'].split(':')[3] ?? '?'}`
        : '';
    return (
      `ECS task ${String(d['lastStatus'])} event${pod} (task ` +
      `${String(d['taskArn']).slice(String(d['taskArn']).lastIndexOf('/') + 1)})`
    );
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
  /**
   * How long messages stay hidden while they are read; listing makes them visible again at once afterwards.
   * @default 300
   */
  visibilitySeconds?: number;
  /** Most messages `list` reads (the oldest SQS hands out first). @default 1000 */
  listLimit?: number;
  /**
   * ReceiveMessage's long poll: above 0, SQS asks all its servers, so an empty answer means an empty queue (a short
   * poll samples some). @default 1
   */
  waitSeconds?: number;
}

/**
 * {@link Failures} on AWS: lists the stack's dead-letter queue without consuming it (each message is received, then
 * made visible again, so the alarm and other readers still see it) and redrives messages: an event that can be
 * replayed is sent again to its function as an asynchronous invocation (`InvocationType: Event`, so the function's
 * retries and on-failure destination apply again), then the message is deleted. A stream batch cannot be replayed —
 * its records leave the stream after 24 hours — so its redrive invokes the job controller's resync, which syncs every
 * object the batch could have carried. The function invoked is always one of this stack's (`functions`), matched by
 * name: a message cannot send an operator's credentials elsewhere.
 */
export class DeadLetterQueue implements Failures {
  constructor(private readonly options: DeadLetterQueueOptions) {}

  async list(): Promise<DeadLetter[]> {
    const seen = new Map<string, Message>();
    try {
      for (
        let page = await this.receive();
        page.length > 0 && seen.size < (this.options.listLimit ?? 1000);
        page = await this.receive()
      ) {
        const fresh = page.filter((m) => !seen.has(m.MessageId!));
        // Keep the newest receipt handle: only it can change the message's visibility.
        for (const m of page) seen.set(m.MessageId!, m);
        if (fresh.length === 0) break;
      }
    } finally {
      await this.release([...seen.values()]);
    }
    return [...seen.values()].map(parseDeadLetter);
  }

  /**
   * Page by page: each message asked for is invoked and deleted before the next page is received, so a long queue
   * never outlives its visibility timeout; the others stay hidden until the end, then are released. Stops at the
   * first invocation that fails (reported as `failed`, its message kept), with what was done before it reported.
   */
  async redrive(ids: readonly string[] | 'all'): Promise<RedriveOutcome[]> {
    const wanted = ids === 'all' ? undefined : new Set(ids);
    const outcomes: RedriveOutcome[] = [];
    const kept = new Map<string, Message>();
    const done = new Set<string>();
    try {
      for (let page = await this.receive(); page.length > 0; page = await this.receive()) {
        let fresh = 0;
        for (const message of page) {
          const id = message.MessageId!;
          if (done.has(id)) continue;
          if (!kept.has(id)) fresh++;
          if (wanted !== undefined && !wanted.has(id)) {
            kept.set(id, message);
            continue;
          }
          const letter = parseDeadLetter(message);
          const target = letter.replay === undefined ? undefined : this.stackFunction(letter.replay.functionArn);
          if (letter.replay === undefined || target === undefined) {
            kept.set(id, message);
            done.add(id);
            outcomes.push({ id, action: 'not-redrivable', what: letter.what });
            continue;
          }
          try {
            await this.options.lambda.send(
              new InvokeCommand({
                FunctionName: target,
                InvocationType: 'Event',
                Payload: new TextEncoder().encode(JSON.stringify(letter.replay.payload)),
              }),
            );
          } catch (error) {
            kept.set(id, message);
            outcomes.push({
              id,
              action: 'failed',
              functionName: functionNameOf(target),
              what: letter.what,
              error: `${(error as Error).name}: ${(error as Error).message}`,
            });
            return outcomes;
          }
          await this.options.sqs.send(
            new DeleteMessageCommand({ QueueUrl: this.options.queueUrl, ReceiptHandle: message.ReceiptHandle! }),
          );
          kept.delete(id);
          done.add(id);
          wanted?.delete(id);
          outcomes.push({
            id,
            action: letter.redrive === 'resync' ? 'resync-requested' : 'invoked',
            functionName: functionNameOf(target),
            what: letter.what,
          });
        }
        if (fresh === 0 || wanted?.size === 0) break;
      }
    } finally {
      await this.release([...kept.values()]);
    }
    for (const id of wanted ?? []) outcomes.push({ id, action: 'not-found' });
    return outcomes;
  }

  /** The stack's function `functionArn` names (by function name), as configured; undefined for any other function. */
  private stackFunction(functionArn: string): string | undefined {
    const name = functionNameOf(functionArn);
    return this.options.functions.find((f) => functionNameOf(f) === name);
  }

  /** One page of up to 10 messages, hidden while they are worked on. */
  private async receive(): Promise<Message[]> {
    // A long poll (WaitTimeSeconds > 0) asks every SQS server, so an empty answer means the queue has nothing visible.
    const out = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: this.options.visibilitySeconds ?? 300,
        WaitTimeSeconds: this.options.waitSeconds ?? 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    return (out.Messages ?? []).filter((m) => m.MessageId !== undefined && m.ReceiptHandle !== undefined);
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
