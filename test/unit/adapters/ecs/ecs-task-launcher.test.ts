import {
  AccessDeniedException,
  ClientException,
  ConflictException,
  DescribeTaskDefinitionCommand,
  ECSClient,
  InvalidParameterException,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { taskDefinitionForPod } from '../../../../src/adapters/ecs/ecs-task-definitions.ts';
import {
  EcsTaskLauncher,
  TaskLaunchError,
  clientTokenFor,
  launchRetryAnnotation,
  parseTaskGroup,
  startedByFor,
  lastTaskArnAnnotation,
  taskArnAnnotation,
  type EcsTaskLauncherOptions,
} from '../../../../src/adapters/ecs/ecs-task-launcher.ts';
import type { Pod } from '../../../../src/spec/types.ts';
import { aPod, settings } from '../../../support/pods.ts';

const CLUSTER = 'arn:aws:ecs:us-west-2:111122223333:cluster/jobctl';
const TASK_ARN = 'arn:aws:ecs:us-west-2:111122223333:task/jobctl/0123456789abcdef0123456789abcdef';

function options(client: ECSClient, o: Partial<EcsTaskLauncherOptions> = {}): EcsTaskLauncherOptions {
  return {
    client,
    cluster: CLUSTER,
    subnets: ['subnet-aaaa', 'subnet-bbbb'],
    securityGroups: ['sg-1234'],
    taskDefinitions: settings,
    ...o,
  };
}

/** The pod after its container crashed once and waits to restart in place (restartPolicy OnFailure). */
function restarted(pod: Pod): Pod {
  return {
    ...pod,
    status: {
      phase: 'Running',
      containerStatuses: [
        { name: 'hello', image: 'x', restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } },
      ],
    },
  };
}

function annotated(pod: Pod, annotations: Record<string, string>): Pod {
  return { ...pod, metadata: { ...pod.metadata, annotations: { ...pod.metadata.annotations, ...annotations } } };
}

