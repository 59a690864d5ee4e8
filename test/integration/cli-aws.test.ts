import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectAws, resolveAwsTarget } from '../../src/runtime/lambda/connect.ts';
import { taskArnAnnotation } from '../../src/adapters/ecs/ecs-task-launcher.ts';
import { applyStackManifests, type StackManifest } from '../../src/controllers/stack-manifests.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { runCli } from '../../src/cli/program.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import type { Connection } from '../../src/ports/connection.ts';
import { loadManifestSources } from '../../src/spec/index.ts';
import { managedByAnnotation } from '../../src/spec/ownership.ts';
import type { Job, Pod } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import { captureIo } from '../support/capture-io.ts';

// `jobctl --context aws …` against a deployed stack, with the stack's table on dynalite and CloudFormation and
// CloudWatch Logs behind aws-sdk-client-mock in the shapes their API references document.

const STACK_OUTPUTS = [
  { OutputKey: 'TableName', OutputValue: 'Jobctl-StateTable-1ABC' },
  { OutputKey: 'TaskLogGroupName', OutputValue: 'Jobctl-TaskLogs-2DEF' },
  { OutputKey: 'ClusterArn', OutputValue: 'arn:aws:ecs:us-west-2:111122223333:cluster/Jobctl-Cluster' },
];

describe('finding the stack (resolveAwsTarget)', () => {
  const cfn = mockClient(CloudFormationClient);
  afterEach(() => cfn.reset());
  const client = () => new CloudFormationClient({ region: 'us-west-2' });

  it("reads the table and log group from the stack's outputs (DescribeStacks)", async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'Jobctl' }).resolves({
      Stacks: [
        { StackName: 'Jobctl', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: STACK_OUTPUTS },
      ],
    });
    expect(await resolveAwsTarget({}, client())).toEqual({
      stackName: 'Jobctl',
      tableName: 'Jobctl-StateTable-1ABC',
      logGroup: 'Jobctl-TaskLogs-2DEF',
    });
  });

  it(
    "reads the dead-letter queue and the functions a redrive may invoke from the stack's outputs, or " +
      'JOBCTL_DEAD_LETTER_QUEUE_URL and JOBCTL_FUNCTIONS',
    async () => {
      const outputs = [
        ...STACK_OUTPUTS,
        {
          OutputKey: 'DeadLetterQueueUrl',
          OutputValue: 'https://sqs.us-west-2.amazonaws.com/111122223333/Jobctl-DeadLetterQueue-3GHI',
        },
        { OutputKey: 'DispatcherFunctionName', OutputValue: 'Jobctl-Dispatcher-4JKL' },
        { OutputKey: 'JobControllerFunctionName', OutputValue: 'Jobctl-JobController-5MNO' },
      ];
      cfn.on(DescribeStacksCommand, { StackName: 'Jobctl' }).resolves({
        Stacks: [{ StackName: 'Jobctl', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: outputs }],
      });
      expect((await resolveAwsTarget({}, client())).failures).toEqual({
        queueUrl: 'https://sqs.us-west-2.amazonaws.com/111122223333/Jobctl-DeadLetterQueue-3GHI',
        functions: ['Jobctl-Dispatcher-4JKL', 'Jobctl-JobController-5MNO'],
      });
      expect(
        (
          await resolveAwsTarget(
            {
              JOBCTL_TABLE_NAME: 't',
              JOBCTL_LOG_GROUP: 'g',
              JOBCTL_DEAD_LETTER_QUEUE_URL: 'u',
              JOBCTL_FUNCTIONS: 'a, b',
            },
            client(),
          )
        ).failures,
      ).toEqual({ queueUrl: 'u', functions: ['a', 'b'] });
    },
  );

  it(
    'takes --stack over JOBCTL_STACK, and the JOBCTL_TABLE_NAME/JOBCTL_LOG_GROUP pair without calling ' +
      'CloudFormation',
    async () => {
      cfn.on(DescribeStacksCommand, { StackName: 'Prod' }).resolves({
        Stacks: [
          { StackName: 'Prod', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: STACK_OUTPUTS },
        ],
      });
      expect((await resolveAwsTarget({ JOBCTL_STACK: 'Staging' }, client(), 'Prod')).stackName).toBe('Prod');
      cfn.reset();
      expect(await resolveAwsTarget({ JOBCTL_TABLE_NAME: 't', JOBCTL_LOG_GROUP: 'g' }, client())).toEqual({
        stackName: 'Jobctl',
        tableName: 't',
        logGroup: 'g',
      });
      expect(cfn.calls()).toHaveLength(0);
    },
  );

  it('says what to do when the stack does not exist or is not a jobctl stack', async () => {
    // DescribeStacks answers a missing stack with a 400 ValidationError "Stack with id X does not exist".
    cfn.on(DescribeStacksCommand).rejects(
      new CloudFormationServiceException({
        name: 'ValidationError',
        message: 'Stack with id Jobctl does not exist',
        $fault: 'client',
        $metadata: {},
      }),
    );
    await expect(resolveAwsTarget({}, client())).rejects.toThrow(
      'CloudFormation stack "Jobctl" does not exist in this region: deploy it with `npx cdk deploy`, or name yours ' +
        'with --stack NAME',
    );
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Jobctl', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [] }],
    });
    await expect(resolveAwsTarget({}, client())).rejects.toThrow('stack "Jobctl" has no output TableName');
  });
});

