import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDbStateStore } from '../src/aws/dynamodb-state-store.ts';
import { EcsTaskLauncher } from '../src/aws/ecs-task-launcher.ts';
import { EcsTaskReconciler } from '../src/aws/ecs-task-reconciler.ts';
import { loadJobControllerEnv } from '../src/aws/env.ts';
import { RecordingEcsLauncher } from '../src/aws/lambda-launcher.ts';
import { JobControllerLambda, type JobControllerLambdaDeps, type JobControllerResult, type LambdaContextLike } from '../src/aws/lambda-job-controller.ts';
import { RetainedLogSink } from '../src/aws/lambda-log-sink.ts';
import { RuntimeSchedules } from '../src/aws/runtime-schedules.ts';
import { SchedulerRequeue } from '../src/aws/scheduler-requeue.ts';
import { SqsWorkQueue } from '../src/aws/sqs-work-queue.ts';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SystemClock } from '../src/local/clock.ts';
import { DynamoDbResourceQuotas } from '../src/aws/dynamodb-resource-quotas.ts';
import { PacedTaskLauncher } from '../src/pacing/paced-launcher.ts';
import { TokenBucket } from '../src/pacing/token-bucket.ts';

/**
 * Job-controller Lambda: ECS Task State Change events (EventBridge rule), the state table's DynamoDB stream
 * (ReportBatchItemFailures) and requeue timers. Contracts: {@link JobControllerLambda}. Environment: `src/aws/env.ts`.
 */
export function createHandler(deps: JobControllerLambdaDeps): (event: unknown, context?: LambdaContextLike) => Promise<JobControllerResult> {
  const controller = new JobControllerLambda(deps);
  return (event, context) => controller.handle(event, context);
}

const env = loadJobControllerEnv();
const clock = new SystemClock();
const dynamodb = new DynamoDBClient({ maxAttempts: 8 });
const store = new DynamoDbStateStore({ client: dynamodb, tableName: env.tableName, now: () => clock.now() });
/**
 * RunTask calls per second one controller instance makes: ECS allows 20 per account and Region (and launches 20
 * Fargate tasks per second after a burst of 100); the stream runs one instance per shard, so half of it leaves room
 * for a second shard, the dispatchers and requeues. Past it, the ECS client's adaptive retry mode (the SDK's own
 * client-side rate limiter, jittered back-off) slows down on ThrottlingException.
 */
const RUN_TASKS_PER_SECOND = 10;
const ecsClient = new ECSClient({ maxAttempts: 8, retryMode: 'adaptive' });
const ecs = new EcsTaskLauncher({
  client: ecsClient,
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
  ...(env.tasksUseWorkQueues ? { taskEnv: { JOBCTL_CONTEXT: 'aws', JOBCTL_TABLE_NAME: env.tableName, JOBCTL_LOG_GROUP: env.logGroup, AWS_REGION: env.region } } : {}),
});
const scheduler = new SchedulerClient({ maxAttempts: 8 });
const requeue = new SchedulerRequeue({ client: scheduler, groupName: env.scheduleGroup, roleArn: env.schedulerRoleArn, ...(env.deadLetterQueueArn === undefined ? {} : { deadLetterQueueArn: env.deadLetterQueueArn }) });

export const handler = createHandler({
  store,
  launcher: new PacedTaskLauncher(new RecordingEcsLauncher(ecs, store), new TokenBucket({ ratePerSecond: RUN_TASKS_PER_SECOND, burst: RUN_TASKS_PER_SECOND, clock })),
  quotas: new DynamoDbResourceQuotas({ client: dynamodb, tableName: env.tableName, now: () => clock.now() }),
  logs: new RetainedLogSink(),
  clock,
  requeue,
  tasks: new EcsTaskReconciler({ client: ecsClient, cluster: env.clusterArn, store, clock, stopTask: (taskArn, reason) => ecs.stopTask(taskArn, reason) }),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  maxInlineWaitMs: env.maxInlineWaitMs,
  queues: new SqsWorkQueue({ sqs: new SQSClient({ maxAttempts: 8 }), dynamodb, tableName: env.tableName, now: () => clock.now() }),
  ...(env.runtimeSchedules === undefined
    ? {}
    : {
        schedules: new RuntimeSchedules({
          client: scheduler,
          store,
          groupName: env.scheduleGroup,
          ...env.runtimeSchedules,
          ...(env.deadLetterQueueArn === undefined ? {} : { deadLetterQueueArn: env.deadLetterQueueArn }),
        }),
      }),
  ...(env.requeueTargetArn === undefined ? {} : { requeueTargetArn: env.requeueTargetArn }),
});
