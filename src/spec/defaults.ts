/**
 * Kubernetes' defaulting for `batch/v1`, from `pkg/apis/batch/v1/defaults.go` (`SetDefaults_Job`,
 * `SetDefaults_CronJob`), plus the API server's create-time behaviour jobctl mirrors: `metadata.namespace` "default",
 * and a fresh, empty status (a `status` sent on create is ignored).
 *
 * Pure: returns new objects, never mutates its input, and copies only the fields in `types.ts`.
 */
import type {
  ConcurrencyPolicy,
  CompletionMode,
  Container,
  CronJob,
  Job,
  JobSpec,
  PodFailurePolicy,
  ObjectMeta,
  PodSpec,
  PodTemplateSpec,
  SuccessPolicy,
  WorkQueueManifest,
} from './types.ts';

/** ObjectMeta before defaulting: `namespace` may be missing. */
export type ObjectMetaInput = Omit<ObjectMeta, 'namespace'> & { namespace?: string };

/** A JobSpec before defaulting: every field Kubernetes defaults may be missing. */
export interface JobSpecInput {
  template: PodTemplateSpec;
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  podFailurePolicy?: PodFailurePolicy;
  managedBy?: string;
  podReplacementPolicy?: 'Failed' | 'TerminatingOrFailed';
  successPolicy?: SuccessPolicy;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  completionMode?: CompletionMode;
  suspend?: boolean;
}

/** A Job before defaulting. */
export interface JobInput {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ObjectMetaInput;
  spec: JobSpecInput;
}

/** A CronJob before defaulting. */
export interface CronJobInput {
  apiVersion: 'batch/v1';
  kind: 'CronJob';
  metadata: ObjectMetaInput;
  spec: {
    schedule: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    /** `""` is defaulted like a missing value, as in `SetDefaults_CronJob`. */
    concurrencyPolicy?: ConcurrencyPolicy | '';
    suspend?: boolean;
    jobTemplate: { metadata?: PodTemplateSpec['metadata']; spec: JobSpecInput };
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
  };
}

/** `metadata.namespace` when a manifest names none, as kubectl sends it. */
export const defaultNamespace = 'default';

/**
 * `SetDefaults_Job` applied to a JobSpec: completions and parallelism 1 when both are unset, parallelism 1,
 * backoffLimit 6, completionMode NonIndexed, suspend false.
 *
 * @example defaultJobSpec({ template }).backoffLimit // 6
 */
export function defaultJobSpec(spec: JobSpecInput): JobSpec {
  // "For a non-parallel job, you can leave both `.spec.completions` and `.spec.parallelism` unset. When both are
  // unset, both are defaulted to 1." An explicit parallelism with no completions stays a work-queue Job.
  const bothUnset = spec.completions === undefined && spec.parallelism === undefined;
  // Kubernetes' field order, so `-o yaml` reads like kubectl's.
  return dropUndefined({
    parallelism: spec.parallelism ?? 1,
    completions: bothUnset ? 1 : spec.completions,
    activeDeadlineSeconds: spec.activeDeadlineSeconds,
    // SetDefaults_Job: with per-index back-off the Job-wide limit defaults to MaxInt32 (it is the indexes' limits that
    // count).
    backoffLimit: spec.backoffLimit ?? (spec.backoffLimitPerIndex !== undefined ? 2_147_483_647 : 6),
    backoffLimitPerIndex: spec.backoffLimitPerIndex,
    maxFailedIndexes: spec.maxFailedIndexes,
    podFailurePolicy: spec.podFailurePolicy === undefined ? undefined : structuredClone(spec.podFailurePolicy),
    managedBy: spec.managedBy,
    podReplacementPolicy: spec.podReplacementPolicy,
    successPolicy: spec.successPolicy === undefined ? undefined : structuredClone(spec.successPolicy),
    template: copyPodTemplate(spec.template),
    ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished,
    completionMode: spec.completionMode ?? 'NonIndexed',
    suspend: spec.suspend ?? false,
  });
}

/**
 * A defaulted Job. Besides the spec defaults, `SetDefaults_Job` copies the pod template's labels to the Job when the
 * Job has none.
 *
 * @example applyJobDefaults(job).status // { active: 0, succeeded: 0, failed: 0, conditions: [] }
 */
export function applyJobDefaults(job: JobInput): Job {
  const metadata = copyMeta(job.metadata);
  const templateLabels = job.spec.template.metadata?.labels;
  if (templateLabels !== undefined && Object.keys(metadata.labels ?? {}).length === 0) {
    metadata.labels = { ...templateLabels };
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata,
    spec: defaultJobSpec(job.spec),
    status: { active: 0, succeeded: 0, failed: 0, conditions: [] },
  };
}

