import { describe, expect, it } from 'vitest';
import { cronJobRow, describeObject, renderObjects } from '../../../src/cli/printers/index.ts';
import { served, toTable } from '../../../src/kube-api/served-objects.ts';
import type { CronJob } from '../../../src/spec/types.ts';
import { aCronJob, at, type CronJobOverrides } from '../../support/builders.ts';

/*
 * Issue 14 item 4, "Next runs everywhere": `get cronjobs -o wide` (NEXT SCHEDULE), the Kubernetes API's Table, and
 * `describe cronjob` (Next Schedules) show when the CronJob controller will next start a Job. Every time below is
 * written by hand; the clock is `now`, passed in.
 */

const now = at('2025-01-01T09:00:48Z');

/** A CronJob created at 08:00Z, last scheduled at 09:00Z, every 5 minutes unless told otherwise. */
function cronJob(o: CronJobOverrides = {}): CronJob {
  return aCronJob({
    name: 'every-5',
    namespace: 'default',
    creationTimestamp: at('2025-01-01T08:00:00Z'),
    lastScheduleTime: at('2025-01-01T09:00:00Z'),
    schedule: '*/5 * * * *',
    ...o,
  });
}

/** The `Next Schedules:` block of a describe, up to `Active Jobs:`. */
function nextSchedules(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Next Schedules:'));
  const end = lines.findIndex((l) => l.startsWith('Active Jobs:'));
  return lines.slice(start, end);
}

describe('get cronjobs -o wide: NEXT SCHEDULE', () => {
  it("adds NEXT SCHEDULE after kubectl's wide columns, counting down as LAST SCHEDULE counts up", () => {
    expect(renderObjects('CronJob', [cronJob()], { format: 'wide', nowMs: now })).toBe(
      'NAME      SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE   CONTAINERS   IMAGES    SELECTOR' +
        '   NEXT SCHEDULE\n' +
        'every-5   */5 * * * *   <none>     False     0        48s             60m   main         foo/bar   <none>' +
        '     4m12s\n',
    );
  });

  it('leaves NEXT SCHEDULE out of the default table', () => {
    expect(renderObjects('CronJob', [cronJob()], { format: 'table', nowMs: now })).not.toContain('NEXT');
    expect(cronJobRow(cronJob(), { nowMs: now })).toHaveLength(7);
  });

  it.each([
    { name: 'suspended', o: { suspend: true }, expected: '<none>' },
    { name: 'an unknown timeZone', o: { timeZone: 'Mars/Olympus_Mons' }, expected: '<none>' },
    { name: 'a schedule that never fires (February 31st)', o: { schedule: '59 23 31 2 *' }, expected: '<none>' },
    { name: 'a schedule that does not parse', o: { schedule: '61 * * * *' }, expected: '<none>' },
    // 09:00 passed at 09:00:00, so the next is 10:00Z, 59m12s away (kubectl prints minutes from 10m to 3h).
    { name: 'hourly', o: { schedule: '0 * * * *' }, expected: '59m' },
    // 10:00 in Tokyo (+09:00) is 01:00Z the next day.
    { name: 'daily at 10:00 in Asia/Tokyo', o: { schedule: '0 10 * * *', timeZone: 'Asia/Tokyo' }, expected: '15h' },
    // A grandfathered prefix wins over spec.timeZone, as in the controller: 10:00Z is 19:00 in Tokyo.
    {
      name: 'a CRON_TZ= prefix',
      o: { schedule: 'CRON_TZ=Asia/Tokyo 0 19 * * *', timeZone: 'Europe/Berlin' },
      expected: '59m',
    },
    // A run missed while nothing ran (08:00Z last, 09:00Z due, not started) does not hide the one after it.
    {
      name: 'a run due and not started',
      o: { schedule: '0 * * * *', lastScheduleTime: at('2025-01-01T08:00:00Z') },
      expected: '59m',
    },
    // Clock skew: the controller starts nothing before lastScheduleTime, so the next run is the one after it:
    // 09:15Z, 14m12s away, which kubectl prints as whole minutes.
    { name: 'lastScheduleTime ahead of now', o: { lastScheduleTime: at('2025-01-01T09:10:00Z') }, expected: '14m' },
  ])('prints $expected for $name', ({ o, expected }) => {
    expect(cronJobRow(cronJob(o), { nowMs: now, wide: true }).at(-1)).toBe(expected);
  });
});

