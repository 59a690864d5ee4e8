import { createHash } from 'node:crypto';
import { ConflictException, CreateScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Change } from '../../ports/changes.ts';

/**
 * A durable timer: syncs `change` again at `atMs`, even when no Lambda is running then (back-off, a Job's
 * `activeDeadlineSeconds`, `ttlSecondsAfterFinished`, an OnFailure restart).
 */
export interface ScheduleRequeue {
  /** Resolves 'scheduled', or 'already-scheduled' when a timer for the same object and second exists. */
  requeueAt(change: Change, atMs: number, targetArn: string): Promise<'scheduled' | 'already-scheduled'>;
}

/** The payload a requeue schedule delivers to the job controller: `{"requeue":{"kind","namespace","name"}}`. */
export interface RequeuePayload {
  requeue: { kind: Change['kind']; namespace: string; name: string };
  /** When the timer was due (ISO 8601), for logs. */
  dueAt: string;
}

export interface SchedulerRequeueOptions {
  readonly client: SchedulerClient;
  /** Schedule group the one-time schedules go in (`JOBCTL_SCHEDULE_GROUP`). */
  readonly groupName: string;
  /** Role EventBridge Scheduler assumes to invoke the target (`JOBCTL_SCHEDULER_ROLE_ARN`). */
  readonly roleArn: string;
  /** SQS queue for invocations Scheduler gives up on. @default - none */
  readonly deadLetterQueueArn?: string;
  /** @default 185 retries (the API maximum) over at most 24 h: a lost timer would leave a Job waiting for ever. */
  readonly maximumRetryAttempts?: number;
  /** @default 86400 */
  readonly maximumEventAgeSeconds?: number;
}

/** Schedule names: 1–64 characters of `[0-9a-zA-Z-_.]` (CreateSchedule `Name`). */
const MAX_SCHEDULE_NAME = 64;

/**
 * {@link ScheduleRequeue} on EventBridge Scheduler one-time schedules
 * (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html):
 * `at(yyyy-mm-ddThh:mm:ss)` in UTC, `FlexibleTimeWindow OFF`, `ActionAfterCompletion: DELETE` (the schedule removes
 * itself after its one invocation,
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-delete.html), target = the job controller
 * with a {@link RequeuePayload}.
 *
 * The name is derived from the object and the due second ({@link requeueScheduleName}), so the same requeue asked
 * twice (a retried sync, duplicate deliveries) collapses: CreateSchedule answers ConflictException, which means
 * "already scheduled". A one-time schedule fires within a minute of its time (60-second precision), which is why
 * short delays are waited out in the invocation instead (`JOBCTL_MAX_INLINE_WAIT_MS`).
 *
 * @example
 * const timers = new SchedulerRequeue({ client: new SchedulerClient({}), groupName: 'jobctl', roleArn });
 * await timers.requeueAt({ kind: 'Job', key: { namespace: 'default', name: 'pi' } }, Date.now() + 300_000, fnArn);
 */
export class SchedulerRequeue implements ScheduleRequeue {
  constructor(private readonly options: SchedulerRequeueOptions) {}

  async requeueAt(change: Change, atMs: number, targetArn: string): Promise<'scheduled' | 'already-scheduled'> {
    // Whole seconds, rounded up: a timer never fires before the controller's due time.
    const dueSeconds = Math.ceil(atMs / 1000);
    const dueAt = new Date(dueSeconds * 1000).toISOString().replace('.000Z', 'Z');
    const payload: RequeuePayload = {
      requeue: { kind: change.kind, namespace: change.key.namespace, name: change.key.name },
      dueAt,
    };
    try {
      await this.options.client.send(
        new CreateScheduleCommand({
          Name: requeueScheduleName(change, dueSeconds),
          GroupName: this.options.groupName,
          ScheduleExpression: `at(${dueAt.slice(0, 19)})`,
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Description: `jobctl requeue ${change.kind} ${change.key.namespace}/${change.key.name}`.slice(0, 512),
          Target: {
            Arn: targetArn,
            RoleArn: this.options.roleArn,
            Input: JSON.stringify(payload),
            RetryPolicy: {
              MaximumRetryAttempts: this.options.maximumRetryAttempts ?? 185,
              MaximumEventAgeInSeconds: this.options.maximumEventAgeSeconds ?? 86_400,
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
        `requeue ${change.kind} ${change.key.namespace}/${change.key.name} at ${dueAt}: CreateSchedule failed: ` +
          `${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

/**
 * `rq-<kind>-<due unix seconds>-<hash>`: deterministic from the object and the due second, ≤ 64 characters of
 * `[0-9a-z-]` whatever the Kubernetes names' length (the hash keeps it unique).
 */
export function requeueScheduleName(change: Change, dueSeconds: number): string {
  const hash = createHash('sha256')
    .update(`${change.kind}/${change.key.namespace}/${change.key.name}/${dueSeconds}`)
    .digest('hex');
  const head = `rq-${change.kind.toLowerCase()}-${dueSeconds}-`;
  return head + hash.slice(0, MAX_SCHEDULE_NAME - head.length);
}
