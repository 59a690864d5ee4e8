import { TaskLaunchError as DomainTaskLaunchError } from '../../errors.ts';
import { createHash } from 'node:crypto';
import {
  ConflictException,
  ECSServiceException,
  InvalidParameterException,
  RunTaskCommand,
  StopTaskCommand,
  type CapacityProviderStrategyItem,
  type ECSClient,
  type Failure,
  type RunTaskCommandInput,
  type RunTaskCommandOutput,
  type TaskOverride,
} from '@aws-sdk/client-ecs';
import type { TaskLauncher, TaskRef } from '../../ports/task-launcher.ts';
import { wellKnown, type Pod } from '../../spec/types.ts';
import {
  EcsTaskDefinitionRegistry,
  resolveContainerRun,
  taskDefinitionForPod,
  toTags,
  type ContainerRun,
  type TaskDefinitionSettings,
} from './ecs-task-definitions.ts';

/**
 * Annotation the Job controller records on a pod once its task is known (after `launchTask` resolves, or from the
 * task's first state change event): the ECS task ARN of the pod's **current attempt**. `stop` stops exactly that task.
 * It is removed when the task ends and the pod waits for an in-place restart (OnFailure): a pod in back-off has no
 * task.
 */
export const taskArnAnnotation = 'jobctl.dev/task-arn';

/**
 * When the pod's current task was launched (RFC 3339), recorded with {@link taskArnAnnotation}. The resync asks ECS
 * about a task only once it has stood still for a while since then, and believes ECS's "MISSING" only for a task
 * launched long enough ago: right after RunTask, DescribeTasks may not know the task yet (ECS is eventually
 * consistent).
 */
export const taskLaunchedAtAnnotation = 'jobctl.dev/task-launched-at';

/**
 * The ARN of the pod's most recent task, kept across OnFailure restarts (unlike {@link taskArnAnnotation}): where the
 * last attempt's logs are while the pod waits out its back-off, and what `describe pod` shows.
 */
export const lastTaskArnAnnotation = 'jobctl.dev/last-task-arn';

/**
 * Annotation the Job controller bumps (0, 1, 2, …) after a launch failed with a retryable {@link TaskLaunchError}
 * (`failures[]` such as Fargate capacity). It is part of the `clientToken`: ECS replays a token's original result for
 * up to 24 h, and whether a result that carried `failures[]` counts as one it replays is not documented — a fresh
 * token makes the retry a real new attempt. Throttling and lost responses keep the same token (no bump): those
 * retries must not double a task.
 */
export const launchRetryAnnotation = 'jobctl.dev/launch-retry';

/** RunTask starts at most 10 tasks per call (RunTask `count`). */
export const MAX_TASKS_PER_RUN_TASK = 10;
/** RunTask `overrides` may total 8192 characters of JSON, formatting included (RunTask `overrides`). */
export const MAX_OVERRIDES_CHARS = 8192;
/** StopTask `reason`: up to 255 characters (StopTask `reason`). */
export const MAX_STOP_REASON_CHARS = 255;
const MAX_STARTED_BY_CHARS = 128;
const MAX_GROUP_CHARS = 255;
const MAX_CLIENT_TOKEN_CHARS = 64;
/** Tag values: up to 256 characters (RunTask `tags`). */
const MAX_TAG_VALUE_CHARS = 256;

/** Tag keys on every task: the Kubernetes identity of the pod, readable in the console and in Cost Explorer. */
export const taskTagKeys = {
  namespace: 'jobctl.dev/namespace',
  jobName: wellKnown.batchJobName,
  podName: 'jobctl.dev/pod-name',
  controllerUid: wellKnown.batchControllerUid,
  completionIndex: wellKnown.completionIndex,
} as const;

