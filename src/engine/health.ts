import { durationMs, healthAnnotations, type HealthState, type HealthTransition } from '../spec/health.ts';
import type { SlotRecord } from '../spec/slots.ts';

export type { HealthState, HealthTransition } from '../spec/health.ts';
import { wellKnown, type CronJob, type Job, type Pod } from '../spec/types.ts';
import { finishedCondition, fromRfc3339 } from './object-meta.ts';
import { scheduleOf } from './slot-ledger.ts';

export interface HealthSettings {
  /** Failed runs in a row that make the CronJob Failing. @default 1 */
  alertAfterFailures: number;
  /** How long a due slot may go without a Job, and a task without starting, before Missed / Stuck. @default 5m */
  missedGraceMs: number;
  /** How long a run may take before it is Stuck. @default - no limit */
  maxRuntimeMs?: number;
}

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = { alertAfterFailures: 1, missedGraceMs: 5 * 60_000 };

/**
 * The settings of a CronJob's annotations, defaults for those absent. Values validation refused are not stored, but a
 * CronJob written by an older jobctl may carry one: it falls back to the default rather than stopping the controller.
 */
export function healthSettingsOf(cronJob: CronJob): HealthSettings {
  const annotations = cronJob.metadata.annotations ?? {};
  const failures = Number(annotations[healthAnnotations.alertAfterFailures]);
  const grace = durationMs(annotations[healthAnnotations.missedGrace]);
  const maxRuntime = durationMs(annotations[healthAnnotations.maxRuntime]);
  return {
    alertAfterFailures:
      Number.isInteger(failures) && failures >= 1 ? failures : DEFAULT_HEALTH_SETTINGS.alertAfterFailures,
    missedGraceMs: grace ?? DEFAULT_HEALTH_SETTINGS.missedGraceMs,
    ...(maxRuntime === undefined ? {} : { maxRuntimeMs: maxRuntime }),
  };
}

export interface HealthInput {
  cronJob: CronJob;
  /** Its Jobs. */
  jobs: readonly Job[];
  /** The pods of its unfinished Jobs (to tell a task running from one that never started). */
  pods: readonly Pod[];
  /** Its slot records, newest last (the recent ones: a few are enough). */
  slots: readonly SlotRecord[];
  nowMs: number;
  /** The state last recorded: Failing stays while no run has succeeded since, however few failed Jobs are kept. */
  previous?: HealthState;
}

export interface Health {
  state: HealthState;
  /** One sentence: why. */
  reason: string;
  /**
   * When the state may change with no event but time passing (a due slot's grace ending, a task's start grace, a
   * run reaching max-runtime): the controller syncs the CronJob again then. Undefined: only an event changes it.
   */
  recheckAtMs?: number;
}

/**
 * The CronJob's health now ({@link HealthState}); pure.
 *
 * @example
 * healthOf({ cronJob, jobs, pods, slots, nowMs }) // { state: 'Failing', reason: 'the last 2 runs failed: …' }
 */
export function healthOf(input: HealthInput): Health {
  const { cronJob, jobs, nowMs } = input;
  const settings = healthSettingsOf(cronJob);
  if (cronJob.spec.suspend) return { state: 'Suspended', reason: 'spec.suspend is true' };

  const stuck = stuckReason(input, settings);
  if (stuck !== undefined) return { state: 'Stuck', reason: stuck };

  const finished = jobs
    .filter((j) => finishedCondition(j) !== undefined)
    .sort((a, b) => scheduledOf(a) - scheduledOf(b) || a.metadata.name.localeCompare(b.metadata.name));
  const lastRuns = finished.slice(-settings.alertAfterFailures);
  const streak =
    lastRuns.length === settings.alertAfterFailures && lastRuns.every((j) => finishedCondition(j) === 'Failed');
  // failedJobsHistoryLimit deletes older failed Jobs: once Failing, it lasts until a run succeeds.
  const stillFailing =
    input.previous === 'Failing' && finished.length > 0 && finishedCondition(finished.at(-1)!) === 'Failed';
  if (streak || stillFailing) {
    const names = lastRuns.map((j) => j.metadata.name).join(', ');
    return {
      state: 'Failing',
      reason:
        settings.alertAfterFailures === 1
          ? `the last run failed: ${names}`
          : `the last ${settings.alertAfterFailures} runs failed: ${names}`,
    };
  }

  const missed = missedReason(input, settings, nowMs);
  if (missed !== undefined) return { state: 'Missed', reason: missed };
  const recheckAtMs = recheckOf(input, settings);
  return { state: 'Healthy', reason: 'runs as scheduled', ...(recheckAtMs === undefined ? {} : { recheckAtMs }) };
}

/** The earliest future moment a Healthy CronJob turns Missed or Stuck by time alone. */
function recheckOf(input: HealthInput, settings: HealthSettings): number | undefined {
  const { cronJob, jobs, pods, nowMs } = input;
  const times: number[] = [];
  const due = dueSlotWithoutJob(input);
  if (due !== undefined) times.push(due + settings.missedGraceMs + 1);
  for (const job of jobs) {
    if (finishedCondition(job) !== undefined) continue;
    times.push(createdOf(job.metadata.creationTimestamp, nowMs) + settings.missedGraceMs + 1);
    if (settings.maxRuntimeMs !== undefined && job.status.startTime !== undefined)
      times.push(fromRfc3339(job.status.startTime) + settings.maxRuntimeMs + 1);
  }
  for (const pod of pods)
    if (pod.status.phase === 'Pending')
      times.push(createdOf(pod.metadata.creationTimestamp, nowMs) + settings.missedGraceMs + 1);
  const future = times.filter((t) => t > nowMs);
  return cronJob.spec.suspend || future.length === 0 ? undefined : Math.min(...future);
}

