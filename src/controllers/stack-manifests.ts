import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { requestJobDeletion } from './delete-job.ts';
import type { ControllerDeps } from './deps.ts';
import { withGeneratedSelector } from '../engine/job-selector.ts';
import { assertJobUpdatable } from '../engine/job-updates.ts';
import { ConflictError, JobctlError } from '../errors.ts';
import type { StateStore } from '../ports/state-store.ts';
import { declaringStack, managedByAnnotation, stackManager } from '../spec/ownership.ts';
import type { CronJob, Job, ResourceQuotaManifest, WorkQueueManifest } from '../spec/types.ts';
import type { WorkQueue } from '../ports/work-queue.ts';
import type { QuotaObjects } from '../ports/resource-quotas.ts';

/** A validated manifest of a stack's config file. */
export type StackManifest = CronJob | Job;

export interface StackObjectOutcome {
  kind: 'CronJob' | 'Job' | 'WorkQueue' | 'ResourceQuota';
  name: string;
  action: 'created' | 'configured' | 'unchanged' | 'deleted' | 'not-recreated';
}

type Deps = Pick<ControllerDeps, 'store' | 'clock'>;

interface PlannedWrite {
  outcome: StackObjectOutcome;
  write?: () => Promise<unknown>;
}

/** How many times the whole plan is re-read after a controller wrote status between our read and our write. */
const MAX_PLAN_ATTEMPTS = 5;

/**
 * What `cdk deploy` does to the state table for the manifests of a stack's config file (the Manifests custom
 * resource; `functions/manifests.ts`). Everything is checked before anything is written, so a refused object leaves
 * the table as the previous deploy left it (and CloudFormation rolls the stack back).
 *
 * - A declared object that is absent is created, annotated {@link managedByAnnotation} `cdk/<stack>`.
 * - A CronJob that exists gets the file's labels, annotations and spec; its status (history, last schedule) is kept.
 *   `spec.suspend` is the exception: `jobctl suspend`/`resume` may have changed it since, and the deploy keeps that
 *   unless the file's own `suspend` changed since the previous deploy (`previous`), as kubectl's three-way merge
 *   keeps fields the last applied configuration did not change.
 * - A Job runs once per deploy that adds or changes it: one the previous deploy already declared unchanged is not
 *   created again when it is gone (its TTL or `jobctl delete` removed it). Changing an immutable field of a Job that
 *   still exists is refused, as the API server refuses it.
 * - An object of another stack is refused; one created with `jobctl` is adopted.
 * - An object the previous deploy declared and this one does not is deleted (a CronJob with its Jobs; a Job through
 *   its deletion request, so the job controller stops its tasks).
 *
 * @example
 * await applyStackManifests({ store, clock }, { stackName: 'Jobctl', desired: loaded.objects, previous });
 */
export async function applyStackManifests(
  deps: Deps,
  input: {
    stackName: string;
    desired: readonly StackManifest[];
    previous?: readonly StackManifest[];
    queues?: StackQueues;
    quotas?: StackQuotas;
  },
): Promise<StackObjectOutcome[]> {
  // Quotas and queues first: a Job of the same file is held by its quota, and finds its queue, from its first sync.
  const quotaOutcomes = input.quotas === undefined ? [] : await applyStackQuotas(input.quotas);
  const queueOutcomes = [...quotaOutcomes, ...(input.queues === undefined ? [] : await applyStackQueues(input.queues))];
  const manager = stackManager(input.stackName);
  const previous = new Map((input.previous ?? []).map((m) => [keyOf(m), m]));
  const desiredKeys = new Set(input.desired.map(keyOf));
  for (let attempt = 1; ; attempt++) {
    const plan: PlannedWrite[] = [];
    for (const manifest of input.desired)
      plan.push(await planObject(deps.store, manifest, previous.get(keyOf(manifest)), manager, input.stackName));
    for (const [key, gone] of previous)
      if (!desiredKeys.has(key)) plan.push(await planRemoval(deps, gone, input.stackName));
    try {
      for (const p of plan) await p.write?.();
      return [...queueOutcomes, ...plan.map((p) => p.outcome)];
    } catch (error) {
      if (error instanceof ConflictError && attempt < MAX_PLAN_ATTEMPTS) continue;
      throw error;
    }
  }
}

/**
 * The config file's `kind: WorkQueue` manifests: the construct creates their SQS queues (CloudFormation), and the
 * deploy writes their settings record (`WorkQueue.ensureQueue` on the records, not SQS), so the CLI and the job
 * controller find them. A queue the previous deploy declared and this one does not loses its record and items
 * (its SQS queues go with CloudFormation).
 */
