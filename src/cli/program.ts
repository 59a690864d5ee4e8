import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { Command, CommanderError } from 'commander';
import { SystemClock } from '../adapters/clock/clock.ts';
import { JobctlError, ValidationErrors } from '../errors.ts';
import type { Change } from '../ports/changes.ts';
import type { Connection } from '../ports/connection.ts';
import { connectAws, resolveAwsTarget } from '../runtime/lambda/connect.ts';
import { connectLocal } from '../runtime/local/connect.ts';
import { resolveStateDir } from '../runtime/local/state-dir.ts';
import { registerApplyCommands } from './apply-command.ts';
import type { CliContext } from './context.ts';
import { registerCronCommands } from './cron-command.ts';
import { registerDeleteCommand } from './delete-command.ts';
import { registerDescribeCommand } from './describe-command.ts';
import { registerExpandCommand } from './expand-command.ts';
import { registerFailuresCommand } from './failures-command.ts';
import { registerGetCommand } from './get-command.ts';
import type { CliIo } from './io.ts';
import { registerLogsCommand } from './logs-command.ts';
import { registerPatchCommands } from './patch-command.ts';
import { registerQueueCommands } from './queue-command.ts';
import { registerUpCommand } from './up.ts';
import { registerWaitCommand } from './wait-command.ts';
import { registerWorkerCommand } from './worker-command.ts';

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

/** The `jobctl` command line, kubectl-shaped. Commands run in-process so tests drive them with a fake `CliIo`. */
export function buildProgram(penv: ProgramEnv): Command {
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
          : await connectLocal(stateDir);
    try {
      return await work(c);
    } finally {
      if (!injected) await c.close();
    }
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
    notifyAndHint,
  };
  // One register function per verb (or family of verbs), each in its own file; this order is `jobctl --help`'s.
  registerUpCommand(program, ctx);
  registerApplyCommands(program, ctx);
  registerGetCommand(program, ctx);
  registerDescribeCommand(program, ctx);
  registerLogsCommand(program, ctx);
  registerDeleteCommand(program, ctx);
  registerPatchCommands(program, ctx);
  registerCronCommands(program, io);
  registerWorkerCommand(program, ctx);
  registerQueueCommands(program, ctx);
  registerExpandCommand(program, ctx);
  registerWaitCommand(program, ctx);
  registerFailuresCommand(program, ctx);
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
  if (error instanceof JobctlError)
    return /^(error|Error|The )/.test(error.message) ? error.message : `error: ${error.message}`;
  return `error: ${(error as Error).message ?? String(error)}`;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
