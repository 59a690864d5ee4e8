import { describe, expect, it } from 'vitest';
import { jobFromTemplate } from '../../../src/engine/cronjob-sync.ts';
import { LATE_AFTER_MS, ledgerEntries, MAX_SINGLE_RECORDS } from '../../../src/engine/slot-ledger.ts';
import type { LedgerEntry, SlotRecord } from '../../../src/ports/slot-ledger.ts';
import type { CronJob, Job } from '../../../src/spec/types.ts';
import { aCronJob, at, rfc3339 } from '../../support/builders.ts';

// The slot ledger's decision (issue 14): which slots a sync makes final, with which outcome, written once each.
const owner = { namespace: 'snazzycats', name: 'mycronjob', uid: '1a2b3c' };
const slot = (iso: string, outcome: SlotRecord['outcome'], extra: Partial<SlotRecord> = {}): SlotRecord => ({
  type: 'slot',
  owner,
  scheduledMs: at(iso),
  outcome,
  decidedMs: expect.any(Number) as unknown as number,
  ...extra,
});
const created = (iso: string, extra: Partial<SlotRecord> = {}) =>
  slot(iso, 'Created', { jobName: `mycronjob-${at(iso) / 60_000}`, ...extra });

/** The Job the controller created for `slotIso` at `createdIso`, finished at `finishedIso` when given. */
function childJob(cronJob: CronJob, slotIso: string, createdIso = slotIso, finishedIso?: string): Job {
  const job = jobFromTemplate(cronJob, at(slotIso), at(createdIso));
  if (finishedIso === undefined) return job;
  return {
    ...job,
    status: {
      ...job.status,
      completionTime: finishedIso,
      conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: finishedIso }],
    },
  };
}

function entries(cronJob: CronJob, jobs: Job[], nowIso: string, latest?: LedgerEntry): LedgerEntry[] {
  return ledgerEntries({ cronJob, jobs, nowMs: at(nowIso), latest });
}

