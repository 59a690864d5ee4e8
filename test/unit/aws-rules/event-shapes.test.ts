import { existsSync, readFileSync } from 'node:fs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchedulerDstRuns } from '../../../src/runtime/lambda/dispatcher.ts';
import { ManualClock } from '../../../src/adapters/clock/clock.ts';
import { loadManifests } from '../../../src/spec/index.ts';
import type { Job } from '../../../src/spec/types.ts';
import {
  FakeScheduler,
  JOB_CONTROLLER_ARN,
  StreamSimulator,
  freshTable,
  taskEvent,
} from '../../support/lambda-harness.ts';
import { startTestDynalite, type TestDynalite } from '../../support/dynalite.ts';
import {
  checkDocumentedShape,
  documentedShapes,
  expectDocumentedShape,
  type DocumentedShapeKind,
} from '../../support/aws-rules/event-shapes.ts';

// Fixtures: test/fixtures/aws/README.md says which are verbatim AWS documentation examples and which are derived.
const text = (name: string) => readFileSync(new URL(`../../fixtures/aws/${name}`, import.meta.url), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: fixtures the tests reshape freely, malformed on purpose, before checking
type Json = any;
const fixture = (name: string): Json => JSON.parse(text(name));

const ALL_KINDS: DocumentedShapeKind[] = [
  'ecs-task-state-change',
  'dynamodb-stream-event',
  'dynamodb-stream-record',
  'scheduler-target-input',
  'lambda-async-on-failure-record',
  'lambda-dynamodb-stream-on-failure-record',
  'cloudformation-custom-resource-request',
  'scheduler-dlq-message',
  'eventbridge-rule-dlq-message',
];

function expectShape(kind: DocumentedShapeKind, value: unknown): void {
  expect(checkDocumentedShape(kind, value)).toEqual([]);
}

describe('documentedShapes', () => {
  it('lists every kind once, with fixtures that exist and AWS documentation URLs', () => {
    expect(documentedShapes.map((s) => s.kind).sort()).toEqual([...ALL_KINDS].sort());
    for (const shape of documentedShapes) {
      for (const file of shape.fixtures)
        expect(existsSync(new URL(`../../fixtures/aws/${file}`, import.meta.url)), `${shape.kind}: ${file}`).toBe(true);
      expect(shape.sources.length).toBeGreaterThan(0);
      for (const source of shape.sources) expect(source.url).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    }
    const table = documentedShapes
      .map((s) => `${s.kind}: ${s.fixtures.join(', ') || '-'} <- ${s.sources.map((x) => x.url).join(' ')}`)
      .join('\n');
    expect(table).toContain(
      'dynamodb-stream-event: dynamodb-stream-event.aws-docs.json <- ' +
        'https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html',
    );
  });
});

describe('the documented examples pass their own kind', () => {
  it('ECS: the "Example Task state change event"', () =>
    expectShape('ecs-task-state-change', fixture('task-state-change-running.aws-docs.json')));

  it('DynamoDB Streams: the Lambda page\'s "Example event", and each of its records', () => {
    const event = fixture('dynamodb-stream-event.aws-docs.json');
    expectShape('dynamodb-stream-event', event);
    for (const record of event.Records) expectShape('dynamodb-stream-record', record);
  });

  it('Lambda on-failure destinations: the asynchronous invocation record and the DynamoDB stream batch record', () => {
    expectShape('lambda-async-on-failure-record', fixture('lambda-async-on-failure-record.aws-docs.json'));
    expectShape(
      'lambda-dynamodb-stream-on-failure-record',
      fixture('lambda-dynamodb-stream-on-failure-record.aws-docs.json'),
    );
  });

  it('CloudFormation: the Create, Update and Delete request examples', () => {
    for (const type of ['create', 'update', 'delete'])
      expectShape(
        'cloudformation-custom-resource-request',
        fixture(`cloudformation-custom-resource-${type}.aws-docs.json`),
      );
  });

  it('EventBridge Scheduler: the context attribute examples', () => {
    // "<aws.scheduler.scheduled-time> – The time you specified for the schedule to invoke its target, for example,
    // 2022-03-22T18:59:43Z."
    expectShape('scheduler-target-input', {
      cronJob: { namespace: 'default', name: 'hello' },
      scheduledTime: '2022-03-22T18:59:43Z',
    });
    // The dead-letter event's SCHEDULED_TIME has the same form.
    expectShape('scheduler-target-input', {
      scheduledTime: fixture('scheduler-dlq-message.derived.json').Messages[0].MessageAttributes.SCHEDULED_TIME
        .StringValue,
    });
  });

  it(
    "EventBridge Scheduler's dead-letter event: the page's JSON does not parse; the derived copy fixes exactly its " +
      'two syntax errors',
    () => {
      const verbatim = text('scheduler-dlq-message.aws-docs.txt');
      expect(() => JSON.parse(verbatim)).toThrow(SyntaxError);
      const fixed = verbatim
        .replace('\\"Hello, world!",\\"QueueUrl', '\\"Hello, world!\\",\\"QueueUrl')
        .replace(
          '"DataType": "String"\n                }\n                "IS_PAYLOAD_TRUNCATED"',
          '"DataType": "String"\n                },\n                "IS_PAYLOAD_TRUNCATED"',
        );
      expect(fixed).toBe(text('scheduler-dlq-message.derived.json'));
      const [message] = fixture('scheduler-dlq-message.derived.json').Messages;
      expectShape('scheduler-dlq-message', message);
      expect(JSON.parse(message.Body)).toEqual({
        MessageBody: 'Hello, world!',
        QueueUrl: 'https://sqs.us-west-2.amazonaws.com/123456789012/does-not-exist',
      });
    },
  );
});

describe('the derived fixtures pass', () => {
  it('ECS: the STOPPED (exit 1) and CannotPullContainerError events', () => {
    expectShape('ecs-task-state-change', fixture('task-state-change-stopped-exit-1.derived.json'));
    expectShape('ecs-task-state-change', fixture('task-state-change-cannot-pull.derived.json'));
  });

  it('ECS: the Fargate Spot snippet lacks only the envelope fields the docs page leaves out (time, region)', () => {
    expect(
      checkDocumentedShape('ecs-task-state-change', fixture('task-state-change-spot-interruption.aws-docs.json')),
    ).toEqual(['time: missing (required)', 'region: missing (required)']);
  });

  it('DynamoDB Streams: a TTL deletion (REMOVE with userIdentity), in a Lambda event', () => {
    const record = fixture('dynamodb-stream-record-ttl-remove.derived.json');
    expectShape('dynamodb-stream-record', record);
    expectShape('dynamodb-stream-event', { Records: [record] });
  });

  it('EventBridge: a rule target dead-letter message', () =>
    expectShape('eventbridge-rule-dlq-message', fixture('eventbridge-rule-dlq-message.derived.json')));
});

/**
 * A documented value of each kind, and one wrong-typed, one unknown and one missing field, each with the problem named
 * by path.
 */
const cases: Record<
  Exclude<DocumentedShapeKind, 'scheduler-target-input'>,
  {
    value: () => Json;
    wrongType: [(v: Json) => void, string];
    unknown: [(v: Json) => void, string];
    missing: [(v: Json) => void, string];
  }
> = {
  'ecs-task-state-change': {
    value: () => fixture('task-state-change-running.aws-docs.json'),
    wrongType: [
      (v) => (v.detail.containers[0].exitCode = '1'),
      'detail.containers[0].exitCode: expected integer, got string "1"',
    ],
    unknown: [
      (v) => (v.detail.overrides.containerOverrides[0].image = 'busybox'),
      "detail.overrides.containerOverrides[0].image: unknown field (not a member of the API's ContainerOverride)",
    ],
    missing: [(v) => delete v['detail-type'], '["detail-type"]: missing (required)'],
  },
  'dynamodb-stream-event': {
    value: () => fixture('dynamodb-stream-event.aws-docs.json'),
    wrongType: [
      (v) => (v.Records[1].dynamodb.SizeBytes = '59'),
      'Records[1].dynamodb.SizeBytes: expected number, got string "59"',
    ],
    unknown: [
      (v) => (v.Records[0].dynamodb.TableName = 'my-table'),
      'Records[0].dynamodb.TableName: unknown field (not in the documented shape)',
    ],
    missing: [
      (v) => delete v.Records[0].dynamodb.SequenceNumber,
      'Records[0].dynamodb.SequenceNumber: missing (required)',
    ],
  },
  'dynamodb-stream-record': {
    value: () => fixture('dynamodb-stream-event.aws-docs.json').Records[1],
    wrongType: [
      (v) => (v.dynamodb.NewImage.Id = { N: 101 }),
      'dynamodb.NewImage.Id.N: expected string (a DynamoDB number travels as a string), got number 101',
    ],
    unknown: [
      (v) => (v.recordFormat = 'application/json'),
      'recordFormat: unknown field (not in the documented shape)',
    ],
    missing: [(v) => delete v.eventSource, 'eventSource: missing (required)'],
  },
  'lambda-async-on-failure-record': {
    value: () => fixture('lambda-async-on-failure-record.aws-docs.json'),
    wrongType: [
      (v) => (v.requestContext.approximateInvokeCount = '3'),
      'requestContext.approximateInvokeCount: expected number, got string "3"',
    ],
    unknown: [
      (v) => (v.requestContext.functionName = 'my-function'),
      'requestContext.functionName: unknown field (not in the documented shape)',
    ],
    missing: [(v) => delete v.responsePayload, 'responsePayload: missing (required)'],
  },
  'lambda-dynamodb-stream-on-failure-record': {
    value: () => fixture('lambda-dynamodb-stream-on-failure-record.aws-docs.json'),
    wrongType: [
      (v) => (v.DDBStreamBatchInfo.batchSize = '1'),
      'DDBStreamBatchInfo.batchSize: expected number, got string "1"',
    ],
    unknown: [
      (v) => (v.requestPayload = { Records: [] }),
      'requestPayload: unknown field (not in the documented shape)',
    ],
    missing: [(v) => delete v.DDBStreamBatchInfo.streamArn, 'DDBStreamBatchInfo.streamArn: missing (required)'],
  },
  'cloudformation-custom-resource-request': {
    value: () => fixture('cloudformation-custom-resource-update.aws-docs.json'),
    wrongType: [
      (v) => (v.ResourceProperties = 'key1=string'),
      'ResourceProperties: expected object, got string "key1=string"',
    ],
    unknown: [(v) => (v.ServiceTimeout = '3600'), 'ServiceTimeout: unknown field (not in the documented shape)'],
    missing: [(v) => delete v.LogicalResourceId, 'LogicalResourceId: missing (required)'],
  },
  'scheduler-dlq-message': {
    value: () => fixture('scheduler-dlq-message.derived.json').Messages[0],
    wrongType: [
      (v) => (v.MessageAttributes.RETRY_ATTEMPTS.StringValue = 0),
      'MessageAttributes.RETRY_ATTEMPTS.StringValue: expected string, got number 0',
    ],
    unknown: [
      (v) =>
        (v.MessageAttributes.RULE_ARN = {
          StringValue: 'arn:aws:events:us-west-2:123456789012:rule/x',
          DataType: 'String',
        }),
      'MessageAttributes.RULE_ARN: unknown field (not in the documented shape)',
    ],
    missing: [(v) => delete v.MessageAttributes.SCHEDULE_ARN, 'MessageAttributes.SCHEDULE_ARN: missing (required)'],
  },
  'eventbridge-rule-dlq-message': {
    value: () => fixture('eventbridge-rule-dlq-message.derived.json'),
    wrongType: [(v) => (v.Body = JSON.parse(v.Body)), 'Body: expected string, got object'],
    unknown: [
      (v) =>
        (v.MessageAttributes.SCHEDULE_ARN = {
          StringValue: 'arn:aws:scheduler:us-west-2:111122223333:schedule/default/x',
          DataType: 'String',
        }),
      'MessageAttributes.SCHEDULE_ARN: unknown field (not in the documented shape)',
    ],
    missing: [(v) => delete v.MessageAttributes.RULE_ARN, 'MessageAttributes.RULE_ARN: missing (required)'],
  },
};

describe.each(Object.entries(cases))('%s', (kind, c) => {
  const k = kind as DocumentedShapeKind;
  it('the documented value passes', () => expectShape(k, c.value()));
  for (const [what, [mutate, problem]] of [
    ['a wrong-typed field', c.wrongType],
    ['an unknown field', c.unknown],
    ['a missing required field', c.missing],
  ] as const) {
    it(`${what} fails, naming the path`, () => {
      const value = c.value();
      mutate(value);
      expect(checkDocumentedShape(k, value)).toContain(problem);
      expect(() => expectDocumentedShape(k, value)).toThrow(problem);
    });
  }
});

describe("scheduler-target-input (jobctl's own payload: only what Scheduler fills in is checked)", () => {
  it('a scheduledTime not in the form Scheduler writes fails, naming the path', () => {
    expect(
      checkDocumentedShape('scheduler-target-input', {
        cronJob: { namespace: 'default', name: 'hello' },
        scheduledTime: '2026-03-02T10:01:00.000Z',
      }),
    ).toEqual([
      'scheduledTime: "2026-03-02T10:01:00.000Z" is not what Scheduler puts for <aws.scheduler.scheduled-time>: an ' +
        'ISO 8601 UTC time in whole seconds, like the documented 2022-03-22T18:59:43Z',
    ]);
    expect(checkDocumentedShape('scheduler-target-input', { scheduledTime: 1772445660 })[0]).toMatch(
      /^scheduledTime: 1772445660 is not what Scheduler puts/,
    );
  });

  it('a context attribute left in place fails: Scheduler replaces each one', () => {
    expect(
      checkDocumentedShape('scheduler-target-input', {
        cronJob: { namespace: 'default', name: 'hello' },
        scheduledTime: '<aws.scheduler.scheduled-time>',
      }),
    ).toEqual([
      'scheduledTime: "<aws.scheduler.scheduled-time>" still holds a context attribute: Scheduler replaces each one ' +
        'before it invokes the target',
    ]);
  });

  it('a value JSON cannot carry fails (Lambda receives parsed JSON)', () => {
    expect(
      checkDocumentedShape('scheduler-target-input', {
        requeue: { kind: 'Job', namespace: 'default', name: 'pi' },
        dueAt: new Date(0),
      }),
    ).toEqual(['dueAt: expected a JSON value, got Date']);
  });
});

describe('formats the docs are specific about', () => {
  it(
    'DynamoDB: eventName, digit-only SequenceNumber, ApproximateCreationDateTime in seconds, AttributeValue ' +
      'unions',
    () => {
      const record = fixture('dynamodb-stream-record-ttl-remove.derived.json');
      record.eventName = 'DELETE';
      record.dynamodb.SequenceNumber = '0x222';
      record.dynamodb.ApproximateCreationDateTime = 1573690429000;
      record.dynamodb.Keys.Id = { N: '101', S: '101' };
      record.dynamodb.OldImage.Message = { NULL: false };
      expect(checkDocumentedShape('dynamodb-stream-record', record)).toEqual([
        'dynamodb.ApproximateCreationDateTime: 1573690429000 is not UNIX epoch seconds, rounded down to the second ' +
          '(this looks like milliseconds)',
        'dynamodb.OldImage.Message.NULL: expected true, got boolean false',
        'dynamodb.SequenceNumber: "0x222" is not a string of digits',
        'dynamodb.Keys.Id: an AttributeValue has exactly one of S, N, B, SS, NS, BS, M, L, NULL, BOOL; this one ' +
          'has N, S',
        'eventName: "DELETE" is not one of INSERT | MODIFY | REMOVE',
      ]);
    },
  );

  it('DynamoDB: the images follow eventName and StreamViewType', () => {
    const [insert, modify] = fixture('dynamodb-stream-event.aws-docs.json').Records;
    insert.dynamodb.OldImage = modify.dynamodb.OldImage;
    expect(checkDocumentedShape('dynamodb-stream-record', insert)).toEqual([
      'dynamodb.OldImage: present, but a INSERT record with StreamViewType NEW_AND_OLD_IMAGES has no old image',
    ]);
    delete modify.dynamodb.OldImage;
    expect(checkDocumentedShape('dynamodb-stream-record', modify)).toEqual([
      'dynamodb.OldImage: missing (a MODIFY record with StreamViewType NEW_AND_OLD_IMAGES has the old image)',
    ]);
  });

  it("ECS: timestamps are ISO 8601, ARNs are ARNs, enumerations are the API's", () => {
    const event = fixture('task-state-change-running.aws-docs.json');
    event.time = 1579802278;
    event.detail.updatedAt = '2020-01-23 17:57:58';
    event.detail.createdAt = 1579802254402;
    event.detail.clusterArn = 'FargateCluster';
    event.detail.launchType = 'fargate';
    expect(checkDocumentedShape('ecs-task-state-change', event)).toEqual([
      'time: expected string, got number 1579802278',
      'detail.clusterArn: "FargateCluster" is not an ARN (arn:partition:service:region:account:resource)',
      'detail.createdAt: expected string (an ISO 8601 time), got number 1579802254402',
      'detail.launchType: "fargate" is not one of the API\'s LaunchType values (EC2 | FARGATE | EXTERNAL)',
      'detail.updatedAt: "2020-01-23 17:57:58" is not an ISO 8601 UTC time (2020-01-23T17:57:34.402Z)',
    ]);
  });

  it('CloudFormation: RequestType-specific fields, and scalar properties arrive as strings', () => {
    const create = fixture('cloudformation-custom-resource-create.aws-docs.json');
    create.ResourceProperties.Replicas = 3;
    create.OldResourceProperties = {};
    expect(checkDocumentedShape('cloudformation-custom-resource-request', create)).toEqual([
      'OldResourceProperties: "Used only for Update requests", not in a Create request',
      'ResourceProperties.Replicas: 3 is a number: CloudFormation stringifies scalar property values ("3")',
    ]);
    const del = fixture('cloudformation-custom-resource-delete.aws-docs.json');
    delete del.PhysicalResourceId;
    expect(checkDocumentedShape('cloudformation-custom-resource-request', del)).toEqual([
      'PhysicalResourceId: missing (required in Delete requests)',
    ]);
  });
});

describe('the builders the handler tests use (test/support/lambda-harness.ts)', () => {
  it('taskEvent: RUNNING and STOPPED task state change events', () => {
    const taskArn = 'arn:aws:ecs:us-west-2:111122223333:task/jobctl/00000000000000000000000000000001';
    const group = 'jobctl:default:pi:pi-abcde:0';
    const atMs = Date.parse('2026-03-02T10:00:01.250Z');
    expectDocumentedShape('ecs-task-state-change', taskEvent({ taskArn, group, version: 4, status: 'RUNNING', atMs }));
    expectDocumentedShape(
      'ecs-task-state-change',
      taskEvent({ taskArn, group, version: 6, status: 'STOPPED', atMs: atMs + 60_000, startedAtMs: atMs, exitCode: 1 }),
    );
  });

  describe('StreamSimulator: INSERT, MODIFY and REMOVE records of a state table', () => {
    let db: TestDynalite;
    beforeAll(async () => {
      db = await startTestDynalite();
    });
    afterAll(() => db.stop());

    it('each record is a documented DynamoDB stream record, and a batch a documented Lambda event', async () => {
      const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
      const store = await freshTable(db, 'event-shapes', clock);
      const stream = new StreamSimulator(db, 'event-shapes');
      const job = loadManifests(
        `apiVersion: batch/v1
kind: Job
metadata: { name: pi, labels: { app: pi } }
spec:
  completions: 3
  template:
    spec:
      containers: [{ name: main, image: busybox, command: ["sh", "-c", "exit 0"] }]
      restartPolicy: Never
`,
        'pi.yaml',
      ).objects[0] as Job;

      const created = await store.create(job);
      const inserts = await stream.records();
      created.metadata.labels = { ...created.metadata.labels, tier: 'batch' };
      await store.update(created);
      const modifies = await stream.records();
      await store.delete('Job', { namespace: 'default', name: 'pi' });
      const removes = await stream.records();

      expect([inserts, modifies, removes].map((rs) => rs.map((r) => r.eventName))).toEqual([
        ['INSERT'],
        ['MODIFY'],
        ['REMOVE'],
      ]);
      for (const record of [...inserts, ...modifies, ...removes])
        expectDocumentedShape('dynamodb-stream-record', record);
      expectDocumentedShape('dynamodb-stream-event', { Records: [...inserts, ...modifies, ...removes] });
    });
  });

  it("FakeScheduler: the payloads jobctl's one-time schedules deliver (requeue, repeated local time)", async () => {
    const scheduler = new FakeScheduler();
    try {
      await scheduler
        .requeue()
        .requeueAt(
          { kind: 'Job', key: { namespace: 'default', name: 'pi' } },
          Date.parse('2026-03-02T10:05:00.400Z'),
          JOB_CONTROLLER_ARN,
        );
      const dstRuns = new SchedulerDstRuns({
        client: new SchedulerClient({ region: 'us-west-2', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
        groupName: 'jobctl',
        roleArn: 'arn:aws:iam::111122223333:role/jobctl-dispatch',
      });
      await dstRuns.scheduleRun({
        cronJob: { namespace: 'default', name: 'nightly' },
        scheduledMs: Date.parse('2026-10-25T01:30:00Z'),
        maximumEventAgeSeconds: 3_600,
        targetArn: 'arn:aws:lambda:us-west-2:111122223333:function:jobctl-dispatcher',
      });
      const due = scheduler.takeDue(Date.parse('2026-12-31T00:00:00Z'));
      expect(due).toHaveLength(2);
      for (const payload of due) expectDocumentedShape('scheduler-target-input', payload);
    } finally {
      scheduler.restore();
    }
  });
});
