import { describe, expect, it } from 'vitest';
import { loadManifests } from '../../../src/spec/index.ts';
import { loadErrors } from './helpers.ts';

// `kind: ResourceQuota` (v1) in a manifest: jobctl enforces `spec.hard.pods` and says so for everything else.
const quota = (hard: string, extra = '') => `apiVersion: v1
kind: ResourceQuota
metadata:
  name: tasks
${extra}spec:
  hard:
${hard}`;

describe('ResourceQuota manifests', () => {
  it('loads spec.hard.pods as a quantity, apart from the CronJobs and Jobs', () => {
    for (const [hard, pods] of [
      ['    pods: "50"\n', 50],
      ['    pods: 7\n', 7],
      ['    count/pods: "0.5k"\n', 500],
      ['    pods: "0"\n', 0],
    ] as const) {
      const loaded = loadManifests(quota(hard), 'q.yaml');
      expect(loaded.objects).toEqual([]);
      expect(loaded.quotas).toEqual([
        {
          apiVersion: 'v1',
          kind: 'ResourceQuota',
          metadata: { name: 'tasks', namespace: 'default' },
          spec: { hard: { pods } },
        },
      ]);
    }
  });

  it('rejects what it cannot enforce, naming the line and the field', () => {
    expect(loadErrors(quota('    pods: "10"\n    cpu: "4"\n'))).toEqual([
      {
        path: 'spec.hard[cpu]',
        line: 8,
        detail:
          'Unsupported value: "cpu": supported values: "pods", "count/pods": jobctl counts pods only (each is a task)',
      },
    ]);
    expect(loadErrors(quota('    pods: "1.5"\n'))).toEqual([
      { path: 'spec.hard[pods]', line: 7, detail: 'Invalid value: "1.5": must be a whole number of pods, 0 or more' },
    ]);
    expect(loadErrors(quota('    pods: "-1"\n'))).toEqual([
      { path: 'spec.hard[pods]', line: 7, detail: 'Invalid value: "-1": must be a whole number of pods, 0 or more' },
    ]);
    expect(loadErrors(quota('    pods: "1k"\n'))).toEqual([
      {
        path: 'spec.hard[pods]',
        line: 7,
        detail: 'Invalid value: "1k": must be no more than 500 (jobctl keeps every charged pod on one DynamoDB item)',
      },
    ]);
    expect(loadErrors(quota('    pods: lots\n'))[0]).toMatchObject({ path: 'spec.hard[pods]', line: 7 });
    expect(loadErrors(quota('    cpu: "4"\n')).map((e) => e.path)).toEqual(['spec.hard.pods', 'spec.hard[cpu]']);
    expect(loadErrors(`apiVersion: v1\nkind: ResourceQuota\nmetadata: { name: tasks }\nspec: {}\n`)).toEqual([
      { path: 'spec.hard', line: 4, detail: 'Required value: jobctl enforces spec.hard.pods' },
    ]);
    expect(loadErrors(quota('    pods: "1"\n  scopes: [BestEffort]\n')).map((e) => e.path)).toEqual(['spec.scopes']);
    expect(loadErrors(quota('    pods: "1"\n').replace('name: tasks', 'name: Tasks_1')).map((e) => e.path)).toEqual([
      'metadata.name',
    ]);
  });

  it('warns that labels are not kept', () => {
    const { warnings } = loadManifests(quota('    pods: "1"\n', '  labels: { team: a }\n'), 'q.yaml');
    expect(warnings.map((w) => `${w.line} ${w.path}`)).toEqual(['5 metadata.labels']);
  });
});
