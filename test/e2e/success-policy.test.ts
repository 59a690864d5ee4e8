import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeHarness } from '../support/local-runtime.ts';

// Issue 15, as a new user tries it on `jobctl up`: an Indexed Job of 4 whose `successPolicy` asks only for index 0
// completes when index 0 succeeds, while the other indexes' tasks (`sleep 300`) are stopped and not counted failed.
// Real child processes, injected clock.
const START = '2026-03-02T10:00:30Z';

let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

const manifest = `apiVersion: batch/v1
kind: Job
metadata:
  name: leader
spec:
  completions: 4
  parallelism: 4
  completionMode: Indexed
  successPolicy:
    rules:
    - succeededIndexes: "0"
  template:
    spec:
      containers:
      - name: main
        image: busybox
        command: [sh, -c, 'if [ "$JOB_COMPLETION_INDEX" = 0 ]; then exit 0; fi; sleep 300']
      restartPolicy: Never
`;

describe('successPolicy on jobctl up', () => {
  it('completes an Indexed Job when index 0 succeeds, stopping the others without counting them failed', async () => {
    h = await RuntimeHarness.start(START);
    expect((await h.jobctl('apply', '-f', await h.writeManifest('leader', manifest))).code).toBe(0);
    await h.advance(1_000);
    await h.advance(1_000);

    const job = (await h.runtime.store.get('Job', { namespace: 'default', name: 'leader' }))!;
    expect(job.status.conditions.filter((c) => c.status === 'True').map((c) => [c.type, c.reason, c.message])).toEqual([
      ['SuccessCriteriaMet', 'SuccessPolicy', 'Matched rules at index 0'],
      ['Complete', 'SuccessPolicy', 'Matched rules at index 0'],
    ]);
    expect(job.status).toMatchObject({ succeeded: 1, failed: 0, active: 0, completedIndexes: '0' });
    const pods = await h.runtime.store.listPods({ namespace: 'default', name: 'leader' });
    expect(pods).toHaveLength(4);
    expect(pods.filter((p) => p.status.phase === 'Succeeded')).toHaveLength(1);
    expect(pods.filter((p) => p.status.phase === 'Running' || p.status.phase === 'Pending')).toHaveLength(0);
    expect((await h.jobctl('get', 'job', 'leader')).stdout).toMatch(/Complete/);
  });
});