describe('EcsTaskLauncher (request shapes)', () => {
  const ecs = mockClient(ECSClient);
  const client = new ECSClient({ region: 'us-west-2' });
  beforeEach(() => {
    ecs.reset();
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: { status: 'ACTIVE' } });
    ecs.on(RunTaskCommand).resolves({
      tasks: [{ taskArn: TASK_ARN, taskDefinitionArn: 'arn:aws:ecs:us-west-2:111122223333:task-definition/x:1' }],
      failures: [],
    });
  });

  describe('Method: launch', () => {
    it('sends one RunTask with the pod identity, network, overrides and an idempotency token', async () => {
      const pod = aPod(
        { args: ['echo', '$(GREETING) $(JOB_COMPLETION_INDEX)'], env: [{ name: 'GREETING', value: 'hello' }] },
        { index: 2 },
      );

      await new EcsTaskLauncher(options(client)).launch(pod);

      const family = taskDefinitionForPod(pod, settings).family;
      expect(ecs).toHaveReceivedCommandTimes(RunTaskCommand, 1);
      expect(ecs.commandCalls(RunTaskCommand)[0]!.args[0].input).toEqual({
        cluster: CLUSTER,
        taskDefinition: family,
        count: 1,
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ['subnet-aaaa', 'subnet-bbbb'],
            securityGroups: ['sg-1234'],
            assignPublicIp: 'DISABLED',
          },
        },
        overrides: {
          containerOverrides: [
            {
              name: 'hello',
              command: ['echo', 'hello 2'],
              environment: [
                { name: 'HOSTNAME', value: 'hello-28433000-2' },
                { name: 'GREETING', value: 'hello' },
                { name: 'JOB_COMPLETION_INDEX', value: '2' },
              ],
            },
          ],
        },
        startedBy: `default/${pod.metadata.name}/0`,
        group: `jobctl:default:hello-28433000:${pod.metadata.name}:0`,
        tags: [
          { key: 'batch.kubernetes.io/controller-uid', value: 'a1b2c3d4-0000-4000-8000-000000000001' },
          { key: 'batch.kubernetes.io/job-completion-index', value: '2' },
          { key: 'batch.kubernetes.io/job-name', value: 'hello-28433000' },
          { key: 'jobctl.dev/namespace', value: 'default' },
          { key: 'jobctl.dev/pod-name', value: pod.metadata.name },
        ],
        clientToken: expect.stringMatching(/^jobctl-[0-9a-f]{56}$/),
      });
    });

    it('sends byte-identical requests, same clientToken included, when the same launch is retried', async () => {
      const pod = aPod({ args: ['run'] });
      const launcher = new EcsTaskLauncher(options(client));

      await launcher.launch(pod);
      await launcher.launch(structuredClone(pod));
      await new EcsTaskLauncher(options(client)).launch(pod); // a new Lambda container

      const inputs = ecs.commandCalls(RunTaskCommand).map((c) => JSON.stringify(c.args[0].input));
      expect(inputs).toHaveLength(3);
      expect(new Set(inputs).size).toBe(1);
    });

    it(
      'uses a new clientToken for an in-place restart and after a failures[] retry, and never exceeds 64 ' +
        'characters',
      () => {
        const pod = aPod({}, { restartPolicy: 'OnFailure' });
        const tokens = [
          clientTokenFor(pod),
          clientTokenFor(restarted(pod)),
          clientTokenFor(annotated(pod, { [launchRetryAnnotation]: '1' })),
        ];

        expect(new Set(tokens).size).toBe(3);
        for (const token of tokens) expect(token).toMatch(/^[\x21-\x7e]{1,64}$/);
      },
    );

    it('runs a restarted pod under its next attempt, so late events of the crashed task are told apart', async () => {
      const pod = restarted(aPod({}, { restartPolicy: 'OnFailure' }));

      await new EcsTaskLauncher(options(client)).launch(pod);

      expect(ecs).toHaveReceivedCommandWith(RunTaskCommand, {
        startedBy: `default/${pod.metadata.name}/1`,
        group: `jobctl:default:hello-28433000:${pod.metadata.name}:1`,
      });
    });

    it(
      'uses the capacity provider strategy instead of a launch type, and the given platform and ' + 'public IP',
      async () => {
        await new EcsTaskLauncher(
          options(client, {
            capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
            platformVersion: '1.4.0',
            assignPublicIp: 'ENABLED',
          }),
        ).launch(aPod());

        const input = ecs.commandCalls(RunTaskCommand)[0]!.args[0].input;
        expect(input.launchType).toBeUndefined();
        expect(input.capacityProviderStrategy).toEqual([{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]);
        expect(input.platformVersion).toBe('1.4.0');
        expect(input.networkConfiguration?.awsvpcConfiguration?.assignPublicIp).toBe('ENABLED');
      },
    );

    it('registers the task definition before the first launch of a family', async () => {
      ecs
        .on(DescribeTaskDefinitionCommand)
        .rejects(new ClientException({ message: 'Unable to describe task definition.', $metadata: {} }));
      ecs.on(RegisterTaskDefinitionCommand).resolves({});

      await new EcsTaskLauncher(options(client)).launch(aPod());

      expect(ecs.calls().map((c) => c.args[0].constructor.name)).toEqual([
        'DescribeTaskDefinitionCommand',
        'RegisterTaskDefinitionCommand',
        'RunTaskCommand',
      ]);
    });

    it(
      "sends the command's arguments in the override, and bakes a command too long for 8 KiB of overrides into the " +
        'task definition',
      async () => {
        const short = aPod({ command: ['sh', '-c', 'echo apple'] });
        const long = aPod({ command: ['sh', '-c', `echo ${'x'.repeat(9000)}`] });
        const launcher = new EcsTaskLauncher(options(client));
        ecs
          .on(DescribeTaskDefinitionCommand)
          .rejects(new ClientException({ message: 'Unable to describe task definition.', $metadata: {} }));
        ecs.on(RegisterTaskDefinitionCommand).resolves({});

        await launcher.launch(short);
        await launcher.launch(long);

        const [first, second] = ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
        expect(first!.overrides!.containerOverrides![0]!.command).toEqual(['-c', 'echo apple']);
        expect(second!.overrides!.containerOverrides![0]).not.toHaveProperty('command');
        expect(JSON.stringify(second!.overrides).length).toBeLessThanOrEqual(8192);
        const registered = ecs
          .commandCalls(RegisterTaskDefinitionCommand)
          .map((c) => c.args[0].input.containerDefinitions![0]!.entryPoint);
        expect(registered).toEqual([['sh'], ['sh', '-c', `echo ${'x'.repeat(9000)}`]]);
      },
    );

    it(
      'puts taskEnv before the pod env in the override, so the pod can override it and $(VAR) can ' + 'use it',
      async () => {
        const pod = aPod({ args: ['echo', '$(JOBCTL_CONTEXT)'], env: [{ name: 'JOBCTL_LOG_GROUP', value: 'mine' }] });
        await new EcsTaskLauncher(
          options(client, {
            taskEnv: {
              JOBCTL_CONTEXT: 'aws',
              JOBCTL_TABLE_NAME: 'Jobctl-StateTable-1ABC',
              JOBCTL_LOG_GROUP: 'Jobctl-TaskLogs',
            },
          }),
        ).launch(pod);
        const override = ecs.commandCalls(RunTaskCommand)[0]!.args[0].input.overrides!.containerOverrides![0]!;
        expect(override.command).toEqual(['echo', 'aws']);
        expect(override.environment).toEqual([
          { name: 'JOBCTL_CONTEXT', value: 'aws' },
          { name: 'JOBCTL_TABLE_NAME', value: 'Jobctl-StateTable-1ABC' },
          { name: 'HOSTNAME', value: pod.metadata.name },
          { name: 'JOBCTL_LOG_GROUP', value: 'mine' },
        ]);
      },
    );

    it(
      'fails clearly, without calling RunTask, when args and env exceed the 8192-character overrides ' + 'limit',
      async () => {
        const pod = aPod({ env: [{ name: 'BIG', value: 'x'.repeat(8200) }] });

        const error = await new EcsTaskLauncher(options(client)).launch(pod).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(TaskLaunchError);
        expect((error as TaskLaunchError).retryable).toBe(false);
        expect((error as TaskLaunchError).message).toMatch(/characters of args and env exceed ECS's 8192/);
        expect(ecs).toHaveReceivedCommandTimes(RunTaskCommand, 0);
      },
    );

    it('keeps startedBy within 128 characters of [A-Za-z0-9_/-] for the longest Kubernetes names', () => {
      const startedBy = startedByFor({ namespace: 'n'.repeat(63), jobName: 'j', podName: 'p'.repeat(63), attempt: 12 });

      expect(startedBy).toMatch(/^[A-Za-z0-9_/-]{1,128}$/);
      expect(startedBy).not.toBe(
        startedByFor({ namespace: 'n'.repeat(63), jobName: 'j', podName: 'p'.repeat(63), attempt: 13 }),
      );
    });
  });

  describe('Method: launchTask / runTasks results', () => {
    it('returns the started task', async () => {
      const task = await new EcsTaskLauncher(options(client)).launchTask(aPod());

      expect(task).toEqual({
        taskArn: TASK_ARN,
        taskDefinitionArn: 'arn:aws:ecs:us-west-2:111122223333:task-definition/x:1',
      });
    });

    it.each([
      {
        name: 'Fargate capacity',
        failure: {
          arn: TASK_ARN,
          reason: 'Capacity is unavailable at this time. Please try again later or in a different availability zone',
        },
        retryable: true,
      },
      { name: 'RESOURCE:MEMORY', failure: { reason: 'RESOURCE:MEMORY' }, retryable: true },
      { name: 'AGENT', failure: { reason: 'AGENT' }, retryable: true },
      { name: 'MISSING', failure: { arn: CLUSTER, reason: 'MISSING' }, retryable: false },
      {
        name: 'ATTRIBUTE',
        failure: { reason: 'ATTRIBUTE', detail: 'requires ecs.capability.task-eni' },
        retryable: false,
      },
    ])('turns failures[] ($name) into a TaskLaunchError that says whether to retry', async ({ failure, retryable }) => {
      ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [failure] });

      const error = await new EcsTaskLauncher(options(client)).launch(aPod()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(TaskLaunchError);
      expect(error).toMatchObject({ retryable, failures: [failure] });
      expect((error as Error).message).toContain(failure.reason);
    });

    it('treats a ConflictException carrying the task ARNs as the task already started', async () => {
      ecs.on(RunTaskCommand).rejects(
        new ConflictException({
          message: 'The specified client token has already been used.',
          resourceIds: [TASK_ARN],
          $metadata: {},
        }),
      );

      await expect(new EcsTaskLauncher(options(client)).launchTask(aPod())).resolves.toEqual({ taskArn: TASK_ARN });
    });

    it('translates client errors into permanent TaskLaunchErrors with the SDK error as cause', async () => {
      const sdkError = new InvalidParameterException({
        message: 'Task definition does not support launch_type FARGATE.',
        $metadata: { httpStatusCode: 400 },
      });
      ecs.on(RunTaskCommand).rejects(sdkError);

      const error = await new EcsTaskLauncher(options(client)).launch(aPod()).catch((e: unknown) => e);

      expect(error).toMatchObject({ name: 'TaskLaunchError', retryable: false, cause: sdkError });
    });

    it.each([
      [
        'AccessDeniedException right after a deploy (IAM propagating)',
        new AccessDeniedException({
          message: 'User is not authorized to perform: ecs:RunTask',
          $metadata: { httpStatusCode: 400 },
        }),
      ],
      [
        'an account limit',
        new ClientException({
          message: 'You have reached the limit on the number of vCPUs you can run concurrently',
          $metadata: { httpStatusCode: 400 },
        }),
      ],
    ])('keeps %s retryable: a wait can cure it, so the pod stays Pending', async (_, sdkError) => {
      ecs.on(RunTaskCommand).rejects(sdkError);
      const error = await new EcsTaskLauncher(options(client)).launch(aPod()).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TaskLaunchError', retryable: true, cause: sdkError });
    });

    it('rejects a batch of more than 10 tasks', async () => {
      const launcher = new EcsTaskLauncher(options(client));
      const request = {
        taskDefinition: 'f',
        count: 11,
        overrides: {},
        startedBy: 's',
        group: 'g',
        tags: {},
        clientToken: 't',
      };

      await expect(launcher.runTasks(request)).rejects.toThrow(RangeError);
      await expect(launcher.runTasks({ ...request, count: 10 })).resolves.toHaveLength(1);
      expect(ecs).toHaveReceivedCommandWith(RunTaskCommand, { count: 10 });
    });
  });

  describe('Method: stop', () => {
    it('stops the task recorded on the pod, with the reason cut to 255 characters', async () => {
      ecs.on(StopTaskCommand).resolves({ task: { taskArn: TASK_ARN } });
      const pod = annotated(aPod(), { [taskArnAnnotation]: TASK_ARN });

      await expect(new EcsTaskLauncher(options(client)).stop(pod, `DeadlineExceeded ${'x'.repeat(300)}`)).resolves.toBe(
        true,
      );

      expect(ecs).toHaveReceivedCommandWith(StopTaskCommand, {
        cluster: CLUSTER,
        task: TASK_ARN,
        reason: `DeadlineExceeded ${'x'.repeat(300)}`.slice(0, 255),
      });
      expect(ecs.calls()).toHaveLength(1);
    });

    it('returns false when the recorded task is gone from ECS', async () => {
      ecs
        .on(StopTaskCommand)
        .rejects(new InvalidParameterException({ message: 'The referenced task was not found.', $metadata: {} }));

      await expect(
        new EcsTaskLauncher(options(client)).stop(
          annotated(aPod(), { [taskArnAnnotation]: TASK_ARN }),
          'DeadlineExceeded',
        ),
      ).resolves.toBe(false);
    });

    it(
      'asks ECS nothing when the pod has no task: never launched, or waiting out an OnFailure back-off ' +
        '(AWS-AUDIT F2)',
      async () => {
        const crashLooping = annotated(restarted(aPod({}, { restartPolicy: 'OnFailure' })), {
          [lastTaskArnAnnotation]: TASK_ARN,
        });

        await expect(new EcsTaskLauncher(options(client)).stop(aPod(), 'Deleted')).resolves.toBe(false);
        await expect(new EcsTaskLauncher(options(client)).stop(crashLooping, 'BackoffLimitExceeded')).resolves.toBe(
          false,
        );

        // The previous attempt's task (last-task-arn) is over: it is not stopped again, and nothing is listed.
        expect(ecs.calls()).toHaveLength(0);
      },
    );
  });
});

describe('parseTaskGroup', () => {
  it('reads back the identity written into the task group, and nothing from other groups', () => {
    expect(parseTaskGroup('jobctl:default:hello-28433000:hello-28433000-x7k2q:3')).toEqual({
      namespace: 'default',
      jobName: 'hello-28433000',
      podName: 'hello-28433000-x7k2q',
      attempt: 3,
    });
    expect(parseTaskGroup('family:sample-fargate')).toBeUndefined();
    expect(parseTaskGroup(undefined)).toBeUndefined();
  });
});
