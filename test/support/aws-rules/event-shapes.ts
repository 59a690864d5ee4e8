/**
 * Checks that an event our tests build has the shape AWS documents, so that a handler test cannot pass on an event AWS
 * never sends (and our handler's mistake with it).
 *
 * Each kind's shape is **derived from AWS's own documented example** (`test/fixtures/aws/*.aws-docs.json`, the URLs are
 * in {@link documentedShapes} and `test/fixtures/aws/README.md`), read at load time, plus only what other AWS pages
 * document about the same object (each addition names its page below):
 *
 * - Every key path in the value must exist in the documented example with the same JSON type: objects recursively,
 *   arrays element-wise against the example's elements (merged, so the MODIFY record's `OldImage` is known), `null`
 *   where the example shows `null`. A key the example lacks is a problem (`unknown field`): our builders must not add
 *   fields AWS does not send.
 * - Keys the documentation says are always there are required (`missing`); which ones is written per kind below.
 * - String formats where the docs are specific: ISO-8601 times, ARNs, digit-only sequence numbers, enumerations.
 * - DynamoDB `Keys`/`NewImage`/`OldImage` are AttributeValue maps: exactly one of S, N, B, SS, NS, BS, M, L, NULL,
 *   BOOL.
 * - ECS task events: `detail` is the ECS API's `Task` object (the event example shows a few of its fields; any member
 *   of the API's `Task`/`Container` shapes may appear), checked against the vendored botocore model
 *   `./models/ecs.json`.
 *
 * Problems are strings `<path>: <what>`, the path in JavaScript notation (`Records[1].dynamodb.SizeBytes`,
 * `["detail-type"]`).
 *
 * @example
 * expectDocumentedShape('dynamodb-stream-event', { Records: await stream.records() });
 */
import { readFileSync } from 'node:fs';

export type DocumentedShapeKind =
  | 'ecs-task-state-change'
  | 'dynamodb-stream-event'
  | 'dynamodb-stream-record'
  | 'scheduler-target-input'
  | 'lambda-async-on-failure-record'
  | 'lambda-dynamodb-stream-on-failure-record'
  | 'cloudformation-custom-resource-request'
  | 'scheduler-dlq-message'
  | 'eventbridge-rule-dlq-message';

export interface DocumentedSource {
  url: string;
  title: string;
  /** What this page contributes to the shape. */
  gives: string;
}

export interface DocumentedShape {
  kind: DocumentedShapeKind;
  /** Files in `test/fixtures/aws/`: `*.aws-docs.*` verbatim from the docs, `*.derived.json` ours (README says how). */
  fixtures: readonly string[];
  sources: readonly DocumentedSource[];
}

// ---------------------------------------------------------------------------------------------------------------------
// Sources

const URL_ECS_EVENTS = 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html';
const URL_ECS_TASK = 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html';
const URL_EB_EVENT_STRUCTURE = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html';
const URL_LAMBDA_DDB = 'https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html';
const URL_DDB_RECORD = 'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_Record.html';
const URL_DDB_STREAM_RECORD =
  'https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html';
const URL_DDB_TTL_STREAMS =
  'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html';
const URL_SCHEDULER_CONTEXT =
  'https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html';
const URL_SCHEDULER_DLQ = 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html';
const URL_LAMBDA_ASYNC_RECORDS = 'https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html';
const URL_LAMBDA_DDB_ERRORS = 'https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html';
const URL_CFN_CUSTOM_RESOURCE = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref.html';
const URL_CDK_PROVIDER = 'https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.custom_resources-readme.html';
const URL_EB_DLQ = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html';
const URL_SQS_MESSAGE = 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_Message.html';

