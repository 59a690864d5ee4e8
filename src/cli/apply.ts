import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { MAX_ITEM_BYTES, storedItemSizeBytes } from '../adapters/dynamodb/dynamodb-state-store.ts';
import { cronJobScheduleDefinitions } from '../adapters/scheduler/cronjob-schedules.ts';
import { withGeneratedSelector } from '../engine/job-selector.ts';
import type { Change } from '../ports/changes.ts';
import { AlreadyExistsError, ConflictError, JobctlError } from '../errors.ts';
import { jobFromTemplate } from '../engine/cronjob-sync.ts';
import { assertJobUpdatable } from '../engine/job-updates.ts';
import { isJobFinished } from '../engine/object-meta.ts';
import { podForJob } from '../engine/pod-template.ts';
import { boundQueueOf, workQueueAnnotation, workQueueCompletionsAnnotation } from '../engine/work-queue-binding.ts';
import type { StateStore } from '../ports/state-store.ts';
import type { WorkQueue } from '../ports/work-queue.ts';
import type { ResourceQuotas } from '../ports/resource-quotas.ts';
import type { Pacer } from '../adapters/pacing/token-bucket.ts';
import type { LoadResult } from '../spec/index.ts';
import type { LoadedObject } from '../spec/load.ts';
import { declaringStack, managedByAnnotation } from '../spec/ownership.ts';
import { resource } from './resources.ts';
import type { CronJob, Job, KubeObject, Labels, ResourceQuotaManifest, WorkQueueManifest } from '../spec/types.ts';

export { resource };

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export interface ApplyOutcome {
  kind: 'CronJob' | 'Job';
  name: string;
  namespace: string;
  action: ApplyAction;
  /** For `configured`: each changed field as `path: old → new`, what `--dry-run` shows. */
  changes?: string[];
}

/** What `apply` did (or, with `dryRun`, would do) to a `kind: WorkQueue`. */
export interface WorkQueueApplyOutcome {
  kind: 'WorkQueue';
  name: string;
  namespace: string;
  action: ApplyAction;
  /** For `configured`: each changed setting as `spec.<setting>: old → new`. */
  changes?: string[];
}

/** What `apply` did (or would do) to a `kind: ResourceQuota`. */
export interface ResourceQuotaApplyOutcome {
  kind: 'ResourceQuota';
  name: string;
  namespace: string;
  action: ApplyAction;
  changes?: string[];
}

/** One line of `jobctl apply` output, whatever the kind. */
export type AnyApplyOutcome = ResourceQuotaApplyOutcome | WorkQueueApplyOutcome | ApplyOutcome;

interface PlannedWrite<O = ApplyOutcome> {
  outcome: O;
  write?: () => Promise<unknown>;
}

type ApplyOptions = {
  dryRun?: boolean;
  createOnly?: boolean;
  allowStackDeclared?: boolean;
  /** Called after each CronJob/Job is written (or found unchanged): how many of how many are done. */
  onProgress?: (done: number, total: number) => void;
  /** Paces the writes of CronJobs and Jobs (`apply --rate`): a token per object written. @default - none */
  pacer?: Pacer;
};

/**
 * Bytes of a stored item kept for what controllers add after `apply` wrote it: a Job's status (conditions, indexes,
 * times), a CronJob's `status.active` references, a pod's container statuses and launch annotations.
 */
export const STATUS_HEADROOM_BYTES = 16_384;

/** A placeholder uid of the length the store and the controllers give one (a UUID). */
const SIZING_UID = '00000000-0000-4000-8000-000000000000';
/** A late scheduled time (2099) and a late creation time: the longest names and timestamps a run gets for decades. */
const SIZING_TIME_MS = Date.UTC(2099, 11, 31, 23, 59);