export interface EcsTaskLauncherOptions {
  /**
   * The ECS client. Its retry strategy absorbs throttling (`ThrottlingException`, "Rate exceeded": RunTask allows 20
   * calls/s per account and Region); we recommend `maxAttempts: 8` in a Lambda. Past it, `launch` rejects with a
   * retryable {@link TaskLaunchError}.
   */
  readonly client: ECSClient;
  /** Cluster ARN (or name). */
  readonly cluster: string;
  /** Private subnets, ideally in several Availability Zones (Fargate capacity is per AZ). */
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  /** @default "DISABLED" (private subnets with a NAT gateway or VPC endpoints reach ECR and CloudWatch Logs) */
  readonly assignPublicIp?: 'ENABLED' | 'DISABLED';
  /**
   * Capacity providers, e.g. `[{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]`. Fargate does not fall back from
   * Spot to On-Demand by itself.
   * @default - `launchType: FARGATE` (On-Demand)
   */
  readonly capacityProviderStrategy?: readonly CapacityProviderStrategyItem[];
  /** @default - LATEST */
  readonly platformVersion?: string;
  /** Roles, logging and platform of the task definitions. */
  readonly taskDefinitions: TaskDefinitionSettings;
  /** @default - a registry over `client` with an in-memory cache */
  readonly registry?: EcsTaskDefinitionRegistry;
  /** Extra tags on every task (e.g. the stack's). @default - none */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Variables every task gets before its own (RunTask override), e.g. what `jobctl worker` needs to find the stack's
   * work queues (`JOBCTL_CONTEXT`, `JOBCTL_TABLE_NAME`, `JOBCTL_LOG_GROUP`). @default - none
   */
  readonly taskEnv?: Readonly<Record<string, string>>;
}

/** Why ECS did not start a task, and whether trying again later can help. */
export type TaskLaunchFailureKind =
  /** `RESOURCE:*`, `AGENT`, Fargate "Capacity is unavailable", throttling past the SDK's retries, 5xx. */
  | 'retryable'
  /** `MISSING`, `INACTIVE`, `ATTRIBUTE`, invalid parameters, access denied, overrides too large: a fix is needed. */
  | 'permanent';

/** A failed launch, with the RunTask `failures[]` entries when that is how ECS answered. */
export class TaskLaunchError extends DomainTaskLaunchError<Failure> {}

/** What one RunTask call asked for; `launchTask` builds it from a pod. */
export interface RunTasksRequest {
  taskDefinition: string;
  /** 1–10 identical tasks. */
  count: number;
  overrides: TaskOverride;
  startedBy: string;
  group: string;
  tags: Record<string, string>;
  clientToken: string;
}

/** A started task. */
export interface LaunchedTask {
  taskArn: string;
  /** The task definition it runs (family:revision ARN). */
  taskDefinitionArn?: string;
}

/** Identity of a pod's task as ECS carries it, decodable from a Task State Change event ({@link parseTaskGroup}). */
export interface TaskIdentity extends TaskRef {
  /** The pod's container restart count when this task was launched (restartPolicy OnFailure restarts in place). */
  attempt: number;
}

/**
 * Runs pods as ECS Fargate tasks: one RunTask per pod launch, with the pod's args and env as container overrides on a
 * shared, content-addressed task definition ({@link EcsTaskDefinitionRegistry}).
 *
 * Idempotency: `clientToken` derives from the pod uid, its restart count and {@link launchRetryAnnotation}, and every
 * other parameter derives from the pod, so a retried launch (an SDK retry, a Lambda retry, a resync) returns the task
 * already started instead of a second one (tokens are scoped to the cluster, for up to 24 h:
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/ECS_Idempotency.html).
 *
 * Identity: `group` = `jobctl:<namespace>:<job>:<pod>:<attempt>` (≤255 characters; the Task State Change event
 * carries it, and tags it does not), `startedBy` = `<namespace>/<pod>/<attempt>` (≤128 characters of
 * `[A-Za-z0-9_/-]`, the console's "Started by"), tags for people.
 */
export class EcsTaskLauncher implements TaskLauncher {
  private readonly registry: EcsTaskDefinitionRegistry;

  constructor(private readonly options: EcsTaskLauncherOptions) {
    this.registry = options.registry ?? new EcsTaskDefinitionRegistry(options.client);
    if (options.subnets.length === 0)
      throw new TypeError('EcsTaskLauncher: subnets: at least one subnet is required for awsvpc');
  }

  async launch(pod: Pod): Promise<void> {
    await this.launchTask(pod);
  }

