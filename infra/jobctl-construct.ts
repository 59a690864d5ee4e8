import { fileURLToPath } from 'node:url';
import { Annotations, ArnFormat, CustomResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { IEventSourceDlq } from 'aws-cdk-lib/aws-lambda';
import { ValidationErrors } from '../src/errors.ts';
import { MAX_RETRY_ATTEMPTS, RUNTIME_SCHEDULE_PREFIX } from '../src/adapters/scheduler/cronjob-schedules.ts';
import { DST_RUN_SCHEDULE_PREFIX } from '../src/runtime/lambda/dispatcher.ts';

/**
 * The state-table actions each role sends, no more: what `DynamoDbStateStore`, `DynamoDbResourceQuotas` and the work
 * queues' tables send on that role's code paths, and what test/integration/aws-world.test.ts measures (it fails on a
 * denied request and on a grant no request used).
 */
const TABLE_ACCESS: Record<'dispatcher' | 'jobController' | 'manifests' | 'worker', { readonly actions: readonly string[]; readonly indexes: ReadonlyArray<'byKind' | 'byOwner'> }> = {
  /** The CronJob controller: the CronJob (GetItem), its Jobs (Query on GSI2), Job creation, status, events (PutItem). */
  dispatcher: { actions: ['GetItem', 'PutItem'], indexes: ['byOwner'] },
  /**
   * The Job controller: objects and pods (GetItem, PutItem, Query of a Job's partition), quota ledgers and work-queue
   * records (UpdateItem), partitions removed (BatchWriteItem, DeleteItem), the resync's lists (GSI1) and a CronJob's
   * Jobs (GSI2).
   */
  jobController: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'Query'], indexes: ['byKind', 'byOwner'] },
  /** `cdk deploy`: the config file's objects, queue settings and quotas written, and removed from a deleted stack. */
  manifests: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'Query'], indexes: ['byKind', 'byOwner'] },
  /** `jobctl worker` in a task (tasksUseWorkQueues): leases, completions and counts of the work queues' records. */
  worker: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'Query'], indexes: ['byKind'] },
};

/** How often the job controller resyncs everything (the safety net behind streams, events and timers). */
/** SQS queue-name prefix of work queues (`SqsWorkQueue`'s default `queuePrefix`). */
import { stateTableKeys } from '../src/adapters/dynamodb/state-table.ts';
import type { ManifestsProperties } from '../src/runtime/lambda/manifests.ts';
import type { CronJob, Job, WorkQueueManifest, ResourceQuotaManifest } from '../src/spec/types.ts';
import type { LoadOptions } from '../src/spec/index.ts';
import { anonymousDockerHubPulls } from '../src/adapters/ecs/docker-hub.ts';
import { JOBCTL_ENV } from './lambda-env.ts';
import { readManifests } from './manifest-source.ts';
import { nagResourceId, roleOf } from './nag-id.ts';
import { createNetwork } from './network.ts';
import { createCronJobSchedules, createResyncSchedule, createSchedulerRole, schedulerPrincipal } from './schedules.ts';
import { createStateTable } from './state-table.ts';
import { createWorkQueues, grantWorkQueues } from './work-queues.ts';

