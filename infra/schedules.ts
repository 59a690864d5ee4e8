import { Annotations, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { toEventBridgeSchedules } from '../src/cron/eventbridge.ts';
import {
  cronJobScheduleDefinitions,
  MIN_EVENT_AGE_SECONDS,
  type CronJobScheduleDefinition,
} from '../src/adapters/scheduler/cronjob-schedules.ts';
import type { CronJob } from '../src/spec/types.ts';

// The EventBridge Scheduler side of the Jobctl construct, added to the construct's own scope so that every resource
// keeps its logical ID (see state-table.ts; test/infra/logical-ids.test.ts holds them).

/** Minutes between two resyncs of the job controller. */
export const RESYNC_MINUTES = 10;

/**
 * scheduler.amazonaws.com, only on behalf of this account
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/cross-service-confused-deputy-prevention.html).
 */
export function schedulerPrincipal(scope: Construct): iam.IPrincipal {
  return new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions({
    StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
  });
}

export function createSchedulerRole(
  scope: Construct,
  deps: { dispatcher: lambda.IFunction; deadLetterQueue: sqs.IQueue },
): iam.Role {
  const role = new iam.Role(scope, 'SchedulerRole', {
    assumedBy: schedulerPrincipal(scope),
    description: 'jobctl: EventBridge Scheduler invokes the dispatcher and dead-letters undeliverable invocations',
  });
  // Exactly the unqualified function, no `:*` versions or aliases: the schedules target the function ARN.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [deps.dispatcher.functionArn] }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deps.deadLetterQueue.queueArn] }),
  );
  return role;
}

/**
 * The role Scheduler assumes for the job controller's one-time requeue schedules (durable timers) and the resync.
 * Created before the functions, so the job controller's environment can name it; its permissions come with
 * grantRequeue (schedule-grants.ts).
 */
export function createRequeueRole(scope: Construct): iam.Role {
  return new iam.Role(scope, 'RequeueSchedulerRole', {
    assumedBy: schedulerPrincipal(scope),
    description:
      'jobctl: EventBridge Scheduler invokes the job controller for its one-time requeue schedules (durable timers)',
  });
}

/**
 * The periodic safety net: every 10 minutes the job controller gets `{"resync":{}}` and syncs every CronJob and
 * unfinished Job, repairing what a lost event or a crash beyond all retries left behind (Kubernetes' informer
 * resync). Through the requeue role, which may invoke the job controller only.
 */
export function createResyncSchedule(
  scope: Construct,
  deps: { group: scheduler.ScheduleGroup; jobController: lambda.IFunction; requeueRole: iam.IRole },
): scheduler.CfnSchedule {
  const resync = new scheduler.CfnSchedule(scope, 'ResyncSchedule', {
    groupName: deps.group.scheduleGroupName,
    description: 'jobctl: periodic resync of every CronJob and unfinished Job (safety net)',
    scheduleExpression: `rate(${RESYNC_MINUTES} minutes)`,
    flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 5 },
    state: 'ENABLED',
    target: {
      arn: deps.jobController.functionArn,
      roleArn: deps.requeueRole.roleArn,
      input: JSON.stringify({ resync: { namespace: 'default' } }),
      // A resync Scheduler could not deliver is replaced by the next one: no delivery retries, no dead letters. One the
      // function failed on three times goes to the dead-letter queue like every asynchronous invocation.
      retryPolicy: { maximumEventAgeInSeconds: RESYNC_MINUTES * 60, maximumRetryAttempts: 0 },
    },
  });
  resync.node.addDependency(deps.group);
  return resync;
}

export function createCronJobSchedules(
  scope: Construct,
  deps: {
    cronJobs: readonly CronJob[];
    group: scheduler.ScheduleGroup;
    dispatcher: lambda.IFunction;
    role: iam.IRole;
    deadLetterQueue: sqs.IQueue;
    retryAttempts: number;
  },
): scheduler.CfnSchedule[] {
  const { retryAttempts } = deps;
  const container = new Construct(scope, 'Schedules');
  const out: scheduler.CfnSchedule[] = [];
  for (const cronJob of deps.cronJobs) {
    const { namespace, name } = cronJob.metadata;
    const { schedule, startingDeadlineSeconds } = cronJob.spec;
    let definitions: CronJobScheduleDefinition[];
    try {
      definitions = cronJobScheduleDefinitions(cronJob);
    } catch (error) {
      throw new Error(`Jobctl: manifests: ${(error as Error).message}`, { cause: error });
    }
    if (definitions.length === 0) {
      for (const d of toEventBridgeSchedules(schedule, cronJob.spec.timeZone).divergences) {
        Annotations.of(scope).addWarningV2(`@jobctl/infra:${d.kind}`, `CronJob ${namespace}/${name}: ${d.message}`);
      }
    }
    for (const definition of definitions) {
      const cfn = new scheduler.CfnSchedule(container, definition.name, {
        name: definition.name,
        groupName: deps.group.scheduleGroupName,
        description: definition.description,
        scheduleExpression: definition.expression,
        scheduleExpressionTimezone: definition.timeZone,
        // OFF: fire at the scheduled minute, as the Kubernetes controller does.
        flexibleTimeWindow: { mode: 'OFF' },
        // Always enabled: `spec.suspend` lives in the table, where `jobctl suspend`/`resume` change it, and the
        // dispatcher honours it. A DISABLED schedule would outlive a `jobctl resume` (docs/design-notes.md).
        state: 'ENABLED',
        target: {
          arn: deps.dispatcher.functionArn,
          roleArn: deps.role.roleArn,
          input: definition.input,
          retryPolicy: {
            maximumEventAgeInSeconds: definition.maximumEventAgeInSeconds,
            maximumRetryAttempts: retryAttempts,
          },
          deadLetterConfig: { arn: deps.deadLetterQueue.queueArn },
        },
      });
      // The group name is a literal, not a Ref: without this CloudFormation could create the schedule first.
      cfn.node.addDependency(deps.group);
      for (const d of definition.divergences) {
        Annotations.of(cfn).addWarningV2(`@jobctl/infra:${d.kind}`, `CronJob ${namespace}/${name}: ${d.message}`);
      }
      if (startingDeadlineSeconds !== undefined && startingDeadlineSeconds < MIN_EVENT_AGE_SECONDS) {
        Annotations.of(cfn).addWarningV2(
          '@jobctl/infra:short-deadline',
          `CronJob ${namespace}/${name}: startingDeadlineSeconds ${startingDeadlineSeconds} is below EventBridge ` +
            `Scheduler's minimum event age of 60 s; retries may arrive up to 60 s late and the dispatcher skips them ` +
            `as missed`,
        );
      }
      out.push(cfn);
    }
  }
  return out;
}
