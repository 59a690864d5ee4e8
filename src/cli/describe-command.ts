import type { Command } from 'commander';
import { JobctlError } from '../errors.ts';
import type { Kind } from '../spec/types.ts';
import { NAMESPACE, type CliContext } from './context.ts';
import { describeEach, describeObjects, parseShowEvents } from './describe-objects.ts';
import { describeResourceQuotas, isResourceQuotaType } from './quota-command.ts';
import { aggregateErrors, findObjects, requestedTypes } from './resource-objects.ts';
import { parseResourceArgs, parseResourceType, suggestApiResources, type ResourceArgs } from './resources.ts';

/**
 * `describe TYPE [NAME_PREFIX]`, `describe TYPE/NAME…`, `describe TYPE NAME…`, `describe TYPE -l SELECTOR`, with
 * `--show-events`; the arguments read as kubectl reads them ({@link parseResourceArgs}).
 */
export function registerDescribeCommand(program: Command, ctx: CliContext): void {
  const { io, withConnection } = ctx;
  program
    .command('describe')
    .argument('[resources...]', 'TYPE [NAME_PREFIX], TYPE NAME..., or TYPE/NAME...: cronjobs, jobs, pods, quotas')
    .description(
      'show cronjobs, jobs, pods or resourcequotas in detail, with their events: one by name (or name prefix), every ' +
        'one matching -l, or all',
    )
    .option('-l, --selector <selector>', 'describe every object matching the selector, e.g. jobgroup=jobexample')
    .option('--show-events [bool]', 'print events (default: true for one object named, false for several, as kubectl)')
    .action(async (args: string[], opts: { selector?: string; showEvents?: string | boolean }) => {
      // DescribeOptions.Complete (its message ends in a newline, which kubectl's CheckErr does not double).
      if (args.length === 0)
        throw new JobctlError(
          'Validation',
          `error: You must specify the type of resource to describe. ${suggestApiResources()}`,
        );
      const request = parseResourceArgs(args, {
        selector: opts.selector,
        allowEmptySelector: true,
        resolve: (word): Kind | 'ResourceQuota' =>
          isResourceQuotaType(word) ? 'ResourceQuota' : parseResourceType(word),
      });
      const types = requestedTypes(request);
      if (types.includes('ResourceQuota')) {
        if (types.length > 1 || (request.kind === 'named' && request.targets.length > 1))
          throw new JobctlError('Validation', 'error: resourcequotas are described alone, one name or all');
        const name = request.kind === 'named' ? request.targets[0]!.name : undefined;
        await withConnection((c) => describeResourceQuotas(io, c.quotas, NAMESPACE, name));
        return;
      }
      const kinds = request as ResourceArgs<Kind>;
      const showEvents = parseShowEvents(opts.showEvents);
      await withConnection(async (c) => {
        // `describe TYPE NAME`: kubectl's DescribeMatchingResources takes NAME as a prefix when no object has it as
        // its name; only in this two-argument form.
        if (kinds.kind === 'named' && args.length === 2 && kinds.targets.length === 1) {
          const { type, name } = kinds.targets[0]!;
          await describeObjects(c, type, { name, showEvents }, io);
          return;
        }
        const found = await findObjects(c, kinds);
        await describeEach(c, found.objects, { showEvents, quiet: found.notFound.length > 0 }, io);
        const notFound = aggregateErrors(found.notFound);
        if (notFound) throw notFound;
      });
    });
}