export const documentedShapes: readonly DocumentedShape[] = [
  {
    kind: 'ecs-task-state-change',
    fixtures: ['task-state-change-running.aws-docs.json', 'task-state-change-spot-interruption.aws-docs.json'],
    sources: [
      {
        url: URL_ECS_EVENTS,
        title: 'Amazon ECS task state change events',
        gives: 'the example event (envelope and detail)',
      },
      {
        url: URL_ECS_TASK,
        title: 'Task (Amazon ECS API Reference)',
        gives: 'every field detail may carry (botocore model ./models/ecs.json, shapes Task, Container)',
      },
      {
        url: URL_EB_EVENT_STRUCTURE,
        title: 'Event structure reference (Amazon EventBridge)',
        gives: '"The following fields appear in all events delivered to an event bus": the nine top-level fields',
      },
    ],
  },
  {
    kind: 'dynamodb-stream-event',
    fixtures: ['dynamodb-stream-event.aws-docs.json'],
    sources: [
      {
        url: URL_LAMBDA_DDB,
        title: 'Using AWS Lambda with Amazon DynamoDB',
        gives: '"Example event": Records[] (INSERT and MODIFY)',
      },
    ],
  },
  {
    kind: 'dynamodb-stream-record',
    fixtures: ['dynamodb-stream-event.aws-docs.json', 'dynamodb-stream-record-ttl-remove.derived.json'],
    sources: [
      {
        url: URL_LAMBDA_DDB,
        title: 'Using AWS Lambda with Amazon DynamoDB',
        gives: 'the record fields, from the example event',
      },
      {
        url: URL_DDB_STREAM_RECORD,
        title: 'StreamRecord (Amazon DynamoDB Streams API Reference)',
        gives:
          'ApproximateCreationDateTime (absent from the Lambda example), StreamViewType values, SizeBytes minimum 1',
      },
      {
        url: URL_DDB_RECORD,
        title: 'Record (Amazon DynamoDB Streams API Reference)',
        gives: 'eventName INSERT | MODIFY | REMOVE, eventSource aws:dynamodb, userIdentity',
      },
      {
        url: URL_DDB_TTL_STREAMS,
        title: 'DynamoDB Streams and Time to Live',
        gives: 'userIdentity {"type": "Service", "principalId": "dynamodb.amazonaws.com"} on TTL deletions',
      },
    ],
  },
  {
    kind: 'scheduler-target-input',
    fixtures: [],
    sources: [
      {
        url: URL_SCHEDULER_CONTEXT,
        title: 'Adding context attributes in EventBridge Scheduler',
        gives: '<aws.scheduler.scheduled-time> "for example, 2022-03-22T18:59:43Z" (and the other three attributes)',
      },
    ],
  },
  {
    kind: 'lambda-async-on-failure-record',
    fixtures: ['lambda-async-on-failure-record.aws-docs.json'],
    sources: [
      {
        url: URL_LAMBDA_ASYNC_RECORDS,
        title: 'Capturing records of Lambda asynchronous invocations',
        gives: '"Example invocation record"',
      },
    ],
  },
  {
    kind: 'lambda-dynamodb-stream-on-failure-record',
    fixtures: ['lambda-dynamodb-stream-on-failure-record.aws-docs.json'],
    sources: [
      {
        url: URL_LAMBDA_DDB_ERRORS,
        title: 'Retain discarded records for a DynamoDB event source in Lambda',
        gives: '"Example Amazon SNS and Amazon SQS invocation record" (and `payload`, S3 destinations only)',
      },
    ],
  },
  {
    kind: 'cloudformation-custom-resource-request',
    fixtures: [
      'cloudformation-custom-resource-create.aws-docs.json',
      'cloudformation-custom-resource-update.aws-docs.json',
      'cloudformation-custom-resource-delete.aws-docs.json',
    ],
    sources: [
      {
        url: URL_CFN_CUSTOM_RESOURCE,
        title: 'CloudFormation custom resource request and response reference',
        gives: 'Create, Update and Delete request examples and their Required fields',
      },
      {
        url: URL_CDK_PROVIDER,
        title: 'aws-cdk-lib custom_resources (Provider framework)',
        gives: '"All scalar values are stringified by CloudFormation" (ResourceProperties)',
      },
    ],
  },
  {
    kind: 'scheduler-dlq-message',
    fixtures: ['scheduler-dlq-message.aws-docs.txt', 'scheduler-dlq-message.derived.json'],
    sources: [
      {
        url: URL_SCHEDULER_DLQ,
        title: "Configuring a schedule's dead-letter queue in EventBridge Scheduler",
        gives: '"Retrieve the dead-letter event": the receive-message output and its attributes',
      },
    ],
  },
  {
    kind: 'eventbridge-rule-dlq-message',
    fixtures: ['eventbridge-rule-dlq-message.aws-docs.md', 'eventbridge-rule-dlq-message.derived.json'],
    sources: [
      {
        url: URL_EB_DLQ,
        title: 'Using dead-letter queues to process undelivered events in EventBridge',
        gives: 'the custom message attributes (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, …); no example message',
      },
      {
        url: URL_SQS_MESSAGE,
        title: 'Message (Amazon SQS API Reference)',
        gives: 'the message envelope (botocore model ./models/sqs.json, shape Message)',
      },
    ],
  },
];

// ---------------------------------------------------------------------------------------------------------------------
// Specs

type Format =
  | 'iso8601'
  | 'iso8601-seconds'
  | 'arn'
  | 'digits'
  | 'aws-account'
  | 'epoch-seconds'
  | 'integer'
  | 'positive';

interface ModelShape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
}
interface ApiModel {
  shapes: Record<string, ModelShape>;
}

type Check = (value: Record<string, unknown>, path: string) => string[];

