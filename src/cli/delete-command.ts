import type { Command } from 'commander';
import { JobctlError, UnreadableItemError } from '../errors.ts';
import { deleteJobCascade, requestJobDeletion } from '../controllers/delete-job.ts';
import type { Change } from '../ports/changes.ts';
import type { Connection } from '../ports/connection.ts';
import type { Job, KubeObject } from '../spec/types.ts';
import { assertNotStackDeclared, listKind, mustGet, NAMESPACE, sleep, type CliContext } from './context.ts';
import { noResourcesMessage } from './printers/index.ts';
import { isResourceQuotaType, quotaNotFound } from './quota-command.ts';
import { parseResourceType } from './resources.ts';
import { matchesSelector, parseSelector } from './selector.ts';

/**
 * `delete TYPE [NAME]` and `delete TYPE -l SELECTOR`: a CronJob with its Jobs, a Job with its pods and logs, a quota.
 */
export function registerDeleteCommand(program: Command, ctx: CliContext): void {
  const { io, withConnection, notifyAndHint } = ctx;
  program
    .command('delete <type> [name]')
    .description('delete a cronjob (with its jobs, pods and logs), a job (with its pods and logs) or a resourcequota')
    .option('-l, --selector <selector>', 'delete every object matching the selector')
    .action(async (type: string, name: string | undefined, opts: { selector?: string }) => {
      if (isResourceQuotaType(type)) {
        if (name === undefined) throw new JobctlError('Validation', 'error: resource name may not be empty');
        await withConnection(async (c) => {
          if (!(await c.quotas.delete(NAMESPACE, name))) throw quotaNotFound(name);
          io.stdout(`resourcequota "${name}" deleted\n`);
          // Jobs waiting for a slot may all go now (or a remaining quota's limit applies).
          await notifyAndHint(c, [{ kind: 'ResourceQuota', key: { namespace: NAMESPACE, name } }]);
        });
        return;
      }
      const kind = parseResourceType(type);
      if (kind === 'Pod')
        throw new JobctlError('Validation', 'error: pods are deleted with their job: jobctl delete job NAME');
      if (!name && !opts.selector)
        throw new JobctlError('Validation', 'error: resource name may not be empty (or pass -l SELECTOR)');
      await withConnection(async (c) => {
        let targets: KubeObject[];
        try {
          targets = name
            ? [await mustGet(c, kind, name)]
            : (await listKind(c, kind)).filter((o) =>
                matchesSelector(parseSelector(opts.selector!), o.metadata.labels ?? {}),
              );
        } catch (error) {
          if (!(error instanceof UnreadableItemError) || name === undefined) throw error;
          // An item the store cannot read (audit D8) never ran: it is removed as it is, with whatever it holds.
          await c.store.delete(kind, { namespace: NAMESPACE, name });
          io.stdout(`${kind === 'CronJob' ? 'cronjob' : 'job'}.batch "${name}" deleted\n`);
          return;
        }
        if (targets.length === 0) io.stderr(noResourcesMessage(NAMESPACE) + '\n');
        // A stack's Job may go (it ran; the next deploy re-creates it only if the file changed it); its CronJob may
        // not.
        for (const obj of targets)
          if (obj.kind === 'CronJob')
            assertNotStackDeclared(obj, 'delete', 'remove it from the config file and run cdk deploy');
        for (const obj of targets.filter((o) => o.kind === 'CronJob')) {
          await deleteCronJob(c, obj);
          io.stdout(`cronjob.batch "${obj.metadata.name}" deleted\n`);
        }
        // Jobs: every deletion is asked for first, then waited for together (2,000 one after another took minutes).
        await deleteJobs(
          c,
          targets.filter((o): o is Job => o.kind === 'Job'),
          (job) => io.stdout(`job.batch "${job.metadata.name}" deleted\n`),
        );
      });
    });
}

/** Deletes the CronJob first (no new runs can start), then its Jobs with their tasks, pods and logs. */
async function deleteCronJob(c: Connection, cronJob: KubeObject): Promise<void> {
  const key = { namespace: cronJob.metadata.namespace, name: cronJob.metadata.name };
  await c.store.delete('CronJob', key);
  await c.notify([{ kind: 'CronJob', key }]);
  for (const job of await c.store.list('Job', key.namespace, { ownerName: key.name })) {
    if (job.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === key.name)) await deleteJob(c, job);
  }
}

/**
 * With a runtime running, its Job controller (the one place that starts the Job's pods) does the cascade once the
 * deletion is requested, and this waits until the Job is gone, as `kubectl delete` waits. With none running, nothing
 * else can touch the Job, so the CLI removes it itself.
 */
async function deleteJob(c: Connection, job: Job): Promise<void> {
  await deleteJobs(c, [job], () => {});
}

/**
 * {@link deleteJob} for many: every deletion is requested (the runtime notified in batches), then each Job is waited
 * for in the order asked, `onDeleted` called as it goes. The wait allows a minute plus 50 ms per Job.
 */
async function deleteJobs(c: Connection, jobs: readonly Job[], onDeleted: (job: Job) => void): Promise<void> {
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
      await sleep(100);
    }
    onDeleted(job);
  }
}
