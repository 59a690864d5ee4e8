import type { Command } from 'commander';
import { JobctlError, NotFoundError } from '../errors.ts';
import type { Connection } from '../ports/connection.ts';
import type { Kind, Pod } from '../spec/types.ts';
import { NAMESPACE, type CliContext } from './context.ts';
import type { CliIo } from './io.ts';
import { logsBySelector, parseMaxLogRequests, parseTailLines, printPodLogs } from './pod-logs.ts';
import { parseResourceArgs } from './resources.ts';
import { parseSelector } from './selector.ts';

/** kubectl's `logsUsageStr`, verbatim. */
const LOGS_USAGE = 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]';
/** kubectl's `logsUsageErrStr`. */
const LOGS_USAGE_ERROR = `expected '${LOGS_USAGE}'.\nPOD or TYPE/NAME is a required argument for the logs command`;

/** kubectl's `cmdutil.UsageErrorf` for `jobctl logs`. */
function usageError(message: string): JobctlError {
  return new JobctlError('Validation', `error: ${message}\nSee 'jobctl logs -h' for help and examples`);
}

/**
 * `logs POD [CONTAINER] | TYPE/NAME | -l SELECTOR`, with `-f`, `-c`, `--tail`, `--prefix`, `--max-log-requests`;
 * TYPE/NAME read as kubectl's builder reads it (`pods/NAME`, `po/NAME`, `job/NAME`, `jobs.batch/NAME`).
 */
export function registerLogsCommand(program: Command, ctx: CliContext): void {
  const { io, withConnection } = ctx;
  program
    .command('logs')
    .argument('[resource]', 'POD, TYPE/NAME (pods/NAME, job/NAME) or nothing with -l')
    .argument('[container]', "the pod's container (jobctl pods have one)")
    .description("print the logs of a pod, of a job's newest pod (job/NAME or NAME), or of every pod matching -l")
    .option('-f, --follow', 'stream new output until the tasks end or Ctrl-C')
    .option('-c, --container <name>', "the pod's container (jobctl pods have one)")
    .option(
      '-l, --selector <selector>',
      'the logs of every pod matching the selector, one pod after another (last 10 lines each unless --tail)',
    )
    .option('--prefix', 'start each line with its source: [pod/NAME/CONTAINER]')
    .option('--tail <lines>', 'lines of recent output per pod; -1 for all (default: all, or 10 with -l)')
    .option('--max-log-requests <n>', 'most pods followed at once with -l -f (default 5)')
    .allowExcessArguments(true)
    .action(
      async (
        arg: string | undefined,
        inlineContainer: string | undefined,
        opts: {
          follow?: boolean;
          container?: string;
          selector?: string;
          prefix?: boolean;
          tail?: string;
          maxLogRequests?: string;
        },
        command: Command,
      ) => {
        // kubectl's LogsOptions.Complete and Validate checks, in their order.
        if (command.args.length > 2 || (arg === undefined && opts.selector === undefined))
          throw usageError(LOGS_USAGE_ERROR);
        if (command.args.length === 1 && opts.selector !== undefined)
          throw usageError('only a selector (-l) or a POD name is allowed');
        if (arg !== undefined && opts.selector !== undefined)
          throw new JobctlError(
            'Validation',
            'error: selectors and the all flag cannot be used when passing resource/name arguments',
          );
        if (opts.container !== undefined && inlineContainer !== undefined)
          throw new JobctlError('Validation', 'error: only one of -c or an inline [CONTAINER] arg is allowed');
        // ResourceNames("pods", arg): a bare name is a pod (jobctl also takes a Job's name); TYPE/NAME any type.
        const target = arg?.includes('/') ? parseResourceArgs([arg]) : undefined;
        const kind = target?.kind === 'named' ? target.targets[0]!.type : undefined;
        const name = target?.kind === 'named' ? target.targets[0]!.name : arg;
        const container = opts.container ?? inlineContainer;
        const options = {
          follow: opts.follow,
          prefix: opts.prefix,
          tailLines: parseTailLines(opts.tail),
          maxLogRequests: parseMaxLogRequests(opts.maxLogRequests),
        };
        const deps = { io, signal: ctx.signal };
        await withConnection(async (c) => {
          if (opts.selector !== undefined) return logsBySelector(c, parseSelector(opts.selector), options, deps);
          const pod = await findPodForLogs(c, kind, name!, io);
          if (container !== undefined && !pod.spec.containers.some((k) => k.name === container))
            throw new JobctlError(
              'Validation',
              `Error from server (BadRequest): container ${container} is not valid for pod ${pod.metadata.name}`,
            );
          await printPodLogs(c, [pod], options, deps);
        });
      },
    );
}

/**
 * The pod `logs` prints for POD, job/NAME or a bare NAME. kubectl logs job/X picks one pod of the Job; jobctl picks
 * the newest, so a retried Job shows its latest attempt. A bare NAME that is no pod's is taken as a Job's (jobctl's
 * shortcut: a CronJob's Jobs are named by the minute, their pods by chance).
 */
async function findPodForLogs(c: Connection, kind: Kind | undefined, name: string, io: CliIo): Promise<Pod> {
  if (kind === undefined || kind === 'Pod') {
    const pod = (await c.store.list('Pod', NAMESPACE)).find((p) => p.metadata.name === name);
    if (pod) return pod;
    if (kind === 'Pod') throw new NotFoundError(`Error from server (NotFound): pods "${name}" not found`);
  }
  // polymorphichelpers.LogsForObject: SelectorsForObject knows no CronJob.
  if (kind === 'CronJob')
    throw new JobctlError(
      'Validation',
      'error: cannot get the logs from *v1.CronJob: selector for *v1.CronJob not implemented',
    );
  const job = await c.store.get('Job', { namespace: NAMESPACE, name });
  if (!job)
    throw new NotFoundError(
      kind === 'Job'
        ? `Error from server (NotFound): jobs.batch "${name}" not found`
        : `Error from server (NotFound): pods "${name}" not found`,
    );
  const pods = (await c.store.listPods(job.metadata)).sort(
    (a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || seq(a) - seq(b),
  );
  const newest = pods.at(-1);
  if (!newest) throw new NotFoundError(`error: job "${name}" has no pods yet`);
  if (pods.length > 1) io.stderr(`Found ${pods.length} pods, using pod/${newest.metadata.name}\n`);
  return newest;
}

const seq = (pod: Pod) => Number(pod.metadata.annotations?.['jobctl.dev/pod-sequence'] ?? 0);
