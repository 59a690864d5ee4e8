/**
 * The jobctl CDK app (`cdk.json`: `tsx infra/app.ts`). The manifests come from the context value `jobctl:manifests`
 * (default in cdk.json: the seed's `hello`, the Forbid/time-zone CronJob and the Indexed Job of `examples/`,
 * comma-separated; override with `cdk synth -c jobctl:manifests=path`). cdk-nag's AwsSolutions pack runs as a
 * validation plugin, so `cdk synth` fails on any unacknowledged finding. `jobctl:dispatcherEntry` /
 * `jobctl:jobControllerEntry` override the Lambda entry files; `jobctl:network` (nat | public),
 * `jobctl:taskCpuArchitecture` (X86_64 | ARM64), `jobctl:dockerHubMirror` and `jobctl:containerInsights` (true | false)
 * set the construct's props of those names.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { JobctlStack } from './jobctl-stack.ts';

const app = new App({ builtinCloudFormationValidation: process.env.CDK_VALIDATION !== 'false' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

const context = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
};

new JobctlStack(app, context('jobctl:stackName') ?? 'Jobctl', {
  description: 'jobctl: Kubernetes CronJobs and Jobs on EventBridge Scheduler, Lambda, DynamoDB and Fargate',
  manifests: context('jobctl:manifests') ?? 'examples/hello,examples/cronjobs,examples/jobs',
  dispatcherEntry: context('jobctl:dispatcherEntry'),
  jobControllerEntry: context('jobctl:jobControllerEntry'),
  tasksUseWorkQueues: context('jobctl:tasksUseWorkQueues') === 'true',
  ...choice('jobctl:network', ['nat', 'public'] as const, (network) => ({ network })),
  ...choice('jobctl:taskCpuArchitecture', ['X86_64', 'ARM64'] as const, (taskCpuArchitecture) => ({
    taskCpuArchitecture,
  })),
  ...choice('jobctl:dockerHubMirror', ['true', 'false'] as const, (on) => ({ dockerHubMirror: on === 'true' })),
  ...choice('jobctl:containerInsights', ['true', 'false'] as const, (on) => ({ containerInsights: on === 'true' })),
});

/**
 * A context value that must be one of `values` (`cdk synth -c jobctl:network=public`): props from it, or none when
 * unset.
 */
function choice<T extends string, P>(
  key: string,
  values: readonly T[],
  props: (value: T) => P,
): P | Record<string, never> {
  const value = context(key);
  if (value === undefined) return {};
  if (!(values as readonly string[]).includes(value))
    throw new Error(`Jobctl: context ${key}: invalid value "${value}": must be ${values.join(' or ')}`);
  return props(value as T);
}

app.synth();
