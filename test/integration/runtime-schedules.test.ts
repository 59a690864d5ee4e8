import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { scheduleWorkOf, type DynamoDbStreamRecord } from '../../src/runtime/lambda/stream-changes.ts';
import { RuntimeSchedules } from '../../src/adapters/scheduler/runtime-schedules.ts';
import { JobControllerLambda } from '../../src/runtime/lambda/job-controller.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { managedByAnnotation } from '../../src/spec/ownership.ts';
import type { CronJob } from '../../src/spec/types.ts';
import { marshall } from '@aws-sdk/util-dynamodb';
import { aCronJob } from '../support/builders.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import { FakeLogSink } from '../support/fakes/fake-log-sink.ts';
import { FakeTaskLauncher } from '../support/fakes/fake-task-launcher.ts';
import { streamRecord } from '../support/lambda-harness.ts';

const GROUP = 'jobctl';
const DISPATCHER = 'arn:aws:lambda:us-west-2:111122223333:function:jobctl-dispatcher';
const ROLE = 'arn:aws:iam::111122223333:role/jobctl-scheduler';
const DLQ = 'arn:aws:sqs:us-west-2:111122223333:jobctl-dlq';

/** EventBridge Scheduler as the API documents it for these calls: names unique per group, Update replaces all. */
class FakeScheduler {
  readonly mock = mockClient(SchedulerClient);
  readonly schedules = new Map<string, CreateScheduleCommandInput>();
  readonly calls: string[] = [];

  constructor() {
    const notFound = (name: string) =>
      new ResourceNotFoundException({
        Message: `Schedule ${name} does not exist.`,
        message: `Schedule ${name} does not exist.`,
        $metadata: {},
      });
    this.mock.on(GetScheduleCommand).callsFake((input: { Name: string }) => {
      this.calls.push(`Get ${input.Name}`);
      const found = this.schedules.get(input.Name);
      if (!found) throw notFound(input.Name);
      return { Arn: `arn:aws:scheduler:us-west-2:111122223333:schedule/${GROUP}/${input.Name}`, ...found };
    });
    this.mock.on(CreateScheduleCommand).callsFake((input: CreateScheduleCommandInput) => {
      this.calls.push(`Create ${input.Name}`);
      if (this.schedules.has(input.Name!))
        throw new ConflictException({
          Message: `Schedule ${input.Name} already exists.`,
          message: `Schedule ${input.Name} already exists.`,
          $metadata: {},
        });
      this.schedules.set(input.Name!, input);
      return { ScheduleArn: `arn:aws:scheduler:us-west-2:111122223333:schedule/${GROUP}/${input.Name}` };
    });
    this.mock.on(UpdateScheduleCommand).callsFake((input: CreateScheduleCommandInput) => {
      this.calls.push(`Update ${input.Name}`);
      if (!this.schedules.has(input.Name!)) throw notFound(input.Name!);
      this.schedules.set(input.Name!, input);
      return {};
    });
    this.mock.on(DeleteScheduleCommand).callsFake((input: { Name: string }) => {
      this.calls.push(`Delete ${input.Name}`);
      if (!this.schedules.delete(input.Name)) throw notFound(input.Name);
      return {};
    });
  }
}

let db: TestDynalite;
let store: DynamoDbStateStore;
let scheduler: FakeScheduler;
let schedules: RuntimeSchedules;
let tables = 0;

beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(() => db.stop());
beforeEach(async () => {
  const tableName = `runtime-schedules-${++tables}`;
  await ensureStateTable(db.client, tableName);
  store = new DynamoDbStateStore({ client: db.client, tableName, now: () => Date.parse('2026-03-02T10:00:00Z') });
  scheduler?.mock.restore();
  scheduler = new FakeScheduler();
  schedules = new RuntimeSchedules({
    client: new SchedulerClient({ region: 'us-west-2' }),
    store,
    groupName: GROUP,
    dispatcherArn: DISPATCHER,
    roleArn: ROLE,
    deadLetterQueueArn: DLQ,
    maximumRetryAttempts: 185,
  });
});

const key = { namespace: 'default', name: 'hello' };

