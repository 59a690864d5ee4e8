import { isJobFinished } from '../engine/object-meta.ts';
import { isPodFinished } from '../engine/task-exit.ts';
import type { HeldJob, PodAdmission, QuotaUsage } from '../ports/resource-quotas.ts';
import type { Job, Pod } from '../spec/types.ts';
import { recordEvents, type ControllerDeps } from './deps.ts';

/** Jobs woken at most per freed-slot check: a wake is cheap, but a thousand at once would only be denied again. */
const MAX_WAKE = 100;
/** Pages of the waiting list read per wake while skipping stale entries. */
const MAX_POP_ROUNDS = 5;
/** How long a controller trusts that a namespace has no quota (a new quota's recount charges what slipped through). */
const NO_QUOTA_CACHE_MS = 2_000;

/**
 * Whether the Job may still want pods it does not have (so a wait for a slot can still be what holds it): unfinished,
 * not being deleted or suspended, fewer active pods than it runs at once. A Job in its failure back-off also passes;
 * its sync then creates nothing and the slot goes to the next wake.
 */
export function mayCreatePods(job: Job): boolean {
  if (isJobFinished(job) || job.metadata.deletionTimestamp !== undefined || job.spec.suspend) return false;
  const { parallelism, completions } = job.spec;
  const wanted = completions === undefined ? parallelism : Math.min(parallelism, completions - job.status.succeeded);
  return job.status.active < wanted;
}
/**
 * How long a charge whose pod is not (yet) in the store is left alone by the reconcile: the controller charges a pod
 * just before storing it, so only a crash in between (or a Job deleted then) leaves such a charge for longer.
 */
export const CHARGE_GRACE_MS = 60_000;

/**
 * The quota's part of the Job controller: the API server's quota admission (`ResourceQuota`, resource `pods`) and
 * the quota controller's usage recount, over the {@link ResourceQuotas} port.
 *
 * - Before a pod is created it is admitted (charged). A denied pod is not created: its Job waits in the namespace's
 *   waiting list and gets a `Warning FailedCreate` event with the API server's message, once per wait, as
 *   Kubernetes' Job controller records it when quota admission rejects a pod. It does not fail the Job.
 * - The charge of a pod goes when its task's exit is recorded (`releaseEnded`), when the Job's sync sees it finished
 *   (`syncCharges`: on AWS the exit is recorded outside the controller), or when its Job is deleted (`releaseAll`);
 *   then as many waiting Jobs as there are free slots are woken (oldest first), each with its slot reserved, through
 *   `deps.wake` (or `deps.notify`).
 * - `reconcile` is the safety net for charges a crash left behind (the periodic resync calls it).
 */
export class PodQuota {
  /** Namespaces seen without a quota, until when (epoch ms): a sync's usage read is skipped for them meanwhile. */
  private readonly noQuotaUntil = new Map<string, number>();

  constructor(private readonly deps: Pick<ControllerDeps, 'store' | 'clock' | 'quotas' | 'notify' | 'wake'>) {}

  /**
   * Charges `pod` at `chargedAtMs`; admitted when the namespace has no quota. A namespace seen without a quota in the
   * last {@link NO_QUOTA_CACHE_MS} is not asked again (two requests per pod saved where no quota is used): a quota
   * created meanwhile starts uncounted, and its first recount charges the pods admitted so.
   */
  async admit(job: Job, pod: Pod, chargedAtMs: number): Promise<PodAdmission> {
    const namespace = job.metadata.namespace;
    if (this.deps.quotas === undefined || this.hasNoQuota(namespace)) return { admitted: true };
    const admission = await this.deps.quotas.admit(namespace, {
      podName: pod.metadata.name,
      jobName: job.metadata.name,
      chargedAtMs,
    });
    if (admission.admitted && admission.noQuota)
      this.noQuotaUntil.set(namespace, this.deps.clock.now() + NO_QUOTA_CACHE_MS);
    if (!admission.admitted) this.noQuotaUntil.delete(namespace);
    return admission;
  }

  private hasNoQuota(namespace: string): boolean {
    return (this.noQuotaUntil.get(namespace) ?? 0) > this.deps.clock.now();
  }

  /** Gives back the charge of a pod that was admitted but not created (no item for it, or its creation failed). */
  async unadmit(job: Job, pod: Pod, chargedAtMs: number): Promise<void> {
    await this.deps.quotas?.release(job.metadata.namespace, [{ podName: pod.metadata.name, chargedAtMs }]);
  }

