import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../src/aws/dynamodb-state-store.ts';
import { DynamoDbWorkQueue } from '../src/aws/dynamodb-work-queue.ts';
import { DynamoDbResourceQuotas } from '../src/aws/dynamodb-resource-quotas.ts';
import { loadDispatcherEnv } from '../src/aws/env.ts';
import { handleManifestsEvent, type ManifestsEvent, type ManifestsResult } from '../src/aws/lambda-manifests.ts';
import { SystemClock } from '../src/local/clock.ts';

/**
 * Manifests Lambda: the `onEvent` handler of the stack's `Custom::JobctlManifests` resource (CDK Provider framework).
 * `cdk deploy` writes the config file's CronJobs and Jobs into the state table through it. Semantics:
 * {@link handleManifestsEvent}. Environment: `JOBCTL_TABLE_NAME`.
 */
const env = loadDispatcherEnv();
const clock = new SystemClock();
const client = new DynamoDBClient({ maxAttempts: 8 });
const store = new DynamoDbStateStore({ client, tableName: env.tableName, now: () => clock.now() });

// Queue settings records only: the queues' SQS side is CloudFormation's (the construct creates them).
const queues = new DynamoDbWorkQueue({ client, tableName: env.tableName, now: () => clock.now() });

const quotas = new DynamoDbResourceQuotas({ client, tableName: env.tableName, now: () => clock.now() });

export const handler = (event: ManifestsEvent): Promise<ManifestsResult> => handleManifestsEvent({ store, clock, queues, quotas }, event);
