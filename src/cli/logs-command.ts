import type { Command } from 'commander';
import { JobctlError, NotFoundError } from '../errors.ts';
import type { Connection } from '../ports/connection.ts';
import type { Kind, Pod } from '../spec/types.ts';
import { NAMESPACE, type CliContext } from './context.ts';
import type { CliIo } from './io.ts';
import { logsBySelector, parseMaxLogRequests, parseTailLines, printPodLogs } from './pod-logs.ts';
import { parseTypedName } from './resources.ts';
import { parseSelector } from './selector.ts';

/** `logs POD | job/NAME | -l SELECTOR`, with `-f`, `--tail`, `--prefix`, `--max-log-requests`. */
export function registerLogsCommand(program: Command, ctx: CliContext): void {
  const { io, withConnection } = ctx;
  program
    .command('logs [name]')
    .description("print the logs of a pod, of a job's newest pod (job/NAME or NAME), or of every pod matching -l")
    .option('-f, --follow', 'stream new output until the tasks end or Ctrl-C')
    .option(
      '-l, --selector <selector>',
      'the logs of every pod matching the selector, one pod after another (last 10 lines each unless --tail)',
    )
    .option('--prefix', 'start each line with its source: [pod/NAME/CONTAINER]')
    .option('--tail <lines>', 'lines of recent output per pod; -1 for all (default: all, or 10 with -l)')
    .option('--max-log-requests <n>', 'most pods followed at once with -l -f (default 5)')
    .action(
      async (
        arg: string | undefined,
        opts: { follow?: boolean; selector?: string; prefix?: boolean; tail?: string; maxLogRequests?: string },
      ) => {
        // kubectl's LogsOptions.Complete checks.
        if (arg !== undefined && opts.selector !== undefined)
          throw new JobctlError('Validation', 'error: only a selector (-l) or a POD name is allowed');
        if (arg === undefined && opts.selector === undefined)
          throw new JobctlError(
            'Validation',
            "error: expected 'logs [-f] (POD | TYPE/NAME | -l SELECTOR)'.\nPOD or TYPE/NAME is a required argument " +
              'for the logs command',
          );
        const options = {
          follow: opts.follow,
          prefix: opts.prefix,
          tailLines: parseTailLines(opts.tail),
          maxLogRequests: parseMaxLogRequests(opts.maxLogRequests),
        };
        const deps = { io, signal: ctx.signal };
        await withConnection(async (c) => {
          if (opts.selector !== undefined) return logsBySelector(c, parseSelector(opts.selector), options, deps);
          const target = parseTypedName(arg!);
          await printPodLogs(c, [await findPodForLogs(c, target.kind, target.name, io)], options, deps);
        });
      },
    );
}

/** kubectl logs job/X picks one pod; jobctl picks the newest, so a retried Job shows its latest attempt. */
async function findPodForLogs(c: Connection, kind: Kind | undefined, name: string, io: CliIo): Promise<Pod> {
  if (kind === undefined || kind === 'Pod') {
    const pod = (await c.store.list('Pod', NAMESPACE)).find((p) => p.metadata.name === name);
    if (pod) return pod;
    if (kind === 'Pod') throw new NotFoundError(`Error from server (NotFound): pods "${name}" not found`);
  }
  if (kind === 'CronJob')
    throw new JobctlError(
      'Validation',
      `error: cannot get logs of a cronjob; use a job: jobctl get jobs -l ... or jobctl logs job/NAME`,
    );
  const job = await c.store.get('Job', { namespace: NAMESPACE, name });
  if (!job) throw new NotFoundError(`Error from server (NotFound): pods "${name}" not found (nor a job of that name)`);
  const pods = (await c.store.listPods(job.metadata)).sort(
    (a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || seq(a) - seq(b),
  );
  const newest = pods.at(-1);
  if (!newest) throw new NotFoundError(`error: job "${name}" has no pods yet`);
  if (pods.length > 1) io.stderr(`Found ${pods.length} pods, using pod/${newest.metadata.name}\n`);
  return newest;
}

const seq = (pod: Pod) => Number(pod.metadata.annotations?.['jobctl.dev/pod-sequence'] ?? 0);
