import { describe, expect, it } from 'vitest';
import {
  jobFromTemplate,
  jobNameFor,
  syncCronJob,
  type CronJobSyncInput,
  type CronJobSyncResult,
} from '../../../src/engine/cronjob-sync.ts';
import { deterministicUid } from '../../../src/engine/object-meta.ts';
import type { ConcurrencyPolicy, CronJob, Job, Labels } from '../../../src/spec/types.ts';
import { aCronJob, aJob, at, refTo, rfc3339 } from '../../support/builders.ts';

// Times and deadlines of kubernetes pkg/controller/cronjob/cronjob_controllerv2_test.go (2016-05-19 is a Thursday).
const justBeforeThePriorHour = at('2016-05-19T08:59:00Z');
const justAfterThePriorHour = at('2016-05-19T09:01:00Z');
const justBeforeTheHour = at('2016-05-19T09:59:00Z');
const topOfTheHour = at('2016-05-19T10:00:00Z');
const justAfterTheHour = at('2016-05-19T10:01:00Z');
const justBeforeTheNextHour = at('2016-05-19T10:59:00Z');
const weekAfterTheHour = at('2016-05-26T10:00:00Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const delta = 100; // nextScheduleDelta
const shortDead = 10;
const mediumDead = 2 * 60 * 60;
const longDead = 1_000_000;
const errorSchedule = 'obvious error schedule';
const onTheHour = '0 * * * ?';
const everyHour = '@every 1h';
const newYork = 'America/New_York';

/** `<cronjob>-<unix minutes>`, computed here independently of jobNameFor. */
const nameAt = (ms: number): string => `mycronjob-${Math.floor(ms / M)}`;

interface SyncCase {
  name: string;
  // cj spec
  concurrencyPolicy: ConcurrencyPolicy;
  suspend?: boolean;
  schedule: string;
  timeZone?: string;
  deadline?: number;
  // cj status
  ranPreviously?: boolean;
  stillActive?: boolean;
  /** Upstream `jobPresentInCJActiveStatus: false` on a still-active Job. */
  isJobMissingFromActive?: boolean;
  // environment
  cronjobCreationTime?: number;
  jobCreationTime?: number;
  lastScheduleTime?: number;
  now: number;
  /** jobctl: the previous Job finished while still listed in `active`. */
  isJobFinishedWhileActive?: boolean;
  /** jobctl: the previous Job is in `active` but gone from the store. */
  isJobGone?: boolean;
  /** The Job for the scheduled time already exists (upstream `jobCreateError: AlreadyExists`). */
  existingJob?: { scheduledAt: number; finished?: 'Failed' };
  expected: {
    create?: string;
    deletes: string[];
    active: string[];
    events: string[];
    requeueAfterMs: number | undefined;
    statusChanged: boolean;
    lastScheduleTime: string | undefined;
    lastSuccessfulTime: string | undefined;
  };
}

/** The setup loop of upstream TestControllerV2SyncCronJob. */
function arrange(c: SyncCase): CronJobSyncInput {
  const ranPreviously = c.ranPreviously ?? false;
  const cronJob = aCronJob({
    concurrencyPolicy: c.concurrencyPolicy,
    suspend: c.suspend,
    schedule: c.schedule,
    timeZone: c.timeZone,
    startingDeadlineSeconds: c.deadline,
    creationTimestamp: c.cronjobCreationTime ?? (ranPreviously ? justBeforeThePriorHour : justBeforeTheHour),
    lastScheduleTime: ranPreviously ? (c.lastScheduleTime ?? justAfterThePriorHour) : undefined,
  });
  const jobs: Job[] = [];
  if (ranPreviously) {
    const created = c.jobCreationTime ?? justAfterThePriorHour;
    const isFinished = !c.stillActive || c.isJobFinishedWhileActive;
    const job = aJob({
      owner: cronJob,
      uid: '1234',
      creationTimestamp: created,
      ...(isFinished ? { finished: 'Complete' as const, completionTime: created + 10 * S } : {}),
    });
    if (c.stillActive && !c.isJobMissingFromActive) cronJob.status.active = [refTo(job)];
    if (!c.isJobGone) jobs.push(job);
  }
  if (c.existingJob) {
    jobs.push(aJob({ owner: cronJob, creationTimestamp: c.existingJob.scheduledAt, finished: c.existingJob.finished }));
  }
  return { cronJob, jobs, now: c.now };
}

function summarize(input: CronJobSyncInput, result: CronJobSyncResult): SyncCase['expected'] {
  return {
    create: result.actions.flatMap((a) => (a.type === 'createJob' ? [a.job.metadata.name] : []))[0],
    deletes: result.actions.flatMap((a) => (a.type === 'deleteJob' ? [`${a.reason} ${a.name}`] : [])),
    active: result.status.active.map((ref) => ref.name),
    events: result.events.map((e) => `${e.type} ${e.reason}`),
    requeueAfterMs: result.requeueAtMs === undefined ? undefined : result.requeueAtMs - input.now,
    statusChanged: result.statusChanged,
    lastScheduleTime: result.status.lastScheduleTime,
    lastSuccessfulTime: result.status.lastSuccessfulTime,
  };
}

const prevJob = nameAt(justAfterThePriorHour);
const prevSucceeded = rfc3339(justAfterThePriorHour + 10 * S);
const lst = rfc3339;

// Every case of upstream TestControllerV2SyncCronJob (kubernetes pkg/controller/cronjob/cronjob_controllerv2_test.go),
// same names, same inputs. Mapping of upstream expectations: expectCreate → `create`, expectDelete → `deletes`,
// expectActive → `active` (upstream never checks it: its check reads fakeCJControl.Updates, which syncCronJob does not
// write; here it is asserted), expectedWarnings → the Warning entries of `events` (named here; upstream counts them),
// expectedRequeueDuration → `requeueAfterMs` (undefined = not requeued), expectUpdateStatus → `statusChanged`, and
// upstream's lastSuccessfulTime check for "ran previously and done" → `lastSuccessfulTime`.
const upstreamCases: SyncCase[] = [
  // Upstream: UnparseableSchedule, no requeue.
  {
    name: 'never ran, not valid schedule, A',
    concurrencyPolicy: 'Allow',
    schedule: errorSchedule,
    jobCreationTime: justAfterThePriorHour,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: ['Warning UnparseableSchedule'],
      requeueAfterMs: undefined,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, not valid schedule, F',
    concurrencyPolicy: 'Forbid',
    schedule: errorSchedule,
    jobCreationTime: justAfterThePriorHour,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: ['Warning UnparseableSchedule'],
      requeueAfterMs: undefined,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  // Upstream's "R" row uses Forbid too (sic).
  {
    name: 'never ran, not valid schedule, R',
    concurrencyPolicy: 'Forbid',
    schedule: errorSchedule,
    jobCreationTime: justAfterThePriorHour,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: ['Warning UnparseableSchedule'],
      requeueAfterMs: undefined,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, not valid time zone',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    timeZone: 'bad timezone',
    jobCreationTime: justAfterThePriorHour,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: ['Warning UnknownTimeZone'],
      requeueAfterMs: undefined,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, not time, A',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * M + delta,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, not time, F',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * M + delta,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, not time, R',
    concurrencyPolicy: 'Replace',
    schedule: onTheHour,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * M + delta,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, not time in zone',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    timeZone: newYork,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * M + delta,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, is time, A',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, is time, F',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, is time, R',
    concurrencyPolicy: 'Replace',
    schedule: onTheHour,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  // Upstream's now is justAfterTheHourInZone(newYork): "…T10:01:00Z" parsed in New York is still 10:01 UTC.
  {
    name: 'never ran, is time in zone, but time zone disabled',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    timeZone: newYork,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, is time in zone',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    timeZone: newYork,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, is time in zone, but TZ is also set in schedule',
    concurrencyPolicy: 'Allow',
    schedule: `TZ=UTC ${onTheHour}`,
    timeZone: newYork,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: ['Warning UnsupportedSchedule'],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, is time, suspended',
    concurrencyPolicy: 'Allow',
    suspend: true,
    schedule: onTheHour,
    now: justAfterTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: undefined,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, is time, past deadline',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    deadline: shortDead,
    now: justAfterTheHour + (shortDead + 1) * M,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * H - 1 * M - (shortDead + 1) * M + delta,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'never ran, is time, not past deadline',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    deadline: longDead,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },

  {
    name: 'prev ran but done, not time, A',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    ranPreviously: true,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, not time, F',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    ranPreviously: true,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, not time, R',
    concurrencyPolicy: 'Replace',
    schedule: onTheHour,
    ranPreviously: true,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, is time, A',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    ranPreviously: true,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  // Upstream: the create returns AlreadyExists and the Job is adopted (no create counted, status updated). Here the
  // Job for 10:00 is among the children: it was created before a crash and is running, so it is also reported as
  // UnexpectedJob (upstream's fake API holds it but its lister does not, so upstream sees no warning).
  {
    name: 'prev ran but done, is time, create job failed, A',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    ranPreviously: true,
    now: justAfterTheHour,
    existingJob: { scheduledAt: topOfTheHour },
    expected: {
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: ['Warning UnexpectedJob'],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  // Same upstream setup as the row above (jobPresentInCJActiveStatus only matters for a still-active Job); here the
  // existing Job has already failed, so nothing warns. Upstream adopts it into active and its next sync removes it
  // (SawCompletedJob); jobctl only marks the slot processed (audit D15: with `@every 1s` that was an event a second).
  {
    name: 'prev ran but done, is time, job not present in CJ active status, create job failed, A',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    ranPreviously: true,
    now: justAfterTheHour,
    existingJob: { scheduledAt: topOfTheHour, finished: 'Failed' },
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, is time, F',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    ranPreviously: true,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, is time, R',
    concurrencyPolicy: 'Replace',
    schedule: onTheHour,
    ranPreviously: true,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, is time, suspended',
    concurrencyPolicy: 'Allow',
    suspend: true,
    schedule: onTheHour,
    ranPreviously: true,
    now: justAfterTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: undefined,
      statusChanged: true,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, is time, past deadline',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    deadline: shortDead,
    ranPreviously: true,
    now: justAfterTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, is time, not past deadline',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    deadline: longDead,
    ranPreviously: true,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },

  {
    name: 'still active, not time, A',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [prevJob],
      events: [],
      requeueAfterMs: 1 * M + delta,
      statusChanged: false,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'still active, not time, F',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [prevJob],
      events: [],
      requeueAfterMs: 1 * M + delta,
      statusChanged: false,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'still active, not time, R',
    concurrencyPolicy: 'Replace',
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [prevJob],
      events: [],
      requeueAfterMs: 1 * M + delta,
      statusChanged: false,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'still active, is time, A',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [prevJob, nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  // Upstream's one special case: the only row that records an event for not scheduling.
  {
    name: 'still active, is time, F',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    now: justAfterTheHour,
    expected: {
      deletes: [],
      active: [prevJob],
      events: ['Normal JobAlreadyActive'],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: false,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'still active, is time, R',
    concurrencyPolicy: 'Replace',
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [`Replace ${prevJob}`],
      active: [nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  // Upstream injects a GET error (Warning FailedGet, sync error). The executor makes that call and records that
  // event; the decision is the same as "still active, is time, R".
  {
    name: 'still active, is time, get job failed, R',
    concurrencyPolicy: 'Replace',
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [`Replace ${prevJob}`],
      active: [nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'still active, is time, suspended',
    concurrencyPolicy: 'Allow',
    suspend: true,
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    now: justAfterTheHour,
    expected: {
      deletes: [],
      active: [prevJob],
      events: [],
      requeueAfterMs: undefined,
      statusChanged: false,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'still active, is time, past deadline',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    deadline: shortDead,
    ranPreviously: true,
    stillActive: true,
    now: justAfterTheHour,
    expected: {
      deletes: [],
      active: [prevJob],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: false,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'still active, is time, not past deadline',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    deadline: longDead,
    ranPreviously: true,
    stillActive: true,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [prevJob, nameAt(topOfTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },

  // Too many missed start times with no or a long deadline: v2 still starts the latest one and warns.
  {
    name: 'prev ran but done, long overdue, not past deadline, A',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    deadline: longDead,
    ranPreviously: true,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour),
      deletes: [],
      active: [nameAt(weekAfterTheHour)],
      events: ['Warning TooManyMissedTimes'],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, long overdue, not past deadline, R',
    concurrencyPolicy: 'Replace',
    schedule: onTheHour,
    deadline: longDead,
    ranPreviously: true,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour),
      deletes: [],
      active: [nameAt(weekAfterTheHour)],
      events: ['Warning TooManyMissedTimes'],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, long overdue, not past deadline, F',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    deadline: longDead,
    ranPreviously: true,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour),
      deletes: [],
      active: [nameAt(weekAfterTheHour)],
      events: ['Warning TooManyMissedTimes'],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, long overdue, no deadline, A',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    ranPreviously: true,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour),
      deletes: [],
      active: [nameAt(weekAfterTheHour)],
      events: ['Warning TooManyMissedTimes'],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, long overdue, no deadline, R',
    concurrencyPolicy: 'Replace',
    schedule: onTheHour,
    ranPreviously: true,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour),
      deletes: [],
      active: [nameAt(weekAfterTheHour)],
      events: ['Warning TooManyMissedTimes'],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, long overdue, no deadline, F',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    ranPreviously: true,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour),
      deletes: [],
      active: [nameAt(weekAfterTheHour)],
      events: ['Warning TooManyMissedTimes'],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, long overdue, past medium deadline, A',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    deadline: mediumDead,
    ranPreviously: true,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour),
      deletes: [],
      active: [nameAt(weekAfterTheHour)],
      events: [],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, long overdue, past short deadline, A',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    deadline: shortDead,
    ranPreviously: true,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour),
      deletes: [],
      active: [nameAt(weekAfterTheHour)],
      events: [],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, long overdue, past medium deadline, R',
    concurrencyPolicy: 'Replace',
    schedule: onTheHour,
    deadline: mediumDead,
    ranPreviously: true,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour),
      deletes: [],
      active: [nameAt(weekAfterTheHour)],
      events: [],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, long overdue, past short deadline, R',
    concurrencyPolicy: 'Replace',
    schedule: onTheHour,
    deadline: shortDead,
    ranPreviously: true,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour),
      deletes: [],
      active: [nameAt(weekAfterTheHour)],
      events: [],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, long overdue, past medium deadline, F',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    deadline: mediumDead,
    ranPreviously: true,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour),
      deletes: [],
      active: [nameAt(weekAfterTheHour)],
      events: [],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  {
    name: 'prev ran but done, long overdue, past short deadline, F',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    deadline: shortDead,
    ranPreviously: true,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour),
      deletes: [],
      active: [nameAt(weekAfterTheHour)],
      events: [],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },

  // Time skew: the controller sees the Job already ran, and takes no action.
  {
    name: 'this ran but done, time drifted back, F',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    ranPreviously: true,
    jobCreationTime: justAfterTheHour,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: rfc3339(justAfterTheHour + 10 * S),
    },
  },

  // Upstream "slow job lister": the Job is missing from the informer cache but found by a GET. jobctl's executor
  // reads every Job `active` names with a consistent GET, so the Job is among `jobs`; the outcome is the same.
  ...(['Allow', 'Forbid', 'Replace'] as const).map(
    (policy): SyncCase => ({
      name: `this started but went missing, not past deadline, ${{ Allow: 'A', Forbid: 'f', Replace: 'R' }[policy]}`,
      concurrencyPolicy: policy,
      schedule: onTheHour,
      deadline: longDead,
      ranPreviously: true,
      stillActive: true,
      jobCreationTime: topOfTheHour + 100,
      now: justAfterTheHour + 100,
      expected: {
        deletes: [],
        active: [nameAt(topOfTheHour)],
        events: [],
        requeueAfterMs: 1 * H - 1 * M - 100 + delta,
        statusChanged: false,
        lastScheduleTime: lst(justAfterThePriorHour),
        lastSuccessfulTime: undefined,
      },
    }),
  ),
  // Upstream "slow cronjob list": the re-read CronJob lists the Job, so upstream neither warns nor writes. jobctl
  // reads the CronJob consistently, so "not in active" is real (a crash between create and status write): Kubernetes
  // without a stale cache warns UnexpectedJob, then adopts the Job on AlreadyExists; jobctl does the same in one step.
  ...(['Allow', 'Forbid', 'Replace'] as const).map(
    (policy): SyncCase => ({
      name:
        `this started but is not present in cronjob active list, not past deadline, ` +
        `${{ Allow: 'A', Forbid: 'f', Replace: 'R' }[policy]}`,
      concurrencyPolicy: policy,
      schedule: onTheHour,
      deadline: longDead,
      ranPreviously: true,
      stillActive: true,
      isJobMissingFromActive: true,
      jobCreationTime: topOfTheHour + 100,
      now: justAfterTheHour + 100,
      expected: {
        deletes: [],
        active: [nameAt(topOfTheHour)],
        events: ['Warning UnexpectedJob'],
        requeueAfterMs: 1 * H - 1 * M - 100 + delta,
        statusChanged: true,
        lastScheduleTime: lst(topOfTheHour),
        lastSuccessfulTime: undefined,
      },
    }),
  ),

  // @every schedules: relative to lastScheduleTime or creation, not to the clock.
  {
    name: 'with @every schedule, never ran, not time',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    cronjobCreationTime: justBeforeTheHour,
    now: topOfTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'with @every schedule, never ran, is time',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    cronjobCreationTime: justBeforeThePriorHour,
    now: justBeforeTheHour,
    expected: {
      create: nameAt(justBeforeTheHour),
      deletes: [],
      active: [nameAt(justBeforeTheHour)],
      events: [],
      requeueAfterMs: 1 * H + delta,
      statusChanged: true,
      lastScheduleTime: lst(justBeforeTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'with @every schedule, never ran, is time, past deadline',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    deadline: shortDead,
    cronjobCreationTime: justBeforeThePriorHour,
    now: justBeforeTheHour + (shortDead + 1) * S,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * H - (shortDead + 1) * S + delta,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'with @every schedule, never ran, is time, not past deadline',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    deadline: longDead,
    cronjobCreationTime: justBeforeThePriorHour,
    now: justBeforeTheHour + (shortDead - 1) * S,
    expected: {
      create: nameAt(justBeforeTheHour),
      deletes: [],
      active: [nameAt(justBeforeTheHour)],
      events: [],
      requeueAfterMs: 1 * H - (shortDead - 1) * S + delta,
      statusChanged: true,
      lastScheduleTime: lst(justBeforeTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'with @every schedule, prev ran but done, not time',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    ranPreviously: true,
    cronjobCreationTime: justBeforeThePriorHour,
    jobCreationTime: justBeforeThePriorHour,
    lastScheduleTime: justBeforeTheHour,
    now: topOfTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(justBeforeTheHour),
      lastSuccessfulTime: rfc3339(justBeforeThePriorHour + 10 * S),
    },
  },
  {
    name: 'with @every schedule, prev ran but done, is time',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    ranPreviously: true,
    cronjobCreationTime: justBeforeThePriorHour,
    jobCreationTime: justBeforeThePriorHour,
    lastScheduleTime: justBeforeTheHour,
    now: topOfTheHour + 1 * H,
    expected: {
      create: nameAt(justBeforeTheNextHour),
      deletes: [],
      active: [nameAt(justBeforeTheNextHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(justBeforeTheNextHour),
      lastSuccessfulTime: rfc3339(justBeforeThePriorHour + 10 * S),
    },
  },
  {
    name: 'with @every schedule, prev ran but done, is time, past deadline',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    deadline: shortDead,
    ranPreviously: true,
    cronjobCreationTime: justBeforeThePriorHour,
    jobCreationTime: justBeforeThePriorHour,
    lastScheduleTime: justBeforeTheHour,
    now: justBeforeTheNextHour + (shortDead + 1) * S,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * H - (shortDead + 1) * S + delta,
      statusChanged: true,
      lastScheduleTime: lst(justBeforeTheHour),
      lastSuccessfulTime: rfc3339(justBeforeThePriorHour + 10 * S),
    },
  },
  // Skipped: "with @every schedule, prev ran but done, is time, not past deadline" is commented out upstream ("This
  // test will fail"); the jobctl row "@every with a deadline shorter than the interval never runs" asserts what
  // Kubernetes actually does there.
  {
    name: 'with @every schedule, still active, not time',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    ranPreviously: true,
    stillActive: true,
    cronjobCreationTime: justBeforeThePriorHour,
    jobCreationTime: justBeforeTheHour,
    lastScheduleTime: justBeforeTheHour,
    now: topOfTheHour,
    expected: {
      deletes: [],
      active: [nameAt(justBeforeTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: false,
      lastScheduleTime: lst(justBeforeTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'with @every schedule, still active, is time',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    ranPreviously: true,
    stillActive: true,
    cronjobCreationTime: justBeforeThePriorHour,
    jobCreationTime: justBeforeThePriorHour,
    lastScheduleTime: justBeforeThePriorHour,
    now: justAfterTheHour,
    expected: {
      create: nameAt(justBeforeTheHour),
      deletes: [],
      active: [nameAt(justBeforeThePriorHour), nameAt(justBeforeTheHour)],
      events: [],
      requeueAfterMs: 1 * H - 2 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(justBeforeTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'with @every schedule, still active, is time, past deadline',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    deadline: shortDead,
    ranPreviously: true,
    stillActive: true,
    cronjobCreationTime: justBeforeThePriorHour,
    jobCreationTime: justBeforeTheHour,
    lastScheduleTime: justBeforeTheHour,
    now: justBeforeTheNextHour + (shortDead + 1) * S,
    expected: {
      deletes: [],
      active: [nameAt(justBeforeTheHour)],
      events: [],
      requeueAfterMs: 1 * H - (shortDead + 1) * S + delta,
      statusChanged: false,
      lastScheduleTime: lst(justBeforeTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'with @every schedule, still active, is time, not past deadline',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    deadline: longDead,
    ranPreviously: true,
    stillActive: true,
    cronjobCreationTime: justBeforeThePriorHour,
    jobCreationTime: justBeforeTheHour,
    lastScheduleTime: justBeforeTheHour,
    now: justBeforeTheNextHour + (shortDead - 1) * S,
    expected: {
      create: nameAt(justBeforeTheNextHour),
      deletes: [],
      active: [nameAt(justBeforeTheHour), nameAt(justBeforeTheNextHour)],
      events: [],
      requeueAfterMs: 1 * H - (shortDead - 1) * S + delta,
      statusChanged: true,
      lastScheduleTime: lst(justBeforeTheNextHour),
      lastSuccessfulTime: undefined,
    },
  },
  {
    name: 'with @every schedule, prev ran but done, long overdue, no deadline',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    ranPreviously: true,
    cronjobCreationTime: justAfterThePriorHour,
    lastScheduleTime: justAfterTheHour,
    jobCreationTime: justAfterThePriorHour,
    now: weekAfterTheHour,
    expected: {
      create: nameAt(weekAfterTheHour - 59 * M),
      deletes: [],
      active: [nameAt(weekAfterTheHour - 59 * M)],
      events: ['Warning TooManyMissedTimes'],
      requeueAfterMs: 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(weekAfterTheHour - 59 * M),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  // Upstream expects active 1 here, unchecked (see the mapping note): the previous Job is done and nothing starts.
  {
    name: 'with @every schedule, prev ran but done, long overdue, past deadline',
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    deadline: shortDead,
    ranPreviously: true,
    cronjobCreationTime: justAfterThePriorHour,
    lastScheduleTime: justAfterTheHour,
    jobCreationTime: justAfterThePriorHour,
    now: weekAfterTheHour + 1 * M + (shortDead + 1) * S,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * H - (shortDead + 1) * S + delta,
      statusChanged: true,
      lastScheduleTime: lst(justAfterTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  // Upstream: the create fails with NamespaceTerminating (sync error, nothing written). That error comes from the
  // executor's create; the decision here is: the running Job missing from `active` is UnexpectedJob (it does not
  // block), and the 10:00 Job is created.
  {
    name: 'do nothing if the namespace is terminating',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    isJobMissingFromActive: true,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: ['Warning UnexpectedJob'],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },
];

// Behaviour K8S-SEMANTICS.md specifies beyond upstream's table, and jobctl's documented decisions.
const jobctlCases: SyncCase[] = [
  // §5: the deadline moves the base of Next() for @every, so a deadline shorter than the interval never runs.
  {
    name: "jobctl: @every with a deadline shorter than the interval never runs (upstream's commented-out case)",
    concurrencyPolicy: 'Allow',
    schedule: everyHour,
    deadline: shortDead,
    ranPreviously: true,
    cronjobCreationTime: justBeforeThePriorHour,
    jobCreationTime: justBeforeThePriorHour,
    lastScheduleTime: justBeforeTheHour,
    now: justBeforeTheNextHour + (shortDead - 1) * S,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * H - (shortDead - 1) * S + delta,
      statusChanged: true,
      lastScheduleTime: lst(justBeforeTheHour),
      lastSuccessfulTime: rfc3339(justBeforeThePriorHour + 10 * S),
    },
  },
  // §4.3: an active reference whose Job is really gone is dropped with MissingJob; lastScheduleTime keeps the slot
  // done.
  {
    name: 'jobctl: an active Job deleted from the store is reported MissingJob and dropped',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    isJobGone: true,
    jobCreationTime: topOfTheHour,
    lastScheduleTime: topOfTheHour,
    now: justAfterTheHour,
    expected: {
      deletes: [],
      active: [],
      events: ['Normal MissingJob'],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  // §4.3 as current upstream: the Job is removed from active and lastSuccessfulTime moves in the same sync.
  {
    name: 'jobctl: a Job seen finished while in active is removed (SawCompletedJob) and sets lastSuccessfulTime',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    isJobFinishedWhileActive: true,
    now: justBeforeTheHour,
    expected: {
      deletes: [],
      active: [],
      events: ['Normal SawCompletedJob'],
      requeueAfterMs: 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(justAfterThePriorHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  // §6: Forbid postpones rather than drops: once the blocking Job is seen finished, the latest missed slot starts late.
  {
    name: 'jobctl: Forbid starts the latest missed slot late once the blocking Job finishes',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    isJobFinishedWhileActive: true,
    now: topOfTheHour + 30 * M,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: ['Normal SawCompletedJob'],
      requeueAfterMs: 30 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: prevSucceeded,
    },
  },
  // §6: Jobs not in active (UnexpectedJob) do not block Forbid.
  {
    name: 'jobctl: an UnexpectedJob does not block Forbid',
    concurrencyPolicy: 'Forbid',
    schedule: onTheHour,
    ranPreviously: true,
    stillActive: true,
    isJobMissingFromActive: true,
    now: justAfterTheHour,
    expected: {
      create: nameAt(topOfTheHour),
      deletes: [],
      active: [nameAt(topOfTheHour)],
      events: ['Warning UnexpectedJob'],
      requeueAfterMs: 1 * H - 1 * M + delta,
      statusChanged: true,
      lastScheduleTime: lst(topOfTheHour),
      lastSuccessfulTime: undefined,
    },
  },
  // §5: startingDeadlineSeconds 0 never starts anything (the window (now, now] is empty), and emits nothing.
  {
    name: 'jobctl: startingDeadlineSeconds 0 never starts a Job',
    concurrencyPolicy: 'Allow',
    schedule: onTheHour,
    deadline: 0,
    now: topOfTheHour,
    expected: {
      deletes: [],
      active: [],
      events: [],
      requeueAfterMs: 1 * H + delta,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
  // §4.4 step 4: a valid schedule that never fires is InvalidSchedule, not requeued.
  {
    name: 'jobctl: a schedule that never fires is InvalidSchedule and not requeued',
    concurrencyPolicy: 'Allow',
    schedule: '59 23 31 2 *',
    now: justAfterTheHour,
    expected: {
      deletes: [],
      active: [],
      events: ['Warning InvalidSchedule'],
      requeueAfterMs: undefined,
      statusChanged: false,
      lastScheduleTime: undefined,
      lastSuccessfulTime: undefined,
    },
  },
];

describe('syncCronJob', () => {
  it.each([...upstreamCases, ...jobctlCases])('$name', (c) => {
    const input = arrange(c);
    const before = structuredClone(input);

    const result = syncCronJob(input);

    expect(summarize(input, result)).toEqual(c.expected);
    expect(input).toEqual(before);
  });

  it(
    'lists the created Job in active with its uid and gives it a controller ownerReference (upstream controllerRef ' +
      'checks)',
    () => {
      const input = arrange(upstreamCases.find((c) => c.name === 'never ran, is time, A') as SyncCase);

      const result = syncCronJob(input);

      const create = result.actions.find((a) => a.type === 'createJob');
      expect(create).toMatchObject({ type: 'createJob', scheduledTimeMs: topOfTheHour });
      const job = create?.type === 'createJob' ? create.job : undefined;
      expect({ owner: job?.metadata.ownerReferences, active: result.status.active }).toEqual({
        owner: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: 'mycronjob',
            uid: '1a2b3c',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        active: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: 'mycronjob-24394200',
            namespace: 'snazzycats',
            uid: deterministicUid('1a2b3c/mycronjob-24394200'),
          },
        ],
      });
    },
  );

  it(
    'adopts the existing Job for the scheduled time instead of creating it ' +
      '(TestControllerV2JobAlreadyExistsButNotInActiveStatus)',
    () => {
      // Upstream: Forbid, @every 1h, lastScheduleTime 08:59, now 09:59; the 09:59 Job exists but status.active is
      // empty.
      const cronJob = aCronJob({
        concurrencyPolicy: 'Forbid',
        schedule: everyHour,
        lastScheduleTime: justBeforeThePriorHour,
      });
      const existing = aJob({ owner: cronJob, uid: '1234', creationTimestamp: justBeforeTheHour });

      const result = syncCronJob({ cronJob, jobs: [existing], now: justBeforeTheHour });

      expect({
        actions: result.actions,
        active: result.status.active,
        lastScheduleTime: result.status.lastScheduleTime,
        statusChanged: result.statusChanged,
        requeueAfterMs: (result.requeueAtMs ?? 0) - justBeforeTheHour,
      }).toEqual({
        actions: [],
        active: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: nameAt(justBeforeTheHour),
            namespace: 'snazzycats',
            uid: '1234',
          },
        ],
        lastScheduleTime: lst(justBeforeTheHour),
        statusChanged: true,
        requeueAfterMs: 1 * H + delta,
      });
    },
  );

  it(
    'does nothing and does not requeue when the Job for the scheduled time belongs to another CronJob of the same ' +
      'name (TestControllerV2JobAlreadyExistsButDifferentOwner)',
    () => {
      const cronJob = aCronJob({
        concurrencyPolicy: 'Forbid',
        schedule: everyHour,
        lastScheduleTime: justBeforeThePriorHour,
      });
      const foreign = aJob({
        owner: cronJob,
        ownerUid: 'an-earlier-mycronjob',
        uid: '1234',
        creationTimestamp: justBeforeTheHour,
        finished: 'Failed',
      });

      const result = syncCronJob({ cronJob, jobs: [foreign], now: justBeforeTheHour });

      expect({
        actions: result.actions,
        statusChanged: result.statusChanged,
        requeueAtMs: result.requeueAtMs,
        events: result.events,
      }).toEqual({
        actions: [],
        statusChanged: false,
        requeueAtMs: undefined,
        events: [],
      });
    },
  );

  it(
    'sets lastSuccessfulTime in the sync that sees the Job finish, and the next sync changes nothing (current ' +
      'upstream)',
    () => {
      const input = arrange(jobctlCases.find((c) => c.name.includes('SawCompletedJob')) as SyncCase);
      const first = syncCronJob(input);

      const second = syncCronJob({ ...input, cronJob: { ...input.cronJob, status: first.status } });

      expect({
        first: first.status.lastSuccessfulTime,
        second: second.status.lastSuccessfulTime,
        changed: second.statusChanged,
      }).toEqual({
        first: prevSucceeded,
        second: prevSucceeded,
        changed: false,
      });
    },
  );

  it('never moves lastSuccessfulTime backwards', () => {
    const cronJob = aCronJob({ schedule: onTheHour, lastSuccessfulTime: topOfTheHour });
    const older = aJob({
      owner: cronJob,
      creationTimestamp: justAfterThePriorHour,
      finished: 'Complete',
      completionTime: justBeforeTheHour,
    });

    const result = syncCronJob({ cronJob, jobs: [older], now: justBeforeTheHour });

    expect({ lastSuccessfulTime: result.status.lastSuccessfulTime, statusChanged: result.statusChanged }).toEqual({
      lastSuccessfulTime: lst(topOfTheHour),
      statusChanged: false,
    });
  });

  it('orders actions: history deletions, then every Replace deletion, then the create', () => {
    const cronJob = aCronJob({
      schedule: onTheHour,
      concurrencyPolicy: 'Replace',
      successfulJobsHistoryLimit: 1,
      lastScheduleTime: justBeforeTheHour - 1 * M,
    });
    const done1 = aJob({
      owner: cronJob,
      name: 'done-1',
      startTime: justBeforeThePriorHour,
      finished: 'Complete',
      completionTime: justBeforeThePriorHour + 1 * M,
    });
    const done2 = aJob({
      owner: cronJob,
      name: 'done-2',
      startTime: justAfterThePriorHour,
      finished: 'Complete',
      completionTime: justAfterThePriorHour + 1 * M,
    });
    const running1 = aJob({ owner: cronJob, name: 'running-1' });
    const running2 = aJob({ owner: cronJob, name: 'running-2' });
    cronJob.status.active = [refTo(running1), refTo(running2)];

    const result = syncCronJob({ cronJob, jobs: [done2, running1, done1, running2], now: justAfterTheHour });

    expect({
      actions: result.actions.map((a) =>
        a.type === 'deleteJob' ? `delete ${a.name} ${a.reason}` : `create ${a.job.metadata.name}`,
      ),
      active: result.status.active.map((r) => r.name),
    }).toEqual({
      actions: [
        'delete done-1 HistoryLimit',
        'delete running-1 Replace',
        'delete running-2 Replace',
        `create ${nameAt(topOfTheHour)}`,
      ],
      active: [nameAt(topOfTheHour)],
    });
  });

  it('trims history while suspended, without requeueing (§7, §9)', () => {
    const cronJob = aCronJob({ schedule: onTheHour, suspend: true, failedJobsHistoryLimit: 0 });
    const failed = aJob({ owner: cronJob, name: 'failed-1', startTime: justAfterThePriorHour, finished: 'Failed' });

    const result = syncCronJob({ cronJob, jobs: [failed], now: justAfterTheHour });

    expect({ actions: result.actions, requeueAtMs: result.requeueAtMs }).toEqual({
      actions: [{ type: 'deleteJob', name: 'failed-1', uid: 'uid-failed-1', reason: 'HistoryLimit' }],
      requeueAtMs: undefined,
    });
  });

  // Messages verbatim from cronjob_controllerv2.go / utils.go (v1.29–v1.31).
  it.each([
    {
      name: 'UnexpectedJob and UnsupportedSchedule',
      cronJob: aCronJob({ schedule: 'TZ=UTC 0 * * * ?', timeZone: newYork, lastScheduleTime: justAfterThePriorHour }),
      jobs: (cj: CronJob) => [aJob({ owner: cj, name: 'stray' })],
      now: justAfterTheHour,
      expected: [
        {
          type: 'Warning',
          reason: 'UnexpectedJob',
          message: 'Saw a job that the controller did not create or forgot: stray',
        },
        {
          type: 'Warning',
          reason: 'UnsupportedSchedule',
          message:
            'CRON_TZ or TZ used in schedule "TZ=UTC 0 * * * ?" is not officially supported, see ' +
            'https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details',
        },
      ],
    },
    {
      name: 'SawCompletedJob and MissingJob',
      cronJob: aCronJob({
        schedule: onTheHour,
        lastScheduleTime: justAfterThePriorHour,
        active: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'gone', namespace: 'snazzycats', uid: 'uid-gone' }],
      }),
      jobs: (cj: CronJob) => {
        const failed = aJob({ owner: cj, name: 'failed', finished: 'Failed' });
        cj.status.active.push(refTo(failed));
        return [failed];
      },
      now: justBeforeTheHour,
      expected: [
        { type: 'Normal', reason: 'SawCompletedJob', message: 'Saw completed job: failed, status: Failed' },
        { type: 'Normal', reason: 'MissingJob', message: 'Active job went missing: gone' },
      ],
    },
    {
      name: 'UnknownTimeZone',
      cronJob: aCronJob({ schedule: onTheHour, timeZone: 'bad timezone' }),
      jobs: () => [],
      now: justAfterTheHour,
      expected: [
        {
          type: 'Warning',
          reason: 'UnknownTimeZone',
          message: 'invalid timeZone: "bad timezone": unknown time zone bad timezone',
        },
      ],
    },
    {
      name: 'UnparseableSchedule',
      cronJob: aCronJob({ schedule: errorSchedule }),
      jobs: () => [],
      now: justAfterTheHour,
      expected: [
        {
          type: 'Warning',
          reason: 'UnparseableSchedule',
          message: expect.stringMatching(/^unparseable schedule: "obvious error schedule" : .+/),
        },
      ],
    },
    {
      name: 'InvalidSchedule',
      cronJob: aCronJob({ schedule: '59 23 31 2 *' }),
      jobs: () => [],
      now: justAfterTheHour,
      expected: [
        {
          type: 'Warning',
          reason: 'InvalidSchedule',
          message: 'invalid schedule: 59 23 31 2 * : time difference between two schedules is less than 1 second',
        },
      ],
    },
    {
      name: 'TooManyMissedTimes',
      cronJob: aCronJob({ schedule: onTheHour, lastScheduleTime: justAfterThePriorHour }),
      jobs: () => [],
      now: weekAfterTheHour,
      expected: [
        {
          type: 'Warning',
          reason: 'TooManyMissedTimes',
          message: 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
        },
      ],
    },
    {
      name: 'JobAlreadyActive',
      cronJob: aCronJob({ schedule: onTheHour, concurrencyPolicy: 'Forbid', lastScheduleTime: justAfterThePriorHour }),
      jobs: (cj: CronJob) => {
        const running = aJob({ owner: cj });
        cj.status.active.push(refTo(running));
        return [running];
      },
      now: justAfterTheHour,
      expected: [
        {
          type: 'Normal',
          reason: 'JobAlreadyActive',
          message: 'Not starting job because prior execution is running and concurrency policy is Forbid',
        },
      ],
    },
  ])("records $name with Kubernetes' messages", ({ cronJob, jobs, now, expected }) => {
    const children = jobs(cronJob);

    expect(syncCronJob({ cronJob, jobs: children, now }).events).toEqual(expected);
  });
});

describe('jobNameFor', () => {
  it.each([
    {
      name: 'the unix minute of the scheduled time (K8S-SEMANTICS §8)',
      at: '2016-05-19T10:00:00Z',
      expected: 'mycronjob-24394200',
    },
    { name: 'seconds inside the minute', at: '2016-05-19T10:00:59Z', expected: 'mycronjob-24394200' },
    { name: 'the next minute', at: '2016-05-19T10:01:00Z', expected: 'mycronjob-24394201' },
  ])('uses $name', ({ at: time, expected }) => {
    expect(jobNameFor('mycronjob', at(time))).toBe(expected);
  });
});

describe('jobFromTemplate', () => {
  // Upstream utils_test.go TestGetJobFromTemplate2: the scheduled-timestamp annotation in the CronJob's zone.
  it.each<{ name: string; timeZone: string | undefined; annotations: Labels; expected: Labels }>([
    {
      name: 'UTC timezone and one annotation',
      timeZone: 'UTC',
      annotations: { x: 'y' },
      expected: { x: 'y', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2016-05-19T10:00:00Z' },
    },
    {
      name: 'nil timezone and one annotation',
      timeZone: undefined,
      annotations: { x: 'y' },
      expected: { x: 'y', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2016-05-19T10:00:00Z' },
    },
    {
      name: 'correct timezone and multiple annotation',
      timeZone: 'Europe/Rome',
      annotations: { x: 'y', z: 'x' },
      expected: { x: 'y', z: 'x', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2016-05-19T12:00:00+02:00' },
    },
    {
      name: 'a zone behind UTC (K8S-SEMANTICS §8 example)',
      timeZone: newYork,
      annotations: {},
      expected: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2016-05-19T06:00:00-04:00' },
    },
    {
      name: 'a zone with a half-hour offset',
      timeZone: 'Asia/Kolkata',
      annotations: {},
      expected: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2016-05-19T15:30:00+05:30' },
    },
  ])('annotates the scheduled time: $name', ({ timeZone, annotations, expected }) => {
    const cronJob = aCronJob({ timeZone, templateAnnotations: annotations });

    const job = jobFromTemplate(cronJob, topOfTheHour, justAfterTheHour);

    expect(job.metadata.annotations).toEqual(expected);
  });

  it('copies the template into a Job the CronJob controls', () => {
    const cronJob = aCronJob({ templateLabels: { a: 'b' } });

    const job = jobFromTemplate(cronJob, topOfTheHour, justAfterTheHour + 500);

    expect(job).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'mycronjob-24394200',
        namespace: 'snazzycats',
        uid: deterministicUid('1a2b3c/mycronjob-24394200'),
        creationTimestamp: '2016-05-19T10:01:00Z',
        labels: { a: 'b' },
        annotations: { x: 'y', 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2016-05-19T10:00:00Z' },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: 'mycronjob',
            uid: '1a2b3c',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      // The API server's generated selector and template labels (strategy.go generateSelector).
      spec: {
        ...cronJob.spec.jobTemplate.spec,
        selector: {
          matchLabels: { 'batch.kubernetes.io/controller-uid': deterministicUid('1a2b3c/mycronjob-24394200') },
        },
        template: {
          ...cronJob.spec.jobTemplate.spec.template,
          metadata: {
            ...cronJob.spec.jobTemplate.spec.template.metadata,
            labels: {
              ...cronJob.spec.jobTemplate.spec.template.metadata?.labels,
              'batch.kubernetes.io/controller-uid': deterministicUid('1a2b3c/mycronjob-24394200'),
              'batch.kubernetes.io/job-name': 'mycronjob-24394200',
              'controller-uid': deterministicUid('1a2b3c/mycronjob-24394200'),
              'job-name': 'mycronjob-24394200',
            },
          },
        },
      },
      status: { active: 0, succeeded: 0, failed: 0, conditions: [] },
    });
  });

  it('deep-copies the spec so the Job and the CronJob share nothing', () => {
    const cronJob = aCronJob();

    const job = jobFromTemplate(cronJob, topOfTheHour, justAfterTheHour);
    job.spec.template.spec.containers[0]!.image = 'changed';

    expect(cronJob.spec.jobTemplate.spec.template.spec.containers[0]?.image).toBe('foo/bar');
  });
});