type Spec =
  | { t: 'string'; formats?: readonly Format[]; enum?: readonly string[] }
  | { t: 'number'; formats?: readonly Format[] }
  | { t: 'boolean' }
  | { t: 'null' }
  | { t: 'object'; fields: Record<string, Spec>; required: readonly string[]; checks?: readonly Check[] }
  | { t: 'map'; value: Spec }
  | { t: 'array'; element: Spec }
  | { t: 'oneOf'; options: readonly Spec[] }
  /** Any JSON value: a payload the docs define as "the event" / "the function's response". */
  | { t: 'any' }
  /** A DynamoDB AttributeValue (`{"S": "x"}`, `{"M": {...}}`, ...). */
  | { t: 'attributeValue' }
  /** A botocore model shape; `extra` are fields the documented example has beyond the model (ECS `updatedAt`). */
  | { t: 'model'; model: ApiModel; shape: string; extra?: Record<string, Spec>; required?: readonly string[] };

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/aws/${name}`, import.meta.url), 'utf8'));
const model = (service: string): ApiModel =>
  JSON.parse(readFileSync(new URL(`./models/${service}.json`, import.meta.url), 'utf8')) as ApiModel;

/** The spec a documented example shows: its keys, with their JSON types. */
function infer(value: unknown): Spec {
  if (value === null) return { t: 'null' };
  if (Array.isArray(value))
    return { t: 'array', element: value.length === 0 ? { t: 'any' } : value.map(infer).reduce(merge) };
  if (typeof value === 'string') return { t: 'string' };
  if (typeof value === 'number') return { t: 'number' };
  if (typeof value === 'boolean') return { t: 'boolean' };
  if (typeof value === 'object') {
    return {
      t: 'object',
      fields: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, infer(v)])),
      required: [],
    };
  }
  throw new Error(`event-shapes: a documented example holds a ${typeof value}`);
}

/** Two examples of the same place: the union of their keys (the MODIFY record's OldImage joins the INSERT record's). */
function merge(a: Spec, b: Spec): Spec {
  if (a.t === 'object' && b.t === 'object') {
    const fields: Record<string, Spec> = { ...a.fields };
    for (const [k, v] of Object.entries(b.fields)) fields[k] = fields[k] === undefined ? v : merge(fields[k], v);
    return { ...a, fields };
  }
  if (a.t === 'array' && b.t === 'array') return { t: 'array', element: merge(a.element, b.element) };
  if (a.t === b.t) return a;
  const options = [...(a.t === 'oneOf' ? a.options : [a]), ...(b.t === 'oneOf' ? b.options : [b])];
  return { t: 'oneOf', options: options.filter((o, i) => options.findIndex((p) => p.t === o.t) === i) };
}

/**
 * Replaces the spec at `path` (`Records[].dynamodb.Keys`; `''` is the root) with `f(current)`. Throws when the path
 * crosses something the example does not have, so every refinement below is anchored in the documented example.
 */
function edit(root: Spec, path: string, f: (current: Spec | undefined) => Spec): Spec {
  const segments =
    path === ''
      ? []
      : path
          .split('.')
          .flatMap((s) => (s.endsWith('[]') ? [s.slice(0, -2), '[]'] : [s]))
          .filter((s) => s !== '');
  const go = (spec: Spec | undefined, rest: string[]): Spec => {
    const [head, ...tail] = rest;
    if (head === undefined) return f(spec);
    if (head === '[]') {
      if (spec?.t !== 'array') throw new Error(`event-shapes: ${path}: not an array in the example`);
      return { ...spec, element: go(spec.element, tail) };
    }
    if (spec?.t !== 'object') throw new Error(`event-shapes: ${path}: not an object in the example`);
    return { ...spec, fields: { ...spec.fields, [head]: go(spec.fields[head], tail) } };
  };
  return go(root, segments);
}

/** Adds formats / an enumeration to a string or number the example has at `path`. */
function refine(root: Spec, path: string, how: { formats?: readonly Format[]; enum?: readonly string[] }): Spec {
  return edit(root, path, (s) => {
    if (s?.t === 'string') return { ...s, ...how };
    if (s?.t === 'number' && how.enum === undefined) return { ...s, ...how };
    throw new Error(`event-shapes: ${path}: no ${how.enum ? 'string' : 'scalar'} there in the example`);
  });
}

/** A field the example lacks that another AWS page documents (the caller names the page). */
function add(root: Spec, path: string, field: string, spec: Spec): Spec {
  return edit(root, path, (s) => {
    if (s?.t !== 'object') throw new Error(`event-shapes: ${path}: not an object in the example`);
    if (s.fields[field] !== undefined) throw new Error(`event-shapes: ${path}.${field}: already in the example`);
    return { ...s, fields: { ...s.fields, [field]: spec } };
  });
}

function require_(root: Spec, path: string, keys: readonly string[], checks?: readonly Check[]): Spec {
  return edit(root, path, (s) => {
    if (s?.t !== 'object') throw new Error(`event-shapes: ${path}: not an object in the example`);
    for (const k of keys)
      if (s.fields[k] === undefined) throw new Error(`event-shapes: ${path}.${k}: required but not in the example`);
    return { ...s, required: keys, ...(checks ? { checks } : {}) };
  });
}

const replace = (root: Spec, path: string, spec: Spec): Spec => edit(root, path, () => spec);
const attributeValueMap: Spec = { t: 'map', value: { t: 'attributeValue' } };

// ---------------------------------------------------------------------------------------------------------------------
// ECS task state change — https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html

const ecsModel = model('ecs');
const ecsExample = fixture('task-state-change-running.aws-docs.json') as { detail: Record<string, unknown> };

function ecsSpec(): Spec {
  let s = infer(ecsExample);
  // "The following fields appear in all events delivered to an event bus" (EventBridge event structure reference):
  // version, id, detail-type, source, account, time, region, resources, detail. version: "set to 0 (zero) in all
  // events".
  s = require_(s, '', ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']);
  s = refine(s, 'version', { enum: ['0'] });
  s = refine(s, 'detail-type', { enum: ['ECS Task State Change'] });
  s = refine(s, 'source', { enum: ['aws.ecs'] });
  s = refine(s, 'account', { formats: ['aws-account'] });
  s = refine(s, 'time', { formats: ['iso8601'] });
  s = refine(s, 'resources[]', { formats: ['arn'] });
  // detail is the ECS API's Task (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html); the
  // event's own fields beyond it (updatedAt) come from the example. Required: the fields every documented task event
  // has (the full example and the Fargate Spot termination notice).
  const taskMembers = ecsModel.shapes['Task']?.members ?? {};
  const extra = Object.fromEntries(
    Object.entries(ecsExample.detail)
      .filter(([k]) => taskMembers[k] === undefined)
      .map(([k, v]) => [k, k.endsWith('At') ? ({ t: 'string', formats: ['iso8601'] } as Spec) : infer(v)]),
  );
  return replace(s, 'detail', {
    t: 'model',
    model: ecsModel,
    shape: 'Task',
    extra,
    required: ['clusterArn', 'taskArn', 'lastStatus', 'desiredStatus', 'createdAt', 'version'],
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// DynamoDB Streams — https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html ("Example event"), the fields the
// example lacks from https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_StreamRecord.html and
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html.

const ddbExample = fixture('dynamodb-stream-event.aws-docs.json') as { Records: unknown[] };

/** The images a record may and must carry, from StreamViewType and eventName (StreamRecord / Record API reference). */
const imagesMatchChange: Check = (record, path) => {
  const problems: string[] = [];
  const d = record['dynamodb'];
  if (d === null || typeof d !== 'object') return problems;
  const ddb = d as Record<string, unknown>;
  const has = (k: string) => ddb[k] !== undefined;
  const at = (k: string) => join(join(path, 'dynamodb'), k);
  const view = ddb['StreamViewType'];
  const name = record['eventName'];
  // KEYS_ONLY "only the key attributes"; NEW_IMAGE "the entire item, as it appeared after it was modified"; OLD_IMAGE
  // "as it appeared before"; NEW_AND_OLD_IMAGES "both".
  const mayNew = view === 'NEW_IMAGE' || view === 'NEW_AND_OLD_IMAGES';
  const mayOld = view === 'OLD_IMAGE' || view === 'NEW_AND_OLD_IMAGES';
  // INSERT "a new item was added" (no before), REMOVE "the item was deleted" (no after).
  const hasBefore = name === 'MODIFY' || name === 'REMOVE';
  const hasAfter = name === 'INSERT' || name === 'MODIFY';
  const views = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'];
  if (
    typeof view === 'string' &&
    views.includes(view) &&
    (name === 'INSERT' || name === 'MODIFY' || name === 'REMOVE')
  ) {
    if (has('NewImage') && !(mayNew && hasAfter))
      problems.push(`${at('NewImage')}: present, but a ${name} record with StreamViewType ${view} has no new image`);
    if (has('OldImage') && !(mayOld && hasBefore))
      problems.push(`${at('OldImage')}: present, but a ${name} record with StreamViewType ${view} has no old image`);
    if (!has('NewImage') && mayNew && hasAfter)
      problems.push(`${at('NewImage')}: missing (a ${name} record with StreamViewType ${view} has the new image)`);
    if (!has('OldImage') && mayOld && hasBefore)
      problems.push(`${at('OldImage')}: missing (a ${name} record with StreamViewType ${view} has the old image)`);
  }
  return problems;
};

function ddbRecordSpec(): Spec {
  let s = ddbExample.Records.map(infer).reduce(merge);
  // Record: eventName "Valid Values: INSERT | MODIFY | REMOVE"; eventSource "For DynamoDB Streams, this is
  // aws:dynamodb".
  s = refine(s, 'eventName', { enum: ['INSERT', 'MODIFY', 'REMOVE'] });
  s = refine(s, 'eventSource', { enum: ['aws:dynamodb'] });
  s = refine(s, 'eventSourceARN', { formats: ['arn'] });
  for (const image of ['Keys', 'NewImage', 'OldImage']) s = replace(s, `dynamodb.${image}`, attributeValueMap);
  s = refine(s, 'dynamodb.SequenceNumber', { formats: ['digits'] });
  // StreamRecord: SizeBytes "Type: Long. Valid Range: Minimum value of 1."
  s = refine(s, 'dynamodb.SizeBytes', { formats: ['integer', 'positive'] });
  s = refine(s, 'dynamodb.StreamViewType', { enum: ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'] });
  // StreamRecord: "ApproximateCreationDateTime: The approximate date and time when the stream record was created, in
  // UNIX epoch time format and rounded down to the closest second." Not in the Lambda page's example.
  s = add(s, 'dynamodb', 'ApproximateCreationDateTime', { t: 'number', formats: ['epoch-seconds'] });
  // "Items that are deleted by the Time to Live process after expiration have the following fields:
  // Records[<index>].userIdentity.type "Service", Records[<index>].userIdentity.principalId "dynamodb.amazonaws.com""
  // (DynamoDB Streams and Time to Live; lower-case keys as that page's JSON shows them).
  s = add(s, '', 'userIdentity', {
    t: 'object',
    fields: { type: { t: 'string' }, principalId: { t: 'string' } },
    required: ['type', 'principalId'],
  });
  // Required: what every record of the documented example has.
  s = require_(
    s,
    '',
    ['eventID', 'eventVersion', 'dynamodb', 'awsRegion', 'eventName', 'eventSourceARN', 'eventSource'],
    [imagesMatchChange],
  );
  s = require_(s, 'dynamodb', ['Keys', 'SequenceNumber', 'SizeBytes', 'StreamViewType']);
  return s;
}

function ddbEventSpec(): Spec {
  let s = infer(ddbExample);
  s = replace(s, 'Records', { t: 'array', element: ddbRecordSpec() });
  return require_(s, '', ['Records']);
}

// ---------------------------------------------------------------------------------------------------------------------
// EventBridge Scheduler target input —
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html The payload is
// jobctl's own JSON; only what Scheduler puts into it is AWS's: "EventBridge Scheduler replaces each keyword with its
// respective value when your schedule invokes the target."

/**
 * jobctl's payload fields that Scheduler fills from a context attribute (src/adapters/scheduler/cronjob-schedules.ts).
 */
export const SCHEDULER_CONTEXT_FIELDS: Readonly<Record<string, `<aws.scheduler.${string}>`>> = {
  scheduledTime: '<aws.scheduler.scheduled-time>',
};

/** The documented values of each context attribute, "for example, 2022-03-22T18:59:43Z" / "d32c5kddcf5bb8c3" / "1". */
const CONTEXT_ATTRIBUTE_FORMATS: Record<string, { test: (v: unknown) => boolean; says: string }> = {
  '<aws.scheduler.scheduled-time>': {
    test: (v) => typeof v === 'string' && FORMATS['iso8601-seconds'].test(v),
    says: 'an ISO 8601 UTC time in whole seconds, like the documented 2022-03-22T18:59:43Z',
  },
  '<aws.scheduler.schedule-arn>': {
    test: (v) => typeof v === 'string' && FORMATS.arn.test(v),
    says: 'the ARN of the schedule',
  },
  '<aws.scheduler.execution-id>': {
    test: (v) => typeof v === 'string' && /^[0-9a-z]+$/.test(v),
    says: 'an execution ID like the documented d32c5kddcf5bb8c3',
  },
  '<aws.scheduler.attempt-number>': {
    test: (v) =>
      (typeof v === 'string' && /^[1-9]\d*$/.test(v)) || (typeof v === 'number' && Number.isInteger(v) && v >= 1),
    says: 'an attempt counter like the documented 1',
  },
};

const schedulerInputCheck: Check = (value, path) => {
  const problems: string[] = [];
  const walk = (v: unknown, p: string) => {
    if (typeof v === 'string' && v.includes('<aws.scheduler.'))
      problems.push(
        `${label(p)}: ${JSON.stringify(v)} still holds a context attribute: Scheduler replaces each one before it ` +
          `invokes the target`,
      );
    else if (Array.isArray(v))
      v.forEach((e, i) => {
        walk(e, `${p}[${i}]`);
      });
    else if (isPlainObject(v)) for (const [k, e] of Object.entries(v)) walk(e, join(p, k));
  };
  walk(value, path);
  for (const [field, attribute] of Object.entries(SCHEDULER_CONTEXT_FIELDS)) {
    const v = value[field];
    const format = CONTEXT_ATTRIBUTE_FORMATS[attribute];
    if (v === undefined || format === undefined || (typeof v === 'string' && v.includes('<aws.scheduler.'))) continue;
    if (!format.test(v))
      problems.push(
        `${label(join(path, field))}: ${JSON.stringify(v)} is not what Scheduler puts for ${attribute}: ${format.says}`,
      );
  }
  return problems;
};

// ---------------------------------------------------------------------------------------------------------------------
// Lambda on-failure records — https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
// ("Example invocation record") and https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html
// ("Example Amazon SNS and Amazon SQS invocation record").

function lambdaAsyncSpec(): Spec {
  let s = infer(fixture('lambda-async-on-failure-record.aws-docs.json'));
  // requestPayload is the event the function was invoked with, responsePayload what it returned (an error object here,
  // possibly null): any JSON.
  s = replace(s, 'requestPayload', { t: 'any' });
  s = replace(s, 'responsePayload', { t: 'any' });
  s = refine(s, 'timestamp', { formats: ['iso8601'] });
  s = refine(s, 'requestContext.functionArn', { formats: ['arn'] });
  s = refine(s, 'requestContext.approximateInvokeCount', { formats: ['integer', 'positive'] });
  s = refine(s, 'responseContext.statusCode', { formats: ['integer'] });
  s = require_(s, '', [
    'version',
    'timestamp',
    'requestContext',
    'requestPayload',
    'responseContext',
    'responsePayload',
  ]);
  s = require_(s, 'requestContext', ['requestId', 'functionArn', 'condition', 'approximateInvokeCount']);
  // functionError only when the function failed (the page: "an event that failed three processing attempts due to a
  // function error"); a record for an event that expired before any invocation need not have one.
  s = require_(s, 'responseContext', ['statusCode', 'executedVersion']);
  return s;
}

function lambdaStreamFailureSpec(): Spec {
  let s = infer(fixture('lambda-dynamodb-stream-on-failure-record.aws-docs.json'));
  // "For Amazon S3 destinations, ... the `payload` field contains the original invocation record as an escaped JSON
  // string" ("Example Amazon S3 invocation record"): only there.
  s = add(s, '', 'payload', { t: 'string' });
  s = refine(s, 'timestamp', { formats: ['iso8601'] });
  s = refine(s, 'requestContext.functionArn', { formats: ['arn'] });
  s = refine(s, 'requestContext.approximateInvokeCount', { formats: ['integer', 'positive'] });
  s = refine(s, 'responseContext.statusCode', { formats: ['integer'] });
  s = refine(s, 'DDBStreamBatchInfo.startSequenceNumber', { formats: ['digits'] });
  s = refine(s, 'DDBStreamBatchInfo.endSequenceNumber', { formats: ['digits'] });
  s = refine(s, 'DDBStreamBatchInfo.approximateArrivalOfFirstRecord', { formats: ['iso8601'] });
  s = refine(s, 'DDBStreamBatchInfo.approximateArrivalOfLastRecord', { formats: ['iso8601'] });
  s = refine(s, 'DDBStreamBatchInfo.batchSize', { formats: ['integer', 'positive'] });
  s = refine(s, 'DDBStreamBatchInfo.streamArn', { formats: ['arn'] });
  s = require_(s, '', ['requestContext', 'responseContext', 'version', 'timestamp', 'DDBStreamBatchInfo']);
  s = require_(s, 'requestContext', ['requestId', 'functionArn', 'condition', 'approximateInvokeCount']);
  s = require_(s, 'responseContext', ['statusCode', 'executedVersion']);
  s = require_(s, 'DDBStreamBatchInfo', [
    'shardId',
    'startSequenceNumber',
    'endSequenceNumber',
    'approximateArrivalOfFirstRecord',
    'approximateArrivalOfLastRecord',
    'batchSize',
    'streamArn',
  ]);
  return s;
}

// ---------------------------------------------------------------------------------------------------------------------
// CloudFormation custom resource request — https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref.html
// (the CDK Provider framework passes it to onEvent:
// https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.custom_resources-readme.html)

/** "All scalar values are stringified by CloudFormation" (the CDK Provider framework's table of onEvent's fields). */
function stringifiedScalars(v: unknown, path: string, out: string[]): void {
  if (Array.isArray(v))
    v.forEach((e, i) => {
      stringifiedScalars(e, `${path}[${i}]`, out);
    });
  else if (isPlainObject(v)) for (const [k, e] of Object.entries(v)) stringifiedScalars(e, join(path, k), out);
  else if (typeof v === 'number' || typeof v === 'boolean')
    out.push(
      `${label(path)}: ${JSON.stringify(v)} is a ${typeof v}: CloudFormation stringifies scalar property values ` +
        `("${String(v)}")`,
    );
}

const cfnRequestTypeFields: Check = (request, path) => {
  const problems: string[] = [];
  const type = request['RequestType'];
  const has = (k: string) => request[k] !== undefined;
  // Create requests list no PhysicalResourceId; Update and Delete: "PhysicalResourceId ... Required: Yes";
  // OldResourceProperties: "Used only for Update requests ... Required: Yes".
  if (type === 'Create' && has('PhysicalResourceId'))
    problems.push(`${label(join(path, 'PhysicalResourceId'))}: not a field of a Create request`);
  if ((type === 'Update' || type === 'Delete') && !has('PhysicalResourceId'))
    problems.push(`${label(join(path, 'PhysicalResourceId'))}: missing (required in ${type} requests)`);
  if (type === 'Update' && !has('OldResourceProperties'))
    problems.push(`${label(join(path, 'OldResourceProperties'))}: missing (required in Update requests)`);
  if (type !== 'Update' && type !== undefined && has('OldResourceProperties'))
    problems.push(
      `${label(join(path, 'OldResourceProperties'))}: "Used only for Update requests", not in a ${String(type)} ` +
        `request`,
    );
  for (const k of ['ResourceProperties', 'OldResourceProperties'])
    stringifiedScalars(request[k], join(path, k), problems);
  return problems;
};

function cfnSpec(): Spec {
  let s = [
    'cloudformation-custom-resource-create.aws-docs.json',
    'cloudformation-custom-resource-update.aws-docs.json',
    'cloudformation-custom-resource-delete.aws-docs.json',
  ]
    .map((f) => infer(fixture(f)))
    .reduce(merge);
  s = refine(s, 'RequestType', { enum: ['Create', 'Update', 'Delete'] });
  s = refine(s, 'StackId', { formats: ['arn'] });
  // "This field contains the contents of the Properties object sent by the template developer. Its contents are
  // defined by the custom resource provider."
  s = replace(s, 'ResourceProperties', { t: 'map', value: { t: 'any' } });
  s = replace(s, 'OldResourceProperties', { t: 'map', value: { t: 'any' } });
  // "Required: Yes" on each of these in all three request types; ResourceProperties "Required: No".
  return require_(
    s,
    '',
    ['RequestType', 'RequestId', 'StackId', 'ResponseURL', 'ResourceType', 'LogicalResourceId'],
    [cfnRequestTypeFields],
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// Dead-letter queue messages, as SQS ReceiveMessage returns them (Body + MessageAttributes)

const sqsModel = model('sqs');
/** `{"StringValue": ..., "DataType": ...}`, as the Scheduler page's example shows every attribute. */
const attribute = (value: Spec): Spec => ({
  t: 'object',
  fields: { StringValue: value, DataType: { t: 'string' } },
  required: ['StringValue', 'DataType'],
});

function schedulerDlqSpec(): Spec {
  // https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html, "Retrieve the dead-letter
  // event". The page's JSON does not parse (README); the derived copy differs by the two syntax fixes only.
  const output = fixture('scheduler-dlq-message.derived.json') as { Messages: unknown[] };
  let s = output.Messages.map(infer).reduce(merge);
  // The SQS system attributes vary with the queue and the receive call: any the SQS API defines.
  s = replace(s, 'Attributes', { t: 'model', model: sqsModel, shape: 'MessageSystemAttributeMap' });
  const strings: Record<string, { formats?: Format[]; enum?: string[] }> = {
    EXECUTION_ID: {},
    // "The attribute can contain the values MaximumRetryAttempts ... or MaximumEventAgeInSeconds"
    EXHAUSTED_RETRY_CONDITION: { enum: ['MaximumRetryAttempts', 'MaximumEventAgeInSeconds'] },
    IS_PAYLOAD_TRUNCATED: { enum: ['true', 'false'] },
    RETRY_ATTEMPTS: { formats: ['digits'] },
    SCHEDULED_TIME: { formats: ['iso8601-seconds'] },
    SCHEDULE_ARN: { formats: ['arn'] },
    // "The ARN of the target ..., in the following service ARN format: arn:aws:scheduler:::aws-sdk:service:apiAction"
    TARGET_ARN: { formats: ['arn'] },
  };
  for (const [name, how] of Object.entries(strings)) s = refine(s, `MessageAttributes.${name}.StringValue`, how);
  for (const name of Object.keys((output.Messages[0] as { MessageAttributes: object }).MessageAttributes)) {
    s = refine(s, `MessageAttributes.${name}.DataType`, { enum: ['String'] });
    s = require_(s, `MessageAttributes.${name}`, ['StringValue', 'DataType']);
  }
  s = require_(s, '', ['Body', 'MessageAttributes']);
  // Every attribute of the example, but EXHAUSTED_RETRY_CONDITION: "This attribute will be present if the error from
  // the target API is a retryable error, and not a permanent error."
  return require_(s, 'MessageAttributes', [
    'ERROR_CODE',
    'ERROR_MESSAGE',
    'EXECUTION_ID',
    'IS_PAYLOAD_TRUNCATED',
    'RETRY_ATTEMPTS',
    'SCHEDULED_TIME',
    'SCHEDULE_ARN',
    'TARGET_ARN',
  ]);
}

function eventBridgeDlqSpec(): Spec {
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html has no example message, only the
  // attribute names ("Each message in your DLQ will include the following custom attributes: RULE_ARN, TARGET_ARN,
  // ERROR_CODE, ..., ERROR_MESSAGE, ..."), and the older page's prose "the Error Code, Error Message, the Exhausted
  // Retry Condition, Rule ARN, Retry Attempts, and the Target ARN". The envelope is SQS's Message (API reference).
  const str = (formats?: Format[]): Spec => attribute({ t: 'string', ...(formats ? { formats } : {}) });
  return {
    t: 'object',
    fields: {
      MessageId: { t: 'string' },
      ReceiptHandle: { t: 'string' },
      MD5OfBody: { t: 'string' },
      Body: { t: 'string' },
      Attributes: { t: 'model', model: sqsModel, shape: 'MessageSystemAttributeMap' },
      MD5OfMessageAttributes: { t: 'string' },
      MessageAttributes: {
        t: 'object',
        fields: {
          RULE_ARN: str(['arn']),
          TARGET_ARN: str(['arn']),
          ERROR_CODE: str(),
          ERROR_MESSAGE: str(),
          EXHAUSTED_RETRY_CONDITION: str(),
          RETRY_ATTEMPTS: str(['digits']),
        },
        required: ['RULE_ARN', 'TARGET_ARN', 'ERROR_CODE', 'ERROR_MESSAGE'],
      },
    },
    required: ['Body', 'MessageAttributes'],
  };
}

const specs: Record<DocumentedShapeKind, Spec> = {
  'ecs-task-state-change': ecsSpec(),
  'dynamodb-stream-event': ddbEventSpec(),
  'dynamodb-stream-record': ddbRecordSpec(),
  'scheduler-target-input': { t: 'object', fields: {}, required: [] }, // see checkDocumentedShape
  'lambda-async-on-failure-record': lambdaAsyncSpec(),
  'lambda-dynamodb-stream-on-failure-record': lambdaStreamFailureSpec(),
  'cloudformation-custom-resource-request': cfnSpec(),
  'scheduler-dlq-message': schedulerDlqSpec(),
  'eventbridge-rule-dlq-message': eventBridgeDlqSpec(),
};

// ---------------------------------------------------------------------------------------------------------------------
// Checking

const FORMATS = {
  iso8601: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/,
  'iso8601-seconds': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/,
  arn: /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$/,
  digits: /^\d+$/,
  'aws-account': /^\d{12}$/,
} as const;

const FORMAT_WORDS: Record<Format, string> = {
  iso8601: 'an ISO 8601 UTC time (2020-01-23T17:57:34.402Z)',
  'iso8601-seconds': 'an ISO 8601 UTC time in whole seconds (2022-05-14T01:12:00Z)',
  arn: 'an ARN (arn:partition:service:region:account:resource)',
  digits: 'a string of digits',
  'aws-account': 'a 12-digit account ID',
  'epoch-seconds': 'UNIX epoch seconds, rounded down to the second',
  integer: 'an integer',
  positive: 'at least 1',
};

function formatOk(format: Format, v: string | number): boolean {
  switch (format) {
    case 'epoch-seconds':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e11;
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'positive':
      return typeof v === 'number' && v >= 1;
    default:
      return (
        typeof v === 'string' && FORMATS[format].test(v) && (!format.startsWith('iso') || !Number.isNaN(Date.parse(v)))
      );
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (typeof v !== 'object') return typeof v;
  return isPlainObject(v) ? 'object' : ((v as object).constructor?.name ?? 'object');
}

function preview(v: unknown): string {
  if (typeof v === 'string') return ` ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return ` ${String(v)}`;
  return '';
}

