import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EmfMetricsSink } from '../../adapters/cloudwatch/emf-metrics.ts';
import { DynamoDbHealthStore } from '../../adapters/dynamodb/dynamodb-health-store.ts';
import { DynamoDbSlotLedger } from '../../adapters/dynamodb/dynamodb-slot-ledger.ts';
import { EventBridgeNotifier } from '../../adapters/eventbridge/eventbridge-notifier.ts';
import type { ControllerDeps } from '../../controllers/deps.ts';
import type { Clock } from '../../ports/clock.ts';

/**
 * What both Lambdas' CronJob controller records besides the objects (issue 14), wired the same way in each: the slot
 * ledger and the health records in the state table, transitions put on EventBridge's default bus (tagged with the
 * table, which the stack's rule matches), and metrics as CloudWatch embedded metric format lines on stdout (the
 * function's log group: no API call).
 */
export function cronJobRecords(
  clients: { dynamodb: DynamoDBClient; events: EventBridgeClient },
  tableName: string,
  clock: Pick<Clock, 'now'>,
): Required<Pick<ControllerDeps, 'slots' | 'health' | 'metrics'>> {
  return {
    slots: new DynamoDbSlotLedger({ client: clients.dynamodb, tableName, now: () => clock.now() }),
    health: {
      store: new DynamoDbHealthStore({ client: clients.dynamodb, tableName }),
      notifier: new EventBridgeNotifier(clients.events, tableName),
      log: (line) => console.log(JSON.stringify({ msg: line })),
    },
    metrics: new EmfMetricsSink(),
  };
}
