import type { Task } from '@aws-sdk/client-ecs';
import type { TaskExit, TaskRef } from '../../ports/task-launcher.ts';
import { parseTaskGroup, type TaskIdentity } from './ecs-task-launcher.ts';

/*
 * Amazon ECS "ECS Task State Change" events, as EventBridge delivers them to the job-controller Lambda.
 * Shape: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html (the `detail` resembles
 * DescribeTasks' Task, with ISO-8601 timestamps). Delivery is at least once and may be out of order; `detail.version`
 * increases with every state change of the task and duplicates share it
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_cwe_events.html), so a consumer keeps the highest
 * version it applied per task ARN and drops the rest ({@link isNewer}).
 */

/** ECS task lifecycle states (`lastStatus` / `desiredStatus`). */
export type EcsTaskStatus =
  | 'PROVISIONING'
  | 'PENDING'
  | 'ACTIVATING'
  | 'RUNNING'
  | 'DEACTIVATING'
  | 'STOPPING'
  | 'DEPROVISIONING'
  | 'STOPPED'
  | 'DELETED';

/** A task state change reduced to what the Job controller needs. */
export interface EcsTaskStateChange {
  taskArn: string;
  clusterArn: string;
  /** The pod this task runs, from `detail.group`; undefined for tasks jobctl did not start. */
  identity?: TaskIdentity;
  startedBy?: string;
  lastStatus: string;
  desiredStatus: string;
  /** `TaskFailedToStart`, `EssentialContainerExited`, `UserInitiated`, `SpotInterruption`, `TerminationNotice`, … */
  stopCode?: string;
  stoppedReason?: string;
  /** The (single) container's state. */
  container?: { name: string; lastStatus?: string; exitCode?: number; reason?: string };
  startedAtMs?: number;
  stoppedAtMs?: number;
  /** When ECS recorded this state (`updatedAt`, else the event's `time`). */
  updatedAtMs?: number;
  /** `detail.version`: per task, increases with each state change. */
  version: number;
}

/** What a state change means for the pod: it started, it ended, or nothing yet. */
export type TaskReport =
  | { kind: 'started'; task: TaskRef; attempt: number; atMs: number }
  | { kind: 'exited'; exit: TaskExit; attempt: number; startedAtMs?: number }
  | { kind: 'none'; why: string };

/** Exit code Kubernetes gives a container that could not be started (runc "StartError"); the local runtime's too. */
export const START_ERROR_EXIT_CODE = 128;
/** The exit code of a container killed with SIGKILL, used when a task stopped without its container reporting one. */
export const KILLED_EXIT_CODE = 137;

/**
 * Parses an EventBridge "ECS Task State Change" event. Throws a TypeError naming the field when the event is not
 * one (wrong `source`/`detail-type`, missing `detail.taskArn`, non-numeric `detail.version`): a handler should let
 * that fail loudly rather than drop it. Unknown fields are ignored, as AWS asks of consumers.
 */
export function parseTaskStateChange(event: unknown): EcsTaskStateChange {
  const e = asObject(event, 'event');
  if (e['source'] !== 'aws.ecs')
    throw new TypeError(`ECS task event: source: expected "aws.ecs", got ${JSON.stringify(e['source'])}`);
  if (e['detail-type'] !== 'ECS Task State Change') {
    throw new TypeError(
      `ECS task event: detail-type: expected "ECS Task State Change", got ${JSON.stringify(e['detail-type'])}`,
    );
  }
  const d = asObject(e['detail'], 'detail');
  const taskArn = requiredString(d, 'taskArn');
  const version = d['version'];
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw new TypeError(`ECS task event: detail.version: expected an integer, got ${JSON.stringify(version)}`);
  }
  const containers = Array.isArray(d['containers']) ? (d['containers'] as unknown[]) : [];
  const first = containers.length > 0 ? asObject(containers[0], 'detail.containers[0]') : undefined;
  const group = optionalString(d, 'group');
  const identity = parseTaskGroup(group);
  const change: EcsTaskStateChange = {
    taskArn,
    clusterArn: optionalString(d, 'clusterArn') ?? '',
    lastStatus: requiredString(d, 'lastStatus'),
    desiredStatus: optionalString(d, 'desiredStatus') ?? '',
    version,
  };
  if (identity !== undefined) change.identity = identity;
  setIfDefined(change, 'startedBy', optionalString(d, 'startedBy'));
  setIfDefined(change, 'stopCode', optionalString(d, 'stopCode'));
  setIfDefined(change, 'stoppedReason', optionalString(d, 'stoppedReason'));
  setIfDefined(change, 'startedAtMs', timestamp(d, 'startedAt'));
  setIfDefined(change, 'stoppedAtMs', timestamp(d, 'stoppedAt') ?? timestamp(d, 'executionStoppedAt'));
  setIfDefined(change, 'updatedAtMs', timestamp(d, 'updatedAt') ?? timestamp(e, 'time'));
  if (first !== undefined) {
    const container: NonNullable<EcsTaskStateChange['container']> = { name: optionalString(first, 'name') ?? '' };
    setIfDefined(container, 'lastStatus', optionalString(first, 'lastStatus'));
    const exitCode = first['exitCode'];
    if (typeof exitCode === 'number' && Number.isInteger(exitCode)) container.exitCode = exitCode;
    setIfDefined(container, 'reason', optionalString(first, 'reason'));
    change.container = container;
  }
  return change;
}