/** Properties of {@link Jobctl}. */
export interface JobctlProps {
  /**
   * A CronJob/Job manifest file, or a folder searched recursively for `.yaml`, `.yml` and `.json` files, or several separated by commas. Every
   * manifest is validated at synth as the Kubernetes API server would; a bad one makes the constructor throw with
   * `file:line field: reason` for each error, so `cdk synth` fails before anything deploys.
   */
  readonly manifests: string;
  /**
   * VPC the Fargate tasks run in. Lambdas are not put in a VPC: they call only AWS APIs.
   * @default - a new two-AZ VPC laid out as `network` says, with a flow log to CloudWatch Logs
   */
  readonly vpc?: ec2.IVpc;
  /**
   * The network of the VPC the construct creates (not used with `vpc`). Tasks need a way out to pull their images and
   * write their logs:
   * - `nat`: tasks in private subnets, egress through one NAT gateway. About $36.5 a month idle in us-east-1 (the
   *   gateway's hours and its public IPv4) plus $0.045/GB; one stable egress IP (allow-lists); no public IP on tasks.
   * - `public`: tasks in public subnets with a public IPv4 each and a security group with no inbound rule (nothing can
   *   connect to them), no NAT gateway. About $0 a month idle; $0.005 per task-hour for the public IPv4 while a task
   *   runs; egress IPs vary per task.
   * `npm run bench -- --only cost` prints both figures for your config file.
   * @default "nat"
   */
  readonly network?: 'nat' | 'public';
  /**
   * Subnets the tasks get their network interface in. Requires `vpc`.
   * @default - the VPC's private subnets with egress (`SubnetType.PRIVATE_WITH_EGRESS`)
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * Security groups of the tasks. Requires `vpc`.
   * @default - one new security group with no inbound rules and all outbound traffic allowed
   */
  readonly securityGroups?: readonly ec2.ISecurityGroup[];
  /**
   * Whether tasks get a public IP (RunTask `assignPublicIp`). Only needed in public subnets without a NAT gateway.
   * @default false
   */
  readonly assignPublicIp?: boolean;
  /**
   * Retention of the tasks' log group, the Lambdas' log groups and the default VPC's flow log.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * A state table to use instead of creating one. It must have the keys and GSIs of `stateTableDefinition`
   * (`src/adapters/dynamodb/state-table.ts`; not checkable at synth), a stream with new and old images, and TTL on `expiresAt`.
   * @default - a new on-demand TableV2 with point-in-time recovery, TTL, a NEW_AND_OLD_IMAGES stream and
   *   AWS-owned-key encryption
   */
  readonly existingTable?: dynamodb.ITable;
  /**
   * Instruction set of the Lambdas. Not the tasks': see `taskCpuArchitecture`.
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;
  /**
   * CPU architecture of the Fargate tasks, unless a pod's `nodeSelector` names `kubernetes.io/arch: amd64|arm64`.
   * Fargate runs the platform the task definition declares whatever the image holds: an image with no variant for it
   * fails with `exec format error`.
   * @default "X86_64" (nearly every image has an amd64 variant; `ARM64`, Graviton, is about 20% cheaper per vCPU-hour
   *   for images built for linux/arm64, as the multi-arch Docker Official Images are)
   */
  readonly taskCpuArchitecture?: 'X86_64' | 'ARM64';
  /**
   * Pull Docker Official Images (`image: busybox`, `python:3.12`) from Docker's mirror on Amazon ECR Public
   * (`public.ecr.aws/docker/library/…`) instead of anonymously from Docker Hub, which allows 10 pulls per hour per IP
   * address (all tasks behind the NAT gateway share one). Manifests stay as written. `cdk synth` warns, at the
   * manifest's line, about every image that would still be pulled anonymously from Docker Hub.
   * @default true
   */
  readonly dockerHubMirror?: boolean;
  /**
   * Docker Hub credentials the tasks pull Docker Hub images with (ECS `repositoryCredentials`): a Secrets Manager
   * secret holding `{"username":"…","password":"<access token>"}`. The execution role may read it.
   * @default - images still on Docker Hub after the mirror are pulled anonymously
   */
  readonly dockerHubCredentials?: secretsmanager.ISecret;
  /**
   * ECS Container Insights on the cluster: per-task CPU, memory and network metrics, billed as custom metrics (about
   * 15 per cluster and 10 per task-definition family that ran in the hour, at $0.30 per metric-month).
   * @default false
   */
  readonly containerInsights?: boolean;
  /**
   * What happens to the state table and the log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN (run history and logs survive a `cdk destroy`)
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Entry file of the dispatcher Lambda (EventBridge Scheduler payload -> CronJob sync).
   * @default - `functions/dispatcher.ts` of this repository
   */
  readonly dispatcherEntry?: string;
  /**
   * Entry file of the job-controller Lambda (ECS Task State Change events and state-table stream -> Job sync).
   * @default - `functions/job-controller.ts` of this repository
   */
  readonly jobControllerEntry?: string;
  /**
   * Entry file of the manifests Lambda (the `Custom::JobctlManifests` resource's `onEvent` handler).
   * @default - `functions/manifests.ts` of this repository
   */
  readonly manifestsEntry?: string;
  /**
   * First part of the task definition families the Lambdas register; RunTask is allowed only on `<prefix>-*`.
   * Letters, digits, `_` and `-`, at most 64.
   * @default "jobctl"
   */
  readonly taskFamilyPrefix?: string;
  /**
   * `RetryPolicy.MaximumRetryAttempts` of every schedule (0–185). Retries also stop when an invocation is older than
   * the CronJob's `startingDeadlineSeconds`.
   * @default 185 (the API maximum: the event age is the real bound)
   */
  readonly scheduleRetryAttempts?: number;
  /**
   * Lets tasks use the stack's work queues (the fine pattern, walkthrough 4: `jobctl worker` inside a task): the task
   * role may read and write the state table and use the `jobctl-*` SQS queues, and every task gets `JOBCTL_CONTEXT=aws`,
   * `JOBCTL_TABLE_NAME`, `JOBCTL_LOG_GROUP` and `AWS_REGION`. Off, tasks get no AWS permission from jobctl.
   * @default false
   */
  readonly tasksUseWorkQueues?: boolean;
}

export { SCHEDULED_TIME_ATTRIBUTE, scheduleNameFor, type DispatcherPayload } from '../src/adapters/scheduler/cronjob-schedules.ts';

/**
 * jobctl on AWS: Kubernetes batch/v1 CronJobs and Jobs run as Fargate tasks, fired by EventBridge Scheduler.
 *
 * Provisions the state table, the ECS cluster and task roles, the tasks' log group, the dispatcher and job-controller
 * Lambdas, an EventBridge rule for the cluster's `ECS Task State Change` events, the table's stream -> job controller,
 * a schedule group with one or two schedules per CronJob in `manifests`, and an SQS dead-letter queue for everything
 * that fails for good, with an alarm.
 *
 * @example
 * new Jobctl(stack, 'Jobctl', { manifests: 'examples', logRetention: logs.RetentionDays.ONE_WEEK });
 */
