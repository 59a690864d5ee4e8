/**
 * The dispatcher's runs for repeated local times: when clocks go back, Kubernetes (robfig `Next`) runs a repeated
 * local time twice and EventBridge Scheduler once ("When the time shifts back in the Fall, your schedule runs only
 * once", https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst), so the dispatcher adds the second
 * run as a one-time schedule targeting itself. dynalite for the table, aws-sdk-client-mock for Scheduler (the
 * harness's `FakeScheduler`: name uniqueness per group, `takeDue` fires and deletes), a ManualClock for time.
 */
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DynamoDbStateStore } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { loadDispatcherEnv } from '../../src/runtime/lambda/env.ts';
import { SchedulerDstRuns, dstRunScheduleName } from '../../src/runtime/lambda/dispatcher.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { loadManifests } from '../../src/spec/index.ts';
import { wellKnown, type CronJob } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import { FakeScheduler, REGION, freshTable, lambdaEnv } from '../support/lambda-harness.ts';

type DispatcherModule = typeof import('../../functions/dispatcher.ts');

const DISPATCHER_ARN = 'arn:aws:lambda:us-west-2:111122223333:function:jobctl-dispatcher';
const DISPATCH_ROLE_ARN = 'arn:aws:iam::111122223333:role/jobctl-dispatch';
const DLQ_ARN = 'arn:aws:sqs:us-west-2:111122223333:jobctl-dlq';
const context = { invokedFunctionArn: DISPATCHER_ARN };
/** How long after its time a Scheduler invocation reaches the handler. */
const LATENCY_MS = 400;
const MINUTE_MS = 60_000;
const quiet = () => {};