/**
 * Whether an event's `detail.version` should be applied after `lastSeenVersion` (the highest applied for that task
 * ARN): only strictly newer ones, so a duplicate (same version) or a late older state counts once, or not at all.
 */
export function isNewer(version: number, lastSeenVersion: number | undefined): boolean {
  return lastSeenVersion === undefined || version > lastSeenVersion;
}

/**
 * What the change means for the pod, as the kubelet would report it:
 * - `RUNNING` → started, at `startedAt`; not while being stopped (desired STOPPED, e.g. a Spot termination notice):
 *   the STOPPED event that follows carries `startedAt` for a start that was never reported.
 * - `STOPPED` → exited:
 *   - the container reported an exit code → that code, reason `Completed` (0), `OOMKilled` (ECS reason
 *     "OutOfMemoryError…") or `Error`;
 *   - no exit code, the task never started (`TaskFailedToStart`, e.g. `CannotPullContainerError`,
 *     `ResourceInitializationError`) → 128 `StartError`, as Kubernetes reports a container that could not start;
 *   - stopped by StopTask (`UserInitiated`) → reason = `stoppedReason` (jobctl passes the Kubernetes reason, e.g.
 *     `DeadlineExceeded`), exit code the container's or 137;
 *   - `SpotInterruption`, `TerminationNotice`, `InfrastructureHealth`, `ServiceSchedulerInitiated` → reason = the stop
 *     code (a disruption, not the program's failure: `applyTaskExit` ends the pod Failed with that reason), exit code
 *     the container's or 137.
 * - anything else (PROVISIONING, PENDING, DEACTIVATING with a Spot termination notice, …) → none.
 * The exit's `finishedAtMs` is `stoppedAt` (else `updatedAt`); tasks jobctl did not start → none.
 */
export function taskReportOf(change: EcsTaskStateChange): TaskReport {
  const identity = change.identity;
  if (identity === undefined)
    return { kind: 'none', why: `task ${change.taskArn} was not started by jobctl (group not jobctl:…)` };
  const task: TaskRef = { namespace: identity.namespace, jobName: identity.jobName, podName: identity.podName };
  if (change.lastStatus === 'RUNNING' && change.desiredStatus !== 'STOPPED') {
    return { kind: 'started', task, attempt: identity.attempt, atMs: change.startedAtMs ?? change.updatedAtMs ?? 0 };
  }
  if (change.lastStatus !== 'STOPPED') {
    return { kind: 'none', why: `task ${change.taskArn} is ${change.lastStatus} (desired ${change.desiredStatus})` };
  }
  const { exitCode, reason } = exitOf(change);
  const exit: TaskExit = { ...task, exitCode, reason, finishedAtMs: change.stoppedAtMs ?? change.updatedAtMs ?? 0 };
  return {
    kind: 'exited',
    exit,
    attempt: identity.attempt,
    ...(change.startedAtMs === undefined ? {} : { startedAtMs: change.startedAtMs }),
  };
}

function exitOf(change: EcsTaskStateChange): { exitCode: number; reason: string } {
  const code = change.container?.exitCode;
  switch (change.stopCode) {
    case 'UserInitiated':
      return { exitCode: code ?? KILLED_EXIT_CODE, reason: nonEmpty(change.stoppedReason) ?? 'UserInitiated' };
    case 'SpotInterruption':
    case 'TerminationNotice':
    case 'InfrastructureHealth':
    case 'ServiceSchedulerInitiated':
      return { exitCode: code ?? KILLED_EXIT_CODE, reason: change.stopCode };
    default:
      break;
  }
  if (code === undefined) return { exitCode: START_ERROR_EXIT_CODE, reason: 'StartError' };
  if (code === 0) return { exitCode: 0, reason: 'Completed' };
  if (/OutOfMemory/i.test(change.container?.reason ?? '')) return { exitCode: code, reason: 'OOMKilled' };
  return { exitCode: code, reason: 'Error' };
}

/**
 * The "ECS Task State Change" event that reports a task in the state DescribeTasks returns it in. The event's
 * `detail` carries the fields of the Task object
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Task.html) with ISO-8601 timestamps, `detail.version`
 * being the Task's `version`, as the documented example shows
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_task_events.html). The resync applies it when the
 * event itself was lost; {@link parseTaskStateChange} reads it like any other, and the pod's recorded version keeps a
 * state already applied from being applied twice.
 */
export function taskStateChangeEventOf(task: Task, atMs: number): Record<string, unknown> {
  const detail: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(task)) {
    if (value === undefined) continue;
    detail[key] = value instanceof Date ? value.toISOString() : value;
  }
  detail['containers'] = (task.containers ?? []).map((c) =>
    Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined)),
  );
  const arn = task.taskArn ?? '';
  const [, , , region = '', account = ''] = arn.split(':');
  return {
    version: '0',
    id: `jobctl-resync-${arn.slice(arn.lastIndexOf('/') + 1)}-${task.version ?? 0}`,
    'detail-type': 'ECS Task State Change',
    source: 'aws.ecs',
    account,
    time: new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [arn],
    detail,
  };
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`ECS task event: ${what}: expected an object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

function requiredString(o: Record<string, unknown>, key: string): string {
  const value = o[key];
  if (typeof value !== 'string' || value === '')
    throw new TypeError(`ECS task event: detail.${key}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function optionalString(o: Record<string, unknown>, key: string): string | undefined {
  const value = o[key];
  return typeof value === 'string' ? value : undefined;
}

function timestamp(o: Record<string, unknown>, key: string): number | undefined {
  const text = optionalString(o, key);
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text;
}

function setIfDefined<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
