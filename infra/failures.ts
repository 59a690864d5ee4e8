import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

// Added to the Jobctl construct's own scope, so the resources keep their logical IDs (see state-table.ts).

/**
 * The dead-letter queue of everything that failed for good (14 days' retention; `jobctl --context aws failures` lists
 * and redrives it), and an alarm in ALARM while it holds a message.
 */
export function createFailureQueue(scope: Construct): { deadLetterQueue: sqs.Queue; failureAlarm: cloudwatch.Alarm } {
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(deadLetterQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself the dead-letter queue of the schedules, the task-event rule, the stream mapping and the ' +
      "Lambdas' asynchronous invocations.",
  });
  const failureAlarm = new cloudwatch.Alarm(scope, 'FailureAlarm', {
    alarmDescription:
      'jobctl: a schedule firing, task event, stream batch or invocation failed for good; see `jobctl --context aws ' +
      'failures`',
    metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(5),
      statistic: 'Maximum',
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  return { deadLetterQueue, failureAlarm };
}
