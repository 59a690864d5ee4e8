import type { Command } from 'commander';
import { Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { JobctlError } from '../errors.ts';
import type { CronJob, Job, Kind } from '../spec/types.ts';
import { mustGet, NAMESPACE, type CliContext } from './context.ts';
import { type PatchType, patchObject } from './patch.ts';
import { parseResourceArgs, parseTypedName } from './resources.ts';

/**
 * `patch TYPE NAME… -p PATCH` and `patch TYPE/NAME… -p PATCH` (strategic merge by default, as kubectl; `--type merge`
 * or `json`), through the same `patchObject` as the Kubernetes API; `suspend`/`resume` of a CronJob.
 */
export function registerPatchCommands(program: Command, ctx: CliContext): void {
  const { io, contextOf, withConnection, notifyAndHint } = ctx;
  program
    .command('patch')
    .argument('[resources...]', 'TYPE NAME... or TYPE/NAME...: cronjobs, jobs')
    .description('change a cronjob or job with a patch, e.g. -p \'{"spec":{"suspend":true}}\'')
    .requiredOption('-p, --patch <patch>', 'the patch, JSON (or YAML)')
    .addOption(
      new Option('--type <type>', 'patch type, as kubectl: strategic merge, JSON merge (RFC 7386) or JSON patch')
        .choices(['strategic', 'merge', 'json'])
        .default('strategic'),
    )
    .action(async (args: string[], opts: { patch: string; type: PatchType }) => {
      // kubectl patch: ResourceTypeOrNameArgs(false, …), then each object in turn, the first error ending it.
      const request = parseResourceArgs(args);
      let patch: unknown;
      try {
        patch = parseYaml(opts.patch);
      } catch (error) {
        throw new JobctlError('Validation', `error: unable to parse "${opts.patch}": ${(error as Error).message}`);
      }
      if (request.kind === 'named')
        for (const { type, name } of request.targets) await patchNamed(type, name, patch, opts.type);
    });

  for (const [verb, suspend] of [
    ['suspend', true],
    ['resume', false],
  ] as const) {
    program
      .command(`${verb} <name>`)
      .description(`${verb} a cronjob (shortcut for patch cronjob NAME -p '{"spec":{"suspend":${suspend}}}')`)
      .action(async (arg: string) => {
        const target = parseTypedName(arg, 'CronJob');
        await patchNamed(target.kind ?? 'CronJob', target.name, { spec: { suspend } }, 'merge');
      });
  }

  async function patchNamed(kind: Kind, name: string, patch: unknown, type: PatchType): Promise<void> {
    if (kind === 'Pod') throw new JobctlError('Validation', 'error: pods cannot be patched; patch their job');
    await withConnection(async (c) => {
      const existing = (await mustGet(c, kind, name)) as CronJob | Job;
      const { outcome: o } = await patchObject(c, existing, patch, { type, onAws: contextOf() === 'aws' });
      io.stdout(
        `${o.kind === 'CronJob' ? 'cronjob' : 'job'}.batch/${o.name} ` +
          `${o.action === 'unchanged' ? 'patched (no change)' : 'patched'}\n`,
      );
      await notifyAndHint(c, [{ kind: o.kind, key: { namespace: NAMESPACE, name } }]);
    });
  }
}
