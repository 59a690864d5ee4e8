/**
 * `jobctl version`: kubectl version's shape (staging/src/k8s.io/kubectl/pkg/cmd/version/version.go) — `Client
 * Version: v0.1.0` (this package's version) and, when a runtime serves the state directory (or with `--context aws`,
 * once the stack is reached), `Server Version:` as the Kubernetes API of `jobctl up` reports it on `/version`
 * (`v1.32.0-jobctl`, so the two agree with `kubectl version`). `--client` prints the client's alone; `-o json|yaml` the
 * `version.Info` objects, as kubectl prints them. jobctl bundles no kustomize: no `Kustomize Version` line.
 */
import type { Command } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { JobctlError } from '../errors.ts';
import { versionInfo } from '../kube-api/discovery.ts';
import { findRuntime } from '../runtime/local/state-dir.ts';
import type { CliContext } from './context.ts';
import { parseGoBool } from './get-output.ts';
import { loadYaml, toYaml } from './printers/output.ts';

/** kubectl's `version.Info`, field for field in its JSON order. */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

/** jobctl's own version as kubectl reports a client's: `v` and package.json's version. */
export function clientVersionInfo(version: string = packageJson.version): VersionInfo {
  const [major = '', minor = ''] = version.split('.');
  return {
    major,
    minor,
    gitVersion: `v${version}`,
    gitCommit: '',
    gitTreeState: '',
    buildDate: '',
    goVersion: 'jobctl',
    compiler: 'jobctl',
    platform: `${process.platform}/${process.arch}`,
  };
}

/**
 * What `jobctl version` prints for `output` (`''` is text): kubectl's `Client Version: …` lines, or its JSON
 * (`MarshalIndent` with two spaces, fields in struct order) or YAML (sorted keys, then `Println`'s extra newline).
 */
export function renderVersion(client: VersionInfo, server: VersionInfo | undefined, output: string): string {
  const versions = { clientVersion: client, ...(server === undefined ? {} : { serverVersion: server }) };
  if (output === 'json') return `${JSON.stringify(versions, null, 2)}\n`;
  if (output === 'yaml') return `${toYaml(versions)}\n`;
  const serverLine = server === undefined ? '' : `Server Version: ${server.gitVersion}\n`;
  return `Client Version: ${client.gitVersion}\n${serverLine}`;
}

/** Adds `jobctl version` to `program`. */
export function registerVersionCommand(program: Command, ctx: CliContext): void {
  const { io } = ctx;
  program
    .command('version')
    .argument('[args...]')
    .description('print the client and server versions (kubectl version): the server is the runtime, when one runs')
    .option('--client [bool]', 'the client version only, without asking a runtime', (v) => parseGoBool(v, 'client'))
    .option('-o, --output <format>', "one of 'yaml' or 'json'")
    .action(async (args: string[], opts: { client?: boolean; output?: string }) => {
      // version.go: Complete rejects arguments, then Validate the output format, before anything is printed.
      if (args.length > 0) throw new JobctlError('Validation', `error: extra arguments: [${args.join(' ')}]`);
      const output = (opts.output ?? '').replace(/^=/, '');
      if (output !== '' && output !== 'json' && output !== 'yaml')
        throw new JobctlError('Validation', "error: --output must be 'yaml' or 'json'");
      if (output === 'yaml') await loadYaml();
      const client = clientVersionInfo();
      if (opts.client === true) return io.stdout(renderVersion(client, undefined, output));
      let server: VersionInfo | undefined;
      let failure: unknown;
      try {
        server = await serverVersion(ctx);
      } catch (error) {
        failure = error;
      }
      io.stdout(renderVersion(client, server, output));
      // As kubectl: the client's version first, then why the server's could not be had.
      if (failure !== undefined) throw failure;
    });
}

/**
 * The server's version: the one the Kubernetes API of `jobctl up` (or `jobctl proxy`) serves, when a runtime serves
 * the state directory locally (none: no server line, as jobctl works on the stored state without one), or once the
 * stack of `--context aws` is reached.
 */
async function serverVersion(ctx: CliContext): Promise<VersionInfo | undefined> {
  if (ctx.contextOf() === 'aws') return ctx.withConnection(async () => versionInfo() as VersionInfo);
  return (await findRuntime(ctx.stateDir)) === undefined ? undefined : (versionInfo() as VersionInfo);
}
