/**
 * The jobctl CDK app (`cdk.json`: `tsx infra/app.ts`). The manifests come from the context value `jobctl:manifests`
 * (default in cdk.json: the seed's `hello`, the Forbid/time-zone CronJob and the Indexed Job of `examples/`, comma-separated; override with `cdk synth -c jobctl:manifests=path`). cdk-nag's AwsSolutions pack
 * runs as a validation plugin, so `cdk synth` fails on any unacknowledged finding.
 * `jobctl:dispatcherEntry` / `jobctl:jobControllerEntry` override the Lambda entry files.
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
});

app.synth();
