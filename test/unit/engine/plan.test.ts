import { describe, expect, it } from 'vitest';
import { parseSchedule } from '../../../src/cron/index.ts';
import {
  longestRunOf,
  MAX_RUNTIME_ANNOTATION,
  maxRuntimeFindings,
  planRuns,
  type Plan,
  type PlannedRun,
} from '../../../src/engine/plan.ts';
import { nextScheduleTime, nextScheduleTimeDuration } from '../../../src/engine/schedule-times.ts';
import type { ConcurrencyPolicy, CronJob } from '../../../src/spec/types.ts';
import { aCronJob, at, rfc3339 } from '../../support/builders.ts';

// Europe/Berlin in 2025: clocks go forward on 2025-03-30 at 01:00Z (02:00 CET → 03:00 CEST) and back on 2025-10-26
// at 01:00Z (03:00 CEST → 02:00 CET). Every expected time below is written out by hand from those two facts.

interface PlanCronJob {
  name?: string;
  schedule: string;
  timeZone?: string;
  concurrencyPolicy?: ConcurrencyPolicy;
  suspend?: boolean;
  maxRuntime?: string;
  activeDeadlineSeconds?: number;
  creationTimestamp?: number;
  lastScheduleTime?: number;
}

function cronJob(o: PlanCronJob): CronJob {
  const base = aCronJob({
    name: o.name ?? 'job',
    namespace: 'default',
    schedule: o.schedule,
    ...(o.timeZone === undefined ? {} : { timeZone: o.timeZone }),
    concurrencyPolicy: o.concurrencyPolicy ?? 'Allow',
    suspend: o.suspend ?? false,
    creationTimestamp: o.creationTimestamp ?? at('2025-01-01T00:00:00Z'),
    ...(o.lastScheduleTime === undefined ? {} : { lastScheduleTime: o.lastScheduleTime }),
  });
  return {
    ...base,
    metadata: {
      ...base.metadata,
      ...(o.maxRuntime === undefined ? {} : { annotations: { [MAX_RUNTIME_ANNOTATION]: o.maxRuntime } }),
    },
    spec: {
      ...base.spec,
      jobTemplate: {
        ...base.spec.jobTemplate,
        spec: {
          ...base.spec.jobTemplate.spec,
          ...(o.activeDeadlineSeconds === undefined ? {} : { activeDeadlineSeconds: o.activeDeadlineSeconds }),
        },
      },
    },
  };
}

const plan = (cronJobs: CronJob[], from: string, to: string): Plan => planRuns(cronJobs, at(from), at(to));

/** Runs as `time notes…` lines, the form the expectations are written in. */
const runLines = (runs: readonly PlannedRun[]) => runs.map((r) => [rfc3339(r.timeMs), ...r.notes].join(' '));

const skippedLines = (p: Plan) =>
  p.skipped.map((s) => {
    const { year, month, day, hour, minute } = s.localTime;
    const two = (n: number) => String(n).padStart(2, '0');
    return `${s.cronJob} ${year}-${two(month)}-${two(day)} ${two(hour)}:${two(minute)} at ${rfc3339(s.clockChangeMs)}`;
  });

const nightly = cronJob({ name: 'nightly', schedule: '30 2 * * *', timeZone: 'Europe/Berlin' });
const halfHourly = cronJob({ name: 'half-hourly', schedule: '*/30 * * * *', timeZone: 'Europe/Berlin' });

