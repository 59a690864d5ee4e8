import { LocalRuntime } from '../local/runtime.ts';
import type { CliIo } from './io.ts';

/**
 * `jobctl up`: runs the embedded runtime in the foreground until Ctrl-C (SIGINT) or SIGTERM, then stops every task,
 * records how they ended, and closes the state cleanly so the next `jobctl up` resumes exactly where this one stopped.
 */
export async function runUp(options: { io: CliIo; stateDir: string; cwd: string; signal?: AbortSignal }): Promise<void> {
  const { io } = options;
  const stamp = () => new Date().toISOString().slice(11, 19);
  const runtime = new LocalRuntime({
    stateDir: options.stateDir,
    cwd: options.cwd,
    log: (line) => io.stdout(`${stamp()} ${line}\n`),
  });
  const info = await runtime.start();
  const cronJobs = await runtime.store.list('CronJob', 'default');
  const quotas = await runtime.quotas.list('default');
  const cap = quotas.length === 0 ? 'no limit' : `at most ${Math.min(...quotas.map((q) => q.hard.pods))} (${quotas.map((q) => `resourcequota/${q.name}`).join(', ')}; apply a ResourceQuota of your own to change it)`;
  io.stdout(
    [
      `jobctl runtime up (pid ${info.pid})`,
      `  state:    ${info.stateDir}`,
      `  DynamoDB: ${info.dynamodbEndpoint} (table jobctl; requests signed with the credentials in ${info.stateDir}/runtime.json, which only you can read)`,
      `  ${cronJobs.length} cronjob(s) loaded; apply more from another terminal: npx jobctl apply -f examples/hello/cronjob.yaml`,
      `  tasks at once: ${cap}`,
      `  Ctrl-C to stop`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    options.signal?.addEventListener('abort', done, { once: true });
  });
  io.stdout(`${stamp()} stopping: ending running tasks and closing state…\n`);
  await runtime.stop();
  io.stdout(`${stamp()} stopped\n`);
}