export interface StackQueues {
  queues: WorkQueue;
  desired: readonly WorkQueueManifest[];
  previous?: readonly WorkQueueManifest[];
}

/**
 * The config file's `kind: ResourceQuota` manifests, written through the QuotaObjects port on every deploy; one the
 * previous deploy declared and this one does not is deleted (Jobs waiting for it are woken by the stream record).
 */
export interface StackQuotas {
  quotas: QuotaObjects;
  desired: readonly ResourceQuotaManifest[];
  previous?: readonly ResourceQuotaManifest[];
}

async function applyStackQuotas(input: StackQuotas): Promise<StackObjectOutcome[]> {
  const outcomes: StackObjectOutcome[] = [];
  for (const q of input.desired) {
    const { name, namespace } = q.metadata;
    const before = (await input.quotas.list(namespace)).find((v) => v.name === name);
    const action =
      before === undefined ? 'created' : isDeepStrictEqual(before.hard, q.spec.hard) ? 'unchanged' : 'configured';
    if (action !== 'unchanged') await input.quotas.put(namespace, name, q.spec.hard);
    outcomes.push({ kind: 'ResourceQuota', name, action });
  }
  const kept = new Set(input.desired.map((q) => `${q.metadata.namespace}/${q.metadata.name}`));
  for (const gone of input.previous ?? []) {
    if (kept.has(`${gone.metadata.namespace}/${gone.metadata.name}`)) continue;
    if (await input.quotas.delete(gone.metadata.namespace, gone.metadata.name))
      outcomes.push({ kind: 'ResourceQuota', name: gone.metadata.name, action: 'deleted' });
  }
  return outcomes;
}

async function applyStackQueues(input: StackQueues): Promise<StackObjectOutcome[]> {
  const outcomes: StackObjectOutcome[] = [];
  for (const q of input.desired) {
    const before = await input.queues.describeQueue(q.metadata.name);
    const after = await input.queues.ensureQueue(q.metadata.name, q.spec);
    const action = before === undefined ? 'created' : isDeepStrictEqual(before, after) ? 'unchanged' : 'configured';
    outcomes.push({ kind: 'WorkQueue', name: q.metadata.name, action });
  }
  const kept = new Set(input.desired.map((q) => q.metadata.name));
  for (const gone of input.previous ?? []) {
    if (kept.has(gone.metadata.name)) continue;
    await input.queues.deleteQueue(gone.metadata.name);
    outcomes.push({ kind: 'WorkQueue', name: gone.metadata.name, action: 'deleted' });
  }
  return outcomes;
}

/**
 * Stack deletion: every CronJob and Job the stack declared is deleted (CronJobs with their Jobs), so a retained
 * table does not keep running them under a later stack. Jobs go through their deletion request: the job controller
 * stops their tasks while it still exists (the custom resource is deleted before the controller).
 */
export async function removeStackManifests(
  deps: Deps,
  stackName: string,
  namespace = 'default',
): Promise<StackObjectOutcome[]> {
  const outcomes: StackObjectOutcome[] = [];
  for (const kind of ['CronJob', 'Job'] as const) {
    for (const obj of await deps.store.list(kind, namespace)) {
      if (declaringStack(obj) !== stackName) continue;
      const removal = await planRemoval(deps, obj, stackName);
      await removal.write?.();
      outcomes.push(removal.outcome);
    }
  }
  return outcomes;
}

/**
 * Waits until no Job of `namespace` is still being deleted: on stack deletion the job controller stops the removed
 * Jobs' tasks, and CloudFormation deletes the ECS cluster (which refuses while tasks run) and the controller itself
 * after this resource. Returns how many are still going when `timeoutMs` runs out (the deletion then goes on).
 */
export async function waitForJobDeletions(
  deps: Pick<Deps, 'store' | 'clock'>,
  options: { namespace?: string; timeoutMs: number; pollMs?: number; sleep: (ms: number) => Promise<void> },
): Promise<number> {
  const deadline = deps.clock.now() + options.timeoutMs;
  for (;;) {
    const going = (await deps.store.list('Job', options.namespace ?? 'default')).filter(
      (j) => j.metadata.deletionTimestamp !== undefined,
    ).length;
    if (going === 0 || deps.clock.now() >= deadline) return going;
    await options.sleep(options.pollMs ?? 2_000);
  }
}

