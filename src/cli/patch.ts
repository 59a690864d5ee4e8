import { isDeepStrictEqual } from 'node:util';
import fastJsonPatch from 'fast-json-patch';
import { withoutGeneratedSelector } from '../engine/job-selector.ts';
import { JobctlError, ValidationErrors } from '../errors.ts';
import type { Connection } from '../ports/connection.ts';
import { validateManifest } from '../spec/load.ts';
import { mergePatch, PatchError, strategicMerge } from '../spec/strategic-merge.ts';
import type { CronJob, Job } from '../spec/types.ts';
import { type ApplyOutcome, applyManifests, assertRunsOnEventBridge } from './apply.ts';
import { assertNotStackDeclared } from './context.ts';

/**
 * `kubectl patch` as the API server does it, for `jobctl patch` and the Kubernetes API façade alike: the patch is
 * applied to the object's editable part (spec, labels, annotations; never status or server-set metadata), the result
 * validated as a manifest and written with `applyManifests` — so a patch that changes nothing writes nothing and
 * keeps the resourceVersion (kubectl then prints `patched (no change)`). A stack's CronJob or Job only takes
 * `spec.suspend`.
 */
export type PatchType = 'merge' | 'strategic' | 'json';

export interface PatchOptions {
  readonly type: PatchType;
  /** On AWS a CronJob's schedule must be one EventBridge can express. */
  readonly onAws?: boolean;
  readonly dryRun?: boolean;
}

export async function patchObject(
  c: Pick<Connection, 'store'>,
  existing: CronJob | Job,
  patch: unknown,
  options: PatchOptions,
): Promise<{ object: CronJob | Job; outcome: ApplyOutcome }> {
  const { kind } = existing;
  const { name } = existing.metadata;
  const suspendOnly =
    options.type !== 'json' &&
    isDeepStrictEqual(Object.keys((patch as object) ?? {}), ['spec']) &&
    isDeepStrictEqual(Object.keys((patch as { spec?: object }).spec ?? {}), ['suspend']);
  if (!suspendOnly)
    assertNotStackDeclared(
      existing,
      'patch',
      'change the config file and run cdk deploy; only spec.suspend (jobctl suspend/resume) may change here',
    );
  const editable = existing.kind === 'Job' ? withoutGeneratedSelector(existing) : existing;
  const { metadata, status: _, ...rest } = editable;
  const base = {
    ...rest,
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      labels: metadata.labels,
      annotations: metadata.annotations,
    },
  };
  let patched: unknown;
  try {
    patched = applyPatch(base, patch, options.type);
  } catch (error) {
    throw new JobctlError('Validation', `error: the patch cannot be applied: ${(error as Error).message}`);
  }
  let validated: CronJob | Job;
  try {
    validated = validateManifest(patched, `patch ${kind.toLowerCase()}/${name}`).objects[0] as CronJob | Job;
  } catch (error) {
    if (!(error instanceof ValidationErrors)) throw error;
    // kubectl's wording for a patch the API server rejects.
    throw new JobctlError(
      'Validation',
      `The ${kind} "${name}" is invalid: ${error.errors.map((e) => `${e.path}: ${e.detail}`).join(', ')}`,
      { cause: error },
    );
  }
  if (validated.metadata.name !== name)
    throw new JobctlError('Validation', `The ${kind} "${name}" is invalid: metadata.name: field is immutable`);
  if (options.onAws) assertRunsOnEventBridge([validated]);
  const [outcome] = await applyManifests(c.store, [validated], {
    allowStackDeclared: suspendOnly,
    dryRun: options.dryRun ?? false,
  });
  const object = options.dryRun ? validated : await c.store.get(kind, { namespace: metadata.namespace, name });
  if (object === undefined) throw new JobctlError('NotFound', `${kind} "${name}" was deleted as it was patched`);
  return { object, outcome: outcome! };
}

function applyPatch(base: object, patch: unknown, type: PatchType): unknown {
  switch (type) {
    case 'merge':
      return mergePatch(base, patch);
    case 'strategic':
      return strategicMerge(base, patch);
    case 'json': {
      if (!Array.isArray(patch)) throw new PatchError('a JSON patch is a list of operations');
      const error = fastJsonPatch.validate(patch as fastJsonPatch.Operation[], base);
      if (error !== undefined) throw new PatchError(error.message.split('\n')[0]);
      return fastJsonPatch.applyPatch(structuredClone(base), patch as fastJsonPatch.Operation[]).newDocument;
    }
  }
}