describe('jobctl --context aws', () => {
  let db: TestDynalite;
  let dir: string;
  let connection: Connection;
  let clock: ManualClock;
  const logsMock = mockClient(CloudWatchLogsClient);
  let tables = 0;

  beforeAll(async () => {
    db = await startTestDynalite();
  });
  afterAll(() => db.stop());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jobctl-cli-aws-'));
    const tableName = `cli-aws-${++tables}`;
    await ensureStateTable(db.client, tableName);
    clock = new ManualClock(Date.parse('2026-03-02T10:00:30Z'));
    connection = connectAws(
      { stackName: 'Jobctl', tableName, logGroup: 'Jobctl-TaskLogs-2DEF' },
      { clock, dynamodb: db.client, logs: new CloudWatchLogsClient({ region: 'us-west-2' }), pollMs: 1 },
    );
    // What cdk deploy wrote (Custom::JobctlManifests).
    await applyStackManifests(
      { store: connection.store, clock },
      { stackName: 'Jobctl', desired: manifests(helloYaml()) },
    );
  });
  afterEach(async () => {
    logsMock.reset();
    await rm(dir, { recursive: true, force: true });
  });

  async function jobctl(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out = captureIo(() => clock.now());
    const code = await runCli(argv, {
      io: out.io,
      env: { JOBCTL_CONTEXT: 'aws' },
      cwd: dir,
      connectAws: async (stack) => {
        expect(stack).toBeUndefined();
        return connection;
      },
    });
    return { code, stdout: out.stdout(), stderr: out.stderr() };
  }

  it('lists the CronJobs cdk deploy wrote', async () => {
    const r = await jobctl('get', 'cronjobs');
    expect(r.stdout).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\n/);
    expect(r.stdout).toMatch(/\nhello\s+\* \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+0s\n/);
  });

  it(
    'refuses to apply, patch or delete what the config file declares, naming the stack; suspend and ' + 'resume work',
    async () => {
      const file = join(dir, 'hello.yaml');
      await writeFile(file, helloYaml('*/5 * * * *'));
      const apply = await jobctl('apply', '-f', file);
      expect(apply.code).toBe(1);
      expect(apply.stderr).toBe(
        'error: cronjob "hello" is declared in the config file of CDK stack Jobctl: change it there and run cdk ' +
          'deploy ' +
          '(jobctl suspend/resume work on it)\n',
      );
      const del = await jobctl('delete', 'cronjob', 'hello');
      expect(del.stderr).toContain(
        'cannot delete cronjob "hello": it is declared in the config file of CDK stack Jobctl; remove it from the ' +
          'config file',
      );
      const patch = await jobctl('patch', 'cronjob', 'hello', '-p', '{"spec":{"schedule":"0 * * * *"}}');
      expect(patch.stderr).toContain('cannot patch cronjob "hello"');
      expect((await connection.store.get('CronJob', { namespace: 'default', name: 'hello' }))?.spec.schedule).toBe(
        '* * * * *',
      );

      expect((await jobctl('suspend', 'hello')).stdout).toBe('cronjob.batch/hello patched\n');
      const suspended = (await connection.store.get('CronJob', { namespace: 'default', name: 'hello' }))!;
      expect(suspended.spec.suspend).toBe(true);
      expect(suspended.metadata.annotations?.[managedByAnnotation]).toBe('cdk/Jobctl');
      expect((await jobctl('resume', 'hello')).code).toBe(0);
      expect((await connection.store.get('CronJob', { namespace: 'default', name: 'hello' }))?.spec.suspend).toBe(
        false,
      );
    },
  );

  it(
    'refuses a manifest that claims a stack (a copied managed-by annotation) and a schedule EventBridge ' +
      'cannot run',
    async () => {
      const copied = join(dir, 'copied.yaml');
      await writeFile(
        copied,
        helloYaml().replace('name: hello', `name: mine\n  annotations:\n    ${managedByAnnotation}: cdk/Jobctl`),
      );
      const r = await jobctl('apply', '-f', copied);
      expect(r.stderr).toBe(
        `error: cronjob "mine": metadata.annotations[${managedByAnnotation}]: cdk deploy sets it on what the config ` +
          `file declares; remove it from the manifest\n`,
      );
      const every = join(dir, 'every.yaml');
      await writeFile(every, helloYaml('@every 90s').replace('name: hello', 'name: often'));
      const e = await jobctl('apply', '-f', every);
      expect(e.stderr).toContain('error: CronJob default/often spec.schedule "@every 90s"');
      expect(e.stderr).toContain('EventBridge Scheduler cannot run it on AWS');
      expect(await connection.store.list('CronJob', 'default')).toHaveLength(1);
    },
  );

  it(
    "deletes a stack's Job (it ran; the next deploy re-creates it only if the file changed it), through the job " +
      'controller',
    async () => {
      await applyStackManifests(
        { store: connection.store, clock },
        { stackName: 'Jobctl', desired: manifests(helloYaml(), piYaml()) },
      );
      // The job controller on AWS: cascades a Job once its deletion is requested.
      const controller = setInterval(() => {
        void connection.store.list('Job', 'default').then(async (jobs) => {
          for (const job of jobs)
            if (job.metadata.deletionTimestamp !== undefined)
              await connection.store.delete('Job', { namespace: 'default', name: job.metadata.name });
        });
      }, 20);
      try {
        const r = await jobctl('delete', 'job', 'pi');
        expect(r).toMatchObject({ code: 0, stdout: 'job.batch "pi" deleted\n' });
      } finally {
        clearInterval(controller);
      }
      expect(await connection.store.get('Job', { namespace: 'default', name: 'pi' })).toBeUndefined();
    },
  );

  it(
    "applies a CronJob of the user's own (the job controller gives it its schedule), with no " + 'local-runtime hint',
    async () => {
      const file = join(dir, 'mine.yaml');
      await writeFile(file, helloYaml('0 * * * *').replace('name: hello', 'name: mine'));
      const r = await jobctl('apply', '-f', file);
      expect(r).toMatchObject({ code: 0, stdout: 'cronjob.batch/mine created\n', stderr: '' });
      expect(
        (await connection.store.get('CronJob', { namespace: 'default', name: 'mine' }))?.metadata.annotations?.[
          managedByAnnotation
        ],
      ).toBeUndefined();
    },
  );

  it("prints a Job's logs from its task's CloudWatch Logs stream", async () => {
    const job = (await connection.store.create(manifests(piYaml())[0] as Job)) as Job;
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'pi-x7k2p',
        namespace: 'default',
        labels: { 'job-name': 'pi', 'controller-uid': job.metadata.uid! },
        annotations: { [taskArnAnnotation]: 'arn:aws:ecs:us-west-2:111122223333:task/Jobctl-Cluster/0123456789abcdef' },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: 'pi',
            uid: job.metadata.uid!,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: job.spec.template.spec,
      status: { phase: 'Succeeded' },
    } as Pod;
    await connection.store.create(pod);
    logsMock
      .on(GetLogEventsCommand, { logGroupName: 'Jobctl-TaskLogs-2DEF', logStreamName: 'jobctl/pi/0123456789abcdef' })
      // At the end of the stream GetLogEvents returns the token it was sent, with no events.
      .callsFake((input: { nextToken?: string }) =>
        input.nextToken === undefined
          ? {
              events: [{ timestamp: 1, message: '3.1415926535897932385', ingestionTime: 2 }],
              nextForwardToken: 'f/1',
              nextBackwardToken: 'b/1',
            }
          : { events: [], nextForwardToken: input.nextToken, nextBackwardToken: 'b/1' },
      );
    const r = await jobctl('logs', 'job/pi');
    expect(r).toMatchObject({ code: 0, stdout: '3.1415926535897932385\n' });
  });

  it('says where failures are kept when the connection has no dead-letter queue', async () => {
    const r = await jobctl('failures');
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(
      new RegExp(
        /^error: failures are kept in a deployed stack's dead-letter queue: use --context aws with a stack/.source +
          / whose outputs name it \(DeadLetterQueueUrl\), or set JOBCTL_DEAD_LETTER_QUEUE_URL and/.source +
          / JOBCTL_FUNCTIONS/.source,
      ),
    );
  });

  it('does not run the embedded runtime', async () => {
    const r = await jobctl('up');
    expect(r.stderr).toContain(
      "jobctl up runs the embedded runtime on this machine; on AWS the stack's Lambdas are the runtime",
    );
  });
});

describe('--context', () => {
  it('rejects an unknown context by name', async () => {
    let stderr = '';
    const code = await runCli(['--context', 'prod', 'get', 'cronjobs'], {
      io: {
        stdout: () => {},
        stderr: (t) => {
          stderr += t;
        },
        now: () => 0,
        setExitCode: () => {},
      },
      env: {},
    });
    expect(code).toBe(1);
    expect(stderr).toBe(
      'error: context "prod" does not exist: use local (jobctl up, the default) or aws (a deployed stack)\n',
    );
  });
});

function manifests(...texts: string[]): StackManifest[] {
  return loadManifestSources(texts.map((text, i) => ({ file: `m${i}.yaml`, text }))).objects as StackManifest[];
}

function helloYaml(schedule = '* * * * *'): string {
  return `apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "${schedule}"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            command: ["sh", "-c", "date; echo Hello from the Kubernetes cluster"]
          restartPolicy: OnFailure
`;
}

function piYaml(): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(20)"]
      restartPolicy: Never
`;
}
