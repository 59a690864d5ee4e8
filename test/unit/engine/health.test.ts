import { describe, expect, it } from 'vitest';
import { jobFromTemplate } from '../../../src/engine/cronjob-sync.ts';
import { healthOf, healthSettingsOf, transitionOf, type HealthInput } from '../../../src/engine/health.ts';
import { healthAnnotationProblem } from '../../../src/spec/health.ts';
import type { SlotRecord } from '../../../src/spec/slots.ts';
import type { CronJob, Job, Pod } from '../../../src/spec/types.ts';
import { aCronJob, aJobPod, at } from '../../support/builders.ts';

// A CronJob's health (issue 14), pure: its states in order of precedence, the transitions that are sent, and the
// annotations that tune them (with their defaults).
const every5 = (o: Parameters<typeof aCronJob>[0] = {}, annotations: Record<string, string> = {}): CronJob => {
  const cronJob = aCronJob({ schedule: '*/5 * * * *', creationTimestamp: at('2024-05-01T09:58:00Z'), ...o });
  return { ...cronJob, metadata: { ...cronJob.metadata, annotations } };
};
const run = (cronJob: CronJob, slotIso: string, result?: 'Complete' | 'Failed', startIso?: string): Job => {
  const job = jobFromTemplate(cronJob, at(slotIso), at(slotIso));
  const finishedAt = new Date(at(slotIso) + 30_000).toISOString();
  return {
    ...job,
    status: {
      ...job.status,
      ...(startIso === undefined ? {} : { startTime: startIso }),
      ...(result === undefined
        ? { active: 1 }
        : { conditions: [{ type: result, status: 'True', lastTransitionTime: finishedAt }] }),
    },
  };
};
const record = (iso: string, outcome: SlotRecord['outcome'], extra: Partial<SlotRecord> = {}): SlotRecord => ({
  type: 'slot',
  owner: { namespace: 'snazzycats', name: 'mycronjob', uid: '1a2b3c' },
  scheduledMs: at(iso),
  outcome,
  decidedMs: at(iso),
  ...extra,
});
const health = (input: Partial<HealthInput> & { cronJob: CronJob; nowIso: string }) =>
  healthOf({ jobs: [], pods: [], slots: [], nowMs: at(input.nowIso), ...input });