describe("planRuns over Europe/Berlin's daylight-saving days of 2025", () => {
  it('runs 30 2 * * * not at all on 2025-03-30: 02:30 does not exist, and is listed as skipped', () => {
    const p = plan([nightly], '2025-03-29T00:00:00Z', '2025-04-01T00:00:00Z');
    expect(runLines(p.runs)).toEqual(['2025-03-29T01:30:00Z', '2025-03-31T00:30:00Z']);
    expect(skippedLines(p)).toEqual(['nightly 2025-03-30 02:30 at 2025-03-30T01:00:00Z']);
    expect(p.cronJobs).toEqual([
      expect.objectContaining({ name: 'nightly', timeZone: 'Europe/Berlin', runCount: 2, skippedCount: 1 }),
    ]);
  });

  it('runs 30 2 * * * twice on 2025-10-26, at 00:30Z (CEST) and 01:30Z (CET), both marked repeated-hour', () => {
    const p = plan([nightly], '2025-10-25T00:00:00Z', '2025-10-28T00:00:00Z');
    expect(runLines(p.runs)).toEqual([
      '2025-10-25T00:30:00Z',
      '2025-10-26T00:30:00Z repeated-hour',
      '2025-10-26T01:30:00Z repeated-hour',
      '2025-10-27T01:30:00Z',
    ]);
    expect(p.skipped).toEqual([]);
  });

  it('runs */30 from 01:30 CET straight to 03:00 CEST on 2025-03-30, 02:00 and 02:30 skipped', () => {
    const p = plan([halfHourly], '2025-03-30T00:00:00Z', '2025-03-30T02:00:00Z');
    expect(runLines(p.runs)).toEqual([
      '2025-03-30T00:00:00Z', // 01:00 CET
      '2025-03-30T00:30:00Z', // 01:30 CET
      '2025-03-30T01:00:00Z', // 03:00 CEST
      '2025-03-30T01:30:00Z', // 03:30 CEST
    ]);
    expect(skippedLines(p)).toEqual([
      'half-hourly 2025-03-30 02:00 at 2025-03-30T01:00:00Z',
      'half-hourly 2025-03-30 02:30 at 2025-03-30T01:00:00Z',
    ]);
  });

  it('runs */30 at 02:00 and 02:30 twice each on 2025-10-26', () => {
    const p = plan([halfHourly], '2025-10-25T23:30:00Z', '2025-10-26T02:30:00Z');
    expect(runLines(p.runs)).toEqual([
      '2025-10-25T23:30:00Z', // 01:30 CEST
      '2025-10-26T00:00:00Z repeated-hour', // 02:00 CEST
      '2025-10-26T00:30:00Z repeated-hour', // 02:30 CEST
      '2025-10-26T01:00:00Z repeated-hour', // 02:00 CET
      '2025-10-26T01:30:00Z repeated-hour', // 02:30 CET
      '2025-10-26T02:00:00Z', // 03:00 CET
    ]);
  });

  it('over the whole of 2025, 30 2 * * * runs 365 times: 02:30 skipped once in March, doubled once in October', () => {
    const p = plan([nightly], '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    expect(p.runs).toHaveLength(365);
    expect(skippedLines(p)).toEqual(['nightly 2025-03-30 02:30 at 2025-03-30T01:00:00Z']);
    expect(runLines(p.runs.filter((r) => r.notes.length > 0))).toEqual([
      '2025-10-26T00:30:00Z repeated-hour',
      '2025-10-26T01:30:00Z repeated-hour',
    ]);
  });

  it.each([
    ['30 2 * * *', '2025-03-27T00:00:00Z', '2025-04-03T00:00:00Z'],
    ['30 2 * * *', '2025-10-23T00:00:00Z', '2025-10-30T00:00:00Z'],
    ['*/30 * * * *', '2025-03-29T12:00:00Z', '2025-03-31T00:00:00Z'],
    ['*/30 * * * *', '2025-10-25T12:00:00Z', '2025-10-27T00:00:00Z'],
  ])('lists exactly the times the controller starts Jobs for: %s in Europe/Berlin, %s to %s', (schedule, from, to) => {
    const created = cronJob({ schedule, timeZone: 'Europe/Berlin', creationTimestamp: at(from) - 1000 });
    expect(plan([created], from, to).runs.map((r) => r.timeMs)).toEqual(controllerStarts(created, at(to)));
  });

  it('marks a repeated run whose other occurrence is outside the window', () => {
    expect(runLines(plan([nightly], '2025-10-26T01:00:00Z', '2025-10-26T02:00:00Z').runs)).toEqual([
      '2025-10-26T01:30:00Z repeated-hour',
    ]);
    expect(runLines(plan([nightly], '2025-10-26T00:00:00Z', '2025-10-26T01:00:00Z').runs)).toEqual([
      '2025-10-26T00:30:00Z repeated-hour',
    ]);
  });

  it('lists a skipped time only when its clock change is in the window', () => {
    expect(plan([nightly], '2025-03-30T01:00:01Z', '2025-03-31T00:00:00Z').skipped).toEqual([]);
    expect(plan([nightly], '2025-03-30T00:00:00Z', '2025-03-30T01:00:00Z').skipped).toEqual([]);
    expect(skippedLines(plan([nightly], '2025-03-30T01:00:00Z', '2025-03-30T01:00:01Z'))).toEqual([
      'nightly 2025-03-30 02:30 at 2025-03-30T01:00:00Z',
    ]);
  });

  it('skips midnight where the clocks go forward at midnight (America/Sao_Paulo, 2018-11-04)', () => {
    const midnight = cronJob({ name: 'midnight', schedule: '0 0 * * *', timeZone: 'America/Sao_Paulo' });
    const p = plan([midnight], '2018-11-03T00:00:00Z', '2018-11-06T00:00:00Z');
    expect(runLines(p.runs)).toEqual(['2018-11-03T03:00:00Z', '2018-11-05T02:00:00Z']);
    expect(skippedLines(p)).toEqual(['midnight 2018-11-04 00:00 at 2018-11-04T03:00:00Z']);
  });

  it('reads a grandfathered TZ= prefix as the controller does, over spec.timeZone', () => {
    const prefixed = cronJob({ schedule: 'TZ=Europe/Berlin 30 2 * * *', timeZone: 'America/New_York' });
    const p = plan([prefixed], '2025-10-26T00:00:00Z', '2025-10-27T00:00:00Z');
    expect(runLines(p.runs)).toEqual(['2025-10-26T00:30:00Z repeated-hour', '2025-10-26T01:30:00Z repeated-hour']);
    expect(p.cronJobs[0]!.timeZone).toBe('Europe/Berlin');
  });
});

describe('planRuns: overlaps with the previous run', () => {
  const halfHourlyFor = (concurrencyPolicy: ConcurrencyPolicy, maxRuntime?: string, activeDeadlineSeconds?: number) =>
    cronJob({
      schedule: '*/30 * * * *',
      concurrencyPolicy,
      ...(maxRuntime === undefined ? {} : { maxRuntime }),
      ...(activeDeadlineSeconds === undefined ? {} : { activeDeadlineSeconds }),
    });

  it('marks Forbid runs that start while the previous run may still run (max-runtime 45m)', () => {
    const p = plan([halfHourlyFor('Forbid', '45m')], '2025-06-01T10:00:00Z', '2025-06-01T11:01:00Z');
    expect(runLines(p.runs)).toEqual([
      '2025-06-01T10:00:00Z forbid-skip', // 09:30's run may last until 10:15
      '2025-06-01T10:30:00Z forbid-skip',
      '2025-06-01T11:00:00Z forbid-skip',
    ]);
    expect(p.runs[1]!.previousRun).toEqual({
      timeMs: at('2025-06-01T10:00:00Z'),
      mayEndMs: at('2025-06-01T10:45:00Z'),
    });
  });

  it('marks Replace runs replace-cut and Allow runs concurrent', () => {
    const window = ['2025-06-01T10:00:00Z', '2025-06-01T10:31:00Z'] as const;
    expect(runLines(plan([halfHourlyFor('Replace', '31m')], ...window).runs)).toEqual([
      '2025-06-01T10:00:00Z replace-cut',
      '2025-06-01T10:30:00Z replace-cut',
    ]);
    expect(runLines(plan([halfHourlyFor('Allow', '1h')], ...window).runs)).toEqual([
      '2025-06-01T10:00:00Z concurrent',
      '2025-06-01T10:30:00Z concurrent',
    ]);
  });

  it('uses spec.jobTemplate.spec.activeDeadlineSeconds without the annotation, and the annotation over it', () => {
    const window = ['2025-06-01T10:00:00Z', '2025-06-01T10:01:00Z'] as const;
    expect(runLines(plan([halfHourlyFor('Forbid', undefined, 1860)], ...window).runs)).toEqual([
      '2025-06-01T10:00:00Z forbid-skip',
    ]);
    expect(runLines(plan([halfHourlyFor('Forbid', '20m', 1860)], ...window).runs)).toEqual(['2025-06-01T10:00:00Z']);
    expect(longestRunOf(halfHourlyFor('Forbid', '20m', 1860))).toEqual({ ms: 20 * 60_000, source: 'annotation' });
    expect(longestRunOf(halfHourlyFor('Forbid', undefined, 1860))).toEqual({
      ms: 1860_000,
      source: 'activeDeadlineSeconds',
    });
  });

  it(
    'does not mark a run that starts exactly when the previous one must have ended, ' + 'nor any without a duration',
    () => {
      const window = ['2025-06-01T10:00:00Z', '2025-06-01T12:00:00Z'] as const;
      expect(plan([halfHourlyFor('Forbid', '30m')], ...window).runs.every((r) => r.notes.length === 0)).toBe(true);
      const untold = plan([halfHourlyFor('Forbid')], ...window);
      expect(untold.runs.every((r) => r.notes.length === 0)).toBe(true);
      expect(untold.cronJobs[0]!.longestRun).toBeUndefined();
    },
  );

  it('marks the second 02:30 of the fall-back night when the first may still run', () => {
    const report = cronJob({ schedule: '30 2 * * *', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Forbid' });
    const slow = { ...report, metadata: { ...report.metadata, annotations: { [MAX_RUNTIME_ANNOTATION]: '90m' } } };
    expect(runLines(plan([slow], '2025-10-26T00:00:00Z', '2025-10-27T00:00:00Z').runs)).toEqual([
      '2025-10-26T00:30:00Z repeated-hour',
      '2025-10-26T01:30:00Z repeated-hour forbid-skip',
    ]);
  });
});

describe('planRuns: the peak and the CronJobs listed', () => {
  it('finds the busiest minute across CronJobs, the first one on a tie', () => {
    const p = plan(
      [
        cronJob({ name: 'hourly', schedule: '0 * * * *' }),
        cronJob({ name: 'half-hourly', schedule: '*/30 * * * *' }),
        cronJob({ name: 'noon', schedule: '0 12 * * *' }),
        cronJob({ name: 'noon-berlin', schedule: '0 14 * * *', timeZone: 'Europe/Berlin' }),
      ],
      '2025-06-01T00:00:00Z',
      '2025-06-02T00:00:00Z',
    );
    expect(p.peak).toEqual({ perMinute: 4, minuteMs: at('2025-06-01T12:00:00Z') });
    expect(p.runs.filter((r) => r.timeMs === at('2025-06-01T12:00:00Z')).map((r) => r.cronJob)).toEqual([
      'half-hourly',
      'hourly',
      'noon',
      'noon-berlin',
    ]);
    const tied = [cronJob({ name: 'hourly', schedule: '0 * * * *' }), cronJob({ name: 'b', schedule: '*/30 * * * *' })];
    expect(plan(tied, '2025-06-01T00:30:00Z', '2025-06-01T03:00:00Z').peak).toEqual({
      perMinute: 2,
      minuteMs: at('2025-06-01T01:00:00Z'),
    });
    expect(plan([cronJob({ schedule: '0 0 1 1 *' })], '2025-06-01T00:00:00Z', '2025-06-02T00:00:00Z').peak).toEqual({
      perMinute: 0,
    });
  });

  it('lists a suspended CronJob with no runs, skipped times or share of the peak', () => {
    const suspended = cronJob({ name: 'paused', schedule: '30 2 * * *', timeZone: 'Europe/Berlin', suspend: true });
    const p = plan([suspended], '2025-03-29T00:00:00Z', '2025-03-31T00:00:00Z');
    expect(p.runs).toEqual([]);
    expect(p.skipped).toEqual([]);
    expect(p.peak).toEqual({ perMinute: 0 });
    expect(p.cronJobs).toEqual([
      {
        name: 'paused',
        schedule: '30 2 * * *',
        timeZone: 'Europe/Berlin',
        suspended: true,
        concurrencyPolicy: 'Allow',
        runCount: 0,
        skippedCount: 0,
      },
    ]);
  });

  it("says why the controller runs a stored CronJob it cannot read not at all, in its events' words", () => {
    const p = plan(
      [
        cronJob({ name: 'bad-zone', schedule: '0 * * * *', timeZone: 'Mars/Olympus_Mons' }),
        cronJob({ name: 'bad-schedule', schedule: '0 25 * * *' }),
      ],
      '2025-06-01T00:00:00Z',
      '2025-06-02T00:00:00Z',
    );
    expect(p.runs).toEqual([]);
    expect(p.cronJobs.map((c) => `${c.name}: ${c.problem}`)).toEqual([
      'bad-schedule: unparseable schedule: "0 25 * * *" : hour: value 25 above maximum 23',
      'bad-zone: invalid timeZone: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons',
    ]);
  });

  it('counts @every from the last scheduled time, else the creation, else the window start; no DST notes', () => {
    // 45 minutes from 2025-10-25T00:10Z: 32 links make a day, so 2025-10-26T00:10Z is one.
    const every = cronJob({
      schedule: '@every 45m',
      timeZone: 'Europe/Berlin',
      creationTimestamp: at('2025-10-25T00:10:00Z'),
    });
    const window = ['2025-10-26T00:00:00Z', '2025-10-26T02:30:00Z'] as const;
    expect(runLines(plan([every], ...window).runs)).toEqual([
      '2025-10-26T00:10:00Z',
      '2025-10-26T00:55:00Z',
      '2025-10-26T01:40:00Z',
      '2025-10-26T02:25:00Z',
    ]);
    const scheduled = { ...every, status: { ...every.status, lastScheduleTime: '2025-10-25T23:59:00Z' } };
    expect(runLines(plan([scheduled], ...window).runs)).toEqual([
      '2025-10-26T00:44:00Z',
      '2025-10-26T01:29:00Z',
      '2025-10-26T02:14:00Z',
    ]);
    // 02:10 CEST, then 02:10 CET: elapsed time, not a local time that repeats.
    const hourly = { ...every, spec: { ...every.spec, schedule: '@every 1h' } };
    expect(runLines(plan([hourly], '2025-10-26T00:00:00Z', '2025-10-26T02:00:00Z').runs)).toEqual([
      '2025-10-26T00:10:00Z',
      '2025-10-26T01:10:00Z',
    ]);
    const manifest = { ...every, metadata: { name: 'every', namespace: 'default' } };
    expect(runLines(plan([manifest], ...window).runs)).toEqual([
      '2025-10-26T00:45:00Z',
      '2025-10-26T01:30:00Z',
      '2025-10-26T02:15:00Z',
    ]);
  });
});

describe('planRuns: what it refuses', () => {
  it(`refuses an empty window and one over 366 days`, () => {
    expect(() => plan([nightly], '2025-06-01T00:00:00Z', '2025-06-01T00:00:00Z')).toThrow(
      'the end (2025-06-01T00:00:00Z) must be after the start (2025-06-01T00:00:00Z)',
    );
    expect(() => plan([nightly], '2025-01-01T00:00:00Z', '2026-01-02T00:00:01Z')).toThrow(
      '2025-01-01T00:00:00Z to 2026-01-02T00:00:01Z is 367 days: a plan covers at most 366 days',
    );
    expect(plan([nightly], '2024-01-01T00:00:00Z', '2025-01-01T00:00:00Z').runs).toHaveLength(366);
  });

  it('refuses a max-runtime annotation that is not a positive Go duration, naming the CronJob', () => {
    for (const [value, detail] of [
      ['30 minutes', 'time: unknown unit " minutes" in duration "30 minutes"; want a Go duration such as 30m'],
      ['1d', 'time: unknown unit "d" in duration "1d"; want a Go duration such as 30m'],
      ['0s', 'must be a positive duration, such as 30m or 1h30m'],
      ['-5m', 'must be a positive duration, such as 30m or 1h30m'],
    ]) {
      const bad = cronJob({ name: 'bad', schedule: '* * * * *', maxRuntime: value });
      const path = 'metadata.annotations[jobctl.dev/max-runtime]';
      const message = `Invalid value: ${JSON.stringify(value)}: ${detail}`;
      expect(() => plan([bad], '2025-06-01T00:00:00Z', '2025-06-02T00:00:00Z')).toThrow(
        `cronjob "bad": ${path}: ${message}`,
      );
      expect(maxRuntimeFindings(bad)).toEqual([{ path, message }]);
    }
    expect(maxRuntimeFindings(cronJob({ schedule: '* * * * *', maxRuntime: '1h30m' }))).toEqual([]);
  });
});

/**
 * The scheduled times the CronJob controller starts Jobs for, driven by its own maths (schedule-times.ts): it wakes
 * when `nextScheduleTimeDuration` says and starts what `nextScheduleTime` finds due, which becomes lastScheduleTime.
 */
function controllerStarts(created: CronJob, untilMs: number): number[] {
  const schedule = parseSchedule(created.spec.schedule, created.spec.timeZone);
  let current = created;
  let nowMs = at(created.metadata.creationTimestamp!);
  const started: number[] = [];
  for (;;) {
    const delayMs = nextScheduleTimeDuration(current, nowMs, schedule);
    if (delayMs === undefined) return started;
    nowMs += delayMs;
    const { scheduledMs } = nextScheduleTime(current, nowMs, schedule);
    if (scheduledMs === undefined) continue;
    if (scheduledMs >= untilMs) return started;
    started.push(scheduledMs);
    current = { ...current, status: { ...current.status, lastScheduleTime: rfc3339(scheduledMs) } };
  }
}