  /** Launches the pod's task and returns it (the controller may record {@link taskArnAnnotation}). */
  async launchTask(pod: Pod): Promise<LaunchedTask> {
    let run = resolveContainerRun(pod, this.options.taskEnv);
    let overrides = overridesFor(run);
    if (JSON.stringify(overrides).length > MAX_OVERRIDES_CHARS && (pod.spec.containers[0]?.command?.length ?? 0) > 0) {
      // The command's arguments do not fit beside the env: carry the whole command in the task definition instead.
      run = resolveContainerRun(pod, this.options.taskEnv, { bakeCommand: true });
      overrides = overridesFor(run);
    }
    const definition = taskDefinitionForPod(pod, this.options.taskDefinitions, run);
    const family = await this.registry.ensureRegistered(definition);
    const identity = taskIdentityOf(pod);
    const [task] = await this.runTasks({
      taskDefinition: family,
      count: 1,
      overrides,
      startedBy: startedByFor(identity),
      group: taskGroupFor(identity),
      tags: { ...(this.options.tags ?? {}), ...taskTagsFor(pod) },
      clientToken: clientTokenFor(pod),
    });
    return task!;
  }

  /**
   * One RunTask call for `count` (≤10) identical tasks. Resolves to every task started; rejects with a
   * {@link TaskLaunchError} when ECS started none or answered with an error. With `count` > 1 a partial success is
   * possible: the started tasks are returned and the failures are in `TaskLaunchError.failures` only when nothing
   * started — callers that batch must compare the counts.
   */
  async runTasks(request: RunTasksRequest): Promise<LaunchedTask[]> {
    if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_TASKS_PER_RUN_TASK) {
      throw new RangeError(
        `EcsTaskLauncher: count: Invalid value: ${request.count}: RunTask starts 1-${MAX_TASKS_PER_RUN_TASK} tasks ` +
          `per call`,
      );
    }
    const overridesChars = JSON.stringify(request.overrides).length;
    if (overridesChars > MAX_OVERRIDES_CHARS) {
      throw new TaskLaunchError(
        `RunTask overrides for ${request.startedBy}: ${overridesChars} characters of args and env exceed ECS's ` +
          `${MAX_OVERRIDES_CHARS}: ` +
          'move large values into the image or a file the task reads',
        { retryable: false },
      );
    }
    const input: RunTaskCommandInput = {
      cluster: this.options.cluster,
      taskDefinition: request.taskDefinition,
      count: request.count,
      ...(this.options.capacityProviderStrategy === undefined
        ? { launchType: 'FARGATE' as const }
        : { capacityProviderStrategy: this.options.capacityProviderStrategy.map((s) => ({ ...s })) }),
      ...(this.options.platformVersion === undefined ? {} : { platformVersion: this.options.platformVersion }),
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [...this.options.subnets],
          securityGroups: [...this.options.securityGroups],
          assignPublicIp: this.options.assignPublicIp ?? 'DISABLED',
        },
      },
      overrides: request.overrides,
      startedBy: request.startedBy,
      group: request.group,
      tags: toTags(request.tags),
      clientToken: request.clientToken,
    };
    let output: RunTaskCommandOutput;
    try {
      output = await this.options.client.send(new RunTaskCommand(input));
    } catch (error) {
      if (error instanceof ConflictException) {
        // The token was used with other parameters (e.g. a re-registered task definition): the task exists.
        const arns = error.resourceIds ?? [];
        if (arns.length > 0) return arns.map((taskArn) => ({ taskArn }));
      }
      throw translateRunTaskError(error, request.startedBy);
    }
    const tasks = (output.tasks ?? []).flatMap((t) =>
      t.taskArn === undefined
        ? []
        : [
            {
              taskArn: t.taskArn,
              ...(t.taskDefinitionArn === undefined ? {} : { taskDefinitionArn: t.taskDefinitionArn }),
            },
          ],
    );
    const failures = output.failures ?? [];
    if (tasks.length === 0) {
      if (failures.length === 0) {
        throw new TaskLaunchError(`RunTask for ${request.startedBy}: ECS started no task and reported no failure`, {
          retryable: true,
        });
      }
      const retryable = failures.every(isRetryableFailure);
      const described = failures.map((f) => [f.reason, f.detail, f.arn].filter(Boolean).join(' ')).join('; ');
      throw new TaskLaunchError(
        `RunTask for ${request.startedBy}: ECS started no task: ` +
          `${described}${retryable ? ' (retryable: try again later)' : ''}`,
        { retryable, failures },
      );
    }
    return tasks;
  }

  /**
   * Stops the pod's current task ({@link taskArnAnnotation}) with `reason` (cut to 255 characters):
   * - a running (or pending) task is stopped → true; one already stopping or stopped is not an error (StopTask on a
   *   stopped task succeeds) → true: its exit is, or was, reported by its Task State Change event;
   * - no recorded task → false, with no call to ECS: the pod was never launched, or waits out an OnFailure back-off
   *   (the previous attempt's task is over), so nothing will report an exit and the caller records the pod's end;
   * - the recorded task is unknown to ECS (it stopped more than an hour ago) → false.
   *
   * Never ListTasks: a cluster-wide list is authorized on `*` and is eventually consistent right after RunTask
   * (AWS-AUDIT.md F2). A task whose RunTask succeeded but whose ARN was never recorded (a crash between the two) has a
   * pod that the next sync launches again with the same clientToken, which returns that task and records it; if the
   * pod is deleted first, the task has no owner and the resync's orphan sweep stops it ({@link EcsTaskReconciler}).
   */
  async stop(pod: Pod, reason: string): Promise<boolean> {
    const recorded = pod.metadata.annotations?.[taskArnAnnotation];
    if (recorded === undefined) return false;
    return this.stopTask(recorded, reason);
  }

  /** StopTask on this cluster; false when ECS no longer knows the task (stopped over an hour ago). */
  async stopTask(taskArn: string, reason: string): Promise<boolean> {
    try {
      await this.options.client.send(
        new StopTaskCommand({
          cluster: this.options.cluster,
          task: taskArn,
          reason: reason.slice(0, MAX_STOP_REASON_CHARS),
        }),
      );
      return true;
    } catch (error) {
      // "The referenced task was not found": stopped more than an hour ago (or never existed).
      if (error instanceof InvalidParameterException) return false;
      throw translateStopError(error, taskArn);
    }
  }
}

