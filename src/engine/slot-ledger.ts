import { isValidTimeZone, parseSchedule, type CronSchedule } from '../cron/index.ts';
import type { LedgerEntry, LedgerOwner, SlotOutcome, SlotRecord } from '../spec/slots.ts';
import { entryTimeMs } from '../spec/slots.ts';
import { wellKnown, type CronJob, type Job } from '../spec/types.ts';
import { jobNameFor } from './cronjob-sync.ts';
import { finishedCondition, fromRfc3339 } from './object-meta.ts';

/** What {@link ledgerEntries} decides from: the CronJob and its Jobs as the sync left them, and its latest entry. */
export interface LedgerInput {
  /** The CronJob with the status the sync wrote (`lastScheduleTime` is the slot it last started a Job for). */
  cronJob: CronJob;
  /** Its Jobs, including one the sync just created. */
  jobs: readonly Job[];
  nowMs: number;
  /** The ledger's latest entry for this CronJob (same uid), if any. */
  latest: LedgerEntry | undefined;
}

/** Slots recorded one by one; a longer run of one outcome is one record (a runtime down a day is not 1,440 items). */
export const MAX_SINGLE_RECORDS = 20;
/** The most slots one sync looks at: a minutely schedule over 30 days is 43,200. Older ones are left unrecorded. */
export const MAX_SLOTS_SCANNED = 100_000;
/** A Job created later than this after its slot is recorded as late (a dispatch takes a second or two). */
export const LATE_AFTER_MS = 15_000;

/**
 * The ledger entries one CronJob sync adds: a record for every slot whose outcome became final since the latest entry,
 * and a mark when `spec.suspend` changed. At most one record per slot, written once (issue 14: at most one more write
 * per slot), so a slot whose outcome can still change is left for a later sync:
 *
 * - a slot a Job was created for (its scheduled-timestamp annotation, or `status.lastScheduleTime`) is `Created`;
 * - the latest slot due is final only then, or once past `startingDeadlineSeconds` (`DeadlinePassed`): until a later
 *   slot comes, Kubernetes may still start it late — when a Forbid run ends, when the CronJob is resumed, when a
 *   stopped runtime starts again;
 * - an earlier slot without a Job was superseded (Kubernetes only ever starts the latest missed one):
 *   `Suspended` when a suspension covered it, `ForbidActive` when a Forbid CronJob's run was active at the slot,
 *   else `NotDispatched`.
 *
 * Slots before the CronJob's creation are not its slots; the first sync of a CronJob without entries starts after
 * `lastScheduleTime` (a CronJob from before the ledger gets no made-up history). An invalid schedule or time zone
 * adds nothing: the controller's Warning events say why nothing runs, and `explain` reads the spec.
 *
 * @example
 * const entries = ledgerEntries({ cronJob: written, jobs, nowMs: clock.now(), latest: await ledger.latest(owner) });
 * await ledger.append(entries);
 */
export function ledgerEntries(input: LedgerInput): LedgerEntry[] {
  const { cronJob, jobs, nowMs } = input;
  const owner = ownerOf(cronJob);
  if (owner === undefined) return [];
  const latest = input.latest;
  const schedule = scheduleOf(cronJob);
  const entries: LedgerEntry[] = [];
  // The latest due slot when its outcome can still change: nothing after it may be written, or it would be skipped.
  let pendingMs: number | undefined;
  const suspendedNow = cronJob.spec.suspend === true;
  // Where the previous entries end, and whether the CronJob was suspended from there on.
  const sinceMs = latest === undefined ? startOf(cronJob) : entryTimeMs(latest);
  // Suspended since the latest entry when that is a suspension mark, or a slot recorded as Suspended (only written
  // while a suspension lasts).
  const suspendedSinceMs =
    latest?.type === 'mark'
      ? latest.suspended
        ? latest.atMs
        : undefined
      : latest?.outcome === 'Suspended'
        ? latest.scheduledMs
        : undefined;

  if (schedule !== undefined) {
    const slots = slotTimes(schedule, sinceMs, nowMs);
    const createdFor = createdSlots(cronJob, jobs);
    const deadlineMs =
      cronJob.spec.startingDeadlineSeconds === undefined ? undefined : cronJob.spec.startingDeadlineSeconds * 1000;
    const records: SlotRecord[] = [];
    for (const [i, slotMs] of slots.entries()) {
      // Every slot before the latest due one without a Job was superseded: its outcome is final.
      const isLatest = i === slots.length - 1;
      const jobName = createdFor.get(slotMs);
      if (jobName !== undefined) {
        const job = jobs.find((j) => j.metadata.name === jobName);
        const createdMs =
          job?.metadata.creationTimestamp === undefined ? slotMs : fromRfc3339(job.metadata.creationTimestamp);
        records.push({
          ...record(owner, slotMs, 'Created', nowMs),
          jobName,
          ...(createdMs - slotMs > LATE_AFTER_MS ? { lateMs: createdMs - slotMs } : {}),
        });
        continue;
      }
      if (isLatest) {
        // Still startable late, unless already past its deadline.
        if (deadlineMs !== undefined && nowMs - slotMs > deadlineMs)
          records.push(record(owner, slotMs, 'DeadlinePassed', nowMs));
        else pendingMs = slotMs;
        break;
      }
      if (suspendedSinceMs !== undefined) {
        records.push(record(owner, slotMs, 'Suspended', nowMs));
        continue;
      }
      const active = cronJob.spec.concurrencyPolicy === 'Forbid' ? runningAt(jobs, slotMs) : undefined;
      records.push(
        active === undefined
          ? record(owner, slotMs, 'NotDispatched', nowMs)
          : { ...record(owner, slotMs, 'ForbidActive', nowMs), activeJob: active },
      );
    }
    entries.push(...compress(records));
  }

  // A change of spec.suspend since the latest entry: one mark, after the slots it does not cover and before a pending
  // one (which the next sync then judges in the new state).
  const wasSuspended = suspendedSinceMs !== undefined;
  if (suspendedNow !== wasSuspended && (latest !== undefined || suspendedNow))
    entries.push({
      type: 'mark',
      owner,
      atMs: pendingMs === undefined ? nowMs : pendingMs - 1,
      suspended: suspendedNow,
    });
  return entries;
}

