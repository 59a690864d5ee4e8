import { AlreadyExistsError, ConflictError, NotFoundError, assertNever } from '../errors.ts';
import { syncCronJob, type CronJobSyncResult } from '../engine/cronjob-sync.ts';
import { ledgerEntries } from '../engine/slot-ledger.ts';
import { jobScheduledEvent, slotsRecordedEvents } from '../engine/metrics.ts';
import { healthOf, healthSettingsOf, transitionOf } from '../engine/health.ts';
import { finishedCondition } from '../engine/object-meta.ts';
import type { SlotRecord } from '../spec/slots.ts';
import type { HealthRecord } from '../spec/health.ts';
import type { Pod } from '../spec/types.ts';
import type { ObjectKey } from '../ports/state-store.ts';
import type { CronJob, Job } from '../spec/types.ts';
import { wellKnown } from '../spec/types.ts';
import { requestJobDeletion } from './delete-job.ts';
import { MAX_CONFLICT_RETRIES, recordEvents, reportMetrics, type ControllerDeps } from './deps.ts';

/** What the CronJob controller works through: it creates and deletes Jobs, records events and slot outcomes. */
export type CronJobControllerDeps = Pick<ControllerDeps, 'store' | 'clock' | 'notify' | 'slots' | 'health' | 'metrics'>;

export interface SyncOutcome {
  /** When to sync this object again; undefined = only on a change. */
  requeueAtMs?: number;
  /** The CronJob as the sync last read it (its spec), so a caller needs no second read. */
  cronJob?: CronJob;
}

/**
 * The CronJob controller's sync loop around the pure decision (`syncCronJob`), with the order of writes that makes
 * every crash repairable by simply syncing again:
 *
 * ```
 *  read CronJob + its Jobs ──► decide ──► delete (history, Replace) ──► create Job ──► write status if rv unchanged
 *                                                                      (conditional    (conditional on
 *                                                                       put by name)    resourceVersion)
 * ```
 * - Crash after the create, before the status write: the next sync computes the same scheduled time, finds that
 *   Job among the children but not in `active`, and adopts it (Kubernetes' AlreadyExists path) — no second Job.
 * - Two syncs racing (duplicate deliveries, Forbid): both may decide, but only one status write succeeds; the loser
 *   re-reads and decides again on fresh state. A Job it created that the fresh decision does not adopt was never
 *   admitted (the Job controller starts no pod of a CronJob's Job until `status.active` lists it), so the loser
 *   deletes it: Forbid never overlaps.
 */
/** How long a sync's claim on sending a health transition lasts: past it, a failed or lost send is tried again. */
export const SEND_CLAIM_MS = 60_000;

export class CronJobController {
  constructor(private readonly deps: CronJobControllerDeps) {}

  async sync(key: ObjectKey): Promise<SyncOutcome> {
    const created: Job[] = [];
    for (let attempt = 1; ; attempt++) {
      const cronJob = await this.deps.store.get('CronJob', key);
      if (!cronJob) {
        await this.deleteUnadmitted(created);
        return {};
      }
      const jobs = await this.readChildren(cronJob);
      const result = syncCronJob({ cronJob, jobs, now: this.deps.clock.now() });
      const createdNow = await this.execute(cronJob, result);
      if (createdNow === 'foreign') return {};
      if (createdNow) created.push(createdNow);
      let written = cronJob;
      try {
        if (result.statusChanged) {
          written = await this.deps.store.update({ ...cronJob, status: result.status });
          for (const ref of result.status.active)
            this.deps.notify?.({ kind: 'Job', key: { namespace: ref.namespace, name: ref.name } });
        }
      } catch (error) {
        if ((error instanceof ConflictError && attempt < MAX_CONFLICT_RETRIES) || error instanceof NotFoundError)
          continue;
        throw error;
      }
      // Decided events are recorded once the decision has stuck (a lost status race re-decides on fresh state).
      await recordEvents(this.deps, { kind: 'CronJob', namespace: key.namespace, name: key.name }, result.events);
      const isActive = (job: Job) => result.status.active.some((ref) => ref.uid === job.metadata.uid);
      await this.deleteUnadmitted([
        ...created.filter((job) => !isActive(job)),
        ...neverAdoptable(jobs, result.status.lastScheduleTime).filter((job) => !isActive(job)),
      ]);
      // The skew of a Job this sync created and admitted (one that lost the status race was deleted, never ran).
      if (createdNow && isActive(createdNow))
        reportMetrics(this.deps, [jobScheduledEvent(createdNow, this.deps.clock.now())]);
      // Last: the slots whose outcome this sync made final. A crash before it leaves them to the next sync.
      const children = createdNow === undefined ? jobs : [...jobs, createdNow];
      const lastSlot = await this.recordSlots(written, children);
      const recheckAtMs = await this.recordHealth(written, children, lastSlot);
      // Sooner than the next slot when the health may change by time alone (a due slot's grace ending).
      const requeueAtMs =
        recheckAtMs === undefined || (result.requeueAtMs !== undefined && result.requeueAtMs <= recheckAtMs)
          ? result.requeueAtMs
          : recheckAtMs;
      return { requeueAtMs, cronJob };
    }
  }

