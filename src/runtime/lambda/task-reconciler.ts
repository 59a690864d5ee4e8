import { DescribeTasksCommand, ListTasksCommand, type ECSClient, type Task } from '@aws-sdk/client-ecs';
import { ConflictError, NotFoundError } from '../../errors.ts';
import { MAX_CONFLICT_RETRIES } from '../../controllers/deps.ts';
import { applyTaskExit, isPodFinished } from '../../engine/task-exit.ts';
import { isJobFinished } from '../../engine/object-meta.ts';
import type { Clock } from '../../ports/clock.ts';
import type { StateStore } from '../../ports/state-store.ts';
import type { Job, Pod } from '../../spec/types.ts';
import { KILLED_EXIT_CODE, taskStateChangeEventOf } from '../../adapters/ecs/ecs-task-events.ts';
import {
  parseTaskGroup,
  taskArnAnnotation,
  taskIdentityOf,
  taskLaunchedAtAnnotation,
} from '../../adapters/ecs/ecs-task-launcher.ts';
import { applyTaskStateChange } from './task-events.ts';

/** DescribeTasks takes at most 100 tasks per call (DescribeTasks `tasks`). */
export const MAX_DESCRIBE_TASKS = 100;
/** Reason given to StopTask for a task no pod owns. */
export const ORPHAN_STOP_REASON = 'jobctl: no pod owns this task (its pod was deleted, finished, or restarted)';

/** What one reconcile did, for the resync's log line. */
export interface EcsReconcileCounts {
  /** Unfinished pods with a task whose state had not changed for `staleAfterMs`. */
  podsChecked: number;
  /** DescribeTasks calls made (100 tasks each at most). */
  describeCalls: number;
  /** Exits applied from DescribeTasks: their STOPPED event was lost (or not delivered yet). */
  exitsRecorded: number;
  /** Starts applied likewise (a lost RUNNING event). */
  startsRecorded: number;
  /** Pods whose task ECS no longer knows (stopped over an hour ago): recorded Failed, reason `Lost`. */
  lost: number;
  /** Tasks ECS did not know that were launched too recently (or at an unknown time) to be judged lost: left alone. */
  missingNotJudged: number;
  /** Running tasks of this cluster (ListTasks). */
  tasksListed: number;
  /** jobctl tasks no pod owns, stopped. */
  orphansStopped: number;
}

export interface EcsTaskReconcilerOptions {
  client: ECSClient;
  /** The cluster ARN (or name). */
  cluster: string;
  store: StateStore;
  clock: Clock;
  /** Stops a task by ARN with a reason (the launcher's `stopTask`). */
  stopTask: (taskArn: string, reason: string) => Promise<boolean>;
  /**
   * How long a pod's state must have stood still before ECS is asked about it. Task events usually arrive within
   * seconds; a pod Running or Pending longer than this gets one DescribeTasks per 100 such pods per resync.
   * @default 5 minutes
   */
  staleAfterMs?: number;
  /**
   * How old an unowned task must be before it is stopped: a task just started may not be recorded on its pod yet.
   * @default 5 minutes
   */
  orphanGraceMs?: number;
  /**
   * How long after its launch a task ECS answers `MISSING` for is taken as gone. Right after RunTask, DescribeTasks may
   * not know a task yet (ECS is eventually consistent:
   * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html asks callers to retry DescribeTasks with
   * back-off for up to five minutes).
   * @default 10 minutes
   */
  lostAfterMs?: number;
}

const FIVE_MINUTES_MS = 5 * 60_000;

/**
 * ECS is the source of truth for tasks; the pods are jobctl's record of them, kept by Task State Change events. The
 * events are durable but a Lambda that failed on one three times loses it (its on-failure destination keeps it), and
 * a pod would then stay Running for ever. The resync therefore asks ECS, as Kubernetes' node lifecycle controller
 * reconciles pods with the kubelet's reports:
 *
 * 1. **Missed exits**: the unfinished pods of unfinished Jobs that record a task and whose state has not changed for
 *    `staleAfterMs` are described (DescribeTasks, 100 at a time). A STOPPED task's exit, or a RUNNING task's start, is
 *    applied through the same code as its event ({@link applyTaskStateChange}: the pod's recorded `detail.version`
 *    keeps it from counting twice). A task ECS no longer knows (`MISSING`: stopped over an hour ago) and that was
 *    launched over `lostAfterMs` ago ends its pod Failed with reason `Lost`, exit 137, as the local runtime records a
 *    task that vanished.
 * 2. **Orphans**: the cluster's running tasks (ListTasks, which on Fargate is authorized on `*` with the `ecs:cluster`
 *    condition) that jobctl started (`group` `jobctl:…`), are older than `orphanGraceMs`, and that no pod owns — the
 *    pod is gone (its Job deleted while the launch was in flight), finished, at a later attempt, or records another
 *    task — are stopped.
 *
 * Only tasks are looked at, never pods' specs: the Job controller decides what runs.
 */
export class EcsTaskReconciler {
  constructor(private readonly options: EcsTaskReconcilerOptions) {}

