import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { selfSignedCertificate } from '../adapters/tls/self-signed-certificate.ts';
import { JobctlError } from '../errors.ts';
import { serveKubeApi } from '../kube-api/server.ts';
import { writeKubeconfigFile } from '../runtime/local/kubeconfig.ts';
import type { CliContext } from './context.ts';

/**
 * `proxy`: the Kubernetes API of `jobctl up`, served on loopback over the context's connection — with `--context
 * aws`, a deployed stack's table, logs and controllers through the user's AWS credentials — so `kubectl` works against
 * a stack too. Runs in the foreground until Ctrl-C; writes a kubeconfig (0600) for it.
 */
export function registerProxyCommand(program: Command, ctx: CliContext): void {
  const { io, withConnection, contextOf, stateDir, cwd } = ctx;
  program
    .command('proxy')
    .description(
      'serve the Kubernetes API for kubectl on 127.0.0.1 over the context (with --context aws: a deployed stack) ' +
        'until Ctrl-C, and write its kubeconfig',
    )
    .option('--port <port>', 'port to listen on (default: any free port)')
    .option('--kubeconfig <path>', 'where to write the kubeconfig (default: <state dir>/kubeconfig-<context>)')
    .action(async (opts: { port?: string; kubeconfig?: string }) => {
      const port = opts.port === undefined ? 0 : Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new JobctlError('Validation', `error: --port "${opts.port}" must be a port number (0-65535)`);
      const path = resolve(cwd, opts.kubeconfig ?? `${stateDir}/kubeconfig-${contextOf()}`);
      await withConnection(async (connection) => {
        const token = randomBytes(32).toString('base64url');
        const tls = await selfSignedCertificate(Date.now());
        const api = await serveKubeApi({ connection, token, tls, port, onAws: contextOf() === 'aws' });
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        await writeKubeconfigFile(path, api.url, token, tls.cert);
        io.stdout(`serving the Kubernetes API of context ${contextOf()} at ${api.url}\n`);
        io.stdout(`  kubectl:  export KUBECONFIG=${path}\n  Ctrl-C to stop\n`);
        await new Promise<void>((resolve) => {
          const done = () => {
            process.off('SIGINT', done);
            process.off('SIGTERM', done);
            resolve();
          };
          process.once('SIGINT', done);
          process.once('SIGTERM', done);
          if (ctx.signal?.aborted) done();
          ctx.signal?.addEventListener('abort', done, { once: true });
        });
        await api.close();
      });
    });
}
