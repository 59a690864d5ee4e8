import type { Job, Pod } from '../spec/types.ts';

/**
 * The coarse work-queue pattern (the seed's walkthrough 3): a Job bound to a queue runs one item per pod. The binding
 * is an annotation, so the manifest stays valid Kubernetes YAML:
 *
 * ```yaml
 * metadata:
 *   annotations:
 *     jobctl.dev/work-queue: fruits
 * ```
 */
export const workQueueAnnotation = 'jobctl.dev/work-queue';

/**
 * `completions` of a bound Job that omitted it: the number of items in the queue when the Job started, recorded
 * once by the Job controller (the spec stays as the user wrote it, so re-applying the manifest changes nothing).
 */
export const workQueueCompletionsAnnotation = 'jobctl.dev/work-queue-completions';

/** What a pod of a bound Job records about its item. */
export const workItemAnnotations = {
  id: 'jobctl.dev/work-item-id',
  /**
   * The lease token: the Job controller completes the item with it when the pod succeeds, releases it when it fails.
   */
  lease: 'jobctl.dev/work-item-lease',
  /** Epoch ms when the lease runs out unless renewed. */
  leaseExpires: 'jobctl.dev/work-item-lease-expires',
  /** `done` or `released`, once the item was settled for this finished pod. */
  settled: 'jobctl.dev/work-item-settled',
} as const;

/** The environment variables a worker reads its item from (besides stdin). */
export const workItemEnv = { body: 'JOB_ITEM', id: 'JOB_ITEM_ID' } as const;

/** What the engine needs to know of a bound Job's queue: exact counts (`WorkQueue.stats`). */
export interface WorkQueueView {
  name: string;
  pending: number;
  leased: number;
  dead: number;
}

/** The queue a Job is bound to, if any. */
export function boundQueueOf(job: Pick<Job, 'metadata'>): string | undefined {
  const name = job.metadata.annotations?.[workQueueAnnotation];
  return name === undefined || name === '' ? undefined : name;
}

/** `spec.completions`, or for a bound Job that omitted it, the item count recorded when it started. */
export function effectiveCompletions(job: Pick<Job, 'metadata' | 'spec'>): number | undefined {
  if (job.spec.completions !== undefined) return job.spec.completions;
  if (boundQueueOf(job) === undefined) return undefined;
  const recorded = job.metadata.annotations?.[workQueueCompletionsAnnotation];
  return recorded !== undefined && /^\d+$/.test(recorded) ? Number(recorded) : undefined;
}

/** The pod with its leased item: `JOB_ITEM`/`JOB_ITEM_ID` in its container's env, the lease on its annotations. */
export function withWorkItem(
  pod: Pod,
  item: { id: string; body: string; lease: string; leaseExpiresAtMs: number },
): Pod {
  const [first, ...rest] = pod.spec.containers;
  if (first === undefined) return pod;
  // `$` doubled: env values go through Kubernetes' $(VAR) expansion, which turns `$$` back into `$`, so the worker
  // sees the body byte for byte (and `$(JOB_ITEM)` in args expands to it).
  const env = [
    ...(first.env ?? []).filter((e) => e.name !== workItemEnv.body && e.name !== workItemEnv.id),
    { name: workItemEnv.body, value: item.body.replaceAll('$', '$$$$') },
    { name: workItemEnv.id, value: item.id },
  ];
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      annotations: {
        ...pod.metadata.annotations,
        [workItemAnnotations.id]: item.id,
        [workItemAnnotations.lease]: item.lease,
        [workItemAnnotations.leaseExpires]: String(item.leaseExpiresAtMs),
      },
    },
    spec: { ...pod.spec, containers: [{ ...first, env }, ...rest] },
  };
}

/** The item body a pod carries (what the local launcher writes to its stdin). */
export function workItemBodyOf(pod: Pod): string | undefined {
  if (pod.metadata.annotations?.[workItemAnnotations.id] === undefined) return undefined;
  return pod.spec.containers[0]?.env?.find((e) => e.name === workItemEnv.body)?.value?.replaceAll('$$', '$');
}
