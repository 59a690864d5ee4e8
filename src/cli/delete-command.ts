import type { Command } from 'commander';
import { JobctlError, UnreadableItemError } from '../errors.ts';
import { deleteCronJob, deleteJobs } from '../controllers/delete-objects.ts';
import type { CronJob, Job, Kind, KubeObject } from '../spec/types.ts';
import { assertNotStackDeclared, NAMESPACE, type CliContext } from './context.ts';
import { isResourceQuotaType, quotaNotFound } from './quota-command.ts';
import { aggregateErrors, findObjects, requestedTypes } from './resource-objects.ts';
import { parseResourceArgs, parseResourceType, type ResourceArgs } from './resources.ts';

/**
 * `delete TYPE NAME…`, `delete TYPE/NAME…`, `delete TYPE -l SELECTOR` and `delete TYPE --all` (the arguments read
 * as kubectl reads them, {@link parseResourceArgs}): a CronJob with its Jobs, a Job with its pods and logs, a quota.
 * A named object that is absent does not stop the others; its NotFound comes last, as kubectl's `ContinueOnError`.
 */
export function registerDeleteCommand(program: Command, ctx: CliContext): void {
  const { io, withConnection, notifyAndHint } = ctx;
  program
    .command('delete')
    .argument('[resources...]', 'TYPE NAME..., TYPE/NAME..., or TYPE with -l/--all: cronjobs, jobs, resourcequotas')
    .description('delete a cronjob (with its jobs, pods and logs), a job (with its pods and logs) or a resourcequota')
    .option('-l, --selector <selector>', 'delete every object matching the selector')
    .option('--all', 'delete every object of the type')
    .action(async (args: string[], opts: { selector?: string; all?: boolean }) => {
      const request = parseResourceArgs(args, {
        selector: opts.selector,
        all: opts.all,
        resolve: (word): Kind | 'ResourceQuota' =>
          isResourceQuotaType(word) ? 'ResourceQuota' : parseResourceType(word),
      });
      const types = requestedTypes(request);
      if (types.includes('ResourceQuota')) {
        if (types.length > 1 || request.kind !== 'named')
          throw new JobctlError('Validation', 'error: resourcequotas are deleted by name, alone');
        await withConnection(async (c) => {
          const missing: JobctlError[] = [];
          for (const { name } of request.targets) {
            if (!(await c.quotas.delete(NAMESPACE, name))) {
              missing.push(quotaNotFound(name));
              continue;
            }
            io.stdout(`resourcequota "${name}" deleted\n`);
            // Jobs waiting for a slot may all go now (or a remaining quota's limit applies).
            await notifyAndHint(c, [{ kind: 'ResourceQuota', key: { namespace: NAMESPACE, name } }]);
          }
          const error = aggregateErrors(missing);
          if (error) throw error;
        });
        return;
      }
      const kinds = request as ResourceArgs<Kind>;
      if (types.includes('Pod'))
        throw new JobctlError('Validation', 'error: pods are deleted with their job: jobctl delete job NAME');
      await withConnection(async (c) => {
        const targets: KubeObject[] = [];
        const missing: JobctlError[] = [];
        if (kinds.kind === 'selected') targets.push(...(await findObjects(c, kinds)).objects);
        for (const target of kinds.kind === 'named' ? kinds.targets : []) {
          try {
            const found = await findObjects(c, { kind: 'named', targets: [target] });
            targets.push(...found.objects);
            missing.push(...found.notFound);
          } catch (error) {
            if (!(error instanceof UnreadableItemError)) throw error;
            // An item the store cannot read (audit D8) never ran: it is removed as it is, with whatever it holds.
            await c.store.delete(target.type, { namespace: NAMESPACE, name: target.name });
            io.stdout(`${target.type === 'CronJob' ? 'cronjob' : 'job'}.batch "${target.name}" deleted\n`);
          }
        }
        // kubectl's DeleteResult: nothing found (a selector or --all matching none) is no error.
        if (kinds.kind === 'selected' && targets.length === 0) io.stdout('No resources found\n');
        // A stack's Job may go (it ran; the next deploy re-creates it only if the file changed it); its CronJob may
        // not.
        for (const obj of targets)
          if (obj.kind === 'CronJob')
            assertNotStackDeclared(obj, 'delete', 'remove it from the config file and run cdk deploy');
        for (const obj of targets.filter((o) => o.kind === 'CronJob')) {
          await deleteCronJob(c, obj as CronJob);
          io.stdout(`cronjob.batch "${obj.metadata.name}" deleted\n`);
        }
        // Jobs: every deletion is asked for first, then waited for together (2,000 one after another took minutes).
        await deleteJobs(
          c,
          targets.filter((o): o is Job => o.kind === 'Job'),
          (job) => io.stdout(`job.batch "${job.metadata.name}" deleted\n`),
        );
        const error = aggregateErrors(missing);
        if (error) throw error;
      });
    });
}
