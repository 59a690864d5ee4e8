import { afterEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/spec/types.ts';
import { RuntimeHarness } from '../support/local-runtime.ts';

// Indexed Jobs as the better alternative to expansion (issue 5): each index retried on its own with
// backoffLimitPerIndex, as Kubernetes v1.29+ does. Real child processes, injected clock.
const START = '2026-03-02T10:00:30Z';

let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

function indexedJob(name: string, extra: string): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  completions: 4
  parallelism: 2
  completionMode: Indexed
${extra}  template:
    spec:
      containers:
      - name: worker
        image: busybox
        command:
        - /bin/sh
        - -c
        - if [ "$JOB_COMPLETION_INDEX" = 2 ]; then echo index 2 fails; exit 1; fi; echo index $JOB_COMPLETION_INDEX done
      restartPolicy: Never
`;
}

async function runUntilFinished(job: string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    await h!.advance(5_000);
    const status = (await h!.runtime.store.get('Job', { namespace: 'default', name: job }))?.status;
    if (status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')) return;
  }
  throw new Error(`job ${job} did not finish`);
}

describe('Indexed Jobs with backoffLimitPerIndex', () => {
  it(
    'retries a failing index on its own, finishes the others once, and fails with FailedIndexes ' + 'naming it',
    async () => {
      h = await RuntimeHarness.start(START);
      expect(
        (
          await h.jobctl(
            'apply',
            '-f',
            await h.writeManifest('job', indexedJob('shards', '  backoffLimitPerIndex: 1\n')),
          )
        ).code,
      ).toBe(0);
      await runUntilFinished('shards');
      const job = (await h.runtime.store.get('Job', { namespace: 'default', name: 'shards' }))!;
      expect(job.status).toMatchObject({ completedIndexes: '0,1,3', failedIndexes: '2', succeeded: 3, failed: 2 });
      expect(job.status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
        status: 'True',
        reason: 'FailedIndexes',
        message: 'Job has failed indexes',
      });
      expect(job.spec.backoffLimit).toBe(2_147_483_647);
      const pods = await h.runtime.store.listPods({ namespace: 'default', name: 'shards' });
      const attempts = (ix: string) =>
        pods.filter((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === ix).length;
      expect(['0', '1', '2', '3'].map(attempts)).toEqual([1, 1, 2, 1]);
      expect((await h.jobctl('describe', 'job', 'shards')).stdout).toMatch(
        /Completed Indexes:\s+0,1,3\nBackoff Limit Per Index:\s+1\nFailed Indexes:\s+2\n/,
      );
    },
  );

  it(
    "waits out a failing index's own 10 s back-off without holding the others, then fails it with " + 'FailedIndexes',
    async () => {
      h = await RuntimeHarness.start(START);
      const manifest = indexedJob('own-wait', '  backoffLimitPerIndex: 1\n')
        .replace('  completions: 4\n  parallelism: 2\n', '  completions: 3\n  parallelism: 3\n')
        .replace(
          /- if \[ "\$JOB_COMPLETION_INDEX" = 2 \].*\n/,
          '- \'if [ "$JOB_COMPLETION_INDEX" = 1 ]; then exit 1; fi\'\n',
        );
      expect((await h.jobctl('apply', '-f', await h.writeManifest('job', manifest))).code).toBe(0);
      const job = async () => (await h!.runtime.store.get('Job', { namespace: 'default', name: 'own-wait' }))!;
      const attempts = async (ix: string) =>
        (await h!.runtime.store.listPods({ namespace: 'default', name: 'own-wait' })).filter(
          (p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'] === ix,
        );

      // Indexes 0 and 2 succeed while index 1 waits on its first failure alone.
      await h.advance(0);
      expect((await job()).status).toMatchObject({ completedIndexes: '0,2', failedIndexes: '', succeeded: 2 });
      expect((await attempts('1')).map((p) => p.status.phase)).toEqual(['Failed']);
      expect((await attempts('1'))[0]?.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count']).toBe('0');
      await h.advance(9_000);
      expect(await attempts('1')).toHaveLength(1);

      // 10 s after its failure index 1 gets its replacement, counting one failure; it fails too.
      await h.advance(1_000);
      const sequence = (p: Pod) => Number(p.metadata.annotations?.['jobctl.dev/pod-sequence']);
      const replacement = (await attempts('1')).sort((a, b) => sequence(b) - sequence(a))[0];
      expect(await attempts('1')).toHaveLength(2);
      expect(replacement?.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count']).toBe('1');
      await runUntilFinished('own-wait');
      const finished = await job();
      expect(finished.status).toMatchObject({ completedIndexes: '0,2', failedIndexes: '1', succeeded: 2, failed: 2 });
      expect(finished.status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
        status: 'True',
        reason: 'FailedIndexes',
        message: 'Job has failed indexes',
      });
    },
  );

  it('fails with MaxFailedIndexesExceeded as soon as more indexes failed than maxFailedIndexes allows', async () => {
    h = await RuntimeHarness.start(START);
    // One pod at a time: with two, index 3's pod may still run when index 2 fails, and is then stopped and failed too
    // (a race between two real processes, not the rule under test).
    const strict = indexedJob('strict', '  backoffLimitPerIndex: 0\n  maxFailedIndexes: 0\n').replace(
      '  parallelism: 2\n',
      '  parallelism: 1\n',
    );
    await h.jobctl('apply', '-f', await h.writeManifest('job', strict));
    await runUntilFinished('strict');
    const job = (await h.runtime.store.get('Job', { namespace: 'default', name: 'strict' }))!;
    expect(job.status).toMatchObject({ failedIndexes: '2', completedIndexes: '0,1' }); // index 3 never started
    expect(job.status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      reason: 'MaxFailedIndexesExceeded',
    });
  });

  it('rejects per-index fields Kubernetes rejects, naming file, line and field', async () => {
    h = await RuntimeHarness.start(START);
    const notIndexed = indexedJob('bad', '  backoffLimitPerIndex: 1\n').replace('  completionMode: Indexed\n', '');
    const r = await h.jobctl('apply', '-f', await h.writeManifest('bad', notIndexed));
    expect(r.stderr).toMatch(
      /bad\.yaml:\d+ spec\.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode/,
    );
    const tooMany = await h.jobctl(
      'apply',
      '-f',
      await h.writeManifest('bad2', indexedJob('bad2', '  backoffLimitPerIndex: 1\n  maxFailedIndexes: 5\n')),
    );
    expect(tooMany.stderr).toMatch(
      /spec\.maxFailedIndexes: Invalid value: 5: must be less than or equal to completions/,
    );
  });
});