/**
 * The store-limit check `apply` adds to validation (a `ManifestCheck` of the manifest loader): an object must
 * fit one DynamoDB item ({@link MAX_ITEM_BYTES}, counted as the store writes it) with {@link STATUS_HEADROOM_BYTES} to
 * spare, and so must what it makes: a CronJob's Jobs, and a Job's pods, which copy their templates. Reported at
 * `metadata.name`, so a file with one such object writes nothing (audit D7).
 *
 * @example
 * loadManifestSources(sources, { check: storeItemLimitFindings });
 * // half.yaml:27 metadata.name: job "half-b" would be a stored item of 420,339 bytes: …
 */
export function storeItemLimitFindings(object: LoadedObject): Array<{ path: string; message: string }> {
  if (object.kind !== 'Job' && object.kind !== 'CronJob') return [];
  if (isSurelyWithinItemLimit(object)) return [];
  const findings: Array<{ path: string; message: string }> = [];
  const check = (what: string, stored: Parameters<typeof storedItemSizeBytes>[0]) => {
    const bytes = storedItemSizeBytes(stored);
    if (bytes <= MAX_ITEM_BYTES - STATUS_HEADROOM_BYTES) return;
    findings.push({
      path: 'metadata.name',
      message:
        `${what} would be a stored item of ${bytes.toLocaleString('en-US')} bytes: DynamoDB's item limit is ` +
        `${MAX_ITEM_BYTES.toLocaleString('en-US')} bytes (400 KB), ` +
        `less ${STATUS_HEADROOM_BYTES.toLocaleString('en-US')} kept for the status controllers add: make commands, ` +
        `env values, labels or annotations smaller (pass large data in a file or a work queue item)`,
    });
  };
  const { name } = object.metadata;
  if (object.kind === 'CronJob') {
    const cronJob = {
      ...object,
      metadata: { ...object.metadata, uid: SIZING_UID, creationTimestamp: '2099-12-31T23:59:00Z' },
    };
    check(`cronjob "${name}"`, cronJob);
    if (findings.length > 0) return findings;
    const job = jobFromTemplate(cronJob, SIZING_TIME_MS, SIZING_TIME_MS);
    check(`each Job of cronjob "${name}"`, job);
    if (findings.length === 0) check(`each pod of cronjob "${name}"`, largestPodOf(job));
    return findings;
  }
  const job = withGeneratedSelector({ ...object, metadata: { ...object.metadata, uid: SIZING_UID } });
  check(`job "${name}"`, job);
  if (findings.length === 0) check(`each pod of job "${name}"`, largestPodOf(job));
  return findings;
}

/**
 * A cheap bound that spares nearly every object the exact count (a 24,000-Job file would otherwise pay for it): a
 * value's DynamoDB size is at most twice its compact JSON in UTF-8 (a string costs its bytes against JSON's bytes plus
 * quotes; a number at most 1 + ⌈digits/2⌉ + 2 against its digits; a list or map 3 + 1 per element against JSON's
 * brackets and separators). The object, its Jobs and its pods each hold at most the manifest twice (a Job copies its
 * template's labels to itself) plus names of at most 253 characters, generated labels, an owner and the item's key
 * attributes, well under {@link DERIVED_BYTES}.
 */
function isSurelyWithinItemLimit(object: CronJob | Job): boolean {
  return (
    2 * (2 * Buffer.byteLength(JSON.stringify(object), 'utf8') + DERIVED_BYTES) <=
    MAX_ITEM_BYTES - STATUS_HEADROOM_BYTES
  );
}

/** Upper bound of what a stored Job or pod adds to a manifest: uid, generated labels and selector, owner, keys. */
const DERIVED_BYTES = 8_192;

/** The pod a Job's controller creates, at the largest completion index (the longest name, labels and env). */
function largestPodOf(job: Job): ReturnType<typeof podForJob> {
  const lastIndex = job.spec.completionMode === 'Indexed' ? Math.max(0, (job.spec.completions ?? 1) - 1) : undefined;
  return podForJob(job, 999_999, SIZING_TIME_MS, lastIndex);
}