export class Jobctl extends Construct {
  /** The state table (created, or `existingTable`). */
  public readonly table: dynamodb.ITable;
  /** The VPC of the tasks (created, or `vpc`). */
  public readonly vpc: ec2.IVpc;
  /** Subnets the tasks run in. */
  public readonly taskSubnets: ec2.SelectedSubnets;
  /** Security groups of the tasks. */
  public readonly taskSecurityGroups: readonly ec2.ISecurityGroup[];
  /** ECS cluster of the tasks (Container Insights with `containerInsights`). */
  public readonly cluster: ecs.Cluster;
  /** Log group of the tasks' awslogs driver. */
  public readonly taskLogGroup: logs.LogGroup;
  /** Role the ECS agent uses to pull images and write the tasks' logs. */
  public readonly taskExecutionRole: iam.Role;
  /** Role the tasks' containers run with; it has no permissions: add what your jobs need. */
  public readonly taskRole: iam.Role;
  /** Invoked by the schedules: decides and creates the CronJob's Jobs. */
  public readonly dispatcher: NodejsFunction;
  /** Consumes task state changes and the table stream: launches tasks, applies Job status. */
  public readonly jobController: NodejsFunction;
  /** Rule forwarding this cluster's `ECS Task State Change` events to the job controller. */
  public readonly taskStateChangeRule: events.Rule;
  /** Schedule group of the CronJobs' schedules. */
  public readonly scheduleGroup: scheduler.ScheduleGroup;
  /** Role EventBridge Scheduler assumes for the CronJob schedules: invoke the dispatcher, send to the dead-letter queue. */
  public readonly schedulerRole: iam.Role;
  /** Role EventBridge Scheduler assumes for the job controller's one-time requeue schedules: invoke the job controller, dead-letter. */
  public readonly requeueRole: iam.Role;
  /**
   * Everything that failed for good, kept 14 days: schedule firings and task events that could not be delivered, stream
   * batches the job controller gave up on, and asynchronous invocations (schedules, task events, requeues) whose
   * function failed three times (Lambda's on-failure destination). `jobctl --context aws failures` lists and redrives them.
   */
  public readonly deadLetterQueue: sqs.Queue;
  /** In ALARM while {@link deadLetterQueue} holds a message: add an action (`alarm.addAlarmAction(new SnsAction(topic))`). */
  public readonly failureAlarm: cloudwatch.Alarm;
  /** One or two schedules per CronJob, in manifest order. */
  public readonly schedules: readonly scheduler.CfnSchedule[];
  /** The validated, defaulted CronJobs of `manifests`. */
  public readonly cronJobs: readonly CronJob[];
  /** The validated, defaulted Jobs of `manifests`. */
  public readonly jobs: readonly Job[];
  /** `rate(10 minutes)` → the job controller's `{"resync":{}}` (the periodic safety net). */
  public readonly resyncSchedule: scheduler.CfnSchedule;
  /** The config file's `kind: WorkQueue` manifests. */
  public readonly workQueueManifests: readonly WorkQueueManifest[];
  /** The config file's `kind: ResourceQuota` manifests, written into the state table on deploy. */
  public readonly resourceQuotaManifests: readonly ResourceQuotaManifest[];
  /** Their SQS queues and dead-letter queues (`jobctl-<name>`, `jobctl-<name>-dlq`). */
  public readonly workQueues: ReadonlyArray<{ readonly name: string; readonly queue: sqs.Queue; readonly deadLetterQueue: sqs.Queue }>;
  /** The `Custom::JobctlManifests` resource writing the config file's objects into the table. */
  public readonly manifests: CustomResource;
  /** Prefix of the task definition families the Lambdas may register and run. */
  public readonly taskFamilyPrefix: string;
  /** The secret the tasks pull Docker Hub images with, if any. */
  public readonly dockerHubCredentials: secretsmanager.ISecret | undefined;

