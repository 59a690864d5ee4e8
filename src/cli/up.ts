import { DatabaseFailure, diskFullFailure, isDiskFull } from '../runtime/local/database-watch.ts';
import { randomBytes } from 'node:crypto';
import { LocalRuntime } from '../runtime/local/runtime.ts';
import { connectLocal } from '../runtime/local/connect.ts';
import { previousKubeApiPort, writeKubeconfig } from '../runtime/local/kubeconfig.ts';
import { type KubeApi, serveKubeApi } from '../kube-api/server.ts';
import { selfSignedCertificate } from '../adapters/tls/self-signed-certificate.ts';
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
    .option('--notify <url>', "POST each CronJob's health transition (Failing, Missed, Stuck, Recovered) to this URL")
    .action(async (opts: { notify?: string }) => {
      if (opts.notify !== undefined && !/^https?:\/\/[^\s]+$/.test(opts.notify))
        throw new JobctlError('Validation', `error: invalid --notify "${opts.notify}": expected an http(s) URL`);
      if (contextOf() === 'aws')
        throw new JobctlError(
          'Validation',
          "error: jobctl up runs the embedded runtime on this machine; on AWS the stack's Lambdas are the runtime " +
            '(npx cdk deploy)',
        );
      await runUp({
        io,
        stateDir,
        cwd,
        signal: ctx.signal,
        ...(opts.notify === undefined ? {} : { notifyUrl: opts.notify }),
      });
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
  /** `--notify`: where health transitions are POSTed. */
  notifyUrl?: string;
}): Promise<void> {
  const { io } = options;
  const stamp = () => new Date().toISOString().slice(11, 19);
  const runtime = new LocalRuntime({
    stateDir: options.stateDir,
    cwd: options.cwd,
    log: (line) => io.stdout(`${stamp()} ${line}\n`),
    ...(options.notifyUrl === undefined ? {} : { notifyUrl: options.notifyUrl }),
  });
  // A full disk at start (runtime.json, the db's first write) says so in one line, as one while running does.
  const info = await runtime.start().catch(async (error: unknown) => {
    throw isDiskFull(error) && !(error instanceof DatabaseFailure)
      ? await diskFullFailure(error, options.stateDir)
      : error;
  });
  // The Kubernetes API for kubectl and client libraries, over the same connection the CLI uses.
  const kubeConnection = await connectLocal(options.stateDir);
  const kubeApi = await serveKubeApiOnStablePort(kubeConnection, options.stateDir);
  const cronJobs = await runtime.store.list('CronJob', 'default');
  const quotas = await runtime.quotas.list('default');
  const cap =
    quotas.length === 0
      ? 'no limit'
      : `at most ${Math.min(...quotas.map((q) => q.hard.pods))} ` +
        `(${quotas.map((q) => `resourcequota/${q.name}`).join(', ')}; apply a ResourceQuota of your own to change it)`;
  const notifyNote =
    options.notifyUrl === undefined ? ' (--notify URL posts them too)' : ` and POSTed to ${options.notifyUrl}`;
  io.stdout(
    [
      `jobctl runtime up (pid ${info.pid})`,
      `  state:    ${info.stateDir}`,
      `  DynamoDB: ${info.dynamodbEndpoint} (table jobctl; requests signed with the credentials in ` +
        `${info.stateDir}/runtime.json, which only you can read)`,
      `  ${cronJobs.length} cronjob(s) loaded; apply more from another terminal: npx jobctl apply -f ` +
        `examples/hello/cronjob.yaml`,
      `  tasks at once: ${cap}`,
      `  health:   transitions in this log${notifyNote}`,
      `  kubectl:  export KUBECONFIG=${kubeApi.kubeconfig}   (context jobctl, ${kubeApi.url})`,
      ...(info.metricsUrl === undefined
        ? []
        : [`  metrics:  ${info.metricsUrl} (Prometheus text; bearer token in ${info.stateDir}/metrics-token)`]),
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
  await kubeApi.close();
  await kubeConnection.close();
  await runtime.stop();
  io.stdout(`${stamp()} stopped\n`);
  // The database died or the disk is full: the CLI prints the one line (`error: …`) and exits 1.
  if (failure) throw failure;
}

/**
 * Serves the Kubernetes API on the port the last `jobctl up` here used when it is free (kubectl caches discovery per
 * port), else on any, and writes the kubeconfig naming it with a new token.
 */
async function serveKubeApiOnStablePort(
  connection: Awaited<ReturnType<typeof connectLocal>>,
  stateDir: string,
): Promise<KubeApi & { kubeconfig: string }> {
  const token = randomBytes(32).toString('base64url');
  const tls = await selfSignedCertificate(Date.now());
  const previous = await previousKubeApiPort(stateDir);
  let api: KubeApi;
  try {
    api = await serveKubeApi({ connection, token, tls, port: previous ?? 0 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    api = await serveKubeApi({ connection, token, tls, port: 0 });
  }
  const kubeconfig = await writeKubeconfig(stateDir, api.url, token, tls.cert);
  return { ...api, kubeconfig };
}
