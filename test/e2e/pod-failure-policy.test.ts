import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeHarness } from '../support/local-runtime.ts';

// Issue 15, as a new user tries it on `jobctl up`: a Job with `podFailurePolicy` FailJob on exit code 42 fails at once
// when its task exits 42 (reason PodFailurePolicy), while exit 1 is retried up to backoffLimit 2. Real child
// processes (`sh -c 'exit N'`), injected clock.
const START = '2026-03-02T10:00:30Z';

let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

const manifest = (name: string, exitCode: number) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  backoffLimit: 2
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes:
        containerName: main
        operator: In
        values: [42]
  template:
    spec:
      containers:
      - name: main
        image: busybox
        command: [sh, -c, "exit ${exitCode}"]
      restartPolicy: Never
`;

describe('podFailurePolicy on jobctl up', () => {
  it('fails the Job at once when its task exits 42 (FailJob rule), and retries exit 1 up to backoffLimit', async () => {
    h = await RuntimeHarness.start(START);
    expect((await h.jobctl('apply', '-f', await h.writeManifest('fatal', manifest('fatal', 42)))).code).toBe(0);
    expect((await h.jobctl('apply', '-f', await h.writeManifest('flaky', manifest('flaky', 1)))).code).toBe(0);
    await h.advance(1_000);

    // Exit 42: at once, one pod and the Job failed with Kubernetes' reason and message.
    const fatal = (await h.runtime.store.get('Job', { namespace: 'default', name: 'fatal' }))!;
    const fatalPods = await h.runtime.store.listPods({ namespace: 'default', name: 'fatal' });
    expect(fatalPods.map((p) => p.status.phase)).toEqual(['Failed']);
    const failed = fatal.status.conditions.find((c) => c.type === 'Failed');
    expect(failed).toMatchObject({
      status: 'True',
      reason: 'PodFailurePolicy',
      message:
        `Container main for pod default/${fatalPods[0]!.metadata.name} failed with exit code 42 matching FailJob ` +
        'rule at index 0',
    });
    expect(fatal.status.failed).toBe(1);
    expect((await h.jobctl('describe', 'job', 'fatal')).stdout).toMatch(/Warning\s+PodFailurePolicy\s/);

    // No retry of it after any back-off; the other Job's retries run meanwhile.
    await h.advance(60_000);
    expect(await h.runtime.store.listPods({ namespace: 'default', name: 'fatal' })).toHaveLength(1);

    // Exit 1: no rule matches, so it counts as without a policy: 3 attempts (backoffLimit 2), BackoffLimitExceeded.
    const flaky = (await h.runtime.store.get('Job', { namespace: 'default', name: 'flaky' }))!;
    const flakyPods = await h.runtime.store.listPods({ namespace: 'default', name: 'flaky' });
    expect(flakyPods.map((p) => p.status.phase)).toEqual(['Failed', 'Failed', 'Failed']);
    expect(flaky.status.failed).toBe(3);
    expect(flaky.status.conditions.find((c) => c.type === 'Failed')?.reason).toBe('BackoffLimitExceeded');
  });
});
