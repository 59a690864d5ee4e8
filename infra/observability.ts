import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { EMF_DIMENSION, EMF_METRIC, EMF_NAMESPACE } from '../src/adapters/cloudwatch/emf-metrics.ts';
import type { SlotOutcome } from '../src/spec/slots.ts';

// Added to the Jobctl construct's own scope, so the resources keep their logical IDs (see state-table.ts).

/** Every slot outcome, in the dashboard's order. */
const OUTCOMES = [
  'Created',
  'Suspended',
  'ForbidActive',
  'DeadlinePassed',
  'NotDispatched',
] as const satisfies readonly SlotOutcome[];

/**
 * Slots that should have run and did not: the schedule did not fire or nothing synced the CronJob in time
 * (`NotDispatched`), or it was seen too late to start (`DeadlinePassed`). `Suspended` and `ForbidActive` are the
 * CronJob's own choice, not an incident.
 */
const MISSED_OUTCOMES = ['NotDispatched', 'DeadlinePassed'] as const satisfies readonly SlotOutcome[];

const PERIOD = Duration.minutes(5);
/** The skew alarm's threshold, seconds (an exact bucket bound of the local histogram too). */
const SKEW_ALARM_SECONDS = 60;

export interface Observability {
  /** Slots by outcome, finished Jobs, schedule skew, run time, dead-letter queue depth and the alarms' states. */
  readonly dashboard: cloudwatch.Dashboard;
  /** A Job failed (its `Failed` condition was written) in the last 5 minutes. */
  readonly failedRunsAlarm: cloudwatch.Alarm;
  /** A slot was recorded `NotDispatched` or `DeadlinePassed` in the last 5 minutes. */
  readonly missedSlotsAlarm: cloudwatch.Alarm;
  /** The 90th percentile of the schedule skew over 5 minutes is above a minute. */
  readonly scheduleSkewAlarm: cloudwatch.Alarm;
}

/**
 * The stack's dashboard and alarms on the metrics the Lambdas write as CloudWatch embedded metric format lines
 * (src/adapters/cloudwatch/emf-metrics.ts), plus the dead-letter queue's depth. The alarms watch the stack-wide
 * series (no CronJob dimension: CronJobs created with `jobctl apply` are not known at synth time). The dead-letter
 * queue already has its alarm (`failureAlarm`, infra/failures.ts): it is shown here and gets the same action, not a
 * second alarm. With `alarmTopic`, every one of these alarms notifies it when it goes into ALARM.
 *
 * A metric CloudWatch has never received (no Job failed yet) is missing data, which these alarms treat as not
 * breaching.
 */
export function createObservability(
  scope: Construct,
  resources: { deadLetterQueue: sqs.IQueue; failureAlarm: cloudwatch.Alarm; alarmTopic?: sns.ITopic },
): Observability {
  const metric = (name: string, statistic: string, dimensionsMap?: Record<string, string>, label?: string) =>
    new cloudwatch.Metric({
      namespace: EMF_NAMESPACE,
      metricName: name,
      statistic,
      period: PERIOD,
      ...(dimensionsMap === undefined ? {} : { dimensionsMap }),
      ...(label === undefined ? {} : { label }),
    });
  const slots = (outcome: SlotOutcome) =>
    metric(EMF_METRIC.slots, 'Sum', { [EMF_DIMENSION.outcome]: outcome }, outcome);
  const alarmDefaults = {
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  };

  const failedRunsAlarm = new cloudwatch.Alarm(scope, 'FailedRunsAlarm', {
    alarmDescription: 'jobctl: a Job failed in the last 5 minutes; see `jobctl --context aws get jobs`',
    metric: metric(EMF_METRIC.jobsFailed, 'Sum'),
    threshold: 0,
    ...alarmDefaults,
  });
  const missedSlotsAlarm = new cloudwatch.Alarm(scope, 'MissedSlotsAlarm', {
    alarmDescription:
      'jobctl: a CronJob slot was not run (NotDispatched or DeadlinePassed) in the last 5 minutes; see `jobctl ' +
      '--context aws explain cronjob/NAME`',
    metric: new cloudwatch.MathExpression({
      expression: MISSED_OUTCOMES.map((o) => `FILL(${o.toLowerCase()}, 0)`).join(' + '),
      usingMetrics: Object.fromEntries(MISSED_OUTCOMES.map((o) => [o.toLowerCase(), slots(o)])),
      label: 'Missed slots',
      period: PERIOD,
    }),
    threshold: 0,
    ...alarmDefaults,
  });
  const scheduleSkewAlarm = new cloudwatch.Alarm(scope, 'ScheduleSkewAlarm', {
    alarmDescription: `jobctl: 90% of Jobs were created more than ${SKEW_ALARM_SECONDS} s after their scheduled time`,
    metric: metric(EMF_METRIC.scheduleSkew, 'p90'),
    threshold: SKEW_ALARM_SECONDS,
    ...alarmDefaults,
  });
  const alarms = [failedRunsAlarm, missedSlotsAlarm, scheduleSkewAlarm, resources.failureAlarm];
  if (resources.alarmTopic !== undefined) {
    const action = new actions.SnsAction(resources.alarmTopic);
    for (const alarm of alarms) alarm.addAlarmAction(action);
  }

  const percentiles = (name: string) => ['p50', 'p90', 'Maximum'].map((s) => metric(name, s, undefined, s));
  const dashboard = new cloudwatch.Dashboard(scope, 'Dashboard', {
    defaultInterval: Duration.days(1),
    widgets: [
      [
        new cloudwatch.GraphWidget({
          title: 'Slots by outcome (all CronJobs)',
          left: OUTCOMES.map(slots),
          stacked: true,
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'Finished Jobs',
          left: [
            metric(EMF_METRIC.jobsSucceeded, 'Sum', undefined, 'Succeeded'),
            metric(EMF_METRIC.jobsFailed, 'Sum', undefined, 'Failed'),
          ],
          width: 12,
        }),
      ],
      [
        new cloudwatch.GraphWidget({
          title: 'Schedule skew (s): Job created after its scheduled time',
          left: percentiles(EMF_METRIC.scheduleSkew),
          leftAnnotations: [{ value: SKEW_ALARM_SECONDS, label: 'alarm (p90)' }],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'Run duration (s)',
          left: percentiles(EMF_METRIC.runDuration),
          width: 12,
        }),
      ],
      [
        new cloudwatch.GraphWidget({
          title: 'Dead-letter queue depth (`jobctl --context aws failures`)',
          left: [
            resources.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              period: PERIOD,
              statistic: 'Maximum',
            }),
          ],
          width: 12,
        }),
        new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 12 }),
      ],
    ],
  });
  return { dashboard, failedRunsAlarm, missedSlotsAlarm, scheduleSkewAlarm };
}