function ownerOf(cronJob: CronJob): LedgerOwner | undefined {
  const { namespace, name, uid } = cronJob.metadata;
  return uid === undefined ? undefined : { namespace, name, uid };
}

function record(owner: LedgerOwner, scheduledMs: number, outcome: SlotOutcome, decidedMs: number): SlotRecord {
  return { type: 'slot', owner, scheduledMs, outcome, decidedMs };
}

/** The schedule the controller fires on, or undefined when it cannot (unknown zone, unparseable, `TZ=` prefix kept). */
export function scheduleOf(cronJob: CronJob): CronSchedule | undefined {
  const { schedule, timeZone } = cronJob.spec;
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) return undefined;
  try {
    return schedule.includes('TZ') ? parseSchedule(schedule) : parseSchedule(schedule, timeZone);
  } catch {
    return undefined;
  }
}

/** Where a CronJob without entries starts: after its last scheduled slot, else after its creation. */
function startOf(cronJob: CronJob): number {
  const { lastScheduleTime } = cronJob.status;
  if (lastScheduleTime !== undefined) return fromRfc3339(lastScheduleTime) - 1;
  return cronJob.metadata.creationTimestamp === undefined
    ? Number.POSITIVE_INFINITY
    : fromRfc3339(cronJob.metadata.creationTimestamp);
}

/** Fire times in `(afterMs, nowMs]`, the last {@link MAX_SLOTS_SCANNED} of them at most. */
function slotTimes(schedule: CronSchedule, afterMs: number, nowMs: number): number[] {
  if (!Number.isFinite(afterMs)) return [];
  const times: number[] = [];
  for (let t = schedule.next(afterMs); t !== undefined && t <= nowMs; t = schedule.next(t)) {
    times.push(t);
    if (times.length > MAX_SLOTS_SCANNED) times.shift();
  }
  return times;
}

/** Slot (epoch ms) → name of the Job created for it, from the Jobs' scheduled-timestamp annotations and the status. */
function createdSlots(cronJob: CronJob, jobs: readonly Job[]): Map<number, string> {
  const created = new Map<number, string>();
  for (const job of jobs) {
    const scheduled = job.metadata.annotations?.[wellKnown.cronJobScheduledTimestamp];
    if (scheduled !== undefined) created.set(Date.parse(scheduled), job.metadata.name);
  }
  const { lastScheduleTime } = cronJob.status;
  if (lastScheduleTime !== undefined) {
    const ms = fromRfc3339(lastScheduleTime);
    if (!created.has(ms)) created.set(ms, jobNameFor(cronJob.metadata.name, ms));
  }
  return created;
}

/** The Job that was running at `ms`: created at or before it and not finished before it. */
function runningAt(jobs: readonly Job[], ms: number): string | undefined {
  for (const job of jobs) {
    const createdMs =
      job.metadata.creationTimestamp === undefined ? undefined : fromRfc3339(job.metadata.creationTimestamp);
    if (createdMs === undefined || createdMs > ms) continue;
    const condition = finishedCondition(job);
    const finishedAt =
      condition === undefined
        ? undefined
        : (job.status.conditions?.find((c) => c.type === condition && c.status === 'True')?.lastTransitionTime ??
          job.status.completionTime);
    if (finishedAt === undefined ? condition === undefined : fromRfc3339(finishedAt) > ms) return job.metadata.name;
  }
  return undefined;
}

/** Runs of more than {@link MAX_SINGLE_RECORDS} consecutive records with one outcome (and no Job) become one. */
function compress(records: SlotRecord[]): SlotRecord[] {
  const out: SlotRecord[] = [];
  let i = 0;
  while (i < records.length) {
    let j = i;
    const first = records[i]!;
    while (
      j + 1 < records.length &&
      first.outcome !== 'Created' &&
      records[j + 1]!.outcome === first.outcome &&
      records[j + 1]!.activeJob === first.activeJob
    )
      j++;
    const run = records.slice(i, j + 1);
    if (run.length > MAX_SINGLE_RECORDS) out.push({ ...run.at(-1)!, firstMs: first.scheduledMs, count: run.length });
    else out.push(...run);
    i = j + 1;
  }
  return out;
}
