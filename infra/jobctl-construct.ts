import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Annotations, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ValidationErrors } from '../src/errors.ts';
import { toEventBridgeSchedules } from '../src/cron/eventbridge.ts';
import { stateTableKeys } from '../src/aws/state-table.ts';
import type { CronJob, Job } from '../src/spec/types.ts';
import { JOBCTL_ENV } from './lambda-env.ts';
import { readManifests } from './manifest-source.ts';
import { nagResourceId } from './nag-id.ts';

/** Properties of {@link Jobctl}. */
export interface JobctlProps {
  /**
   * A CronJob/Job manifest file, or a folder searched recursively for `.yaml`, `.yml` and `.json` files. Every
   * manifest is validated at synth as the Kubernetes API server would; a bad one makes the constructor throw with
   * `file:line field: reason` for each error, so `cdk synth` fails before anything deploys.
   */
  readonly manifests: string;
  /**
   * VPC the Fargate tasks run in. Lambdas are not put in a VPC: they call only AWS APIs.
   * @default - a new two-AZ VPC with public subnets (for one NAT gateway only), private-with-egress subnets for the
   *   tasks, and a flow log to CloudWatch Logs. The NAT gateway lets tasks pull public images (Docker Hub, ECR
   *   Public); bring your own VPC with VPC endpoints (ECR api/dkr, S3 gateway, CloudWatch Logs) to avoid its cost.
   */
  readonly vpc?: ec2.IVpc;
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
   * (`src/aws/state-table.ts`; not checkable at synth), a stream with new and old images, and TTL on `expiresAt`.
   * @default - a new on-demand TableV2 with point-in-time recovery, TTL, a NEW_AND_OLD_IMAGES stream and
   *   AWS-owned-key encryption
   */
  readonly existingTable?: dynamodb.ITable;
  /**
   * Instruction set of the two Lambdas (not of the tasks: their images decide that).
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;
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
}

/** `ScheduleInput` the dispatcher receives: the CronJob's identity and the nominal time of this firing. */
export interface DispatcherPayload {
  readonly cronJob: { readonly namespace: string; readonly name: string };
  /** `<aws.scheduler.scheduled-time>`, replaced by EventBridge Scheduler, e.g. `2022-03-22T18:59:43Z`. */
  readonly scheduledTime: string;
}

/**
 * EventBridge Scheduler context attribute holding the schedule's nominal fire time. "EventBridge Scheduler replaces
 * each keyword with its respective value when your schedule invokes the target":
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
 */
export const SCHEDULED_TIME_ATTRIBUTE = '<aws.scheduler.scheduled-time>';

/** RetryPolicy.MaximumEventAgeInSeconds range (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html). */
const MIN_EVENT_AGE_SECONDS = 60;
const MAX_EVENT_AGE_SECONDS = 86_400;
const MAX_RETRY_ATTEMPTS = 185;
/** Schedule names: 1–64 of `[0-9a-zA-Z-_.]` (CreateSchedule `Name`). */
const MAX_SCHEDULE_NAME_LENGTH = 64;

/**
 * The name of the `index`-th of `count` EventBridge schedules of a CronJob: `<namespace>.<name>` (plus `.<n>` when
 * the Kubernetes OR-of-days rule needs two), shortened with a hash of `namespace/name` past 64 characters.
 * Deterministic, so `jobctl` can find a CronJob's schedules in the group at run time.
 *
 * @example
 * scheduleNameFor('default', 'hello', 0, 1); // 'default.hello'
 * scheduleNameFor('default', 'payroll', 1, 2); // 'default.payroll.2'
 */
export function scheduleNameFor(namespace: string, name: string, index: number, count: number): string {
  const suffix = count > 1 ? `.${index + 1}` : '';
  const full = `${namespace}.${name}`;
  if (full.length + suffix.length <= MAX_SCHEDULE_NAME_LENGTH) return `${full}${suffix}`;
  const hash = createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_SCHEDULE_NAME_LENGTH - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/**
 * jobctl on AWS: Kubernetes batch/v1 CronJobs and Jobs run as Fargate tasks, fired by EventBridge Scheduler.
 *
 * Provisions the state table, the ECS cluster and task roles, the tasks' log group, the dispatcher and job-controller
 * Lambdas, an EventBridge rule for the cluster's `ECS Task State Change` events, the table's stream -> job controller,
 * a schedule group with one or two schedules per CronJob in `manifests`, and an SQS dead-letter queue.
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
  /** ECS cluster with Container Insights. */
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
  /** Undeliverable schedule invocations, task events and stream batches. */
  public readonly deadLetterQueue: sqs.Queue;
  /** One or two schedules per CronJob, in manifest order. */
  public readonly schedules: readonly scheduler.CfnSchedule[];
  /** The validated, defaulted CronJobs of `manifests`. */
  public readonly cronJobs: readonly CronJob[];
  /** The validated, defaulted Jobs of `manifests`. */
  public readonly jobs: readonly Job[];
  /** Prefix of the task definition families the Lambdas may register and run. */
  public readonly taskFamilyPrefix: string;

  constructor(scope: Construct, id: string, props: JobctlProps) {
    super(scope, id);
    validateProps(props);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.taskFamilyPrefix = props.taskFamilyPrefix ?? 'jobctl';

    // Manifests first: a bad one should fail synth before anything else is built.
    const { objects, warnings } = loadOrThrow(props.manifests);
    this.cronJobs = objects.filter((o): o is CronJob => o.kind === 'CronJob');
    this.jobs = objects.filter((o): o is Job => o.kind === 'Job');
    for (const w of warnings) {
      Annotations.of(this).addWarningV2('@jobctl/infra:unsupported-field', `${w.file}:${w.line} ${w.path}: ${w.message}`);
    }

    this.table = props.existingTable ?? this.createTable(removalPolicy);

    this.vpc = props.vpc ?? this.createVpc(logRetention);
    this.taskSubnets = this.vpc.selectSubnets(props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    this.taskSecurityGroups = props.securityGroups ?? [
      new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
        vpc: this.vpc,
        description: 'jobctl Fargate tasks: no inbound, all outbound (image pulls, AWS APIs)',
        allowAllOutbound: true,
      }),
    ];

    // Container Insights v2 (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cloudwatch-container-insights.html).
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc: this.vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    this.taskLogGroup = new logs.LogGroup(this, 'TaskLogs', { retention: logRetention, removalPolicy });
    ({ executionRole: this.taskExecutionRole, taskRole: this.taskRole } = this.createTaskRoles());

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the schedules, the task-event rule and the stream mapping.',
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
      // The dispatcher only reads and writes the table; the job controller launches the Job's tasks (src/aws/env.ts).
      environment: { [JOBCTL_ENV.tableName]: this.table.tableName, NODE_OPTIONS: '--enable-source-maps' },
    });
    this.jobController = this.createFunction('JobController', {
      architecture,
      logRetention,
      removalPolicy,
      entry: props.jobControllerEntry ?? defaultEntry('job-controller'),
      description: 'jobctl job controller: ECS Task State Change events, state-table stream and requeues -> Job sync',
      // Above src/aws/env.ts JOBCTL_MAX_INLINE_WAIT_MS (20 s) plus the sync itself.
      timeout: Duration.seconds(120),
      environment: {
        [JOBCTL_ENV.tableName]: this.table.tableName,
        [JOBCTL_ENV.clusterArn]: this.cluster.clusterArn,
        [JOBCTL_ENV.subnets]: this.taskSubnets.subnetIds.join(','),
        [JOBCTL_ENV.securityGroups]: this.taskSecurityGroups.map((g) => g.securityGroupId).join(','),
        [JOBCTL_ENV.assignPublicIp]: props.assignPublicIp === true ? 'ENABLED' : 'DISABLED',
        [JOBCTL_ENV.logGroupName]: this.taskLogGroup.logGroupName,
        [JOBCTL_ENV.logStreamPrefix]: 'jobctl',
        [JOBCTL_ENV.taskExecutionRoleArn]: this.taskExecutionRole.roleArn,
        [JOBCTL_ENV.taskRoleArn]: this.taskRole.roleArn,
        [JOBCTL_ENV.taskFamilyPrefix]: this.taskFamilyPrefix,
        [JOBCTL_ENV.scheduleGroupName]: this.scheduleGroup.scheduleGroupName,
        [JOBCTL_ENV.schedulerRoleArn]: this.requeueRole.roleArn,
        [JOBCTL_ENV.deadLetterQueueArn]: this.deadLetterQueue.queueArn,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    for (const fn of [this.dispatcher, this.jobController]) {
      this.table.grantReadWriteData(fn);
      this.acknowledgeTableIndexes(fn);
    }
    this.grantTaskLaunch(this.jobController);
    this.grantRequeue(this.jobController);

    this.jobController.addEventSource(
      new DynamoEventSource(this.table, {
        // TRIM_HORIZON: writes made before the mapping exists (the first deploy) are not skipped.
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        maxRecordAge: Duration.days(1),
        onFailure: new SqsDlq(this.deadLetterQueue),
      }),
    );

    // ECS Task State Change events (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html):
    // at least once and possibly out of order, so the controller orders them by `detail.version`.
    this.taskStateChangeRule = new events.Rule(this, 'TaskStateChangeRule', {
      description: 'jobctl: task state changes of the jobctl cluster -> job controller',
      eventPattern: { source: ['aws.ecs'], detailType: ['ECS Task State Change'], detail: { clusterArn: [this.cluster.clusterArn] } },
      targets: [
        new eventTargets.LambdaFunction(this.jobController, {
          retryAttempts: MAX_RETRY_ATTEMPTS,
          maxEventAge: Duration.hours(24),
          deadLetterQueue: this.deadLetterQueue,
        }),
      ],
    });

    this.schedulerRole = this.createSchedulerRole();
    this.schedules = this.createSchedules(props.scheduleRetryAttempts ?? MAX_RETRY_ATTEMPTS);
  }

  private createTable(removalPolicy: RemovalPolicy): dynamodb.TableV2 {
    const { partitionKey, sortKey, byKind, byOwner, timeToLiveAttribute } = stateTableKeys;
    const string = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    return new dynamodb.TableV2(this, 'StateTable', {
      partitionKey: string(partitionKey),
      sortKey: string(sortKey),
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute,
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      removalPolicy,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      // The same indexes as `stateTableDefinition` (src/aws/state-table.ts): `list` reads whole objects, so ALL.
      globalSecondaryIndexes: [byKind, byOwner].map((index) => ({
        indexName: index.indexName,
        partitionKey: string(index.partitionKey),
        sortKey: string(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      })),
    });
  }

  private createVpc(logRetention: logs.RetentionDays): ec2.Vpc {
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'tasks', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
    });
    const flowLogs = new logs.LogGroup(this, 'VpcFlowLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) });
    return vpc;
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
   * RunTask/StopTask/DescribeTasks on this cluster's tasks of `<prefix>-*` families, task definition registration,
   * tagging on create, and iam:PassRole for the two task roles only.
   * Resources and condition keys: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelasticcontainerservice.html
   */
  private grantTaskLaunch(fn: NodejsFunction): void {
    const stack = Stack.of(this);
    const families = stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${this.taskFamilyPrefix}-*` });
    const tasks = stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${this.cluster.clusterName}/*` });
    const clusterCondition = { ArnEquals: { 'ecs:cluster': this.cluster.clusterArn } };
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecs:RunTask'], resources: [families], conditions: clusterCondition }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecs:StopTask', 'ecs:DescribeTasks'], resources: [tasks], conditions: clusterCondition }));
    // Tags on RunTask/RegisterTaskDefinition need ecs:TagResource, limited to those create actions
    // (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/supported-iam-actions-tagging.html).
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ecs:TagResource'],
        resources: [tasks, families],
        conditions: { StringEquals: { 'ecs:CreateAction': ['RunTask', 'RegisterTaskDefinition'] } },
      }),
    );
    // ListTasks is authorized on the container-instance resource type, with the ecs:cluster condition key.
    const containerInstances = stack.formatArn({ service: 'ecs', resource: 'container-instance', resourceName: `${this.cluster.clusterName}/*` });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ecs:ListTasks'], resources: [containerInstances], conditions: clusterCondition }));
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
    acknowledge('*', 'ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition support no resource-level permissions; AWS requires Resource "*". Task definitions are registered on demand from each pod template.');
    acknowledge(
      nagResourceId(this, families),
      'Task definition families are content-hashed per pod template (`<prefix>-<image>-<hash>`) and registered at run time; the prefix limits RunTask to jobctl families, and the ecs:cluster condition to this cluster.',
    );
    acknowledge(nagResourceId(this, containerInstances), 'ListTasks is authorized on container instances of this cluster only (ecs:cluster condition); Fargate tasks have no container instance of their own.');
    acknowledge(nagResourceId(this, tasks), 'Task ids are assigned by ECS at launch; the ARN pattern limits StopTask/DescribeTasks to tasks of this cluster.');
  }

  /**
   * One-time requeue schedules (durable timers, src/aws/scheduler-requeue.ts): create them in this stack's group and
   * pass the requeue role to EventBridge Scheduler, which may then invoke only the job controller.
   */
  private grantRequeue(fn: NodejsFunction): void {
    const schedules = Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.scheduleGroup.scheduleGroupName}/*`,
    });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: [schedules] }));
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.requeueRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    this.requeueRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
    this.requeueRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
    Validations.of(roleOf(fn)).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceId(this, schedules)}]`,
      reason: 'Requeue schedules are named per object and due time at run time; the ARN pattern limits CreateSchedule to this stack\'s schedule group.',
    });
  }

  /** `grantReadWriteData` covers the table's indexes as `<table>/index/*`: acknowledge exactly that. */
  private acknowledgeTableIndexes(fn: NodejsFunction): void {
    Validations.of(roleOf(fn)).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResourceId(this, this.table.tableArn)}/index/*]`,
      reason: 'Queries on the state table GSIs (GSI1 by kind, GSI2 by owner) of this table only; added by grantReadWriteData.',
    });
  }

  private createSchedulerRole(): iam.Role {
    const role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: schedulerPrincipal(this),
      description: 'jobctl: EventBridge Scheduler invokes the dispatcher and dead-letters undeliverable invocations',
    });
    // Exactly the unqualified function, no `:*` versions or aliases: the schedules target the function ARN.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.dispatcher.functionArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
    return role;
  }

  private createSchedules(retryAttempts: number): scheduler.CfnSchedule[] {
    const container = new Construct(this, 'Schedules');
    const out: scheduler.CfnSchedule[] = [];
    for (const cronJob of this.cronJobs) {
      const { namespace, name } = cronJob.metadata;
      const { schedule, timeZone, startingDeadlineSeconds, suspend } = cronJob.spec;
      const translation = toEventBridgeSchedules(schedule, timeZone);
      const unsupported = translation.divergences.find((d) => d.kind === 'unsupported-interval');
      if (unsupported !== undefined) {
        throw new Error(`Jobctl: manifests: CronJob ${namespace}/${name} spec.schedule "${schedule}": ${unsupported.message}`);
      }
      const maximumEventAgeInSeconds = clamp(startingDeadlineSeconds ?? MAX_EVENT_AGE_SECONDS, MIN_EVENT_AGE_SECONDS, MAX_EVENT_AGE_SECONDS);
      const payload: DispatcherPayload = { cronJob: { namespace, name }, scheduledTime: SCHEDULED_TIME_ATTRIBUTE };
      const count = translation.schedules.length;
      if (count === 0) {
        for (const d of translation.divergences) {
          Annotations.of(this).addWarningV2(`@jobctl/infra:${d.kind}`, `CronJob ${namespace}/${name}: ${d.message}`);
        }
      }
      translation.schedules.forEach((s, index) => {
        const scheduleName = scheduleNameFor(namespace, name, index, count);
        const cfn = new scheduler.CfnSchedule(container, scheduleName, {
          name: scheduleName,
          groupName: this.scheduleGroup.scheduleGroupName,
          description: `jobctl CronJob ${namespace}/${name}: "${schedule}"${count > 1 ? ` (part ${index + 1} of ${count}: Kubernetes ORs day-of-month and day-of-week)` : ''}`.slice(0, 512),
          scheduleExpression: s.expression,
          scheduleExpressionTimezone: s.timeZone,
          // OFF: fire at the scheduled minute, as the Kubernetes controller does.
          flexibleTimeWindow: { mode: 'OFF' },
          state: suspend ? 'DISABLED' : 'ENABLED',
          target: {
            arn: this.dispatcher.functionArn,
            roleArn: this.schedulerRole.roleArn,
            input: JSON.stringify(payload),
            // Past startingDeadlineSeconds Kubernetes would not start the run either; the dispatcher re-checks it.
            retryPolicy: { maximumEventAgeInSeconds, maximumRetryAttempts: retryAttempts },
            deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
          },
        });
        // The group name is a literal, not a Ref: without this CloudFormation could create the schedule first.
        cfn.node.addDependency(this.scheduleGroup);
        for (const d of translation.divergences) {
          Annotations.of(cfn).addWarningV2(`@jobctl/infra:${d.kind}`, `CronJob ${namespace}/${name}: ${d.message}`);
        }
        if (startingDeadlineSeconds !== undefined && startingDeadlineSeconds < MIN_EVENT_AGE_SECONDS) {
          Annotations.of(cfn).addWarningV2(
            '@jobctl/infra:short-deadline',
            `CronJob ${namespace}/${name}: startingDeadlineSeconds ${startingDeadlineSeconds} is below EventBridge Scheduler's minimum event age of 60 s; retries may arrive up to 60 s late and the dispatcher skips them as missed`,
          );
        }
        out.push(cfn);
      });
    }
    return out;
  }
}

/** scheduler.amazonaws.com, only on behalf of this account (https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html). */
function schedulerPrincipal(scope: Construct): iam.IPrincipal {
  return new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions({ StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } });
}

/** The role the construct created for `fn` (its policy is where the findings are). */
function roleOf(fn: lambda.IFunction): iam.IRole {
  if (fn.role === undefined) throw new Error(`Jobctl: function ${fn.node.path} has no role`);
  return fn.role;
}

function defaultEntry(name: 'dispatcher' | 'job-controller'): string {
  return fileURLToPath(new URL(`../functions/${name}.ts`, import.meta.url));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function loadOrThrow(path: string): ReturnType<typeof readManifests> {
  try {
    return readManifests(path);
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
