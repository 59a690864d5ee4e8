import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDbResourceQuotas } from '../src/adapters/dynamodb/dynamodb-resource-quotas.ts';
import { DynamoDbStateStore } from '../src/adapters/dynamodb/dynamodb-state-store.ts';
import { DynamoDbWorkQueue } from '../src/adapters/dynamodb/dynamodb-work-queue.ts';
import { loadDispatcherEnv } from '../src/runtime/lambda/env.ts';
import { handleManifestsEvent, type ManifestsEvent, type ManifestsResult } from '../src/runtime/lambda/manifests.ts';
import { SystemClock } from '../src/adapters/clock/clock.ts';
import type { Clock } from '../src/ports/clock.ts';

/**
 * Manifests Lambda: the `onEvent` handler of the stack's `Custom::JobctlManifests` resource (CDK Provider framework).
 * `cdk deploy` writes the config file's CronJobs and Jobs into the state table through it. Semantics:
 * {@link handleManifestsEvent}. Environment: `JOBCTL_TABLE_NAME`.
 */
export function createHandler(
  env: { tableName: string },
  runtime: {
    dynamodb: DynamoDBClient;
    clock: Clock;
    sleep?: (ms: number) => Promise<void>;
    log?: (record: Record<string, unknown>) => void;
  },
): (event: ManifestsEvent) => Promise<ManifestsResult> {
  const { dynamodb: client, clock } = runtime;
  const now = () => clock.now();
  const store = new DynamoDbStateStore({ client, tableName: env.tableName, now });
  // Queue settings records only: the queues' SQS side is CloudFormation's (the construct creates them).
  const queues = new DynamoDbWorkQueue({ client, tableName: env.tableName, now });
  const quotas = new DynamoDbResourceQuotas({ client, tableName: env.tableName, now });
  return (event) =>
    handleManifestsEvent(
      {
        store,
        clock,
        queues,
        quotas,
        ...(runtime.sleep === undefined ? {} : { sleep: runtime.sleep }),
        ...(runtime.log === undefined ? {} : { log: runtime.log }),
      },
      event,
    );
}

/**
 * The DynamoDB client as the Lambda builds it (8 attempts); `config` adds to it (tests: an endpoint and credentials).
 */
export function manifestsClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ maxAttempts: 8, ...config });
}

export const handler = createHandler(loadDispatcherEnv(), { dynamodb: manifestsClient(), clock: new SystemClock() });