function join(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

const label = (path: string) => (path === '' ? '(root)' : path);
const typeProblem = (path: string, expected: string, v: unknown) =>
  `${label(path)}: expected ${expected}, got ${typeName(v)}${preview(v)}`;
const specType = (s: Spec): string =>
  s.t === 'oneOf'
    ? s.options.map(specType).join(' or ')
    : s.t === 'map' || s.t === 'attributeValue' || s.t === 'model'
      ? 'object'
      : s.t === 'any'
        ? 'any JSON'
        : s.t;

function checkJson(v: unknown, path: string, out: string[]): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))
    return;
  if (Array.isArray(v))
    v.forEach((e, i) => {
      checkJson(e, `${path}[${i}]`, out);
    });
  else if (isPlainObject(v))
    for (const [k, e] of Object.entries(v)) e === undefined || checkJson(e, join(path, k), out);
  else out.push(typeProblem(path, 'a JSON value', v));
}

function checkScalar(
  spec: { formats?: readonly Format[]; enum?: readonly string[] },
  v: string | number,
  path: string,
  out: string[],
): void {
  if (spec.enum && !spec.enum.includes(String(v)))
    out.push(`${label(path)}: ${JSON.stringify(v)} is not one of ${spec.enum.join(' | ')}`);
  for (const format of spec.formats ?? []) {
    if (!formatOk(format, v)) {
      const ms =
        format === 'epoch-seconds' && typeof v === 'number' && v >= 1e11 ? ' (this looks like milliseconds)' : '';
      out.push(`${label(path)}: ${JSON.stringify(v)} is not ${FORMAT_WORDS[format]}${ms}`);
    }
  }
}

