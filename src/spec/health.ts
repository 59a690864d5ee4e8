import { parseGoDuration } from '../cron/go-duration.ts';

/**
 * A CronJob's health (issue 14), from its slots and Jobs:
 * - `Suspended`: `spec.suspend` is true (nothing is expected to run);
 * - `Stuck`: a run that is not getting anywhere — a task not started within the grace, a run past
 *   `jobctl.dev/max-runtime`, or a Job still active with no task running for longer than the grace;
 * - `Failing`: the last `jobctl.dev/alert-after-failures` finished runs all failed;
 * - `Missed`: a slot got no run (not dispatched, past its deadline, skipped by Forbid), or the slot due has had no Job
 *   for longer than `jobctl.dev/missed-grace`;
 * - `Healthy`: none of these. In that order of precedence.
 */
export type HealthState = 'Healthy' | 'Failing' | 'Missed' | 'Stuck' | 'Suspended';

/** What is sent on a transition: into a bad state, or `Recovered` out of one. Never one per failed Job. */
export type HealthTransition = 'Failing' | 'Missed' | 'Stuck' | 'Recovered';

/** A CronJob's health as last recorded, with whether its transition was sent (a crash between the two resends it). */
export interface HealthRecord {
  owner: { namespace: string; name: string; uid: string };
  state: HealthState;
  /** The state before, for the transition to send. */
  previous?: HealthState;
  reason: string;
  /** When the CronJob entered this state (epoch ms). */
  sinceMs: number;
  /** Whether the transition into this state was sent (or needed none). */
  notified: boolean;
  /** While unsent: the sync sending it claims it until then (epoch ms); after, another sync may try again. */
  sendingUntilMs?: number;
}

/** What a notification says: a CronJob's transition, why, and when. */
export interface HealthNotification {
  cronJob: { namespace: string; name: string; uid: string };
  transition: HealthTransition;
  state: HealthState;
  previous?: HealthState;
  reason: string;
  /** Epoch ms. */
  atMs: number;
}

/** The annotations that tune health, on the CronJob (the YAML stays valid Kubernetes), and their defaults. */
export const healthAnnotations = {
  alertAfterFailures: 'jobctl.dev/alert-after-failures',
  missedGrace: 'jobctl.dev/missed-grace',
  maxRuntime: 'jobctl.dev/max-runtime',
} as const;

/** Why an annotation's value is not a valid setting, for validation; undefined when it is (or is absent). */
export function healthAnnotationProblem(key: string, value: string): string | undefined {
  if (key === healthAnnotations.alertAfterFailures)
    return /^[1-9]\d{0,3}$/.test(value) ? undefined : 'must be a whole number of failed runs from 1 to 9999';
  if (key !== healthAnnotations.missedGrace && key !== healthAnnotations.maxRuntime) return undefined;
  // Go's own words for what Go's time.ParseDuration rejects.
  try {
    if (parseGoDuration(value) > 0n) return undefined;
  } catch (error) {
    return `${(error as Error).message}; want a Go duration such as 30m`;
  }
  return 'must be a positive duration, such as 30m or 1h30m';
}

/** A positive Go duration in ms, or undefined (absent, unparseable, zero or negative). */
export function durationMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    const ns = parseGoDuration(value);
    return ns > 0n ? Number(ns / 1_000_000n) : undefined;
  } catch {
    return undefined;
  }
}
