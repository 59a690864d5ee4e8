import { CronJobController } from '../controllers/cronjob-controller.ts';
import type { Clock } from '../ports/clock.ts';
import type { LogSink } from '../ports/log-sink.ts';
import type { ObjectKey, StateStore } from '../ports/state-store.ts';
import type { TaskLauncher } from '../ports/task-launcher.ts';

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
  /** Structured log lines. @default - JSON on stdout */
  log?: (record: Record<string, unknown>) => void;
}

export interface DispatchResult {
  /** When the CronJob is next due (its own schedule fires then); absent when nothing is due (suspended, …). */
  requeueAtMs?: number;
}

/**
 * Parses the schedule payload; a TypeError naming the field otherwise (thrown: Lambda's async retries and then the
 * schedule's dead-letter queue keep a malformed invocation visible instead of dropping it).
 */
export function parseSchedulePayload(event: unknown): { key: ObjectKey; scheduledTimeMs: number } {
  const e = (event ?? {}) as Record<string, unknown>;
  const cronJob = e['cronJob'] as Record<string, unknown> | undefined;
  const where = 'dispatcher: schedule payload';
  if (cronJob === undefined || typeof cronJob !== 'object' || cronJob === null) {
    throw new TypeError(`${where}: cronJob: required object {"namespace","name"}, got ${JSON.stringify(event)?.slice(0, 200)}`);
  }
  for (const field of ['namespace', 'name'] as const) {
    if (typeof cronJob[field] !== 'string' || cronJob[field] === '') throw new TypeError(`${where}: cronJob.${field}: required string, got ${JSON.stringify(cronJob[field])}`);
  }
  const scheduledTime = e['scheduledTime'];
  const scheduledTimeMs = typeof scheduledTime === 'string' ? Date.parse(scheduledTime) : Number.NaN;
  if (Number.isNaN(scheduledTimeMs)) {
    throw new TypeError(`${where}: scheduledTime: invalid value ${JSON.stringify(scheduledTime)}: must be an ISO 8601 time (<aws.scheduler.scheduled-time>)`);
  }
  return { key: { namespace: cronJob['namespace'] as string, name: cronJob['name'] as string }, scheduledTimeMs };
}

/** How far ahead of the Lambda's clock a delivered slot may be and still count as due (clock skew between services). */
export const MAX_CLOCK_SKEW_MS = 5_000;

/** The dispatcher launches nothing and reads no logs: the job controller does, woken by the table's stream. */
const notHere = (what: string) => () => Promise.reject(new Error(`dispatcher: ${what} is the job controller's work`));
const noLauncher: TaskLauncher = { launch: notHere('launching a task'), stop: notHere('stopping a task') };
const noLogs: LogSink = { read: notHere('reading logs'), follow: notHere('reading logs'), remove: notHere('removing logs') };

/**
 * The dispatcher Lambda: one CronJob sync per schedule invocation, deciding from the Lambda's clock, not from the
 * payload's time. The scheduled time is logged with the lateness; the engine finds the slot that is due at `now`
 * (catching up the most recent missed one, bounded by `startingDeadlineSeconds`, as Kubernetes does), so a duplicate
 * or late delivery of a slot computes the same Job name and the conditional put collapses it: one Job, never two.
 * A crash or timeout re-runs the same idempotent sync (Lambda async retry); Forbid and Replace are the
 * controller's (admission, deletionTimestamp). Requeues are not scheduled here: the CronJob's own schedule is its
 * timer.
 */
export class DispatcherLambda {
  private readonly log: (record: Record<string, unknown>) => void;

  constructor(private readonly deps: DispatcherDeps) {
    this.log = deps.log ?? ((record) => console.log(JSON.stringify(record)));
  }

  async handle(event: unknown): Promise<DispatchResult> {
    const { key, scheduledTimeMs } = parseSchedulePayload(event);
    const nowMs = this.deps.clock.now();
    const outcome = await this.controllerAt(scheduledTimeMs).sync(key);
    this.log({ msg: 'dispatched', ...key, scheduledTime: new Date(scheduledTimeMs).toISOString(), latenessMs: nowMs - scheduledTimeMs, ...outcome });
    return outcome.requeueAtMs === undefined ? {} : { requeueAtMs: outcome.requeueAtMs };
  }

  /**
   * The controller, with a clock that never reads earlier than the delivered slot: Scheduler invokes at or after the
   * scheduled time, so a Lambda clock a few ms behind Scheduler's must not make the slot look not yet due (a lost
   * run). Bounded by {@link MAX_CLOCK_SKEW_MS}: a payload naming a time further ahead creates nothing early.
   * Otherwise the Lambda's own clock decides, lateness and catch-up included.
   */
  private controllerAt(scheduledTimeMs: number): CronJobController {
    const now = () => {
      const nowMs = this.deps.clock.now();
      return scheduledTimeMs > nowMs && scheduledTimeMs - nowMs <= MAX_CLOCK_SKEW_MS ? scheduledTimeMs : nowMs;
    };
    const clock: Clock = { now, setTimer: (at, cb) => this.deps.clock.setTimer(at, cb) };
    return new CronJobController({ store: this.deps.store, clock, launcher: noLauncher, logs: noLogs });
  }
}