function check(spec: Spec, v: unknown, path: string, out: string[]): void {
  switch (spec.t) {
    case 'any':
      checkJson(v, path, out);
      return;
    case 'string':
      if (typeof v !== 'string') return void out.push(typeProblem(path, 'string', v));
      checkScalar(spec, v, path, out);
      return;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return void out.push(typeProblem(path, 'number', v));
      checkScalar(spec, v, path, out);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') out.push(typeProblem(path, 'boolean', v));
      return;
    case 'null':
      if (v !== null) out.push(typeProblem(path, 'null', v));
      return;
    case 'array':
      if (!Array.isArray(v)) return void out.push(typeProblem(path, 'array', v));
      v.forEach((e, i) => {
        check(spec.element, e, `${path}[${i}]`, out);
      });
      return;
    case 'map':
      if (!isPlainObject(v)) return void out.push(typeProblem(path, 'object', v));
      for (const [k, e] of Object.entries(v)) if (e !== undefined) check(spec.value, e, join(path, k), out);
      return;
    case 'object': {
      if (!isPlainObject(v)) return void out.push(typeProblem(path, 'object', v));
      for (const [k, e] of Object.entries(v)) {
        if (e === undefined) continue;
        const field = spec.fields[k];
        if (field === undefined) out.push(`${label(join(path, k))}: unknown field (not in the documented shape)`);
        else check(field, e, join(path, k), out);
      }
      for (const k of spec.required) if (v[k] === undefined) out.push(`${label(join(path, k))}: missing (required)`);
      for (const c of spec.checks ?? []) out.push(...c(v, path));
      return;
    }
    case 'oneOf': {
      const attempts = spec.options.map((o) => {
        const problems: string[] = [];
        check(o, v, path, problems);
        return problems;
      });
      if (attempts.some((p) => p.length === 0)) return;
      const sameType = spec.options.findIndex((o) => specType(o) === typeName(v));
      out.push(...(sameType >= 0 ? (attempts[sameType] ?? []) : [typeProblem(path, specType(spec), v)]));
      return;
    }
    case 'attributeValue':
      checkAttributeValue(v, path, out);
      return;
    case 'model':
      checkModel(spec.model, spec.shape, v, path, out, spec.extra, spec.required);
      return;
  }
}

