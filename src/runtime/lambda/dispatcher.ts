import { createHash } from 'node:crypto';
import type { SlotLedger } from '../../ports/slot-ledger.ts';
import type { ControllerDeps } from '../../controllers/deps.ts';
import type { MetricsSink } from '../../ports/metrics.ts';
import { ConflictException, CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { CronJobController } from '../../controllers/cronjob-controller.ts';
import { nextRepeatedLocalTime } from '../../cron/repeated-local-time.ts';
import type { Clock } from '../../ports/clock.ts';
import type { ObjectKey, StateStore } from '../../ports/state-store.ts';
import type { CronJob } from '../../spec/types.ts';
import {
  MAX_EVENT_AGE_SECONDS,
  MAX_RETRY_ATTEMPTS,
  MIN_EVENT_AGE_SECONDS,
  type DispatcherPayload,
} from '../../adapters/scheduler/cronjob-schedules.ts';
import type { LambdaContextLike } from './job-controller.ts';

/**
 * The EventBridge Scheduler target payload of a CronJob's schedule (the CDK construct writes it with
 * `ScheduleTargetInput.fromObject`, `<aws.scheduler.scheduled-time>` filled in by Scheduler:
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html):
 *
 * ```json
 * {"cronJob":{"namespace":"default","name":"hello"},"scheduledTime":"2026-03-02T10:01:00Z"}
 * ```
 */
export interface SchedulePayload {
  cronJob: ObjectKey;
  scheduledTime: string;
}

export interface DispatcherDeps {
  store: StateStore;
  clock: Clock;
  /**
   * One-time schedules for the runs EventBridge Scheduler does not make: the second occurrence of a local time
   * repeated when clocks go back ({@link nextRepeatedLocalTime}).
   * @default - none: such runs are lost, as the synth warning `repeated-local-time` says
   */
  dstRuns?: DstRuns;
  /** Where each slot's outcome is recorded (`jobctl explain`). @default - none: not recorded */
  slots?: SlotLedger;
  /** Each CronJob's health and where its transitions go (EventBridge). @default - none: health is not kept */
  health?: ControllerDeps['health'];
  /** Where the sync reports the slots it recorded and the skew of the Job it created. @default - none */
  metrics?: MetricsSink;
  /** Structured log lines. @default - JSON on stdout */
  log?: (record: Record<string, unknown>) => void;
}

export interface DispatchResult {
  /** When the CronJob is next due (its own schedule fires then); absent when nothing is due (suspended, …). */
  requeueAtMs?: number;
  /** The repeated local time a one-time schedule now covers (scheduled by this or an earlier delivery). */
  dstRunAtMs?: number;
}

/** A run of a CronJob that EventBridge Scheduler will not make, for {@link DstRuns}. */
export interface DstRun {
  cronJob: ObjectKey;
  /** The engine's fire time (epoch ms, whole seconds): the second occurrence of a repeated local time. */
  scheduledMs: number;
  /**
   * RetryPolicy.MaximumEventAgeInSeconds: `startingDeadlineSeconds` clamped to 60–86400, as the CronJob's own
   * schedules.
   */
  maximumEventAgeSeconds: number;
  /** The dispatcher's own unqualified function ARN. */
  targetArn: string;
}

/** Schedules one dispatch of a CronJob at a given time (the CronJob schedules' payload, with a literal time). */
export interface DstRuns {
  /** Resolves 'scheduled', or 'already-scheduled' when that run is scheduled already (a duplicate delivery). */
  scheduleRun(run: DstRun): Promise<'scheduled' | 'already-scheduled'>;
}

/**
 * Parses the schedule payload; a TypeError naming the field otherwise. Thrown, not dropped: Scheduler invokes the
 * dispatcher asynchronously, so Lambda retries the invocation twice and then sends it to the function's on-failure
 * destination (the stack's dead-letter queue, where `jobctl --context aws failures` shows it). The schedule's own
 * dead-letter config only receives invocations Scheduler could not deliver, never function errors.
 */
export function parseSchedulePayload(event: unknown): { key: ObjectKey; scheduledTimeMs: number } {
  const e = (event ?? {}) as Record<string, unknown>;
  const cronJob = e['cronJob'] as Record<string, unknown> | undefined;
  const where = 'dispatcher: schedule payload';
  if (cronJob === undefined || typeof cronJob !== 'object' || cronJob === null) {
    throw new TypeError(
      `${where}: cronJob: required object {"namespace","name"}, got ${JSON.stringify(event)?.slice(0, 200)}`,
    );
  }
  for (const field of ['namespace', 'name'] as const) {
    if (typeof cronJob[field] !== 'string' || cronJob[field] === '')
      throw new TypeError(`${where}: cronJob.${field}: required string, got ${JSON.stringify(cronJob[field])}`);
  }
  const scheduledTime = e['scheduledTime'];
  const scheduledTimeMs = typeof scheduledTime === 'string' ? Date.parse(scheduledTime) : Number.NaN;
  if (Number.isNaN(scheduledTimeMs)) {
    throw new TypeError(
      `${where}: scheduledTime: invalid value ${JSON.stringify(scheduledTime)}: must be an ISO 8601 time ` +
        `(<aws.scheduler.scheduled-time>)`,
    );
  }
  return { key: { namespace: cronJob['namespace'] as string, name: cronJob['name'] as string }, scheduledTimeMs };
}

/** How far ahead of the Lambda's clock a delivered slot may be and still count as due (clock skew between services). */
export const MAX_CLOCK_SKEW_MS = 5_000;

/**
 * The dispatcher Lambda: one CronJob sync per schedule invocation, deciding from the Lambda's clock, not from the
 * payload's time. The scheduled time is logged with the lateness; the engine finds the slot that is due at `now`
 * (catching up the most recent missed one, bounded by `startingDeadlineSeconds`, as Kubernetes does), so a duplicate
 * or late delivery of a slot computes the same Job name and the conditional put collapses it: one Job, never two.
 * A crash or timeout re-runs the same idempotent sync (Lambda async retry); Forbid and Replace are the
 * controller's (admission, deletionTimestamp). Requeues are not scheduled here: the CronJob's own schedule is its
 * timer.
 *
 * One exception, with {@link DispatcherDeps.dstRuns}: when clocks go back, Kubernetes runs a repeated local time
 * twice and EventBridge Scheduler once, so after each sync the dispatcher asks whether the CronJob's next fire
 * time is such a second occurrence ({@link nextRepeatedLocalTime}) and, if so, creates a one-time schedule that
 * invokes this dispatcher then. That dispatch syncs like any other (its clock decides) and looks one fire time
 * ahead again, so `*\/15` chains through the whole repeated hour. Suspended CronJobs get the schedule too: `suspend`
 * may change before the run is due, and the sync then decides, as for the CronJob's own schedules.
 */
export class DispatcherLambda {
  private readonly log: (record: Record<string, unknown>) => void;

  constructor(private readonly deps: DispatcherDeps) {
    this.log = deps.log ?? ((record) => console.log(JSON.stringify(record)));
  }

  async handle(event: unknown, context: LambdaContextLike = {}): Promise<DispatchResult> {
    const { key, scheduledTimeMs } = parseSchedulePayload(event);
    const nowMs = this.deps.clock.now();
    // One decision time for the sync and the DST look-ahead: a fire time between two clock readings would be
    // neither run by the sync nor scheduled as a repeated local time.
    const decidedAtMs = this.syncTimeMs(scheduledTimeMs);
    const { cronJob, ...outcome } = await this.controllerAt(decidedAtMs).sync(key);
    this.log({
      msg: 'dispatched',
      ...key,
      scheduledTime: new Date(scheduledTimeMs).toISOString(),
      latenessMs: nowMs - scheduledTimeMs,
      ...outcome,
    });
    const dstRunAtMs = cronJob === undefined ? undefined : await this.scheduleDstRun(cronJob, decidedAtMs, context);
    return {
      ...(outcome.requeueAtMs === undefined ? {} : { requeueAtMs: outcome.requeueAtMs }),
      ...(dstRunAtMs === undefined ? {} : { dstRunAtMs }),
    };
  }

  /**
   * The time the sync decided at: the Lambda's clock, never earlier than the delivered slot (Scheduler invokes at or
   * after the scheduled time, so a Lambda clock a few ms behind Scheduler's must not make the slot look not yet due:
   * a lost run). Bounded by {@link MAX_CLOCK_SKEW_MS}: a payload naming a time further ahead creates nothing early.
   */
  private syncTimeMs(scheduledTimeMs: number): number {
    const nowMs = this.deps.clock.now();
    return scheduledTimeMs > nowMs && scheduledTimeMs - nowMs <= MAX_CLOCK_SKEW_MS ? scheduledTimeMs : nowMs;
  }

  private controllerAt(decidedAtMs: number): CronJobController {
    const clock: Clock = { now: () => decidedAtMs, setTimer: (at, cb) => this.deps.clock.setTimer(at, cb) };
    // It launches nothing and reads no logs: the job controller does, woken by the table's stream.
    const { slots, metrics, health } = this.deps;
    return new CronJobController({
      store: this.deps.store,
      clock,
      ...(slots === undefined ? {} : { slots }),
      ...(metrics === undefined ? {} : { metrics }),
      ...(health === undefined ? {} : { health }),
    });
  }

  /**
   * The one-time schedule for the CronJob's next fire time after `syncedAtMs` when that is a second occurrence of a
   * repeated local time; fire times up to `syncedAtMs` were the sync's to run (or miss, as Kubernetes would).
   */
  private async scheduleDstRun(
    cronJob: CronJob,
    syncedAtMs: number,
    context: LambdaContextLike,
  ): Promise<number | undefined> {
    if (this.deps.dstRuns === undefined) return undefined;
    const key = { namespace: cronJob.metadata.namespace, name: cronJob.metadata.name };
    const atMs = nextRepeatedLocalTime(cronJob.spec, syncedAtMs);
    if (atMs === undefined) return undefined;
    const targetArn = unqualifiedFunctionArn(context.invokedFunctionArn);
    if (targetArn === undefined) {
      throw new Error(
        `dispatcher: ${key.namespace}/${key.name}: repeated local time ${new Date(atMs).toISOString()}: no target: ` +
          `invoke through Lambda (context.invokedFunctionArn)`,
      );
    }
    const maximumEventAgeSeconds = Math.min(
      MAX_EVENT_AGE_SECONDS,
      Math.max(MIN_EVENT_AGE_SECONDS, cronJob.spec.startingDeadlineSeconds ?? MAX_EVENT_AGE_SECONDS),
    );
    const outcome = await this.deps.dstRuns.scheduleRun({
      cronJob: key,
      scheduledMs: atMs,
      maximumEventAgeSeconds,
      targetArn,
    });
    this.log({ msg: 'repeated local time scheduled', ...key, at: new Date(atMs).toISOString(), outcome });
    return atMs;
  }
}

/**
 * `arn:aws:lambda:<region>:<account>:function:<name>` without a `:<version or alias>`: the ARN the schedules' role may
 * invoke.
 */
function unqualifiedFunctionArn(arn: string | undefined): string | undefined {
  return arn?.split(':').slice(0, 7).join(':');
}

/** Options of {@link SchedulerDstRuns}. */
export interface SchedulerDstRunsOptions {
  readonly client: SchedulerClient;
  /** Schedule group of the stack's CronJob schedules (`JOBCTL_SCHEDULE_GROUP`). */
  readonly groupName: string;
  /** Role EventBridge Scheduler assumes to invoke the dispatcher (`JOBCTL_DISPATCH_ROLE_ARN`). */
  readonly roleArn: string;
  /** SQS queue for invocations Scheduler gives up on. @default - none */
  readonly deadLetterQueueArn?: string;
  /** RetryPolicy.MaximumRetryAttempts, as the CronJob schedules (`JOBCTL_SCHEDULE_RETRY_ATTEMPTS`). @default 185 */
  readonly maximumRetryAttempts?: number;
}

/** Prefix of the dispatcher's one-time schedules; its IAM policy allows CreateSchedule on `<group>/dst.*` only. */
export const DST_RUN_SCHEDULE_PREFIX = 'dst.';

/** Schedule names: 1–64 characters of `[0-9a-zA-Z-_.]` (CreateSchedule `Name`). */
const MAX_SCHEDULE_NAME_LENGTH = 64;

/**
 * {@link DstRuns} on EventBridge Scheduler one-time schedules
 * (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html): `at(yyyy-mm-ddThh:mm:ss)` in
 * UTC, `FlexibleTimeWindow OFF`, `ActionAfterCompletion: DELETE`, target = the dispatcher with the CronJob schedules'
 * payload ({@link DispatcherPayload}) carrying the literal time. The name is derived from the CronJob and the second
 * ({@link dstRunScheduleName}), so duplicate deliveries collapse: ConflictException means "already scheduled".
 *
 * @example
 * const dstRuns = new SchedulerDstRuns({ client: new SchedulerClient({}), groupName: 'jobctl', roleArn });
 * await dstRuns.scheduleRun({
 *   cronJob: { namespace: 'default', name: 'nightly' },
 *   scheduledMs: Date.parse('2026-10-25T01:30:00Z'),
 *   maximumEventAgeSeconds: 86_400,
 *   targetArn,
 * });
 */
export class SchedulerDstRuns implements DstRuns {
  constructor(private readonly options: SchedulerDstRunsOptions) {}

  async scheduleRun(run: DstRun): Promise<'scheduled' | 'already-scheduled'> {
    // Whole seconds, rounded up: the dispatch never comes before the engine's fire time.
    const atSeconds = Math.ceil(run.scheduledMs / 1000);
    const at = new Date(atSeconds * 1000).toISOString().replace('.000Z', 'Z');
    const { namespace, name } = run.cronJob;
    const payload: DispatcherPayload = { cronJob: { namespace, name }, scheduledTime: at };
    try {
      await this.options.client.send(
        new CreateScheduleCommand({
          Name: dstRunScheduleName(run.cronJob, atSeconds),
          GroupName: this.options.groupName,
          ScheduleExpression: `at(${at.slice(0, 19)})`,
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Description: (
            `jobctl CronJob ${namespace}/${name}: ` +
            'second occurrence of a repeated local time (EventBridge runs it once)'
          ).slice(0, 512),
          Target: {
            Arn: run.targetArn,
            RoleArn: this.options.roleArn,
            Input: JSON.stringify(payload),
            RetryPolicy: {
              MaximumRetryAttempts: this.options.maximumRetryAttempts ?? MAX_RETRY_ATTEMPTS,
              MaximumEventAgeInSeconds: run.maximumEventAgeSeconds,
            },
            ...(this.options.deadLetterQueueArn === undefined
              ? {}
              : { DeadLetterConfig: { Arn: this.options.deadLetterQueueArn } }),
          },
        }),
      );
      return 'scheduled';
    } catch (error) {
      if (error instanceof ConflictException || (error as { name?: unknown }).name === 'ConflictException')
        return 'already-scheduled';
      throw new Error(
        `dispatcher: ${namespace}/${name}: repeated local time ${at}: CreateSchedule failed: ` +
          `${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

/**
 * `dst.<namespace>.<name>.<unix seconds>`, past 64 characters shortened with a hash of `namespace/name`:
 * deterministic from the CronJob and the fire time, so every delivery that finds the same run names the same schedule.
 *
 * @example
 * dstRunScheduleName({ namespace: 'default', name: 'nightly' }, 1792891800); // 'dst.default.nightly.1792891800'
 */
export function dstRunScheduleName(cronJob: ObjectKey, atSeconds: number): string {
  const suffix = `.${atSeconds}`;
  const full = `${DST_RUN_SCHEDULE_PREFIX}${cronJob.namespace}.${cronJob.name}`;
  if (full.length + suffix.length <= MAX_SCHEDULE_NAME_LENGTH) return `${full}${suffix}`;
  const hash = createHash('sha256').update(`${cronJob.namespace}/${cronJob.name}`).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_SCHEDULE_NAME_LENGTH - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}
