import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { createObservability } from '../../infra/observability.ts';
import { fastApp, synthJobctl } from './synth.ts';

// The dashboard and alarms on the Lambdas' EMF metrics (infra/observability.ts), in the default template.

describe('Jobctl observability', () => {
  const { template, jobctl } = synthJobctl();

  it('alarms when a Job failed in the last 5 minutes (JobsFailed, the stack-wide series)', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'jobctl',
      MetricName: 'JobsFailed',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      Dimensions: Match.absent(),
    });
  });

  it('alarms when a slot was NotDispatched or DeadlinePassed in the last 5 minutes', () => {
    const slots = (outcome: string) => ({
      Id: outcome.toLowerCase(),
      MetricStat: {
        Metric: { Namespace: 'jobctl', MetricName: 'Slots', Dimensions: [{ Name: 'Outcome', Value: outcome }] },
        Period: 300,
        Stat: 'Sum',
      },
      ReturnData: false,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(notdispatched, 0) + FILL(deadlinepassed, 0)' }),
        Match.objectLike(slots('NotDispatched')),
        Match.objectLike(slots('DeadlinePassed')),
      ]),
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when the p90 schedule skew over 5 minutes is above 60 s', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'jobctl',
      MetricName: 'ScheduleSkew',
      ExtendedStatistic: 'p90',
      Period: 300,
      Threshold: 60,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('keeps one dead-letter queue alarm (FailureAlarm), not a second', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Array<{
      Properties: { Namespace?: string };
    }>;
    expect(alarms.filter((a) => a.Properties.Namespace === 'AWS/SQS')).toHaveLength(1);
    expect(alarms.filter((a) => JSON.stringify(a).includes('"jobctl"'))).toHaveLength(3);
    expect(jobctl.observability.failedRunsAlarm.node.id).toBe('FailedRunsAlarm');
  });

  it('has a dashboard of slots by outcome, failed runs, skew, run time and the dead-letter queue depth', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard);
    for (const title of [
      'Slots by outcome',
      'Finished Jobs',
      'Schedule skew',
      'Run duration',
      'Dead-letter queue depth',
      'Alarms',
    ])
      expect(body).toContain(title);
    for (const outcome of ['Created', 'Suspended', 'ForbidActive', 'DeadlinePassed', 'NotDispatched'])
      expect(body).toContain(`\\"Outcome\\",\\"${outcome}\\"`);
    for (const name of [
      'JobsFailed',
      'JobsSucceeded',
      'ScheduleSkew',
      'RunDuration',
      'ApproximateNumberOfMessagesVisible',
    ])
      expect(body).toContain(`\\"${name}\\"`);
    // The dead-letter queue's own queue, by its name attribute.
    expect(body).toMatch(/DeadLetterQueue[0-9A-F]+","QueueName"/);
  });

  it('sends every alarm, the dead-letter queue’s included, to alarmTopic when given', () => {
    const stack = new Stack(fastApp(), 'Topic');
    const deadLetterQueue = new sqs.Queue(stack, 'Dlq');
    const failureAlarm = new cloudwatch.Alarm(stack, 'FailureAlarm', {
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    const alarmTopic = new sns.Topic(stack, 'Alarms');
    createObservability(stack, { deadLetterQueue, failureAlarm, alarmTopic });
    const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms)).toHaveLength(4);
    for (const alarm of Object.values(alarms))
      expect(alarm).toMatchObject({ Properties: { AlarmActions: [{ Ref: expect.stringMatching(/^Alarms/) }] } });
  });

  it("sends the construct's alarms to its notification topic, where the health transitions go", () => {
    const topic = jobctl.node.tryFindChild('NotificationTopic');
    expect(topic).toBeDefined();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(4);
    for (const alarm of alarms)
      expect(alarm).toMatchObject({
        Properties: { AlarmActions: [{ Ref: expect.stringMatching(/^JobctlNotificationTopic/) }] },
      });
  });

  it('gives the alarms no action without a topic', () => {
    const stack = new Stack(fastApp(), 'NoTopic');
    const deadLetterQueue = new sqs.Queue(stack, 'Dlq');
    const failureAlarm = new cloudwatch.Alarm(stack, 'FailureAlarm', {
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
    });
    createObservability(stack, { deadLetterQueue, failureAlarm });
    for (const alarm of Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm')))
      expect(alarm).not.toHaveProperty('Properties.AlarmActions');
  });
});
