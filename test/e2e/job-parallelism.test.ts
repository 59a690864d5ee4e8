import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeHarness } from '../support/local-runtime.ts';

// Issue 15: lowering a running Job's parallelism stops the extra tasks, newest first, as Kubernetes' manageJob deletes
// the extra pods. Real child processes (`sleep 300`), injected clock; the tasks are not waited for.
const START = '2026-03-02T10:00:30Z';
const key = { namespace: 'default', name: 'crunch' };

let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

const manifest = `apiVersion: batch/v1
kind: Job
metadata:
  name: crunch
spec:
  completions: 8
  parallelism: 4
  template:
    spec:
      containers:
      - name: worker
        image: busybox
        command: [sleep, "300"]
      restartPolicy: Never
`;

/** Advances the clock in small steps (tasks not waited for) until `done` holds. */
async function until(done: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await done()) return;
    await h!.advance(1_000, { tasks: false });
    await new Promise((resolve) => setTimeout(resolve, 20)); // real time for a killed process to be reaped
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('lowering parallelism on a running Job', () => {
  it('stops the newest tasks with jobctl patch and leaves 2 running, counted neither failed nor active', async () => {
    h = await RuntimeHarness.start(START);
    expect((await h.jobctl('apply', '-f', await h.writeManifest('job', manifest))).code).toBe(0);
    const pods = () => h!.runtime.store.listPods(key);
    await until(async () => (await pods()).filter((p) => p.status.phase === 'Running').length === 4, '4 tasks');
    expect((await h.jobctl('describe', 'job', 'crunch')).stdout).toMatch(
      /Pods Statuses:\s+4 Active \(4 Ready\) \/ 0 Succeeded \/ 0 Failed\n/,
    );

    const patched = await h.jobctl('patch', 'job', 'crunch', '-p', '{"spec":{"parallelism":2}}');
    expect(patched.code).toBe(0);
    await until(async () => (await pods()).filter((p) => p.status.phase === 'Failed').length === 2, 'the stops');
    await h.advance(1_000, { tasks: false });

    const all = await pods();
    const bySequence = [...all].sort(
      (a, b) =>
        Number(a.metadata.annotations?.['jobctl.dev/pod-sequence']) -
        Number(b.metadata.annotations?.['jobctl.dev/pod-sequence']),
    );
    expect(bySequence.map((p) => [p.status.phase, p.status.reason ?? ''])).toEqual([
      ['Running', ''],
      ['Running', ''],
      ['Failed', 'TooManyActivePods'],
      ['Failed', 'TooManyActivePods'],
    ]);
    expect(all.filter((p) => h!.runtime.launcher.isRunning('default', p.metadata.name)).length).toBe(2);
    const job = (await h.runtime.store.get('Job', key))!;
    expect(job.status).toMatchObject({ active: 2, ready: 2, terminating: 0, succeeded: 0, failed: 0 });
    const describe = (await h.jobctl('describe', 'job', 'crunch')).stdout;
    expect(describe).toMatch(/Parallelism:\s+2\n/);
    expect(describe).toMatch(/Pods Statuses:\s+2 Active \(2 Ready\) \/ 0 Succeeded \/ 0 Failed\n/);
    expect(describe.match(/SuccessfulDelete\s+.*Deleted pod: crunch-\w+/g)?.length).toBe(2);
    // Nothing more is stopped or created while the two run.
    await h.advance(30_000, { tasks: false });
    expect((await pods()).length).toBe(4);
  });
});
