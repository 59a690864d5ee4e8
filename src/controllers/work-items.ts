import { ConflictError, JobctlError, NotFoundError } from '../errors.ts';
import { isDisrupted, isPodFinished } from '../engine/task-exit.ts';
import {
  boundQueueOf,
  effectiveCompletions,
  withWorkItem,
  workItemAnnotations,
  workQueueCompletionsAnnotation,
  type WorkQueueView,
} from '../engine/work-queue-binding.ts';
import type { WorkQueueConsumer } from '../ports/work-queue.ts';
import type { Job, Pod } from '../spec/types.ts';
import { MAX_CONFLICT_RETRIES, recordEvents, type ControllerDeps } from './deps.ts';

/**
 * How long a pod holds its item: long, because a task may run long, and renewed by the Job's syncs once half of it
 * is gone. A task that dies with its pod unrecorded (a lost runtime) gives its item back when the lease runs out.
 */
export const WORK_ITEM_LEASE_SECONDS = 3_600;
const RENEW_WHEN_LEFT_MS = (WORK_ITEM_LEASE_SECONDS * 1000) / 2;

/** What {@link WorkItems.prepare} found: the queue's exact counts for the engine, and when to renew leases next. */
export interface PreparedQueue {
  view: WorkQueueView;
  requeueAtMs?: number;
  /** True when the Job itself was changed (completions recorded): read it again. */
  jobChanged: boolean;
}

/**
 * The Job controller's part of the coarse work-queue pattern: a bound Job's pods each carry one leased item.
 *
 * - A Job that omits `completions` gets the number of items in its queue when it starts, recorded once.
 * - A pod is created only with an item leased for it (`JOB_ITEM` in its env, the lease on its annotations).
 * - A finished pod settles its item once: completed when the pod succeeded (the item is deleted from the queue and
 *   counted done), released when it failed (it returns at once and counts a receive; after `maxReceiveCount` it goes
 *   to the dead-letter list). The settlement is marked on the pod, so a crash between the two repeats a harmless step.
 * - Running pods' leases are renewed when half is gone.
 */
export class WorkItems {
  constructor(private readonly deps: ControllerDeps) {}

  private get queues(): WorkQueueConsumer {
    if (this.deps.queues === undefined)
      throw new JobctlError('Validation', 'work queues are not available to this Job controller');
    return this.deps.queues;
  }

  async prepare(job: Job, pods: readonly Pod[]): Promise<PreparedQueue | undefined> {
    const name = boundQueueOf(job);
    if (name === undefined) return undefined;
    const involved = { kind: 'Job' as const, namespace: job.metadata.namespace, name: job.metadata.name };
    if ((await this.queues.describeQueue(name)) === undefined) {
      await recordEvents(this.deps, involved, [
        {
          type: 'Warning',
          reason: 'WorkQueueNotFound',
          message: `workqueue/${name} does not exist: jobctl queue create ${name}`,
        },
      ]);
      // nothing to lease, nothing to fail on
      return { view: { name, pending: 0, leased: 1, dead: 0 }, jobChanged: false };
    }
    if (effectiveCompletions(job) === undefined && job.status.startTime === undefined && !job.spec.suspend) {
      const stats = await this.queues.stats(name);
      const completions = stats.pending + stats.leased;
      await this.deps.store.update({
        ...job,
        metadata: {
          ...job.metadata,
          annotations: { ...job.metadata.annotations, [workQueueCompletionsAnnotation]: String(completions) },
        },
      });
      await recordEvents(this.deps, involved, [
        {
          type: 'Normal',
          reason: 'WorkQueueCompletions',
          message: `completions not set: ${completions} items in workqueue/${name}`,
        },
      ]);
      return { view: { name, ...stats }, jobChanged: true };
    }
    let requeueAtMs: number | undefined;
    const now = this.deps.clock.now();
    for (const pod of pods) {
      const lease = pod.metadata.annotations?.[workItemAnnotations.lease];
      if (lease === undefined || pod.metadata.annotations?.[workItemAnnotations.settled] !== undefined) continue;
      if (isPodFinished(pod)) {
        await this.settle(name, pod, lease);
        continue;
      }
      const expiresAtMs = Number(pod.metadata.annotations?.[workItemAnnotations.leaseExpires] ?? 0);
      if (expiresAtMs - now <= RENEW_WHEN_LEFT_MS) {
        const untilMs = now + WORK_ITEM_LEASE_SECONDS * 1000;
        if (await this.queues.renew(name, lease, WORK_ITEM_LEASE_SECONDS))
          await this.annotate(pod, { [workItemAnnotations.leaseExpires]: String(untilMs) });
        requeueAtMs = Math.min(requeueAtMs ?? Infinity, untilMs - RENEW_WHEN_LEFT_MS);
      } else {
        requeueAtMs = Math.min(requeueAtMs ?? Infinity, expiresAtMs - RENEW_WHEN_LEFT_MS);
      }
    }
    const stats = await this.queues.stats(name);
    return {
      view: { name, pending: stats.pending, leased: stats.leased, dead: stats.dead },
      jobChanged: false,
      ...(requeueAtMs === undefined ? {} : { requeueAtMs }),
    };
  }