/**
 * `jobctl apply -f` of a whole load: its ResourceQuotas (the ResourceQuotas port), its WorkQueues (written through the
 * WorkQueue port, `ensureQueue`), then its CronJobs and Jobs, so that a Job bound to a queue declared in the same file
 * finds it when the controller first syncs it, and Jobs applied with their quota are held by it from the start.
 * Everything is checked before anything is written, as {@link applyManifests} does; the outcomes are in write order,
 * queues first.
 *
 * @example
 * const outcomes = await applyAll(connection, await loadManifestArgs(['queue-and-job.yaml'], readStdin));
 * for (const o of outcomes) io.stdout(`${outcomeLine(o)}\n`);
 * // workqueue.jobctl.dev/fruits created, job.batch/eat created
 */
export async function applyAll(
  ports: {
    store: StateStore;
    queues: WorkQueue;
    quotas: ResourceQuotas;
    notify?: (changes: Change[]) => Promise<void>;
  },
  loaded: Pick<LoadResult, 'objects' | 'queues' | 'quotas'>,
  options: ApplyOptions = {},
): Promise<AnyApplyOutcome[]> {
  const quotaPlan: PlannedWrite<ResourceQuotaApplyOutcome>[] = [];
  for (const quota of loaded.quotas) quotaPlan.push(await planQuota(ports.quotas, quota, options.createOnly ?? false));
  const queuePlan: PlannedWrite<WorkQueueApplyOutcome>[] = [];
  for (const queue of loaded.queues) queuePlan.push(await planQueue(ports.queues, queue, options.createOnly ?? false));
  const objectPlan = await planAll(ports.store, loaded.objects, options);
  if (options.dryRun) return [...quotaPlan, ...queuePlan, ...objectPlan].map((p) => p.outcome);
  const applied: AnyApplyOutcome[] = [];
  try {
    for (const p of [...quotaPlan, ...queuePlan]) {
      await p.write?.();
      applied.push(p.outcome);
    }
    await writePlanned(ports.store, loaded.objects, options, objectPlan, applied);
  } catch (error) {
    throw await partialApplyError(
      error,
      ports,
      applied,
      [...quotaPlan, ...queuePlan, ...objectPlan].map((p) => p.outcome),
    );
  }
  return applied;
}

/**
 * A write failed after others succeeded (every object was checked before the first write, so this is the store
 * refusing or failing one): say which failed and which were applied, and tell the runtime about the applied ones,
 * which would otherwise wait for its next resync. An error before any write is returned as it is.
 */
async function partialApplyError(
  error: unknown,
  ports: { store: StateStore; notify?: (changes: Change[]) => Promise<void> },
  applied: readonly AnyApplyOutcome[],
  planned: readonly AnyApplyOutcome[],
): Promise<unknown> {
  if (applied.length === 0) return error;
  try {
    await ports.notify?.(await appliedChanges(ports.store, applied));
  } catch {
    // The runtime's periodic resync picks the applied objects up; the write error is what the user must see.
  }
  const rest = planned.slice(applied.length);
  const failed = rest[0];
  const what = (o: AnyApplyOutcome) => outcomeLine(o).replace(/ \S+$/, '');
  const reason = (error as Error | undefined)?.message ?? String(error);
  return new JobctlError(
    'Conflict',
    `error: apply stopped at ${failed === undefined ? 'an unknown object' : what(failed)}: ` +
      `${reason.replace(/^error: /, '')}; ` +
      `already applied: ${applied.map(outcomeLine).join(', ')}; not applied: ${rest.map(what).join(', ')} ` +
      '(apply the file again to finish: what was applied is then unchanged)',
    { cause: error },
  );
}

async function planQuota(
  quotas: ResourceQuotas,
  manifest: ResourceQuotaManifest,
  createOnly: boolean,
): Promise<PlannedWrite<ResourceQuotaApplyOutcome>> {
  const { name, namespace } = manifest.metadata;
  const outcome = (action: ApplyAction, changes?: string[]): ResourceQuotaApplyOutcome => ({
    kind: 'ResourceQuota',
    name,
    namespace,
    action,
    ...(changes === undefined ? {} : { changes }),
  });
  const existing = (await quotas.list(namespace)).find((q) => q.name === name);
  const write = () => quotas.put(namespace, name, manifest.spec.hard);
  if (existing === undefined) return { outcome: outcome('created'), write };
  if (createOnly)
    throw new JobctlError(
      'AlreadyExists',
      `Error from server (AlreadyExists): ${resource('ResourceQuota')} "${name}" already exists`,
    );
  const changes = diffPaths('spec.hard', existing.hard, manifest.spec.hard);
  return changes.length === 0 ? { outcome: outcome('unchanged') } : { outcome: outcome('configured', changes), write };
}

