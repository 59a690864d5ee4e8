import type { Command } from 'commander';
import { Option } from 'commander';
import { JobctlError } from '../errors.ts';
import { TokenBucket } from '../adapters/pacing/token-bucket.ts';
import { jobFromTemplate } from '../engine/cronjob-sync.ts';
import { withGeneratedSelector, withoutGeneratedSelector } from '../engine/job-selector.ts';
import { deterministicUid } from '../engine/object-meta.ts';
import { parseTypedName } from './resources.ts';
import type { CronJob, Job, KubeObject } from '../spec/types.ts';
import { wellKnown } from '../spec/types.ts';
import { appliedChanges, applyAll, assertRunsOnEventBridge, outcomeLine } from './apply.ts';
import { mustGet, NAMESPACE, type CliContext } from './context.ts';
import { loadManifestArgs } from './manifest-files.ts';

/** `apply -f` of at least this many objects prints its progress on stderr. */
const BULK_APPLY_PROGRESS_FROM = 200;

/**
 * Objects per second `apply` writes on AWS unless told: each Job is then a stream record, a controller sync and a
 * RunTask, and Fargate launches 20 tasks per second per account at most; 25 Jobs/s stays near that without queueing
 * minutes of work behind throttling. Locally the runtime takes what it is given (the quota caps what runs).
 */
const DEFAULT_AWS_APPLY_RATE = 25;

/** `apply -f` and `create -f` (and `create job NAME --from=cronjob/X`). */
export function registerApplyCommands(program: Command, ctx: CliContext): void {
  const { io, cwd, readStdin, contextOf, withConnection, notifyAndHint } = ctx;
  const applyLike = (name: 'apply' | 'create', createOnly: boolean) =>
    program
      .command(name)
      .description(
        createOnly ? 'create resources from files (fails when they exist)' : 'create or update resources from files',
      )
      .option('-f, --filename <path...>', 'file, directory, or - for stdin (required)')
      .addOption(
        new Option('--dry-run [strategy]', 'validate and print what would change, writing nothing').choices([
          'none',
          'client',
          'server',
        ]),
      )
      .option(
        '--rate <objects/s>',
        `most CronJobs/Jobs written per second, 0 for no limit (default: ${DEFAULT_AWS_APPLY_RATE} with --context ` +
          `aws, else 0)`,
      )
      .action(async (opts: { filename?: string[]; dryRun?: string | boolean; rate?: string }) => {
        // Optional for commander so that `create job NAME --from=…` parses; required for the files form.
        if (!opts.filename)
          throw new JobctlError('Validation', `error: must specify one of -f and -k (jobctl supports -f FILE|DIR|-)`);
        const dryRun = opts.dryRun !== undefined && opts.dryRun !== 'none';
        const rate = parseApplyRate(opts.rate, contextOf());
        const loaded = await loadManifestArgs(opts.filename, readStdin, cwd);
        if (contextOf() === 'aws') assertRunsOnEventBridge(loaded.objects);
        for (const line of warningLines(loaded.warnings)) io.stderr(`${line}\n`);
        await withConnection(async (c) => {
          // Hundreds of Jobs take a while: say how far it got (a re-run after an interruption creates nothing twice).
          const total = loaded.objects.length;
          const step = Math.ceil(total / 10);
          const onProgress =
            total >= BULK_APPLY_PROGRESS_FROM
              ? (done: number) => (done % step === 0 || done === total) && io.stderr(`applied ${done}/${total}\n`)
              : undefined;
          // On AWS every Job written becomes a stream record, a controller sync and a RunTask: pace them
          // (docs/design-notes.md).
          const pacer =
            rate === 0 ? undefined : new TokenBucket({ ratePerSecond: rate, burst: Math.ceil(rate), clock: c.clock });
          const outcomes = await applyAll(c, loaded, {
            dryRun,
            createOnly,
            ...(onProgress === undefined ? {} : { onProgress }),
            ...(pacer === undefined ? {} : { pacer }),
          });
          for (const o of outcomes) {
            io.stdout(`${outcomeLine(o)}${dryRun ? ' (dry run)' : ''}\n`);
            if (dryRun) for (const change of o.changes ?? []) io.stdout(`  ${change}\n`);
          }
          if (!dryRun) await notifyAndHint(c, await appliedChanges(c.store, outcomes));
        });
      });
  applyLike('apply', false);
  const create = applyLike('create', true);
  create
    .command('job <name>')
    .description("create a Job from a CronJob's jobTemplate, as kubectl create job --from=cronjob/NAME")
    .requiredOption('--from <cronjob/NAME>', 'the CronJob to copy')
    .action(async (name: string, opts: { from: string }) => {
      const from = parseTypedName(opts.from);
      if (from.kind !== 'CronJob')
        throw new JobctlError('Validation', `error: from must be an existing cronjob: --from=cronjob/NAME`);
      await withConnection(async (c) => {
        const cronJob = await mustGet(c, 'CronJob', from.name);
        const job = manualJobFrom(cronJob, name, c.clock.now());
        await c.store.create(job);
        io.stdout(`job.batch/${name} created\n`);
        await notifyAndHint(c, [{ kind: 'Job', key: { namespace: NAMESPACE, name } }]);
      });
    });
}

function parseApplyRate(text: string | undefined, context: 'local' | 'aws'): number {
  if (text === undefined) return context === 'aws' ? DEFAULT_AWS_APPLY_RATE : 0;
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate < 0)
    throw new JobctlError(
      'Validation',
      `error: --rate: invalid value "${text}": must be a number of objects per second, 0 or more`,
    );
  return rate;
}

/**
 * One line per warning, as kubectl prints them; the same warning on many documents (2,000 expanded Jobs of one
 * template) is printed once, at its first place, with how many more documents have it.
 */
export function warningLines(
  warnings: ReadonlyArray<{ file: string; line: number; path: string; message: string }>,
): string[] {
  const groups = new Map<string, { first: (typeof warnings)[number]; more: number }>();
  for (const w of warnings) {
    const key = `${w.file}\0${w.path}\0${w.message}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { first: w, more: 0 });
    else group.more++;
  }
  return [...groups.values()].map(
    ({ first: w, more }) =>
      `Warning: ${w.file}:${w.line} ${w.path}: ` +
      `${w.message}${more === 0 ? '' : ` (and in ${more} more document${more === 1 ? '' : 's'} of ${w.file})`}`,
  );
}

/** `kubectl create job NAME --from=cronjob/X`: the template, annotated `cronjob.kubernetes.io/instantiate: manual`. */
function manualJobFrom(cronJob: KubeObject, name: string, nowMs: number): Job {
  const base = jobFromTemplate(cronJob as CronJob, nowMs, nowMs);
  const annotations: Record<string, string> = {
    ...base.metadata.annotations,
    'cronjob.kubernetes.io/instantiate': 'manual',
  };
  delete annotations[wellKnown.cronJobScheduledTimestamp];
  const { metadata, ...rest } = withoutGeneratedSelector(base);
  return withGeneratedSelector({
    ...rest,
    metadata: {
      ...metadata,
      name,
      annotations,
      uid: deterministicUid(`${cronJob.metadata.uid}/manual/${name}/${nowMs}`),
    },
  });
}