/**
 * A defaulted CronJob: concurrencyPolicy Allow, suspend false, history limits 3 and 1.
 *
 * The job template's JobSpec is defaulted too. Kubernetes defaults it only when the controller creates each Job from
 * it; doing it once here yields the same Jobs and lets every consumer read a complete `JobSpec`.
 *
 * @example applyCronJobDefaults(cronJob).spec.successfulJobsHistoryLimit // 3
 */
export function applyCronJobDefaults(cronJob: CronJobInput): CronJob {
  const spec = cronJob.spec;
  const jobTemplateMeta = copyTemplateMeta(spec.jobTemplate.metadata);
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: copyMeta(cronJob.metadata),
    spec: dropUndefined({
      schedule: spec.schedule,
      timeZone: spec.timeZone,
      startingDeadlineSeconds: spec.startingDeadlineSeconds,
      concurrencyPolicy: spec.concurrencyPolicy || 'Allow',
      suspend: spec.suspend ?? false,
      jobTemplate: dropUndefined({ metadata: jobTemplateMeta, spec: defaultJobSpec(spec.jobTemplate.spec) }),
      successfulJobsHistoryLimit: spec.successfulJobsHistoryLimit ?? 3,
      failedJobsHistoryLimit: spec.failedJobsHistoryLimit ?? 1,
    }),
    status: { active: [] },
  };
}

/** A WorkQueue before defaulting: `namespace` and every setting may be missing. */
export interface WorkQueueInput {
  apiVersion: 'jobctl.dev/v1';
  kind: 'WorkQueue';
  metadata: { name: string; namespace?: string };
  spec?: { maxReceiveCount?: number; leaseSeconds?: number };
}

/**
 * The defaults of a WorkQueue's settings, the same as the `WorkQueue` port's `DEFAULT_QUEUE_SETTINGS` (spec does not
 * import ports; test/e2e/queue-cli.test.ts checks they agree): SQS's default visibility timeout (30 s), and 5 receives.
 */
export const workQueueDefaults = { maxReceiveCount: 5, leaseSeconds: 30 } as const;

/**
 * A defaulted WorkQueue: namespace "default", `maxReceiveCount` 5, `leaseSeconds` 30. A manifest states the whole
 * queue, so `apply` of a file that drops a setting puts it back to its default, as `kubectl apply` does.
 *
 * @example applyWorkQueueDefaults({ apiVersion: 'jobctl.dev/v1', kind: 'WorkQueue', metadata: { name: 'q' } }).spec //
 * { maxReceiveCount: 5, leaseSeconds: 30 }
 */
export function applyWorkQueueDefaults(queue: WorkQueueInput): WorkQueueManifest {
  return {
    apiVersion: 'jobctl.dev/v1',
    kind: 'WorkQueue',
    metadata: { name: queue.metadata.name, namespace: queue.metadata.namespace || defaultNamespace },
    spec: {
      maxReceiveCount: queue.spec?.maxReceiveCount ?? workQueueDefaults.maxReceiveCount,
      leaseSeconds: queue.spec?.leaseSeconds ?? workQueueDefaults.leaseSeconds,
    },
  };
}

function copyMeta(meta: ObjectMetaInput): ObjectMeta {
  return dropUndefined({
    name: meta.name,
    namespace: meta.namespace || defaultNamespace,
    uid: meta.uid,
    resourceVersion: meta.resourceVersion,
    creationTimestamp: meta.creationTimestamp,
    labels: meta.labels && { ...meta.labels },
    annotations: meta.annotations && { ...meta.annotations },
    ownerReferences: meta.ownerReferences?.map((ref) => dropUndefined({ ...ref })),
  });
}

function copyTemplateMeta(meta: PodTemplateSpec['metadata']): PodTemplateSpec['metadata'] {
  if (meta === undefined) return undefined;
  return dropUndefined({
    labels: meta.labels && { ...meta.labels },
    annotations: meta.annotations && { ...meta.annotations },
  });
}

function copyPodTemplate(template: PodTemplateSpec): PodTemplateSpec {
  return dropUndefined({ metadata: copyTemplateMeta(template.metadata), spec: copyPodSpec(template.spec) });
}

function copyPodSpec(spec: PodSpec): PodSpec {
  return dropUndefined({
    containers: spec.containers.map(copyContainer),
    restartPolicy: spec.restartPolicy,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
    nodeSelector: spec.nodeSelector && { ...spec.nodeSelector },
  });
}

function copyContainer(container: Container): Container {
  return dropUndefined({
    name: container.name,
    image: container.image,
    imagePullPolicy: container.imagePullPolicy,
    command: container.command && [...container.command],
    args: container.args && [...container.args],
    env: container.env?.map((env) => dropUndefined({ name: env.name, value: env.value })),
    workingDir: container.workingDir,
    resources:
      container.resources &&
      dropUndefined({
        limits: container.resources.limits && { ...container.resources.limits },
        requests: container.resources.requests && { ...container.resources.requests },
      }),
  });
}

/**
 * Optional fields are absent rather than `undefined`, so `-o json` and deep equality see what Kubernetes would serve.
 */
function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}
