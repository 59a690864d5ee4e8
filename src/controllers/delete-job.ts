import { ConflictError, NotFoundError } from '../errors.ts';
import { isPodFinished } from '../engine/task-exit.ts';
import { toRfc3339 } from '../engine/object-meta.ts';
import type { ObjectKey } from '../ports/state-store.ts';
import type { Job } from '../spec/types.ts';
import { MAX_CONFLICT_RETRIES, type ControllerDeps } from './deps.ts';
import { settleItemsOfDeletedJob } from './work-items.ts';
import { PodQuota } from './pod-quota.ts';

/**
 * Asks for a Job's deletion the way Kubernetes does: `metadata.deletionTimestamp` is set (a write conditional on
 * the Job's resourceVersion), and the Job controller — the one place that creates the Job's pods — stops its tasks
 * and removes it. A Job controller sync that created a pod concurrently loses its own conditional status write,
 * re-reads, sees the mark and stops that pod too: no task outlives its Job.
 *
 * Returns false when the Job is already gone.
 */
export async function requestJobDeletion(
  deps: Pick<ControllerDeps, 'store' | 'clock' | 'notify'>,
  key: ObjectKey,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const job = await deps.store.get('Job', key);
    if (!job) return false;
    if (job.metadata.deletionTimestamp === undefined) {
      try {
        await deps.store.update({
          ...job,
          metadata: { ...job.metadata, deletionTimestamp: toRfc3339(deps.clock.now()) },
        });
      } catch (error) {
        if (error instanceof ConflictError && attempt < MAX_CONFLICT_RETRIES) continue;
        if (error instanceof NotFoundError) return false;
        throw error;
      }
    }
    deps.notify?.({ kind: 'Job', key });
    return true;
  }
}

/**
 * Removes a Job as Kubernetes' garbage collector ends up doing: running tasks are asked to stop, then the Job, its
 * pods and events are removed, then the pods' logs. Only the Job controller (serialised per Job) and a CLI with no
 * runtime running call it. A CronJob that still lists the Job in `status.active` drops it on its next sync
 * (`MissingJob`), as upstream. Safe to repeat after a crash at any point.
 */
export async function deleteJobCascade(
  deps: Pick<ControllerDeps, 'store' | 'launcher' | 'logs' | 'queues' | 'quotas' | 'clock' | 'wake'>,
  job: Job,
  reason: string,
): Promise<string[]> {
  const key = { namespace: job.metadata.namespace, name: job.metadata.name };
  const pods = await deps.store.listPods(key);
  for (const pod of pods) if (!isPodFinished(pod)) await deps.launcher.stop(pod, reason);
  await settleItemsOfDeletedJob(deps.queues, job, pods);
  // Logs first: while the Job item exists a crash here is finished by the next attempt; after it, nothing finds them.
  for (const pod of pods) await deps.logs.remove(pod);
  // Its pods' quota slots go with it (waiting Jobs are woken); a crash before the delete is repeated harmlessly.
  // Only `wake`, never `notify`: the CLI passes its connection, whose `notify` takes a list.
  const { store, clock, quotas, wake } = deps;
  await new PodQuota({
    store,
    clock,
    ...(quotas === undefined ? {} : { quotas }),
    ...(wake === undefined ? {} : { wake }),
  }).releaseAll(job);
  await deps.store.delete('Job', key);
  return pods.map((p) => p.metadata.name);
}
