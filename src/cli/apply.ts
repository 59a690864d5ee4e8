import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { withGeneratedSelector } from '../engine/job-selector.ts';
import { ConflictError, JobctlError } from '../errors.ts';
import { assertJobUpdatable } from '../engine/job-updates.ts';
import type { StateStore } from '../ports/state-store.ts';
import { declaringStack, managedByAnnotation } from '../spec/ownership.ts';
import type { CronJob, Job } from '../spec/types.ts';

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ApplyOutcome {
  kind: 'CronJob' | 'Job';
  name: string;
  namespace: string;
  action: ApplyAction;
  /** For `configured`: each changed field as `path: old → new`, what `--dry-run` shows. */
  changes?: string[];
}

interface PlannedWrite {
  outcome: ApplyOutcome;
  write?: () => Promise<unknown>;
}

/**
 * `kubectl apply` for validated manifests: creates what is absent, updates the spec, labels and annotations of
 * what exists (status, uid and creation time are kept). Every object is checked before anything is written, so an
 * immutable-field error in the third document leaves the first two untouched. `createOnly` is `kubectl create`.
 */
export async function applyManifests(
  store: StateStore,
  objects: ReadonlyArray<CronJob | Job>,
  options: { dryRun?: boolean; createOnly?: boolean; allowStackDeclared?: boolean } = {},
): Promise<ApplyOutcome[]> {
  for (let attempt = 1; ; attempt++) {
    const plan: PlannedWrite[] = [];
    for (const obj of objects) plan.push(await planOne(store, obj, options.createOnly ?? false, options.allowStackDeclared ?? false));
    if (options.dryRun) return plan.map((p) => p.outcome);
    try {
      for (const p of plan) await p.write?.();
      return plan.map((p) => p.outcome);
    } catch (error) {
      // A controller wrote status between our read and our write: read again and re-apply (idempotent).
      if (error instanceof ConflictError && attempt < 5) continue;
      throw error;
    }
  }
}

async function planOne(store: StateStore, manifest: CronJob | Job, createOnly: boolean, allowStackDeclared: boolean): Promise<PlannedWrite> {
  const { namespace, name } = manifest.metadata;
  const outcome = (action: ApplyAction): ApplyOutcome => ({ kind: manifest.kind, name, namespace, action });
  const existing = await store.get(manifest.kind, { namespace, name });
  const claimed = manifest.metadata.annotations?.[managedByAnnotation];
  if (claimed !== undefined && claimed !== existing?.metadata.annotations?.[managedByAnnotation]) {
    // Only cdk deploy may mark an object as the stack's: a copied annotation would make it unmanageable by both.
    throw new JobctlError('Validation', `error: ${manifest.kind.toLowerCase()} "${name}": metadata.annotations[${managedByAnnotation}]: cdk deploy sets it on what the config file declares; remove it from the manifest`);
  }
  // A Job gets its uid and generated selector now, as the API server does on create; an existing Job's uid is used
  // so that re-applying the same file compares equal.
  const obj: CronJob | Job =
    manifest.kind === 'Job' ? withGeneratedSelector({ ...manifest, metadata: { ...manifest.metadata, uid: existing?.metadata.uid ?? randomUUID() } }) : manifest;
  if (!existing) return { outcome: outcome('created'), write: () => store.create(obj) };
  if (createOnly) throw new JobctlError('AlreadyExists', `Error from server (AlreadyExists): ${resource(obj.kind)} "${name}" already exists`);
  const stack = declaringStack(existing);
  if (stack !== undefined && !allowStackDeclared) {
    // The next cdk deploy would undo the change: the config file owns this object (docs/design-notes.md).
    throw new JobctlError('Conflict', `error: ${obj.kind.toLowerCase()} "${name}" is declared in the config file of CDK stack ${stack}: change it there and run cdk deploy (jobctl suspend/resume work on it)`);
  }
  if (obj.kind === 'Job') assertJobUpdatable(existing as Job, obj);
  const sameSpec = isDeepStrictEqual(existing.spec, obj.spec);
  const sameMeta = isDeepStrictEqual(existing.metadata.labels ?? {}, obj.metadata.labels ?? {}) && isDeepStrictEqual(existing.metadata.annotations ?? {}, obj.metadata.annotations ?? {});
  if (sameSpec && sameMeta) return { outcome: outcome('unchanged') };
  const updated = {
    ...existing,
    metadata: { ...existing.metadata, labels: obj.metadata.labels, annotations: obj.metadata.annotations },
    spec: obj.spec,
  } as CronJob | Job;
  const changes = [
    ...diffPaths('metadata.labels', existing.metadata.labels ?? {}, obj.metadata.labels ?? {}),
    ...diffPaths('metadata.annotations', existing.metadata.annotations ?? {}, obj.metadata.annotations ?? {}),
    ...diffPaths('spec', existing.spec, obj.spec),
  ];
  return { outcome: { ...outcome('configured'), changes }, write: () => store.update(updated) };
}

export function resource(kind: 'CronJob' | 'Job' | 'Pod'): string {
  return kind === 'CronJob' ? 'cronjobs.batch' : kind === 'Job' ? 'jobs.batch' : 'pods';
}

/** Leaf-level differences between two JSON values, as `path: old → new` lines. */
export function diffPaths(path: string, before: unknown, after: unknown): string[] {
  if (isDeepStrictEqual(before, after)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffPaths(`${path}.${k}`, before[k], after[k]));
  }
  const show = (v: unknown) => (v === undefined ? '<unset>' : JSON.stringify(v));
  return [`${path}: ${show(before)} → ${show(after)}`];
}
