import { JobctlError } from '../errors.ts';
import type { Change } from '../ports/changes.ts';
import type { Connection } from '../ports/connection.ts';
import type { CronJob, Job } from '../spec/types.ts';
import { deleteJobCascade, requestJobDeletion } from './delete-job.ts';

/**
 * Deletion as `jobctl delete` and the Kubernetes API façade both do it (one code path): a CronJob first (no new run
 * can start), then its Jobs; a Job through its controller when a runtime runs (it stops the tasks and removes the
 * Job, its pods, events and logs), waited for as `kubectl delete` waits; with none running, nothing else can touch
 * the Job, so the caller removes it itself.
 */

type Deleting = Pick<
  Connection,
  'store' | 'notify' | 'isRuntimeRunning' | 'clock' | 'launcher' | 'logs' | 'queues' | 'quotas'
>;

/** Deletes the CronJob, then the Jobs it controls with their tasks, pods and logs. */
export async function deleteCronJob(c: Deleting, cronJob: CronJob): Promise<void> {
  const key = { namespace: cronJob.metadata.namespace, name: cronJob.metadata.name };
  await c.store.delete('CronJob', key);
  await c.notify([{ kind: 'CronJob', key }]);
  const owned = (await c.store.list('Job', key.namespace, { ownerName: key.name })).filter((job) =>
    job.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === key.name),
  );
  await deleteJobs(c, owned, () => {});
}

/**
 * Deletes `jobs`: every deletion is requested first (the runtime notified in batches of 100), then each Job is waited
 * for in the order asked, `onDeleted` called as it goes (2,000 one after another took minutes). The wait allows a
 * minute plus 50 ms per Job.
 */
export async function deleteJobs(c: Deleting, jobs: readonly Job[], onDeleted: (job: Job) => void): Promise<void> {
  if (!c.isRuntimeRunning) {
    for (const job of jobs) {
      await deleteJobCascade(c, job, 'Deleted');
      onDeleted(job);
    }
    return;
  }
  const changes: Change[] = [];
  const requested: Job[] = [];
  for (const job of jobs) {
    const key = { namespace: job.metadata.namespace, name: job.metadata.name };
    if (
      await requestJobDeletion({ store: c.store, clock: c.clock, notify: (change) => void changes.push(change) }, key)
    )
      requested.push(job);
    else onDeleted(job); // gone already
    if (changes.length >= 100) await c.notify(changes.splice(0));
  }
  await c.notify(changes.splice(0));
  // The runtime works on the system clock whatever the connection's: so does this wait.
  const deadline = Date.now() + 60_000 + 50 * requested.length;
  for (const job of requested) {
    const key = { namespace: job.metadata.namespace, name: job.metadata.name };
    while (await c.store.get('Job', key)) {
      if (Date.now() > deadline)
        throw new JobctlError(
          'Conflict',
          `error: timed out waiting for the runtime to delete job "${key.name}"; it will finish when the runtime ` +
            `next syncs it`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    onDeleted(job);
  }
}