/** RunTask's container override of a pod: the command's arguments and args as CMD, and the env. */
function overridesFor(run: ContainerRun): TaskOverride {
  return {
    containerOverrides: [
      {
        name: run.container.name,
        ...(run.command === undefined ? {} : { command: run.command }),
        ...(run.env.length === 0 ? {} : { environment: run.env }),
      },
    ],
  };
}

/** The pod's task identity: namespace, Job (from the `job-name` label), pod, and its container restart count. */
export function taskIdentityOf(pod: Pod): TaskIdentity {
  return {
    namespace: pod.metadata.namespace,
    jobName: pod.metadata.labels?.[wellKnown.jobName] ?? pod.metadata.labels?.[wellKnown.batchJobName] ?? '',
    podName: pod.metadata.name,
    attempt: pod.status.containerStatuses?.[0]?.restartCount ?? 0,
  };
}

/**
 * `startedBy` for a pod's task: `<namespace>/<pod>/<attempt>`. Kubernetes names fit the allowed characters; should
 * the whole exceed 128 characters, it becomes a prefix plus a hash (still unique, still recomputable from the pod).
 */
export function startedByFor(identity: TaskIdentity): string {
  const raw = `${identity.namespace}/${identity.podName}/${identity.attempt}`.replace(/[^A-Za-z0-9_/-]/g, '_');
  if (raw.length <= MAX_STARTED_BY_CHARS) return raw;
  const hash = sha256Hex(raw).slice(0, 32);
  return `${raw.slice(0, MAX_STARTED_BY_CHARS - hash.length - 1)}_${hash}`;
}

/**
 * The task group, `jobctl:<namespace>:<job>:<pod>:<attempt>`: the full identity, which Task State Change events carry
 * (`detail.group`). Kubernetes names hold no `:`, so it splits back unambiguously ({@link parseTaskGroup}).
 */
export function taskGroupFor(identity: TaskIdentity): string {
  const group = `jobctl:${identity.namespace}:${identity.jobName}:${identity.podName}:${identity.attempt}`;
  if (group.length > MAX_GROUP_CHARS) {
    throw new TaskLaunchError(
      `task group for pod ${identity.namespace}/${identity.podName}: ${group.length} characters exceed ECS's ` +
        `${MAX_GROUP_CHARS}`,
      { retryable: false },
    );
  }
  return group;
}