describe('the Kubernetes API Table', () => {
  it('has the Next Schedule column at priority 1 (kubectl -o wide), with the cells jobctl -o wide prints', () => {
    const table = toTable('CronJob', [served(cronJob()), served(cronJob({ name: 'paused', suspend: true }))], {
      nowMs: now,
      resourceVersion: '1',
    }) as {
      columnDefinitions: { name: string; priority: number }[];
      rows: { cells: string[] }[];
    };
    expect(table.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Schedule', 0],
      ['Timezone', 0],
      ['Suspend', 0],
      ['Active', 0],
      ['Last Schedule', 0],
      ['Age', 0],
      ['Containers', 1],
      ['Images', 1],
      ['Selector', 1],
      ['Next Schedule', 1],
    ]);
    expect(table.rows.map((r) => r.cells.at(-1))).toEqual(['4m12s', '<none>']);
    expect(table.rows[0]!.cells).toEqual(cronJobRow(cronJob(), { nowMs: now, wide: true }));
  });
});

describe('describe cronjob: Next Schedules', () => {
  it('lists the next 5 runs at the wall clock of a UTC CronJob, once', () => {
    expect(nextSchedules(describeObject(cronJob(), { nowMs: now }))).toEqual([
      'Next Schedules:      Wed, 01 Jan 2025 09:05:00 +0000',
      '                     Wed, 01 Jan 2025 09:10:00 +0000',
      '                     Wed, 01 Jan 2025 09:15:00 +0000',
      '                     Wed, 01 Jan 2025 09:20:00 +0000',
      '                     Wed, 01 Jan 2025 09:25:00 +0000',
    ]);
  });

  // Europe/Berlin goes back from 03:00 CEST to 02:00 CET on 2025-10-26: 02:30 happens at 00:30Z and at 01:30Z, and
  // the controller (robfig's Next) starts a Job at both.
  const berlin = (o: CronJobOverrides) =>
    cronJob({ name: 'report', schedule: '30 2 * * *', timeZone: 'Europe/Berlin', ...o });

  it('lists both 02:30s of the fall-back night in Europe/Berlin, each with its offset and UTC time', () => {
    const text = describeObject(berlin({ lastScheduleTime: at('2025-10-25T00:30:00Z') }), {
      nowMs: at('2025-10-25T22:00:48Z'),
    });
    expect(nextSchedules(text)).toEqual([
      'Next Schedules:      Sun, 26 Oct 2025 02:30:00 +0200 (2025-10-26T00:30:00Z)',
      '                     Sun, 26 Oct 2025 02:30:00 +0100 (2025-10-26T01:30:00Z)',
      '                     Mon, 27 Oct 2025 02:30:00 +0100 (2025-10-27T01:30:00Z)',
      '                     Tue, 28 Oct 2025 02:30:00 +0100 (2025-10-28T01:30:00Z)',
      '                     Wed, 29 Oct 2025 02:30:00 +0100 (2025-10-29T01:30:00Z)',
    ]);
    // The block sits between Last Schedule Time and Active Jobs, aligned with them.
    expect(text).toContain(
      'Last Schedule Time:  Sat, 25 Oct 2025 00:30:00 +0000\nNext Schedules:      Sun, 26 Oct 2025 02:30:00 +0200',
    );
  });

  it('lists the second 02:30 next once the first has run', () => {
    const text = describeObject(berlin({ lastScheduleTime: at('2025-10-26T00:30:00Z') }), {
      nowMs: at('2025-10-26T01:00:00Z'),
    });
    expect(nextSchedules(text).slice(0, 2)).toEqual([
      'Next Schedules:      Sun, 26 Oct 2025 02:30:00 +0100 (2025-10-26T01:30:00Z)',
      '                     Mon, 27 Oct 2025 02:30:00 +0100 (2025-10-27T01:30:00Z)',
    ]);
  });

  it('skips the 02:30 that does not exist on the spring-forward night', () => {
    const text = describeObject(berlin({ lastScheduleTime: at('2025-03-29T01:30:00Z') }), {
      nowMs: at('2025-03-29T12:00:00Z'),
    });
    expect(nextSchedules(text).slice(0, 2)).toEqual([
      'Next Schedules:      Mon, 31 Mar 2025 02:30:00 +0200 (2025-03-31T00:30:00Z)',
      '                     Tue, 01 Apr 2025 02:30:00 +0200 (2025-04-01T00:30:00Z)',
    ]);
  });

  it.each([
    { name: 'suspended', o: { suspend: true } },
    { name: 'an unknown timeZone', o: { timeZone: 'Mars/Olympus_Mons' } },
    { name: 'a schedule that never fires', o: { schedule: '59 23 31 2 *' } },
  ])('prints <none> when $name', ({ o }) => {
    expect(nextSchedules(describeObject(cronJob(o), { nowMs: now }))).toEqual(['Next Schedules:      <none>']);
  });
});
