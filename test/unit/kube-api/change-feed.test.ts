import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/clock.ts';
import { ChangeFeed, type FeedEvent, type WatchedKind } from '../../../src/kube-api/change-feed.ts';
import type { ServedObject } from '../../../src/kube-api/served-objects.ts';

// The façade's watch log over a fake store: what a list reads, and what a watch from its resourceVersion gets.
function world() {
  const objects: Record<WatchedKind, ServedObject[]> = { CronJob: [], Job: [], Pod: [] };
  const reads: WatchedKind[] = [];
  const clock = new ManualClock(0);
  const feed = new ChangeFeed({
    clock,
    pollMs: 500,
    read: async (kind) => {
      reads.push(kind);
      return objects[kind].map((o) => structuredClone(o));
    },
  });
  const put = (kind: WatchedKind, name: string, resourceVersion: string, uid = `${name}-uid`) => {
    objects[kind] = [
      ...objects[kind].filter((o) => o.metadata.name !== name),
      { apiVersion: 'batch/v1', kind, metadata: { name, uid, resourceVersion } },
    ];
  };
  return { objects, reads, clock, feed, put };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ChangeFeed', () => {
  it('reads only the kind listed: a list of CronJobs reads no Jobs or pods', async () => {
    const w = world();
    w.put('CronJob', 'hello', '1');
    expect((await w.feed.list('CronJob')).items.map((o) => o.metadata.name)).toEqual(['hello']);
    expect(w.reads).toEqual(['CronJob']);
  });

  it("a watch from a list's resourceVersion gets the later changes, polling only its kind", async () => {
    const w = world();
    w.put('Job', 'a', '1');
    const { resourceVersion } = await w.feed.list('Job');
    w.put('Job', 'a', '2');
    w.put('Job', 'b', '1');
    w.put('Pod', 'p', '1');
    const events: FeedEvent[] = [];
    const stop = new AbortController();
    const watching = w.feed.watch('Job', resourceVersion, (e) => events.push(e), stop.signal);
    await settle();
    w.reads.length = 0;
    w.objects.Job = w.objects.Job.filter((o) => o.metadata.name !== 'b');
    w.clock.advance(500);
    await settle();
    await w.feed.sync(['Job']);
    stop.abort();
    await watching;
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['MODIFIED a', 'ADDED b', 'DELETED b']);
    expect(new Set(w.reads)).toEqual(new Set(['Job']));
  });

  it('starts a watch without a resourceVersion with an ADDED event for every current object', async () => {
    const w = world();
    w.put('CronJob', 'one', '3');
    w.put('CronJob', 'two', '1');
    const events: string[] = [];
    const stop = new AbortController();
    const watching = w.feed.watch(
      'CronJob',
      undefined,
      (e) => events.push(`${e.type} ${e.object.metadata.name}`),
      stop.signal,
    );
    await settle();
    stop.abort();
    await watching;
    expect(events).toEqual(['ADDED one', 'ADDED two']);
  });
});
