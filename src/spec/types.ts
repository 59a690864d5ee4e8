/**
 * Kubernetes `batch/v1` object shapes, with Kubernetes' own field names.
 *
 * These are the *defaulted* forms: after `applyDefaults` every field that Kubernetes defaults is present.
 * Times are RFC 3339 strings in UTC (`2016-05-19T10:00:00Z`), as the Kubernetes API serves them, so
 * `-o json` prints stored objects unchanged.
 */

export type Labels = Record<string, string>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  /** @default "default" */
  namespace: string;
  uid?: string;
  /** Monotonic per object; the store's optimistic-concurrency token. */
  resourceVersion?: string;
  creationTimestamp?: string;
  /** Set when deletion was requested; the Job controller then stops the pods and removes the Job (Kubernetes' GC). */
  deletionTimestamp?: string;
  labels?: Labels;
  annotations?: Labels;
  ownerReferences?: OwnerReference[];
}

export interface EnvVar {
  name: string;
  value?: string;
}

export interface ResourceRequirements {
  limits?: Record<string, string>;
  requests?: Record<string, string>;
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  workingDir?: string;
  resources?: ResourceRequirements;
}

export type RestartPolicy = 'Never' | 'OnFailure';

export interface PodSpec {
  containers: Container[];
  restartPolicy: RestartPolicy;
  /** @default 30 */
  terminationGracePeriodSeconds?: number;
  /**
   * Only the well-known node labels a task can satisfy are honoured: `kubernetes.io/arch` (`amd64`, `arm64`: the
   * Fargate task's CPU architecture) and `kubernetes.io/os` (`linux`). Other keys are ignored with a warning.
   */
  nodeSelector?: Labels;
}

export interface PodTemplateSpec {
  metadata?: { labels?: Labels; annotations?: Labels };
  spec: PodSpec;
}

export type CompletionMode = 'NonIndexed' | 'Indexed';

export interface JobSpec {
  template: PodTemplateSpec;
  /** Unset (work-queue Job): the Job succeeds once any pod succeeds and all have exited. */
  completions?: number;
  /** @default 1 */
  parallelism: number;
  /** @default 6 */
  backoffLimit: number;
  /** Indexed only: failed pods each index may have before it is marked failed (and not retried). */
  backoffLimitPerIndex?: number;
  /** Indexed with backoffLimitPerIndex: more failed indexes than this fail the Job at once. */
  maxFailedIndexes?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  /** @default "NonIndexed" */
  completionMode: CompletionMode;
  /** @default false */
  suspend: boolean;
  /** How a failed pod counts (FailJob, FailIndex, Ignore, Count), as Kubernetes' `podFailurePolicy`. */
  podFailurePolicy?: PodFailurePolicy;
  /** Only `kubernetes.io/job-controller` (jobctl's Job controller), as validation allows; immutable. */
  managedBy?: string;
  /** When a pod is replaced: once it has ended (`Failed`), or already while it is being stopped (the default). */
  podReplacementPolicy?: 'Failed' | 'TerminatingOrFailed';
  /** When an Indexed Job has succeeded before all its indexes have, as Kubernetes' `successPolicy`. */
  successPolicy?: SuccessPolicy;
  /** Generated on create from the Job's uid (`batch.kubernetes.io/controller-uid`); never written by users. */
  selector?: { matchLabels?: Labels };
}

/** Kubernetes' `SuccessPolicy`: the Job succeeds once any rule is met. */
export interface SuccessPolicy {
  rules: SuccessPolicyRule[];
}

/** At least one field; `succeededIndexes` is an interval list (`0,2-4`), as `status.completedIndexes`. */
export interface SuccessPolicyRule {
  succeededIndexes?: string;
  succeededCount?: number;
}

export type PodFailurePolicyAction = 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';

/** Kubernetes' `PodFailurePolicy`: the first rule that matches a failed pod decides. */
export interface PodFailurePolicy {
  rules: PodFailurePolicyRule[];
}

