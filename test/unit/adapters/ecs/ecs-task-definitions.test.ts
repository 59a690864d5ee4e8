import {
  ClientException,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  EcsTaskDefinitionRegistry,
  logStreamName,
  resolveContainerRun,
  taskDefinitionForPod,
} from '../../../../src/adapters/ecs/ecs-task-definitions.ts';
import { aPod, settings } from '../../../support/pods.ts';

describe('taskDefinitionForPod', () => {
  it('builds a Fargate awsvpc task definition with one essential container logging to awslogs', () => {
    const pod = aPod({
      command: ['/bin/sh', '-c'],
      args: ['echo hello from $(WHO)'],
      env: [{ name: 'WHO', value: 'jobctl' }],
      workingDir: '/work',
      resources: { requests: { cpu: '500m', memory: '2Gi' } },
    });

    const input = taskDefinitionForPod(pod, settings);

    expect(input).toEqual({
      family: expect.stringMatching(/^jobctl-busybox-[0-9a-f]{32}$/),
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: '512',
      memory: '2048',
      runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
      executionRoleArn: 'arn:aws:iam::111122223333:role/jobctl-execution',
      taskRoleArn: 'arn:aws:iam::111122223333:role/jobctl-task',
      containerDefinitions: [
        {
          name: 'hello',
          image: 'public.ecr.aws/docker/library/busybox:1.36',
          essential: true,
          entryPoint: ['/bin/sh'],
          workingDirectory: '/work',
          stopTimeout: 30,
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': '/jobctl/tasks',
              'awslogs-region': 'us-west-2',
              'awslogs-stream-prefix': 'jobctl',
            },
          },
        },
      ],
    });
  });

  it('leaves args and env out, so pods that differ only in those share one family', () => {
    const a = taskDefinitionForPod(aPod({ args: ['a'], env: [{ name: 'X', value: '1' }] }), settings);
    const b = taskDefinitionForPod(aPod({ args: ['b', 'c'], env: [{ name: 'Y', value: '2' }] }), settings);
    const indexed = taskDefinitionForPod(aPod({ args: ['$(JOB_COMPLETION_INDEX)'] }, { index: 2 }), settings);

    expect(a.containerDefinitions?.[0]).not.toHaveProperty('command');
    expect(a.containerDefinitions?.[0]).not.toHaveProperty('environment');
    expect(b.family).toBe(a.family);
    expect(indexed.family).toBe(a.family);
  });

  it('gives a new family when anything the definition carries changes', () => {
    const base = taskDefinitionForPod(aPod(), settings).family;
    const variants = [
      taskDefinitionForPod(aPod({ image: 'public.ecr.aws/docker/library/busybox:1.37' }), settings).family,
      taskDefinitionForPod(aPod({ resources: { limits: { memory: '1Gi' } } }), settings).family,
      taskDefinitionForPod(aPod({ command: ['/bin/true'] }), settings).family,
      taskDefinitionForPod(aPod({ name: 'other' }), settings).family,
      taskDefinitionForPod(aPod(), { ...settings, taskRoleArn: 'arn:aws:iam::111122223333:role/other' }).family,
      taskDefinitionForPod(aPod(), { ...settings, cpuArchitecture: 'ARM64' }).family,
    ];

    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    // The same definition however the architecture was chosen: one family.
    expect(taskDefinitionForPod(aPod({}, { nodeSelector: { 'kubernetes.io/arch': 'arm64' } }), settings).family).toBe(
      variants.at(-1),
    );
  });

  it('keeps the family within 255 characters of [A-Za-z0-9_-] for any image name', () => {
    const family = taskDefinitionForPod(
      aPod({ image: `registry.example.com:5000/team/${'x'.repeat(300)}.app:v1@sha256:${'a'.repeat(64)}` }),
      { ...settings, familyPrefix: 'my stack!' },
    ).family!;

    expect(family).toMatch(/^[A-Za-z0-9_-]{1,255}$/);
    expect(family.startsWith('my-stack-xxxx')).toBe(true);
  });

  it(
    'bakes only the program of the Kubernetes command as entryPoint, $(VAR)-expanded; the rest goes in the override ' +
      'ahead of args',
    () => {
      const pod = aPod({
        command: ['run', '--shard=$(SHARD)', '$$(LITERAL)'],
        args: ['--verbose'],
        env: [{ name: 'SHARD', value: '7' }],
      });
      const input = taskDefinitionForPod(pod, settings);

      expect(input.containerDefinitions?.[0]?.entryPoint).toEqual(['run']);
      expect(resolveContainerRun(pod).command).toEqual(['--shard=7', '$(LITERAL)', '--verbose']);
    },
  );

  it("gives the seed's expanded Jobs one family: their commands differ only after the program (AWS-AUDIT F9)", () => {
    const families = ['apple', 'banana', 'cherry'].map(
      (item) =>
        taskDefinitionForPod(aPod({ command: ['sh', '-c', `echo Processing item ${item} && sleep 5`] }), settings)
          .family,
    );
    const otherProgram = taskDefinitionForPod(
      aPod({ command: ['bash', '-c', 'echo Processing item apple && sleep 5'] }),
      settings,
    ).family;

    expect(new Set(families).size).toBe(1);
    expect(otherProgram).not.toBe(families[0]);
  });

  it('bakes the whole command when asked (a command too long for the 8 KiB of RunTask overrides)', () => {
    const pod = aPod({ command: ['sh', '-c', 'echo hi'], args: ['x'] });
    const run = resolveContainerRun(pod, {}, { bakeCommand: true });

    expect(run.entryPoint).toEqual(['sh', '-c', 'echo hi']);
    expect(run.command).toEqual(['x']);
  });

  it('treats an empty command or args as not set, as the kubelet does', () => {
    const run = resolveContainerRun(aPod({ command: [], args: [] }));

    expect(run.entryPoint).toBeUndefined();
    expect(run.command).toBeUndefined();
  });

  it.each<{ nodeSelector: Record<string, string> | undefined; fallback: 'ARM64' | undefined; expected: string }>([
    { nodeSelector: undefined, fallback: undefined, expected: 'X86_64' },
    { nodeSelector: undefined, fallback: 'ARM64', expected: 'ARM64' },
    { nodeSelector: { 'kubernetes.io/arch': 'arm64' }, fallback: undefined, expected: 'ARM64' },
    { nodeSelector: { 'kubernetes.io/arch': 'amd64' }, fallback: 'ARM64', expected: 'X86_64' },
    { nodeSelector: { 'kubernetes.io/os': 'linux' }, fallback: 'ARM64', expected: 'ARM64' },
  ])(
    'runs on $expected with nodeSelector $nodeSelector and default $fallback (AWS-AUDIT F3)',
    ({ nodeSelector, fallback, expected }) => {
      const input = taskDefinitionForPod(aPod({}, nodeSelector === undefined ? {} : { nodeSelector }), {
        ...settings,
        ...(fallback === undefined ? {} : { cpuArchitecture: fallback }),
      });

      expect(input.runtimePlatform).toEqual({ cpuArchitecture: expected, operatingSystemFamily: 'LINUX' });
    },
  );

  it.each([
    { grace: 0, stopTimeout: 2 },
    { grace: 45, stopTimeout: 45 },
    { grace: 600, stopTimeout: 120 },
  ])(
    'maps terminationGracePeriodSeconds $grace to Fargate stopTimeout $stopTimeout (2-120 s)',
    ({ grace, stopTimeout }) => {
      expect(taskDefinitionForPod(aPod({}, { grace }), settings).containerDefinitions?.[0]?.stopTimeout).toBe(
        stopTimeout,
      );
    },
  );

  it('sets ephemeral storage, the Graviton platform, a stream prefix and tags when asked', () => {
    const input = taskDefinitionForPod(aPod({ resources: { requests: { 'ephemeral-storage': '64Gi' } } }), {
      ...settings,
      cpuArchitecture: 'ARM64',
      logStreamPrefix: 'tasks',
      tags: { stack: 'prod', app: 'jobctl' },
    });

    expect(input.ephemeralStorage).toEqual({ sizeInGiB: 64 });
    expect(input.runtimePlatform).toEqual({ cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' });
    expect(input.containerDefinitions?.[0]?.logConfiguration?.options?.['awslogs-stream-prefix']).toBe('tasks');
    expect(input.tags).toEqual([
      { key: 'app', value: 'jobctl' },
      { key: 'stack', value: 'prod' },
    ]);
  });
});

