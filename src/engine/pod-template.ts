import { createHash } from 'node:crypto';
import { wellKnown, type Container, type Job, type Labels, type Pod } from '../spec/types.ts';
import type { IndexFailureCounts } from './index-backoff.ts';
import { deterministicUid, toRfc3339 } from './object-meta.ts';

/**
 * Annotation recording the launch number of a pod within its Job (0, 1, 2, …). The name and uid derive from it, so
 * a pod decided twice (a retried sync) is the same pod and the store's conditional put turns the duplicate away.
 */
export const podSequenceAnnotation = 'jobctl.dev/pod-sequence';

/**
 * Kubernetes `names.SimpleNameGenerator`: a generateName prefix is cut to 63 − 5 characters so that prefix plus
 * the 5-character suffix is a valid DNS label.
 */
const maxGeneratedNameLength = 58;

/** The alphabet of Kubernetes' `utilrand.String` (no vowels, no 0/1/3: no accidental words, no look-alikes). */
const suffixAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The generateName prefix Kubernetes uses: `<job>-`, or `<job>-<index>-` for Indexed Jobs (`podGenerateNameWithIndex`).
 */
export function podNamePrefix(jobName: string, completionIndex?: number): string {
  if (completionIndex === undefined) return `${jobName}-`.slice(0, maxGeneratedNameLength);
  const appendIndex = `-${completionIndex}-`;
  const prefix = `${jobName}${appendIndex}`;
  if (prefix.length <= maxGeneratedNameLength) return prefix;
  return `${jobName.slice(0, maxGeneratedNameLength - appendIndex.length)}${appendIndex}`;
}

/** Five characters of Kubernetes' generateName alphabet, derived from a seed instead of drawn at random. */
function nameSuffix(seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += suffixAlphabet[(digest[i] as number) % suffixAlphabet.length];
  return suffix;
}

/** The Job's identity for deriving pod names; a stored Job always has a uid, the fallback keeps tests honest. */
function jobKey(job: Job): string {
  return job.metadata.uid ?? `${job.metadata.namespace}/${job.metadata.name}`;
}

/** A pod's launch number from {@link podSequenceAnnotation}; undefined for pods jobctl did not build. */
export function podSequenceOf(pod: Pod): number | undefined {
  const value = pod.metadata.annotations?.[podSequenceAnnotation];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number.parseInt(value, 10);
}

/**
 * The launch number for the next pod: one past the highest among `pods`. The Job's finished counters are a floor, so
 * that a Job whose old pods were removed does not hand out a name it already used (best effort: a pod deleted before
 * it finished leaves no trace in the counters).
 */
export function nextPodSequence(job: Job, pods: readonly Pod[]): number {
  let next = job.status.succeeded + job.status.failed;
  for (const pod of pods) {
    const seq = podSequenceOf(pod);
    if (seq !== undefined && seq + 1 > next) next = seq + 1;
  }
  return next;
}

/**
 * The pod for one launch of `job`, Pending, as Kubernetes' Job controller creates it from the template
 * (`manageJob` + `controller.GetPodFromTemplate`), with a deterministic name and uid instead of generateName:
 * - name `<job>-<5 chars>` (Indexed: `<job>-<index>-<5 chars>`), the suffix a hash of the Job uid and `sequence`;
 * - labels: the template's, plus `job-name`, `batch.kubernetes.io/job-name`, `controller-uid`,
 *   `batch.kubernetes.io/controller-uid` (the API server puts these on the Job's template) and, for Indexed Jobs,
 *   `batch.kubernetes.io/job-completion-index` (feature PodIndexLabel, on by default since v1.28);
 * - annotations: the template's, plus the completion index (Indexed) and {@link podSequenceAnnotation}; with
 *   `indexFailureCounts` (a Job with `backoffLimitPerIndex`) `batch.kubernetes.io/job-index-failure-count`, and
 *   `batch.kubernetes.io/job-index-ignored-failure-count` when above 0 (Kubernetes `addIndexFailureCountAnnotation`);
 * - Indexed: `spec.hostname` `<job>-<index>` and env `JOB_COMPLETION_INDEX` on every container that lacks it
 *   (Kubernetes sets it from the label through the downward API; a task gets the value itself);
 * - a controller ownerReference to the Job.
 *
 * @example
 * const pod = podForJob(job, nextPodSequence(job, pods), now);        // "hello-28433000-x7k2q"
 * const third = podForJob(indexedJob, 4, now, 2);                      // "render-2-bq8zt", JOB_COMPLETION_INDEX=2
 */
export function podForJob(
  job: Job,
  sequence: number,
  nowMs: number,
  completionIndex?: number,
  indexFailureCounts?: IndexFailureCounts,
): Pod {
  const { name: jobName, namespace } = job.metadata;
  const uid = jobKey(job);
  const template = job.spec.template;
  const indexed = completionIndex !== undefined;
  const labels: Labels = {
    ...(template.metadata?.labels ?? {}),
    [wellKnown.batchControllerUid]: uid,
    [wellKnown.batchJobName]: jobName,
    [wellKnown.controllerUid]: uid,
    [wellKnown.jobName]: jobName,
    ...(indexed ? { [wellKnown.completionIndex]: String(completionIndex) } : {}),
  };
  const annotations: Labels = {
    ...(template.metadata?.annotations ?? {}),
    ...(indexed ? { [wellKnown.completionIndex]: String(completionIndex) } : {}),
    ...(indexFailureCounts === undefined ? {} : { [wellKnown.indexFailureCount]: String(indexFailureCounts.failed) }),
    ...(indexFailureCounts !== undefined && indexFailureCounts.ignored > 0
      ? { [wellKnown.indexIgnoredFailureCount]: String(indexFailureCounts.ignored) }
      : {}),
    [podSequenceAnnotation]: String(sequence),
  };
  const containers: Container[] = structuredClone(template.spec.containers).map((c) =>
    indexed ? withCompletionIndexEnv(c, completionIndex) : c,
  );
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${podNamePrefix(jobName, completionIndex)}${nameSuffix(`${uid}/${sequence}`)}`,
      namespace,
      uid: deterministicUid(`${uid}/pod/${sequence}`),
      creationTimestamp: toRfc3339(nowMs),
      labels,
      annotations,
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid, controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      ...structuredClone(template.spec),
      containers,
      ...(indexed ? { hostname: `${jobName}-${completionIndex}` } : {}),
    },
    status: { phase: 'Pending' },
  };
}

/** Kubernetes `addCompletionIndexEnvVariable`: a container that already defines the variable keeps its own. */
function withCompletionIndexEnv(container: Container, completionIndex: number): Container {
  const env = container.env ?? [];
  if (env.some((e) => e.name === wellKnown.completionIndexEnv)) return container;
  return { ...container, env: [...env, { name: wellKnown.completionIndexEnv, value: String(completionIndex) }] };
}
