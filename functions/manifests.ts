import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../src/aws/dynamodb-state-store.ts';
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
const store = new DynamoDbStateStore({ client: new DynamoDBClient({ maxAttempts: 8 }), tableName: env.tableName, now: () => clock.now() });

export const handler = (event: ManifestsEvent): Promise<ManifestsResult> => handleManifestsEvent({ store, clock }, event);
