import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { HealthNotification, Notifier } from '../../ports/health.ts';
import { notificationText } from '../webhook/webhook-notifier.ts';

/** The event's `source` and `detail-type`: what a rule matches (the stack's own rule sends them to its SNS topic). */
export const HEALTH_EVENT = { source: 'jobctl', detailType: 'jobctl CronJob health changed' } as const;

/**
 * Health transitions as EventBridge events on the account's default bus: the stack's rule forwards them to its SNS
 * topic (email, chat), and users add their own rules. PutEvents answers 200 with `FailedEntryCount` when an entry was
 * not accepted (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html): that rejects too.
 */
export class EventBridgeNotifier implements Notifier {
  /** `table`: the stack's state table, in every event's detail, so a stack's rule takes its own events only. */
  constructor(
    private readonly client: EventBridgeClient,
    private readonly table: string,
  ) {}

  async send(n: HealthNotification): Promise<void> {
    const result = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: HEALTH_EVENT.source,
            DetailType: HEALTH_EVENT.detailType,
            Time: new Date(n.atMs),
            Resources: [],
            Detail: JSON.stringify({
              text: notificationText(n),
              ...n,
              at: new Date(n.atMs).toISOString(),
              table: this.table,
            }),
          },
        ],
      }),
    );
    if ((result.FailedEntryCount ?? 0) > 0) {
      const entry = result.Entries?.find((e) => e.ErrorCode !== undefined);
      throw new Error(`PutEvents: ${entry?.ErrorCode ?? 'failed'}: ${entry?.ErrorMessage ?? ''}`);
    }
  }
}
