import { Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { HEALTH_EVENT } from '../src/adapters/eventbridge/eventbridge-notifier.ts';

// Added to the Jobctl construct's own scope, so the resources keep their logical IDs (see state-table.ts).

/**
 * CronJob health notifications (issue 14): the Lambdas put each transition (Failing, Missed, Stuck, Recovered) on the
 * account's default event bus; a rule takes this stack's (its state table is in the event) to an SNS topic, which users
 * subscribe to by email or chat (`aws sns subscribe --topic-arn <NotificationTopicArn> --protocol email …`), and other
 * rules may take the same events anywhere EventBridge delivers. The message is the transition's one line.
 */
export function createNotifications(
  scope: Construct,
  deps: { table: dynamodb.ITable; publishers: readonly NodejsFunction[] },
): { topic: sns.Topic; rule: events.Rule } {
  const topic = new sns.Topic(scope, 'NotificationTopic', {
    displayName: 'jobctl CronJob health',
    enforceSSL: true,
  });
  Validations.of(topic).acknowledge({
    id: 'AwsSolutions-SNS2',
    reason:
      'EventBridge cannot publish to a topic encrypted with the AWS managed key (alias/aws/sns), and a customer ' +
      'managed key costs a monthly fee for a message that carries a CronJob name and a reason, no secret.',
  });
  const rule = new events.Rule(scope, 'HealthRule', {
    description: "jobctl: this stack's CronJob health transitions -> its notification topic",
    eventPattern: {
      source: [HEALTH_EVENT.source],
      detailType: [HEALTH_EVENT.detailType],
      detail: { table: [deps.table.tableName] },
    },
    targets: [new targets.SnsTopic(topic, { message: events.RuleTargetInput.fromEventPath('$.detail.text') })],
  });
  const { partition, region, account } = Stack.of(scope);
  const defaultBus = `arn:${partition}:events:${region}:${account}:event-bus/default`;
  for (const fn of deps.publishers)
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [defaultBus] }));
  return { topic, rule };
}