describe('resolveContainerRun', () => {
  it('expands env in order, then args, with HOSTNAME the pod hostname', () => {
    const run = resolveContainerRun(
      aPod(
        {
          args: ['$(GREETING)', '$(HOSTNAME)', '$(UNDEFINED)'],
          env: [
            { name: 'NAME', value: 'x' },
            { name: 'GREETING', value: 'hi $(NAME)' },
          ],
        },
        { index: 1 },
      ),
    );

    expect(run.env).toEqual([
      { name: 'HOSTNAME', value: 'hello-28433000-1' },
      { name: 'NAME', value: 'x' },
      { name: 'GREETING', value: 'hi x' },
      { name: 'JOB_COMPLETION_INDEX', value: '1' },
    ]);
    expect(run.command).toEqual(['hi x', 'hello-28433000-1', '$(UNDEFINED)']);
    expect(run.entryPoint).toBeUndefined();
  });
});

describe('logStreamName', () => {
  it('is <prefix>/<container>/<task id>', () => {
    expect(
      logStreamName(
        'jobctl',
        'hello',
        'arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/c13b4cb40f1f4fe4a2971f76ae5a47ad',
      ),
    ).toBe('jobctl/hello/c13b4cb40f1f4fe4a2971f76ae5a47ad');
  });
});

