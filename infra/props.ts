import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { MAX_RETRY_ATTEMPTS } from '../src/adapters/scheduler/cronjob-schedules.ts';
import { ValidationErrors } from '../src/errors.ts';
import type { LoadOptions } from '../src/spec/index.ts';
import { readManifests } from './manifest-source.ts';

/** Properties of the `Jobctl` construct (jobctl-construct.ts). */
export interface JobctlProps {
  /**
   * A CronJob/Job manifest file, or a folder searched recursively for `.yaml`, `.yml` and `.json` files, or several
   * separated by commas. Every manifest is validated at synth as the Kubernetes API server would; a bad one makes the
   * constructor throw with `file:line field: reason` for each error, so `cdk synth` fails before anything deploys.
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
   * (`src/adapters/dynamodb/state-table.ts`; not checkable at synth), a stream with new and old images, and TTL on
   * `expiresAt`.
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
   * role may read and write the state table and use the `jobctl-*` SQS queues, and every task gets
   * `JOBCTL_CONTEXT=aws`, `JOBCTL_TABLE_NAME`, `JOBCTL_LOG_GROUP` and `AWS_REGION`. Off, tasks get no AWS permission
   * from jobctl.
   * @default false
   */
  readonly tasksUseWorkQueues?: boolean;
}

/** Throws, naming the prop, on props that are missing, contradict each other, or that AWS would refuse at deploy. */
export function validateProps(props: JobctlProps): void {
  if (typeof props.manifests !== 'string' || props.manifests.trim() === '') {
    throw new Error(`Jobctl: manifests must name a file or folder, got ${JSON.stringify(props.manifests)}`);
  }
  if (props.network !== undefined && props.vpc !== undefined) {
    throw new Error(
      "Jobctl: network lays out the VPC the construct creates; with vpc, choose the tasks' subnets with subnets and " +
        'their public IP with assignPublicIp',
    );
  }
  if (props.subnets !== undefined && props.vpc === undefined) {
    throw new Error('Jobctl: subnets requires vpc: subnets are selected from the VPC you bring');
  }
  if (props.securityGroups !== undefined) {
    if (props.vpc === undefined) {
      throw new Error('Jobctl: securityGroups requires vpc: security groups belong to the VPC you bring');
    }
    if (props.securityGroups.length === 0) {
      throw new Error('Jobctl: securityGroups must hold at least one group, got []');
    }
  }
  if (props.existingTable !== undefined && props.existingTable.tableStreamArn === undefined) {
    throw new Error(
      `Jobctl: existingTable "${props.existingTable.node.path}" has no stream: import it with tableStreamArn ` +
        '(NEW_AND_OLD_IMAGES); the job controller consumes it',
    );
  }
  const prefix = props.taskFamilyPrefix;
  if (prefix !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
    throw new Error(`Jobctl: taskFamilyPrefix "${prefix}" must be 1-64 letters, digits, "_" or "-"`);
  }
  const retries = props.scheduleRetryAttempts;
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0 && retries <= MAX_RETRY_ATTEMPTS)) {
    throw new Error(
      `Jobctl: scheduleRetryAttempts ${retries} must be an integer 0-${MAX_RETRY_ATTEMPTS} ` +
        '(RetryPolicy.MaximumRetryAttempts)',
    );
  }
}

/**
 * The validated manifests at `path` (`readManifests`); invalid ones throw naming the `manifests` prop, with
 * `file:line field: reason` for each error.
 */
export function loadOrThrow(path: string, options: LoadOptions): ReturnType<typeof readManifests> {
  try {
    return readManifests(path, process.cwd(), options);
  } catch (error) {
    if (error instanceof ValidationErrors) {
      throw new Error(`Jobctl: manifests "${path}" are invalid:\n${error.message}`, { cause: error });
    }
    throw error;
  }
}