// DynamoDB AttributeValue
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_AttributeValue.html): "Each attribute
// value is described as a name-value pair. The name is the data type, and the value is the data itself."
const DYNAMODB_NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
function checkAttributeValue(v: unknown, path: string, out: string[]): void {
  if (!isPlainObject(v)) return void out.push(typeProblem(path, 'an AttributeValue object ({"S": "..."})', v));
  const types = Object.keys(v).filter((k) => v[k] !== undefined);
  const known = ['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL'];
  const unknown = types.filter((t) => !known.includes(t));
  for (const t of unknown)
    out.push(`${label(join(path, t))}: unknown field (an AttributeValue is exactly one of ${known.join(', ')})`);
  const typed = types.filter((t) => known.includes(t));
  if (typed.length !== 1) {
    if (unknown.length === 0)
      out.push(
        `${label(path)}: an AttributeValue has exactly one of ${known.join(', ')}; this one has ` +
          `${typed.length === 0 ? 'none' : typed.join(', ')}`,
      );
    return;
  }
  const [t] = typed as [string];
  const e = v[t];
  const p = join(path, t);
  const strings = (pattern: RegExp | undefined, what: string) => {
    if (!Array.isArray(e)) return void out.push(typeProblem(p, `array of ${what}`, e));
    if (e.length === 0) out.push(`${label(p)}: an empty set (DynamoDB sets have at least one element)`);
    e.forEach((x, i) => {
      if (typeof x !== 'string') out.push(typeProblem(`${p}[${i}]`, what, x));
      else if (pattern && !pattern.test(x)) out.push(`${label(`${p}[${i}]`)}: ${JSON.stringify(x)} is not ${what}`);
    });
  };
  switch (t) {
    case 'S':
      if (typeof e !== 'string') out.push(typeProblem(p, 'string', e));
      return;
    case 'N':
      if (typeof e !== 'string') out.push(typeProblem(p, 'string (a DynamoDB number travels as a string)', e));
      else if (!DYNAMODB_NUMBER.test(e)) out.push(`${label(p)}: ${JSON.stringify(e)} is not a number`);
      return;
    case 'B':
      if (typeof e !== 'string') out.push(typeProblem(p, 'string (base64: binary travels base64-encoded in JSON)', e));
      else if (!BASE64.test(e)) out.push(`${label(p)}: ${JSON.stringify(e)} is not base64`);
      return;
    case 'SS':
      strings(undefined, 'string');
      return;
    case 'NS':
      strings(DYNAMODB_NUMBER, 'a number string');
      return;
    case 'BS':
      strings(BASE64, 'a base64 string');
      return;
    case 'M':
      if (!isPlainObject(e)) return void out.push(typeProblem(p, 'object', e));
      for (const [k, x] of Object.entries(e)) if (x !== undefined) checkAttributeValue(x, join(p, k), out);
      return;
    case 'L':
      if (!Array.isArray(e)) return void out.push(typeProblem(p, 'array', e));
      e.forEach((x, i) => {
        checkAttributeValue(x, `${p}[${i}]`, out);
      });
      return;
    case 'NULL':
      // "NULL: An attribute of type Null. For example: "NULL": true"
      if (e !== true) out.push(typeProblem(p, 'true', e));
      return;
    case 'BOOL':
      if (typeof e !== 'boolean') out.push(typeProblem(p, 'boolean', e));
      return;
  }
}

