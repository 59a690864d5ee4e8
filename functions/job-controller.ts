import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { ECSClient, type ECSClientConfig } from '@aws-sdk/client-ecs';
import { SchedulerClient, type SchedulerClientConfig } from '@aws-sdk/client-scheduler';
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { cronJobRecords } from '../src/runtime/lambda/cronjob-records.ts';
import { EventBridgeClient, type EventBridgeClientConfig } from '@aws-sdk/client-eventbridge';
import { DynamoDbResourceQuotas } from '../src/adapters/dynamodb/dynamodb-resource-quotas.ts';
import { DynamoDbStateStore } from '../src/adapters/dynamodb/dynamodb-state-store.ts';
import { EcsTaskLauncher } from '../src/adapters/ecs/ecs-task-launcher.ts';
import { EcsTaskReconciler } from '../src/runtime/lambda/task-reconciler.ts';
import { loadJobControllerEnv, type JobControllerEnv } from '../src/runtime/lambda/env.ts';
import { RecordingEcsLauncher } from '../src/runtime/lambda/launcher.ts';
import {
  JobControllerLambda,
  type JobControllerLambdaDeps,
  type JobControllerResult,
  type LambdaContextLike,
} from '../src/runtime/lambda/job-controller.ts';
import { RetainedLogSink } from '../src/runtime/lambda/log-sink.ts';
import { RuntimeSchedules } from '../src/adapters/scheduler/runtime-schedules.ts';
import { SchedulerRequeue } from '../src/adapters/scheduler/scheduler-requeue.ts';
import { SqsWorkQueue } from '../src/adapters/sqs/sqs-work-queue.ts';
import { SystemClock } from '../src/adapters/clock/clock.ts';
import { PacedTaskLauncher } from '../src/adapters/pacing/paced-launcher.ts';
import { TokenBucket } from '../src/adapters/pacing/token-bucket.ts';
import type { Clock } from '../src/ports/clock.ts';

/**
 * Job-controller Lambda: ECS Task State Change events (EventBridge rule), the state table's DynamoDB stream
 * (ReportBatchItemFailures), requeue timers and the periodic resync. Contracts: {@link JobControllerLambda}.
 * Environment: `src/runtime/lambda/env.ts`.
 */
export function createHandler(
  deps: JobControllerLambdaDeps,
): (event: unknown, context?: LambdaContextLike) => Promise<JobControllerResult> {
  const controller = new JobControllerLambda(deps);
  return (event, context) => controller.handle(event, context);
}

/** The SDK clients the job controller calls AWS with. */
export interface JobControllerClients {
  dynamodb: DynamoDBClient;
  ecs: ECSClient;
  scheduler: SchedulerClient;
  sqs: SQSClient;
  events: EventBridgeClient;
}

/**
 * The clients as the Lambda builds them; `config` adds to each (tests: an endpoint and credentials). 8 attempts each;
 * ECS in the adaptive retry mode (jittered back-off plus the SDK's own rate limiter once throttled).
 */
export function jobControllerClients(
  config: {
    dynamodb?: DynamoDBClientConfig;
    ecs?: ECSClientConfig;
    scheduler?: SchedulerClientConfig;
    sqs?: SQSClientConfig;
    events?: EventBridgeClientConfig;
  } = {},
): JobControllerClients {
  return {
    dynamodb: new DynamoDBClient({ maxAttempts: 8, ...config.dynamodb }),
    ecs: new ECSClient({ maxAttempts: 8, retryMode: 'adaptive', ...config.ecs }),
    scheduler: new SchedulerClient({ maxAttempts: 8, ...config.scheduler }),
    sqs: new SQSClient({ maxAttempts: 8, ...config.sqs }),
    events: new EventBridgeClient({ maxAttempts: 8, ...config.events }),
  };
}

