/**
 * Environment of the jobctl Lambdas. **The CDK construct sets exactly these variables** (names match
 * `infra/lambda-env.ts` `JOBCTL_ENV` where that file already names them; the ones marked NEW are added here).
 *
 * | variable | dispatcher | job controller | meaning |
 * | --- | --- | --- | --- |
 * | `JOBCTL_TABLE_NAME` | required | required | the state table (`src/adapters/dynamodb/state-table.ts`) |
 * | `JOBCTL_CLUSTER_ARN` | – | required | ECS cluster of the tasks (RunTask/StopTask/ListTasks `cluster`) |
 * | `JOBCTL_SUBNETS` | – | required | comma-separated subnet ids (RunTask `awsvpcConfiguration.subnets`) |
 * | `JOBCTL_SECURITY_GROUPS` | – | required | comma-separated security group ids |
 * | `JOBCTL_ASSIGN_PUBLIC_IP` | – | optional | `ENABLED` or `DISABLED` (default `DISABLED`) |
 * | `JOBCTL_TASK_ROLE_ARN` | – | required | task definitions' `taskRoleArn` (job controller needs `iam:PassRole` on it)
 * |
 * | `JOBCTL_TASK_EXECUTION_ROLE_ARN` | – | required | task definitions' `executionRoleArn` (`iam:PassRole` too) |
 * | `JOBCTL_LOG_GROUP` | – | required | CloudWatch Logs group of the tasks' awslogs driver |
 * | `JOBCTL_LOG_STREAM_PREFIX` | – | optional | `awslogs-stream-prefix` (default `jobctl`) |
 * | `JOBCTL_TASK_FAMILY_PREFIX` | – | optional | task definition family prefix (default `jobctl`) |
 * | `JOBCTL_TASK_CPU_ARCHITECTURE` | – | optional | `X86_64` or `ARM64`: tasks' CPU architecture unless a pod's
 * `nodeSelector` names `kubernetes.io/arch` (default `X86_64`) |
 * | `JOBCTL_DOCKER_HUB_MIRROR` | – | optional | `ecr-public` (Docker Official Images from
 * `public.ecr.aws/docker/library`) or `off` (default `ecr-public`) |
 * | `JOBCTL_DOCKER_HUB_CREDENTIALS_ARN` | – | optional | Secrets Manager secret the tasks pull Docker Hub images with
 * (`repositoryCredentials`) |
 * | `JOBCTL_SCHEDULE_GROUP` | with `JOBCTL_DISPATCH_ROLE_ARN` | required | Scheduler group of the durable-timer
 * (requeue) one-time schedules, and of the dispatcher's `dst.*` ones |
 * | `JOBCTL_SCHEDULER_ROLE_ARN` | – | required | NEW: role Scheduler assumes to invoke the job controller
 * (`iam:PassRole`) |
 * | `JOBCTL_REQUEUE_TARGET_ARN` | – | optional | NEW: the job controller's own ARN, target of requeue schedules;
 * default: the invocation's `context.invokedFunctionArn` (so the construct need not make the function reference itself)
 * |
 * | `JOBCTL_DLQ_ARN` | optional | optional | NEW: SQS queue ARN for the one-time (requeue, `dst.*`) schedules'
 * `DeadLetterConfig` (default: none) |
 * | `JOBCTL_MAX_INLINE_WAIT_MS` | – | optional | NEW: a requeue due within this many ms is waited out in the invocation
 * instead of a schedule (default 20000; the Lambda timeout must exceed it by the sync time, so ≥ 60 s) |
 * | `JOBCTL_DISPATCHER_ARN` | – | optional | NEW: target of the schedules of CronJobs created with jobctl at run time
 * (`runtime-schedules.ts`); unset: such CronJobs get no schedule |
 * | `JOBCTL_DISPATCH_ROLE_ARN` | optional | with the above | NEW: role Scheduler assumes to invoke the dispatcher
 * (`iam:PassRole`). On the dispatcher: set, it schedules the second occurrence of repeated local times (`dst.*`
 * one-time schedules targeting its own `context.invokedFunctionArn`); unset, it does not |
 * | `JOBCTL_SCHEDULE_RETRY_ATTEMPTS` | optional | optional | NEW: their RetryPolicy.MaximumRetryAttempts (default 185)
 * |
 * | `JOBCTL_TASKS_USE_WORK_QUEUES` | – | optional | NEW: `true` gives every task `JOBCTL_CONTEXT=aws`,
 * `JOBCTL_TABLE_NAME`, `JOBCTL_LOG_GROUP` and `AWS_REGION`, so `jobctl worker` in a task finds the stack's queues (the
 * construct's `tasksUseWorkQueues`) |
 * | `AWS_REGION` | set by Lambda | set by Lambda | region of the log group (`awslogs-region`) |
 *
 * Permissions that follow (exactly: test/integration/aws-world.test.ts fails on a denied request and on an unused
 * grant): the dispatcher reads and writes the table (GetItem, PutItem, Query on GSI2; it never launches a task: the
 * job controller reacts to the Job it created through the table's stream), and for repeated local times
 * `scheduler:CreateSchedule` on `schedule/<group>/dst.*` and `iam:PassRole` on the dispatch role. The job controller:
 * the table; ECS RunTask/StopTask/DescribeTasks/RegisterTaskDefinition/DescribeTaskDefinition/TagResource, and
 * ListTasks (on `*` with the `ecs:cluster` condition: the resync's orphan sweep); `iam:PassRole` on the two task
 * roles and the scheduler roles; `scheduler:CreateSchedule` on `schedule/<group>/*`.
 *
 * @example
 * const env = loadJobControllerEnv(); // at module scope: a cold start fails at once, naming the missing variable
 */

