import { describe, expect, it } from 'vitest';
import { withGeneratedSelector, withoutGeneratedSelector } from '../../../src/engine/job-selector.ts';
import { loadManifests } from '../../../src/spec/index.ts';
import type { Job } from '../../../src/spec/types.ts';

const manifest = (labels: string, templateLabels = '    metadata:\n      labels: { app: pi }\n') =>
  ({
    ...(loadManifests(
      `apiVersion: batch/v1
kind: Job
metadata:
  name: pi
${labels}spec:
  template:
${templateLabels}    spec:
      containers: [{ name: pi, image: perl, command: ["true"] }]
      restartPolicy: Never
`,
      'pi.yaml',
    ).objects[0] as Job),
  }) as Job;

const withUid = (job: Job): Job => ({ ...job, metadata: { ...job.metadata, uid: 'u-1' } });

// pkg/registry/batch/job/strategy.go generateSelector; pkg/apis/batch/v1/defaults.go SetDefaults_Job (labels).
describe('withGeneratedSelector', () => {
  const generated = {
    'batch.kubernetes.io/controller-uid': 'u-1',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': 'u-1',
    'job-name': 'pi',
  };

  it(
    'adds the generated labels to the template and selects the uid; the Job keeps the template labels it was ' +
      'defaulted to',
    () => {
      const job = withGeneratedSelector(withUid(manifest('')));

      expect({
        labels: job.metadata.labels,
        template: job.spec.template.metadata?.labels,
        selector: job.spec.selector,
      }).toEqual({
        labels: { app: 'pi' },
        template: { app: 'pi', ...generated },
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } },
      });
    },
  );

  it('gives a Job with no labels anywhere the generated ones, as `kubectl get job pi -o yaml` shows', () => {
    const job = withGeneratedSelector(withUid(manifest('', '')));

    expect(job.metadata.labels).toEqual(generated);
  });

  it("keeps a Job's own labels", () => {
    const job = withGeneratedSelector(withUid(manifest('  labels: { team: x }\n')));

    expect(job.metadata.labels).toEqual({ team: 'x' });
  });

  it('is undone by withoutGeneratedSelector, so a stored Job edits as its author wrote it', () => {
    const authored = withUid(manifest(''));

    expect(withoutGeneratedSelector(withGeneratedSelector(authored))).toEqual(authored);
  });
});
