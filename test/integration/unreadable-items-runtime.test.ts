import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '../../src/spec/types.ts';
import { RuntimeHarness } from '../support/local-runtime.ts';

// Audit D8, end to end: a Job item without status.conditions (D1's attack.py with 'conditions' removed) made
// `jobctl up` exit at start (recoverLostTasks → isJobFinished: "Cannot read properties of undefined (reading
// 'find')") and every `get jobs` fail. Both now work; an item that cannot be read at all is skipped with one warning.
let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

function aJob(name: string): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      template: { spec: { containers: [{ name: 'c', image: 'busybox', command: ['true'] }], restartPolicy: 'Never' } },
      parallelism: 1,
      completions: 1,
      backoffLimit: 0,
      completionMode: 'NonIndexed',
      suspend: false,
    },
    status: { active: 0, succeeded: 0, failed: 0, conditions: [] },
  };
}

describe('jobctl up with a malformed item in its table (audit D8)', () => {
  it('starts and lists Jobs when one has no status.conditions and another cannot be read at all', async () => {
    h = await RuntimeHarness.start('2024-01-01T00:00:30Z');
    // Written as a hand edit or another version would: the store's create puts whatever object it is given.
    const { conditions: _omitted, ...statusWithoutConditions } = aJob('no-conditions').status;
    await h.runtime.store.create({ ...aJob('no-conditions'), status: statusWithoutConditions } as unknown as Job);
    await h.runtime.store.create({ ...aJob('garbage-status'), status: 'garbage' } as unknown as Job);
    await h.runtime.store.create(aJob('fine'));
    await h.down();

    const warnings: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      warnings.push(String(chunk));
      return true;
    });
    try {
      await h.up();
      const listed = await h.jobctl('get', 'jobs', '-o', 'name');
      expect({ code: listed.code, stdout: listed.stdout, stderr: listed.stderr }).toEqual({
        code: 0,
        stdout: 'job.batch/fine\njob.batch/no-conditions\n',
        stderr: '',
      });
      // The audit's way out still works: the unreadable item can be deleted by name.
      expect(await h.jobctl('delete', 'job', 'garbage-status')).toMatchObject({
        code: 0,
        stdout: 'job.batch "garbage-status" deleted\n',
      });
      expect(await h.runtime.store.list('Job', 'default')).toHaveLength(2);
    } finally {
      spy.mockRestore();
    }
    expect(warnings.filter((w) => w.includes('garbage-status'))).toEqual([
      expect.stringMatching(
        new RegExp(
          /^warning: state table "jobctl": skipped item Job#default#garbage-status\/object, which cannot be/.source +
            / read: status: must be a map, got a string\n$/.source,
        ),
      ),
    ]);
  });
});