  /** Reconciles `namespace`'s pods and the cluster's tasks; `jobs` are the namespace's Jobs (the resync read them). */
  async reconcile(namespace: string, jobs: readonly Job[]): Promise<EcsReconcileCounts> {
    const counts: EcsReconcileCounts = {
      podsChecked: 0,
      describeCalls: 0,
      exitsRecorded: 0,
      startsRecorded: 0,
      lost: 0,
      missingNotJudged: 0,
      tasksListed: 0,
      orphansStopped: 0,
    };
    const now = this.options.clock.now();
    const staleAfterMs = this.options.staleAfterMs ?? FIVE_MINUTES_MS;
    const podsByTask = new Map<string, Pod>();
    for (const job of jobs) {
      if (job.metadata.namespace !== namespace || isJobFinished(job)) continue;
      for (const pod of await this.options.store.listPods({ namespace, name: job.metadata.name })) {
        const taskArn = pod.metadata.annotations?.[taskArnAnnotation];
        if (taskArn === undefined || isPodFinished(pod)) continue;
        if (now - lastChangeMs(pod) >= staleAfterMs) podsByTask.set(taskArn, pod);
      }
    }
    counts.podsChecked = podsByTask.size;
    for (const batch of chunks([...podsByTask.keys()], MAX_DESCRIBE_TASKS)) {
      const { tasks, missing } = await this.describe(batch);
      counts.describeCalls++;
      for (const task of tasks) {
        if (task.lastStatus !== 'STOPPED' && task.lastStatus !== 'RUNNING') continue;
        const outcome = await applyTaskStateChange(this.options.store, taskStateChangeEventOf(task, now));
        if (outcome.kind !== 'applied') continue;
        if (task.lastStatus === 'STOPPED') counts.exitsRecorded++;
        else counts.startsRecorded++;
      }
      for (const taskArn of missing) {
        const pod = podsByTask.get(taskArn)!;
        const launchedAt = Date.parse(pod.metadata.annotations?.[taskLaunchedAtAnnotation] ?? '');
        // A task of unknown launch time (recorded before this annotation existed) is never judged lost here.
        if (Number.isNaN(launchedAt) || now - launchedAt < (this.options.lostAfterMs ?? 2 * FIVE_MINUTES_MS))
          counts.missingNotJudged++;
        else if (await this.recordLost(pod, taskArn, now)) counts.lost++;
      }
    }
    await this.stopOrphans(namespace, now, counts);
    return counts;
  }

  private async stopOrphans(namespace: string, now: number, counts: EcsReconcileCounts): Promise<void> {
    const running = await this.listRunningTasks();
    counts.tasksListed = running.length;
    for (const batch of chunks(running, MAX_DESCRIBE_TASKS)) {
      const { tasks } = await this.describe(batch);
      counts.describeCalls++;
      for (const task of tasks) {
        const identity = parseTaskGroup(task.group);
        if (identity === undefined || identity.namespace !== namespace || task.taskArn === undefined) continue;
        if (now - (task.createdAt?.getTime() ?? now) < (this.options.orphanGraceMs ?? FIVE_MINUTES_MS)) continue;
        const pod = await this.options.store.getPod({ namespace, name: identity.jobName }, identity.podName);
        if (ownsTask(pod, task.taskArn, identity.attempt)) continue;
        if (await this.options.stopTask(task.taskArn, ORPHAN_STOP_REASON)) counts.orphansStopped++;
      }
    }
  }

  private async listRunningTasks(): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      // No filter but the cluster: desiredStatus defaults to RUNNING (tasks being stopped are not listed).
      const page = await this.options.client.send(
        new ListTasksCommand({ cluster: this.options.cluster, ...(nextToken === undefined ? {} : { nextToken }) }),
      );
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return arns;
  }

  private async describe(taskArns: string[]): Promise<{ tasks: Task[]; missing: string[] }> {
    const out = await this.options.client.send(
      new DescribeTasksCommand({ cluster: this.options.cluster, tasks: taskArns }),
    );
    const missing = (out.failures ?? [])
      .filter((f) => f.reason === 'MISSING' && f.arn !== undefined)
      .map((f) => f.arn!);
    return { tasks: out.tasks ?? [], missing };
  }

  /** Ends the pod Failed (`Lost`, 137) if it still records `taskArn` and is unfinished; true when it did. */
  private async recordLost(seen: Pod, taskArn: string, now: number): Promise<boolean> {
    const jobKey = { namespace: seen.metadata.namespace, name: taskIdentityOf(seen).jobName };
    for (let attempt = 1; ; attempt++) {
      const pod = attempt === 1 ? seen : await this.options.store.getPod(jobKey, seen.metadata.name);
      if (pod === undefined || isPodFinished(pod) || pod.metadata.annotations?.[taskArnAnnotation] !== taskArn)
        return false;
      const ended = applyTaskExit(pod, {
        exitCode: KILLED_EXIT_CODE,
        reason: 'Lost',
        message: `ECS no longer knows task ${taskArn}: its exit was never reported`,
        finishedAtMs: now,
      });
      try {
        await this.options.store.update(ended);
        return true;
      } catch (error) {
        if (error instanceof ConflictError && attempt < MAX_CONFLICT_RETRIES) continue;
        if (error instanceof NotFoundError) return false;
        throw error;
      }
    }
  }
}

/** Whether `pod` owns the task: it exists, is unfinished, is at the task's attempt and records no other task. */
function ownsTask(pod: Pod | undefined, taskArn: string, attempt: number): boolean {
  if (pod === undefined || isPodFinished(pod) || taskIdentityOf(pod).attempt !== attempt) return false;
  const recorded = pod.metadata.annotations?.[taskArnAnnotation];
  return recorded === undefined || recorded === taskArn;
}

/**
 * When the pod's state last changed as far as its record shows: the latest of its task's launch, its container's
 * start, its last exit (an in-place restart), its start and its creation.
 */
function lastChangeMs(pod: Pod): number {
  const status = pod.status.containerStatuses?.[0];
  const stamps = [
    pod.metadata.annotations?.[taskLaunchedAtAnnotation],
    status?.state.running?.startedAt,
    status?.lastState?.terminated?.finishedAt,
    pod.status.startTime,
    pod.metadata.creationTimestamp,
  ];
  return Math.max(
    0,
    ...stamps.map((s) => (s === undefined ? Number.NaN : Date.parse(s))).filter((ms) => !Number.isNaN(ms)),
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