/** The slot due now (the latest fire time not after now, after the last one handled) when it has no Job. */
function dueSlotWithoutJob(input: HealthInput): number | undefined {
  const { cronJob, jobs, nowMs } = input;
  const schedule = scheduleOf(cronJob);
  if (schedule === undefined) return undefined;
  const latest = input.slots.at(-1);
  const sinceMs = Math.max(
    latest?.scheduledMs ?? Number.NEGATIVE_INFINITY,
    createdOf(cronJob.metadata.creationTimestamp, nowMs),
    cronJob.status.lastScheduleTime === undefined
      ? Number.NEGATIVE_INFINITY
      : fromRfc3339(cronJob.status.lastScheduleTime),
  );
  let dueMs: number | undefined;
  for (let t = schedule.next(Math.max(sinceMs, nowMs - 400 * 86_400_000)); t !== undefined && t <= nowMs; ) {
    dueMs = t;
    t = schedule.next(t);
  }
  return dueMs === undefined || jobs.some((j) => scheduledOf(j) === dueMs) ? undefined : dueMs;
}

/**
 * What to send when the health went from `previous` to `next`: into Failing, Missed or Stuck, or Recovered out of one
 * into Healthy. Nothing for the same state, for Suspended, or for a first evaluation that finds it Healthy.
 */
export function transitionOf(previous: HealthState | undefined, next: HealthState): HealthTransition | undefined {
  if (previous === next) return undefined;
  if (next === 'Failing' || next === 'Missed' || next === 'Stuck') return next;
  const wasBad = previous === 'Failing' || previous === 'Missed' || previous === 'Stuck';
  return next === 'Healthy' && wasBad ? 'Recovered' : undefined;
}

function stuckReason(input: HealthInput, settings: HealthSettings): string | undefined {
  const { jobs, pods, nowMs } = input;
  for (const job of jobs) {
    if (finishedCondition(job) !== undefined || job.metadata.deletionTimestamp !== undefined) continue;
    const name = job.metadata.name;
    const startMs = job.status.startTime === undefined ? undefined : fromRfc3339(job.status.startTime);
    if (settings.maxRuntimeMs !== undefined && startMs !== undefined && nowMs - startMs > settings.maxRuntimeMs)
      return (
        `Job ${name} has run ${minutes(nowMs - startMs)}, past jobctl.dev/max-runtime ` +
        `(${minutes(settings.maxRuntimeMs)})`
      );
    const own = pods.filter((p) => p.metadata.labels?.[wellKnown.jobName] === name);
    const running = own.some((p) => p.status.phase === 'Running');
    if (running) continue;
    const pending = own.filter((p) => p.status.phase === 'Pending');
    const oldestPendingMs = Math.min(...pending.map((p) => createdOf(p.metadata.creationTimestamp, nowMs)));
    if (pending.length > 0 && nowMs - oldestPendingMs > settings.missedGraceMs)
      return `the task of Job ${name} has not started in ${minutes(nowMs - oldestPendingMs)}`;
    const createdMs = createdOf(job.metadata.creationTimestamp, nowMs);
    if (pending.length === 0 && nowMs - createdMs > settings.missedGraceMs)
      return `Job ${name} is active with no task running for ${minutes(nowMs - createdMs)}`;
  }
  return undefined;
}

function missedReason(input: HealthInput, settings: HealthSettings, nowMs: number): string | undefined {
  // The latest slot with a record: a miss stays until a later slot gets a Job.
  const latest = input.slots.at(-1);
  if (latest !== undefined && latest.outcome !== 'Created' && latest.outcome !== 'Suspended') {
    const why = {
      NotDispatched: 'nothing ran it (jobctl up not running, or the schedule did not fire)',
      DeadlinePassed: 'it was first seen past startingDeadlineSeconds',
      ForbidActive: `concurrencyPolicy Forbid and Job ${latest.activeJob} was still running`,
    }[latest.outcome];
    return `the slot at ${iso(latest.scheduledMs)} got no Job: ${why}`;
  }
  // The slot due now: no Job for longer than the grace (a runtime or schedule that stopped is seen by the resync).
  const dueMs = dueSlotWithoutJob(input);
  if (dueMs === undefined || nowMs - dueMs <= settings.missedGraceMs) return undefined;
  return (
    `no Job for the slot at ${iso(dueMs)} after ${minutes(nowMs - dueMs)} (jobctl.dev/missed-grace ` +
    `${minutes(settings.missedGraceMs)})`
  );
}

function scheduledOf(job: Job): number {
  const scheduled = job.metadata.annotations?.[wellKnown.cronJobScheduledTimestamp];
  return scheduled === undefined ? createdOf(job.metadata.creationTimestamp, 0) : Date.parse(scheduled);
}

function createdOf(timestamp: string | undefined, fallbackMs: number): number {
  return timestamp === undefined ? fallbackMs : fromRfc3339(timestamp);
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function minutes(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${s % 60 ? `${s % 60}s` : ''}` : `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}
