import type { Command } from 'commander';
import { JobctlError } from '../errors.ts';
import type { ObjectReads } from '../ports/connection.ts';
import type { Kind, KubeObject } from '../spec/types.ts';
import { NAMESPACE, sleep, type CliContext } from './context.ts';
import { type GetOutputFlags, GetPrinter, parseGoBool } from './get-output.ts';
import { loadYaml } from './printers/output.ts';
import { printResourceQuotas } from './quota-command.ts';
import {
  aggregateErrors,
  expandAllCategory,
  findObjects,
  hasSeveralKinds,
  multipleTypesRequested,
  renderKindTables,
  requestedTypes,
  resolveAnyResourceType,
} from './resource-objects.ts';
import { parseResourceArgs, suggestApiResources, type ResourceArgs } from './resources.ts';

/**
 * `get TYPE[,TYPE…] [NAME…]`, `get TYPE/NAME…`, `get TYPE -l SELECTOR`, with `-o`, `-w`, `--no-headers`; the
 * arguments read as kubectl reads them ({@link parseResourceArgs}).
 */
export function registerGetCommand(program: Command, ctx: CliContext): void {
  const { io, withConnection } = ctx;
  program
    .command('get')
    .argument('[resources...]', 'TYPE[,TYPE...] [NAME...] or TYPE/NAME...: cronjobs, jobs, pods, workqueues, quotas')
    .description('list cronjobs, jobs, pods, workqueues or resourcequotas (kubectl columns)')
    .option('-l, --selector <selector>', 'label selector, e.g. job-name=hello-123,app!=web')
    .option(
      '-o, --output <format>',
      'wide | json | yaml | name | jsonpath=TEMPLATE | jsonpath-file=FILE | jsonpath-as-json=TEMPLATE | ' +
        'custom-columns=SPEC | custom-columns-file=FILE',
    )
    .option('-w, --watch', 'after listing, print a row for every change')
    .option('--no-headers', 'omit the header row (tables and custom columns)')
    .option('--show-labels', 'add a LABELS column to the table')
    .option('--sort-by <jsonpath>', 'sort by this field, e.g. .metadata.creationTimestamp or {.status.succeeded}')
    .option('-A, --all-namespaces', 'every namespace (jobctl has one: default); the table gets a NAMESPACE column')
    .option('--allow-missing-template-keys [bool]', 'a missing field prints nothing in jsonpath (default true)', (v) =>
      parseGoBool(v),
    )
    .action(async (args: string[], opts: GetOutputFlags & { selector?: string; watch?: boolean; headers: boolean }) => {
      // GetOptions.Complete: no type at all (kubectl goes on to the builder's error with --watch).
      if (args.length === 0 && !opts.watch) {
        io.stderr(`You must specify the type of resource to get. ${suggestApiResources()}\n\n`);
        throw new JobctlError(
          'Validation',
          "error: Required resource not specified.\nSee 'jobctl get -h' for help and examples",
        );
      }
      // `all` is pods, cronjobs and jobs, as kubectl expands the category (discovery's order).
      const request = parseResourceArgs(expandAllCategory(args), {
        selector: opts.selector,
        allowEmptySelector: true,
        resolve: resolveAnyResourceType,
      });
      const types = requestedTypes(request);
      if (types.includes('WorkQueue') || types.includes('ResourceQuota')) {
        const special = types.includes('WorkQueue') ? 'workqueues' : 'resourcequotas';
        if (types.length > 1)
          throw new JobctlError('Validation', `error: ${special} cannot be listed with other resource types`);
        if (opts.selector !== undefined || opts.watch)
          throw new JobctlError('Validation', `error: ${special} take no --selector or --watch`);
        if (request.kind === 'named' && request.targets.length > 1)
          throw new JobctlError('Validation', `error: ${special} are shown one name at a time`);
        const name = request.kind === 'named' ? request.targets[0]!.name : undefined;
        // Loaded only here: the queue commands' module brings what `queue create|push` check and apply.
        const { parseQueueOutput, printWorkQueues } = await import('./queue-command.ts');
        const specialFormat = parseQueueOutput(opts.output);
        await withConnection((c) =>
          types[0] === 'WorkQueue'
            ? printWorkQueues(io, c.queues, name, { format: specialFormat, noHeaders: !opts.headers })
            : printResourceQuotas(io, c.quotas, NAMESPACE, name, {
                format: specialFormat,
                noHeaders: !opts.headers,
                nowMs: c.clock.now(),
              }),
        );
        return;
      }
      const kinds = request as ResourceArgs<Kind>;
      const printer = GetPrinter.create(opts, { named: kinds.kind === 'named', cwd: ctx.cwd });
      if (printer.isYaml) await loadYaml();
      // The watch's builder takes SingleResourceType().
      if (opts.watch && types.length > 1)
        throw new JobctlError('Validation', 'error: you may only specify a single resource type');
      // singleItemImplied: one object named prints as itself in -o json|yaml, and its absence is the only error.
      const single = kinds.kind === 'named' && kinds.targets.length === 1;
      await ctx.withReads(async (c) => {
        const load = async () => (await findObjects(c, kinds)).objects;
        const found = await findObjects(c, kinds);
        const notFound = aggregateErrors(found.notFound);
        if (notFound && (opts.watch || found.objects.length === 0)) throw notFound;
        const objects = found.objects;
        const kind = objects[0]?.kind ?? (types[0] as Kind);
        // One widths array for the listing and every watch row keeps rows under the header, as kubectl's writer does.
        const widths: number[] = [];
        const nowMs = c.clock.now();
        // Names as TYPE/NAME when several types were asked for (`get all`, `get cronjobs,jobs`) or found.
        const withKind = multipleTypesRequested(args) || hasSeveralKinds(objects);
        if (printer.isTable && objects.length > 0 && withKind) {
          // A table per kind, each with its own widths (kubectl's printWithKind).
          const render = (k: Kind, run: readonly KubeObject[]) => printer.renderTable(k, run, { nowMs, widths: [] });
          io.stdout(renderKindTables(objects, opts.headers, render, withKind));
        } else {
          // An empty table says "No resources found" on stderr; -o json|yaml print an empty List, -o name nothing.
          printer.writeList(io, kind, objects, { single, nowMs, widths, watch: opts.watch });
        }
        if (notFound) throw notFound; // after what was found, as kubectl's aggregate comes after its output
        if (opts.watch) await watch(c, kind, load, objects, printer, widths);
      });
    });

  async function watch(
    c: ObjectReads,
    kind: Kind,
    load: () => Promise<KubeObject[]>,
    initial: KubeObject[],
    printer: GetPrinter,
    widths: number[],
  ): Promise<void> {
    const seen = new Map(initial.map((o) => [o.metadata.name, o.metadata.resourceVersion]));
    while (!ctx.signal?.aborted) {
      await sleep(500, ctx.signal);
      for (const obj of await load()) {
        if (seen.get(obj.metadata.name) === obj.metadata.resourceVersion) continue;
        seen.set(obj.metadata.name, obj.metadata.resourceVersion);
        printer.writeWatchRow(io, kind, obj, { nowMs: c.clock.now(), widths });
      }
    }
  }
}