describe('healthOf', () => {
  it('is Healthy while runs succeed, and says when time alone could change that', () => {
    const cronJob = every5({ lastScheduleTime: at('2024-05-01T10:05:00Z') });
    const jobs = [run(cronJob, '2024-05-01T10:00:00Z', 'Complete'), run(cronJob, '2024-05-01T10:05:00Z', 'Complete')];
    const slots = [record('2024-05-01T10:05:00Z', 'Created')];
    expect(health({ cronJob, jobs, slots, nowIso: '2024-05-01T10:07:00Z' })).toEqual({
      state: 'Healthy',
      reason: 'runs as scheduled',
    });
    // 10:10 is due and has no Job yet: Missed once the 5-minute default grace is over.
    expect(health({ cronJob, jobs, slots, nowIso: '2024-05-01T10:10:01Z' }).recheckAtMs).toBe(
      at('2024-05-01T10:15:00Z') + 1,
    );
  });

  it('is Failing after alert-after-failures failed runs in a row (default 1), and stays so until one succeeds', () => {
    const cronJob = every5({}, { 'jobctl.dev/alert-after-failures': '2' });
    const ok = run(cronJob, '2024-05-01T10:00:00Z', 'Complete');
    const f1 = run(cronJob, '2024-05-01T10:05:00Z', 'Failed');
    const f2 = run(cronJob, '2024-05-01T10:10:00Z', 'Failed');
    const nowIso = '2024-05-01T10:11:00Z';
    expect(health({ cronJob, jobs: [ok, f1], nowIso }).state).toBe('Healthy');
    expect(health({ cronJob, jobs: [ok, f1, f2], nowIso })).toMatchObject({
      state: 'Failing',
      reason: `the last 2 runs failed: ${f1.metadata.name}, ${f2.metadata.name}`,
    });
    // failedJobsHistoryLimit deleted f1: still Failing, as no run succeeded since.
    expect(health({ cronJob, jobs: [ok, f2], nowIso, previous: 'Failing' }).state).toBe('Failing');
    expect(health({ cronJob: every5(), jobs: [ok, f1], nowIso }).state).toBe('Failing');
  });

  it('is Missed when the latest slot got no Job, or the due one has none past missed-grace', () => {
    const cronJob = every5({ lastScheduleTime: at('2024-05-01T10:00:00Z') }, { 'jobctl.dev/missed-grace': '2m' });
    const jobs = [run(cronJob, '2024-05-01T10:00:00Z', 'Complete')];
    expect(
      health({
        cronJob,
        jobs,
        slots: [record('2024-05-01T10:05:00Z', 'NotDispatched')],
        nowIso: '2024-05-01T10:06:00Z',
      }),
    ).toEqual({
      state: 'Missed',
      reason:
        'the slot at 2024-05-01T10:05:00Z got no Job: nothing ran it (jobctl up not running, or the schedule did ' +
        'not fire)',
    });
    expect(health({ cronJob, jobs, nowIso: '2024-05-01T10:06:59Z' }).state).toBe('Healthy');
    expect(health({ cronJob, jobs, nowIso: '2024-05-01T10:07:01Z' })).toEqual({
      state: 'Missed',
      reason: 'no Job for the slot at 2024-05-01T10:05:00Z after 2m1s (jobctl.dev/missed-grace 2m)',
    });
  });

  it('is Stuck for a task not started in the grace, a run past max-runtime, or a Job active with no task', () => {
    const cronJob = every5({}, { 'jobctl.dev/max-runtime': '30m' });
    const active = run(cronJob, '2024-05-01T10:00:00Z', undefined, '2024-05-01T10:00:05Z');
    const pod = aJobPod(active);
    const pending = {
      ...pod,
      metadata: { ...pod.metadata, creationTimestamp: '2024-05-01T10:00:00Z' },
      status: { phase: 'Pending' },
    } as Pod;
    const running: Pod = { ...pending, status: { phase: 'Running' } } as Pod;
    expect(health({ cronJob, jobs: [active], pods: [pending], nowIso: '2024-05-01T10:06:00Z' })).toMatchObject({
      state: 'Stuck',
      reason: `the task of Job ${active.metadata.name} has not started in 6m`,
    });
    expect(health({ cronJob, jobs: [active], pods: [running], nowIso: '2024-05-01T10:20:00Z' }).state).toBe('Healthy');
    expect(health({ cronJob, jobs: [active], pods: [running], nowIso: '2024-05-01T10:31:00Z' })).toMatchObject({
      state: 'Stuck',
      reason: `Job ${active.metadata.name} has run 30m55s, past jobctl.dev/max-runtime (30m)`,
    });
    expect(health({ cronJob, jobs: [active], pods: [], nowIso: '2024-05-01T10:06:00Z' })).toMatchObject({
      state: 'Stuck',
      reason: `Job ${active.metadata.name} is active with no task running for 6m`,
    });
  });

  it('is Suspended above all', () => {
    const cronJob = every5({ suspend: true });
    expect(
      health({ cronJob, jobs: [run(cronJob, '2024-05-01T10:00:00Z', 'Failed')], nowIso: '2024-05-01T11:00:00Z' }).state,
    ).toBe('Suspended');
  });
});

describe('transitionOf', () => {
  it('sends a bad state when entered, Recovered when Healthy again, and nothing else', () => {
    expect(transitionOf(undefined, 'Healthy')).toBeUndefined();
    expect(transitionOf('Healthy', 'Failing')).toBe('Failing');
    expect(transitionOf('Failing', 'Failing')).toBeUndefined();
    expect(transitionOf('Failing', 'Missed')).toBe('Missed');
    expect(transitionOf('Missed', 'Healthy')).toBe('Recovered');
    expect(transitionOf('Stuck', 'Suspended')).toBeUndefined();
    expect(transitionOf('Suspended', 'Healthy')).toBeUndefined();
  });
});

describe('health settings', () => {
  it('has defaults (1 failure, 5m grace, no max runtime) and refuses values the controller could not use', () => {
    expect(healthSettingsOf(every5())).toEqual({ alertAfterFailures: 1, missedGraceMs: 300_000 });
    expect(healthAnnotationProblem('jobctl.dev/alert-after-failures', '0')).toMatch(/whole number/);
    expect(healthAnnotationProblem('jobctl.dev/missed-grace', '-5m')).toMatch(/must be a positive duration/);
    expect(healthAnnotationProblem('jobctl.dev/missed-grace', '5 minutes')).toMatch(/^time: unknown unit/);
    expect(healthAnnotationProblem('jobctl.dev/max-runtime', '1h30m')).toBeUndefined();
    expect(healthAnnotationProblem('example.com/other', 'anything')).toBeUndefined();
  });
});
