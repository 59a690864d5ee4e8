import type { Command } from 'commander';
import { NAMESPACE, type CliContext } from './context.ts';
import { describeObjects, parseShowEvents } from './describe-objects.ts';
import { describeResourceQuotas, isResourceQuotaType } from './quota-command.ts';
import { parseResourceType } from './resources.ts';
import { parseSelector } from './selector.ts';

/** `describe TYPE [NAME]`, with `-l` and `--show-events`. */
export function registerDescribeCommand(program: Command, ctx: CliContext): void {
  const { io, withConnection } = ctx;
  program
    .command('describe <type> [name]')
    .description(
      'show cronjobs, jobs, pods or resourcequotas in detail, with their events: one by name (or name prefix), every ' +
        'one matching -l, or all',
    )
    .option('-l, --selector <selector>', 'describe every object matching the selector, e.g. jobgroup=jobexample')
    .option('--show-events [bool]', 'print events (default: true for one object named, false for several, as kubectl)')
    .action(
      async (type: string, name: string | undefined, opts: { selector?: string; showEvents?: string | boolean }) => {
        if (isResourceQuotaType(type)) {
          await withConnection((c) => describeResourceQuotas(io, c.quotas, NAMESPACE, name));
          return;
        }
        const kind = parseResourceType(type);
        const selector = opts.selector === undefined ? undefined : parseSelector(opts.selector);
        const showEvents = parseShowEvents(opts.showEvents);
        await withConnection((c) => describeObjects(c, kind, { name, selector, showEvents }, io));
      },
    );
}
