/**
 * Names of the environment variables the `Jobctl` construct sets on the Lambdas (read by `src/runtime/lambda/env.ts`):
 * the dispatcher gets the table name and what its repeated-local-time schedules need (schedule group, dispatch role,
 * dead-letter queue, retry attempts), the job controller all of them. Kept free of imports so `functions/*.ts` can
 * import it without bundling aws-cdk-lib.
 *
 * @example
 * import { JOBCTL_ENV } from './lambda-env.ts';
 * const tableName = process.env[JOBCTL_ENV.tableName];
 */
export const JOBCTL_ENV = {
  /** The state table's name (`src/adapters/dynamodb/state-table.ts` layout). */
  tableName: 'JOBCTL_TABLE_NAME',
  /** ARN of the ECS cluster the tasks run in. */
  clusterArn: 'JOBCTL_CLUSTER_ARN',
  /** Comma-separated subnet ids for RunTask `awsvpcConfiguration.subnets`. */
  subnets: 'JOBCTL_SUBNETS',
  /** Comma-separated security group ids for RunTask `awsvpcConfiguration.securityGroups`. */
  securityGroups: 'JOBCTL_SECURITY_GROUPS',
  /** `ENABLED` or `DISABLED`: RunTask `awsvpcConfiguration.assignPublicIp`. */
  assignPublicIp: 'JOBCTL_ASSIGN_PUBLIC_IP',
  /** CloudWatch Logs group of the tasks' awslogs driver. */
  logGroupName: 'JOBCTL_LOG_GROUP',
  /** `awslogs-stream-prefix` of the tasks. */
  logStreamPrefix: 'JOBCTL_LOG_STREAM_PREFIX',
  /** Task definitions' `executionRoleArn`. */
  taskExecutionRoleArn: 'JOBCTL_TASK_EXECUTION_ROLE_ARN',
  /** Task definitions' `taskRoleArn`. */
  taskRoleArn: 'JOBCTL_TASK_ROLE_ARN',
  /** First part of every task definition family; the Lambdas may only RunTask families starting with `<prefix>-`. */
  taskFamilyPrefix: 'JOBCTL_TASK_FAMILY_PREFIX',
  /** `X86_64` or `ARM64`: the tasks' CPU architecture unless a pod's `nodeSelector` names `kubernetes.io/arch`. */
  taskCpuArchitecture: 'JOBCTL_TASK_CPU_ARCHITECTURE',
  /** `ecr-public` or `off`: whether Docker Official Images are pulled from their Amazon ECR Public mirror. */
  dockerHubMirror: 'JOBCTL_DOCKER_HUB_MIRROR',
  /** Secrets Manager secret ARN the tasks pull Docker Hub images with (`repositoryCredentials`). */
  dockerHubCredentialsArn: 'JOBCTL_DOCKER_HUB_CREDENTIALS_ARN',
  /**
   * EventBridge Scheduler schedule group holding the CronJobs' schedules (and the one-time requeue and `dst.*` ones).
   */
  scheduleGroupName: 'JOBCTL_SCHEDULE_GROUP',
  /** Role EventBridge Scheduler assumes for the job controller's one-time requeue schedules (durable timers). */
  schedulerRoleArn: 'JOBCTL_SCHEDULER_ROLE_ARN',
  /** ARN of the SQS dead-letter queue, for the one-time (requeue, `dst.*`) schedules' `DeadLetterConfig`. */
  deadLetterQueueArn: 'JOBCTL_DLQ_ARN',
  /** The dispatcher's ARN: target of the schedules of CronJobs created with jobctl at run time. */
  dispatcherArn: 'JOBCTL_DISPATCHER_ARN',
  /**
   * Role EventBridge Scheduler assumes to invoke the dispatcher (the CronJob schedules' role, and the dispatcher's
   * `dst.*` ones).
   */
  dispatchRoleArn: 'JOBCTL_DISPATCH_ROLE_ARN',
  /** `true`: tasks get the variables `jobctl worker` needs to reach the stack's work queues. */
  tasksUseWorkQueues: 'JOBCTL_TASKS_USE_WORK_QUEUES',
  /** RetryPolicy.MaximumRetryAttempts of the CronJob schedules (and the dispatcher's `dst.*` ones). */
  scheduleRetryAttempts: 'JOBCTL_SCHEDULE_RETRY_ATTEMPTS',
} as const;

/** One of the {@link JOBCTL_ENV} variable names. */
export type JobctlEnvName = (typeof JOBCTL_ENV)[keyof typeof JOBCTL_ENV];
