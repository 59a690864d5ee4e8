import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { DynamoDbStateStore } from '../src/aws/dynamodb-state-store.ts';
import { loadDispatcherEnv } from '../src/aws/env.ts';
import { DispatcherLambda, SchedulerDstRuns, type DispatchResult, type DispatcherDeps } from '../src/aws/lambda-dispatcher.ts';
import type { LambdaContextLike } from '../src/aws/lambda-job-controller.ts';
import { SystemClock } from '../src/local/clock.ts';

/**
 * Dispatcher Lambda: EventBridge Scheduler target of every CronJob schedule, and of its own `dst.*` one-time
 * schedules for repeated local times. Input `{"cronJob":{"namespace","name"},"scheduledTime":"<ISO 8601>"}`; output
 * `{ requeueAtMs?, dstRunAtMs? }`. Semantics: {@link DispatcherLambda}. Environment: `src/aws/env.ts`.
 */
export function createHandler(deps: DispatcherDeps): (event: unknown, context?: LambdaContextLike) => Promise<DispatchResult> {
  const dispatcher = new DispatcherLambda(deps);
  return (event, context) => dispatcher.handle(event, context);
}

const env = loadDispatcherEnv();
const clock = new SystemClock();
const store = new DynamoDbStateStore({ client: new DynamoDBClient({ maxAttempts: 8 }), tableName: env.tableName, now: () => clock.now() });
const dstRuns =
  env.dstRuns === undefined
    ? undefined
    : new SchedulerDstRuns({ client: new SchedulerClient({ maxAttempts: 8 }), groupName: env.dstRuns.scheduleGroup, roleArn: env.dstRuns.roleArn, maximumRetryAttempts: env.dstRuns.maximumRetryAttempts, ...(env.dstRuns.deadLetterQueueArn === undefined ? {} : { deadLetterQueueArn: env.dstRuns.deadLetterQueueArn }) });

export const handler = createHandler({ store, clock, ...(dstRuns === undefined ? {} : { dstRuns }) });
