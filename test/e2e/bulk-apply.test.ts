import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeHarness } from '../support/local-runtime.ts';

// `jobctl apply -f` of hundreds of Jobs at once (issue 5): progress on stderr, every Job runs once, and re-running
// the same apply (as after an interruption) creates nothing new. Real child processes, injected clock.
let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

const N = 250;
const jobs = Array.from(
  { length: N },
  (_, i) => `apiVersion: batch/v1
kind: Job
metadata:
  name: bulk-${i}
  labels: { jobgroup: bulk }
spec:
  template:
    spec:
      containers: [{ name: c, image: busybox, command: ["true"] }]
      restartPolicy: Never
`,
).join('---\n');

describe('bulk apply', () => {
  it(`applies ${N} Jobs with progress, runs each once, and a re-run creates nothing`, async () => {
    h = await RuntimeHarness.start('2026-03-02T10:00:30Z');
    h.settleTimeoutMs = 120_000; // real processes on a shared 2-core machine: allow for load
    const file = await h.writeManifest('bulk', jobs);
    const first = await h.jobctl('apply', '-f', file);
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n').filter((l) => l.endsWith(' created'))).toHaveLength(N);
    expect(first.stderr.split('\n').filter(Boolean)).toEqual(
      Array.from({ length: 10 }, (_, i) => `applied ${(i + 1) * 25}/${N}`),
    );

    for (let i = 0; i < 60; i++) {
      await h.advance(1_000);
      const done = (await h.runtime.store.list('Job', 'default')).filter((j) => j.status.succeeded === 1).length;
      if (done === N) break;
    }
    const stored = await h.runtime.store.list('Job', 'default');
    expect(stored.filter((j) => j.status.succeeded === 1)).toHaveLength(N);
    const pods = await h.runtime.store.list('Pod', 'default');
    expect(pods).toHaveLength(N); // one pod per Job, none doubled

    const again = await h.jobctl('apply', '-f', file);
    expect(again.stdout.split('\n').filter((l) => l.endsWith(' unchanged'))).toHaveLength(N);
    expect(await h.runtime.store.list('Pod', 'default')).toHaveLength(N);
  }, 300_000);
});
