import { Command, CommanderError } from 'commander';
import { SystemClock } from '../adapters/clock/clock.ts';
import { JobctlError, ValidationErrors } from '../errors.ts';
import type { Change } from '../ports/changes.ts';
import type { Connection, ObjectReads } from '../ports/connection.ts';
import { findRuntime, resolveStateDir } from '../runtime/local/state-dir.ts';
import type { CliContext } from './context.ts';
import type { CliIo } from './io.ts';

/** Adds one verb (or family of verbs) to the program. */
export type RegisterVerb = (program: Command, ctx: CliContext) => void;

/**
 * Every verb in `jobctl --help`'s order: the top-level commands its register function adds, and a loader of the
 * module that holds it. Nothing else of a verb is imported up front: a command line loads only the module of the verb
 * it names ({@link verbsFor}), so `cron next` never loads the AWS SDK nor `get` the embedded runtime.
 * test/unit/cli/program-verbs.test.ts holds the names to what each module registers.
 */
export const VERBS: ReadonlyArray<{ names: readonly string[]; load: () => Promise<RegisterVerb> }> = [
  { names: ['up'], load: async () => (await import('./up.ts')).registerUpCommand },
  { names: ['apply', 'create'], load: async () => (await import('./apply-command.ts')).registerApplyCommands },
  { names: ['get'], load: async () => (await import('./get-command.ts')).registerGetCommand },
  { names: ['describe'], load: async () => (await import('./describe-command.ts')).registerDescribeCommand },
  { names: ['logs'], load: async () => (await import('./logs-command.ts')).registerLogsCommand },
  { names: ['delete'], load: async () => (await import('./delete-command.ts')).registerDeleteCommand },
  {
    names: ['patch', 'suspend', 'resume'],
    load: async () => (await import('./patch-command.ts')).registerPatchCommands,
  },
  {
    names: ['cron'],
    load: async () => {
      const { registerCronCommands } = await import('./cron-command.ts');
      return (program, ctx) => registerCronCommands(program, ctx.io);
    },
  },
  { names: ['plan'], load: async () => (await import('./plan-command.ts')).registerPlanCommand },
  { names: ['worker'], load: async () => (await import('./worker-command.ts')).registerWorkerCommand },
  { names: ['queue'], load: async () => (await import('./queue-command.ts')).registerQueueCommands },
  { names: ['expand'], load: async () => (await import('./expand-command.ts')).registerExpandCommand },
  { names: ['wait'], load: async () => (await import('./wait-command.ts')).registerWaitCommand },
  { names: ['explain'], load: async () => (await import('./explain-command.ts')).registerExplainCommand },
  { names: ['failures'], load: async () => (await import('./failures-command.ts')).registerFailuresCommand },
  {
    names: ['api-resources'],
    load: async () => (await import('./api-resources-command.ts')).registerApiResourcesCommand,
  },
  { names: ['proxy'], load: async () => (await import('./proxy-command.ts')).registerProxyCommand },
  { names: ['version'], load: async () => (await import('./version-command.ts')).registerVersionCommand },
];

/** `jobctl`'s own options that take a value, which may come before the verb (`jobctl --context aws get cronjobs`). */
const GLOBAL_OPTIONS_WITH_VALUE = ['--context', '--stack'];

/**
 * The verbs a command line needs: the one it names, or every verb when it names none (`--help`, `help get`, an
 * unknown verb, an unknown option before the verb), so that help, errors and suggestions are as with every verb.
 */
export function verbsFor(argv: readonly string[]): typeof VERBS {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (GLOBAL_OPTIONS_WITH_VALUE.includes(arg)) i++;
    else if (GLOBAL_OPTIONS_WITH_VALUE.some((option) => arg.startsWith(`${option}=`))) continue;
    else {
      const named = arg.startsWith('-') ? [] : VERBS.filter((verb) => verb.names.includes(arg));
      return named.length === 0 ? VERBS : named;
    }
  }
  return VERBS;
}

export interface ProgramEnv {
  io: CliIo;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** @default process.cwd() */
  cwd?: string;
  readStdin?: () => Promise<string>;
  /** Injected by tests to reuse a connection; otherwise each command connects to the state directory. */
  connect?: () => Promise<Connection>;
  /**
   * Injected by tests: the connection of `--context aws`. @default - the stack's outputs, through the AWS SDK's default
   * credentials
   */
  connectAws?: (stackName: string | undefined) => Promise<Connection>;
  /** Ends `--watch` and `logs -f` (Ctrl-C in a terminal). */
  signal?: AbortSignal;
}

/**
 * The `jobctl` command line, kubectl-shaped. Commands run in-process so tests drive them with a fake `CliIo`. Only the
 * verbs `argv` needs are registered ({@link verbsFor}); every verb without it.
 */