  constructor(scope: Construct, id: string, props: JobctlProps) {
    super(scope, id);
    validateProps(props);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.taskFamilyPrefix = props.taskFamilyPrefix ?? 'jobctl';
    this.dockerHubCredentials = props.dockerHubCredentials;

    // Manifests first: a bad one should fail synth before anything else is built.
    // Tasks behind the construct's NAT gateway share its one IP; with network 'public' each task has its own.
    const sharedIp = props.vpc === undefined ? (props.network ?? 'nat') === 'nat' : props.assignPublicIp !== true;
    const pulls = { mirror: props.dockerHubMirror === false ? ('off' as const) : ('ecr-public' as const), credentials: props.dockerHubCredentials !== undefined, sharedIp };
    const { objects, warnings, queues, quotas } = loadOrThrow(props.manifests, { lint: (object) => anonymousDockerHubPulls(object, pulls) });
    this.workQueueManifests = queues;
    this.resourceQuotaManifests = quotas;
    this.cronJobs = objects.filter((o): o is CronJob => o.kind === 'CronJob');
    this.jobs = objects.filter((o): o is Job => o.kind === 'Job');
    for (const w of warnings) {
      Annotations.of(this).addWarningV2(`@jobctl/infra:${w.code ?? 'unsupported-field'}`, `${w.file}:${w.line} ${w.path}: ${w.message}`);
    }

    this.table = props.existingTable ?? createStateTable(this, removalPolicy);

    const network = props.network ?? 'nat';
    this.vpc = props.vpc ?? createNetwork(this, logRetention, network);
    const publicTasks = props.vpc === undefined ? network === 'public' : props.assignPublicIp === true;
    this.taskSubnets = this.vpc.selectSubnets(props.subnets ?? { subnetType: props.vpc === undefined && network === 'public' ? ec2.SubnetType.PUBLIC : ec2.SubnetType.PRIVATE_WITH_EGRESS });
    this.taskSecurityGroups = props.securityGroups ?? [
      new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
        vpc: this.vpc,
        description: 'jobctl Fargate tasks: no inbound, all outbound (image pulls, AWS APIs)',
        allowAllOutbound: true,
      }),
    ];

    // Container Insights v2 (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cloudwatch-container-insights.html):
    // opt-in, as its metrics are billed per task-definition family (AWS-AUDIT.md F8).
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: props.containerInsights === true ? ecs.ContainerInsights.ENABLED : ecs.ContainerInsights.DISABLED });
    if (props.containerInsights !== true) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-ECS4',
        reason: 'Container Insights is opt-in (the containerInsights prop): its metrics cost $0.30 per metric-month per task-definition family that ran; task exits, logs and the controllers\' metrics are kept without it.',
      });
    }

    this.taskLogGroup = new logs.LogGroup(this, 'TaskLogs', { retention: logRetention, removalPolicy });
    ({ executionRole: this.taskExecutionRole, taskRole: this.taskRole } = this.createTaskRoles());

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the schedules, the task-event rule, the stream mapping and the Lambdas\' asynchronous invocations.',
    });
    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      alarmDescription: 'jobctl: a schedule firing, task event, stream batch or invocation failed for good; see `jobctl --context aws failures`',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', { removalPolicy: RemovalPolicy.DESTROY });

    // The requeue role exists before the functions so the job controller's environment can name it.
    this.requeueRole = new iam.Role(this, 'RequeueSchedulerRole', {
      assumedBy: schedulerPrincipal(this),
      description: 'jobctl: EventBridge Scheduler invokes the job controller for its one-time requeue schedules (durable timers)',
    });
    const architecture = props.architecture ?? lambda.Architecture.ARM_64;
    this.dispatcher = this.createFunction('Dispatcher', {
      architecture,
      logRetention,
      removalPolicy,
      entry: props.dispatcherEntry ?? defaultEntry('dispatcher'),
      description: 'jobctl dispatcher: EventBridge Scheduler payload -> CronJob sync -> Job creation in the state table',
      timeout: Duration.seconds(60),
      // The dispatcher reads and writes the table; the job controller launches the Job's tasks (src/runtime/lambda/env.ts).
      // Its repeated-local-time variables are added by grantDstRuns, once the scheduler role exists.
      environment: { [JOBCTL_ENV.tableName]: this.table.tableName, NODE_OPTIONS: '--enable-source-maps' },
    });
    this.schedulerRole = createSchedulerRole(this, { dispatcher: this.dispatcher, deadLetterQueue: this.deadLetterQueue });
    this.jobController = this.createFunction('JobController', {
      architecture,
      logRetention,
      removalPolicy,
      entry: props.jobControllerEntry ?? defaultEntry('job-controller'),
      description: 'jobctl job controller: ECS Task State Change events, state-table stream and requeues -> Job sync',
      // Above src/runtime/lambda/env.ts JOBCTL_MAX_INLINE_WAIT_MS (20 s) plus the sync itself.
      timeout: Duration.seconds(120),
      environment: {
        [JOBCTL_ENV.tableName]: this.table.tableName,
        [JOBCTL_ENV.clusterArn]: this.cluster.clusterArn,
        [JOBCTL_ENV.subnets]: this.taskSubnets.subnetIds.join(','),
        [JOBCTL_ENV.securityGroups]: this.taskSecurityGroups.map((g) => g.securityGroupId).join(','),
        [JOBCTL_ENV.assignPublicIp]: publicTasks ? 'ENABLED' : 'DISABLED',
        [JOBCTL_ENV.taskCpuArchitecture]: props.taskCpuArchitecture ?? 'X86_64',
        [JOBCTL_ENV.dockerHubMirror]: pulls.mirror,
        ...(props.dockerHubCredentials === undefined ? {} : { [JOBCTL_ENV.dockerHubCredentialsArn]: props.dockerHubCredentials.secretArn }),
        [JOBCTL_ENV.logGroupName]: this.taskLogGroup.logGroupName,
        [JOBCTL_ENV.logStreamPrefix]: 'jobctl',
        [JOBCTL_ENV.taskExecutionRoleArn]: this.taskExecutionRole.roleArn,
        [JOBCTL_ENV.taskRoleArn]: this.taskRole.roleArn,
        [JOBCTL_ENV.taskFamilyPrefix]: this.taskFamilyPrefix,
        [JOBCTL_ENV.scheduleGroupName]: this.scheduleGroup.scheduleGroupName,
        [JOBCTL_ENV.schedulerRoleArn]: this.requeueRole.roleArn,
        [JOBCTL_ENV.deadLetterQueueArn]: this.deadLetterQueue.queueArn,
        // Schedules of CronJobs created with jobctl at run time (src/adapters/scheduler/runtime-schedules.ts).
        [JOBCTL_ENV.dispatcherArn]: this.dispatcher.functionArn,
        [JOBCTL_ENV.dispatchRoleArn]: this.schedulerRole.roleArn,
        [JOBCTL_ENV.scheduleRetryAttempts]: String(props.scheduleRetryAttempts ?? MAX_RETRY_ATTEMPTS),
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.grantTable(this.dispatcher, TABLE_ACCESS.dispatcher);
    this.grantTable(this.jobController, TABLE_ACCESS.jobController);
    this.grantTaskLaunch(this.jobController);
    this.grantRequeue(this.jobController);
    this.grantRuntimeSchedules(this.jobController);
    grantWorkQueues(this, this.jobController);
    if (props.tasksUseWorkQueues === true) {
      this.jobController.addEnvironment(JOBCTL_ENV.tasksUseWorkQueues, 'true');
      this.grantTable(this.taskRole, TABLE_ACCESS.worker);
      grantWorkQueues(this, this.taskRole);
    }
    this.grantDstRuns(this.dispatcher, props.scheduleRetryAttempts ?? MAX_RETRY_ATTEMPTS);
    this.resyncSchedule = createResyncSchedule(this, { group: this.scheduleGroup, jobController: this.jobController, requeueRole: this.requeueRole });
    // EventBridge Scheduler and EventBridge rules invoke both functions asynchronously: a function error is retried
    // twice by Lambda, then the event is discarded unless it has somewhere to go (AWS-AUDIT.md F4). The schedules'
    // and the rule's own dead-letter configs only catch failures to deliver the invocation.
    for (const fn of [this.dispatcher, this.jobController]) {
      fn.configureAsyncInvoke({ onFailure: this.failureDestination() });
    }

    this.jobController.addEventSource(
      new DynamoEventSource(this.table, {
        // TRIM_HORIZON: writes made before the mapping exists (the first deploy) are not skipped.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        maxRecordAge: Duration.days(1),
        onFailure: this.streamFailureDestination(),
      }),
    );

    // ECS Task State Change events (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html):
    // at least once and possibly out of order, so the controller orders them by `detail.version`.
    this.taskStateChangeRule = new events.Rule(this, 'TaskStateChangeRule', {
      description: 'jobctl: task state changes of the jobctl cluster -> job controller',
      // Only the states the controller records (src/adapters/ecs/ecs-task-events.ts taskReportOf): PROVISIONING, PENDING,
      // ACTIVATING, DEACTIVATING, STOPPING and DEPROVISIONING would each be an invocation that drops the event.
      eventPattern: { source: ['aws.ecs'], detailType: ['ECS Task State Change'], detail: { clusterArn: [this.cluster.clusterArn], lastStatus: ['RUNNING', 'STOPPED'] } },
      targets: [
        new eventTargets.LambdaFunction(this.jobController, {
          retryAttempts: MAX_RETRY_ATTEMPTS,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });

    this.schedules = createCronJobSchedules(this, {
      cronJobs: this.cronJobs,
      group: this.scheduleGroup,
      dispatcher: this.dispatcher,
      role: this.schedulerRole,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: props.scheduleRetryAttempts ?? MAX_RETRY_ATTEMPTS,
    });
    this.workQueues = createWorkQueues(this, queues);
    this.manifests = this.createManifestsResource(objects, { architecture, logRetention, removalPolicy, entry: props.manifestsEntry ?? defaultEntry('manifests') });
  }

  /**
   * `Custom::JobctlManifests`: writes the config file's CronJobs and Jobs into the state table on every deploy and
   * removes them with the stack (src/controllers/stack-manifests.ts). It depends on the job controller and its stream
   * mapping, so on stack deletion it goes first, while the controller can still stop the removed Jobs' tasks.
   */
  private createManifestsResource(
    objects: readonly (CronJob | Job)[],
    settings: { readonly architecture: lambda.Architecture; readonly logRetention: logs.RetentionDays; readonly removalPolicy: RemovalPolicy; readonly entry: string },
  ): CustomResource {
    const onEvent = this.createFunction('ManifestsFunction', {
      ...settings,
      description: 'jobctl manifests: cdk deploy -> the config file\'s CronJobs and Jobs in the state table',
      timeout: Duration.minutes(5),
      environment: { [JOBCTL_ENV.tableName]: this.table.tableName, NODE_OPTIONS: '--enable-source-maps' },
    });
    this.grantTable(onEvent, TABLE_ACCESS.manifests);
    const provider = new cr.Provider(this, 'ManifestsProvider', { onEventHandler: onEvent, logGroup: new logs.LogGroup(this, 'ManifestsProviderLogs', { retention: settings.logRetention, removalPolicy: settings.removalPolicy }) });
    const properties: Omit<ManifestsProperties, 'ServiceToken'> = {
      StackName: Stack.of(this).stackName,
      Manifests: JSON.stringify(objects),
      Queues: JSON.stringify(this.workQueueManifests),
      Quotas: JSON.stringify(this.resourceQuotaManifests),
    };
    const resource = new CustomResource(this, 'Manifests', { serviceToken: provider.serviceToken, resourceType: 'Custom::JobctlManifests', properties });
    resource.node.addDependency(this.jobController);
    // Deleted before the cluster, which refuses to go while the removed Jobs' tasks still run (it waits for them).
    resource.node.addDependency(this.cluster);
    // The queues' SQS side exists before their records say they do.
    for (const { queue } of this.workQueues) resource.node.addDependency(queue);
    // The config file's Jobs start at once: their tasks need the route out (the NAT gateway takes minutes) to pull
    // their images (AWS-AUDIT.md F5).
    resource.node.addDependency(this.taskSubnets.internetConnectivityEstablished);
    this.acknowledgeProviderFramework(provider, onEvent);
    return resource;
  }

  private createTaskRoles(): { executionRole: iam.Role; taskRole: iam.Role } {
    const account = Stack.of(this).account;
    // Confused-deputy guard (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html).
    const ecsTasks = () =>
      new iam.ServicePrincipal('ecs-tasks.amazonaws.com').withConditions({ StringEquals: { 'aws:SourceAccount': account } });
    const executionRole = new iam.Role(this, 'TaskExecutionRole', {
      assumedBy: ecsTasks(),
      description: 'jobctl: ECS agent pulls task images and writes task logs',
    });
    this.taskLogGroup.grantWrite(executionRole);
    // What AmazonECSTaskExecutionRolePolicy grants for ECR, without its `*` on every repository action
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_execution_IAM_role.html).
    const repositories = Stack.of(this).formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' });
    executionRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        resources: [repositories],
      }),
    );
    executionRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    Validations.of(executionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken supports no resource-level permissions; AWS requires Resource "*".',
    });
    Validations.of(executionRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceId(this, repositories)}]`,
      reason: 'Pod templates may name any private ECR image of this account and Region, and jobctl apply adds CronJobs after deploy.',
    });
    this.dockerHubCredentials?.grantRead(executionRole);
    const taskRole = new iam.Role(this, 'TaskRole', {
      assumedBy: ecsTasks(),
      description: 'jobctl: role the jobs containers run with (no permissions by default)',
    });
    return { executionRole, taskRole };
  }

  private createFunction(
    id: string,
    settings: {
      readonly entry: string;
      readonly description: string;
      readonly timeout: Duration;
      readonly architecture: lambda.Architecture;
      readonly logRetention: logs.RetentionDays;
      readonly removalPolicy: RemovalPolicy;
      readonly environment: Readonly<Record<string, string>>;
    },
  ): NodejsFunction {
    // An explicit log group and role: retention without the LogRetention custom resource, and log writes granted
    // on this group only instead of the AWSLambdaBasicExecutionRole managed policy.
    const logGroup = new logs.LogGroup(this, `${id}Logs`, { retention: settings.logRetention, removalPolicy: settings.removalPolicy });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: settings.description,
    });
    logGroup.grantWrite(role);
    return new NodejsFunction(this, id, {
      entry: settings.entry,
      handler: 'handler',
      // The newest Node.js runtime of aws-cdk-lib 2.276 (cdk-nag AwsSolutions-L1 asks for the latest).
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: settings.architecture,
      memorySize: 512,
      timeout: settings.timeout,
      description: settings.description,
      role,
      logGroup,
      environment: { ...settings.environment },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        // The SDK is bundled, pinned to package-lock.json, not taken from the runtime.
        externalModules: [],
        // CommonJS dependencies bundled into an ES module still call require().
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });
  }

  /**
   * RunTask/StopTask/DescribeTasks on this cluster's tasks of `<prefix>-*` families, ListTasks of this cluster, task
   * definition registration, tagging on create, and iam:PassRole for the two task roles only.
   * Resources and condition keys: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
   */
  private grantTaskLaunch(fn: NodejsFunction): void {
    const stack = Stack.of(this);
    const families = stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${this.taskFamilyPrefix}-*` });
    const tasks = stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${this.cluster.clusterName}/*` });
    const clusterCondition = { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } };
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecs:RunTask'], resources: [families], conditions: clusterCondition }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecs:StopTask', 'ecs:DescribeTasks'], resources: [tasks], conditions: clusterCondition }));
    // Tags on RunTask need ecs:TagResource, limited to that create action (task definitions are registered untagged)
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html).
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ecs:TagResource'],
        resources: [tasks],
        conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      }),
    );
    // The resync's orphan sweep lists the cluster's tasks. A ListTasks without a container instance (every Fargate
    // list) is authorized on Resource "*", scoped by the ecs:cluster condition key — not on the container-instance
    // resource type the service authorization reference names, which denies it (AWS-AUDIT.md F2; cdklabs/construct-hub#1207).
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecs:ListTasks'], resources: ['*'], conditions: clusterCondition }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition'], resources: ['*'] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.taskExecutionRole.roleArn, this.taskRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
    const acknowledge = (resource: string, reason: string) =>
      Validations.of(roleOf(fn)).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
    acknowledge(
      '*',
      'ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition support no resource-level permissions; AWS requires Resource "*". Task definitions are registered on demand from each pod template. ecs:ListTasks of a whole Fargate cluster is authorized on "*" too, limited to this cluster by the ecs:cluster condition.',
    );
    acknowledge(
      nagResourceId(this, families),
      'Task definition families are content-hashed per pod template (`<prefix>-<image>-<hash>`) and registered at run time; the prefix limits RunTask to jobctl families, and the ecs:cluster condition to this cluster.',
    );
    acknowledge(nagResourceId(this, tasks), 'Task ids are assigned by ECS at launch; the ARN pattern limits StopTask/DescribeTasks to tasks of this cluster.');
  }

  /**
   * One-time requeue schedules (durable timers, src/adapters/scheduler/scheduler-requeue.ts): create them in this stack's group and
   * pass the requeue role to EventBridge Scheduler, which may then invoke only the job controller.
   */
  private grantRequeue(fn: NodejsFunction): void {
    this.grantSchedules(fn, {
      namePattern: '*',
      actions: ['scheduler:CreateSchedule'],
      passRole: this.requeueRole,
      reason: 'Requeue schedules are named per object and due time at run time; the ARN pattern limits CreateSchedule to this stack\'s schedule group.',
    });
    this.requeueRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
    this.requeueRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
  }

  /**
   * `actions` on the schedules of this stack's group whose names match `namePattern`, and `iam:PassRole` of the role
   * Scheduler assumes for them (to Scheduler only); the wildcard is acknowledged to cdk-nag with `reason`.
   */
  private grantSchedules(fn: NodejsFunction, grant: { namePattern: string; actions: string[]; passRole: iam.IRole; reason: string }): void {
    const schedules = Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroup.scheduleGroupName}/${grant.namePattern}` });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: grant.actions, resources: [schedules] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [grant.passRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    Validations.of(roleOf(fn)).acknowledge({ id: `AwsSolutions-IAM5[Resource::${nagResourceId(this, schedules)}]`, reason: grant.reason });
  }

  /**
   * The schedules of CronJobs created with jobctl at run time (src/adapters/scheduler/runtime-schedules.ts): read, update and delete
   * only `cli.*` schedules of this group (CreateSchedule is granted group-wide for requeues), and pass the
   * dispatcher-invoking role to Scheduler. The stack's own schedules (`<namespace>.<name>`) stay CloudFormation's.
   */
  private grantRuntimeSchedules(fn: NodejsFunction): void {
    this.grantSchedules(fn, {
      namePattern: `${RUNTIME_SCHEDULE_PREFIX}*`,
      actions: ['scheduler:GetSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
      passRole: this.schedulerRole,
      reason: 'CronJobs created with jobctl get schedules named cli.<namespace>.<name> at run time; the pattern limits the job controller to those, in this stack\'s group.',
    });
  }

  /**
   * Repeated local times (src/runtime/lambda/dispatcher.ts `SchedulerDstRuns`): when clocks go back, Kubernetes runs a
   * repeated local time twice and EventBridge Scheduler once, so the dispatcher creates a one-time `dst.*` schedule
   * for the second occurrence, targeting itself through the scheduler role, in this stack's group. Added after the
   * scheduler role exists (it names the dispatcher's ARN; the dispatcher's environment names the role's: two
   * references in opposite directions between different resources, no cycle). The target ARN is the invocation's
   * own `context.invokedFunctionArn`, so the function never references itself.
   */
  private grantDstRuns(fn: NodejsFunction, retryAttempts: number): void {
    fn.addEnvironment(JOBCTL_ENV.scheduleGroupName, this.scheduleGroup.scheduleGroupName);
    fn.addEnvironment(JOBCTL_ENV.dispatchRoleArn, this.schedulerRole.roleArn);
    fn.addEnvironment(JOBCTL_ENV.deadLetterQueueArn, this.deadLetterQueue.queueArn);
    fn.addEnvironment(JOBCTL_ENV.scheduleRetryAttempts, String(retryAttempts));
    this.grantSchedules(fn, {
      namePattern: `${DST_RUN_SCHEDULE_PREFIX}*`,
      actions: ['scheduler:CreateSchedule'],
      passRole: this.schedulerRole,
      reason: 'One-time schedules for repeated local times are named dst.<namespace>.<name>.<unix seconds> at run time; the pattern limits the dispatcher to creating those, in this stack\'s group.',
    });
  }



  /**
   * `access.actions` on the state table and Query on the GSIs it names: exactly what the role's adapters send
   * (TABLE_ACCESS), not `grantReadWriteData`'s dozen (Scan, BatchGetItem, ConditionCheckItem, DescribeTable, stream
   * reads on the table ARN, item actions on index ARNs where they never apply).
   */
  private grantTable(grantee: NodejsFunction | iam.Role, access: (typeof TABLE_ACCESS)[keyof typeof TABLE_ACCESS]): void {
    const add = (statement: iam.PolicyStatement) => (grantee instanceof iam.Role ? grantee.addToPrincipalPolicy(statement) : grantee.addToRolePolicy(statement));
    add(new iam.PolicyStatement({ actions: access.actions.map((a) => `dynamodb:${a}`), resources: [this.table.tableArn] }));
    if (access.indexes.length > 0) {
      add(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: access.indexes.map((i) => `${this.table.tableArn}/index/${stateTableKeys[i].indexName}`) }));
    }
    // An existingTable encrypted with a customer-managed key: DynamoDB uses the key on the caller's behalf (the
    // actions grantReadWriteData grants; found in review). The construct's own table uses an AWS-owned key.
    const writes = access.actions.some((a) => a !== 'GetItem' && a !== 'Query');
    this.table.encryptionKey?.grant(grantee, 'kms:Decrypt', 'kms:DescribeKey', ...(writes ? ['kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'] : []));
  }

  /**
   * Where Lambda sends what failed for good (an asynchronous invocation after its retries, a stream batch after its
   * retries): the dead-letter queue. Lambda sends with the function's role, which needs `sqs:SendMessage` there and
   * nothing else (aws-cdk-lib's SqsDestination and SqsDlq also grant GetQueueAttributes and GetQueueUrl).
   */
  private failureDestination(): lambda.IDestination {
    return { bind: (_scope: Construct, fn: lambda.IFunction) => ({ destination: this.grantFailureSend(fn) }) };
  }

  /** The same for a stream event source mapping's on-failure destination. */
  private streamFailureDestination(): IEventSourceDlq {
    return { bind: (_mapping: lambda.IEventSourceMapping, fn: lambda.IFunction) => ({ destination: this.grantFailureSend(fn) }) };
  }

  private grantFailureSend(fn: lambda.IFunction): string {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
    return this.deadLetterQueue.queueArn;
  }

  /** cdk-nag findings on the CDK Provider framework's own function, each with its reason. */
  private acknowledgeProviderFramework(provider: cr.Provider, onEvent: NodejsFunction): void {
    const frameworkRole = provider.node.findChild('framework-onEvent').node.findChild('ServiceRole');
    Validations.of(frameworkRole).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "The CDK Provider framework's own function (aws-cdk-lib custom-resources), not configurable: basic execution only, for its log writes.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::${nagResourceId(this, onEvent.functionArn)}:*]`,
        reason: 'The Provider framework invokes the manifests function and its versions only (lambda:InvokeFunction on <fn>:*), added by aws-cdk-lib.',
      },
    );
  }




}