describe('ledgerEntries', () => {
  const every5 = (o: Parameters<typeof aCronJob>[0] = {}) =>
    aCronJob({ schedule: '*/5 * * * *', creationTimestamp: at('2024-05-01T09:58:00Z'), ...o });

  it('records the slot a Job was just created for, on time, once', () => {
    const cronJob = every5({ lastScheduleTime: at('2024-05-01T10:05:00Z') });
    const jobs = [childJob(cronJob, '2024-05-01T10:05:00Z', '2024-05-01T10:05:00.2Z')];
    const latest = created('2024-05-01T10:00:00Z');
    expect(entries(cronJob, jobs, '2024-05-01T10:05:00.3Z', latest)).toEqual([created('2024-05-01T10:05:00Z')]);
    // The next sync (the Job finishing) adds nothing: that slot is recorded.
    expect(entries(cronJob, jobs, '2024-05-01T10:07:00Z', created('2024-05-01T10:05:00Z'))).toEqual([]);
  });

  it('starts a CronJob with no entries at its creation: no slot before it is its', () => {
    const cronJob = every5({ lastScheduleTime: at('2024-05-01T10:00:00Z') });
    const jobs = [childJob(cronJob, '2024-05-01T10:00:00Z')];
    expect(entries(every5(), [], '2024-05-01T09:59:00Z')).toEqual([]);
    expect(entries(cronJob, jobs, '2024-05-01T10:00:01Z')).toEqual([created('2024-05-01T10:00:00Z')]);
  });

  it('leaves a Forbid slot open while the run is active, then records it ForbidActive once the next comes', () => {
    const cronJob = every5({ concurrencyPolicy: 'Forbid', lastScheduleTime: at('2024-05-01T10:00:00Z') });
    const running = childJob(cronJob, '2024-05-01T10:00:00Z');
    const latest = created('2024-05-01T10:00:00Z');
    // 10:05 due, blocked (JobAlreadyActive): the run may still end and 10:05 start late.
    expect(entries(cronJob, [running], '2024-05-01T10:05:01Z', latest)).toEqual([]);
    // 10:10 came with the run still active: 10:05 was skipped for it; 10:10 is the open one now.
    expect(entries(cronJob, [running], '2024-05-01T10:10:01Z', latest)).toEqual([
      slot('2024-05-01T10:05:00Z', 'ForbidActive', { activeJob: running.metadata.name }),
    ]);
  });

  it('records a Forbid slot started late when the run ended before the next slot, with how late', () => {
    const base = every5({ concurrencyPolicy: 'Forbid' });
    const first = childJob(base, '2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z', '2024-05-01T10:07:00Z');
    const late = childJob(base, '2024-05-01T10:05:00Z', '2024-05-01T10:07:00Z');
    const cronJob = every5({ concurrencyPolicy: 'Forbid', lastScheduleTime: at('2024-05-01T10:05:00Z') });
    expect(entries(cronJob, [first, late], '2024-05-01T10:07:01Z', created('2024-05-01T10:00:00Z'))).toEqual([
      created('2024-05-01T10:05:00Z', { lateMs: 120_000 }),
    ]);
    expect(120_000).toBeGreaterThan(LATE_AFTER_MS);
  });

  it('marks a suspension, records the slots it covered as Suspended, and the late start on resume', () => {
    const latest = created('2024-05-01T10:00:00Z');
    const suspended = every5({ suspend: true, lastScheduleTime: at('2024-05-01T10:00:00Z') });
    const mark = { type: 'mark' as const, owner, atMs: at('2024-05-01T10:02:00Z'), suspended: true };
    expect(entries(suspended, [], '2024-05-01T10:02:00Z', latest)).toEqual([mark]);
    // A resync while suspended: 10:05 superseded by 10:10, which stays open (a resume would start it).
    expect(entries(suspended, [], '2024-05-01T10:11:00Z', mark)).toEqual([slot('2024-05-01T10:05:00Z', 'Suspended')]);
    // Resumed at 10:12: Kubernetes starts the latest missed slot, 10:10, late; then the resumption mark.
    const resumed = every5({ lastScheduleTime: at('2024-05-01T10:10:00Z') });
    const job = childJob(resumed, '2024-05-01T10:10:00Z', '2024-05-01T10:12:00Z');
    expect(entries(resumed, [job], '2024-05-01T10:12:00.1Z', slot('2024-05-01T10:05:00Z', 'Suspended'))).toEqual([
      created('2024-05-01T10:10:00Z', { lateMs: 120_000 }),
      { type: 'mark', owner, atMs: at('2024-05-01T10:12:00.1Z'), suspended: false },
    ]);
  });

  it('puts a suspension mark before a slot still open, so that slot is judged by the next sync', () => {
    const suspended = every5({ suspend: true, lastScheduleTime: at('2024-05-01T10:00:00Z') });
    expect(entries(suspended, [], '2024-05-01T10:05:30Z', created('2024-05-01T10:00:00Z'))).toEqual([
      { type: 'mark', owner, atMs: at('2024-05-01T10:05:00Z') - 1, suspended: true },
    ]);
  });

  it('records the slots a stopped runtime missed as NotDispatched, and the latest started late', () => {
    const cronJob = every5({ lastScheduleTime: at('2024-05-01T10:20:00Z') });
    const job = childJob(cronJob, '2024-05-01T10:20:00Z', '2024-05-01T10:23:00Z');
    expect(entries(cronJob, [job], '2024-05-01T10:23:00.1Z', created('2024-05-01T10:00:00Z'))).toEqual([
      slot('2024-05-01T10:05:00Z', 'NotDispatched'),
      slot('2024-05-01T10:10:00Z', 'NotDispatched'),
      slot('2024-05-01T10:15:00Z', 'NotDispatched'),
      created('2024-05-01T10:20:00Z', { lateMs: 180_000 }),
    ]);
  });

  it('records a slot first seen after startingDeadlineSeconds as DeadlinePassed at once', () => {
    const cronJob = every5({ startingDeadlineSeconds: 60, lastScheduleTime: at('2024-05-01T10:00:00Z') });
    expect(entries(cronJob, [], '2024-05-01T10:07:00Z', created('2024-05-01T10:00:00Z'))).toEqual([
      slot('2024-05-01T10:05:00Z', 'DeadlinePassed'),
    ]);
    // Within the deadline it is still open.
    expect(entries(cronJob, [], '2024-05-01T10:05:30Z', created('2024-05-01T10:00:00Z'))).toEqual([]);
  });

  it(`writes a run of more than ${MAX_SINGLE_RECORDS} missed slots as one record with its first slot and count`, () => {
    const cronJob = every5({ lastScheduleTime: at('2024-05-01T13:00:00Z') });
    const job = childJob(cronJob, '2024-05-01T13:00:00Z', '2024-05-01T13:00:30Z');
    expect(entries(cronJob, [job], '2024-05-01T13:00:31Z', created('2024-05-01T10:00:00Z'))).toEqual([
      slot('2024-05-01T12:55:00Z', 'NotDispatched', { firstMs: at('2024-05-01T10:05:00Z'), count: 35 }),
      created('2024-05-01T13:00:00Z', { lateMs: 30_000 }),
    ]);
  });

  it('records a slot whose ledger write was lost (a crash after the status write) at the next sync', () => {
    const cronJob = every5({ lastScheduleTime: at('2024-05-01T10:05:00Z') });
    const job = childJob(cronJob, '2024-05-01T10:05:00Z', '2024-05-01T10:05:00.1Z', '2024-05-01T10:06:00Z');
    expect(entries(cronJob, [job], '2024-05-01T10:06:00.1Z', created('2024-05-01T10:00:00Z'))).toEqual([
      created('2024-05-01T10:05:00Z'),
    ]);
  });

  it('adds nothing for a schedule the controller cannot run (unknown time zone, unparseable)', () => {
    expect(entries(every5({ timeZone: 'Mars/Olympus' }), [], '2024-05-01T11:00:00Z')).toEqual([]);
    expect(entries(every5({ schedule: '61 * * * *' }), [], '2024-05-01T11:00:00Z')).toEqual([]);
  });

  it('keeps the record times of a zone: a Berlin 02:30 slot on the night clocks go back is two slots', () => {
    const cronJob = aCronJob({
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      creationTimestamp: at('2024-10-26T00:00:00Z'),
      lastScheduleTime: at('2024-10-26T00:30:00Z'),
    });
    const second = childJob(cronJob, '2024-10-27T01:30:00Z', '2024-10-27T01:30:00Z');
    // The first 02:30 (CEST, 00:30Z) was missed; the second (CET, 01:30Z) ran.
    expect(entries(cronJob, [second], '2024-10-27T01:30:01Z', created('2024-10-26T00:30:00Z'))).toEqual([
      slot('2024-10-27T00:30:00Z', 'NotDispatched'),
      created('2024-10-27T01:30:00Z'),
    ]);
    expect(rfc3339(at('2024-10-27T01:30:00Z'))).toBe('2024-10-27T01:30:00Z');
  });
});
