import { ECSClient } from '@aws-sdk/client-ecs';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { HttpResponse } from '@smithy/core/transport';
import { describe, expect, it } from 'vitest';
import {
  EcsTaskLauncher,
  TaskLaunchError,
  type EcsTaskLauncherOptions,
} from '../../../../src/adapters/ecs/ecs-task-launcher.ts';
import { aPod, settings } from '../../../support/pods.ts';

// No aws-sdk-client-mock in this file: its stub replaces `ECSClient.prototype.send` for the whole file, which would
// skip the retry middleware these tests are about.

const CLUSTER = 'arn:aws:ecs:us-west-2:111122223333:cluster/jobctl';
const TASK_ARN = 'arn:aws:ecs:us-west-2:111122223333:task/jobctl/0123456789abcdef0123456789abcdef';

function options(client: ECSClient): EcsTaskLauncherOptions {
  return { client, cluster: CLUSTER, subnets: ['subnet-aaaa'], securityGroups: ['sg-1234'], taskDefinitions: settings };
}

/**
 * aws-sdk-client-mock replaces `send`, which skips the SDK's retry middleware. To prove that throttling is retried by
 * the SDK itself with the same clientToken, this fake answers at the HTTP layer, below the real middleware stack.
 */
class ScriptedEcsEndpoint {
  readonly requests: Array<{ target: string; body: Record<string, unknown> }> = [];
  constructor(private readonly script: Array<(target: string) => { status: number; body: unknown }>) {}

  async handle(request: { headers: Record<string, string>; body?: unknown }): Promise<{ response: HttpResponse }> {
    const target = request.headers['x-amz-target'] ?? '';
    this.requests.push({ target, body: JSON.parse(String(request.body ?? '{}')) as Record<string, unknown> });
    const next = this.script.length > 1 ? this.script.shift()! : this.script[0]!;
    const { status, body } = next(target);
    const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1' };
    const errorType = (body as { __type?: string }).__type;
    if (errorType !== undefined) headers['x-amzn-errortype'] = errorType;
    return { response: new HttpResponse({ statusCode: status, headers, body: Buffer.from(JSON.stringify(body)) }) };
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
}

const throttled = () => ({ status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } });
const describeOrRun = (target: string) =>
  target.endsWith('DescribeTaskDefinition')
    ? { status: 200, body: { taskDefinition: { status: 'ACTIVE' } } }
    : { status: 200, body: { tasks: [{ taskArn: TASK_ARN }], failures: [] } };

function sdkClient(endpoint: ScriptedEcsEndpoint, maxAttempts: number): ECSClient {
  return new ECSClient({
    region: 'us-west-2',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: endpoint,
    maxAttempts,
    retryStrategy: new ConfiguredRetryStrategy(maxAttempts, () => 1),
  });
}

describe('EcsTaskLauncher (SDK retries over HTTP)', () => {
  it('lets the SDK retry a throttled RunTask with the same clientToken, starting one task', async () => {
    const endpoint = new ScriptedEcsEndpoint([describeOrRun, throttled, throttled, describeOrRun]);

    const task = await new EcsTaskLauncher(options(sdkClient(endpoint, 3))).launchTask(aPod({ args: ['run'] }));

    expect(task.taskArn).toBe(TASK_ARN);
    const runTasks = endpoint.requests.filter((r) => r.target.endsWith('.RunTask'));
    expect(runTasks).toHaveLength(3);
    expect(new Set(runTasks.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(runTasks[0]!.body['clientToken']).toMatch(/^jobctl-[0-9a-f]{56}$/);
  });

  it('surfaces throttling past the SDK retries as a retryable TaskLaunchError', async () => {
    const endpoint = new ScriptedEcsEndpoint([describeOrRun, throttled]);

    const error = await new EcsTaskLauncher(options(sdkClient(endpoint, 2))).launch(aPod()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TaskLaunchError);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toContain('ThrottlingException: Rate exceeded');
    expect(endpoint.requests.filter((r) => r.target.endsWith('.RunTask'))).toHaveLength(2);
  });
});
