import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SchedulerClient, type SchedulerClientConfig } from '@aws-sdk/client-scheduler';
import { EventBridgeClient, type EventBridgeClientConfig } from '@aws-sdk/client-eventbridge';
import { DynamoDbStateStore } from '../src/adapters/dynamodb/dynamodb-state-store.ts';
import { cronJobRecords } from '../src/runtime/lambda/cronjob-records.ts';
import { loadDispatcherEnv, type DispatcherEnv } from '../src/runtime/lambda/env.ts';
import {
  DispatcherLambda,
  SchedulerDstRuns,
  type DispatchResult,
  type DispatcherDeps,
} from '../src/runtime/lambda/dispatcher.ts';
import type { LambdaContextLike } from '../src/runtime/lambda/job-controller.ts';
import { SystemClock } from '../src/adapters/clock/clock.ts';
import type { Clock } from '../src/ports/clock.ts';

/**
 * Dispatcher Lambda: EventBridge Scheduler target of every CronJob schedule, and of its own `dst.*` one-time
 * schedules for repeated local times. Input `{"cronJob":{"namespace","name"},"scheduledTime":"<ISO 8601>"}`; output
 * `{ requeueAtMs?, dstRunAtMs? }`. Semantics: {@link DispatcherLambda}. Environment: `src/runtime/lambda/env.ts`.
 */
export function createHandler(
  deps: DispatcherDeps,
): (event: unknown, context?: LambdaContextLike) => Promise<DispatchResult> {
  const dispatcher = new DispatcherLambda(deps);
  return (event, context) => dispatcher.handle(event, context);
}

/** The SDK clients the dispatcher calls AWS with. */
export interface DispatcherClients {
  dynamodb: DynamoDBClient;
  scheduler: SchedulerClient;
  events: EventBridgeClient;
}

/**
 * The clients as the Lambda builds them (8 attempts each); `config` adds to each (tests: an endpoint and credentials).
 */
export function dispatcherClients(
  config: { dynamodb?: DynamoDBClientConfig; scheduler?: SchedulerClientConfig; events?: EventBridgeClientConfig } = {},
): DispatcherClients {
  return {
    dynamodb: new DynamoDBClient({ maxAttempts: 8, ...config.dynamodb }),
    scheduler: new SchedulerClient({ maxAttempts: 8, ...config.scheduler }),
    events: new EventBridgeClient({ maxAttempts: 8, ...config.events }),
  };
}

/** Everything the handler works with, wired from the environment: what the module scope runs, and what tests run. */
export function dispatcherDeps(
  env: DispatcherEnv,
  runtime: { clients: DispatcherClients; clock: Clock },
): DispatcherDeps {
  const { clients, clock } = runtime;
  const store = new DynamoDbStateStore({ client: clients.dynamodb, tableName: env.tableName, now: () => clock.now() });
  const dst = env.dstRuns;
  return {
    store,
    clock,
    ...cronJobRecords(clients, env.tableName, clock),
    ...(dst === undefined
      ? {}
      : {
          dstRuns: new SchedulerDstRuns({
            client: clients.scheduler,
            groupName: dst.scheduleGroup,
            roleArn: dst.roleArn,
            maximumRetryAttempts: dst.maximumRetryAttempts,
            ...(dst.deadLetterQueueArn === undefined ? {} : { deadLetterQueueArn: dst.deadLetterQueueArn }),
          }),
        }),
  };
}

export const handler = createHandler(
  dispatcherDeps(loadDispatcherEnv(), { clients: dispatcherClients(), clock: new SystemClock() }),
);
