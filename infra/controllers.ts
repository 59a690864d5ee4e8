import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { MAX_RETRY_ATTEMPTS } from '../src/adapters/scheduler/cronjob-schedules.ts';
import { createFunction, defaultEntry, type FunctionSettings, streamFailureDestination } from './functions.ts';
import { JOBCTL_ENV } from './lambda-env.ts';

// The dispatcher and the job controller, added to the Jobctl construct's own scope, so the resources keep their
// logical IDs (see state-table.ts).

/** What the construct's Lambdas share. */
export type CommonFunctionSettings = Pick<FunctionSettings, 'architecture' | 'logRetention' | 'removalPolicy'>;

/** The dispatcher: EventBridge Scheduler payload -> CronJob sync -> Job creation in the state table. */
export function createDispatcher(
  scope: Construct,
  common: CommonFunctionSettings,
  deps: { entry: string | undefined; table: dynamodb.ITable },
): NodejsFunction {
  return createFunction(scope, 'Dispatcher', {
    ...common,
    entry: deps.entry ?? defaultEntry('dispatcher'),
    description: 'jobctl dispatcher: EventBridge Scheduler payload -> CronJob sync -> Job creation in the state table',
    timeout: Duration.seconds(60),
    // The dispatcher reads and writes the table; the job controller launches the Job's tasks
    // (src/runtime/lambda/env.ts). Its repeated-local-time variables are added by grantDstRuns, once the scheduler
    // role exists.
    environment: { [JOBCTL_ENV.tableName]: deps.table.tableName, NODE_OPTIONS: '--enable-source-maps' },
  });
}

/** What the job controller's environment names (src/runtime/lambda/env.ts). */
export interface JobControllerDeps {
  readonly table: dynamodb.ITable;
  readonly cluster: ecs.ICluster;
  readonly taskSubnets: ec2.SelectedSubnets;
  readonly taskSecurityGroups: readonly ec2.ISecurityGroup[];
  readonly taskLogGroup: logs.ILogGroup;
  readonly taskExecutionRole: iam.IRole;
  readonly taskRole: iam.IRole;
  readonly taskFamilyPrefix: string;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  readonly requeueRole: iam.IRole;
  readonly deadLetterQueue: sqs.IQueue;
  readonly dispatcher: lambda.IFunction;
  readonly schedulerRole: iam.IRole;
}

/** The job controller: ECS Task State Change events, state-table stream and requeues -> Job sync. */
export function createJobController(
  scope: Construct,
  common: CommonFunctionSettings,
  deps: JobControllerDeps,
  settings: {
    readonly entry: string | undefined;
    readonly publicIp: boolean;
    readonly taskCpuArchitecture: 'X86_64' | 'ARM64';
    readonly dockerHubMirror: 'ecr-public' | 'off';
    readonly dockerHubCredentialsArn: string | undefined;
    readonly retryAttempts: number;
  },
): NodejsFunction {
  const credentials = settings.dockerHubCredentialsArn;
  return createFunction(scope, 'JobController', {
    ...common,
    entry: settings.entry ?? defaultEntry('job-controller'),
    description: 'jobctl job controller: ECS Task State Change events, state-table stream and requeues -> Job sync',
    // Above src/runtime/lambda/env.ts JOBCTL_MAX_INLINE_WAIT_MS (20 s) plus the sync itself.
    timeout: Duration.seconds(120),
    environment: {
      [JOBCTL_ENV.tableName]: deps.table.tableName,
      [JOBCTL_ENV.clusterArn]: deps.cluster.clusterArn,
      [JOBCTL_ENV.subnets]: deps.taskSubnets.subnetIds.join(','),
      [JOBCTL_ENV.securityGroups]: deps.taskSecurityGroups.map((g) => g.securityGroupId).join(','),
      [JOBCTL_ENV.assignPublicIp]: settings.publicIp ? 'ENABLED' : 'DISABLED',
      [JOBCTL_ENV.taskCpuArchitecture]: settings.taskCpuArchitecture,
      [JOBCTL_ENV.dockerHubMirror]: settings.dockerHubMirror,
      ...(credentials === undefined ? {} : { [JOBCTL_ENV.dockerHubCredentialsArn]: credentials }),
      [JOBCTL_ENV.logGroupName]: deps.taskLogGroup.logGroupName,
      [JOBCTL_ENV.logStreamPrefix]: 'jobctl',
      [JOBCTL_ENV.taskExecutionRoleArn]: deps.taskExecutionRole.roleArn,
      [JOBCTL_ENV.taskRoleArn]: deps.taskRole.roleArn,
      [JOBCTL_ENV.taskFamilyPrefix]: deps.taskFamilyPrefix,
      [JOBCTL_ENV.scheduleGroupName]: deps.scheduleGroup.scheduleGroupName,
      [JOBCTL_ENV.schedulerRoleArn]: deps.requeueRole.roleArn,
      [JOBCTL_ENV.deadLetterQueueArn]: deps.deadLetterQueue.queueArn,
      // Schedules of CronJobs created with jobctl at run time (src/adapters/scheduler/runtime-schedules.ts).
      [JOBCTL_ENV.dispatcherArn]: deps.dispatcher.functionArn,
      [JOBCTL_ENV.dispatchRoleArn]: deps.schedulerRole.roleArn,
      [JOBCTL_ENV.scheduleRetryAttempts]: String(settings.retryAttempts),
      NODE_OPTIONS: '--enable-source-maps',
    },
  });
}

/**
 * The job controller's inputs besides schedules: the state table's stream, and the cluster's ECS Task State Change
 * events through an EventBridge rule (returned).
 */
export function subscribeJobController(
  scope: Construct,
  jobController: NodejsFunction,
  deps: { table: dynamodb.ITable; cluster: ecs.ICluster; deadLetterQueue: sqs.IQueue },
): events.Rule {
  jobController.addEventSource(
    new DynamoEventSource(deps.table, {
      // TRIM_HORIZON: writes made before the mapping exists (the first deploy) are not skipped.
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: 10,
      maxRecordAge: Duration.days(1),
      onFailure: streamFailureDestination(deps.deadLetterQueue),
    }),
  );

  // ECS Task State Change events (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html):
  // at least once and possibly out of order, so the controller orders them by `detail.version`.
  return new events.Rule(scope, 'TaskStateChangeRule', {
    description: 'jobctl: task state changes of the jobctl cluster -> job controller',
    // Only the states the controller records (src/adapters/ecs/ecs-task-events.ts taskReportOf): PROVISIONING,
    // PENDING, ACTIVATING, DEACTIVATING, STOPPING and DEPROVISIONING would each be an invocation that drops the event.
    eventPattern: {
      source: ['aws.ecs'],
      detailType: ['ECS Task State Change'],
      detail: { clusterArn: [deps.cluster.clusterArn], lastStatus: ['RUNNING', 'STOPPED'] },
    },
    targets: [
      new eventTargets.LambdaFunction(jobController, {
        retryAttempts: MAX_RETRY_ATTEMPTS,
        maxEventAge: Duration.hours(24),
        deadLetterQueue: deps.deadLetterQueue,
      }),
    ],
  });
}