  /**
   * The Job waits for a slot: recorded in the waiting list, with the `FailedCreate` event the first time. Then the
   * usage is read again, so a slot freed between the denial and the wait is not missed (its release woke nobody).
   */
  async hold(job: Job, podName: string, denial: Extract<PodAdmission, { admitted: false }>): Promise<void> {
    const quotas = this.deps.quotas!;
    const { namespace, name } = job.metadata;
    const isNew = await quotas.hold(namespace, heldJobOf(job));
    if (isNew) {
      // The API server's quota admission errors (plugin/pkg/admission/resourcequota), as the Job controller records
      // them.
      const why = denial.uncounted
        ? `status unknown for quota: ${denial.quotaName}, resources: pods`
        : `exceeded quota: ${denial.quotaName}, requested: pods=1, used: pods=${denial.used}, limited: ` +
          `pods=${denial.limit}`;
      await recordEvents(this.deps, { kind: 'Job', namespace, name }, [
        { type: 'Warning', reason: 'FailedCreate', message: `Error creating: pods "${podName}" is forbidden: ${why}` },
      ]);
    }
    await this.wake(namespace);
  }

  /**
   * The Job's own part of the recount, at each sync: releases the charges of its finished pods, and charges its
   * unfinished pods that have none (created while the namespace had no quota, or whose charge a recount released
   * too early). Returns how many charges were released: the caller wakes waiting Jobs once its own pods are created.
   */
  async syncCharges(job: Job, pods: readonly Pod[]): Promise<number> {
    const quotas = this.deps.quotas;
    const namespace = job.metadata.namespace;
    if (quotas === undefined || pods.length === 0 || this.hasNoQuota(namespace)) return 0;
    const usage = await quotas.usage(namespace);
    if (usage === undefined) {
      this.noQuotaUntil.set(namespace, this.deps.clock.now() + NO_QUOTA_CACHE_MS);
      return 0;
    }
    const finished = pods.filter(
      (p) => isPodFinished(p) && usage.holders.get(p.metadata.name)?.jobName === job.metadata.name,
    );
    const released = await quotas.release(
      namespace,
      finished.map((p) => ({ podName: p.metadata.name })),
    );
    if (usage.counted) {
      const now = this.deps.clock.now();
      for (const pod of pods) {
        if (!isPodFinished(pod) && !usage.holders.has(pod.metadata.name))
          await quotas.charge(namespace, { podName: pod.metadata.name, jobName: job.metadata.name, chargedAtMs: now });
      }
    }
    return released;
  }

  /**
   * A pod whose task ended (recorded on it a moment ago): its charge goes at once and a waiting Job is woken for
   * the slot. Its Job's next sync would release it too, but that sync may be queued behind many others.
   */
  async releaseEnded(pod: Pod): Promise<void> {
    const quotas = this.deps.quotas;
    const namespace = pod.metadata.namespace;
    if (quotas === undefined || this.hasNoQuota(namespace)) return;
    if ((await quotas.release(namespace, [{ podName: pod.metadata.name }])) > 0) await this.wake(namespace);
  }

  /** A Job being removed: every charge of its pods goes, it no longer waits, and waiting Jobs get the slots. */
  async releaseAll(job: Job): Promise<void> {
    const quotas = this.deps.quotas;
    if (quotas === undefined) return;
    const namespace = job.metadata.namespace;
    // No quota: nothing charged, and nothing waits (the last quota's deletion woke every waiting Job).
    const usage = await quotas.usage(namespace);
    if (usage === undefined) return;
    await quotas.unhold(namespace, heldJobOf(job));
    const charged = [...usage.holders.values()].filter((h) => h.jobName === job.metadata.name);
    if (charged.length === 0) return;
    await quotas.release(
      namespace,
      charged.map((h) => ({ podName: h.podName, chargedAtMs: h.chargedAtMs })),
    );
    await this.wake(namespace);
  }

  /** Wakes as many waiting Jobs as there are free slots. */
  async wake(namespace: string): Promise<number> {
    const quotas = this.deps.quotas;
    if (quotas === undefined) return 0;
    const usage = await quotas.usage(namespace);
    if (usage === undefined) {
      // No quota any more: every waiting Job may go.
      let woken = 0;
      for (;;) {
        const n = await this.popAndWake(namespace, MAX_WAKE, { reserve: false });
        woken += n;
        if (n < MAX_WAKE) return woken;
      }
    }
    return usage.counted ? this.wakeFor(namespace, usage, usage.holders.size) : 0;
  }