describe('schedules of CronJobs created with jobctl (job controller, Scheduler API)', () => {
  it(
    'creates the schedule of a new CronJob: the same expression, zone, payload and retry bound the stack would ' +
      'write',
    async () => {
      await store.create(
        aCronJob({
          namespace: 'default',
          name: 'hello',
          schedule: '30 2 * * *',
          timeZone: 'Europe/Berlin',
          startingDeadlineSeconds: 600,
        }),
      );
      expect(await schedules.reconcile(key)).toEqual({ created: ['cli.default.hello'], updated: [], deleted: [] });
      expect(scheduler.schedules.get('cli.default.hello')).toEqual({
        Name: 'cli.default.hello',
        GroupName: GROUP,
        Description: 'jobctl CronJob default/hello: "30 2 * * *"',
        ScheduleExpression: 'cron(30 2 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Berlin',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: DISPATCHER,
          RoleArn: ROLE,
          Input: '{"cronJob":{"namespace":"default","name":"hello"},"scheduledTime":"<aws.scheduler.scheduled-time>"}',
          RetryPolicy: { MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 185 },
          DeadLetterConfig: { Arn: DLQ },
        },
      });
    },
  );

  it('follows schedule changes, suspend and resume, and writes nothing when nothing changed', async () => {
    const created = await store.create(aCronJob({ namespace: 'default', name: 'hello', schedule: '* * * * *' }));
    await schedules.reconcile(key);
    scheduler.calls.length = 0;
    expect(await schedules.reconcile(key)).toEqual({ created: [], updated: [], deleted: [] });
    expect(scheduler.calls.filter((c) => c.startsWith('Create') || c.startsWith('Update'))).toEqual([]);

    const suspended = await store.update<CronJob>({
      ...created,
      spec: { ...created.spec, schedule: '*/5 * * * *', suspend: true },
    });
    expect(await schedules.reconcile(key)).toEqual({ created: [], updated: ['cli.default.hello'], deleted: [] });
    expect(scheduler.schedules.get('cli.default.hello')).toMatchObject({
      ScheduleExpression: 'cron(0/5 * * * ? *)',
      State: 'DISABLED',
    });

    await store.update<CronJob>({ ...suspended, spec: { ...suspended.spec, suspend: false } });
    await schedules.reconcile(key);
    expect(scheduler.schedules.get('cli.default.hello')?.State).toBe('ENABLED');
  });

  it(
    'switches between one and two schedules for the Kubernetes OR-of-days rule, and deletes them with the ' + 'CronJob',
    async () => {
      const created = await store.create(aCronJob({ namespace: 'default', name: 'hello', schedule: '0 9 * * *' }));
      await schedules.reconcile(key);
      await store.update<CronJob>({ ...created, spec: { ...created.spec, schedule: '0 9 1 * MON' } });
      expect(await schedules.reconcile(key)).toEqual({
        created: ['cli.default.hello_1', 'cli.default.hello_2'],
        updated: [],
        deleted: ['cli.default.hello'],
      });
      expect([...scheduler.schedules.values()].map((s) => s.ScheduleExpression)).toEqual([
        'cron(0 9 1 * ? *)',
        'cron(0 9 ? * MON *)',
      ]);
      await store.delete('CronJob', key);
      expect(await schedules.reconcile(key)).toEqual({
        created: [],
        updated: [],
        deleted: ['cli.default.hello_1', 'cli.default.hello_2'],
      });
      expect(scheduler.schedules.size).toBe(0);
    },
  );

  it(
    'never gives a stack-declared CronJob a cli schedule, and removes the one it had when the stack ' + 'adopts it',
    async () => {
      const created = await store.create(aCronJob({ namespace: 'default', name: 'hello' }));
      await schedules.reconcile(key);
      await store.update<CronJob>({
        ...created,
        metadata: { ...created.metadata, annotations: { [managedByAnnotation]: 'cdk/Jobctl' } },
      });
      expect(await schedules.reconcile(key)).toEqual({ created: [], updated: [], deleted: ['cli.default.hello'] });
      expect(scheduler.calls.some((c) => c.includes(' default.hello'))).toBe(false);
    },
  );

  it('converges when two reconciles race to create (ConflictException → update)', async () => {
    await store.create(aCronJob({ namespace: 'default', name: 'hello' }));
    const results = await Promise.all([schedules.reconcile(key), schedules.reconcile(key)]);
    expect(results.flatMap((r) => r.created)).toEqual(['cli.default.hello']);
    expect(scheduler.schedules.size).toBe(1);
  });

  it(
    'gives a schedule EventBridge cannot run no schedule (and removes the old one) instead of failing the record ' +
      'for ever',
    async () => {
      const created = await store.create(aCronJob({ namespace: 'default', name: 'hello', schedule: '*/5 * * * *' }));
      await schedules.reconcile(key);
      await store.update<CronJob>({ ...created, spec: { ...created.spec, schedule: '@every 90s' } });
      expect(await schedules.reconcile(key)).toEqual({
        created: [],
        updated: [],
        deleted: ['cli.default.hello'],
        unsupported: expect.stringContaining('@every 90s'),
      });
    },
  );

  it('propagates a Scheduler error (the stream record is retried)', async () => {
    await store.create(aCronJob({ namespace: 'default', name: 'hello' }));
    scheduler.mock
      .on(CreateScheduleCommand)
      .rejects(new Error('AccessDeniedException: not authorized to perform iam:PassRole'));
    await expect(schedules.reconcile(key)).rejects.toThrow('iam:PassRole');
  });
});