/** One rule: exactly one of `onExitCodes` and `onPodConditions`. */
export interface PodFailurePolicyRule {
  action: PodFailurePolicyAction;
  onExitCodes?: { containerName?: string; operator: 'In' | 'NotIn'; values: number[] };
  /** jobctl accepts only `DisruptionTarget`, the one pod condition it sets. */
  onPodConditions?: { type: string; status: 'True' | 'False' | 'Unknown' }[];
}

export type JobConditionType = 'Complete' | 'Failed' | 'Suspended' | 'FailureTarget' | 'SuccessCriteriaMet';

export interface JobCondition {
  type: JobConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface JobStatus {
  startTime?: string;
  completionTime?: string;
  active: number;
  succeeded: number;
  failed: number;
  /** Indexed Jobs: the succeeded indexes in Kubernetes' compressed form, e.g. `"0-2,5"`. */
  completedIndexes?: string;
  /** Indexed with backoffLimitPerIndex: the indexes that failed for good, in the same interval notation. */
  failedIndexes?: string;
  /**
   * Active pods that are ready (Kubernetes `status.ready`). jobctl has no readiness probes: a Running pod whose
   * containers have all started (none waiting, e.g. in CrashLoopBackOff) is ready. Written by every sync of an
   * unfinished Job; absent on Jobs last written before jobctl kept it.
   */
  ready?: number;
  /**
   * Pods being stopped: a stop was requested (Kubernetes' deletion timestamp) and the task has not exited yet
   * (Kubernetes `status.terminating`, kept as with the JobPodReplacementPolicy feature, on by default since v1.29).
   */
  terminating?: number;
  conditions: JobCondition[];
}

export interface Job {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ObjectMeta;
  spec: JobSpec;
  status: JobStatus;
}

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
}

export interface JobTemplateSpec {
  metadata?: { labels?: Labels; annotations?: Labels };
  spec: JobSpec;
}

export interface CronJobSpec {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  /** @default "Allow" */
  concurrencyPolicy: ConcurrencyPolicy;
  /** @default false */
  suspend: boolean;
  jobTemplate: JobTemplateSpec;
  /** @default 3 */
  successfulJobsHistoryLimit: number;
  /** @default 1 */
  failedJobsHistoryLimit: number;
}