/** A value of a botocore model shape, as it appears in an event's JSON (timestamps as ISO 8601 strings). */
function checkModel(
  m: ApiModel,
  shapeName: string,
  v: unknown,
  path: string,
  out: string[],
  extra?: Record<string, Spec>,
  required?: readonly string[],
): void {
  const shape = m.shapes[shapeName];
  if (shape === undefined) throw new Error(`event-shapes: no shape ${shapeName} in the model`);
  switch (shape.type) {
    case 'structure': {
      if (!isPlainObject(v)) return void out.push(typeProblem(path, 'object', v));
      const members = shape.members ?? {};
      for (const [k, e] of Object.entries(v)) {
        if (e === undefined) continue;
        const p = join(path, k);
        const own = extra?.[k];
        const member = members[k];
        if (own !== undefined) check(own, e, p, out);
        else if (member === undefined) out.push(`${label(p)}: unknown field (not a member of the API's ${shapeName})`);
        else {
          checkModel(m, member.shape, e, p, out);
          if (/Arn$/.test(k) && typeof e === 'string' && !FORMATS.arn.test(e))
            out.push(`${label(p)}: ${JSON.stringify(e)} is not ${FORMAT_WORDS.arn}`);
        }
      }
      for (const k of [...(shape.required ?? []), ...(required ?? [])])
        if (v[k] === undefined) out.push(`${label(join(path, k))}: missing (required)`);
      return;
    }
    case 'list':
      if (!Array.isArray(v)) return void out.push(typeProblem(path, 'array', v));
      v.forEach((e, i) => {
        checkModel(m, shape.member?.shape ?? '', e, `${path}[${i}]`, out);
      });
      return;
    case 'map': {
      if (!isPlainObject(v)) return void out.push(typeProblem(path, 'object', v));
      const keys = m.shapes[shape.key?.shape ?? '']?.enum;
      for (const [k, e] of Object.entries(v)) {
        if (e === undefined) continue;
        if (keys && !keys.includes(k))
          out.push(`${label(join(path, k))}: unknown field (not one of the API's ${shape.key?.shape ?? ''} values)`);
        else checkModel(m, shape.value?.shape ?? '', e, join(path, k), out);
      }
      return;
    }
    case 'string':
    case 'blob':
      if (typeof v !== 'string') return void out.push(typeProblem(path, 'string', v));
      if (shape.enum && !shape.enum.includes(v))
        out.push(
          `${label(path)}: ${JSON.stringify(v)} is not one of the API's ${shapeName} values ` +
            `(${shape.enum.join(' | ')})`,
        );
      return;
    case 'integer':
    case 'long':
      if (typeof v !== 'number' || !Number.isInteger(v)) out.push(typeProblem(path, 'integer', v));
      return;
    case 'float':
    case 'double':
      if (typeof v !== 'number' || !Number.isFinite(v)) out.push(typeProblem(path, 'number', v));
      return;
    case 'boolean':
      if (typeof v !== 'boolean') out.push(typeProblem(path, 'boolean', v));
      return;
    case 'timestamp':
      if (typeof v !== 'string') return void out.push(typeProblem(path, 'string (an ISO 8601 time)', v));
      if (!formatOk('iso8601', v)) out.push(`${label(path)}: ${JSON.stringify(v)} is not ${FORMAT_WORDS.iso8601}`);
      return;
    default:
      throw new Error(`event-shapes: model type ${shape.type} (${shapeName}) not handled`);
  }
}

