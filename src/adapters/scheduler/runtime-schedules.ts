import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  UpdateScheduleCommand,
  type GetScheduleCommandOutput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { ObjectKey, StateStore } from '../../ports/state-store.ts';
import { declaringStack } from '../../spec/ownership.ts';
import {
  cronJobScheduleDefinitions,
  RUNTIME_SCHEDULE_PREFIX,
  scheduleNameFor,
  type CronJobScheduleDefinition,
} from './cronjob-schedules.ts';

export interface RuntimeSchedulesOptions {
  readonly client: SchedulerClient;
  readonly store: StateStore;
  /** The stack's schedule group (`JOBCTL_SCHEDULE_GROUP`). */
  readonly groupName: string;
  /** The dispatcher's ARN (`JOBCTL_DISPATCHER_ARN`). */
  readonly dispatcherArn: string;
  /** Role Scheduler assumes to invoke the dispatcher (`JOBCTL_DISPATCH_ROLE_ARN`). */
  readonly roleArn: string;
  readonly deadLetterQueueArn?: string;
  /** RetryPolicy.MaximumRetryAttempts (`JOBCTL_SCHEDULE_RETRY_ATTEMPTS`). */
  readonly maximumRetryAttempts: number;
}

/** What one reconcile did, by schedule name. */
export interface ScheduleReconcileOutcome {
  created: string[];
  updated: string[];
  deleted: string[];
  /** Why the CronJob has no schedule although it should (EventBridge cannot express it); retrying cannot help. */
  unsupported?: string;
}

/**
 * The EventBridge schedules of CronJobs created with `jobctl` at run time (not declared in the stack's config file):
 * the job controller calls {@link reconcile} for every CronJob the table's stream shows inserted, changed or removed,
 * and the schedules follow the table, the one source of truth.
 *
 * Ownership (docs/design-notes.md "Who owns what on AWS"): schedules named `cli.<namespace>.<name>[_n]` are this
 * class's; the stack's are CloudFormation's and never touched here. A CronJob the config file declares (annotation
 * `jobctl.dev/managed-by: cdk/<stack>`) has no `cli.` schedule: adopting one into the stack removes it.
 *
 * - Suspended → the schedules are DISABLED (no idle invocations); resume enables them, and the stream's sync of the
 *   CronJob catches up the most recent missed run at once, as Kubernetes does.
 * - Reads the CronJob again (strongly consistent) instead of trusting the stream image, so records applied late or
 *   twice converge on the current state. Create → ConflictException (another reconcile won) → update.
 * - Calls: one GetSchedule per name the CronJob can have (1 or 2) plus Create/Update/Delete where they differ; only
 *   on spec changes, not on the status writes of every run.
 */
export class RuntimeSchedules {
  constructor(private readonly options: RuntimeSchedulesOptions) {}

  async reconcile(key: ObjectKey): Promise<ScheduleReconcileOutcome> {
    const cronJob = await this.options.store.get('CronJob', key);
    const owned = cronJob !== undefined && declaringStack(cronJob) === undefined;
    const outcome: ScheduleReconcileOutcome = { created: [], updated: [], deleted: [] };
    let desired: CronJobScheduleDefinition[] = [];
    try {
      desired = owned ? cronJobScheduleDefinitions(cronJob, RUNTIME_SCHEDULE_PREFIX) : [];
    } catch (error) {
      // `jobctl --context aws` refuses such schedules; one written another way gets none (and its old ones go)
      // instead of failing its stream record until the shard gives up.
      outcome.unsupported = (error as Error).message;
    }
    const state = cronJob?.spec.suspend === true ? 'DISABLED' : 'ENABLED';
    for (const definition of desired) {
      const current = await this.get(definition.name);
      if (current === undefined) {
        if (await this.create(definition, state)) outcome.created.push(definition.name);
        else if (await this.update(definition, state)) outcome.updated.push(definition.name);
      } else if (!this.matches(current, definition, state)) {
        await this.update(definition, state);
        outcome.updated.push(definition.name);
      }
    }
    const wanted = new Set(desired.map((d) => d.name));
    for (const name of possibleNames(key)) {
      if (!wanted.has(name) && (await this.delete(name))) outcome.deleted.push(name);
    }
    return outcome;
  }

  private async get(name: string): Promise<GetScheduleCommandOutput | undefined> {
    try {
      return await this.options.client.send(new GetScheduleCommand({ Name: name, GroupName: this.options.groupName }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  /** False when the name exists already (a concurrent reconcile created it first). */
  private async create(definition: CronJobScheduleDefinition, state: 'ENABLED' | 'DISABLED'): Promise<boolean> {
    try {
      await this.options.client.send(new CreateScheduleCommand(this.request(definition, state)));
      return true;
    } catch (error) {
      if (error instanceof ConflictException) return false;
      throw error;
    }
  }

  private async update(definition: CronJobScheduleDefinition, state: 'ENABLED' | 'DISABLED'): Promise<boolean> {
    // UpdateSchedule replaces the whole definition: every field is sent.
    await this.options.client.send(new UpdateScheduleCommand(this.request(definition, state)));
    return true;
  }

  /** False when there was nothing to delete. */
  private async delete(name: string): Promise<boolean> {
    try {
      await this.options.client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.options.groupName }));
      return true;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return false;
      throw error;
    }
  }

  private request(definition: CronJobScheduleDefinition, state: 'ENABLED' | 'DISABLED') {
    return {
      Name: definition.name,
      GroupName: this.options.groupName,
      Description: definition.description,
      ScheduleExpression: definition.expression,
      ScheduleExpressionTimezone: definition.timeZone,
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      State: state,
      Target: {
        Arn: this.options.dispatcherArn,
        RoleArn: this.options.roleArn,
        Input: definition.input,
        RetryPolicy: {
          MaximumEventAgeInSeconds: definition.maximumEventAgeInSeconds,
          MaximumRetryAttempts: this.options.maximumRetryAttempts,
        },
        ...(this.options.deadLetterQueueArn === undefined
          ? {}
          : { DeadLetterConfig: { Arn: this.options.deadLetterQueueArn } }),
      },
    };
  }

  private matches(
    current: GetScheduleCommandOutput,
    definition: CronJobScheduleDefinition,
    state: 'ENABLED' | 'DISABLED',
  ): boolean {
    return (
      current.ScheduleExpression === definition.expression &&
      current.ScheduleExpressionTimezone === definition.timeZone &&
      current.State === state &&
      current.Target?.Arn === this.options.dispatcherArn &&
      current.Target?.Input === definition.input &&
      current.Target?.RetryPolicy?.MaximumEventAgeInSeconds === definition.maximumEventAgeInSeconds &&
      current.Target?.RetryPolicy?.MaximumRetryAttempts === this.options.maximumRetryAttempts
    );
  }
}

/** Every `cli.` name a CronJob's schedules can have: one schedule, or two for the OR-of-days rule. */
function possibleNames(key: ObjectKey): string[] {
  return [
    scheduleNameFor(key.namespace, key.name, 0, 1, RUNTIME_SCHEDULE_PREFIX),
    scheduleNameFor(key.namespace, key.name, 0, 2, RUNTIME_SCHEDULE_PREFIX),
    scheduleNameFor(key.namespace, key.name, 1, 2, RUNTIME_SCHEDULE_PREFIX),
  ];
}
