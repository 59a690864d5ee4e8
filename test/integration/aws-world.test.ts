import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskArnAnnotation, taskGroupFor } from '../../src/adapters/ecs/ecs-task-launcher.ts';
import { ORPHAN_STOP_REASON } from '../../src/runtime/lambda/task-reconciler.ts';
import { SqsWorkQueue } from '../../src/adapters/sqs/sqs-work-queue.ts';
import { runCli } from '../../src/cli/program.ts';
import { toRfc3339 } from '../../src/engine/object-meta.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { CronJob, Job } from '../../src/spec/types.ts';
import { validateRequests } from '../support/aws-rules/api-models.ts';
import { checkRequests, type JustifiedGrant } from '../support/aws-rules/iam.ts';
import { AwsWorld } from '../support/aws-world/world.ts';
import { captureIo } from '../support/capture-io.ts';

const T0 = Date.parse('2026-10-25T00:00:00Z');
const MINUTE = 60_000;
/** The stack's default config file (cdk.json) and what exercises the rest of its grants. */
const MANIFESTS = 'examples/hello,examples/cronjobs,examples/jobs,test/fixtures/world';

/** Grants no handler request uses because a service uses them for the function (each says which, and why). */
function justifiedGrants(world: AwsWorld): JustifiedGrant[] {
  const { dispatcher, jobController, manifests } = world.deployed.functionsByEntryHint;
  const out: JustifiedGrant[] = [];
  for (const fn of [dispatcher, jobController, manifests]) {
    const role = world.deployed.functionRole(fn);
    out.push(
      {
        role,
        action: 'logs:CreateLogStream',
        why: "the Lambda runtime creates the function's log streams in its log group",
      },
      { role, action: 'logs:PutLogEvents', why: "the Lambda runtime writes the function's logs" },
    );
  }
  for (const fn of [dispatcher, jobController]) {
    out.push({
      role: world.deployed.functionRole(fn),
      action: 'sqs:SendMessage',
      resource: world.deployed.resolve({ 'Fn::GetAtt': [deadLetterQueueId(world), 'Arn'] }) as string,
      why:
        "Lambda sends an asynchronous invocation that failed three times (and the job controller's failed stream " +
        "batches) to the dead-letter queue with the function's role",
    });
  }
  const jc = world.deployed.functionRole(jobController);
  for (const action of [
    'dynamodb:DescribeStream',
    'dynamodb:GetRecords',
    'dynamodb:GetShardIterator',
    'dynamodb:ListStreams',
  ]) {
    out.push({
      role: jc,
      action,
      why:
        "the stream event source mapping reads the table's stream with the function's role (aws-cdk-lib's " +
        'DynamoEventSource grant; ListStreams on a stream ARN is never used, since the mapping names its stream)',
    });
  }
  return out;
}

function deadLetterQueueId(world: AwsWorld): string {
  return world.deployed.logicalIdsOfType('AWS::SQS::Queue').find((id) => /DeadLetterQueue/.test(id))!;
}

/** A Job running `command` (a JSON list) on busybox, never restarted, with `spec` fields and `annotations`. */
function aJob(
  name: string,
  command: string,
  extra: { spec?: Record<string, number>; annotations?: Record<string, string> } = {},
): Job {
  const spec = Object.entries(extra.spec ?? {})
    .map(([k, v]) => `  ${k}: ${v}\n`)
    .join('');
  return manifest<Job>(`apiVersion: batch/v1
kind: Job
metadata: { name: ${name}, annotations: ${JSON.stringify(extra.annotations ?? {})} }
spec:
${spec}  template:
    spec:
      containers: [{ name: main, image: busybox, command: ${command} }]
      restartPolicy: Never
`);
}

function manifest<T>(yaml: string): T {
  return loadManifests(yaml, 'cli.yaml').objects[0] as T;
}