async function planObject(
  store: StateStore,
  manifest: StackManifest,
  before: StackManifest | undefined,
  manager: string,
  stackName: string,
): Promise<PlannedWrite> {
  const { namespace, name } = manifest.metadata;
  const outcome = (action: StackObjectOutcome['action']): StackObjectOutcome => ({ kind: manifest.kind, name, action });
  const annotations = { ...manifest.metadata.annotations, [managedByAnnotation]: manager };
  const existing = await store.get(manifest.kind, { namespace, name });
  const owner = existing === undefined ? undefined : declaringStack(existing);
  if (owner !== undefined && owner !== stackName) {
    throw new JobctlError(
      'Conflict',
      `${manifest.kind.toLowerCase()} "${name}" is declared by CDK stack ${owner}; one object can belong to one ` +
        `stack only: rename it in this stack's config file`,
    );
  }
  if (manifest.kind === 'CronJob') {
    const declared: CronJob = { ...manifest, metadata: { ...manifest.metadata, annotations } };
    if (existing === undefined) return { outcome: outcome('created'), write: () => store.create(declared) };
    const current = existing as CronJob;
    const fileSuspendChanged =
      before === undefined || owner === undefined || (before as CronJob).spec.suspend !== manifest.spec.suspend;
    const spec = fileSuspendChanged ? manifest.spec : { ...manifest.spec, suspend: current.spec.suspend };
    return updateIfChanged(
      store,
      current,
      { ...current, metadata: { ...current.metadata, labels: manifest.metadata.labels, annotations }, spec },
      outcome,
    );
  }
  const unchangedSinceLastDeploy = before !== undefined && isDeepStrictEqual(before, manifest);
  if (existing === undefined) {
    if (unchangedSinceLastDeploy) return { outcome: outcome('not-recreated') };
    const job = withGeneratedSelector({
      ...manifest,
      metadata: { ...manifest.metadata, annotations, uid: randomUUID() },
    });
    return { outcome: outcome('created'), write: () => store.create(job) };
  }
  const current = existing as Job;
  // As for CronJobs: `jobctl suspend job/X` holds until the file's own suspend changes.
  const fileSuspendChanged =
    before === undefined || owner === undefined || (before as Job).spec.suspend !== manifest.spec.suspend;
  const spec = fileSuspendChanged ? manifest.spec : { ...manifest.spec, suspend: current.spec.suspend };
  const declared = withGeneratedSelector({
    ...manifest,
    spec,
    metadata: { ...manifest.metadata, annotations, uid: current.metadata.uid },
  });
  try {
    assertJobUpdatable(current, declared);
  } catch (error) {
    throw new JobctlError(
      'Validation',
      `${(error as Error).message} (\`jobctl delete job ${name}\`, then cdk deploy again), or give it a new name`,
      { cause: error },
    );
  }
  return updateIfChanged(
    store,
    current,
    {
      ...current,
      metadata: { ...current.metadata, labels: declared.metadata.labels, annotations },
      spec: declared.spec,
    },
    outcome,
  );
}

function updateIfChanged<T extends CronJob | Job>(
  store: StateStore,
  current: T,
  next: T,
  outcome: (action: StackObjectOutcome['action']) => StackObjectOutcome,
): PlannedWrite {
  const same =
    isDeepStrictEqual(current.spec, next.spec) &&
    isDeepStrictEqual(current.metadata.labels ?? {}, next.metadata.labels ?? {}) &&
    isDeepStrictEqual(current.metadata.annotations ?? {}, next.metadata.annotations ?? {});
  return same ? { outcome: outcome('unchanged') } : { outcome: outcome('configured'), write: () => store.update(next) };
}

/** Deletes an object the stack no longer declares; one `jobctl` took over (annotation removed) is left alone. */
async function planRemoval(
  deps: Deps,
  gone: Pick<StackManifest, 'kind' | 'metadata'>,
  stackName: string,
): Promise<PlannedWrite> {
  const key = { namespace: gone.metadata.namespace, name: gone.metadata.name };
  const outcome: StackObjectOutcome = { kind: gone.kind, name: key.name, action: 'deleted' };
  const existing = await deps.store.get(gone.kind, key);
  if (existing === undefined || declaringStack(existing) !== stackName)
    return { outcome: { ...outcome, action: 'unchanged' } };
  // Already on its way out (an earlier deploy asked): the job controller is finishing it.
  if (existing.metadata.deletionTimestamp !== undefined) return { outcome: { ...outcome, action: 'unchanged' } };
  if (gone.kind === 'Job') return { outcome, write: () => requestJobDeletion(deps, key) };
  return {
    outcome,
    write: async () => {
      // The CronJob first, so no dispatch creates a Job after its children were listed (as `jobctl delete cronjob`).
      await deps.store.delete('CronJob', key);
      for (const job of await deps.store.list('Job', key.namespace, { ownerName: key.name })) {
        if (job.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === key.name && o.controller)) {
          await requestJobDeletion(deps, { namespace: key.namespace, name: job.metadata.name });
        }
      }
    },
  };
}

function keyOf(m: Pick<StackManifest, 'kind' | 'metadata'>): string {
  return `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`;
}
