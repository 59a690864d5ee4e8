import { isDeepStrictEqual } from 'node:util';
import { Command, CommanderError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { JobctlError, NotFoundError, UnreadableItemError, ValidationErrors } from '../errors.ts';
import { deleteJobCascade, requestJobDeletion } from '../controllers/delete-job.ts';
import type { Change } from '../ports/changes.ts';
import { jobFromTemplate } from '../engine/cronjob-sync.ts';
import { deterministicUid } from '../engine/object-meta.ts';
import { withGeneratedSelector, withoutGeneratedSelector } from '../engine/job-selector.ts';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { connectAws, resolveAwsTarget } from '../runtime/lambda/connect.ts';
import { cronJobScheduleDefinitions } from '../adapters/scheduler/cronjob-schedules.ts';
import { SystemClock } from '../adapters/clock/clock.ts';
import { connectLocal } from '../runtime/local/connect.ts';
import type { Connection } from '../ports/connection.ts';
import { declaringStack } from '../spec/ownership.ts';
import { resolveStateDir } from '../runtime/local/state-dir.ts';
import { validateManifest } from '../spec/index.ts';
import type { CronJob, Job, Kind, KubeObject, Pod } from '../spec/types.ts';
import { wellKnown } from '../spec/types.ts';
import { appliedChanges, applyAll, applyManifests, outcomeLine, resource } from './apply.ts';
import { registerCronCommands } from './cron-command.ts';
import { registerWorkerCommand } from './worker-command.ts';
import { isWorkQueueType, parseQueueOutput, printWorkQueues, registerQueueCommands } from './queue-command.ts';
import { TokenBucket } from '../adapters/pacing/token-bucket.ts';
import { describeResourceQuotas, isResourceQuotaType, printResourceQuotas, quotaNotFound } from './quota-command.ts';
import type { CliIo } from './io.ts';
import { describeObjects, parseShowEvents } from './describe-objects.ts';
import { logsBySelector, parseMaxLogRequests, parseTailLines, printPodLogs } from './pod-logs.ts';
import { registerWaitCommand } from './wait-command.ts';
import { registerFailuresCommand } from './failures-command.ts';
import { registerExpandCommand } from './expand-command.ts';
import { loadManifestArgs } from './manifest-files.ts';
import { noResourcesMessage, renderObjects, renderWatchRow, type OutputFormat } from './printers/index.ts';
import { parseResourceType, parseTypedName } from './resources.ts';
import { matchesSelector, parseSelector } from './selector.ts';
import { runUp } from './up.ts';

const NAMESPACE = 'default';
/** `apply -f` of at least this many objects prints its progress on stderr. */
const BULK_APPLY_PROGRESS_FROM = 200;

export interface ProgramEnv {
  io: CliIo;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default process.cwd() */
  cwd?: string;
  readStdin?: () => Promise<string>;
  /** Injected by tests to reuse a connection; otherwise each command connects to the state directory. */
  connect?: () => Promise<Connection>;
  /** Injected by tests: the connection of `--context aws`. @default - the stack's outputs, through the AWS SDK's default credentials */
  connectAws?: (stackName: string | undefined) => Promise<Connection>;
  /** Ends `--watch` and `logs -f` (Ctrl-C in a terminal). */
  signal?: AbortSignal;
}

/** The `jobctl` command line, kubectl-shaped. Commands run in-process so tests drive them with a fake `CliIo`. */
export function buildProgram(penv: ProgramEnv): Command {
  const { io } = penv;
  const env = penv.env ?? process.env;
  const cwd = penv.cwd ?? process.cwd();
  const stateDir = resolveStateDir(env, cwd);
  const readStdin = penv.readStdin ?? readProcessStdin;
  const contextOf = (): 'local' | 'aws' => {
    const context = (program.opts<{ context?: string }>().context ?? env['JOBCTL_CONTEXT'] ?? 'local').toLowerCase();
    if (context !== 'local' && context !== 'aws') throw new JobctlError('Validation', `error: context "${context}" does not exist: use local (jobctl up, the default) or aws (a deployed stack)`);
    return context;
  };
  const connectAwsDefault = async (stackName: string | undefined): Promise<Connection> => {
    const cloudFormation = new CloudFormationClient({ maxAttempts: 4 });
    try {
      return connectAws(await resolveAwsTarget(env, cloudFormation, stackName), { clock: new SystemClock() });
    } finally {
      cloudFormation.destroy();
    }
  };

  async function withConnection<T>(work: (c: Connection) => Promise<T>): Promise<T> {
    const injected = penv.connect !== undefined && contextOf() === 'local';
    const c = contextOf() === 'aws' ? await (penv.connectAws ?? connectAwsDefault)(program.opts<{ stack?: string }>().stack) : injected ? await penv.connect!() : await connectLocal(stateDir);
    try {
      return await work(c);
    } finally {
      if (!injected) await c.close();
    }
  }

  const program = new Command('jobctl')
    .description('Kubernetes CronJobs and Jobs, on one machine (`jobctl up`) or serverless on AWS')
    .option('--context <name>', 'where to work: local (jobctl up, the default) or aws (a deployed stack); env JOBCTL_CONTEXT')
    .option('--stack <name>', `the CloudFormation stack of --context aws; env JOBCTL_STACK (default Jobctl)`)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .exitOverride();

  program
    .command('up')
    .description('run the embedded runtime in the foreground (state in $JOBCTL_STATE_DIR or ./.jobctl); Ctrl-C stops it')
    .action(async () => {
      if (contextOf() === 'aws') throw new JobctlError('Validation', 'error: jobctl up runs the embedded runtime on this machine; on AWS the stack\'s Lambdas are the runtime (npx cdk deploy)');
      await runUp({ io, stateDir, cwd, signal: penv.signal });
    });

  const applyLike = (name: 'apply' | 'create', createOnly: boolean) =>
    program
      .command(name)
      .description(createOnly ? 'create resources from files (fails when they exist)' : 'create or update resources from files')
      .option('-f, --filename <path...>', 'file, directory, or - for stdin (required)')
      .addOption(new Option('--dry-run [strategy]', 'validate and print what would change, writing nothing').choices(['none', 'client', 'server']))
      .option('--rate <objects/s>', `most CronJobs/Jobs written per second, 0 for no limit (default: ${DEFAULT_AWS_APPLY_RATE} with --context aws, else 0)`)
      .action(async (opts: { filename?: string[]; dryRun?: string | boolean; rate?: string }) => {
        // Optional for commander so that `create job NAME --from=…` parses; required for the files form.
        if (!opts.filename) throw new JobctlError('Validation', `error: must specify one of -f and -k (jobctl supports -f FILE|DIR|-)`);
        const dryRun = opts.dryRun !== undefined && opts.dryRun !== 'none';
        const rate = parseApplyRate(opts.rate, contextOf());
        const loaded = await loadManifestArgs(opts.filename, readStdin, cwd);
        if (contextOf() === 'aws') assertRunsOnEventBridge(loaded.objects);
        for (const line of warningLines(loaded.warnings)) io.stderr(`${line}\n`);
        await withConnection(async (c) => {
          // Hundreds of Jobs take a while: say how far it got (a re-run after an interruption creates nothing twice).
          const total = loaded.objects.length;
          const step = Math.ceil(total / 10);
          const onProgress = total >= BULK_APPLY_PROGRESS_FROM ? (done: number) => (done % step === 0 || done === total) && io.stderr(`applied ${done}/${total}\n`) : undefined;
          // On AWS every Job written becomes a stream record, a controller sync and a RunTask: pace them (docs/design-notes.md).
          const pacer = rate === 0 ? undefined : new TokenBucket({ ratePerSecond: rate, burst: Math.ceil(rate), clock: c.clock });
          const outcomes = await applyAll(c, loaded, { dryRun, createOnly, ...(onProgress === undefined ? {} : { onProgress }), ...(pacer === undefined ? {} : { pacer }) });
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
    .description('create a Job from a CronJob\'s jobTemplate, as kubectl create job --from=cronjob/NAME')
    .requiredOption('--from <cronjob/NAME>', 'the CronJob to copy')
    .action(async (name: string, opts: { from: string }) => {
      const from = parseTypedName(opts.from);
      if (from.kind !== 'CronJob') throw new JobctlError('Validation', `error: from must be an existing cronjob: --from=cronjob/NAME`);
      await withConnection(async (c) => {
        const cronJob = await mustGet(c, 'CronJob', from.name);
        const job = manualJobFrom(cronJob, name, c.clock.now());
        await c.store.create(job);
        io.stdout(`job.batch/${name} created\n`);
        await notifyAndHint(c, [{ kind: 'Job', key: { namespace: NAMESPACE, name } }]);
      });
    });

  program
    .command('get <type> [name]')
    .description('list cronjobs, jobs, pods, workqueues or resourcequotas (kubectl columns)')
    .option('-l, --selector <selector>', 'label selector, e.g. job-name=hello-123,app!=web')
    .option('-o, --output <format>', 'wide | json | yaml | name')
    .option('-w, --watch', 'after listing, print a row for every change')
    .option('--no-headers', 'omit the header row')
    .action(async (type: string, name: string | undefined, opts: { selector?: string; output?: string; watch?: boolean; headers: boolean }) => {
      if (isWorkQueueType(type)) {
        if (opts.selector !== undefined || opts.watch) throw new JobctlError('Validation', 'error: workqueues take no --selector or --watch');
        const queueFormat = parseQueueOutput(opts.output);
        await withConnection((c) => printWorkQueues(io, c.queues, name, { format: queueFormat, noHeaders: !opts.headers }));
        return;
      }
      if (isResourceQuotaType(type)) {
        if (opts.selector !== undefined || opts.watch) throw new JobctlError('Validation', 'error: resourcequotas take no --selector or --watch');
        const quotaFormat = parseQueueOutput(opts.output);
        await withConnection((c) => printResourceQuotas(io, c.quotas, NAMESPACE, name, { format: quotaFormat, noHeaders: !opts.headers, nowMs: c.clock.now() }));
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
          io.stdout(renderObjects(kind, objects, { format, noHeaders: !opts.headers, nowMs: c.clock.now(), single: name !== undefined, widths }));
        }
        if (opts.watch) await watch(c, kind, load, objects, format, widths);
      });
    });

  program
    .command('describe <type> [name]')
    .description('show cronjobs, jobs, pods or resourcequotas in detail, with their events: one by name (or name prefix), every one matching -l, or all')
    .option('-l, --selector <selector>', 'describe every object matching the selector, e.g. jobgroup=jobexample')
    .option('--show-events [bool]', 'print events (default: true for one object named, false for several, as kubectl)')
    .action(async (type: string, name: string | undefined, opts: { selector?: string; showEvents?: string | boolean }) => {
      if (isResourceQuotaType(type)) {
        await withConnection((c) => describeResourceQuotas(io, c.quotas, NAMESPACE, name));
        return;
      }
      const kind = parseResourceType(type);
      const selector = opts.selector === undefined ? undefined : parseSelector(opts.selector);
      const showEvents = parseShowEvents(opts.showEvents);
      await withConnection((c) => describeObjects(c, kind, { name, selector, showEvents }, io));
    });

  program
    .command('logs [name]')
    .description('print the logs of a pod, of a job\'s newest pod (job/NAME or NAME), or of every pod matching -l')
    .option('-f, --follow', 'stream new output until the tasks end or Ctrl-C')
    .option('-l, --selector <selector>', 'the logs of every pod matching the selector, one pod after another (last 10 lines each unless --tail)')
    .option('--prefix', 'start each line with its source: [pod/NAME/CONTAINER]')
    .option('--tail <lines>', 'lines of recent output per pod; -1 for all (default: all, or 10 with -l)')
    .option('--max-log-requests <n>', 'most pods followed at once with -l -f (default 5)')
    .action(async (arg: string | undefined, opts: { follow?: boolean; selector?: string; prefix?: boolean; tail?: string; maxLogRequests?: string }) => {
      // kubectl's LogsOptions.Complete checks.
      if (arg !== undefined && opts.selector !== undefined) throw new JobctlError('Validation', 'error: only a selector (-l) or a POD name is allowed');
      if (arg === undefined && opts.selector === undefined) throw new JobctlError('Validation', "error: expected 'logs [-f] (POD | TYPE/NAME | -l SELECTOR)'.\nPOD or TYPE/NAME is a required argument for the logs command");
      const options = { follow: opts.follow, prefix: opts.prefix, tailLines: parseTailLines(opts.tail), maxLogRequests: parseMaxLogRequests(opts.maxLogRequests) };
      const deps = { io, signal: penv.signal };
      await withConnection(async (c) => {
        if (opts.selector !== undefined) return logsBySelector(c, parseSelector(opts.selector), options, deps);
        const target = parseTypedName(arg!);
        await printPodLogs(c, [await findPodForLogs(c, target.kind, target.name, io)], options, deps);
      });
    });

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
      if (kind === 'Pod') throw new JobctlError('Validation', 'error: pods are deleted with their job: jobctl delete job NAME');
      if (!name && !opts.selector) throw new JobctlError('Validation', 'error: resource name may not be empty (or pass -l SELECTOR)');
      await withConnection(async (c) => {
        let targets: KubeObject[];
        try {
          targets = name ? [await mustGet(c, kind, name)] : (await listKind(c, kind)).filter((o) => matchesSelector(parseSelector(opts.selector!), o.metadata.labels ?? {}));
        } catch (error) {
          if (!(error instanceof UnreadableItemError) || name === undefined) throw error;
          // An item the store cannot read (audit D8) never ran: it is removed as it is, with whatever it holds.
          await c.store.delete(kind, { namespace: NAMESPACE, name });
          io.stdout(`${kind === 'CronJob' ? 'cronjob' : 'job'}.batch "${name}" deleted\n`);
          return;
        }
        if (targets.length === 0) io.stderr(noResourcesMessage(NAMESPACE) + '\n');
        // A stack's Job may go (it ran; the next deploy re-creates it only if the file changed it); its CronJob may not.
        for (const obj of targets) if (obj.kind === 'CronJob') assertNotStackDeclared(obj, 'delete', 'remove it from the config file and run cdk deploy');
        for (const obj of targets.filter((o) => o.kind === 'CronJob')) {
          await deleteCronJob(c, obj);
          io.stdout(`cronjob.batch "${obj.metadata.name}" deleted\n`);
        }
        // Jobs: every deletion is asked for first, then waited for together (2,000 one after another took minutes).
        await deleteJobs(c, targets.filter((o): o is Job => o.kind === 'Job'), (job) => io.stdout(`job.batch "${job.metadata.name}" deleted\n`));
      });
    });

  program
    .command('patch <type> <name>')
    .description('change a cronjob or job with a JSON merge patch, e.g. -p \'{"spec":{"suspend":true}}\'')
    .requiredOption('-p, --patch <patch>', 'JSON (or YAML) merge patch')
    .addOption(new Option('--type <type>', 'patch type').choices(['merge', 'strategic']).default('merge'))
    .action(async (type: string, name: string, opts: { patch: string }) => {
      const kind = parseResourceType(type);
      let patch: unknown;
      try {
        patch = parseYaml(opts.patch);
      } catch (error) {
        throw new JobctlError('Validation', `error: unable to parse "${opts.patch}": ${(error as Error).message}`);
      }
      await patchObject(kind, name, patch);
    });

  for (const [verb, suspend] of [['suspend', true], ['resume', false]] as const) {
    program
      .command(`${verb} <name>`)
      .description(`${verb} a cronjob (shortcut for patch cronjob NAME -p '{"spec":{"suspend":${suspend}}}')`)
      .action(async (arg: string) => {
        const target = parseTypedName(arg, 'CronJob');
        await patchObject(target.kind ?? 'CronJob', target.name, { spec: { suspend } });
      });
  }

  async function patchObject(kind: Kind, name: string, patch: unknown): Promise<void> {
    if (kind === 'Pod') throw new JobctlError('Validation', 'error: pods cannot be patched; patch their job');
    await withConnection(async (c) => {
      const existing = await mustGet(c, kind, name);
      const suspendOnly = isDeepStrictEqual(Object.keys(patch as object ?? {}), ['spec']) && isDeepStrictEqual(Object.keys((patch as { spec?: object }).spec ?? {}), ['suspend']);
      if (!suspendOnly) assertNotStackDeclared(existing, 'patch', 'change the config file and run cdk deploy; only spec.suspend (jobctl suspend/resume) may change here');
      const editable = existing.kind === 'Job' ? withoutGeneratedSelector(existing) : (existing as CronJob);
      const { metadata, status, ...rest } = editable;
      const merged = mergePatch({ ...rest, metadata: { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels, annotations: metadata.annotations } }, patch);
      let validated: CronJob | Job;
      try {
        validated = validateManifest(merged, `patch ${kind.toLowerCase()}/${name}`).objects[0] as CronJob | Job;
      } catch (error) {
        if (!(error instanceof ValidationErrors)) throw error;
        // kubectl's wording for a patch the API server rejects.
        throw new JobctlError('Validation', `The ${kind} "${name}" is invalid: ${error.errors.map((e) => `${e.path}: ${e.detail}`).join(', ')}`);
      }
      if (contextOf() === 'aws') assertRunsOnEventBridge([validated]);
      const outcomes = await applyManifests(c.store, [validated], { allowStackDeclared: suspendOnly });
      const o = outcomes[0]!;
      io.stdout(`${o.kind === 'CronJob' ? 'cronjob' : 'job'}.batch/${o.name} ${o.action === 'unchanged' ? 'patched (no change)' : 'patched'}\n`);
      await notifyAndHint(c, [{ kind: o.kind, key: { namespace: NAMESPACE, name } }]);
    });
  }

  async function notifyAndHint(c: Connection, changes: Change[]): Promise<void> {
    await c.notify(changes);
    if (!c.isRuntimeRunning && contextOf() === 'local') io.stderr(`note: no jobctl runtime is running for ${stateDir}; start one with \`npm start\` (jobctl up) to act on it\n`);
  }

  async function watch(c: Connection, kind: Kind, load: () => Promise<KubeObject[]>, initial: KubeObject[], format: OutputFormat, widths: number[]): Promise<void> {
    const seen = new Map(initial.map((o) => [o.metadata.name, o.metadata.resourceVersion]));
    while (!penv.signal?.aborted) {
      await sleep(500, penv.signal);
      for (const obj of await load()) {
        if (seen.get(obj.metadata.name) === obj.metadata.resourceVersion) continue;
        seen.set(obj.metadata.name, obj.metadata.resourceVersion);
        io.stdout(renderWatchRow(kind, obj, { format, nowMs: c.clock.now(), widths }));
      }
    }
  }

  registerCronCommands(program, io);
  registerWorkerCommand(program, { io, withConnection, signal: penv.signal, env });
  registerQueueCommands(program, { io, withConnection, readStdin, cwd });
  registerExpandCommand(program, { io, readStdin, cwd });
  registerWaitCommand(program, { io, withConnection, signal: penv.signal });
  registerFailuresCommand(program, { io, withConnection });
  return program;
}

/** Runs one command line; returns the exit code (errors are one clear line on stderr). */
export async function runCli(argv: readonly string[], penv: ProgramEnv): Promise<number> {
  let code = 0;
  const io: CliIo = { ...penv.io, setExitCode: (c) => ((code = c), penv.io.setExitCode(c)) };
  try {
    await buildProgram({ ...penv, io }).parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? code : error.exitCode;
    io.stderr(formatError(error) + '\n');
    return 1;
  }
  return code;
}

export function formatError(error: unknown): string {
  if (error instanceof ValidationErrors) return error.errors.map((e) => `error: ${e.message}`).join('\n');
  // kubectl's own forms ("Error from server (NotFound): …", "The CronJob "x" is invalid: …") are printed as they are.
  if (error instanceof JobctlError) return /^(error|Error|The )/.test(error.message) ? error.message : `error: ${error.message}`;
  return `error: ${(error as Error).message ?? String(error)}`;
}

/**
 * One line per warning, as kubectl prints them; the same warning on many documents (2,000 expanded Jobs of one
 * template) is printed once, at its first place, with how many more documents have it.
 */
export function warningLines(warnings: ReadonlyArray<{ file: string; line: number; path: string; message: string }>): string[] {
  const groups = new Map<string, { first: (typeof warnings)[number]; more: number }>();
  for (const w of warnings) {
    const key = `${w.file}\0${w.path}\0${w.message}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { first: w, more: 0 });
    else group.more++;
  }
  return [...groups.values()].map(({ first: w, more }) => `Warning: ${w.file}:${w.line} ${w.path}: ${w.message}${more === 0 ? '' : ` (and in ${more} more document${more === 1 ? '' : 's'} of ${w.file})`}`);
}

/**
 * Objects per second `apply` writes on AWS unless told: each Job is then a stream record, a controller sync and a
 * RunTask, and Fargate launches 20 tasks per second per account at most; 25 Jobs/s stays near that without queueing
 * minutes of work behind throttling. Locally the runtime takes what it is given (the quota caps what runs).
 */
const DEFAULT_AWS_APPLY_RATE = 25;

function parseApplyRate(text: string | undefined, context: 'local' | 'aws'): number {
  if (text === undefined) return context === 'aws' ? DEFAULT_AWS_APPLY_RATE : 0;
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate < 0) throw new JobctlError('Validation', `error: --rate: invalid value "${text}": must be a number of objects per second, 0 or more`);
  return rate;
}

function parseOutput(output: string | undefined): OutputFormat {
  if (output === undefined) return 'table';
  if (['wide', 'json', 'yaml', 'name'].includes(output)) return output as OutputFormat;
  throw new JobctlError('Validation', `error: unable to match a printer suitable for the output format "${output}", allowed formats are: json,name,wide,yaml`);
}

async function mustGet<K extends Kind>(c: Connection, kind: K, name: string): Promise<KubeObject> {
  const obj = kind === 'Pod' ? (await c.store.list('Pod', NAMESPACE)).find((p) => p.metadata.name === name) : await c.store.get(kind, { namespace: NAMESPACE, name });
  if (!obj) throw new NotFoundError(`Error from server (NotFound): ${resource(kind)} "${name}" not found`);
  return obj;
}

async function listKind(c: Connection, kind: Kind): Promise<KubeObject[]> {
  const objects: KubeObject[] = await c.store.list(kind, NAMESPACE);
  return objects.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** kubectl logs job/X picks one pod; jobctl picks the newest, so a retried Job shows its latest attempt. */
async function findPodForLogs(c: Connection, kind: Kind | undefined, name: string, io: CliIo): Promise<Pod> {
  if (kind === undefined || kind === 'Pod') {
    const pod = (await c.store.list('Pod', NAMESPACE)).find((p) => p.metadata.name === name);
    if (pod) return pod;
    if (kind === 'Pod') throw new NotFoundError(`Error from server (NotFound): pods "${name}" not found`);
  }
  if (kind === 'CronJob') throw new JobctlError('Validation', `error: cannot get logs of a cronjob; use a job: jobctl get jobs -l ... or jobctl logs job/NAME`);
  const job = await c.store.get('Job', { namespace: NAMESPACE, name });
  if (!job) throw new NotFoundError(`Error from server (NotFound): pods "${name}" not found (nor a job of that name)`);
  const pods = (await c.store.listPods(job.metadata)).sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || seq(a) - seq(b));
  const newest = pods.at(-1);
  if (!newest) throw new NotFoundError(`error: job "${name}" has no pods yet`);
  if (pods.length > 1) io.stderr(`Found ${pods.length} pods, using pod/${newest.metadata.name}\n`);
  return newest;
}

const seq = (pod: Pod) => Number(pod.metadata.annotations?.['jobctl.dev/pod-sequence'] ?? 0);

/** On AWS a CronJob needs an EventBridge schedule: refuse what EventBridge cannot express before anything is written. */
function assertRunsOnEventBridge(objects: ReadonlyArray<KubeObject>): void {
  for (const obj of objects) {
    if (obj.kind !== 'CronJob') continue;
    try {
      cronJobScheduleDefinitions(obj as CronJob);
    } catch (error) {
      throw new JobctlError('Validation', `error: ${(error as Error).message}: EventBridge Scheduler cannot run it on AWS`, { cause: error });
    }
  }
}

/**
 * Objects the config file of a CDK stack declares are the file's: `jobctl` changing them would be undone by the next
 * deploy, so it refuses and says where to change them (docs/design-notes.md "Who owns what on AWS").
 */
function assertNotStackDeclared(obj: KubeObject, verb: string, instead: string): void {
  const stack = declaringStack(obj);
  if (stack === undefined) return;
  throw new JobctlError('Conflict', `error: cannot ${verb} ${obj.kind.toLowerCase()} "${obj.metadata.name}": it is declared in the config file of CDK stack ${stack}; ${instead}`);
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
    if (await requestJobDeletion({ store: c.store, clock: c.clock, notify: (change) => void changes.push(change) }, key)) requested.push(job);
    else onDeleted(job); // gone already
    if (changes.length >= 100) await c.notify(changes.splice(0));
  }
  await c.notify(changes.splice(0));
  const deadline = Date.now() + 60_000 + 50 * requested.length;
  for (const job of requested) {
    const key = { namespace: job.metadata.namespace, name: job.metadata.name };
    while (await c.store.get('Job', key)) {
      if (Date.now() > deadline) throw new JobctlError('Conflict', `error: timed out waiting for the runtime to delete job "${key.name}"; it will finish when the runtime next syncs it`);
      await sleep(100);
    }
    onDeleted(job);
  }
}

/** `kubectl create job NAME --from=cronjob/X`: the template, annotated `cronjob.kubernetes.io/instantiate: manual`. */
function manualJobFrom(cronJob: KubeObject, name: string, nowMs: number): Job {
  const base = jobFromTemplate(cronJob as CronJob, nowMs, nowMs);
  const annotations: Record<string, string> = { ...base.metadata.annotations, 'cronjob.kubernetes.io/instantiate': 'manual' };
  delete annotations[wellKnown.cronJobScheduledTimestamp];
  const { metadata, ...rest } = withoutGeneratedSelector(base);
  return withGeneratedSelector({ ...rest, metadata: { ...metadata, name, annotations, uid: deterministicUid(`${cronJob.metadata.uid}/manual/${name}/${nowMs}`) } });
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Waits `ms`, or less when `signal` aborts; leaves no listener behind (a long watch polls thousands of times). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
