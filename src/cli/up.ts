import { DatabaseFailure, diskFullFailure, isDiskFull } from '../runtime/local/database-watch.ts';
import { LocalRuntime } from '../runtime/local/runtime.ts';
import type { Command } from 'commander';
import { JobctlError } from '../errors.ts';
import type { CliContext } from './context.ts';
import type { CliIo } from './io.ts';

/** `up`: the embedded runtime in the foreground. */
export function registerUpCommand(program: Command, ctx: CliContext): void {
  const { io, stateDir, cwd, contextOf } = ctx;
  program
    .command('up')
    .description(
      'run the embedded runtime in the foreground (state in $JOBCTL_STATE_DIR or ./.jobctl); Ctrl-C stops it',
    )
    .action(async () => {
      if (contextOf() === 'aws')
        throw new JobctlError(
          'Validation',
          "error: jobctl up runs the embedded runtime on this machine; on AWS the stack's Lambdas are the runtime " +
            '(npx cdk deploy)',
        );
      await runUp({ io, stateDir, cwd, signal: ctx.signal });
    });
}

/**
 * `jobctl up`: runs the embedded runtime in the foreground until Ctrl-C (SIGINT) or SIGTERM, then stops every task,
 * records how they ended, and closes the state cleanly so the next `jobctl up` resumes exactly where this one stopped.
 */
export async function runUp(options: {
  io: CliIo;
  stateDir: string;
  cwd: string;
  signal?: AbortSignal;
}): Promise<void> {
  const { io } = options;
  const stamp = () => new Date().toISOString().slice(11, 19);
  const runtime = new LocalRuntime({
    stateDir: options.stateDir,
    cwd: options.cwd,
    log: (line) => io.stdout(`${stamp()} ${line}\n`),
  });
  // A full disk at start (runtime.json, the db's first write) says so in one line, as one while running does.
  const info = await runtime.start().catch(async (error: unknown) => {
    throw isDiskFull(error) && !(error instanceof DatabaseFailure)
      ? await diskFullFailure(error, options.stateDir)
      : error;
  });
  const cronJobs = await runtime.store.list('CronJob', 'default');
  const quotas = await runtime.quotas.list('default');
  const cap =
    quotas.length === 0
      ? 'no limit'
      : `at most ${Math.min(...quotas.map((q) => q.hard.pods))} ` +
        `(${quotas.map((q) => `resourcequota/${q.name}`).join(', ')}; apply a ResourceQuota of your own to change it)`;
  io.stdout(
    [
      `jobctl runtime up (pid ${info.pid})`,
      `  state:    ${info.stateDir}`,
      `  DynamoDB: ${info.dynamodbEndpoint} (table jobctl; requests signed with the credentials in ` +
        `${info.stateDir}/runtime.json, which only you can read)`,
      `  ${cronJobs.length} cronjob(s) loaded; apply more from another terminal: npx jobctl apply -f ` +
        `examples/hello/cronjob.yaml`,
      `  tasks at once: ${cap}`,
      `  Ctrl-C to stop`,
      '',
    ].join('\n'),
  );
  const failure = await new Promise<Error | undefined>((resolve) => {
    const done = () => resolve(undefined);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    options.signal?.addEventListener('abort', done, { once: true });
    void runtime.failed.then(resolve);
  });
  io.stdout(`${stamp()} stopping: ending running tasks and closing state…\n`);
  await runtime.stop();
  io.stdout(`${stamp()} stopped\n`);
  // The database died or the disk is full: the CLI prints the one line (`error: …`) and exits 1.
  if (failure) throw failure;
}
