import type { HealthNotification, Notifier } from '../../ports/health.ts';

/**
 * Health transitions POSTed as JSON to a URL (`jobctl up --notify URL`): Slack, Teams and most chat tools take an
 * incoming webhook; the body carries `text` (one line for a chat) beside the notification's fields. A failed POST
 * (non-2xx, no answer in 10 s) rejects: the controller sends again at its next sync.
 */
export class WebhookNotifier implements Notifier {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(n: HealthNotification): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: notificationText(n), ...n, at: new Date(n.atMs).toISOString() }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`POST ${this.url}: ${response.status} ${response.statusText}`);
  }
}

/** One line: `cronjob default/nightly Failing: the last 2 runs failed: …`. */
export function notificationText(n: HealthNotification): string {
  const { namespace, name } = n.cronJob;
  const was = n.transition === 'Recovered' ? ` (was ${n.previous})` : '';
  return `cronjob ${namespace}/${name} ${n.transition}${was}: ${n.reason}`;
}
