import type { Command } from 'commander';
import { JobctlError } from '../errors.ts';
import type { Connection } from '../ports/connection.ts';
import type { Kind, KubeObject } from '../spec/types.ts';
import { listKind, mustGet, NAMESPACE, sleep, type CliContext } from './context.ts';
import { noResourcesMessage, renderObjects, renderWatchRow, type OutputFormat } from './printers/index.ts';
import { isWorkQueueType, parseQueueOutput, printWorkQueues } from './queue-command.ts';
import { isResourceQuotaType, printResourceQuotas } from './quota-command.ts';
import { parseResourceType } from './resources.ts';
import { matchesSelector, parseSelector } from './selector.ts';

/** `get TYPE [NAME]`, with `-l`, `-o`, `-w`, `--no-headers`. */
export function registerGetCommand(program: Command, ctx: CliContext): void {
  const { io, withConnection } = ctx;
  program
    .command('get <type> [name]')
    .description('list cronjobs, jobs, pods, workqueues or resourcequotas (kubectl columns)')
    .option('-l, --selector <selector>', 'label selector, e.g. job-name=hello-123,app!=web')
    .option('-o, --output <format>', 'wide | json | yaml | name')
    .option('-w, --watch', 'after listing, print a row for every change')
    .option('--no-headers', 'omit the header row')
    .action(
      async (
        type: string,
        name: string | undefined,
        opts: { selector?: string; output?: string; watch?: boolean; headers: boolean },
      ) => {
        if (isWorkQueueType(type)) {
          if (opts.selector !== undefined || opts.watch)
            throw new JobctlError('Validation', 'error: workqueues take no --selector or --watch');
          const queueFormat = parseQueueOutput(opts.output);
          await withConnection((c) =>
            printWorkQueues(io, c.queues, name, { format: queueFormat, noHeaders: !opts.headers }),
          );
          return;
        }
        if (isResourceQuotaType(type)) {
          if (opts.selector !== undefined || opts.watch)
            throw new JobctlError('Validation', 'error: resourcequotas take no --selector or --watch');
          const quotaFormat = parseQueueOutput(opts.output);
          await withConnection((c) =>
            printResourceQuotas(io, c.quotas, NAMESPACE, name, {
              format: quotaFormat,
              noHeaders: !opts.headers,
              nowMs: c.clock.now(),
            }),
          );
          return;
        }
        const kind = parseResourceType(type);
        const format = parseOutput(opts.output);
        const selector = opts.selector ? parseSelector(opts.selector) : undefined;
        await withConnection(async (c) => {
          const load = async () => {
            const all = name ? [await mustGet(c, kind, name)] : await listKind(c, kind);
            return selector ? all.filter((o) => matchesSelector(selector, o.metadata.labels ?? {})) : all;
          };
          const objects = await load();
          if (objects.length === 0 && !opts.watch) {
            io.stderr(noResourcesMessage(NAMESPACE) + '\n');
            return;
          }
          // One widths array for the listing and every watch row keeps rows under the header, as kubectl's writer does.
          const widths: number[] = [];
          if (opts.watch && (format === 'json' || format === 'yaml')) {
            for (const obj of objects) io.stdout(renderWatchRow(kind, obj, { format, nowMs: c.clock.now(), widths }));
          } else {
            io.stdout(
              renderObjects(kind, objects, {
                format,
                noHeaders: !opts.headers,
                nowMs: c.clock.now(),
                single: name !== undefined,
                widths,
              }),
            );
          }
          if (opts.watch) await watch(c, kind, load, objects, format, widths);
        });
      },
    );

  async function watch(
    c: Connection,
    kind: Kind,
    load: () => Promise<KubeObject[]>,
    initial: KubeObject[],
    format: OutputFormat,
    widths: number[],
  ): Promise<void> {
    const seen = new Map(initial.map((o) => [o.metadata.name, o.metadata.resourceVersion]));
    while (!ctx.signal?.aborted) {
      await sleep(500, ctx.signal);
      for (const obj of await load()) {
        if (seen.get(obj.metadata.name) === obj.metadata.resourceVersion) continue;
        seen.set(obj.metadata.name, obj.metadata.resourceVersion);
        io.stdout(renderWatchRow(kind, obj, { format, nowMs: c.clock.now(), widths }));
      }
    }
  }
}

function parseOutput(output: string | undefined): OutputFormat {
  if (output === undefined) return 'table';
  if (['wide', 'json', 'yaml', 'name'].includes(output)) return output as OutputFormat;
  throw new JobctlError(
    'Validation',
    `error: unable to match a printer suitable for the output format "${output}", allowed formats are: ` +
      `json,name,wide,yaml`,
  );
}