function defaultEntry(name: 'dispatcher' | 'job-controller' | 'manifests'): string {
  return fileURLToPath(new URL(`../functions/${name}.ts`, import.meta.url));
}


function loadOrThrow(path: string, options: LoadOptions): ReturnType<typeof readManifests> {
  try {
    return readManifests(path, process.cwd(), options);
  } catch (error) {
    if (error instanceof ValidationErrors) {
      throw new Error(`Jobctl: manifests "${path}" are invalid:\n${error.message}`, { cause: error });
    }
    throw error;
  }
}

function validateProps(props: JobctlProps): void {
  if (typeof props.manifests !== 'string' || props.manifests.trim() === '') {
    throw new Error(`Jobctl: manifests must name a file or folder, got ${JSON.stringify(props.manifests)}`);
  }
  if (props.network !== undefined && props.vpc !== undefined) {
    throw new Error('Jobctl: network lays out the VPC the construct creates; with vpc, choose the tasks\' subnets with subnets and their public IP with assignPublicIp');
  }
  if (props.subnets !== undefined && props.vpc === undefined) {
    throw new Error('Jobctl: subnets requires vpc: subnets are selected from the VPC you bring');
  }
  if (props.securityGroups !== undefined) {
    if (props.vpc === undefined) throw new Error('Jobctl: securityGroups requires vpc: security groups belong to the VPC you bring');
    if (props.securityGroups.length === 0) throw new Error('Jobctl: securityGroups must hold at least one group, got []');
  }
  if (props.existingTable !== undefined && props.existingTable.tableStreamArn === undefined) {
    throw new Error(
      `Jobctl: existingTable "${props.existingTable.node.path}" has no stream: import it with tableStreamArn (NEW_AND_OLD_IMAGES); the job controller consumes it`,
    );
  }
  const prefix = props.taskFamilyPrefix;
  if (prefix !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
    throw new Error(`Jobctl: taskFamilyPrefix "${prefix}" must be 1-64 letters, digits, "_" or "-"`);
  }
  const retries = props.scheduleRetryAttempts;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= MAX_RETRY_ATTEMPTS)) {
    throw new Error(`Jobctl: scheduleRetryAttempts ${retries} must be an integer 0-${MAX_RETRY_ATTEMPTS} (RetryPolicy.MaximumRetryAttempts)`);
  }
}