export interface CronJobStatus {
  active: ObjectReference[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface CronJob {
  apiVersion: 'batch/v1';
  kind: 'CronJob';
  metadata: ObjectMeta;
  spec: CronJobSpec;
  status: CronJobStatus;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface ContainerState {
  running?: { startedAt: string };
  terminated?: { exitCode: number; reason?: string; startedAt?: string; finishedAt: string; signal?: number };
  /** OnFailure: the container exited non-zero and waits out its back-off before restarting. */
  waiting?: { reason: string; message?: string };
}

export interface ContainerStatus {
  name: string;
  image: string;
  restartCount: number;
  state: ContainerState;
  /** The previous run's termination after an in-place restart (restartPolicy OnFailure), as Kubernetes reports it. */
  lastState?: ContainerState;
}

export interface PodStatus {
  phase: PodPhase;
  startTime?: string;
  /** Set when the controller asked the task to stop (deadline, Replace, delete). */
  reason?: string;
  message?: string;
  /** Only `DisruptionTarget` is set by jobctl: the pod ended with its "node" (see `TaskExit.disruption`). */
  conditions?: PodCondition[];
  containerStatuses?: ContainerStatus[];
}

/** A pod condition, as Kubernetes' `PodCondition`. */
export interface PodCondition {
  type: 'DisruptionTarget';
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * A pod is one task run: a child process locally, an ECS task on AWS. jobctl keeps the Kubernetes shape so
 * `get pods -o json` and `--selector=job-name=…` work as they do against a cluster.
 */
export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec & { hostname?: string };
  status: PodStatus;
}

export type KubeObject = CronJob | Job | Pod;
export type Kind = KubeObject['kind'];

/** `spec` of a {@link WorkQueueManifest}, defaulted. The port's `QueueSettings`, in a manifest. */
export interface WorkQueueSpec {
  /**
   * Leases an item gets before it goes to the dead-letter list (SQS redrive policy `maxReceiveCount`, 1–1000). @default
   * 5
   */
  maxReceiveCount: number;
  /** Default lease of an item, seconds (SQS `VisibilityTimeout`, 0–43200). @default 30 */
  leaseSeconds: number;
}

/**
 * `kind: WorkQueue` (`apiVersion: jobctl.dev/v1`): a finite work queue with leases and a dead-letter list, applied with
 * `jobctl apply -f` like the batch kinds. It is not a stored object: `apply` writes its settings into the `WorkQueue`
 * port (`ensureQueue`), so it has no uid, labels, annotations or status of its own; `jobctl queue stats -o yaml`
 * prints it with its counts as `status`.
 *
 * @example
 * // apiVersion: jobctl.dev/v1
 * // kind: WorkQueue
 * // metadata: { name: fruits }
 * // spec: { maxReceiveCount: 3, leaseSeconds: 60 }
 */
export interface WorkQueueManifest {
  apiVersion: 'jobctl.dev/v1';
  kind: 'WorkQueue';
  metadata: { name: string; namespace: string };
  spec: WorkQueueSpec;
}

/**
 * `kind: ResourceQuota` (`apiVersion: v1`) for the one resource jobctl counts, `pods`: the namespace's unfinished
 * pods (tasks). Like a WorkQueue it is not a stored object: `apply` writes `spec.hard` through the ResourceQuotas
 * port, and `get`/`describe resourcequota` show it with the namespace's `used`.
 *
 * @example
 * // apiVersion: v1
 * // kind: ResourceQuota
 * // metadata: { name: pods }
 * // spec: { hard: { pods: "50" } }
 */
export interface ResourceQuotaManifest {
  apiVersion: 'v1';
  kind: 'ResourceQuota';
  metadata: { name: string; namespace: string };
  spec: { hard: { pods: number } };
}

/**
 * The largest `spec.hard.pods` jobctl accepts. Every charged pod is recorded on one DynamoDB item, which keeps
 * admission one conditional write; but each admission and release rewrites that item, at one write unit per KB, on
 * one partition (about 1,000 units per second). 500 charges of ~60 bytes make a ~30 KB item: 20 pod starts and 20
 * ends per second stay within the partition.
 */
export const MAX_QUOTA_PODS = 500;

/** Labels and annotations Kubernetes puts on Jobs and pods, verbatim. */
export const wellKnown = {
  jobName: 'job-name',
  batchJobName: 'batch.kubernetes.io/job-name',
  controllerUid: 'controller-uid',
  batchControllerUid: 'batch.kubernetes.io/controller-uid',
  completionIndex: 'batch.kubernetes.io/job-completion-index',
  /** backoffLimitPerIndex: failures of the pod's index before it (counted ones, and those a policy ignored). */
  indexFailureCount: 'batch.kubernetes.io/job-index-failure-count',
  indexIgnoredFailureCount: 'batch.kubernetes.io/job-index-ignored-failure-count',
  cronJobScheduledTimestamp: 'batch.kubernetes.io/cronjob-scheduled-timestamp',
  completionIndexEnv: 'JOB_COMPLETION_INDEX',
  /** Node labels a pod's `nodeSelector` may name (https://kubernetes.io/docs/reference/labels-annotations-taints/). */
  nodeArch: 'kubernetes.io/arch',
  nodeOs: 'kubernetes.io/os',
} as const;

/** The values of the well-known node labels a task can satisfy: the Fargate CPU architectures, and Linux. */
export const honouredNodeLabels: Readonly<Record<string, readonly string[]>> = {
  [wellKnown.nodeArch]: ['amd64', 'arm64'],
  [wellKnown.nodeOs]: ['linux'],
};

/** Kubernetes event, as `describe` prints it and the store keeps it. */
export interface KubeEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** RFC 3339 */
  timestamp: string;
  involvedObject: { kind: Kind; namespace: string; name: string };
}