  /** `pod` carrying a freshly leased item of the Job's queue; undefined when no item is available now. */
  async attach(job: Job, pod: Pod): Promise<Pod | undefined> {
    const name = boundQueueOf(job);
    if (name === undefined) return pod;
    const item = await this.queues.lease(name, { leaseSeconds: WORK_ITEM_LEASE_SECONDS });
    return item === undefined ? undefined : withWorkItem(pod, item);
  }

  /** Gives back, uncounted, the item of a pod that was never stored (its name was taken, or the create failed). */
  async detach(job: Job, pod: Pod): Promise<void> {
    const name = boundQueueOf(job);
    const lease = pod.metadata.annotations?.[workItemAnnotations.lease];
    if (name !== undefined && lease !== undefined) await this.queues.release(name, lease, { uncounted: true });
  }

  private async settle(queue: string, pod: Pod, lease: string): Promise<void> {
    const succeeded = pod.status.phase === 'Succeeded';
    // complete/release answer false when the lease was lost (it ran out and another pod has the item): nothing to do.
    if (succeeded) await this.queues.complete(queue, lease);
    // A pod that ended with its "node" (a runtime that stopped or crashed) did not fail on the item: the receive is
    // not counted, or a few restarts of jobctl up would dead-letter an item no task ever failed on.
    else await this.queues.release(queue, lease, { uncounted: isDisrupted(pod) });
    await this.annotate(pod, { [workItemAnnotations.settled]: succeeded ? 'done' : 'released' });
  }

  private async annotate(pod: Pod, annotations: Record<string, string>): Promise<void> {
    const jobKey = { namespace: pod.metadata.namespace, name: pod.metadata.labels?.['job-name'] ?? '' };
    for (let attempt = 1; ; attempt++) {
      const current = attempt === 1 ? pod : await this.deps.store.getPod(jobKey, pod.metadata.name);
      if (current === undefined) return;
      try {
        await this.deps.store.update({
          ...current,
          metadata: { ...current.metadata, annotations: { ...current.metadata.annotations, ...annotations } },
        });
        return;
      } catch (error) {
        if (error instanceof ConflictError && attempt < MAX_CONFLICT_RETRIES) continue;
        if (error instanceof NotFoundError) return;
        throw error;
      }
    }
  }
}

/**
 * A bound Job is being deleted (by the user, Replace, history limits or its TTL): its pods' items are settled before
 * the pods go, or they would stay hidden until their leases ran out. A pod that succeeded completes its item; any
 * other gives it back uncounted (its task was stopped by the deletion, not failed by the item).
 */
export async function settleItemsOfDeletedJob(
  queues: WorkQueueConsumer | undefined,
  job: Job,
  pods: readonly Pod[],
): Promise<void> {
  const name = boundQueueOf(job);
  if (name === undefined || queues === undefined) return;
  for (const pod of pods) {
    const lease = pod.metadata.annotations?.[workItemAnnotations.lease];
    if (lease === undefined || pod.metadata.annotations?.[workItemAnnotations.settled] !== undefined) continue;
    if (pod.status.phase === 'Succeeded') await queues.complete(name, lease);
    else await queues.release(name, lease, { uncounted: true });
  }
}
