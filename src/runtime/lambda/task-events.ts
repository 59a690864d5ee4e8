import { ConflictError, NotFoundError } from '../../errors.ts';
import { MAX_CONFLICT_RETRIES } from '../../controllers/deps.ts';
import { applyTaskExit, applyTaskStart } from '../../engine/task-exit.ts';
import type { StateStore } from '../../ports/state-store.ts';
import type { Pod } from '../../spec/types.ts';
import {
  isNewer,
  parseTaskStateChange,
  taskReportOf,
  type EcsTaskStateChange,
  type TaskReport,
} from '../../adapters/ecs/ecs-task-events.ts';
import {
  lastTaskArnAnnotation,
  taskArnAnnotation,
  taskIdentityOf,
  taskLaunchedAtAnnotation,
} from '../../adapters/ecs/ecs-task-launcher.ts';
import { toRfc3339 } from '../../engine/object-meta.ts';

/** Annotation holding the highest ECS `detail.version` applied to the pod for the task in {@link taskArnAnnotation}. */
export const taskVersionAnnotation = 'jobctl.dev/task-version';

/** What became of one ECS Task State Change event. */
export type TaskEventOutcome =
  | { kind: 'applied'; job: { namespace: string; name: string } }
  | { kind: 'dropped'; why: string };

/**
 * The kubelet's report on AWS: applies one "ECS Task State Change" event to its pod, once.
 *
 * - Not a jobctl task, or a state that means nothing for the pod (PROVISIONING, …) → dropped.
 * - An event of an older `attempt` than the pod's current restart count (a late event of a task an OnFailure restart
 *   replaced) → dropped.
 * - The same task ARN as the pod records, with a `detail.version` not above the recorded one (a duplicate, or an
 *   older state arriving late: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_cwet_handling.html)
 *   → dropped.
 * - Otherwise the start or the exit is applied (an exit whose start was never seen is applied as start + exit, so
 *   `startTime` is kept) together with the task ARN and version annotations, in one conditional write. An exit that
 *   leaves the pod waiting for an in-place restart drops both annotations: that task is over (a pod in back-off has
 *   no task to stop), the next attempt's task has another ARN and counts versions from 1. The ARN stays in
 *   {@link lastTaskArnAnnotation}, where the last attempt's logs are.
 *
 * The write is the pod's own conditional update (resourceVersion), retried on conflict, so concurrent deliveries of
 * the same event apply it once.
 */
export async function applyTaskStateChange(store: StateStore, event: unknown): Promise<TaskEventOutcome> {
  const change = parseTaskStateChange(event);
  const report = taskReportOf(change);
  if (report.kind === 'none') return { kind: 'dropped', why: report.why };
  const task = report.kind === 'started' ? report.task : report.exit;
  const jobKey = { namespace: task.namespace, name: task.jobName };
  for (let attempt = 1; ; attempt++) {
    const pod = await store.getPod(jobKey, task.podName);
    if (!pod) return { kind: 'dropped', why: `pod ${task.namespace}/${task.podName} is gone (deleted with its Job)` };
    const verdict = staleness(pod, change, report);
    if (verdict !== undefined) return { kind: 'dropped', why: verdict };
    const changed = applyReport(pod, change, report);
    if (changed === undefined)
      return { kind: 'dropped', why: `pod ${task.namespace}/${task.podName} is already finished` };
    try {
      await store.update(changed);
      return { kind: 'applied', job: jobKey };
    } catch (error) {
      if (error instanceof ConflictError && attempt < MAX_CONFLICT_RETRIES) continue;
      if (error instanceof NotFoundError)
        return { kind: 'dropped', why: `pod ${task.namespace}/${task.podName} is gone (deleted with its Job)` };
      throw error;
    }
  }
}

function staleness(
  pod: Pod,
  change: EcsTaskStateChange,
  report: Exclude<TaskReport, { kind: 'none' }>,
): string | undefined {
  const current = taskIdentityOf(pod).attempt;
  if (report.attempt < current)
    return `task ${change.taskArn} ran attempt ${report.attempt}; the pod is at attempt ${current}`;
  const annotations = pod.metadata.annotations ?? {};
  const recordedVersion = annotations[taskVersionAnnotation];
  if (
    annotations[taskArnAnnotation] === change.taskArn &&
    recordedVersion !== undefined &&
    !isNewer(change.version, Number(recordedVersion))
  ) {
    return `task ${change.taskArn} version ${change.version} is not newer than the applied ${recordedVersion}`;
  }
  return undefined;
}

/** The pod with the report applied and the task annotated; undefined when the report changes nothing. */
function applyReport(
  pod: Pod,
  change: EcsTaskStateChange,
  report: Exclude<TaskReport, { kind: 'none' }>,
): Pod | undefined {
  let next: Pod;
  if (report.kind === 'started') {
    next = applyTaskStart(pod, report.atMs);
  } else {
    const started =
      pod.status.phase === 'Pending' && report.startedAtMs !== undefined
        ? applyTaskStart(pod, report.startedAtMs)
        : pod;
    next = applyTaskExit(started, report.exit);
  }
  if (next === pod) return undefined;
  const annotations: Record<string, string> = {
    ...(pod.metadata.annotations ?? {}),
    [lastTaskArnAnnotation]: change.taskArn,
  };
  if (taskIdentityOf(next).attempt > report.attempt) {
    // Restarting in place (OnFailure): this task is over; the next one is recorded when it is launched or reports.
    delete annotations[taskArnAnnotation];
    delete annotations[taskVersionAnnotation];
    delete annotations[taskLaunchedAtAnnotation];
  } else {
    // A task first learned from its event (its RunTask answer was lost) was launched no later than this change.
    if (annotations[taskArnAnnotation] !== change.taskArn || annotations[taskLaunchedAtAnnotation] === undefined) {
      const at = change.startedAtMs ?? change.updatedAtMs;
      if (at !== undefined) annotations[taskLaunchedAtAnnotation] = toRfc3339(at);
    }
    annotations[taskArnAnnotation] = change.taskArn;
    annotations[taskVersionAnnotation] = String(change.version);
  }
  return { ...next, metadata: { ...next.metadata, annotations } };
}
