import type { Job } from '../spec/types.ts';
import { isPodFinished } from '../engine/task-exit.ts';
import type { ControllerDeps } from './deps.ts';

/**
 * Deletes a Job the way Kubernetes' background propagation ends up: its running tasks are asked to stop, then the
 * Job, its pods and events are removed, then the pods' logs. A CronJob that still lists the Job in `status.active`
 * drops it on its next sync (`MissingJob`), exactly as upstream.
 *
 * Safe to repeat after a crash at any point: stopping an absent task and deleting an absent object are no-ops.
 */
export async function deleteJobCascade(deps: Pick<ControllerDeps, 'store' | 'launcher' | 'logs'>, job: Job, reason: string): Promise<string[]> {
  const key = { namespace: job.metadata.namespace, name: job.metadata.name };
  const pods = await deps.store.listPods(key);
  for (const pod of pods) if (!isPodFinished(pod)) await deps.launcher.stop(pod, reason);
  await deps.store.delete('Job', key);
  for (const pod of pods) await deps.logs.remove(pod.metadata.namespace, pod.metadata.name);
  return pods.map((p) => p.metadata.name);
}