describe('EcsTaskDefinitionRegistry', () => {
  const ecs = mockClient(ECSClient);
  const client = new ECSClient({ region: 'us-west-2' });
  beforeEach(() => ecs.reset());
  const input = () => taskDefinitionForPod(aPod(), settings);

  it('registers a family that ECS does not know, once', async () => {
    ecs
      .on(DescribeTaskDefinitionCommand)
      .rejects(new ClientException({ message: 'Unable to describe task definition.', $metadata: {} }));
    ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { family: input().family, revision: 1, status: 'ACTIVE' } });
    const registry = new EcsTaskDefinitionRegistry(client);

    const first = await registry.ensureRegistered(input());
    const second = await registry.ensureRegistered(input());

    expect(first).toBe(input().family);
    expect(second).toBe(first);
    expect(ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 1);
    expect(ecs).toHaveReceivedCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: input().family });
    expect(ecs).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 1);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input).toEqual(input());
  });

  it('reuses an ACTIVE family without registering', async () => {
    ecs
      .on(DescribeTaskDefinitionCommand)
      .resolves({ taskDefinition: { family: input().family, revision: 3, status: 'ACTIVE' } });

    await new EcsTaskDefinitionRegistry(client).ensureRegistered(input());

    expect(ecs).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 0);
  });

  it('registers again when the family has only INACTIVE revisions', async () => {
    ecs
      .on(DescribeTaskDefinitionCommand)
      .resolves({ taskDefinition: { family: input().family, revision: 3, status: 'INACTIVE' } });
    ecs.on(RegisterTaskDefinitionCommand).resolves({});

    await new EcsTaskDefinitionRegistry(client).ensureRegistered(input());

    expect(ecs).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 1);
  });

  it('passes other errors on and remembers nothing', async () => {
    ecs
      .on(DescribeTaskDefinitionCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves({ taskDefinition: { status: 'ACTIVE' } });
    const registry = new EcsTaskDefinitionRegistry(client);

    await expect(registry.ensureRegistered(input())).rejects.toThrow('Rate exceeded');
    await registry.ensureRegistered(input());

    expect(ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 2);
    expect(ecs).toHaveReceivedCommandTimes(RegisterTaskDefinitionCommand, 0);
  });
});