async function planQueue(
  queues: WorkQueue,
  manifest: WorkQueueManifest,
  createOnly: boolean,
): Promise<PlannedWrite<WorkQueueApplyOutcome>> {
  const { name, namespace } = manifest.metadata;
  const outcome = (action: ApplyAction, changes?: string[]): WorkQueueApplyOutcome => ({
    kind: 'WorkQueue',
    name,
    namespace,
    action,
    ...(changes === undefined ? {} : { changes }),
  });
  const desired = { maxReceiveCount: manifest.spec.maxReceiveCount, leaseSeconds: manifest.spec.leaseSeconds };
  const existing = await queues.describeQueue(name);
  const write = () => queues.ensureQueue(name, desired);
  if (existing === undefined) return { outcome: outcome('created'), write };
  if (createOnly)
    throw new JobctlError(
      'AlreadyExists',
      `Error from server (AlreadyExists): ${resource('WorkQueue')} "${name}" already exists`,
    );
  const changes = diffPaths(
    'spec',
    { maxReceiveCount: existing.maxReceiveCount, leaseSeconds: existing.leaseSeconds },
    desired,
  );
  return changes.length === 0 ? { outcome: outcome('unchanged') } : { outcome: outcome('configured', changes), write };
}

/**
 * `kubectl apply` for validated manifests: creates what is absent, updates the spec, labels and annotations of
 * what exists (status, uid and creation time are kept). Every object is checked before anything is written, so an
 * immutable-field error in the third document leaves the first two untouched. `createOnly` is `kubectl create`.
 */
export async function applyManifests(
  store: StateStore,
  objects: ReadonlyArray<CronJob | Job>,
  options: ApplyOptions = {},
): Promise<ApplyOutcome[]> {
  const plan = await planAll(store, objects, options);
  if (options.dryRun) return plan.map((p) => p.outcome);
  const applied: ApplyOutcome[] = [];
  await writePlanned(store, objects, options, plan, applied);
  return applied;
}

async function planAll(
  store: StateStore,
  objects: ReadonlyArray<CronJob | Job>,
  options: ApplyOptions,
): Promise<PlannedWrite[]> {
  const plan: PlannedWrite[] = [];
  for (const obj of objects)
    plan.push(await planOne(store, obj, options.createOnly ?? false, options.allowStackDeclared ?? false));
  return plan;
}

/** Writes planned for this many times when the object keeps changing under us; then the conflict is reported. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * Writes each planned object in order, pushing its outcome onto `applied` once it is written (or found unchanged).
 * A write that lost a race is planned again for that object alone and retried (idempotent): a controller that wrote
 * status between our read and our write (Conflict), or another `apply` that created the object first (AlreadyExists,
 * kubectl's create-or-update: audit 5.1). `kubectl create` reports the latter.
 */
async function writePlanned(
  store: StateStore,
  objects: ReadonlyArray<CronJob | Job>,
  options: ApplyOptions,
  plan: PlannedWrite[],
  applied: AnyApplyOutcome[],
): Promise<void> {
  const createOnly = options.createOnly ?? false;
  for (const [i, first] of plan.entries()) {
    let p = first;
    for (let attempt = 1; ; attempt++) {
      try {
        if (p.write !== undefined) {
          await options.pacer?.take();
          await p.write();
        }
        break;
      } catch (error) {
        if (error instanceof AlreadyExistsError && createOnly) {
          throw new JobctlError(
            'AlreadyExists',
            `Error from server (AlreadyExists): ${resource(p.outcome.kind)} "${p.outcome.name}" already exists`,
            { cause: error },
          );
        }
        const lostRace = error instanceof ConflictError || error instanceof AlreadyExistsError;
        if (!lostRace || attempt >= MAX_WRITE_ATTEMPTS) throw error;
        p = await planOne(store, objects[i]!, createOnly, options.allowStackDeclared ?? false);
      }
    }
    applied.push(p.outcome);
    options.onProgress?.(i + 1, plan.length);
  }
}

