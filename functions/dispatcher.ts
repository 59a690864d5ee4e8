import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../src/aws/dynamodb-state-store.ts';
import { loadDispatcherEnv } from '../src/aws/env.ts';
import { DispatcherLambda, type DispatchResult, type DispatcherDeps } from '../src/aws/lambda-dispatcher.ts';
import { SystemClock } from '../src/local/clock.ts';

/**
 * Dispatcher Lambda: EventBridge Scheduler target of every CronJob schedule. Input
 * `{"cronJob":{"namespace","name"},"scheduledTime":"<aws.scheduler.scheduled-time>"}`; output `{ requeueAtMs? }`.
 * Semantics: {@link DispatcherLambda}. Environment: `src/aws/env.ts`.
 */
export function createHandler(deps: DispatcherDeps): (event: unknown) => Promise<DispatchResult> {
  const dispatcher = new DispatcherLambda(deps);
  return (event) => dispatcher.handle(event);
}

const env = loadDispatcherEnv();
const clock = new SystemClock();
const store = new DynamoDbStateStore({ client: new DynamoDBClient({ maxAttempts: 8 }), tableName: env.tableName, now: () => clock.now() });

export const handler = createHandler({ store, clock });
