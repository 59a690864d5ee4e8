import { Annotations, type CustomResource, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { anonymousDockerHubPulls } from '../src/adapters/ecs/docker-hub.ts';
import { MAX_RETRY_ATTEMPTS } from '../src/adapters/scheduler/cronjob-schedules.ts';
import type { CronJob, Job, ResourceQuotaManifest, WorkQueueManifest } from '../src/spec/types.ts';
import { createCluster } from './cluster.ts';
import { createDispatcher, createJobController, subscribeJobController } from './controllers.ts';
import { createFailureQueue } from './failures.ts';
import { defaultEntry, failureDestination } from './functions.ts';
import { JOBCTL_ENV } from './lambda-env.ts';
import { createManifestsResource } from './manifests-resource.ts';
import { createObservability, type Observability } from './observability.ts';
import { createNotifications } from './notifications.ts';
import { createTaskNetwork, tasksGetPublicIp } from './network.ts';
import { type JobctlProps, loadOrThrow, validateProps } from './props.ts';
import { grantDstRuns, grantRequeue, grantRuntimeSchedules } from './schedule-grants.ts';
import { createCronJobSchedules, createRequeueRole, createResyncSchedule, createSchedulerRole } from './schedules.ts';
import { createStateTable } from './state-table.ts';
import { grantTable, TABLE_ACCESS } from './table-access.ts';
import { createTaskRoles, grantTaskLaunch } from './task-roles.ts';
import { createWorkQueues, grantWorkQueues } from './work-queues.ts';

export type { JobctlProps } from './props.ts';
export {
  SCHEDULED_TIME_ATTRIBUTE,
  scheduleNameFor,
  type DispatcherPayload,
} from '../src/adapters/scheduler/cronjob-schedules.ts';

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
  /**
   * Role EventBridge Scheduler assumes for the CronJob schedules: invoke the dispatcher, send to the dead-letter queue.
   */
  public readonly schedulerRole: iam.Role;
  /**
   * Role EventBridge Scheduler assumes for the job controller's one-time requeue schedules: invoke the job controller,
   * dead-letter.
   */
  public readonly requeueRole: iam.Role;
  /**
   * Everything that failed for good, kept 14 days: schedule firings and task events that could not be delivered, stream
   * batches the job controller gave up on, and asynchronous invocations (schedules, task events, requeues) whose
   * function failed three times (Lambda's on-failure destination). `jobctl --context aws failures` lists and redrives
   * them.
   */
  public readonly deadLetterQueue: sqs.Queue;
  /**
   * In ALARM while {@link deadLetterQueue} holds a message; notifies {@link notificationTopic}, as the observability
   * alarms do.
   */
  public readonly failureAlarm: cloudwatch.Alarm;
  /**
   * The dashboard and the alarms on the Lambdas' metrics (failed runs, missed slots, schedule skew), from their
   * embedded-metric-format log lines (infra/observability.ts).
   */
  public readonly observability: Observability;
  /**
   * CronJob health transitions (Failing, Missed, Stuck, Recovered), one line each: subscribe an email address or a
   * chat endpoint (stack output `NotificationTopicArn`).
   */
  public readonly notificationTopic: sns.Topic;
  /** Takes this stack's health events from the default event bus to {@link notificationTopic}. */
  public readonly healthRule: events.Rule;
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
  public readonly workQueues: ReadonlyArray<{
    readonly name: string;
    readonly queue: sqs.Queue;
    readonly deadLetterQueue: sqs.Queue;
  }>;
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
    const common = { architecture: props.architecture ?? lambda.Architecture.ARM_64, logRetention, removalPolicy };
    const retryAttempts = props.scheduleRetryAttempts ?? MAX_RETRY_ATTEMPTS;
    const publicIp = tasksGetPublicIp(props);
    const dockerHubMirror = props.dockerHubMirror === false ? ('off' as const) : ('ecr-public' as const);
    this.taskFamilyPrefix = props.taskFamilyPrefix ?? 'jobctl';
    this.dockerHubCredentials = props.dockerHubCredentials;

    // Manifests first: a bad one should fail synth before anything else is built.
    // Tasks behind the construct's NAT gateway share its one IP; with network 'public' each task has its own.
    const pulls = {
      mirror: dockerHubMirror,
      credentials: props.dockerHubCredentials !== undefined,
      sharedIp: !publicIp,
    };
    const { objects, warnings, queues, quotas } = loadOrThrow(props.manifests, {
      lint: (object) => anonymousDockerHubPulls(object, pulls),
    });
    this.workQueueManifests = queues;
    this.resourceQuotaManifests = quotas;
    this.cronJobs = objects.filter((o): o is CronJob => o.kind === 'CronJob');
    this.jobs = objects.filter((o): o is Job => o.kind === 'Job');
    for (const w of warnings) {
      const code = `@jobctl/infra:${w.code ?? 'unsupported-field'}`;
      Annotations.of(this).addWarningV2(code, `${w.file}:${w.line} ${w.path}: ${w.message}`);
    }

    this.table = props.existingTable ?? createStateTable(this, removalPolicy);
    ({
      vpc: this.vpc,
      subnets: this.taskSubnets,
      securityGroups: this.taskSecurityGroups,
    } = createTaskNetwork(this, props, logRetention));
    this.cluster = createCluster(this, this.vpc, props.containerInsights === true);
    this.taskLogGroup = new logs.LogGroup(this, 'TaskLogs', { retention: logRetention, removalPolicy });
    ({ executionRole: this.taskExecutionRole, taskRole: this.taskRole } = createTaskRoles(this, {
      taskLogGroup: this.taskLogGroup,
      dockerHubCredentials: this.dockerHubCredentials,
    }));
    ({ deadLetterQueue: this.deadLetterQueue, failureAlarm: this.failureAlarm } = createFailureQueue(this));
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', { removalPolicy: RemovalPolicy.DESTROY });
    this.requeueRole = createRequeueRole(this);

    this.dispatcher = createDispatcher(this, common, { entry: props.dispatcherEntry, table: this.table });
    this.schedulerRole = createSchedulerRole(this, {
      dispatcher: this.dispatcher,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.jobController = createJobController(this, common, this, {
      entry: props.jobControllerEntry,
      publicIp,
      taskCpuArchitecture: props.taskCpuArchitecture ?? 'X86_64',
      dockerHubMirror,
      dockerHubCredentialsArn: props.dockerHubCredentials?.secretArn,
      retryAttempts,
    });

    const { dispatcher, jobController, scheduleGroup: group, schedulerRole, requeueRole, deadLetterQueue } = this;
    grantTable(this.table, dispatcher, TABLE_ACCESS.dispatcher);
    grantTable(this.table, jobController, TABLE_ACCESS.jobController);
    grantTaskLaunch(this, jobController, this);
    grantRequeue(this, jobController, { group, requeueRole, deadLetterQueue });
    grantRuntimeSchedules(this, jobController, { group, schedulerRole });
    grantWorkQueues(this, jobController);
    if (props.tasksUseWorkQueues === true) {
      jobController.addEnvironment(JOBCTL_ENV.tasksUseWorkQueues, 'true');
      grantTable(this.table, this.taskRole, TABLE_ACCESS.worker);
      grantWorkQueues(this, this.taskRole);
    }
    grantDstRuns(this, dispatcher, { group, schedulerRole, deadLetterQueue, retryAttempts });
    this.resyncSchedule = createResyncSchedule(this, { group, jobController, requeueRole });
    // EventBridge Scheduler and EventBridge rules invoke both functions asynchronously: a function error is retried
    // twice by Lambda, then the event is discarded unless it has somewhere to go (AWS-AUDIT.md F4). The schedules'
    // and the rule's own dead-letter configs only catch failures to deliver the invocation.
    for (const fn of [dispatcher, jobController]) {
      fn.configureAsyncInvoke({ onFailure: failureDestination(deadLetterQueue) });
    }
    this.taskStateChangeRule = subscribeJobController(this, jobController, this);
    ({ topic: this.notificationTopic, rule: this.healthRule } = createNotifications(this, {
      table: this.table,
      publishers: [dispatcher, jobController],
    }));
    // The alarms notify the same topic as the health transitions: one subscription for both.
    this.observability = createObservability(this, {
      deadLetterQueue: this.deadLetterQueue,
      failureAlarm: this.failureAlarm,
      alarmTopic: this.notificationTopic,
    });

    this.schedules = createCronJobSchedules(this, {
      cronJobs: this.cronJobs,
      group,
      dispatcher,
      role: schedulerRole,
      deadLetterQueue,
      retryAttempts,
    });
    this.workQueues = createWorkQueues(this, queues);
    const entry = props.manifestsEntry ?? defaultEntry('manifests');
    this.manifests = createManifestsResource(this, { objects, queues, quotas }, this, { ...common, entry });
  }
}