/**
 * The ways `value` differs from the shape AWS documents for `kind` (empty when it does not), each `<path>: <what>`.
 *
 * @example
 * checkDocumentedShape('dynamodb-stream-record', { ...record, dynamodb: { ...record.dynamodb, SizeBytes: '26' } });
 * // ['dynamodb.SizeBytes: expected number, got string "26"']
 */
export function checkDocumentedShape(kind: DocumentedShapeKind, value: unknown): string[] {
  const out: string[] = [];
  if (kind === 'scheduler-target-input') {
    // A templated Lambda target's Input is JSON text; Lambda receives it parsed. jobctl's payloads are objects.
    if (!isPlainObject(value)) return [typeProblem('', 'object (the JSON of the schedule target Input)', value)];
    checkJson(value, '', out);
    out.push(...schedulerInputCheck(value, ''));
    return out;
  }
  check(specs[kind], value, '', out);
  return out;
}

/** Throws, listing every problem and the documentation it comes from, when `value` is not the documented shape. */
export function expectDocumentedShape(kind: DocumentedShapeKind, value: unknown): void {
  const problems = checkDocumentedShape(kind, value);
  if (problems.length === 0) return;
  const shape = documentedShapes.find((s) => s.kind === kind);
  const from = shape?.sources.map((s) => s.url).join(', ') ?? '';
  throw new Error(`${kind}: not the shape AWS documents (${from}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
}