  /**
   * Appends the ledger entries of this sync (src/engine/slot-ledger.ts): one Query, then a PutItem per entry. Returns
   * the latest slot record now in the ledger, if known (health reads it).
   */
  private async recordSlots(cronJob: CronJob, jobs: readonly Job[]): Promise<SlotRecord | undefined> {
    const { slots, clock } = this.deps;
    const uid = cronJob.metadata.uid;
    if (slots === undefined || uid === undefined) return undefined;
    const latest = await slots.latest({ namespace: cronJob.metadata.namespace, name: cronJob.metadata.name, uid });
    const entries = ledgerEntries({ cronJob, jobs, nowMs: clock.now(), latest });
    if (entries.length > 0) {
      await slots.append(entries);
      reportMetrics(this.deps, slotsRecordedEvents(entries, clock.now()));
    }
    return [...entries, ...(latest === undefined ? [] : [latest])]
      .filter((e): e is SlotRecord => e.type === 'slot')
      .sort((a, b) => b.scheduledMs - a.scheduledMs)[0];
  }

  /**
   * The CronJob's health (src/engine/health.ts) and, on a transition, one notification: the new state is written first
   * (conditionally, so two syncs that see the same transition send it once), then sent, then marked sent. A send that
   * fails leaves it unmarked: the next sync sends it again (a notification is never lost, rarely repeated); the failure
   * is logged, and the sync — its schedule work done — does not fail for it.
   */
  private async recordHealth(
    cronJob: CronJob,
    jobs: readonly Job[],
    lastSlot: SlotRecord | undefined,
  ): Promise<number | undefined> {
    const { health, clock, store } = this.deps;
    const uid = cronJob.metadata.uid;
    if (health === undefined || uid === undefined) return undefined;
    const owner = { namespace: cronJob.metadata.namespace, name: cronJob.metadata.name, uid };
    const nowMs = clock.now();
    const graceMs = healthSettingsOf(cronJob).missedGraceMs;
    // Pods only of runs old enough to be stuck: a run created within the grace cannot be, and costs no read.
    const pods: Pod[] = [];
    for (const job of jobs) {
      const createdMs = Date.parse(job.metadata.creationTimestamp ?? '');
      if (finishedCondition(job) === undefined && nowMs - createdMs > graceMs)
        pods.push(...(await store.listPods({ namespace: job.metadata.namespace, name: job.metadata.name })));
    }
    const stored = await health.store.get(owner);
    const slots = lastSlot === undefined ? [] : [lastSlot];
    const previous = stored?.record.state;
    const next = healthOf({ cronJob, jobs, pods, slots, nowMs, ...(previous === undefined ? {} : { previous }) });
    let record = stored?.record;
    let version = stored?.version;
    if (record === undefined || record.state !== next.state) {
      const notified = transitionOf(record?.state, next.state) === undefined;
      const changed: HealthRecord = {
        owner,
        state: next.state,
        ...(record === undefined ? {} : { previous: record.state }),
        reason: next.reason,
        sinceMs: nowMs,
        notified,
        // The writer of a transition claims its sending, so no other sync sends it meanwhile.
        ...(notified ? {} : { sendingUntilMs: nowMs + SEND_CLAIM_MS }),
      };
      version = await health.store.put(changed, version);
      if (version === undefined) return next.recheckAtMs; // another sync recorded this transition, and sends it
      record = changed;
    } else if (!record.notified) {
      // An unsent transition (a failed send, or a crash before the send): resent by one sync, once the claim of the
      // last one to try has lapsed — duplicate deliveries must not each send it.
      if (record.sendingUntilMs !== undefined && record.sendingUntilMs > nowMs) return next.recheckAtMs;
      const claim: HealthRecord = { ...record, sendingUntilMs: nowMs + SEND_CLAIM_MS };
      version = await health.store.put(claim, version);
      if (version === undefined) return next.recheckAtMs; // another sync claimed it
      record = claim;
    }
    if (record.notified) return next.recheckAtMs;
    const transition = transitionOf(record.previous, record.state);
    if (transition !== undefined) {
      const notification = {
        cronJob: owner,
        transition,
        state: record.state,
        ...(record.previous === undefined ? {} : { previous: record.previous }),
        reason: record.reason,
        atMs: record.sinceMs,
      };
      try {
        await health.notifier.send(notification);
      } catch (error) {
        health.log?.(
          `notification of cronjob ${owner.namespace}/${owner.name} ${transition} failed, will retry: ` +
            `${(error as Error).message}`,
        );
        return next.recheckAtMs;
      }
    }
    const { sendingUntilMs: _, ...sent } = record;
    await health.store.put({ ...sent, notified: true }, version);
    return next.recheckAtMs;
  }

