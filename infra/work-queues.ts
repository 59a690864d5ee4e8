import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { sqsRedriveCount } from '../src/adapters/sqs/sqs-work-queue.ts';
import type { WorkQueueManifest } from '../src/spec/types.ts';
import { nagResourceId, roleOf } from './nag-id.ts';

// Added to the Jobctl construct's own scope, so the resources keep their logical IDs (see state-table.ts).

/**
 * SQS queues are named `jobctl-<name>` (and `-dlq`), `SqsWorkQueue`'s default `queuePrefix`: the IAM grants match
 * that prefix.
 */
export const WORK_QUEUE_PREFIX = 'jobctl-';

/**
 * One SQS queue and dead-letter queue per `kind: WorkQueue` manifest, named as `SqsWorkQueue` names them, so the
 * CLI and the job controller find them by name: SSE (SQS-managed keys), TLS only, visibility timeout = the lease,
 * 14 days' retention, and a redrive policy as the adapter's safety net (`sqsRedriveCount`: the adapter dead-letters
 * at exactly `maxReceiveCount` itself).
 */
export function createWorkQueues(
  scope: Construct,
  manifests: readonly WorkQueueManifest[],
): Array<{ name: string; queue: sqs.Queue; deadLetterQueue: sqs.Queue }> {
  const container = new Construct(scope, 'WorkQueues');
  return manifests.map((m) => {
    const name = m.metadata.name;
    const common = {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    };
    const deadLetterQueue = new sqs.Queue(container, `${name}-dlq`, {
      ...common,
      queueName: `${WORK_QUEUE_PREFIX}${name}-dlq`,
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `The dead-letter queue of work queue ${name} itself.`,
    });
    const queue = new sqs.Queue(container, name, {
      ...common,
      queueName: `${WORK_QUEUE_PREFIX}${name}`,
      visibilityTimeout: Duration.seconds(m.spec.leaseSeconds),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: sqsRedriveCount(m.spec.maxReceiveCount) },
    });
    return { name, queue, deadLetterQueue };
  });
}

/**
 * The coarse work-queue pattern: the job controller leases, completes and releases items of the `jobctl-*` SQS
 * queues (`src/adapters/sqs/sqs-work-queue.ts`; the queues are created by `jobctl --context aws queue create`, with the
 * caller's credentials) and dead-letters into their `-dlq` twins. Not CreateQueue/DeleteQueue or other queues.
 */
export function grantWorkQueues(scope: Construct, grantee: NodejsFunction | iam.Role): void {
  const queues = Stack.of(scope).formatArn({
    service: 'sqs',
    resource: `${WORK_QUEUE_PREFIX}*`,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
  const statement = new iam.PolicyStatement({
    actions: [
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:SendMessage',
    ],
    resources: [queues],
  });
  if (grantee instanceof iam.Role) grantee.addToPrincipalPolicy(statement);
  else grantee.addToRolePolicy(statement);
  Validations.of(grantee instanceof iam.Role ? grantee : roleOf(grantee)).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagResourceId(scope, queues)}]`,
    reason:
      'Work queues are named jobctl-<name> and jobctl-<name>-dlq (created by jobctl queue create or the stack); the ' +
      'pattern limits this role to those queues in this account and region.',
  });
}
