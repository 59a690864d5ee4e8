import type { Job, Labels } from '../spec/types.ts';
import { wellKnown } from '../spec/types.ts';

/** The labels Kubernetes' API server generates for a Job (`pkg/registry/batch/job/strategy.go` generateSelector). */
export function generatedJobLabels(job: Pick<Job, 'metadata'>): Labels {
  const uid = job.metadata.uid;
  if (uid === undefined) throw new Error(`job ${job.metadata.name}: metadata.uid is required to generate its selector`);
  return {
    [wellKnown.batchControllerUid]: uid,
    [wellKnown.batchJobName]: job.metadata.name,
    [wellKnown.controllerUid]: uid,
    [wellKnown.jobName]: job.metadata.name,
  };
}

/**
 * What the API server does to a Job on create: the generated labels join the pod template's labels,
 * `spec.selector.matchLabels` selects the Job's uid, and a Job with no labels of its own takes the template's
 * (`SetDefaults_Job`) — so `get jobs -l job-name=pi` finds the Job as it does on a cluster.
 */
export function withGeneratedSelector(job: Job): Job {
  const generated = generatedJobLabels(job);
  const templateLabels: Labels = { ...(job.spec.template.metadata?.labels ?? {}), ...generated };
  const ownLabels =
    job.metadata.labels && Object.keys(job.metadata.labels).length > 0 ? job.metadata.labels : templateLabels;
  return {
    ...job,
    metadata: { ...job.metadata, labels: ownLabels },
    spec: {
      ...job.spec,
      selector: { matchLabels: { [wellKnown.batchControllerUid]: generated[wellKnown.batchControllerUid]! } },
      template: { ...job.spec.template, metadata: { ...job.spec.template.metadata, labels: templateLabels } },
    },
  };
}

/** The inverse, for editing a stored Job as its author wrote it (`patch`, re-`apply`): generated parts removed. */
export function withoutGeneratedSelector(job: Job): Job {
  const generated = job.metadata.uid === undefined ? {} : generatedJobLabels(job);
  const strip = (labels: Labels | undefined): Labels | undefined => {
    if (!labels) return labels;
    const kept = Object.fromEntries(Object.entries(labels).filter(([k, v]) => generated[k] !== v));
    return Object.keys(kept).length > 0 ? kept : undefined;
  };
  const { selector: _selector, ...spec } = job.spec;
  const templateLabels = strip(job.spec.template.metadata?.labels);
  const templateMetadata = { ...job.spec.template.metadata, labels: templateLabels };
  if (templateLabels === undefined) delete templateMetadata.labels;
  return {
    ...job,
    metadata: { ...job.metadata, labels: strip(job.metadata.labels) },
    spec: { ...spec, template: { ...job.spec.template, metadata: templateMetadata } },
  };
}