function cronJob(
  name: string,
  spec: { schedule: string; timeZone?: string; extra?: string; created?: string },
): CronJob {
  return loadManifests(
    `apiVersion: batch/v1
kind: CronJob
metadata: { name: ${name}, creationTimestamp: "${spec.created ?? '2026-10-20T00:00:00Z'}" }
spec:
  schedule: "${spec.schedule}"
${spec.timeZone === undefined ? '' : `  timeZone: ${spec.timeZone}\n`}${spec.extra ?? ''}  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: main, image: busybox, command: ["true"] }]
          restartPolicy: Never
`,
    `${name}.yaml`,
  ).objects[0] as CronJob;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const payload = (name: string, scheduledMs: number) => ({
  cronJob: { namespace: 'default', name },
  scheduledTime: iso(scheduledMs),
});

/**
 * The instants EventBridge Scheduler fires a cron schedule in `timeZone` between `fromMs` and `toMs`: every minute
 * whose local wall clock `matches`, the first time that wall clock is shown (never again when clocks go back).
 * Written from the documented behaviour with Intl, independently of the engine.
 */
function eventBridgeFirings(
  timeZone: string,
  matches: (hour: number, minute: number) => boolean,
  fromMs: number,
  toMs: number,
): number[] {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  const seen = new Set<string>();
  const firings: number[] = [];
  for (let t = fromMs; t <= toMs; t += MINUTE_MS) {
    const wall = format.format(t);
    const [hour, minute] = wall.slice(-5).split(':').map(Number) as [number, number];
    if (!matches(hour, minute) || seen.has(wall)) continue;
    seen.add(wall);
    firings.push(t);
  }
  return firings;
}

describe('Dispatcher: repeated local times (dynalite + aws-sdk-client-mock)', () => {
  let db: TestDynalite;
  let dispatcherModule: DispatcherModule;
  let tables = 0;
  let clock: ManualClock;
  let store: DynamoDbStateStore;
  let scheduler: FakeScheduler;

  beforeAll(async () => {
    db = await startTestDynalite();
    // The module builds its SchedulerDstRuns from this environment at import: the wiring the construct relies on.
    Object.assign(process.env, lambdaEnv('unused'), {
      JOBCTL_DISPATCH_ROLE_ARN: DISPATCH_ROLE_ARN,
      JOBCTL_DLQ_ARN: DLQ_ARN,
    });
    dispatcherModule = await import('../../functions/dispatcher.ts');
  });
  afterAll(() => db.stop());
  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2026-03-01T00:00:00Z'));
    store = await freshTable(db, `dst-${++tables}`, clock);
    scheduler = new FakeScheduler();
  });
  afterEach(() => scheduler.restore());

  const dispatcher = () =>
    dispatcherModule.createHandler({
      store,
      clock,
      log: quiet,
      dstRuns: new SchedulerDstRuns({
        client: new SchedulerClient({ region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
        groupName: 'jobctl',
        roleArn: DISPATCH_ROLE_ARN,
        deadLetterQueueArn: DLQ_ARN,
      }),
    });

  /**
   * Scheduled times of the CronJob's Jobs (the annotation the engine writes, in the CronJob's zone), in UTC, sorted.
   */
  async function jobTimes(name: string): Promise<string[]> {
    const jobs = await store.list('Job', 'default', { ownerName: name });
    return jobs
      .map((j) => iso(Date.parse(j.metadata.annotations?.[wellKnown.cronJobScheduledTimestamp] ?? 'missing')))
      .sort();
  }

  /**
   * Minute by minute from `fromMs` to `toMs`: EventBridge's own firings (`firings`) and then the one-time schedules
   * due, each delivered to the dispatcher `LATENCY_MS` late. Returns how many one-time schedules fired.
   */
  async function drive(name: string, firings: readonly number[], fromMs: number, toMs: number): Promise<number> {
    const handler = dispatcher();
    let oneTime = 0;
    for (let minute = fromMs; minute <= toMs; minute += MINUTE_MS) {
      clock.advanceTo(minute + LATENCY_MS);
      if (firings.includes(minute)) await handler(payload(name, minute), context);
      for (const due of scheduler.takeDue(clock.now())) {
        oneTime++;
        await handler(due, context);
      }
    }
    return oneTime;
  }

  it(
    "schedules the second 02:30 of Europe/Berlin's fall-back night when the first is dispatched, and that firing " +
      'creates the second Job',
    async () => {
      // Arrange
      await store.create(
        cronJob('nightly', {
          schedule: '30 2 * * *',
          timeZone: 'Europe/Berlin',
          extra: '  startingDeadlineSeconds: 600\n',
        }),
      );
      const firstMs = Date.parse('2026-10-25T00:30:00Z'); // 02:30 CEST
      const secondMs = Date.parse('2026-10-25T01:30:00Z'); // 02:30 CET
      clock.advanceTo(firstMs + LATENCY_MS);

      // Act
      const first = await dispatcher()(payload('nightly', firstMs), context);

      // Assert: exactly one one-time schedule, firing the dispatcher with the normal payload at 01:30Z.
      expect(first.dstRunAtMs).toBe(secondMs);
      expect([...scheduler.schedules.values()]).toEqual([
        {
          Name: `dst.default.nightly.${secondMs / 1000}`,
          GroupName: 'jobctl',
          ScheduleExpression: 'at(2026-10-25T01:30:00)',
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Description: expect.stringContaining('default/nightly'),
          Target: {
            Arn: DISPATCHER_ARN,
            RoleArn: DISPATCH_ROLE_ARN,
            Input: JSON.stringify({
              cronJob: { namespace: 'default', name: 'nightly' },
              scheduledTime: '2026-10-25T01:30:00Z',
            }),
            // startingDeadlineSeconds, as the CronJob's own schedules (cronJobScheduleDefinitions).
            RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 600 },
            DeadLetterConfig: { Arn: DLQ_ARN },
          },
        },
      ]);
      expect(await jobTimes('nightly')).toEqual(['2026-10-25T00:30:00Z']);

      // Act: the one-time schedule fires at 01:30Z.
      clock.advanceTo(secondMs + LATENCY_MS);
      const due = scheduler.takeDue(clock.now());
      expect(due).toHaveLength(1);
      const second = await dispatcher()(due[0], context);

      // Assert: a second Job, under another name; nothing repeats after it, so nothing more is scheduled.
      expect(await jobTimes('nightly')).toEqual(['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z']);
      const names = (await store.list('Job', 'default', { ownerName: 'nightly' })).map((j) => j.metadata.name).sort();
      expect(names).toEqual([`nightly-${firstMs / MINUTE_MS}`, `nightly-${secondMs / MINUTE_MS}`]);
      expect(second.dstRunAtMs).toBeUndefined();
      expect(scheduler.schedules.size).toBe(0);
    },
  );

  it(
    'creates one schedule from duplicate deliveries of the first occurrence (ConflictException means already ' +
      'scheduled)',
    async () => {
      await store.create(cronJob('dup', { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' }));
      const firstMs = Date.parse('2026-10-25T00:30:00Z');
      clock.advanceTo(firstMs + LATENCY_MS);

      const results = await Promise.all([
        dispatcher()(payload('dup', firstMs), context),
        dispatcher()(payload('dup', firstMs), context),
      ]);
      clock.advanceTo(firstMs + 30_000); // a Scheduler retry, later in the minute
      results.push(await dispatcher()(payload('dup', firstMs), context));

      expect(scheduler.mock.commandCalls(CreateScheduleCommand)).toHaveLength(3);
      expect([...scheduler.schedules.keys()]).toEqual([
        `jobctl/dst.default.dup.${Date.parse('2026-10-25T01:30:00Z') / 1000}`,
      ]);
      expect(results.map((r) => r.dstRunAtMs)).toEqual(Array(3).fill(Date.parse('2026-10-25T01:30:00Z')));
      expect(await jobTimes('dup')).toEqual(['2026-10-25T00:30:00Z']);
    },
  );

  const noRepeat = [
    {
      name: 'Europe/Berlin, the night before the change',
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      slot: '2026-10-24T00:30:00Z',
    },
    {
      name: 'Europe/Berlin, the second 02:30 itself',
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      slot: '2026-10-25T01:30:00Z',
    },
    {
      name: 'Europe/Berlin, before the repeated hour',
      schedule: '*/15 * * * *',
      timeZone: 'Europe/Berlin',
      slot: '2026-10-24T23:45:00Z',
    },
    {
      name: 'Europe/Berlin, spring forward',
      schedule: '30 1 * * *',
      timeZone: 'Europe/Berlin',
      slot: '2026-03-29T00:30:00Z',
    },
    {
      name: 'UTC, fall-back night in Europe',
      schedule: '30 2 * * *',
      timeZone: undefined,
      slot: '2026-10-25T02:30:00Z',
    },
    {
      name: 'UTC, every 15 minutes through the European change',
      schedule: '*/15 * * * *',
      timeZone: 'UTC',
      slot: '2026-10-25T00:45:00Z',
    },
    {
      name: 'UTC, hourly through the American change',
      schedule: '0 * * * *',
      timeZone: 'Etc/UTC',
      slot: '2026-11-01T05:00:00Z',
    },
  ] as const;

  it.each(noRepeat)(
    'schedules nothing when the next fire time is not a repeated local time: $name',
    async ({ schedule, timeZone, slot }) => {
      await store.create(
        cronJob('plain', {
          schedule,
          ...(timeZone === undefined ? {} : { timeZone }),
          created: '2026-03-20T00:00:00Z',
        }),
      );
      clock.advanceTo(Date.parse(slot) + LATENCY_MS);

      const result = await dispatcher()(payload('plain', Date.parse(slot)), context);

      expect(await jobTimes('plain')).toEqual([slot]);
      expect(result.dstRunAtMs).toBeUndefined();
      expect(scheduler.mock.commandCalls(CreateScheduleCommand)).toHaveLength(0);
    },
  );

  it(
    'runs */15 in Europe/Berlin 8 times between 00:00Z and 01:45Z: EventBridge the first pass, the chained one-time ' +
      'schedules the second',
    async () => {
      await store.create(cronJob('quarter', { schedule: '*/15 * * * *', timeZone: 'Europe/Berlin' }));
      const fromMs = Date.parse('2026-10-24T23:30:00Z');
      const toMs = Date.parse('2026-10-25T02:30:00Z');
      const firings = eventBridgeFirings('Europe/Berlin', (_hour, minute) => minute % 15 === 0, fromMs, toMs);

      const oneTime = await drive('quarter', firings, fromMs, toMs);

      const inWindow = (t: string) => t >= '2026-10-25T00:00:00Z' && t <= '2026-10-25T01:45:00Z';
      expect(firings.map(iso).filter(inWindow)).toEqual([
        '2026-10-25T00:00:00Z',
        '2026-10-25T00:15:00Z',
        '2026-10-25T00:30:00Z',
        '2026-10-25T00:45:00Z',
      ]);
      expect(oneTime).toBe(4);
      expect((await jobTimes('quarter')).filter(inWindow)).toEqual([
        '2026-10-25T00:00:00Z',
        '2026-10-25T00:15:00Z',
        '2026-10-25T00:30:00Z',
        '2026-10-25T00:45:00Z',
        '2026-10-25T01:00:00Z',
        '2026-10-25T01:15:00Z',
        '2026-10-25T01:30:00Z',
        '2026-10-25T01:45:00Z',
      ]);
      // Every quarter hour from 23:30Z to 02:30Z ran once, and no schedule is left over.
      expect(await jobTimes('quarter')).toHaveLength(13);
      expect(scheduler.schedules.size).toBe(0);
    },
  );

  it('runs 30 1 * * * in America/New_York at both 01:30 of 2026-11-01 (EDT, then EST)', async () => {
    await store.create(cronJob('ny', { schedule: '30 1 * * *', timeZone: 'America/New_York' }));
    const fromMs = Date.parse('2026-10-31T05:00:00Z');
    const toMs = Date.parse('2026-11-02T07:00:00Z');
    const firings = eventBridgeFirings('America/New_York', (hour, minute) => hour === 1 && minute === 30, fromMs, toMs);
    expect(firings.map(iso)).toEqual(['2026-10-31T05:30:00Z', '2026-11-01T05:30:00Z', '2026-11-02T06:30:00Z']);

    const oneTime = await drive('ny', firings, fromMs, toMs);

    expect(oneTime).toBe(1);
    expect(await jobTimes('ny')).toEqual([
      '2026-10-31T05:30:00Z',
      '2026-11-01T05:30:00Z',
      '2026-11-01T06:30:00Z',
      '2026-11-02T06:30:00Z',
    ]);
  });

  it(
    'targets the unqualified function when invoked through an alias (the scheduler role may invoke only ' + 'that)',
    async () => {
      await store.create(cronJob('alias', { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' }));
      clock.advanceTo(Date.parse('2026-10-25T00:30:00Z') + LATENCY_MS);

      await dispatcher()(payload('alias', Date.parse('2026-10-25T00:30:00Z')), {
        invokedFunctionArn: `${DISPATCHER_ARN}:live`,
      });

      expect([...scheduler.schedules.values()].map((s) => s.Target?.Arn)).toEqual([DISPATCHER_ARN]);
    },
  );

  it('fails the invocation when CreateSchedule fails, so Lambda retries the (idempotent) dispatch', async () => {
    await store.create(cronJob('throttled', { schedule: '30 2 * * *', timeZone: 'Europe/Berlin' }));
    clock.advanceTo(Date.parse('2026-10-25T00:30:00Z') + LATENCY_MS);
    scheduler.mock
      .on(CreateScheduleCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(dispatcher()(payload('throttled', Date.parse('2026-10-25T00:30:00Z')), context)).rejects.toThrow(
      /throttled.*2026-10-25T01:30:00Z.*CreateSchedule failed: Rate exceeded/,
    );
    expect(await jobTimes('throttled')).toEqual(['2026-10-25T00:30:00Z']);
  });

  describe('environment', () => {
    it('enables the one-time schedules with JOBCTL_DISPATCH_ROLE_ARN, then requires JOBCTL_SCHEDULE_GROUP', () => {
      const env = {
        JOBCTL_TABLE_NAME: 't',
        JOBCTL_SCHEDULE_GROUP: 'jobctl',
        JOBCTL_DISPATCH_ROLE_ARN: DISPATCH_ROLE_ARN,
      };
      expect(loadDispatcherEnv({ JOBCTL_TABLE_NAME: 't', JOBCTL_SCHEDULE_GROUP: 'jobctl' })).toEqual({
        tableName: 't',
      });
      expect(loadDispatcherEnv({ ...env, JOBCTL_DLQ_ARN: DLQ_ARN, JOBCTL_SCHEDULE_RETRY_ATTEMPTS: '3' })).toEqual({
        tableName: 't',
        dstRuns: {
          scheduleGroup: 'jobctl',
          roleArn: DISPATCH_ROLE_ARN,
          deadLetterQueueArn: DLQ_ARN,
          maximumRetryAttempts: 3,
        },
      });
      expect(() => loadDispatcherEnv({ ...env, JOBCTL_SCHEDULE_GROUP: undefined })).toThrow(/JOBCTL_SCHEDULE_GROUP/);
    });

    it('names one-time schedules within 64 characters, deterministically', () => {
      expect(dstRunScheduleName({ namespace: 'default', name: 'nightly' }, 1_792_891_800)).toBe(
        'dst.default.nightly.1792891800',
      );
      const long = { namespace: `team-${'a'.repeat(58)}`, name: 'b'.repeat(52) };
      const name = dstRunScheduleName(long, 1_792_891_800);
      expect(name).toMatch(/^dst\.team-a+-[0-9a-f]{8}\.1792891800$/);
      expect(name).toHaveLength(64);
      expect(dstRunScheduleName({ ...long, name: 'c'.repeat(52) }, 1_792_891_800)).not.toBe(name);
    });
  });
});
