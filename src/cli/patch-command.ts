import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { JobctlError, ValidationErrors } from '../errors.ts';
import { withoutGeneratedSelector } from '../engine/job-selector.ts';
import { validateManifest } from '../spec/index.ts';
import type { CronJob, Job, Kind } from '../spec/types.ts';
import { applyManifests } from './apply.ts';
import { assertNotStackDeclared, assertRunsOnEventBridge, mustGet, NAMESPACE, type CliContext } from './context.ts';
import { parseResourceType, parseTypedName } from './resources.ts';

/** `patch TYPE NAME -p PATCH` (JSON merge patch), and `suspend`/`resume` of a CronJob. */
export function registerPatchCommands(program: Command, ctx: CliContext): void {
  const { io, contextOf, withConnection, notifyAndHint } = ctx;
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

  for (const [verb, suspend] of [
    ['suspend', true],
    ['resume', false],
  ] as const) {
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
      const suspendOnly =
        isDeepStrictEqual(Object.keys((patch as object) ?? {}), ['spec']) &&
        isDeepStrictEqual(Object.keys((patch as { spec?: object }).spec ?? {}), ['suspend']);
      if (!suspendOnly)
        assertNotStackDeclared(
          existing,
          'patch',
          'change the config file and run cdk deploy; only spec.suspend (jobctl suspend/resume) may change here',
        );
      const editable = existing.kind === 'Job' ? withoutGeneratedSelector(existing) : (existing as CronJob);
      const { metadata, status, ...rest } = editable;
      const merged = mergePatch(
        {
          ...rest,
          metadata: {
            name: metadata.name,
            namespace: metadata.namespace,
            labels: metadata.labels,
            annotations: metadata.annotations,
          },
        },
        patch,
      );
      let validated: CronJob | Job;
      try {
        validated = validateManifest(merged, `patch ${kind.toLowerCase()}/${name}`).objects[0] as CronJob | Job;
      } catch (error) {
        if (!(error instanceof ValidationErrors)) throw error;
        // kubectl's wording for a patch the API server rejects.
        throw new JobctlError(
          'Validation',
          `The ${kind} "${name}" is invalid: ${error.errors.map((e) => `${e.path}: ${e.detail}`).join(', ')}`,
        );
      }
      if (contextOf() === 'aws') assertRunsOnEventBridge([validated]);
      const outcomes = await applyManifests(c.store, [validated], { allowStackDeclared: suspendOnly });
      const o = outcomes[0]!;
      io.stdout(
        `${o.kind === 'CronJob' ? 'cronjob' : 'job'}.batch/${o.name} ` +
          `${o.action === 'unchanged' ? 'patched (no change)' : 'patched'}\n`,
      );
      await notifyAndHint(c, [{ kind: o.kind, key: { namespace: NAMESPACE, name } }]);
    });
  }
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
