import { describe, expect, it } from 'vitest';
import { AlreadyExistsError, ConflictError } from '../../src/errors.ts';
import type { Job } from '../../src/spec/types.ts';
import { stateStoreContract } from '../contract/state-store.contract.ts';
import { FakeStateStore } from '../support/fakes/fake-state-store.ts';

stateStoreContract('FakeStateStore', async ({ now }) => ({
  store: new FakeStateStore({ now }),
  close: async () => {},
}));

function aJob(name: string): Job {
  return {
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
  };
}

describe('FakeStateStore', () => {
  it('fails the next call of the named method only, without touching state', async () => {
    const store = new FakeStateStore({ now: () => 0 });
    const injected = new ConflictError('injected');
    store.failNext('create', injected);

    const first = await store.create(aJob('a')).catch((e: unknown) => e);
    const listed = await store.list('Job', 'default');
    const second = await store.create(aJob('a'));

    expect({ first, listed, second: second.metadata.name }).toEqual({ first: injected, listed: [], second: 'a' });
  });

  it('uses queued failures in order', async () => {
    const store = new FakeStateStore({ now: () => 0 });
    const first = new AlreadyExistsError('first');
    const second = new ConflictError('second');
    store.failNext('get', first);
    store.failNext('get', second);

    const results = await Promise.allSettled([
      store.get('Job', { namespace: 'default', name: 'a' }),
      store.get('Job', { namespace: 'default', name: 'a' }),
      store.get('Job', { namespace: 'default', name: 'a' }),
    ]);

    expect(results).toEqual([
      { status: 'rejected', reason: first },
      { status: 'rejected', reason: second },
      { status: 'fulfilled', value: undefined },
    ]);
  });

  it('records every call with its arguments as they were at the call', async () => {
    const store = new FakeStateStore({ now: () => 0 });
    const job = aJob('a');
    store.failNext('delete', new Error('down'));

    const created = await store.create(job);
    job.status.active = 5;
    await store.update({ ...created, status: { ...created.status, succeeded: 1 } });
    await store.delete('Job', { namespace: 'default', name: 'a' }).catch(() => {});

    expect(store.calls.map((c) => c.method)).toEqual(['create', 'update', 'delete']);
    expect(store.callsOf('create')).toEqual([[aJob('a')]]);
    expect(store.callsOf('delete')).toEqual([['Job', { namespace: 'default', name: 'a' }]]);
  });
});
