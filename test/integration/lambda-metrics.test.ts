import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbSlotLedger } from '../../src/adapters/dynamodb/dynamodb-slot-ledger.ts';
import type { DynamoDbStateStore } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { EmfMetricsSink } from '../../src/adapters/cloudwatch/emf-metrics.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { loadDispatcherEnv, loadJobControllerEnv } from '../../src/runtime/lambda/env.ts';
import type { DynamoDbStreamRecord } from '../../src/runtime/lambda/stream-changes.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { CronJob } from '../../src/spec/types.ts';
import { emfProblems } from '../support/aws-rules/emf.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import {
  FakeEcs,
  FakeScheduler,
  JOB_CONTROLLER_ARN,
  REGION,
  StreamSimulator,
  freshTable,
  lambdaEnv,
  logSink,
  taskEvent,
} from '../support/lambda-harness.ts';

// The Lambdas' metrics (issue 14): one CloudWatch embedded-metric-format line per event on stdout — a slot recorded,
// a CronJob's Job created (skew), a Job finished (run time) — each a valid EMF document (test/support/aws-rules/emf.ts,
// from the specification). EMF needs no API call: the world's IAM check (aws-world.test.ts) sees no new request.

type DispatcherModule = typeof import('../../functions/dispatcher.ts');
type JobControllerModule = typeof import('../../functions/job-controller.ts');

const T0 = Date.parse('2026-03-02T10:00:00Z');
const context = { invokedFunctionArn: JOB_CONTROLLER_ARN, getRemainingTimeInMillis: () => 900_000 };
const quiet = () => {};
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

function cronJob(name: string): CronJob {
  return loadManifests(
    `apiVersion: batch/v1
kind: CronJob
metadata: { name: ${name} }
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: main, image: busybox, command: ["true"] }]
          restartPolicy: Never
`,
    `${name}.yaml`,
  ).objects[0] as CronJob;
}

const payload = (name: string, scheduledMs: number) => ({
  cronJob: { namespace: 'default', name },
  scheduledTime: new Date(scheduledMs).toISOString().replace('.000Z', 'Z'),
});

