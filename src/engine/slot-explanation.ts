import { formatRfc3339InZone } from '../cron/time-zone.ts';
import type { LedgerEntry, SlotRecord } from '../spec/slots.ts';
import { entryTimeMs } from '../spec/slots.ts';
import type { CronJob, Job } from '../spec/types.ts';
import { jobNameFor } from './cronjob-sync.ts';
import { finishedCondition, fromRfc3339 } from './object-meta.ts';
import { scheduleOf } from './slot-ledger.ts';

/** What happened at one slot of a CronJob, for `jobctl explain` (and its `-o json`). */
export interface SlotExplanation {
  /** The slot, epoch ms (for `no-slot`: the time asked about). */
  scheduledMs: number;
  /** The ledger's outcome, or what the slot is while not final. */
  outcome: SlotRecord['outcome'] | 'Pending' | 'NotYetDue' | 'BeforeCreation' | 'NoRecord' | 'InvalidSchedule';
  jobName?: string;
  /** Created: how the Job ended (`Complete`, `Failed`), `Running`, or `Gone` (history limits deleted it). */
  jobResult?: 'Complete' | 'Failed' | 'Running' | 'Gone';
  /** One sentence: what happened and why. */
  sentence: string;
}

export interface ExplainInput {
  cronJob: CronJob;
  /** Its Jobs as they are now. */
  jobs: readonly Job[];
  /** The ledger's entries around the slots asked about ({@link SlotLedger.list}); those of another uid are ignored. */
  entries: readonly LedgerEntry[];
  nowMs: number;
  /** The retention of the ledger, to say why an old slot has no record. */
  retentionMs: number;
}

/** The most slots `--from/--to` lists. */
export const MAX_EXPLAINED_SLOTS = 1000;

/**
 * The slot at or before `atMs` (the latest fire time not after it), explained. When `atMs` is before the first slot
 * of the schedule after the CronJob's creation, that is said instead.
 *
 * @example
 * explainSlotAt({ cronJob, jobs, entries, nowMs, retentionMs }, Date.parse('2024-05-01T10:07:00Z')).sentence
 * // 'No Job for 2024-05-01T10:05:00Z: the CronJob was suspended (spec.suspend: true) at that time.'
 */
export function explainSlotAt(input: ExplainInput, atMs: number): SlotExplanation {
  const schedule = scheduleOf(input.cronJob);
  if (schedule === undefined) return invalidSchedule(input.cronJob, atMs);
  const createdMs = creationOf(input.cronJob);
  // The latest fire time at or before atMs: searched in a window back from it, widened until one is found (a minutely
  // schedule takes 60 steps, a yearly one a few), never before the creation.
  let slotMs: number | undefined;
  for (const windowMs of [3_600_000, 86_400_000, 32 * 86_400_000, 400 * 86_400_000]) {
    for (let t = schedule.next(Math.max(createdMs, atMs - windowMs)); t !== undefined && t <= atMs; ) {
      slotMs = t;
      t = schedule.next(t);
    }
    if (slotMs !== undefined || atMs - windowMs <= createdMs) break;
  }
  if (slotMs === undefined) {
    return {
      scheduledMs: atMs,
      outcome: 'BeforeCreation',
      sentence:
        `No slot at or before ${iso(atMs)}: the CronJob was created at ${iso(createdMs)}` +
        (schedule.next(createdMs) === undefined
          ? '.'
          : `; its first slot was ${when(input.cronJob, schedule.next(createdMs)!)}.`),
    };
  }
  return explainSlot(input, slotMs);
}

/**
 * Every slot in `[fromMs, toMs]` (at most {@link MAX_EXPLAINED_SLOTS}, the latest ones), explained, oldest first.
 */
export function explainSlotsBetween(input: ExplainInput, fromMs: number, toMs: number): SlotExplanation[] {
  const schedule = scheduleOf(input.cronJob);
  if (schedule === undefined) return [invalidSchedule(input.cronJob, fromMs)];
  const slots: number[] = [];
  for (let t = schedule.next(Math.max(fromMs - 1, creationOf(input.cronJob))); t !== undefined && t <= toMs; ) {
    slots.push(t);
    if (slots.length > MAX_EXPLAINED_SLOTS) slots.shift();
    t = schedule.next(t);
  }
  return slots.map((slotMs) => explainSlot(input, slotMs));
}

/** One slot of the schedule, explained from the ledger, or from the CronJob's state while it is not final. */
export function explainSlot(input: ExplainInput, slotMs: number): SlotExplanation {
  const { cronJob, nowMs } = input;
  const uid = cronJob.metadata.uid;
  const entries = input.entries.filter((e) => e.owner.uid === uid);
  const record = entries.find(
    (e): e is SlotRecord => e.type === 'slot' && (e.firstMs ?? e.scheduledMs) <= slotMs && slotMs <= e.scheduledMs,
  );
  const at = when(cronJob, slotMs);
  if (record !== undefined) return explainRecord(input, record, slotMs, at);
  if (slotMs > nowMs) return { scheduledMs: slotMs, outcome: 'NotYetDue', sentence: `${at} is not due yet.` };
  const latestMs = entries.length === 0 ? undefined : Math.max(...entries.map(entryTimeMs));
  // Not final yet: what the controller is waiting for.
  if (latestMs === undefined || slotMs > latestMs || isLatestDue(input, slotMs)) {
    const created = input.jobs.find((j) => j.metadata.name === jobNameFor(cronJob.metadata.name, slotMs));
    if (created !== undefined)
      return withJob(slotMs, 'Created', created, `${at}: Job ${created.metadata.name} was created`);
    const active = cronJob.status.active[0]?.name;
    const reason = cronJob.spec.suspend
      ? 'the CronJob is suspended (spec.suspend: true); resuming it starts this slot late, as Kubernetes does'
      : cronJob.spec.concurrencyPolicy === 'Forbid' && active !== undefined
        ? `concurrencyPolicy is Forbid and Job ${active} is still running; it starts when that run ends, unless the ` +
          'next slot comes first'
        : 'the controller has not run it yet (it starts at the next sync: is jobctl up running?)';
    return { scheduledMs: slotMs, outcome: 'Pending', sentence: `No Job yet for ${at}: ${reason}.` };
  }
  const oldest = entries.length === 0 ? undefined : Math.min(...entries.map(entryTimeMs));
  const sentence =
    nowMs - slotMs > input.retentionMs
      ? `No record of ${at}: the ledger keeps slots for ${Math.round(input.retentionMs / 86_400_000)} days.`
      : `No record of ${at}` +
        (oldest !== undefined && slotMs < oldest ? ': it came before the ledger began for this CronJob.' : '.');
  return { scheduledMs: slotMs, outcome: 'NoRecord', sentence };
}

