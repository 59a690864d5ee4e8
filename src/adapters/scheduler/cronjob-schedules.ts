import { createHash } from 'node:crypto';
import { toEventBridgeSchedules, type EventBridgeDivergence } from '../../cron/eventbridge.ts';
import type { CronJob } from '../../spec/types.ts';

/**
 * What a CronJob becomes on EventBridge Scheduler, shared by the two writers of schedules: the CDK construct (the
 * config file's CronJobs, CloudFormation resources) and the job controller (CronJobs created with `jobctl` at run
 * time, through the Scheduler API: `runtime-schedules.ts`). One definition, so both fire the dispatcher alike.
 */

/** `ScheduleInput` the dispatcher receives: the CronJob's identity and the nominal time of this firing. */
export interface DispatcherPayload {
  readonly cronJob: { readonly namespace: string; readonly name: string };
  /** `<aws.scheduler.scheduled-time>`, replaced by EventBridge Scheduler, e.g. `2022-03-22T18:59:43Z`. */
  readonly scheduledTime: string;
}

/**
 * EventBridge Scheduler context attribute holding the schedule's nominal fire time. "EventBridge Scheduler replaces
 * each keyword with its respective value when your schedule invokes the target":
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
 */
export const SCHEDULED_TIME_ATTRIBUTE = '<aws.scheduler.scheduled-time>';

/** RetryPolicy ranges (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html). */
export const MIN_EVENT_AGE_SECONDS = 60;
export const MAX_EVENT_AGE_SECONDS = 86_400;
export const MAX_RETRY_ATTEMPTS = 185;
/** Schedule names: 1–64 of `[0-9a-zA-Z-_.]` (CreateSchedule `Name`). */
const MAX_SCHEDULE_NAME_LENGTH = 64;
/**
 * Prefix of the schedules the job controller owns (CronJobs created with jobctl), so they never collide with the
 * stack's.
 */
export const RUNTIME_SCHEDULE_PREFIX = 'cli.';

/**
 * The name of the `index`-th of `count` EventBridge schedules of a CronJob: `<namespace>.<name>` (plus `_<n>` when
 * the Kubernetes OR-of-days rule needs two), shortened with a hash of `namespace/name` past 64 characters.
 * Deterministic, so a CronJob's schedules are found in the group by name. The part suffix uses `_`, which Kubernetes
 * names cannot contain: with `.`, CronJob `foo`'s second part and a CronJob named `foo.2` would share a name.
 *
 * @example
 * scheduleNameFor('default', 'hello', 0, 1); // 'default.hello'
 * scheduleNameFor('default', 'payroll', 1, 2); // 'default.payroll_2'
 */
export function scheduleNameFor(namespace: string, name: string, index: number, count: number, prefix = ''): string {
  const suffix = count > 1 ? `_${index + 1}` : '';
  const full = `${prefix}${namespace}.${name}`;
  if (full.length + suffix.length <= MAX_SCHEDULE_NAME_LENGTH) return `${full}${suffix}`;
  const hash = createHash('sha256').update(`${prefix}${namespace}/${name}`).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_SCHEDULE_NAME_LENGTH - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/** One schedule of a CronJob, as both writers create it. */
export interface CronJobScheduleDefinition {
  name: string;
  description: string;
  expression: string;
  timeZone: string;
  /** The dispatcher's input, as JSON text. */
  input: string;
  /** Past `startingDeadlineSeconds` Kubernetes would not start the run either; the dispatcher re-checks it. */
  maximumEventAgeInSeconds: number;
  /** Where EventBridge cannot do what Kubernetes does (shown as synth warnings, logged at run time). */
  divergences: readonly EventBridgeDivergence[];
}

/**
 * The schedules of `cronJob` (none when its schedule never fires). `namePrefix` is '' for the stack's schedules and
 * {@link RUNTIME_SCHEDULE_PREFIX} for the job controller's.
 *
 * @throws Error naming the CronJob when the schedule cannot run on EventBridge (an `@every` that is not whole minutes).
 */
export function cronJobScheduleDefinitions(
  cronJob: Pick<CronJob, 'metadata' | 'spec'>,
  namePrefix = '',
): CronJobScheduleDefinition[] {
  const { namespace, name } = cronJob.metadata;
  const { schedule, timeZone, startingDeadlineSeconds } = cronJob.spec;
  const translation = toEventBridgeSchedules(schedule, timeZone);
  const unsupported = translation.divergences.find((d) => d.kind === 'unsupported-interval');
  if (unsupported !== undefined)
    throw new Error(`CronJob ${namespace}/${name} spec.schedule "${schedule}": ${unsupported.message}`);
  const maximumEventAgeInSeconds = clamp(
    startingDeadlineSeconds ?? MAX_EVENT_AGE_SECONDS,
    MIN_EVENT_AGE_SECONDS,
    MAX_EVENT_AGE_SECONDS,
  );
  const payload: DispatcherPayload = { cronJob: { namespace, name }, scheduledTime: SCHEDULED_TIME_ATTRIBUTE };
  const count = translation.schedules.length;
  return translation.schedules.map((s, index) => ({
    name: scheduleNameFor(namespace, name, index, count, namePrefix),
    description:
      `jobctl CronJob ${namespace}/${name}: ` +
      `"${schedule}"${
        count > 1 ? ` (part ${index + 1} of ${count}: Kubernetes ORs day-of-month and day-of-week)` : ''
      }`.slice(0, 512),
    expression: s.expression,
    timeZone: s.timeZone,
    input: JSON.stringify(payload),
    maximumEventAgeInSeconds,
    divergences: translation.divergences,
  }));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