/** A stream record's SequenceNumber (21 digits, as DynamoDB Streams gives them). */
const seq = (n: number) => String(n).padStart(21, '0');

describe('which stream records reconcile schedules', () => {
  const image = (c: CronJob | undefined) =>
    c === undefined
      ? undefined
      : (marshall({ PK: 'x', SK: 'y', kind: 'CronJob', object: c }, { removeUndefinedValues: true }) as never);
  const record = (
    eventName: DynamoDbStreamRecord['eventName'],
    seq: string,
    next?: CronJob,
    old?: CronJob,
  ): DynamoDbStreamRecord =>
    streamRecord({
      eventName,
      keys: { PK: { S: 'x' }, SK: { S: 'y' } },
      newImage: image(next),
      oldImage: image(old),
      sequence: Number(seq),
    });

  it('insert, spec change, owner change and removal do; a status-only write does not', () => {
    const cronJob = aCronJob({ namespace: 'default', name: 'hello' });
    const ran: CronJob = { ...cronJob, status: { ...cronJob.status, lastScheduleTime: '2026-03-02T10:00:00Z' } };
    const suspended: CronJob = { ...cronJob, spec: { ...cronJob.spec, suspend: true } };
    const adopted: CronJob = {
      ...cronJob,
      metadata: { ...cronJob.metadata, annotations: { [managedByAnnotation]: 'cdk/Jobctl' } },
    };
    expect(scheduleWorkOf([record('MODIFY', '1', ran, cronJob)])).toEqual([]);
    expect(
      scheduleWorkOf([
        record('INSERT', '1', cronJob),
        record('MODIFY', '2', suspended, cronJob),
        record('MODIFY', '3', adopted, cronJob),
      ]),
    ).toEqual([{ change: { kind: 'CronJob', key }, sequenceNumbers: [seq(1), seq(2), seq(3)] }]);
    expect(scheduleWorkOf([record('REMOVE', '9', undefined, cronJob)])).toEqual([
      { change: { kind: 'CronJob', key }, sequenceNumbers: [seq(9)] },
    ]);
  });
});

describe('job controller Lambda: stream → schedules', () => {
  const insert = (cronJob: CronJob, seq: string) => ({
    Records: [
      streamRecord({
        eventName: 'INSERT',
        keys: { PK: { S: 'x' }, SK: { S: 'y' } },
        newImage: marshall(
          { PK: 'x', SK: 'y', kind: 'CronJob', object: cronJob },
          { removeUndefinedValues: true },
        ) as never,
        sequence: Number(seq),
      }),
    ],
  });
  const controller = () =>
    new JobControllerLambda({
      store,
      launcher: new FakeTaskLauncher({ stopResult: false }),
      logs: new FakeLogSink(),
      clock: new ManualClock(Date.parse('2026-03-02T10:00:30Z')),
      requeue: { requeueAt: async () => 'scheduled' },
      sleep: async () => {},
      maxInlineWaitMs: 0,
      schedules,
      log: () => {},
    });

  it("resync reconciles the schedules of CronJobs created with jobctl, not the stack's", async () => {
    await store.create(
      aCronJob({ namespace: 'default', name: 'hello', creationTimestamp: Date.parse('2026-03-02T10:00:00Z') }),
    );
    const declared = aCronJob({
      namespace: 'default',
      name: 'declared',
      creationTimestamp: Date.parse('2026-03-02T10:00:00Z'),
    });
    await store.create<CronJob>({
      ...declared,
      metadata: { ...declared.metadata, annotations: { [managedByAnnotation]: 'cdk/Jobctl' } },
    });
    expect(await controller().handle({ resync: {} })).toEqual({ synced: 2 });
    expect([...scheduler.schedules.keys()]).toEqual(['cli.default.hello']);
    expect(scheduler.calls.some((c) => c.includes('declared'))).toBe(false);
  });

  it(
    'creates the schedule of a CronJob `jobctl apply` inserted, and reports the record failed when Scheduler ' +
      'refuses',
    async () => {
      const cronJob = await store.create(
        aCronJob({ namespace: 'default', name: 'hello', creationTimestamp: Date.parse('2026-03-02T10:00:00Z') }),
      );
      expect(await controller().handle(insert(cronJob, '100'))).toEqual({ batchItemFailures: [] });
      expect([...scheduler.schedules.keys()]).toEqual(['cli.default.hello']);

      await store.delete('CronJob', key);
      const other = await store.create(
        aCronJob({
          namespace: 'default',
          name: 'hello',
          creationTimestamp: Date.parse('2026-03-02T10:00:00Z'),
          schedule: '0 * * * *',
        }),
      );
      scheduler.mock.on(GetScheduleCommand).rejects(new Error('ThrottlingException: Rate exceeded'));
      expect(await controller().handle(insert(other, '200'))).toEqual({
        batchItemFailures: [{ itemIdentifier: seq(200) }],
      });
    },
  );
});
