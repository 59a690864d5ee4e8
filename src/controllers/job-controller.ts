import { AlreadyExistsError, ConflictError, NotFoundError, TaskLaunchError, assertNever } from '../errors.ts';
import { statusAfterActions, syncJob } from '../engine/job-sync.ts';
import {
  applyStartError,
  applyStopRequest,
  applyTaskExit,
  applyTaskStart,
  isPodFinished,
  isStopRequested,
} from '../engine/task-exit.ts';
import type { ObjectKey } from '../ports/state-store.ts';
import type { TaskExit, TaskRef } from '../ports/task-launcher.ts';
import type { Job, Pod } from '../spec/types.ts';
import { wellKnown } from '../spec/types.ts';
import { deleteJobCascade } from './delete-job.ts';
import { WorkItems, type PreparedQueue } from './work-items.ts';
import { PodQuota } from './pod-quota.ts';
import { finishedCondition } from '../engine/object-meta.ts';
import { jobFinishedEvent } from '../engine/metrics.ts';
import { MAX_CONFLICT_RETRIES, recordEvents, reportMetrics, type ControllerDeps } from './deps.ts';
import type { SyncOutcome } from './cronjob-controller.ts';

/** How soon a bound Job looks for items again when the queue said some were pending but none could be leased. */
const ITEM_RETRY_MS = 2_000;

/**
 * How a launch ended: `startError` when the launcher said it can never succeed and the pod's end was recorded
 * (see `JobController.launch`). Retryable launch failures are thrown, not returned.
 */
type LaunchOutcome = 'launched' | 'startError';

/**
 * The Job controller's sync loop around the pure decision (`syncJob`), plus the kubelet's part: recording task
 * starts and exits on the pods.
 *
 * Pods are stored (conditional put, deterministic names) before their task is launched; a crash between the two
 * leaves a Pending pod that the next sync launches again (launch is idempotent by pod name).
 *
 * A launch that can never succeed (a `TaskLaunchError` with `retryable: false`) is a container the runtime could not
 * start: the pod ends with `StartError` and the sync goes on, so the Job counts it against backoffLimit. A retryable
 * one is thrown: the caller retries the sync with back-off, and the pod stays Pending until a launch succeeds.
 */
export class JobController {
  private readonly workItems: WorkItems;
  /** The namespace's `ResourceQuota` on pods: admission before each pod, release when pods finish. */
  readonly quota: PodQuota;

  constructor(private readonly deps: ControllerDeps) {
    this.workItems = new WorkItems(deps);
    this.quota = new PodQuota(deps);
  }