describe('Lambda metrics: CloudWatch EMF lines', () => {
  let db: TestDynalite;
  let dispatcherModule: DispatcherModule;
  let jobControllerModule: JobControllerModule;
  let tables = 0;
  let tableName: string;
  let clock: ManualClock;
  let store: DynamoDbStateStore;
  let stream: StreamSimulator;
  let ecs: FakeEcs;
  let scheduler: FakeScheduler;
  let lines: string[];

  beforeAll(async () => {
    db = await startTestDynalite();
    Object.assign(process.env, lambdaEnv('unused'));
    dispatcherModule = await import('../../functions/dispatcher.ts');
    jobControllerModule = await import('../../functions/job-controller.ts');
  });
  afterAll(() => db.stop());
  beforeEach(async () => {
    clock = new ManualClock(T0);
    tableName = `metrics-${++tables}`;
    store = await freshTable(db, tableName, clock);
    stream = new StreamSimulator(db, tableName);
    ecs = new FakeEcs();
    scheduler = new FakeScheduler();
    lines = [];
  });
  afterEach(() => {
    ecs.restore();
    scheduler.restore();
    vi.restoreAllMocks();
  });

  const slots = () => new DynamoDbSlotLedger({ client: db.client, tableName, now: () => clock.now() });
  const metrics = () => new EmfMetricsSink({ write: (line) => lines.push(line) });
  const dispatcher = () =>
    dispatcherModule.createHandler({ store, clock, slots: slots(), metrics: metrics(), log: quiet });
  const jobController = () =>
    jobControllerModule.createHandler({
      store,
      launcher: ecs.launcher(store),
      logs: logSink(),
      clock,
      requeue: scheduler.requeue(),
      sleep: async (ms) => clock.advance(ms),
      maxInlineWaitMs: 0,
      slots: slots(),
      metrics: metrics(),
      log: quiet,
    });

  async function drainStream(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      const records: DynamoDbStreamRecord[] = await stream.records();
      if (records.length === 0) return;
      expect(await jobController()({ Records: records }, context)).toEqual({ batchItemFailures: [] });
    }
    throw new Error('stream did not drain');
  }

  /** The metric members of each line, without `_aws`: what a reader of the log sees. */
  const members = () =>
    lines.map((line) => {
      const { _aws, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return rest;
    });

  it(
    'writes skew and slot outcomes when the dispatcher creates a Job, the run time when the Job finishes, each ' +
      'line valid EMF',
    async () => {
      await store.create(cronJob('hello'));
      const job = (slotMs: number) => `hello-${slotMs / 60_000}`;
      // 10:01:02: the 10:01 Job is created 2 s after its slot.
      clock.advanceTo(T0 + 62_000);
      await dispatcher()(payload('hello', T0 + 60_000));
      expect(members()).toEqual([
        { Namespace: 'default', CronJob: 'hello', Job: job(T0 + 60_000), ScheduleSkew: 2 },
        { Namespace: 'default', CronJob: 'hello', Outcome: 'Created', Slots: 1 },
      ]);

      // The job controller starts the task (stream), the task runs 5 s and exits 0, the Job completes.
      await drainStream();
      const [task] = [...ecs.tasksByToken.values()];
      const startedAtMs = clock.now();
      const controller = jobController();
      await controller(
        taskEvent({ taskArn: task!.taskArn, group: task!.group, version: 4, status: 'RUNNING', atMs: startedAtMs }),
        context,
      );
      clock.advance(5_000);
      await controller(
        taskEvent({
          taskArn: task!.taskArn,
          group: task!.group,
          version: 6,
          status: 'STOPPED',
          atMs: clock.now(),
          startedAtMs,
          exitCode: 0,
        }),
        context,
      );
      await drainStream();
      expect(members().slice(2)).toEqual([
        {
          Namespace: 'default',
          CronJob: 'hello',
          Job: job(T0 + 60_000),
          Condition: 'Complete',
          RunDuration: 5,
          JobsSucceeded: 1,
          JobsFailed: 0,
        },
      ]);

      // The 10:02 firing is lost; at 10:03:01 the dispatcher records it NotDispatched and creates 10:03's Job.
      clock.advanceTo(T0 + 181_000);
      await dispatcher()(payload('hello', T0 + 180_000));
      expect(members().slice(3)).toEqual([
        { Namespace: 'default', CronJob: 'hello', Job: job(T0 + 180_000), ScheduleSkew: 1 },
        { Namespace: 'default', CronJob: 'hello', Outcome: 'NotDispatched', Slots: 1 },
        { Namespace: 'default', CronJob: 'hello', Outcome: 'Created', Slots: 1 },
      ]);

      for (const line of lines) expect(emfProblems(line, clock.now()), line).toEqual([]);
      expect(JSON.parse(lines[0]!)._aws).toEqual({
        Timestamp: T0 + 62_000,
        CloudWatchMetrics: [
          {
            Namespace: 'jobctl',
            Dimensions: [['Namespace', 'CronJob'], []],
            Metrics: [{ Name: 'ScheduleSkew', Unit: 'Seconds' }],
          },
        ],
      });
    },
  );

  it('reports nothing for a duplicate delivery of a slot already created', async () => {
    await store.create(cronJob('dup'));
    clock.advanceTo(T0 + 60_500);
    await dispatcher()(payload('dup', T0 + 60_000));
    const first = lines.length;
    await dispatcher()(payload('dup', T0 + 60_000));
    expect(lines.length).toBe(first);
  });

  it('is wired in the production entry points: their deps write EMF with console.log, as the Lambdas log', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const env = lambdaEnv('t');
    const common = { region: REGION, credentials, endpoint: db.endpoint };
    const dispatcherDeps = dispatcherModule.dispatcherDeps(loadDispatcherEnv(env), {
      clients: dispatcherModule.dispatcherClients({ dynamodb: common, scheduler: common }),
      clock,
    });
    const jobControllerDeps = jobControllerModule.jobControllerDeps(loadJobControllerEnv(env), {
      clients: jobControllerModule.jobControllerClients({
        dynamodb: common,
        ecs: common,
        scheduler: common,
        sqs: common,
      }),
      clock,
      sleep: async () => {},
    });
    for (const deps of [dispatcherDeps, jobControllerDeps]) {
      expect(deps.metrics).toBeInstanceOf(EmfMetricsSink);
      deps.metrics!.record({ type: 'jobFinished', namespace: 'default', job: 'pi', condition: 'Failed', atMs: T0 });
    }
    expect(log).toHaveBeenCalledTimes(2);
    for (const [line] of log.mock.calls) expect(emfProblems(String(line), T0)).toEqual([]);
  });
});
