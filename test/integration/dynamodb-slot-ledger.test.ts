import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbSlotLedger } from '../../src/adapters/dynamodb/dynamodb-slot-ledger.ts';
import { stateTableDefinition } from '../../src/adapters/dynamodb/state-table.ts';
import type { LedgerEntry, SlotRecord } from '../../src/ports/slot-ledger.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';

// The slot ledger's DynamoDB adapter on dynalite: its own partition per CronJob name, entries in time order, the
// latest one read back strongly consistent, a CronJob's uid kept apart from an earlier one of the same name, and
// entries past their retention not read (dynalite never expires items; DynamoDB takes days).
const at = (iso: string) => Date.parse(iso);
const owner = { namespace: 'default', name: 'nightly', uid: 'uid-2' };
const record = (iso: string, outcome: SlotRecord['outcome'], o = owner): SlotRecord => ({
  type: 'slot',
  owner: o,
  scheduledMs: at(iso),
  outcome,
  decidedMs: at(iso) + 1_000,
});

describe('DynamoDbSlotLedger', () => {
  let db: TestDynalite;
  let now = at('2024-05-01T12:00:00Z');
  let ledger: DynamoDbSlotLedger;

  beforeAll(async () => {
    db = await startTestDynalite();
    await db.client.send(new CreateTableCommand(stateTableDefinition('jobctl')));
    ledger = new DynamoDbSlotLedger({ client: db.client, tableName: 'jobctl', now: () => now, retentionSeconds: 3600 });
  });
  afterAll(() => db.stop());

  it('keeps entries in time order, reads the latest of this uid, lists a range with the entry after it', async () => {
    const older = { ...owner, uid: 'uid-1' };
    await ledger.append([record('2024-05-01T09:00:00Z', 'Created', older)]);
    expect(await ledger.latest(owner)).toBeUndefined(); // the same name, an earlier CronJob
    const entries: LedgerEntry[] = [
      record('2024-05-01T10:00:00Z', 'Created'),
      { ...record('2024-05-01T11:00:00Z', 'NotDispatched'), firstMs: at('2024-05-01T10:05:00Z'), count: 12 },
      { type: 'mark', owner, atMs: at('2024-05-01T11:02:00Z'), suspended: true },
    ];
    await ledger.append(entries);
    await ledger.append([entries[0]!]); // written twice: still one
    expect(await ledger.latest(owner)).toEqual(entries[2]);
    expect(await ledger.list(owner, at('2024-05-01T10:00:00Z'), at('2024-05-01T10:30:00Z'))).toEqual(
      entries.slice(0, 2),
    );
    expect((await ledger.list(owner, at('2024-05-01T00:00:00Z'), at('2024-05-01T23:00:00Z'))).length).toBe(4);
  });

  it('reads nothing past its retention (DynamoDB deletes it by TTL within days, dynalite never)', async () => {
    const fresh = { ...owner, name: 'fresh' };
    await ledger.append([record('2024-05-01T11:59:00Z', 'Created', fresh)]);
    expect(await ledger.latest(fresh)).toMatchObject({ outcome: 'Created' });
    now += 3_600_000;
    expect(await ledger.latest(fresh)).toBeUndefined();
    expect(await ledger.list(fresh, 0, now)).toEqual([]);
  });
});