async function planOne(
  store: StateStore,
  manifest: CronJob | Job,
  createOnly: boolean,
  allowStackDeclared: boolean,
): Promise<PlannedWrite> {
  const { namespace, name } = manifest.metadata;
  const outcome = (action: ApplyAction): ApplyOutcome => ({ kind: manifest.kind, name, namespace, action });
  const existing = await store.get(manifest.kind, { namespace, name });
  const claimed = manifest.metadata.annotations?.[managedByAnnotation];
  if (claimed !== undefined && claimed !== existing?.metadata.annotations?.[managedByAnnotation]) {
    // Only cdk deploy may mark an object as the stack's: a copied annotation would make it unmanageable by both.
    throw new JobctlError(
      'Validation',
      `error: ${manifest.kind.toLowerCase()} "${name}": metadata.annotations[${managedByAnnotation}]: cdk deploy ` +
        `sets it on what the config file declares; remove it from the manifest`,
    );
  }
  // A Job gets its uid and generated selector now, as the API server does on create; an existing Job's uid is used
  // so that re-applying the same file compares equal.
  const obj: CronJob | Job =
    manifest.kind === 'Job'
      ? withGeneratedSelector({
          ...manifest,
          metadata: { ...manifest.metadata, uid: existing?.metadata.uid ?? randomUUID() },
        })
      : manifest;
  if (!existing) return { outcome: outcome('created'), write: () => store.create(obj) };
  if (createOnly)
    throw new JobctlError(
      'AlreadyExists',
      `Error from server (AlreadyExists): ${resource(obj.kind)} "${name}" already exists`,
    );
  const stack = declaringStack(existing);
  if (stack !== undefined && !allowStackDeclared) {
    // The next cdk deploy would undo the change: the config file owns this object (docs/design-notes.md).
    throw new JobctlError(
      'Conflict',
      `error: ${obj.kind.toLowerCase()} "${name}" is declared in the config file of CDK stack ${stack}: change it ` +
        `there and run cdk deploy (jobctl suspend/resume work on it)`,
    );
  }
  if (obj.kind === 'Job') {
    assertJobUpdatable(existing as Job, obj);
    // Its pods hold leases of the queue it was bound to when it started: a new binding would strand them.
    const before = boundQueueOf(existing as Job);
    if ((existing as Job).status.startTime !== undefined && before !== boundQueueOf(obj)) {
      throw new JobctlError(
        'Validation',
        `The Job "${name}" is invalid: metadata.annotations[${workQueueAnnotation}]: field is immutable once the Job ` +
          `started (bound to ${before ?? 'no queue'})`,
      );
    }
  }
  const annotations = withControllerAnnotations(existing.metadata.annotations, obj.metadata.annotations);
  const sameSpec = isDeepStrictEqual(existing.spec, obj.spec);
  const sameMeta =
    isDeepStrictEqual(existing.metadata.labels ?? {}, obj.metadata.labels ?? {}) &&
    isDeepStrictEqual(existing.metadata.annotations ?? {}, annotations ?? {});
  if (sameSpec && sameMeta) return { outcome: outcome('unchanged') };
  const updated = {
    ...existing,
    metadata: { ...existing.metadata, labels: obj.metadata.labels, annotations },
    spec: obj.spec,
  } as CronJob | Job;
  const changes = [
    ...diffPaths('metadata.labels', existing.metadata.labels ?? {}, obj.metadata.labels ?? {}),
    ...diffPaths('metadata.annotations', existing.metadata.annotations ?? {}, annotations ?? {}),
    ...diffPaths('spec', existing.spec, obj.spec),
  ];
  return { outcome: { ...outcome('configured'), changes }, write: () => store.update(updated) };
}

