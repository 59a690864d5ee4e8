import { describe, expect, it } from 'vitest';
import { applyAll } from '../../../src/cli/apply.ts';
import { ManualClock } from '../../../src/adapters/clock/clock.ts';
import { TokenBucket } from '../../../src/adapters/pacing/token-bucket.ts';
import type { ResourceQuotas } from '../../../src/ports/resource-quotas.ts';
import type { WorkQueue } from '../../../src/ports/work-queue.ts';
import { loadManifests } from '../../../src/spec/index.ts';
import { FakeStateStore } from '../../support/fakes/fake-state-store.ts';

// `jobctl apply --rate N`: writes of CronJobs and Jobs are paced by a token bucket; what is unchanged costs no token.
const flush = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};
const jobs = (n: number) =>
  loadManifests(
    Array.from(
      { length: n },
      (_, i) =>
        `apiVersion: batch/v1\nkind: Job\nmetadata: { name: j-${i} }\nspec:\n  template:\n    spec:\n      ` +
        `containers: [{ name: c, image: busybox, command: ["true"] }]\n      restartPolicy: Never\n`,
    ).join('---\n'),
    'jobs.yaml',
  );
const unusedPorts = { queues: {} as WorkQueue, quotas: {} as ResourceQuotas };

describe('apply pacing', () => {
  it('writes at the rate, a burst first, and a re-run of unchanged objects takes no token', async () => {
    const clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
    const store = new FakeStateStore();
    const pacer = new TokenBucket({ ratePerSecond: 2, burst: 2, clock });
    const loaded = jobs(6);
    const done = applyAll({ store, ...unusedPorts }, loaded, { pacer });
    const written = async () => (await store.list('Job', 'default')).length;
    await flush();
    expect(await written()).toBe(2); // the burst
    clock.advance(499);
    await flush();
    expect(await written()).toBe(2);
    clock.advance(1);
    await flush();
    expect(await written()).toBe(3); // one more every 1/rate s
    clock.advance(1_500);
    await flush();
    expect(await written()).toBe(6);
    expect((await done).map((o) => o.action)).toEqual(Array(6).fill('created'));

    clock.advance(1_000);
    expect(pacer.tryTake(2)).toBe(true); // an empty bucket: a re-run that wrote anything would wait
    const again = await applyAll({ store, ...unusedPorts }, loaded, { pacer }); // no clock movement needed
    expect(again.map((o) => o.action)).toEqual(Array(6).fill('unchanged'));
  });
});

describe('an interrupted apply', () => {
  it('run again, creates only what the first run did not, and nothing twice', async () => {
    const store = new FakeStateStore();
    const loaded = jobs(250);
    // The first run is interrupted (Ctrl-C, a lost connection) after 100 objects were written.
    let creates = 0;
    const interrupted = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'create') {
          return async (obj: Parameters<FakeStateStore['create']>[0]) => {
            if (++creates > 100) throw new Error('socket hang up');
            return target.create(obj);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    await expect(applyAll({ store: interrupted, ...unusedPorts }, loaded)).rejects.toThrow('socket hang up');
    expect(await store.list('Job', 'default')).toHaveLength(100);
    const uids = new Map((await store.list('Job', 'default')).map((j) => [j.metadata.name, j.metadata.uid]));

    const again = await applyAll({ store, ...unusedPorts }, loaded);
    expect(again.filter((o) => o.action === 'created')).toHaveLength(150);
    expect(again.filter((o) => o.action === 'unchanged')).toHaveLength(100);
    const stored = await store.list('Job', 'default');
    expect(stored).toHaveLength(250);
    // the same objects, not re-created
    for (const job of stored)
      if (uids.has(job.metadata.name)) expect(job.metadata.uid).toBe(uids.get(job.metadata.name));
  });
});