/**
 * RunTask calls per second one controller instance makes: ECS allows 20 per account and Region (and launches 20
 * Fargate tasks per second after a burst of 100); the stream runs one instance per shard, so half of it leaves room
 * for a second shard, the dispatchers and requeues. Past it, the ECS client's adaptive retry mode (the SDK's own
 * client-side rate limiter, jittered back-off) slows down on ThrottlingException.
 */
const RUN_TASKS_PER_SECOND = 10;

/** Everything the handler works with, wired from the environment: what the module scope runs, and what tests run. */
export function jobControllerDeps(
  env: JobControllerEnv,
  runtime: { clients: JobControllerClients; clock: Clock; sleep: (ms: number) => Promise<void> },
): JobControllerLambdaDeps {
  const { clients, clock } = runtime;
  const store = new DynamoDbStateStore({ client: clients.dynamodb, tableName: env.tableName, now: () => clock.now() });
  const ecs = new EcsTaskLauncher({
    client: clients.ecs,
    cluster: env.clusterArn,
    subnets: env.subnets,
    securityGroups: env.securityGroups,
    assignPublicIp: env.assignPublicIp,
    taskDefinitions: {
      executionRoleArn: env.taskExecutionRoleArn,
      taskRoleArn: env.taskRoleArn,
      logGroup: env.logGroup,
      logRegion: env.region,
      logStreamPrefix: env.logStreamPrefix,
      familyPrefix: env.taskFamilyPrefix,
      cpuArchitecture: env.taskCpuArchitecture,
      dockerHubMirror: env.dockerHubMirror,
      ...(env.dockerHubCredentialsArn === undefined ? {} : { dockerHubCredentialsArn: env.dockerHubCredentialsArn }),
    },
    // The fine work-queue pattern on Fargate: `jobctl worker` in a task reaches this stack (its role is granted too).
    ...(env.tasksUseWorkQueues
      ? {
          taskEnv: {
            JOBCTL_CONTEXT: 'aws',
            JOBCTL_TABLE_NAME: env.tableName,
            JOBCTL_LOG_GROUP: env.logGroup,
            AWS_REGION: env.region,
          },
        }
      : {}),
  });
  const deadLetters = env.deadLetterQueueArn === undefined ? {} : { deadLetterQueueArn: env.deadLetterQueueArn };
  return {
    store,
    launcher: new PacedTaskLauncher(
      new RecordingEcsLauncher(ecs, store, () => clock.now()),
      new TokenBucket({ ratePerSecond: RUN_TASKS_PER_SECOND, burst: RUN_TASKS_PER_SECOND, clock }),
    ),
    quotas: new DynamoDbResourceQuotas({ client: clients.dynamodb, tableName: env.tableName, now: () => clock.now() }),
    ...cronJobRecords(clients, env.tableName, clock),
    logs: new RetainedLogSink(),
    clock,
    requeue: new SchedulerRequeue({
      client: clients.scheduler,
      groupName: env.scheduleGroup,
      roleArn: env.schedulerRoleArn,
      ...deadLetters,
    }),
    tasks: new EcsTaskReconciler({
      client: clients.ecs,
      cluster: env.clusterArn,
      store,
      clock,
      stopTask: (taskArn, reason) => ecs.stopTask(taskArn, reason),
    }),
    sleep: runtime.sleep,
    maxInlineWaitMs: env.maxInlineWaitMs,
    queues: new SqsWorkQueue({
      sqs: clients.sqs,
      dynamodb: clients.dynamodb,
      tableName: env.tableName,
      now: () => clock.now(),
    }),
    ...(env.runtimeSchedules === undefined
      ? {}
      : {
          schedules: new RuntimeSchedules({
            client: clients.scheduler,
            store,
            groupName: env.scheduleGroup,
            ...env.runtimeSchedules,
            ...deadLetters,
          }),
        }),
    ...(env.requeueTargetArn === undefined ? {} : { requeueTargetArn: env.requeueTargetArn }),
  };
}

export const handler = createHandler(
  jobControllerDeps(loadJobControllerEnv(), {
    clients: jobControllerClients(),
    clock: new SystemClock(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  }),
);
