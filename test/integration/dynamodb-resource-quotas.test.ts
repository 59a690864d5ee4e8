import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbResourceQuotas } from '../../src/adapters/dynamodb/dynamodb-resource-quotas.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';

// The ResourceQuotas adapter on dynalite (real conditional writes): admission never exceeds the limit however many
// controllers admit at once, is idempotent per pod, and releases only what it is asked to.
let db: TestDynalite;
let quotas: DynamoDbResourceQuotas;
let n = 0;
const ns = () => `ns-${++n}`;
/** A quota whose usage the recount has counted (a new ledger admits nothing before). */
const putCounted = async (namespace: string, name: string, pods: number) => {
  await quotas.put(namespace, name, { pods });
  await quotas.markCounted(namespace);
};
const charge = (podName: string, chargedAtMs = 1_000) => ({
  podName,
  jobName: podName.replace(/-\w+$/, ''),
  chargedAtMs,
});

beforeAll(async () => {
  db = await startTestDynalite();
  await ensureStateTable(db.client, 'quotas');
  quotas = new DynamoDbResourceQuotas({
    client: db.client,
    tableName: 'quotas',
    now: () => Date.parse('2026-03-02T10:00:00Z'),
  });
});
afterAll(() => db.stop());

describe('DynamoDbResourceQuotas', () => {
  it(
    'admits nothing under a new quota until its usage is counted ("status unknown for quota"), then up to the ' +
      'limit',
    async () => {
      const namespace = ns();
      await quotas.put(namespace, 'tasks', { pods: 2 });
      expect(await quotas.admit(namespace, charge('a-1'))).toEqual({
        admitted: false,
        quotaName: 'tasks',
        used: 0,
        limit: 2,
        uncounted: true,
      });
      await quotas.charge(namespace, charge('running-1')); // the recount charges what already runs
      await quotas.markCounted(namespace);
      expect(await quotas.admit(namespace, charge('a-1'))).toEqual({ admitted: true });
      expect(await quotas.admit(namespace, charge('b-1'))).toMatchObject({ admitted: false, used: 2 });
      await quotas.put(namespace, 'tasks', { pods: 3 }); // changing the quota keeps it counted
      expect(await quotas.admit(namespace, charge('b-1'))).toEqual({ admitted: true });
    },
  );

  it('admits every pod when the namespace has no quota', async () => {
    const namespace = ns();
    expect(await quotas.admit(namespace, charge('a-1'))).toEqual({ admitted: true, noQuota: true });
    expect(await quotas.usage(namespace)).toBeUndefined();
    expect(await quotas.list(namespace)).toEqual([]);
  });

  it(
    'admits up to hard.pods, then denies naming the quota and the usage; a charged pod is admitted ' + 'again',
    async () => {
      const namespace = ns();
      await putCounted(namespace, 'tasks', 2);
      expect(await quotas.admit(namespace, charge('a-1'))).toEqual({ admitted: true });
      expect(await quotas.admit(namespace, charge('b-1'))).toEqual({ admitted: true });
      expect(await quotas.admit(namespace, charge('c-1'))).toEqual({
        admitted: false,
        quotaName: 'tasks',
        used: 2,
        limit: 2,
      });
      // A sync retried after a crash between the charge and the pod's creation admits the same pod name again.
      expect(await quotas.admit(namespace, charge('a-1'))).toEqual({ admitted: true });
      const usage = await quotas.usage(namespace);
      expect([...usage!.holders.keys()].sort()).toEqual(['a-1', 'b-1']);
      expect(usage!.holders.get('a-1')).toEqual({ podName: 'a-1', jobName: 'a', chargedAtMs: 1_000 });
    },
  );

  it('never admits more than the limit when 60 pods are admitted at once', async () => {
    const namespace = ns();
    await putCounted(namespace, 'tasks', 7);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => quotas.admit(namespace, charge(`job${i}-x`))),
    );
    expect(results.filter((r) => r.admitted)).toHaveLength(7);
    expect((await quotas.usage(namespace))!.holders.size).toBe(7);
  });

  it("reserves a free slot for a woken Job, which its pod takes over; other Jobs' pods cannot take it", async () => {
    const namespace = ns();
    await putCounted(namespace, 'tasks', 2);
    await quotas.admit(namespace, charge('a-1'));
    expect(await quotas.reserve(namespace, { name: 'woken', creationTimestamp: 't' }, 2_000)).toBe(true);
    expect(await quotas.reserve(namespace, { name: 'other', creationTimestamp: 't' }, 2_000)).toBe(false); // full
    expect(await quotas.admit(namespace, charge('newcomer-1'))).toMatchObject({ admitted: false, used: 2 });
    expect(await quotas.admit(namespace, { podName: 'woken-x1', jobName: 'woken', chargedAtMs: 3_000 })).toEqual({
      admitted: true,
    });
    expect([...(await quotas.usage(namespace))!.holders.keys()].sort()).toEqual(['a-1', 'woken-x1']);
    expect(await quotas.admit(namespace, { podName: 'woken-x2', jobName: 'woken', chargedAtMs: 3_000 })).toMatchObject({
      admitted: false,
    });
  });

  it('releases charges, only the one charged at the given time when asked, and frees the slot', async () => {
    const namespace = ns();
    await putCounted(namespace, 'tasks', 1);
    await quotas.admit(namespace, charge('a-1', 5_000));
    expect(await quotas.release(namespace, [{ podName: 'a-1', chargedAtMs: 4_000 }])).toBe(0); // a newer charge stays
    expect(await quotas.admit(namespace, charge('b-1'))).toMatchObject({ admitted: false });
    expect(await quotas.release(namespace, [{ podName: 'a-1', chargedAtMs: 5_000 }, { podName: 'never-1' }])).toBe(1);
    expect(await quotas.release(namespace, [{ podName: 'a-1' }])).toBe(0);
    expect(await quotas.admit(namespace, charge('b-1'))).toEqual({ admitted: true });
  });

  it(
    'takes the smallest hard.pods of several quotas; deleting the last one removes the limit and its ' + 'charges',
    async () => {
      const namespace = ns();
      await putCounted(namespace, 'wide', 10);
      await putCounted(namespace, 'narrow', 1);
      expect(await quotas.admit(namespace, charge('a-1'))).toEqual({ admitted: true });
      expect(await quotas.admit(namespace, charge('b-1'))).toEqual({
        admitted: false,
        quotaName: 'narrow',
        used: 1,
        limit: 1,
      });
      expect((await quotas.list(namespace)).map((q) => [q.name, q.hard.pods, q.used.pods])).toEqual([
        ['narrow', 1, 1],
        ['wide', 10, 1],
      ]);
      expect(await quotas.delete(namespace, 'narrow')).toBe(true);
      expect(await quotas.delete(namespace, 'narrow')).toBe(false);
      expect(await quotas.admit(namespace, charge('b-1'))).toEqual({ admitted: true });
      // Changing a quota keeps the charges (they are pods that run).
      await putCounted(namespace, 'wide', 2);
      expect((await quotas.usage(namespace))!.holders.size).toBe(2);
      expect(await quotas.delete(namespace, 'wide')).toBe(true);
      expect(await quotas.usage(namespace)).toBeUndefined();
    },
  );

  it('charge adds a running pod whatever the limit, once', async () => {
    const namespace = ns();
    await putCounted(namespace, 'tasks', 1);
    await quotas.admit(namespace, charge('a-1'));
    await quotas.charge(namespace, charge('b-1'));
    await quotas.charge(namespace, charge('b-1', 9_000));
    const usage = await quotas.usage(namespace);
    expect(usage!.holders.size).toBe(2);
    expect(usage!.holders.get('b-1')!.chargedAtMs).toBe(1_000);
    await quotas.charge(ns(), charge('c-1')); // no quota: nothing to charge, no error
  });

  it('keeps waiting Jobs in creation order, each popped once however many pop at once', async () => {
    const namespace = ns();
    const jobs = ['2026-03-02T10:00:03Z', '2026-03-02T10:00:01Z', '2026-03-02T10:00:02Z'].map((t, i) => ({
      name: `job-${i}`,
      creationTimestamp: t,
    }));
    for (const job of jobs) expect(await quotas.hold(namespace, job)).toBe(true);
    expect(await quotas.hold(namespace, jobs[0]!)).toBe(false);
    expect(await quotas.countWaiting(namespace)).toBe(3);
    expect((await quotas.listWaiting(namespace)).map((j) => j.name)).toEqual(['job-1', 'job-2', 'job-0']);
    expect((await quotas.popWaiting(namespace, 2)).map((j) => j.name)).toEqual(['job-1', 'job-2']);
    for (let i = 0; i < 20; i++)
      await quotas.hold(namespace, { name: `more-${i}`, creationTimestamp: '2026-03-02T10:01:00Z' });
    const popped = (await Promise.all(Array.from({ length: 8 }, () => quotas.popWaiting(namespace, 5))))
      .flat()
      .map((j) => j.name);
    expect(new Set(popped).size).toBe(popped.length);
    expect(popped.length + (await quotas.countWaiting(namespace))).toBe(21);
  });

  it('rejects a hard.pods it cannot keep on one item', async () => {
    await expect(quotas.put(ns(), 'huge', { pods: 501 })).rejects.toThrow(
      /spec.hard.pods: Invalid value: 501: must be an integer 0-500/,
    );
  });
});