/** The identity in a task group written by {@link taskGroupFor}; undefined for any other group (tasks not ours). */
export function parseTaskGroup(group: string | undefined): TaskIdentity | undefined {
  const match = /^jobctl:([^:]+):([^:]*):([^:]+):(\d+)$/.exec(group ?? '');
  if (!match) return undefined;
  return { namespace: match[1]!, jobName: match[2]!, podName: match[3]!, attempt: Number(match[4]) };
}

/**
 * `clientToken`: `jobctl-` + 56 hex digits of sha256(pod uid, restart count, launch retry) — 63 characters in
 * 33–126. The same pod launch always sends the same token.
 */
export function clientTokenFor(pod: Pod): string {
  const identity = taskIdentityOf(pod);
  const uid = pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
  const retry = pod.metadata.annotations?.[launchRetryAnnotation] ?? '0';
  const token = `jobctl-${sha256Hex(`${uid}/${identity.attempt}/${retry}`).slice(0, 56)}`;
  return token.slice(0, MAX_CLIENT_TOKEN_CHARS);
}

/** Tags identifying the pod (values cut to 256 characters; Kubernetes names are far shorter). */
export function taskTagsFor(pod: Pod): Record<string, string> {
  const identity = taskIdentityOf(pod);
  const tags: Record<string, string> = {
    [taskTagKeys.namespace]: identity.namespace,
    [taskTagKeys.jobName]: identity.jobName,
    [taskTagKeys.podName]: identity.podName,
  };
  const uid = pod.metadata.labels?.[wellKnown.batchControllerUid];
  if (uid !== undefined) tags[taskTagKeys.controllerUid] = uid;
  const index =
    pod.metadata.labels?.[wellKnown.completionIndex] ?? pod.metadata.annotations?.[wellKnown.completionIndex];
  if (index !== undefined) tags[taskTagKeys.completionIndex] = index;
  for (const key of Object.keys(tags)) tags[key] = tags[key]!.slice(0, MAX_TAG_VALUE_CHARS);
  return tags;
}

/**
 * Whether a RunTask `failures[]` entry may succeed later: `RESOURCE:*` and `AGENT`
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/api_failures_messages.html) and Fargate's "Capacity is
 * unavailable at this time. Please try again later or in a different availability zone"
 * (https://repost.aws/knowledge-center/ecs-fargate-runtask-capacity). `MISSING`, `INACTIVE`, `ATTRIBUTE` and anything
 * unknown need a fix, not a wait.
 */
export function isRetryableFailure(failure: Failure): boolean {
  const reason = failure.reason ?? '';
  if (reason.startsWith('RESOURCE:') || reason === 'AGENT') return true;
  return /capacity is unavailable|try again later|rate exceeded|throttl/i.test(`${reason} ${failure.detail ?? ''}`);
}

/** SDK errors from RunTask (after the SDK's own retries) as {@link TaskLaunchError}s; the SDK error is the cause. */
function translateRunTaskError(error: unknown, startedBy: string): Error {
  if (!(error instanceof Error))
    return new TaskLaunchError(`RunTask for ${startedBy}: ${String(error)}`, { retryable: true });
  const retryable = isTransientSdkError(error);
  return new TaskLaunchError(
    `RunTask for ${startedBy}: ${error.name}: ${error.message}${retryable ? ' (retryable: try again later)' : ''}`,
    { retryable },
    { cause: error },
  );
}

function translateStopError(error: unknown, task: string): Error {
  if (!(error instanceof Error)) return new Error(`StopTask ${task}: ${String(error)}`);
  return new Error(`StopTask ${task}: ${error.name}: ${error.message}`, { cause: error });
}

/**
 * Throttling, 5xx and network errors: worth trying again later. So are two client errors that a wait can cure:
 * AccessDenied (IAM changes take a while to propagate, e.g. right after the first deploy) and account limits
 * (e.g. Fargate's vCPU quota while other tasks run). Other client errors (4xx) are not: the pod fails with StartError.
 */
function isTransientSdkError(error: Error): boolean {
  if (
    /Throttl|RequestLimitExceeded|TooManyRequests|AccessDenied/.test(error.name) ||
    /rate exceeded|limit|quota/i.test(error.message)
  )
    return true;
  if (error instanceof ECSServiceException)
    return error.$fault === 'server' || (error.$metadata.httpStatusCode ?? 0) >= 500;
  return true; // no service response at all: timeouts, connection resets
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