export async function buildProgram(penv: ProgramEnv, argv: readonly string[] = []): Promise<Command> {
  const registers = await Promise.all(verbsFor(argv).map((verb) => verb.load()));
  const { io } = penv;
  const env = penv.env ?? process.env;
  const cwd = penv.cwd ?? process.cwd();
  const stateDir = resolveStateDir(env, cwd);
  const readStdin = penv.readStdin ?? readProcessStdin;
  const contextOf = (): 'local' | 'aws' => {
    const context = (program.opts<{ context?: string }>().context ?? env['JOBCTL_CONTEXT'] ?? 'local').toLowerCase();
    if (context !== 'local' && context !== 'aws')
      throw new JobctlError(
        'Validation',
        `error: context "${context}" does not exist: use local (jobctl up, the default) or aws (a deployed stack)`,
      );
    return context;
  };
  const connectAwsDefault = async (stackName: string | undefined): Promise<Connection> => {
    // Loaded only here: the AWS SDK's clients took most of every command's start-up when imported up front.
    const [{ CloudFormationClient }, { connectAws, resolveAwsTarget }] = await Promise.all([
      import('@aws-sdk/client-cloudformation'),
      import('../runtime/lambda/connect.ts'),
    ]);
    const cloudFormation = new CloudFormationClient({ maxAttempts: 4 });
    try {
      return connectAws(await resolveAwsTarget(env, cloudFormation, stackName), { clock: new SystemClock() });
    } finally {
      cloudFormation.destroy();
    }
  };

  async function withConnection<T>(work: (c: Connection) => Promise<T>): Promise<T> {
    const injected = penv.connect !== undefined && contextOf() === 'local';
    const c =
      contextOf() === 'aws'
        ? await (penv.connectAws ?? connectAwsDefault)(program.opts<{ stack?: string }>().stack)
        : injected
          ? await penv.connect!()
          : await (await import('../runtime/local/connect.ts')).connectLocal(stateDir);
    try {
      return await work(c);
    } finally {
      if (!injected) await c.close();
    }
  }

  /**
   * Runs `work` with reads of objects: locally through the running `jobctl up` (object-reads.ts: no database client to
   * load, the bulk of `get`'s start-up), else — no runtime, one still starting or too old to serve reads, or `--context
   * aws` — through a connection, as {@link withConnection}. A runtime that stops after answering is an error: the
   * output so far would otherwise be printed twice.
   */
  async function withReads<T>(work: (r: ObjectReads) => Promise<T>): Promise<T> {
    if (contextOf() === 'local' && penv.connect === undefined) {
      const runtime = await findRuntime(stateDir);
      if (runtime?.controlUrl !== undefined) {
        const { runtimeObjectReads, ReadsNotServed } = await import('../runtime/local/object-reads.ts');
        const reads = runtimeObjectReads(runtime);
        try {
          return await work(reads);
        } catch (error) {
          if (!(error instanceof ReadsNotServed) || reads.answered) throw error;
        }
      }
    }
    return withConnection(work);
  }

  const program = new Command('jobctl')
    .description('Kubernetes CronJobs and Jobs, on one machine (`jobctl up`) or serverless on AWS')
    .option(
      '--context <name>',
      'where to work: local (jobctl up, the default) or aws (a deployed stack); env JOBCTL_CONTEXT',
    )
    .option('--stack <name>', `the CloudFormation stack of --context aws; env JOBCTL_STACK (default Jobctl)`)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .exitOverride();

  const ctx: CliContext = {
    io,
    env,
    cwd,
    stateDir,
    readStdin,
    ...(penv.signal === undefined ? {} : { signal: penv.signal }),
    contextOf,
    withConnection,
    withReads,
    notifyAndHint,
  };
  // One register function per verb (or family of verbs), each in its own file, in VERBS' order: `jobctl --help`'s.
  for (const register of registers) register(program, ctx);
  return program;

  async function notifyAndHint(c: Connection, changes: Change[]): Promise<void> {
    await c.notify(changes);
    if (!c.isRuntimeRunning && contextOf() === 'local')
      io.stderr(
        `note: no jobctl runtime is running for ${stateDir}; start one with \`npm start\` (jobctl up) to act on it\n`,
      );
  }
}

/** Runs one command line; returns the exit code (errors are one clear line on stderr). */
export async function runCli(argv: readonly string[], penv: ProgramEnv): Promise<number> {
  let code = 0;
  const io: CliIo = {
    ...penv.io,
    setExitCode: (c) => {
      code = c;
      penv.io.setExitCode(c);
    },
  };
  try {
    await (await buildProgram({ ...penv, io }, argv)).parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? code : error.exitCode;
    io.stderr(`${formatError(error)}\n`);
    return 1;
  }
  return code;
}

export function formatError(error: unknown): string {
  if (error instanceof ValidationErrors) return error.errors.map((e) => `error: ${e.message}`).join('\n');
  // kubectl's own forms ("Error from server (NotFound): …", "The CronJob "x" is invalid: …") are printed as they are.
  if (error instanceof JobctlError)
    return /^(error|Error|The )/.test(error.message) ? error.message : `error: ${error.message}`;
  return `error: ${(error as Error).message ?? String(error)}`;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