  /**
   * The quota controller's recount: charges whose pod is gone or finished (and older than {@link CHARGE_GRACE_MS})
   * are released; with `scanPods`, or while the usage of a new quota is not counted yet, unfinished pods not charged
   * are charged (pods that ran before the quota existed, which Kubernetes counts too) and the usage is marked counted.
   * Then waiting Jobs are woken for the free slots. Returns what changed.
   */
  async reconcile(
    namespace: string,
    options: { scanPods?: boolean } = {},
  ): Promise<{ released: number; charged: number }> {
    const quotas = this.deps.quotas;
    if (quotas === undefined) return { released: 0, charged: 0 };
    this.noQuotaUntil.delete(namespace);
    const usage = await quotas.usage(namespace);
    if (usage === undefined) {
      await this.wake(namespace); // the last quota was deleted: Jobs still waiting go
      return { released: 0, charged: 0 };
    }
    const now = this.deps.clock.now();
    const stale: Array<{ podName: string; chargedAtMs: number }> = [];
    for (const charge of usage.holders.values()) {
      if (now - charge.chargedAtMs < CHARGE_GRACE_MS) continue;
      const pod = await this.deps.store.getPod({ namespace, name: charge.jobName }, charge.podName);
      if (pod === undefined || isPodFinished(pod))
        stale.push({ podName: charge.podName, chargedAtMs: charge.chargedAtMs });
    }
    const released = await quotas.release(namespace, stale);
    let charged = 0;
    if (options.scanPods || !usage.counted) {
      for (const job of await this.deps.store.list('Job', namespace)) {
        // Only Jobs with active pods are read: 2,000 Jobs applied with their quota have none yet, and a pod a crash
        // stored before its Job's status said so is charged by that Job's own next sync (`syncCharges`).
        if (isJobFinished(job) || job.status.active === 0) continue;
        for (const pod of await this.deps.store.listPods(job.metadata)) {
          if (isPodFinished(pod) || usage.holders.has(pod.metadata.name)) continue;
          await quotas.charge(namespace, { podName: pod.metadata.name, jobName: job.metadata.name, chargedAtMs: now });
          charged++;
        }
      }
      if (!usage.counted) await quotas.markCounted(namespace);
    }
    // Slots freed here, or a quota raised: waiting Jobs get them.
    await this.wake(namespace);
    return { released, charged };
  }

  private async wakeFor(namespace: string, usage: QuotaUsage, used: number): Promise<number> {
    const free = usage.limit - used;
    return free > 0 ? this.popAndWake(namespace, Math.min(free, MAX_WAKE)) : 0;
  }

  /**
   * Wakes up to `max` waiting Jobs, oldest first, each with a slot reserved for it (`reserve`; not when the namespace
   * has no quota left). An entry can be stale (its Job was deleted, finished, or got its pods through a sync of its
   * own): it is dropped and the next one taken, so a freed slot is not spent on a Job that does not need it. Returns
   * how many were woken.
   */
  private async popAndWake(
    namespace: string,
    max: number,
    options: { reserve: boolean } = { reserve: true },
  ): Promise<number> {
    const wake = this.deps.wake ?? this.deps.notify;
    let woken = 0;
    for (let round = 0; woken < max && round < MAX_POP_ROUNDS; round++) {
      const popped = await this.deps.quotas!.popWaiting(namespace, max - woken);
      if (popped.length === 0) break;
      for (const [i, held] of popped.entries()) {
        const job = await this.deps.store.get('Job', { namespace, name: held.name });
        if (job === undefined || !mayCreatePods(job)) continue;
        // The slot is the woken Job's until its sync takes it: Jobs synced before it cannot, so it is not denied again.
        if (options.reserve && !(await this.deps.quotas!.reserve(namespace, held, this.deps.clock.now()))) {
          // Taken meanwhile: this Job and the rest popped with it wait again, in their place (creation order).
          for (const back of popped.slice(i)) await this.deps.quotas!.hold(namespace, back);
          return woken;
        }
        wake?.({ kind: 'Job', key: { namespace, name: held.name } });
        woken++;
      }
    }
    return woken;
  }
}

/**
 * Whether a periodic resync may leave this Job to the quota's wake: it waits for a slot with no pod running, so only
 * a freed slot (or the recount's wake) can move it, and it has no deadline a sync must enforce.
 */
export function isOnlyWaitingForQuota(job: Job): boolean {
  return mayCreatePods(job) && job.status.active === 0 && job.spec.activeDeadlineSeconds === undefined;
}

function heldJobOf(job: Job): HeldJob {
  return { name: job.metadata.name, creationTimestamp: job.metadata.creationTimestamp ?? '' };
}
