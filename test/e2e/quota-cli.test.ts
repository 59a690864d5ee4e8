import { afterEach, describe, expect, it } from 'vitest';
import { warningLines } from '../../src/cli/apply-command.ts';
import { availableParallelism } from 'node:os';
import { defaultTaskCap } from '../../src/runtime/local/runtime.ts';
import { RuntimeHarness } from '../support/local-runtime.ts';

// `kind: ResourceQuota` through the CLI as a user types it: a file with only the quota, get/describe/delete.
let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

const quota = (pods: number) =>
  `apiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: tasks\nspec:\n  hard:\n    pods: "${pods}"\n`;
const sleeper = (name: string) => `apiVersion: batch/v1
kind: Job
metadata: { name: ${name} }
spec:
  template:
    spec:
      containers: [{ name: c, image: busybox, command: ["sleep", "30"] }]
      restartPolicy: Never
`;

describe('jobctl and ResourceQuota', () => {
  it(
    'applies a file holding only a quota, shows and describes it with usage and waiting Jobs, and ' + 'deletes it',
    async () => {
      h = await RuntimeHarness.start('2026-03-02T10:00:30Z');
      const file = await h.writeManifest('quota', quota(1));
      expect((await h.jobctl('apply', '-f', file)).stdout).toBe('resourcequota/tasks created\n');
      expect((await h.jobctl('apply', '-f', await h.writeManifest('quota2', quota(1)))).stdout).toBe(
        'resourcequota/tasks unchanged\n',
      );
      await h.jobctl('apply', '-f', await h.writeManifest('jobs', [sleeper('first'), sleeper('second')].join('---\n')));
      await h.advance(1_000, { tasks: false });

      const table = await h.jobctl('get', 'resourcequota');
      expect(table.stdout).toMatch(/^NAME\s+AGE\s+REQUEST\s+LIMIT\s*\ntasks\s+\S+\s+pods: 1\/1\s*\n$/);
      const wide = await h.jobctl('get', 'quota', 'tasks', '-o', 'wide');
      expect(wide.stdout).toMatch(/WAITING-JOBS\s*\ntasks\s+\S+\s+pods: 1\/1\s+1\s*\n$/);
      const yaml = await h.jobctl('get', 'quota', 'tasks', '-o', 'yaml');
      expect(yaml.stdout).toContain('kind: ResourceQuota');
      expect(yaml.stdout).toMatch(/used:\n\s+pods: "1"/);
      const described = await h.jobctl('describe', 'quota', 'tasks');
      expect(described.stdout).toMatch(
        /Name:\s+tasks\nNamespace:\s+default\nWaiting Jobs:\s+1\nResource\s+Used\s+Hard\n-+\s+-+\s+-+\npods\s+1\s+1\n/,
      );
      // The two Jobs were applied together: either may have got the one slot.
      const waiting =
        (await h.runtime.store.get('Job', { namespace: 'default', name: 'first' }))!.status.active === 1
          ? 'second'
          : 'first';
      const job = await h.jobctl('describe', 'job', waiting);
      expect(job.stdout).toMatch(
        new RegExp(
          `Warning\\s+FailedCreate\\s+.*Error creating: pods "${waiting}-\\w+" is forbidden: exceeded quota: tasks, ` +
            `requested: pods=1, used: pods=1, limited: pods=1`,
        ),
      );

      // Deleting the quota lets the waiting Job go.
      expect((await h.jobctl('delete', 'resourcequota', 'tasks')).stdout).toBe('resourcequota "tasks" deleted\n');
      await h.advance(1_000, { tasks: false });
      expect((await h.runtime.store.get('Job', { namespace: 'default', name: waiting }))!.status.active).toBe(1);
      const gone = await h.jobctl('get', 'quota', 'tasks');
      expect(gone.stderr).toBe('Error from server (NotFound): resourcequotas "tasks" not found\n');
      expect(gone.code).toBe(1);
      await h.jobctl('delete', 'job', 'first');
      await h.jobctl('delete', 'job', 'second');
    },
  );

  it(
    "caps tasks at once by default (resourcequota/jobctl-default, audit D11); a quota of the user's own replaces " +
      'it, higher or lower',
    async () => {
      h = await RuntimeHarness.start('2026-03-02T10:00:30Z');
      const cap = defaultTaskCap();
      expect(cap).toBe(Math.min(500, Math.max(32, 8 * availableParallelism())));
      // The typo the audit measured: parallelism 1000 forked 673 processes at once.
      const typo = sleeper('typo').replace('spec:\n  template:', 'spec:\n  parallelism: 1000\n  template:');
      await h.jobctl('apply', '-f', await h.writeManifest('typo', typo));
      await h.advance(1_000, { tasks: false });
      expect(h.runtime.launcher.runningCount).toBe(cap);
      expect((await h.jobctl('get', 'quota')).stdout).toMatch(
        new RegExp(`^NAME\\s+AGE\\s+REQUEST\\s+LIMIT\\s*\\njobctl-default\\s+\\S+\\s+pods: ${cap}/${cap}\\s*\\n$`),
      );

      // Higher: the user's quota alone decides.
      await h.jobctl('apply', '-f', await h.writeManifest('quota', quota(cap + 8)));
      await h.advance(1_000, { tasks: false });
      expect((await h.jobctl('get', 'quota', '-o', 'name')).stdout).toBe('resourcequota/tasks\n');
      expect(h.runtime.launcher.runningCount).toBe(cap + 8);
      // Deleting the last quota brings the default back.
      await h.jobctl('delete', 'resourcequota', 'tasks');
      await h.advance(1_000, { tasks: false });
      expect((await h.jobctl('get', 'quota', '-o', 'name')).stdout).toBe('resourcequota/jobctl-default\n');
      await h.jobctl('delete', 'job', 'typo');
    },
  );

  it('prints a warning shared by many documents once, with how many more have it', () => {
    const w = (line: number) => ({ file: '<stdin>', line, path: 'spec.template.metadata.name', message: 'ignored' });
    expect(warningLines([w(10), w(29), w(48), { ...w(50), path: 'spec.x' }])).toEqual([
      'Warning: <stdin>:10 spec.template.metadata.name: ignored (and in 2 more documents of <stdin>)',
      'Warning: <stdin>:50 spec.x: ignored',
    ]);
  });
});
