import { type BatchWriteItemCommand, ScanCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbStateStore, EVENT_TTL_SECONDS } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { DEFAULT_SWEEP_INTERVAL_MS, ExpirySweeper, sweepExpired } from '../../src/runtime/local/expiry-sweeper.ts';
import type { Job, KubeEvent } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';

let db: TestDynalite;
let tables = 0;
beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(() => db.stop());

const T0 = Date.parse('2026-03-02T10:00:00Z');

const aJob = (name: string): Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'default' },
  spec: {
    template: { spec: { containers: [{ name: 'main', image: 'busybox' }], restartPolicy: 'Never' } },
    parallelism: 1,
    backoffLimit: 6,
    completionMode: 'NonIndexed',
    suspend: false,
  },
  status: { active: 0, succeeded: 0, failed: 0, conditions: [] },
});

const anEvent = (jobName: string, atMs: number, reason: string): KubeEvent =>
  ({
    involvedObject: { kind: 'Job', namespace: 'default', name: jobName },
    reason,
    message: reason,
    type: 'Normal',
    timestamp: new Date(atMs).toISOString(),
  }) as KubeEvent;

/** A table with a Job and `count` events on it, one recorded a minute from T0 (each expires an hour after). */
async function tableWithEvents(count: number) {
  const tableName = `sweep-${++tables}`;
  await ensureStateTable(db.client, tableName);
  let nowMs = T0;
  const store = new DynamoDbStateStore({ client: db.client, tableName, now: () => nowMs });
  await store.create(aJob('every-minute'));
  for (let i = 0; i < count; i++) {
    nowMs = T0 + i * 60_000;
    await store.recordEvent(anEvent('every-minute', nowMs, `Run${i}`));
  }
  const itemCount = async () =>
    (await db.client.send(new ScanCommand({ TableName: tableName, Select: 'COUNT' }))).Count;
  return { tableName, store, setNow: (ms: number) => (nowMs = ms), itemCount };
}

describe('sweepExpired: what DynamoDB TTL does on AWS, for dynalite', () => {
  it('deletes exactly the items whose expiresAt has passed, page by page, and leaves the rest readable', async () => {
    const { tableName, store, setNow, itemCount } = await tableWithEvents(60);
    expect(await itemCount()).toBe(61);
    // 90 minutes after T0: the events of minutes 0..30 are expired (expiresAt <= now), 31..59 are not.
    const nowMs = T0 + 90 * 60_000;
    const result = await sweepExpired(db.client, tableName, nowMs / 1000, { pageSize: 7 });
    expect(result).toEqual({ scanned: 61, deleted: 31, pages: 9 });
    expect(await itemCount()).toBe(30);
    setNow(nowMs);
    expect(
      (await store.listEvents('Job', { namespace: 'default', name: 'every-minute' })).map((e) => e.reason),
    ).toEqual(Array.from({ length: 29 }, (_, i) => `Run${i + 31}`));
    expect(await store.get('Job', { namespace: 'default', name: 'every-minute' })).toBeDefined();
    // A second sweep finds nothing more to do.
    expect(await sweepExpired(db.client, tableName, nowMs / 1000)).toEqual({ scanned: 30, deleted: 0, pages: 1 });
    // Every event's TTL is one hour.
    expect(EVENT_TTL_SECONDS).toBe(3600);
  });

  it('retries the deletes DynamoDB leaves unprocessed', async () => {
    const key = (i: number) => ({ PK: { S: `Job#default#j${i}` }, SK: { S: 'event#x' } });
    const sent: string[] = [];
    let unprocessedOnce = true;
    const client = {
      send: async (command: unknown) => {
        if (command instanceof ScanCommand) {
          sent.push('Scan');
          return { Items: [key(1), key(2), key(3)], ScannedCount: 3 };
        }
        const input = (command as BatchWriteItemCommand).input;
        const requests = input.RequestItems!['t']!;
        sent.push(`BatchWriteItem ${requests.length}`);
        if (unprocessedOnce) {
          unprocessedOnce = false;
          return { UnprocessedItems: { t: requests.slice(1) } };
        }
        return { UnprocessedItems: {} };
      },
    } as unknown as DynamoDBClient;
    expect(await sweepExpired(client, 't', 1, { sleep: async () => {} })).toEqual({ scanned: 3, deleted: 3, pages: 1 });
    expect(sent).toEqual(['Scan', 'BatchWriteItem 3', 'BatchWriteItem 2']);
  });
});

describe('ExpirySweeper: sweeps on the runtime clock', () => {
  it('sweeps at start and then every ten minutes, logs a failed sweep and tries again', async () => {
    const { tableName, itemCount } = await tableWithEvents(30);
    const clock = new ManualClock(T0 + 30 * 60_000);
    const swept: number[] = [];
    const sweeper = new ExpirySweeper({ client: db.client, tableName, clock, onSweep: (r) => swept.push(r.deleted) });
    sweeper.start();
    await sweeper.idle();
    expect(swept).toEqual([]); // nothing expired yet: events of minutes 0..29 expire at 60..89
    expect(DEFAULT_SWEEP_INTERVAL_MS).toBe(600_000);
    for (let minutes = 10; minutes <= 60; minutes += 10) {
      clock.advance(DEFAULT_SWEEP_INTERVAL_MS);
      await sweeper.idle();
    }
    // At 60 minutes the first event's expiresAt is reached; at 70, 80 and 90 minutes 10, 10 and 9 more.
    expect(swept).toEqual([1, 10, 10, 9]);
    expect(await itemCount()).toBe(1);
    await sweeper.stop();
    clock.advance(DEFAULT_SWEEP_INTERVAL_MS * 3);
    expect(clock.nextTimerAtMs()).toBeUndefined();

    const lines: string[] = [];
    const failing = new ExpirySweeper({
      client: db.client,
      tableName: 'no-such-table',
      clock,
      log: (l) => lines.push(l),
    });
    failing.start();
    await failing.idle();
    clock.advance(DEFAULT_SWEEP_INTERVAL_MS);
    await failing.idle();
    await failing.stop();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^sweeping expired events failed: /);
  });
});
