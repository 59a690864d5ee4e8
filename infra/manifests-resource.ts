import { CustomResource, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import type { ManifestsProperties } from '../src/runtime/lambda/manifests.ts';
import type { CronJob, Job, ResourceQuotaManifest, WorkQueueManifest } from '../src/spec/types.ts';
import { createFunction } from './functions.ts';
import { JOBCTL_ENV } from './lambda-env.ts';
import { nagResourceId } from './nag-id.ts';
import { grantTable, TABLE_ACCESS } from './table-access.ts';

// Added to the Jobctl construct's own scope, so the resources keep their logical IDs (see state-table.ts).

/**
 * `Custom::JobctlManifests`: writes the config file's CronJobs and Jobs into the state table on every deploy and
 * removes them with the stack (src/controllers/stack-manifests.ts). It depends on the job controller and its stream
 * mapping, so on stack deletion it goes first, while the controller can still stop the removed Jobs' tasks.
 */
export function createManifestsResource(
  scope: Construct,
  config: {
    readonly objects: readonly (CronJob | Job)[];
    readonly queues: readonly WorkQueueManifest[];
    readonly quotas: readonly ResourceQuotaManifest[];
  },
  deps: {
    readonly table: dynamodb.ITable;
    readonly jobController: lambda.IFunction;
    readonly cluster: ecs.ICluster;
    readonly workQueues: ReadonlyArray<{ readonly queue: sqs.IQueue }>;
    readonly taskSubnets: ec2.SelectedSubnets;
  },
  settings: {
    readonly architecture: lambda.Architecture;
    readonly logRetention: logs.RetentionDays;
    readonly removalPolicy: RemovalPolicy;
    readonly entry: string;
  },
): CustomResource {
  const onEvent = createFunction(scope, 'ManifestsFunction', {
    ...settings,
    description: "jobctl manifests: cdk deploy -> the config file's CronJobs and Jobs in the state table",
    timeout: Duration.minutes(5),
    environment: { [JOBCTL_ENV.tableName]: deps.table.tableName, NODE_OPTIONS: '--enable-source-maps' },
  });
  grantTable(deps.table, onEvent, TABLE_ACCESS.manifests);
  const provider = new cr.Provider(scope, 'ManifestsProvider', {
    onEventHandler: onEvent,
    logGroup: new logs.LogGroup(scope, 'ManifestsProviderLogs', {
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    }),
  });
  const properties: Omit<ManifestsProperties, 'ServiceToken'> = {
    StackName: Stack.of(scope).stackName,
    Manifests: JSON.stringify(config.objects),
    Queues: JSON.stringify(config.queues),
    Quotas: JSON.stringify(config.quotas),
  };
  const resource = new CustomResource(scope, 'Manifests', {
    serviceToken: provider.serviceToken,
    resourceType: 'Custom::JobctlManifests',
    properties,
  });
  resource.node.addDependency(deps.jobController);
  // Deleted before the cluster, which refuses to go while the removed Jobs' tasks still run (it waits for them).
  resource.node.addDependency(deps.cluster);
  // The queues' SQS side exists before their records say they do.
  for (const { queue } of deps.workQueues) resource.node.addDependency(queue);
  // The config file's Jobs start at once: their tasks need the route out (the NAT gateway takes minutes) to pull
  // their images (AWS-AUDIT.md F5).
  resource.node.addDependency(deps.taskSubnets.internetConnectivityEstablished);
  acknowledgeProviderFramework(scope, provider, onEvent);
  return resource;
}

/** cdk-nag findings on the CDK Provider framework's own function, each with its reason. */
function acknowledgeProviderFramework(scope: Construct, provider: cr.Provider, onEvent: NodejsFunction): void {
  const frameworkRole = provider.node.findChild('framework-onEvent').node.findChild('ServiceRole');
  Validations.of(frameworkRole).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "The CDK Provider framework's own function (aws-cdk-lib custom-resources), not configurable: basic execution " +
        'only, for its log writes.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::${nagResourceId(scope, onEvent.functionArn)}:*]`,
      reason:
        'The Provider framework invokes the manifests function and its versions only (lambda:InvokeFunction on ' +
        '<fn>:*), added by aws-cdk-lib.',
    },
  );
}
