import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { RUNTIME_SCHEDULE_PREFIX } from '../src/adapters/scheduler/cronjob-schedules.ts';
import { DST_RUN_SCHEDULE_PREFIX } from '../src/runtime/lambda/dispatcher.ts';
import { JOBCTL_ENV } from './lambda-env.ts';
import { nagResourceId, roleOf } from './nag-id.ts';

// What the Lambdas may do with the schedules they create at run time, in this stack's schedule group (the stack's own
// schedules are in schedules.ts).

/**
 * One-time requeue schedules (durable timers, src/adapters/scheduler/scheduler-requeue.ts): create them in this
 * stack's group and pass the requeue role to EventBridge Scheduler, which may then invoke only the job controller.
 */
export function grantRequeue(
  scope: Construct,
  fn: NodejsFunction,
  deps: { group: scheduler.ScheduleGroup; requeueRole: iam.Role; deadLetterQueue: sqs.IQueue },
): void {
  grantSchedules(scope, fn, deps.group, {
    namePattern: '*',
    actions: ['scheduler:CreateSchedule'],
    passRole: deps.requeueRole,
    reason:
      'Requeue schedules are named per object and due time at run time; the ARN pattern limits CreateSchedule to ' +
      "this stack's schedule group.",
  });
  deps.requeueRole.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
  );
  deps.requeueRole.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [deps.deadLetterQueue.queueArn] }),
  );
}

/**
 * The schedules of CronJobs created with jobctl at run time (src/adapters/scheduler/runtime-schedules.ts): read,
 * update and delete only `cli.*` schedules of this group (CreateSchedule is granted group-wide for requeues), and pass
 * the dispatcher-invoking role to Scheduler. The stack's own schedules (`<namespace>.<name>`) stay CloudFormation's.
 */
export function grantRuntimeSchedules(
  scope: Construct,
  fn: NodejsFunction,
  deps: { group: scheduler.ScheduleGroup; schedulerRole: iam.IRole },
): void {
  grantSchedules(scope, fn, deps.group, {
    namePattern: `${RUNTIME_SCHEDULE_PREFIX}*`,
    actions: ['scheduler:GetSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
    passRole: deps.schedulerRole,
    reason:
      'CronJobs created with jobctl get schedules named cli.<namespace>.<name> at run time; the pattern limits the ' +
      "job controller to those, in this stack's group.",
  });
}

/**
 * Repeated local times (src/runtime/lambda/dispatcher.ts `SchedulerDstRuns`): when clocks go back, Kubernetes runs a
 * repeated local time twice and EventBridge Scheduler once, so the dispatcher creates a one-time `dst.*` schedule
 * for the second occurrence, targeting itself through the scheduler role, in this stack's group. Added after the
 * scheduler role exists (it names the dispatcher's ARN; the dispatcher's environment names the role's: two
 * references in opposite directions between different resources, no cycle). The target ARN is the invocation's
 * own `context.invokedFunctionArn`, so the function never references itself.
 */
export function grantDstRuns(
  scope: Construct,
  fn: NodejsFunction,
  deps: {
    group: scheduler.ScheduleGroup;
    schedulerRole: iam.IRole;
    deadLetterQueue: sqs.IQueue;
    retryAttempts: number;
  },
): void {
  fn.addEnvironment(JOBCTL_ENV.scheduleGroupName, deps.group.scheduleGroupName);
  fn.addEnvironment(JOBCTL_ENV.dispatchRoleArn, deps.schedulerRole.roleArn);
  fn.addEnvironment(JOBCTL_ENV.deadLetterQueueArn, deps.deadLetterQueue.queueArn);
  fn.addEnvironment(JOBCTL_ENV.scheduleRetryAttempts, String(deps.retryAttempts));
  grantSchedules(scope, fn, deps.group, {
    namePattern: `${DST_RUN_SCHEDULE_PREFIX}*`,
    actions: ['scheduler:CreateSchedule'],
    passRole: deps.schedulerRole,
    reason:
      'One-time schedules for repeated local times are named dst.<namespace>.<name>.<unix seconds> at run time; the ' +
      "pattern limits the dispatcher to creating those, in this stack's group.",
  });
}

/**
 * `actions` on the schedules of this stack's group whose names match `namePattern`, and `iam:PassRole` of the role
 * Scheduler assumes for them (to Scheduler only); the wildcard is acknowledged to cdk-nag with `reason`.
 */
function grantSchedules(
  scope: Construct,
  fn: NodejsFunction,
  group: scheduler.ScheduleGroup,
  grant: { namePattern: string; actions: string[]; passRole: iam.IRole; reason: string },
): void {
  const resourceName = `${group.scheduleGroupName}/${grant.namePattern}`;
  const schedules = Stack.of(scope).formatArn({ service: 'scheduler', resource: 'schedule', resourceName });
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: grant.actions, resources: [schedules] }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: [grant.passRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    }),
  );
  Validations.of(roleOf(fn)).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResourceId(scope, schedules)}]`,
    reason: grant.reason,
  });
}