/**
 * Annotations a controller records on an object, as it records status: `jobctl.dev/work-queue-completions` (the item
 * count a bound Job without `completions` started with). Re-applying the user's manifest, which never has them, keeps
 * them; a manifest that sets one explicitly wins.
 */
const controllerAnnotations: readonly string[] = [workQueueCompletionsAnnotation];

function withControllerAnnotations(existing: Labels | undefined, desired: Labels | undefined): Labels | undefined {
  const kept = controllerAnnotations.filter((key) => existing?.[key] !== undefined && desired?.[key] === undefined);
  if (kept.length === 0) return desired;
  return { ...desired, ...Object.fromEntries(kept.map((key) => [key, existing![key]!])) };
}

/**
 * On AWS a CronJob needs an EventBridge schedule: refuse what EventBridge cannot express before anything is written.
 */
export function assertRunsOnEventBridge(objects: ReadonlyArray<KubeObject>): void {
  for (const obj of objects) {
    if (obj.kind !== 'CronJob') continue;
    try {
      cronJobScheduleDefinitions(obj as CronJob);
    } catch (error) {
      throw new JobctlError(
        'Validation',
        `error: ${(error as Error).message}: EventBridge Scheduler cannot run it on AWS`,
        { cause: error },
      );
    }
  }
}

/**
 * kubectl's line for an applied object: `cronjob.batch/hello created`, `job.batch/pi unchanged`,
 * `workqueue.jobctl.dev/fruits configured`.
 */
export function outcomeLine(o: AnyApplyOutcome): string {
  const type =
    o.kind === 'CronJob'
      ? 'cronjob.batch'
      : o.kind === 'Job'
        ? 'job.batch'
        : o.kind === 'ResourceQuota'
          ? 'resourcequota'
          : 'workqueue.jobctl.dev';
  return `${type}/${o.name} ${o.action}`;
}

/**
 * What the controllers must look at after an apply: every CronJob and Job applied, and the unfinished Jobs bound to a
 * queue that was created or reconfigured (one that waited for a missing queue can start its pods now).
 */
export async function appliedChanges(store: StateStore, outcomes: readonly AnyApplyOutcome[]): Promise<Change[]> {
  const changes = new Map<string, Change>();
  for (const o of outcomes) {
    if (o.kind === 'CronJob' || o.kind === 'Job')
      changes.set(`${o.kind}/${o.name}`, { kind: o.kind, key: { namespace: o.namespace, name: o.name } });
    // A new or changed quota: the runtime charges the pods already running and wakes Jobs a raise lets go.
    if (o.kind === 'ResourceQuota' && o.action !== 'unchanged')
      changes.set(`ResourceQuota/${o.name}`, { kind: 'ResourceQuota', key: { namespace: o.namespace, name: o.name } });
  }
  const touched = outcomes.filter((o) => o.kind === 'WorkQueue' && o.action !== 'unchanged').map((o) => o.name);
  if (touched.length > 0) {
    for (const job of await unfinishedJobsBoundTo(store, touched))
      changes.set(`Job/${job.metadata.name}`, {
        kind: 'Job',
        key: { namespace: job.metadata.namespace, name: job.metadata.name },
      });
  }
  return [...changes.values()];
}

/** The Jobs (default namespace) bound to one of `queueNames` (`jobctl.dev/work-queue`) that have not finished. */
export async function unfinishedJobsBoundTo(store: StateStore, queueNames: readonly string[]): Promise<Job[]> {
  const names = new Set(queueNames);
  const jobs = await store.list('Job', 'default');
  return jobs
    .filter((job) => names.has(boundQueueOf(job) ?? '') && !isJobFinished(job))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** Leaf-level differences between two JSON values, as `path: old → new` lines. */
export function diffPaths(path: string, before: unknown, after: unknown): string[] {
  if (isDeepStrictEqual(before, after)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffPaths(`${path}.${k}`, before[k], after[k]));
  }
  const show = (v: unknown) => (v === undefined ? '<unset>' : JSON.stringify(v));
  return [`${path}: ${show(before)} → ${show(after)}`];
}