  async sync(key: ObjectKey): Promise<SyncOutcome> {
    /** Quota charges this sync released, over its attempts (a retried attempt finds them released already). */
    let released = 0;
    for (let attempt = 1; ; attempt++) {
      const job = await this.deps.store.get('Job', key);
      if (!job) return {};
      if (job.metadata.deletionTimestamp !== undefined) {
        await deleteJobCascade(this.deps, job, 'Deleted');
        this.notifyOwner(job);
        return {};
      }
      if (!(await this.isAdmitted(job))) return {};
      const pods = await this.deps.store.listPods(key);
      let queue: PreparedQueue | undefined;
      try {
        queue = await this.workItems.prepare(job, pods);
      } catch (error) {
        if (error instanceof ConflictError && attempt < MAX_CONFLICT_RETRIES) continue;
        throw error;
      }
      if (queue?.jobChanged) continue;
      // Slots of pods that finished go back first, so that this Job's own new pods can use them; waiting Jobs are woken
      // for what is left once this sync created its pods (woken first, they would only be denied again).
      released += await this.quota.syncCharges(job, pods);
      const result = syncJob({
        job,
        pods,
        now: this.deps.clock.now(),
        ...(queue === undefined ? {} : { workQueue: queue.view }),
      });
      const involved = { kind: 'Job' as const, namespace: key.namespace, name: key.name };
      let deleted = false;
      /**
       * Pods the engine decided to create that got no item (another consumer was faster): not active, try again soon.
       */
      let itemsMissed = 0;
      /** Pods the quota did not admit: not created, not active; the Job waits for a slot (woken, not requeued). */
      let overQuota = 0;
      /** Pods whose start failed in this sync: their end is stored, but `pods` and `result` predate it. */
      const startErrors = new Set<string>();
      const launchPod = async (pod: Pod): Promise<void> => {
        if ((await this.launch(pod)) === 'startError') startErrors.add(pod.metadata.name);
      };
      for (const action of result.actions) {
        switch (action.type) {
          case 'createPod': {
            if (overQuota > 0) {
              overQuota++; // the namespace is full: the Job's other new pods wait with the first
              break;
            }
            // The API server's quota admission comes before the pod exists (and before it takes an item).
            const chargedAtMs = this.deps.clock.now();
            const admission = await this.quota.admit(job, action.pod, chargedAtMs);
            if (!admission.admitted) {
              overQuota++;
              await this.quota.hold(job, action.pod.metadata.name, admission);
              break;
            }
            // A bound Job's pod takes its item first; none available now (another Job took it) → no pod, no charge.
            const withItem = await this.workItems.attach(job, action.pod);
            if (withItem === undefined) {
              await this.quota.unadmit(job, action.pod, chargedAtMs);
              itemsMissed++;
              break;
            }
            let pod: Pod | undefined;
            try {
              pod = await this.createPod(withItem);
            } catch (error) {
              await this.workItems.detach(job, withItem); // the item goes back at once, not after its lease
              await this.quota.unadmit(job, action.pod, chargedAtMs);
              throw error;
            }
            if (pod) {
              await recordEvents(this.deps, involved, [
                { type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${pod.metadata.name}` },
              ]);
              await launchPod(pod);
            } else {
              // An earlier attempt stored this pod (with its own item): give ours back and launch the stored one.
              await this.workItems.detach(job, withItem);
              const stored = await this.deps.store.getPod(key, withItem.metadata.name);
              if (stored) await launchPod(stored);
            }
            break;
          }
          case 'restartContainer': {
            const pod = pods.find((p) => p.metadata.name === action.podName);
            if (pod) await launchPod(pod);
            break;
          }
          case 'stopPod': {
            const pod = pods.find((p) => p.metadata.name === action.podName);
            if (pod) await this.stopPod(pod, action.reason);
            break;
          }
          case 'deleteJob':
            await deleteJobCascade(this.deps, job, action.reason);
            deleted = true;
            break;
          default:
            assertNever(action, 'Job action');
        }
      }
      // Pending pods whose launch was lost to a crash are launched again; the launcher ignores running ones.
      // Not the pods this sync created, restarted or stopped: `pods` was read before the actions ran, and still shows
      // Pending a pod whose start failed in them. A start failure leaves no pod Pending (it ends Failed, or Running
      // in CrashLoopBackOff with OnFailure), so a later sync does not launch it here again either.
      const actedOn = new Set(
        result.actions.flatMap((a) =>
          a.type === 'stopPod' || a.type === 'restartContainer'
            ? [a.podName]
            : a.type === 'createPod'
              ? [a.pod.metadata.name]
              : [],
        ),
      );
      const isFailing = result.actions.some((a) => a.type === 'stopPod');
      if (!deleted && !isFailing) {
        for (const pod of pods)
          if (pod.status.phase === 'Pending' && !isStopRequested(pod) && !actedOn.has(pod.metadata.name))
            await launchPod(pod);
      }
      await recordEvents(this.deps, involved, result.events);
      if (deleted) {
        this.notifyOwner(job);
        return {};
      }
      const { status, statusChanged } = statusAfterActions(job, result, itemsMissed + overQuota);
      if (statusChanged) {
        try {
          await this.deps.store.update({ ...job, status });
        } catch (error) {
          if (error instanceof ConflictError && attempt < MAX_CONFLICT_RETRIES) continue;
          if (error instanceof NotFoundError) return {};
          throw error;
        }
        this.notifyOwner(job);
        // The write that finished the Job stuck (it is conditional): reported once.
        reportMetrics(this.deps, [jobFinishedEvent(job, { ...job, status }, this.deps.clock.now())]);
      }
      if (released > 0) await this.quota.wake(key.namespace);
      // A start failure changed a pod after `result` was decided: sync again now to count it (and, on AWS, not wait
      // for the pod's stream record), whatever else is due.
      if (startErrors.size > 0) return { requeueAtMs: this.deps.clock.now() };
      if (
        queue !== undefined &&
        finishedCondition(job) !== 'Complete' &&
        finishedCondition({ ...job, status }) === 'Complete' &&
        queue.view.pending > 0
      ) {
        // The seed's "completions below the item count leave items unprocessed", said out loud.
        await recordEvents(this.deps, involved, [
          {
            type: 'Warning',
            reason: 'WorkQueueNotEmpty',
            message: `Job completed with ${queue.view.pending} items left in workqueue/${queue.view.name}`,
          },
        ]);
      }
      // Items the queue said were pending but another consumer took first (or SQS did not deliver yet): look again
      // soon.
      const retryItemsAtMs = itemsMissed > 0 ? this.deps.clock.now() + ITEM_RETRY_MS : undefined;
      const requeues = [result.requeueAtMs, queue?.requeueAtMs, retryItemsAtMs].filter(
        (t): t is number => t !== undefined,
      );
      return requeues.length === 0 ? {} : { requeueAtMs: Math.min(...requeues) };
    }
  }

  /** The kubelet's report that a task started: Pending → Running. */
  async recordTaskStart(task: TaskRef, startedAtMs: number, attempt?: number): Promise<void> {
    await this.updatePod(task, (pod) => applyTaskStart(pod, startedAtMs, attempt));
  }

  /** The kubelet's report that a task exited; then the Job is synced to count it. */
  async recordTaskExit(exit: TaskExit): Promise<void> {
    await this.updatePod(exit, (pod) => applyTaskExit(pod, exit));
  }

  /** Writes `change` to the stored pod (re-reading after a conflict); whether it changed anything. */
  private async updatePod(task: TaskRef, change: (pod: Pod) => Pod): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const pod = await this.deps.store.getPod({ namespace: task.namespace, name: task.jobName }, task.podName);
      if (!pod) return false; // deleted with its Job
      const changed = change(pod);
      if (changed === pod) return false;
      try {
        await this.deps.store.update(changed);
        this.deps.notify?.({ kind: 'Job', key: { namespace: task.namespace, name: task.jobName } });
        // A task that ended frees its quota slot now, not when its Job's sync comes round (behind a thousand others).
        if (isPodFinished(changed) && !isPodFinished(pod)) await this.quota.releaseEnded(changed);
        return true;
      } catch (error) {
        if (error instanceof ConflictError && attempt < MAX_CONFLICT_RETRIES) continue;
        if (error instanceof NotFoundError) return false;
        throw error;
      }
    }
  }

  /**
   * Launches the pod's task. A launch the launcher says can never succeed (a `TaskLaunchError` with `retryable:
   * false`: ECS rejecting the task definition or answering `failures[]` such as MISSING, a command that cannot be
   * spawned) is what Kubernetes calls a container that failed to start, and is recorded as the kubelet records it:
   * - the container terminates with exit code 128 and reason `StartError`, the error as its message (containerd
   *   `internal/cri/server/container_start.go`, `helpers.go`); the pod then fails (restartPolicy Never) and counts
   *   against backoffLimit, or restarts in place after the container back-off (OnFailure) — see `applyStartError`;
   * - a Warning event `Failed`, message `Error: <the error>`, on the pod: the kubelet's `FailedToStartContainer`
   *   (`pkg/kubelet/kuberuntime/kuberuntime_container.go` startContainer, `pkg/kubelet/events/event.go`). It is not
   *   the Job controller's `FailedCreate`, which Kubernetes records on the Job only when the API rejects creating
   *   the pod; this pod was created (`SuccessfulCreate` says so) and `describe pod` shows the event, from `kubelet`.
   * The event is recorded only when this failure changed the pod, so a launch failing in two syncs at once is
   * counted and reported once. Any other error propagates (retryable ones are retried by the caller with back-off).
   */
  private async launch(pod: Pod): Promise<LaunchOutcome> {
    try {
      await this.deps.launcher.launch(pod);
      return 'launched';
    } catch (error) {
      if (!(error instanceof TaskLaunchError) || error.retryable) throw error;
      const failure = { message: error.message, finishedAtMs: this.deps.clock.now() };
      const isRecorded = await this.updatePod(taskRefOf(pod), (p) => applyStartError(p, pod, failure));
      if (isRecorded) {
        const involved = { kind: 'Pod' as const, namespace: pod.metadata.namespace, name: pod.metadata.name };
        await recordEvents(this.deps, involved, [
          { type: 'Warning', reason: 'Failed', message: `Error: ${error.message}` },
        ]);
      }
      return 'startError';
    }
  }

  /**
   * Marks the pod as stopping (Kubernetes' deletion timestamp: the next sync counts it failed and does not stop it
   * again), then stops its task. A pod with no task gets its end recorded here, since no exit will be reported.
   */
  private async stopPod(pod: Pod, reason: string): Promise<void> {
    const task = taskRefOf(pod);
    await this.updatePod(task, (p) => applyStopRequest(p, reason));
    const stopping = await this.deps.launcher.stop(pod, reason);
    if (!stopping)
      await this.updatePod(task, (p) =>
        applyTaskExit(p, { exitCode: 137, reason, finishedAtMs: this.deps.clock.now() }),
      );
  }

  private async createPod(pod: Pod): Promise<Pod | undefined> {
    try {
      return await this.deps.store.create(pod);
    } catch (error) {
      if (error instanceof AlreadyExistsError) return undefined;
      throw error;
    }
  }

  /**
   * A Job the CronJob controller created runs only once its CronJob lists it in `status.active`: this is what keeps
   * Forbid race-free when two dispatches create Jobs for different times at once (see CronJobController).
   * Jobs created by hand (`jobctl create job --from=cronjob/x`) carry no scheduled-timestamp annotation and run at
   * once.
   */
  private async isAdmitted(job: Job): Promise<boolean> {
    const owner = job.metadata.ownerReferences?.find((o) => o.kind === 'CronJob' && o.controller);
    if (!owner || job.metadata.annotations?.[wellKnown.cronJobScheduledTimestamp] === undefined) return true;
    if (job.status.startTime !== undefined) return true;
    const cronJob = await this.deps.store.get('CronJob', { namespace: job.metadata.namespace, name: owner.name });
    return cronJob?.status.active.some((ref) => ref.uid === job.metadata.uid) ?? false;
  }

  private notifyOwner(job: Job): void {
    const owner = job.metadata.ownerReferences?.find((o) => o.kind === 'CronJob' && o.controller);
    if (owner) this.deps.notify?.({ kind: 'CronJob', key: { namespace: job.metadata.namespace, name: owner.name } });
  }
}

function taskRefOf(pod: Pod): TaskRef {
  return {
    namespace: pod.metadata.namespace,
    jobName: pod.metadata.labels?.[wellKnown.jobName] ?? '',
    podName: pod.metadata.name,
  };
}