describe.sequential(
  'a deployed stack, through its Lambda entry points, with the environment and roles of its ' + 'template',
  () => {
    let world: AwsWorld;
    /** The user's side (`jobctl --context aws`): the same table and queues, with credentials no handler has. */
    let user: { queues: SqsWorkQueue };

    beforeAll(async () => {
      world = await AwsWorld.start({ manifests: MANIFESTS, startMs: T0 });
      const sqs = new SQSClient({
        endpoint: world.sqsEndpoint,
        region: world.deployed.region,
        credentials: { accessKeyId: 'user', secretAccessKey: 'user' },
      });
      user = {
        queues: new SqsWorkQueue({
          sqs,
          dynamodb: world.db.client,
          tableName: world.tableName,
          now: () => world.clock.now(),
        }),
      };
    });
    afterAll(() => world?.stop());

    const pods = (job: string) => world.store.listPods({ namespace: 'default', name: job });
    /**
     * `jobctl --context aws …` against this stack, with the user's clients (their requests are checked against the API
     * models too).
     */
    async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      const out = captureIo(() => world.clock.now());
      const code = await runCli(argv, {
        io: out.io,
        env: { JOBCTL_CONTEXT: 'aws' },
        connectAws: async () => world.userConnection(),
      });
      return { code, stdout: out.stdout(), stderr: out.stderr() };
    }
    const job = (name: string) => world.store.get('Job', { namespace: 'default', name });
    /** Every task still running exits with `code`. */
    const exitRunning = (code: number, only?: (podName: string) => boolean) => {
      for (const task of world.ecs.allTasks()) {
        const pod = task.group?.split(':')[3] ?? '';
        if (task.lastStatus !== 'STOPPED' && task.desiredStatus !== 'STOPPED' && (only === undefined || only(pod)))
          world.ecs.exit(task.taskArn!, code);
      }
    };

    it('deploys the config file and runs its Indexed Job to completion', async () => {
      expect((await world.deploy()).Data).toMatchObject({ Created: 6 }); // 3 CronJobs, 1 Job, the queue and the quota
      await world.settle();
      for (let round = 0; round < 5 && !(await job('indexed-demo'))?.status.conditions?.length; round++) {
        exitRunning(0);
        world.clock.advance(5_000);
        await world.settle();
      }
      expect((await job('indexed-demo'))?.status).toMatchObject({
        succeeded: 5,
        conditions: expect.arrayContaining([expect.objectContaining({ type: 'Complete' })]),
      });
      // The seed's `image: busybox` runs from its ECR Public mirror, and its task definition is X86_64 by default.
      const [definition] = world.ecs.taskDefinitions.values();
      expect(definition?.containerDefinitions?.[0]?.image).toBe('public.ecr.aws/docker/library/busybox');
      expect(definition?.runtimePlatform?.cpuArchitecture).toBe('X86_64');
      expect(world.ecs.taskDefinitions.size).toBe(1);
    });

    it("runs the seed's hello CronJob from its schedule, and keeps three successful Jobs", async () => {
      for (let minute = 1; minute <= 5; minute++) {
        world.clock.advanceTo(T0 + minute * MINUTE);
        await world.fireStackSchedule('hello', T0 + minute * MINUTE);
        await world.settle();
        exitRunning(0, (pod) => pod.startsWith('hello-'));
        world.clock.advance(10_000);
        await world.settle();
      }
      const hello = await world.store.get('CronJob', { namespace: 'default', name: 'hello' });
      expect(hello?.status.lastSuccessfulTime).toBe(toRfc3339(T0 + 5 * MINUTE + 10_000));
      const jobs = (await world.store.list('Job', 'default')).filter((j) => j.metadata.name.startsWith('hello-'));
      expect(jobs).toHaveLength(3);
    });

    it("schedules the second 02:30 of the night Berlin's clocks go back, and runs it", async () => {
      // 02:30 CEST is 00:30 UTC; clocks go back at 03:00 CEST, so 02:30 CET (01:30 UTC) comes again.
      const first = Date.parse('2026-10-25T00:30:00Z');
      world.clock.advanceTo(first);
      await world.fireStackSchedule('nightly-report', first);
      await world.settle();
      exitRunning(0, (pod) => pod.startsWith('nightly-report-'));
      await world.settle();
      expect([...world.scheduler.schedules.keys()].some((id) => /\/dst\.default\.nightly-report\./.test(id))).toBe(
        true,
      );
      world.clock.advanceTo(Date.parse('2026-10-25T01:30:00Z'));
      expect(await world.fireDueSchedules()).toBeGreaterThanOrEqual(1);
      await world.settle();
      const runs = (await world.store.list('Job', 'default')).filter((j) =>
        j.metadata.name.startsWith('nightly-report-'),
      );
      expect(runs.map((j) => j.metadata.name).sort()).toEqual([
        `nightly-report-${first / MINUTE}`,
        `nightly-report-${(first + 60 * MINUTE) / MINUTE}`,
      ]);
      exitRunning(0, (pod) => pod.startsWith('nightly-report-'));
      await world.settle();
    });

    it('replaces a running Job of a Replace CronJob: its task is stopped', async () => {
      const at = (n: number) => Date.parse('2026-10-25T01:35:00Z') + n * 5 * MINUTE;
      world.clock.advanceTo(at(0));
      await world.fireStackSchedule('replacer', at(0));
      await world.settle();
      const [firstTask] = world.ecs.allTasks().filter((t) => t.group?.includes(':replacer-'));
      world.ecs.start(firstTask!.taskArn!);
      await world.settle();
      world.clock.advanceTo(at(1));
      await world.fireStackSchedule('replacer', at(1));
      await world.settle();
      world.ecs.settleStops();
      await world.settle();
      expect(world.ecs.allTasks().find((t) => t.taskArn === firstTask!.taskArn)).toMatchObject({
        lastStatus: 'STOPPED',
        stopCode: 'UserInitiated',
      });
      const running = world.ecs.allTasks().filter((t) => t.group?.includes(':replacer-') && t.lastStatus !== 'STOPPED');
      expect(running).toHaveLength(1);
      exitRunning(0, (pod) => pod.startsWith('replacer-'));
      await world.settle();
    });

    it(
      'gives a CronJob created with jobctl its schedule, updates it on suspend and deletes it with the ' + 'CronJob',
      async () => {
        const cronJob = manifest<CronJob>(`apiVersion: batch/v1
kind: CronJob
metadata: { name: cli-report }
spec:
  schedule: "15 3 * * *"
  timeZone: America/New_York
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: main, image: busybox, command: ["date"] }]
          restartPolicy: Never
`);
        await world.store.create(cronJob);
        await world.settle();
        const id = [...world.scheduler.schedules.keys()].find((k) => k.endsWith('/cli.default.cli-report'));
        expect(world.scheduler.schedules.get(id!)).toMatchObject({
          ScheduleExpression: 'cron(15 3 * * ? *)',
          ScheduleExpressionTimezone: 'America/New_York',
          State: 'ENABLED',
        });
        const stored = (await world.store.get('CronJob', { namespace: 'default', name: 'cli-report' }))!;
        await world.store.update({ ...stored, spec: { ...stored.spec, suspend: true } });
        await world.settle();
        expect(world.scheduler.schedules.get(id!)?.State).toBe('DISABLED');
        await world.store.delete('CronJob', { namespace: 'default', name: 'cli-report' });
        await world.settle();
        expect(world.scheduler.schedules.has(id!)).toBe(false);
      },
    );

    it(
      'retries a failing Job after its back-off through a one-time requeue schedule, then fails it at ' +
        'backoffLimit',
      async () => {
        await world.store.create(aJob('flaky', '["sh", "-c", "exit 3"]', { spec: { backoffLimit: 1 } }));
        await world.settle();
        for (let i = 0; i < 4 && !(await job('flaky'))?.status.conditions?.some((c) => c.type === 'Failed'); i++) {
          exitRunning(3, (pod) => pod.startsWith('flaky-'));
          await world.settle();
          const due = world.scheduler.nextDueMs();
          if (due !== undefined) world.clock.advanceTo(due);
          await world.settle();
        }
        expect((await job('flaky'))?.status.conditions).toEqual(
          expect.arrayContaining([expect.objectContaining({ type: 'Failed', reason: 'BackoffLimitExceeded' })]),
        );
        expect(
          world.requests.some((r) => r.operation === 'CreateSchedule' && String(r.input['Name']).startsWith('rq-')),
        ).toBe(true);
      },
    );

    it("leases work-queue items for a bound Job's pods and completes or releases them by their exit", async () => {
      await user.queues.push('fruits', ['apple', 'banana']);
      await world.store.create(
        aJob('fruit-eater', '["sh", "-c", "echo $JOB_ITEM"]', {
          spec: { parallelism: 2, backoffLimit: 4 },
          annotations: { 'jobctl.dev/work-queue': 'fruits' },
        }),
      );
      await world.settle();
      // One fails (its item goes back), then everything succeeds.
      const [first] = world.ecs
        .allTasks()
        .filter((t) => t.group?.includes(':fruit-eater-') && t.lastStatus !== 'STOPPED');
      world.ecs.exit(first!.taskArn!, 1);
      await world.settle();
      for (let i = 0; i < 6 && !(await job('fruit-eater'))?.status.conditions?.length; i++) {
        world.clock.advance(30_000);
        await world.settle();
        exitRunning(0, (pod) => pod.startsWith('fruit-eater-'));
        await world.settle();
      }
      expect((await job('fruit-eater'))?.status).toMatchObject({
        succeeded: 2,
        conditions: expect.arrayContaining([expect.objectContaining({ type: 'Complete' })]),
      });
      expect(await user.queues.stats('fruits')).toMatchObject({ pending: 0, leased: 0, done: 2 });
    });

    it('moves an item whose pods failed maxReceiveCount times to the dead letters', async () => {
      await user.queues.push('fruits', ['rotten']);
      await world.store.create(
        aJob('rotten-eater', '["sh", "-c", "exit 1"]', {
          spec: { completions: 1, backoffLimit: 5 },
          annotations: { 'jobctl.dev/work-queue': 'fruits' },
        }),
      );
      await world.settle();
      for (let i = 0; i < 8 && (await user.queues.stats('fruits')).dead === 0; i++) {
        exitRunning(1, (pod) => pod.startsWith('rotten-eater-'));
        await world.settle();
        const due = world.scheduler.nextDueMs();
        world.clock.advanceTo(Math.max(due ?? 0, world.clock.now() + 30_000));
        await world.settle();
      }
      expect(await user.queues.stats('fruits')).toMatchObject({ pending: 0, leased: 0, dead: 1 });
      const stored = (await job('rotten-eater'))!;
      await world.store.update({
        ...stored,
        metadata: { ...stored.metadata, deletionTimestamp: toRfc3339(world.clock.now()) },
      });
      world.ecs.settleStops();
      await world.settle();
    });

    it(
      "reconciles a pod whose STOPPED event was lost with ECS in the next resync: the pod ends with the task's real " +
        'exit code',
      async () => {
        await world.store.create(aJob('lost-event', '["sh", "-c", "exit 42"]', { spec: { backoffLimit: 0 } }));
        await world.settle();
        const [task] = world.ecs.allTasks().filter((t) => t.group?.includes(':lost-event-'));
        world.ecs.start(task!.taskArn!);
        await world.settle();
        world.ecs.exit(task!.taskArn!, 42);
        // The job controller failed three times on the STOPPED event (e.g. DynamoDB throttled past every retry): lost.
        expect(
          await world.deliverTaskEvents((e) => (e['detail'] as { lastStatus: string }).lastStatus === 'STOPPED'),
        ).toBe(1);
        await world.settle();
        expect((await pods('lost-event'))[0]?.status.phase).toBe('Running');

        world.clock.advance(10 * MINUTE);
        await world.resync();
        await world.settle();

        const [pod] = await pods('lost-event');
        expect(pod?.status.phase).toBe('Failed');
        expect(pod?.status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode: 42, reason: 'Error' });
        expect((await job('lost-event'))?.status.conditions).toEqual(
          expect.arrayContaining([expect.objectContaining({ type: 'Failed', reason: 'BackoffLimitExceeded' })]),
        );
        expect(world.logs).toContainEqual(
          expect.objectContaining({ msg: 'tasks reconciled with ECS', exitsRecorded: 1 }),
        );
      },
    );

    it(
      'keeps a task event the job controller failed on three times, and `jobctl failures` shows it and ' +
        'redrives it',
      async () => {
        await world.store.create(aJob('unlucky', '["true"]'));
        await world.settle();
        const [task] = world.ecs.allTasks().filter((t) => t.group?.includes(':unlucky-'));
        world.ecs.exit(task!.taskArn!, 0);
        const [running, stopped] = world.ecs.takeEvents();
        await world.invoke(world.functionArns.jobController, running);
        // DynamoDB throttles the job controller past all of the SDK's retries, on each of Lambda's three attempts.
        world.failRequests(world.deployed.functionsByEntryHint.jobController, 'dynamodb', 3, () =>
          Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
        );
        expect(await world.invokeAsync(world.functionArns.jobController, stopped)).toEqual({
          attempts: 3,
          failed: 'Rate exceeded',
        });
        await world.settle();
        expect((await pods('unlucky'))[0]?.status.phase).toBe('Running');

        const listed = await cli('failures');
        if (process.env['PRINT_CLI']) console.log(listed.stdout + (await cli('failures', '-o', 'yaml')).stdout);
        expect(listed.code).toBe(0);
        const [header, row, ...rest] = listed.stdout.trimEnd().split('\n');
        expect(header).toMatch(/^ID\s+SOURCE\s+AGE\s+ATTEMPTS\s+FUNCTION\s+WHAT\s+ERROR\s+REDRIVE$/);
        expect(rest).toEqual([]);
        const jobControllerName = world.deployed.physicalId(world.deployed.functionsByEntryHint.jobController);
        expect(row).toMatch(
          new RegExp(
            `^\\S+\\s+invocation\\s+\\S+\\s+3\\s+${jobControllerName}\\s+ECS task STOPPED event of pod ` +
              `default/unlucky-\\S+ \\(task \\w+\\)\\s+Rate exceeded\\s+invoke$`,
          ),
        );
        const id = row!.split(/\s+/)[0]!;
        // Listing consumes nothing: the message is still there (the alarm still sees it).
        expect((await cli('failures', '-o', 'json')).stdout).toContain(id);

        expect(await cli('failures', 'redrive', id)).toMatchObject({
          code: 0,
          stdout: expect.stringMatching(
            new RegExp(
              `^failure/${id} redriven: ECS task STOPPED event of pod default/unlucky-.* sent again to ` +
                `${jobControllerName}\\n$`,
            ),
          ),
        });
        await world.settle();
        expect((await pods('unlucky'))[0]?.status.phase).toBe('Succeeded');
        expect((await job('unlucky'))?.status.succeeded).toBe(1);
        expect(await cli('failures')).toMatchObject({
          code: 0,
          stdout: '',
          stderr: "No failures: nothing is in the stack's dead-letter queue.\n",
        });
        expect(await cli('failures', 'redrive', id)).toMatchObject({
          code: 1,
          stderr: `Error from server (NotFound): failure "${id}" not found\n`,
        });
      },
    );

    it('stops, in the resync, a task this stack started that no pod owns', async () => {
      // A launch whose answer was lost, for a pod whose Job was deleted meanwhile.
      const family = [...world.ecs.taskDefinitions.keys()][0]!;
      const orphan = world.ecs.launchUnrecorded(
        taskGroupFor({ namespace: 'default', jobName: 'gone', podName: 'gone-x7k2q', attempt: 0 }),
        family,
      );
      world.ecs.start(orphan);
      world.ecs.takeEvents();
      world.clock.advance(10 * MINUTE);

      await world.resync();
      world.ecs.settleStops();
      await world.settle();

      expect(world.ecs.allTasks().find((t) => t.taskArn === orphan)).toMatchObject({
        lastStatus: 'STOPPED',
        stoppedReason: ORPHAN_STOP_REASON,
      });
      expect(world.logs).toContainEqual(
        expect.objectContaining({ msg: 'tasks reconciled with ECS', orphansStopped: 1 }),
      );
    });

    it('deletes a running Job: its task is stopped and the Job removed', async () => {
      await world.store.create(aJob('doomed', '["sleep", "3600"]'));
      await world.settle();
      const [pod] = await pods('doomed');
      world.ecs.start(pod!.metadata.annotations![taskArnAnnotation]!);
      await world.settle();
      const stored = (await job('doomed'))!;
      await world.store.update({
        ...stored,
        metadata: { ...stored.metadata, deletionTimestamp: toRfc3339(world.clock.now()) },
      });
      await world.settle();
      world.ecs.settleStops();
      await world.settle();
      expect(await job('doomed')).toBeUndefined();
      expect(world.ecs.tasksOfPod(pod!.metadata.name)[0]).toMatchObject({
        lastStatus: 'STOPPED',
        stopCode: 'UserInitiated',
      });
    });

    it(
      'explains slots through `jobctl --context aws explain`: a dispatch that never came, a suspension, and a ' +
        'Forbid run overlapping the next slot',
      async () => {
        const fire = async (name: string, atMs: number, exit = true) => {
          world.clock.advanceTo(atMs);
          await world.fireStackSchedule(name, atMs);
          await world.settle();
          if (exit) exitRunning(0, (pod) => pod.startsWith(`${name}-`));
          await world.settle();
        };
        const explain = async (name: string, atMs: number) =>
          (await cli('explain', `cronjob/${name}`, '--at', new Date(atMs).toISOString())).stdout;
        const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
        const m0 = (Math.floor(world.clock.now() / MINUTE) + 2) * MINUTE;
        await fire('hello', m0);
        // m0 + 1 min: Scheduler's invocation never arrives (it gave up after its retries): nothing dispatches.
        await fire('hello', m0 + 2 * MINUTE);
        const hello = { namespace: 'default', name: 'hello' };
        const stored = (await world.store.get('CronJob', hello))!;
        await world.store.update({ ...stored, spec: { ...stored.spec, suspend: true } });
        await world.settle();
        await fire('hello', m0 + 3 * MINUTE);
        await fire('hello', m0 + 4 * MINUTE);
        world.clock.advanceTo(m0 + 4 * MINUTE + 30_000);
        const suspended = (await world.store.get('CronJob', hello))!;
        await world.store.update({ ...suspended, spec: { ...suspended.spec, suspend: false } });
        await world.settle();

        expect(await explain('hello', m0 + MINUTE)).toBe(
          `No Job for ${iso(m0 + MINUTE)}: nothing ran the CronJob controller between that time and the next slot ` +
            '(jobctl up was not running, or the schedule did not fire), and Kubernetes starts only the latest ' +
            'missed time.\n',
        );
        expect(await explain('hello', m0 + 3 * MINUTE)).toBe(
          `No Job for ${iso(m0 + 3 * MINUTE)}: the CronJob was suspended (spec.suspend: true) at that time.\n`,
        );
        // Resumed: Kubernetes starts the latest missed slot at once, here 30 s late.
        expect(await explain('hello', m0 + 4 * MINUTE)).toMatch(
          new RegExp(`^${iso(m0 + 4 * MINUTE)}: Job hello-${m0 / MINUTE + 4} was created 30s late; `),
        );

        // Forbid: one run of an every-5-minutes CronJob made with jobctl still runs at the next two slots.
        await world.store.create(
          manifest<CronJob>(`apiVersion: batch/v1
kind: CronJob
metadata: { name: overlapper }
spec:
  schedule: "*/5 * * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: main, image: busybox, command: ["sleep", "600"] }]
          restartPolicy: Never
`),
        );
        await world.settle();
        const first = (Math.floor(world.clock.now() / (5 * MINUTE)) + 1) * 5 * MINUTE;
        await fire('overlapper', first, false);
        await fire('overlapper', first + 5 * MINUTE, false);
        await fire('overlapper', first + 10 * MINUTE, false);
        expect(await explain('overlapper', first + 5 * MINUTE)).toBe(
          `No Job for ${iso(first + 5 * MINUTE)}: concurrencyPolicy is Forbid and Job overlapper-${first / MINUTE} ` +
            'was still running when the next slot came.\n',
        );
        exitRunning(0, (pod) => pod.startsWith('overlapper-'));
        await world.store.delete('CronJob', { namespace: 'default', name: 'overlapper' });
        await world.settle();
      },
    );

    it('puts one Failing event on EventBridge however many runs fail, and Recovered after a success', async () => {
      const yaml = (command: string) =>
        manifest<CronJob>(`apiVersion: batch/v1
kind: CronJob
metadata: { name: flaky-cron }
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      backoffLimit: 0
      template:
        spec:
          containers: [{ name: main, image: busybox, command: ["sh", "-c", "${command}"] }]
          restartPolicy: Never
`);
      await world.store.create(yaml('exit 1'));
      await world.settle();
      const key = { namespace: 'default', name: 'flaky-cron' };
      const runAt = async (atMs: number, code: number) => {
        world.clock.advanceTo(atMs);
        await world.fireStackSchedule('flaky-cron', atMs);
        await world.settle();
        exitRunning(code, (pod) => pod.startsWith('flaky-cron-'));
        await world.settle();
      };
      const m0 = (Math.floor(world.clock.now() / MINUTE) + 1) * MINUTE;
      await runAt(m0, 1);
      await runAt(m0 + MINUTE, 1);
      const fixed = (await world.store.get('CronJob', key))!;
      await world.store.update({ ...fixed, spec: { ...fixed.spec, jobTemplate: yaml('true').spec.jobTemplate } });
      await world.settle();
      await runAt(m0 + 2 * MINUTE, 0);
      const health = world.publishedEvents.filter(
        (e) => e['Source'] === 'jobctl' && String(e['Detail']).includes('"name":"flaky-cron"'),
      );
      expect(health.map((e) => e['DetailType'])).toEqual([
        'jobctl CronJob health changed',
        'jobctl CronJob health changed',
      ]);
      const details = health.map((e) => JSON.parse(String(e['Detail'])) as Record<string, unknown>);
      expect(details).toMatchObject([
        {
          transition: 'Failing',
          cronJob: key,
          table: world.tableName,
          reason: `the last run failed: flaky-cron-${m0 / MINUTE}`,
        },
        {
          transition: 'Recovered',
          previous: 'Failing',
          text: 'cronjob default/flaky-cron Recovered (was Failing): runs as scheduled',
        },
      ]);
      await world.store.delete('CronJob', key);
      await world.settle();
    });

    it(
      'deploys a config file without the Replace CronJob (it goes with its Jobs), then deletes the stack (its ' +
        'objects ' +
        'go, their tasks stopped)',
      async () => {
        const before = world.manifestsProperties();
        const after = {
          ...before,
          Manifests: JSON.stringify(
            (JSON.parse(before.Manifests) as Array<{ metadata: { name: string } }>).filter(
              (o) => o.metadata.name !== 'replacer',
            ),
          ),
        };
        expect(
          (
            await world.deploy({
              RequestType: 'Update',
              PhysicalResourceId: 'jobctl-manifests-Test',
              ResourceProperties: after,
              OldResourceProperties: before,
            })
          ).Data,
        ).toMatchObject({ Deleted: 1 });
        await world.settle();
        expect(await world.store.get('CronJob', { namespace: 'default', name: 'replacer' })).toBeUndefined();

        // A stack Job still running when the stack goes.
        world.clock.advanceTo(world.clock.now() + MINUTE);
        await world.fireStackSchedule('hello', Math.floor(world.clock.now() / MINUTE) * MINUTE);
        await world.settle();
        const running = world.ecs
          .allTasks()
          .filter((t) => t.group?.includes(':hello-') && t.lastStatus !== 'STOPPED' && t.desiredStatus !== 'STOPPED');
        for (const t of running) world.ecs.start(t.taskArn!);
        await world.settle();
        expect(running.length).toBeGreaterThan(0);

        const deleted = await world.deploy({
          RequestType: 'Delete',
          PhysicalResourceId: 'jobctl-manifests-Test',
          ResourceProperties: after,
        });
        expect(deleted.Data.Deleted).toBeGreaterThanOrEqual(4);
        expect((await world.store.list('CronJob', 'default')).map((c) => c.metadata.name)).toEqual([]);
        // Asked to stop before the stack went on (the cluster refuses to go while tasks run).
        for (const t of running)
          expect(world.ecs.allTasks().find((x) => x.taskArn === t.taskArn)).toMatchObject({
            desiredStatus: 'STOPPED',
            stopCode: 'UserInitiated',
          });
      },
    );

    it(
      'IAM: every request each role made is allowed by its policies in the template, and no grant goes ' + 'unused',
      async () => {
        // Judged only after the scenarios above ran (alone, this test has nothing to judge: it says so rather than
        // pass).
        const { dispatcher, jobController, manifests } = world.deployed.functionsByEntryHint;
        expect(new Set(world.requests.map((r) => r.role))).toEqual(
          new Set([dispatcher, jobController, manifests].map((fn) => world.deployed.functionRole(fn))),
        );
        const report = await checkRequests(world.deployed, world.requests, { justified: justifiedGrants(world) });
        console.log(
          `IAM: ${report.allowed} of ${report.authorizations} authorizations allowed, from ${report.recorded} ` +
            `recorded ` +
            `requests in ${new Set(world.requests.map((r) => r.role)).size} roles`,
        );
        if (process.env['PRINT_USED']) {
          const used = new Map<string, Set<string>>();
          for (const r of report.results)
            used.set(
              r.request.role,
              (used.get(r.request.role) ?? new Set()).add(
                `${r.authorization.action} ${r.authorization.resource.replace(/[0-9a-f]{32}/, 'ID')}`,
              ),
            );
          for (const [role, set] of used) console.log(role, [...set].sort().join('\n  '));
        }
        expect(report.denied.map((d) => `${d.authorization.action} ${d.authorization.resource}: ${d.why}`)).toEqual([]);
        expect(report.unusedGrants.map((g) => `${g.role} ${g.action} ${g.resource}`)).toEqual([]);
      },
    );

    it("API models: every request is valid against AWS's published models and the rules of the API reference", () => {
      expect(world.requests.length).toBeGreaterThan(0);
      // The handlers' requests and the CLI's (`jobctl failures`, with the user's credentials).
      const { checked, violations } = validateRequests([...world.requests, ...world.userRequests]);
      console.log(`API models: ${checked} requests checked, ${violations.length} violations`);
      expect(violations).toEqual([]);
      expect(checked).toBe(world.requests.length + world.userRequests.length);
    });
  },
);