function explainRecord(input: ExplainInput, record: SlotRecord, slotMs: number, at: string): SlotExplanation {
  const run =
    record.count !== undefined && record.count > 1
      ? ` (one of ${record.count} such slots from ${iso(record.firstMs!)} to ${iso(record.scheduledMs)})`
      : '';
  switch (record.outcome) {
    case 'Created': {
      const late = record.lateMs === undefined ? 'on time' : `${seconds(record.lateMs)} late`;
      const job = input.jobs.find((j) => j.metadata.name === record.jobName);
      return withJob(slotMs, 'Created', job, `${at}: Job ${record.jobName} was created ${late}`, record.jobName);
    }
    case 'Suspended':
      return {
        scheduledMs: slotMs,
        outcome: 'Suspended',
        sentence: `No Job for ${at}: the CronJob was suspended (spec.suspend: true) at that time${run}.`,
      };
    case 'ForbidActive':
      return {
        scheduledMs: slotMs,
        outcome: 'ForbidActive',
        sentence:
          `No Job for ${at}: concurrencyPolicy is Forbid and Job ${record.activeJob} was still running when the next ` +
          `slot came${run}.`,
      };
    case 'DeadlinePassed':
      return {
        scheduledMs: slotMs,
        outcome: 'DeadlinePassed',
        sentence:
          `No Job for ${at}: the controller first saw it ${seconds(record.decidedMs - slotMs)} late, past ` +
          `startingDeadlineSeconds (${input.cronJob.spec.startingDeadlineSeconds ?? '?'}s)${run}.`,
      };
    case 'NotDispatched':
      return {
        scheduledMs: slotMs,
        outcome: 'NotDispatched',
        sentence:
          `No Job for ${at}: nothing ran the CronJob controller between that time and the next slot (jobctl up was ` +
          `not running, or the schedule did not fire), and Kubernetes starts only the latest missed time${run}.`,
      };
  }
}

function withJob(
  slotMs: number,
  outcome: 'Created',
  job: Job | undefined,
  prefix: string,
  jobName = job?.metadata.name,
): SlotExplanation {
  const condition = job === undefined ? undefined : finishedCondition(job);
  const jobResult = job === undefined ? 'Gone' : (condition ?? 'Running');
  const ended =
    job === undefined
      ? 'it is no longer kept (successfulJobsHistoryLimit / failedJobsHistoryLimit deleted it)'
      : condition === 'Complete'
        ? `it succeeded${job.status.completionTime === undefined ? '' : ` at ${job.status.completionTime}`}`
        : condition === 'Failed'
          ? `it failed (${job.status.conditions?.find((c) => c.type === 'Failed')?.reason ?? 'Failed'})`
          : 'it is still running';
  return {
    scheduledMs: slotMs,
    outcome,
    ...(jobName === undefined ? {} : { jobName }),
    jobResult,
    sentence: `${prefix}; ${ended}.`,
  };
}

/** The slot the controller would start now: the latest fire time at or before now. */
function isLatestDue(input: ExplainInput, slotMs: number): boolean {
  const schedule = scheduleOf(input.cronJob);
  const next = schedule?.next(slotMs);
  return next === undefined || next > input.nowMs;
}

function invalidSchedule(cronJob: CronJob, atMs: number): SlotExplanation {
  const zone = cronJob.spec.timeZone === undefined ? '' : ` in time zone "${cronJob.spec.timeZone}"`;
  return {
    scheduledMs: atMs,
    outcome: 'InvalidSchedule',
    sentence:
      `No Job runs: the schedule "${cronJob.spec.schedule}"${zone} cannot be evaluated (see the CronJob's ` +
      'Warning events: UnparseableSchedule, UnknownTimeZone, InvalidSchedule).',
  };
}

function creationOf(cronJob: CronJob): number {
  const created = cronJob.metadata.creationTimestamp;
  return created === undefined ? 0 : fromRfc3339(created);
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A slot as `2024-05-01T10:05:00Z`, with its local time when the CronJob has a zone. */
function when(cronJob: CronJob, ms: number): string {
  const zone = cronJob.spec.timeZone;
  return zone === undefined || zone === 'UTC' ? iso(ms) : `${iso(ms)} (${formatRfc3339InZone(ms, zone)} ${zone})`;
}

function seconds(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 === 0 ? '' : `${s % 60}s`}`;
  const h = Math.floor(m / 60);
  return `${h}h${m % 60 === 0 ? '' : `${m % 60}m`}`;
}