  /**
   * Children by owner (a Query that may lag on AWS) plus a strongly consistent read of every Job `status.active`
   * names, so a missing Job is really missing before the engine reports `MissingJob`.
   */
  private async readChildren(cronJob: CronJob): Promise<Job[]> {
    const { namespace, name } = cronJob.metadata;
    const byName = new Map<string, Job>();
    for (const job of await this.deps.store.list('Job', namespace, { ownerName: name })) {
      // A Job whose deletion was requested is gone as far as the CronJob is concerned (as an informer's delete event).
      if (job.metadata.deletionTimestamp !== undefined) continue;
      if (job.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === name && o.controller))
        byName.set(job.metadata.name, job);
    }
    for (const ref of cronJob.status.active) {
      const job = await this.deps.store.get('Job', { namespace: ref.namespace, name: ref.name });
      if (job && job.metadata.deletionTimestamp === undefined) byName.set(job.metadata.name, job);
      else byName.delete(ref.name);
    }
    return [...byName.values()];
  }

  /**
   * Runs the decided actions in order; returns the Job it created, or 'foreign' when the name is taken by a Job it does
   * not control.
   */
  private async execute(cronJob: CronJob, result: CronJobSyncResult): Promise<Job | 'foreign' | undefined> {
    const involved = { kind: 'CronJob' as const, namespace: cronJob.metadata.namespace, name: cronJob.metadata.name };
    let created: Job | undefined;
    for (const action of result.actions) {
      switch (action.type) {
        case 'deleteJob': {
          await requestJobDeletion(this.deps, { namespace: cronJob.metadata.namespace, name: action.name });
          await recordEvents(this.deps, involved, [
            { type: 'Normal', reason: 'SuccessfulDelete', message: `Deleted job ${action.name}` },
          ]);
          break;
        }
        case 'createJob': {
          try {
            created = await this.deps.store.create(action.job);
            await recordEvents(this.deps, involved, [
              { type: 'Normal', reason: 'SuccessfulCreate', message: `Created job ${action.job.metadata.name}` },
            ]);
          } catch (error) {
            if (!(error instanceof AlreadyExistsError)) {
              await recordEvents(this.deps, involved, [
                { type: 'Warning', reason: 'FailedCreate', message: `Error creating job: ${(error as Error).message}` },
              ]);
              throw error;
            }
            // Same name, same deterministic uid: our own Job from an earlier attempt; the status write adopts it.
            const existing = await this.deps.store.get('Job', {
              namespace: action.job.metadata.namespace,
              name: action.job.metadata.name,
            });
            if (existing && existing.metadata.uid !== action.job.metadata.uid) return 'foreign';
          }
          break;
        }
        default:
          assertNever(action, 'CronJob action');
      }
    }
    return created;
  }

  /**
   * Deletes Jobs this sync found unadmitted, unless the CronJob lists them by now: between this sync's decision and
   * here another sync may have adopted one (a lost run, `adoptLostRuns`), and deleting it would lose that run. What
   * remains is the gap between this read and the deletion mark (milliseconds; closing it needs a transaction across
   * the two items, which dynalite does not offer).
   */
  private async deleteUnadmitted(jobs: Job[]): Promise<void> {
    if (jobs.length === 0) return;
    const first = jobs[0]!;
    const owner = first.metadata.ownerReferences?.find((o) => o.kind === 'CronJob' && o.controller)?.name;
    const cronJob =
      owner === undefined
        ? undefined
        : await this.deps.store.get('CronJob', { namespace: first.metadata.namespace, name: owner });
    for (const job of jobs) {
      if (cronJob?.status.active.some((ref) => ref.uid === job.metadata.uid)) continue;
      await requestJobDeletion(this.deps, { namespace: job.metadata.namespace, name: job.metadata.name });
    }
  }
}

/**
 * Jobs this controller created for a slot at or before `lastScheduleTime` that never started and are not in
 * `active`: left by a crash between creating a Job and writing status, after which a later slot was chosen. The
 * due-time search only looks after `lastScheduleTime`, so they can never be adopted, and without admission they
 * would never run: they are deleted.
 */
function neverAdoptable(jobs: readonly Job[], lastScheduleTime: string | undefined): Job[] {
  if (lastScheduleTime === undefined) return [];
  const lastMs = Date.parse(lastScheduleTime);
  return jobs.filter((job) => {
    const scheduled = job.metadata.annotations?.[wellKnown.cronJobScheduledTimestamp];
    return scheduled !== undefined && job.status.startTime === undefined && Date.parse(scheduled) < lastMs;
  });
}