/** What the dispatcher needs. */
export interface DispatcherEnv {
  tableName: string;
  /**
   * Set (with `JOBCTL_DISPATCH_ROLE_ARN`) when the dispatcher schedules the second occurrence of repeated local times.
   */
  dstRuns?: { scheduleGroup: string; roleArn: string; deadLetterQueueArn?: string; maximumRetryAttempts: number };
}

/** What the job controller needs. */
export interface JobControllerEnv extends Pick<DispatcherEnv, 'tableName'> {
  clusterArn: string;
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: 'ENABLED' | 'DISABLED';
  taskRoleArn: string;
  taskExecutionRoleArn: string;
  logGroup: string;
  logStreamPrefix: string;
  taskFamilyPrefix: string;
  taskCpuArchitecture: 'X86_64' | 'ARM64';
  dockerHubMirror: 'ecr-public' | 'off';
  dockerHubCredentialsArn?: string;
  region: string;
  scheduleGroup: string;
  schedulerRoleArn: string;
  /** undefined: the invocation's own ARN. */
  requeueTargetArn?: string;
  deadLetterQueueArn?: string;
  maxInlineWaitMs: number;
  /** Set when the job controller owns run-time CronJobs' schedules. */
  runtimeSchedules?: { dispatcherArn: string; roleArn: string; maximumRetryAttempts: number };
  /** `JOBCTL_TASKS_USE_WORK_QUEUES=true`: tasks get what `jobctl worker` needs to reach the stack's work queues. */
  tasksUseWorkQueues: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the dispatcher's environment; throws naming the first missing variable. */
export function loadDispatcherEnv(env: Env = process.env): DispatcherEnv {
  const tableName = required(env, 'JOBCTL_TABLE_NAME');
  const roleArn = optional(env, 'JOBCTL_DISPATCH_ROLE_ARN');
  if (roleArn === undefined) return { tableName };
  const deadLetterQueueArn = optional(env, 'JOBCTL_DLQ_ARN');
  return {
    tableName,
    dstRuns: {
      scheduleGroup: required(env, 'JOBCTL_SCHEDULE_GROUP'),
      roleArn,
      ...(deadLetterQueueArn === undefined ? {} : { deadLetterQueueArn }),
      maximumRetryAttempts: scheduleRetryAttempts(env),
    },
  };
}

/** Reads the job controller's environment; throws naming the first missing or invalid variable. */
export function loadJobControllerEnv(env: Env = process.env): JobControllerEnv {
  const assignPublicIp = optional(env, 'JOBCTL_ASSIGN_PUBLIC_IP') ?? 'DISABLED';
  if (assignPublicIp !== 'ENABLED' && assignPublicIp !== 'DISABLED') {
    throw new TypeError(
      `environment: JOBCTL_ASSIGN_PUBLIC_IP: invalid value "${assignPublicIp}": must be ENABLED or DISABLED`,
    );
  }
  const inline = optional(env, 'JOBCTL_MAX_INLINE_WAIT_MS') ?? '20000';
  if (!/^\d+$/.test(inline))
    throw new TypeError(
      `environment: JOBCTL_MAX_INLINE_WAIT_MS: invalid value "${inline}": must be a whole number of milliseconds`,
    );
  const requeueTargetArn = optional(env, 'JOBCTL_REQUEUE_TARGET_ARN');
  const deadLetterQueueArn = optional(env, 'JOBCTL_DLQ_ARN');
  const dispatcherArn = optional(env, 'JOBCTL_DISPATCHER_ARN');
  const tasksUseWorkQueues = optional(env, 'JOBCTL_TASKS_USE_WORK_QUEUES') ?? 'false';
  if (tasksUseWorkQueues !== 'true' && tasksUseWorkQueues !== 'false')
    throw new TypeError(
      `environment: JOBCTL_TASKS_USE_WORK_QUEUES: invalid value "${tasksUseWorkQueues}": must be true or false`,
    );
  const retries = scheduleRetryAttempts(env);
  const taskCpuArchitecture = oneOf(env, 'JOBCTL_TASK_CPU_ARCHITECTURE', ['X86_64', 'ARM64'] as const, 'X86_64');
  const dockerHubMirror = oneOf(env, 'JOBCTL_DOCKER_HUB_MIRROR', ['ecr-public', 'off'] as const, 'ecr-public');
  const dockerHubCredentialsArn = optional(env, 'JOBCTL_DOCKER_HUB_CREDENTIALS_ARN');
  return {
    tableName: required(env, 'JOBCTL_TABLE_NAME'),
    clusterArn: required(env, 'JOBCTL_CLUSTER_ARN'),
    subnets: list(env, 'JOBCTL_SUBNETS'),
    securityGroups: list(env, 'JOBCTL_SECURITY_GROUPS'),
    assignPublicIp,
    taskRoleArn: required(env, 'JOBCTL_TASK_ROLE_ARN'),
    taskExecutionRoleArn: required(env, 'JOBCTL_TASK_EXECUTION_ROLE_ARN'),
    logGroup: required(env, 'JOBCTL_LOG_GROUP'),
    logStreamPrefix: optional(env, 'JOBCTL_LOG_STREAM_PREFIX') ?? 'jobctl',
    taskFamilyPrefix: optional(env, 'JOBCTL_TASK_FAMILY_PREFIX') ?? 'jobctl',
    taskCpuArchitecture,
    dockerHubMirror,
    ...(dockerHubCredentialsArn === undefined ? {} : { dockerHubCredentialsArn }),
    region: required(env, 'AWS_REGION'),
    scheduleGroup: required(env, 'JOBCTL_SCHEDULE_GROUP'),
    schedulerRoleArn: required(env, 'JOBCTL_SCHEDULER_ROLE_ARN'),
    ...(requeueTargetArn === undefined ? {} : { requeueTargetArn }),
    ...(deadLetterQueueArn === undefined ? {} : { deadLetterQueueArn }),
    maxInlineWaitMs: Number(inline),
    tasksUseWorkQueues: tasksUseWorkQueues === 'true',
    ...(dispatcherArn === undefined
      ? {}
      : {
          runtimeSchedules: {
            dispatcherArn,
            roleArn: required(env, 'JOBCTL_DISPATCH_ROLE_ARN'),
            maximumRetryAttempts: retries,
          },
        }),
  };
}

/** `JOBCTL_SCHEDULE_RETRY_ATTEMPTS`: RetryPolicy.MaximumRetryAttempts of the schedules that invoke the dispatcher. */
function scheduleRetryAttempts(env: Env): number {
  const retries = optional(env, 'JOBCTL_SCHEDULE_RETRY_ATTEMPTS') ?? '185';
  if (!/^\d+$/.test(retries) || Number(retries) > 185)
    throw new TypeError(
      `environment: JOBCTL_SCHEDULE_RETRY_ATTEMPTS: invalid value "${retries}": must be a whole number 0-185`,
    );
  return Number(retries);
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const value = optional(env, name) ?? fallback;
  if (!(values as readonly string[]).includes(value))
    throw new TypeError(`environment: ${name}: invalid value "${value}": must be ${values.join(' or ')}`);
  return value as T;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function required(env: Env, name: string): string {
  const value = optional(env, name);
  if (value === undefined)
    throw new TypeError(`environment: ${name}: required variable is missing or empty: the jobctl construct sets it`);
  return value;
}

function list(env: Env, name: string): string[] {
  return required(env, name)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
