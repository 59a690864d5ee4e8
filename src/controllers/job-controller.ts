import { AlreadyExistsError, ConflictError, NotFoundError, assertNever } from '../errors.ts';
import { syncJob } from '../engine/job-sync.ts';
import { applyStopRequest, applyTaskExit, applyTaskStart, isStopRequested } from '../engine/task-exit.ts';
import type { ObjectKey } from '../ports/state-store.ts';
import type { TaskExit, TaskRef } from '../ports/task-launcher.ts';
import type { Job, Pod } from '../spec/types.ts';
import { wellKnown } from '../spec/types.ts';
import { deleteJobCascade } from './delete-job.ts';
import { MAX_CONFLICT_RETRIES, recordEvents, type ControllerDeps } from './deps.ts';
import type { SyncOutcome } from './cronjob-controller.ts';

/**
 * The Job controller's sync loop around the pure decision (`syncJob`), plus the kubelet's part: recording task
 * starts and exits on the pods.
 *
 * Pods are stored (conditional put, deterministic names) before their task is launched; a crash between the two
 * leaves a Pending pod that the next sync launches again (launch is idempotent by pod name).
 */
export class JobController {
  constructor(private readonly deps: ControllerDeps) {}

  async sync(key: ObjectKey): Promise<SyncOutcome> {
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
      const result = syncJob({ job, pods, now: this.deps.clock.now() });
      const involved = { kind: 'Job' as const, namespace: key.namespace, name: key.name };
      let deleted = false;
      for (const action of result.actions) {
        switch (action.type) {
          case 'createPod': {
            const pod = await this.createPod(action.pod);
            if (pod) await recordEvents(this.deps, involved, [{ type: 'Normal', reason: 'SuccessfulCreate', message: `Created pod: ${pod.metadata.name}` }]);
            await this.deps.launcher.launch(pod ?? action.pod);
            break;
          }
          case 'restartContainer': {
            const pod = pods.find((p) => p.metadata.name === action.podName);
            if (pod) await this.deps.launcher.launch(pod);
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
      // Not the pods this sync created or stopped: `pods` was read before the actions ran.
      const actedOn = new Set(result.actions.flatMap((a) => (a.type === 'stopPod' || a.type === 'restartContainer' ? [a.podName] : a.type === 'createPod' ? [a.pod.metadata.name] : [])));
      const isFailing = result.actions.some((a) => a.type === 'stopPod');
      if (!deleted && !isFailing) {
        for (const pod of pods) if (pod.status.phase === 'Pending' && !isStopRequested(pod) && !actedOn.has(pod.metadata.name)) await this.deps.launcher.launch(pod);
      }
      await recordEvents(this.deps, involved, result.events);
      if (deleted) {
        this.notifyOwner(job);
        return {};
      }
      if (result.statusChanged) {
        try {
          await this.deps.store.update({ ...job, status: result.status });
        } catch (error) {
          if (error instanceof ConflictError && attempt < MAX_CONFLICT_RETRIES) continue;
          if (error instanceof NotFoundError) return {};
          throw error;
        }
        this.notifyOwner(job);
      }
      return { requeueAtMs: result.requeueAtMs };
    }
  }

  /** The kubelet's report that a task started: Pending → Running. */
  async recordTaskStart(task: TaskRef, startedAtMs: number): Promise<void> {
    await this.updatePod(task, (pod) => applyTaskStart(pod, startedAtMs));
  }

  /** The kubelet's report that a task exited; then the Job is synced to count it. */
  async recordTaskExit(exit: TaskExit): Promise<void> {
    await this.updatePod(exit, (pod) => applyTaskExit(pod, exit));
  }

  private async updatePod(task: TaskRef, change: (pod: Pod) => Pod): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const pod = await this.deps.store.getPod({ namespace: task.namespace, name: task.jobName }, task.podName);
      if (!pod) return; // deleted with its Job
      const changed = change(pod);
      if (changed === pod) return;
      try {
        await this.deps.store.update(changed);
        this.deps.notify?.({ kind: 'Job', key: { namespace: task.namespace, name: task.jobName } });
        return;
      } catch (error) {
        if (error instanceof ConflictError && attempt < MAX_CONFLICT_RETRIES) continue;
        if (error instanceof NotFoundError) return;
        throw error;
      }
    }
  }

  /**
   * Marks the pod as stopping (Kubernetes' deletion timestamp: the next sync counts it failed and does not stop it
   * again), then stops its task. A pod with no task gets its end recorded here, since no exit will be reported.
   */
  private async stopPod(pod: Pod, reason: string): Promise<void> {
    const task: TaskRef = { namespace: pod.metadata.namespace, jobName: pod.metadata.labels?.[wellKnown.jobName] ?? '', podName: pod.metadata.name };
    await this.updatePod(task, (p) => applyStopRequest(p, reason));
    const stopping = await this.deps.launcher.stop(pod, reason);
    if (!stopping) await this.updatePod(task, (p) => applyTaskExit(p, { exitCode: 137, reason, finishedAtMs: this.deps.clock.now() }));
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
   * Jobs created by hand (`jobctl create job --from=cronjob/x`) carry no scheduled-timestamp annotation and run at once.
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
