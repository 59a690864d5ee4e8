/**
 * The fields jobctl honours, per Kubernetes struct, with their JSON types. A key found in a manifest is either listed
 * here (checked and kept), listed in `unsupported.ts` (a Kubernetes field jobctl cannot honour: warning or error), or
 * unknown (an error, as `kubectl apply --validate=strict` reports it).
 */

/** The Kubernetes structs a manifest is made of (Go type names, so the table reads like the API reference). */
export type StructName =
  | 'CronJob'
  | 'Job'
  | 'ObjectMeta'
  | 'TemplateObjectMeta'
  | 'OwnerReference'
  | 'CronJobSpec'
  | 'JobTemplateSpec'
  | 'JobSpec'
  | 'PodTemplateSpec'
  | 'PodSpec'
  | 'Container'
  | 'EnvVar'
  | 'ResourceRequirements'
  | 'ResourceList'
  | 'WorkQueue'
  | 'QueueObjectMeta'
  | 'WorkQueueSpec'
  | 'ResourceQuota'
  | 'QuotaObjectMeta'
  | 'ResourceQuotaSpec'
  | 'PodFailurePolicy'
  | 'PodFailurePolicyRule'
  | 'PodFailurePolicyOnExitCodesRequirement'
  | 'PodFailurePolicyOnPodConditionsPattern'
  | 'SuccessPolicy'
  | 'SuccessPolicyRule';

/** JSON shape of one field. `int32`/`int64` are integers in Go's ranges; maps are `map[string]string`. */
export type Shape =
  | { type: 'string' }
  | { type: 'int32' }
  | { type: 'int64' }
  | { type: 'boolean' }
  | { type: 'stringMap' }
  | { type: 'stringList' }
  | { type: 'int32List' }
  | { type: 'quantityMap' }
  /** Kept for a semantic rule (e.g. `selector`, which Kubernetes rejects with its own message), never copied out. */
  | { type: 'any' }
  | { type: 'struct'; struct: StructName }
  | { type: 'structList'; struct: StructName };

const string: Shape = { type: 'string' };
const int32: Shape = { type: 'int32' };
const int64: Shape = { type: 'int64' };
const boolean: Shape = { type: 'boolean' };
const stringMap: Shape = { type: 'stringMap' };
const stringList: Shape = { type: 'stringList' };
const struct = (name: StructName): Shape => ({ type: 'struct', struct: name });
const structList = (name: StructName): Shape => ({ type: 'structList', struct: name });

/**
 * Supported fields per struct. `ObjectMeta`'s server-set fields (`uid`, `resourceVersion`, `creationTimestamp`,
 * `ownerReferences`) are only accepted when validating an object jobctl built itself (`validateManifest`); in a file
 * they are reported by `unsupported.ts` and dropped, as the API server overwrites them on create.
 */
export const structs: Record<StructName, Readonly<Record<string, Shape>>> = {
  CronJob: {
    apiVersion: string,
    kind: string,
    metadata: struct('ObjectMeta'),
    spec: struct('CronJobSpec'),
    status: { type: 'any' },
  },
  Job: {
    apiVersion: string,
    kind: string,
    metadata: struct('ObjectMeta'),
    spec: struct('JobSpec'),
    status: { type: 'any' },
  },
  ObjectMeta: {
    name: string,
    namespace: string,
    labels: stringMap,
    annotations: stringMap,
    uid: string,
    resourceVersion: string,
    creationTimestamp: string,
    ownerReferences: structList('OwnerReference'),
  },
  // A template's `name` is accepted and dropped without a word: Kubernetes ignores it too (the seed's Jobs set it).
  TemplateObjectMeta: { name: string, labels: stringMap, annotations: stringMap },
  OwnerReference: {
    apiVersion: string,
    kind: string,
    name: string,
    uid: string,
    controller: boolean,
    blockOwnerDeletion: boolean,
  },
  CronJobSpec: {
    schedule: string,
    timeZone: string,
    startingDeadlineSeconds: int64,
    concurrencyPolicy: string,
    suspend: boolean,
    jobTemplate: struct('JobTemplateSpec'),
    successfulJobsHistoryLimit: int32,
    failedJobsHistoryLimit: int32,
  },
  JobTemplateSpec: { metadata: struct('TemplateObjectMeta'), spec: struct('JobSpec') },
  JobSpec: {
    parallelism: int32,
    completions: int32,
    activeDeadlineSeconds: int64,
    backoffLimit: int32,
    backoffLimitPerIndex: int32,
    maxFailedIndexes: int32,
    ttlSecondsAfterFinished: int32,
    completionMode: string,
    suspend: boolean,
    template: struct('PodTemplateSpec'),
    selector: { type: 'any' },
    manualSelector: boolean,
    podFailurePolicy: struct('PodFailurePolicy'),
    managedBy: string,
    podReplacementPolicy: string,
    successPolicy: struct('SuccessPolicy'),
  },
  SuccessPolicy: { rules: structList('SuccessPolicyRule') },
  SuccessPolicyRule: { succeededIndexes: string, succeededCount: int32 },
  PodFailurePolicy: { rules: structList('PodFailurePolicyRule') },
  PodFailurePolicyRule: {
    action: string,
    onExitCodes: struct('PodFailurePolicyOnExitCodesRequirement'),
    onPodConditions: structList('PodFailurePolicyOnPodConditionsPattern'),
  },
  PodFailurePolicyOnExitCodesRequirement: { containerName: string, operator: string, values: { type: 'int32List' } },
  PodFailurePolicyOnPodConditionsPattern: { type: string, status: string },
  PodTemplateSpec: { metadata: struct('TemplateObjectMeta'), spec: struct('PodSpec') },
  PodSpec: {
    containers: structList('Container'),
    restartPolicy: string,
    terminationGracePeriodSeconds: int64,
    nodeSelector: stringMap,
  },
  Container: {
    name: string,
    image: string,
    imagePullPolicy: string,
    command: stringList,
    args: stringList,
    workingDir: string,
    env: structList('EnvVar'),
    resources: struct('ResourceRequirements'),
  },
  EnvVar: { name: string, value: string },
  ResourceRequirements: { limits: { type: 'quantityMap' }, requests: { type: 'quantityMap' } },
  ResourceList: {},
  // `status` is accepted and ignored, so what `jobctl queue stats -o yaml` prints can be applied back.
  WorkQueue: {
    apiVersion: string,
    kind: string,
    metadata: struct('QueueObjectMeta'),
    spec: struct('WorkQueueSpec'),
    status: { type: 'any' },
  },
  QueueObjectMeta: { name: string, namespace: string },
  WorkQueueSpec: { maxReceiveCount: int32, leaseSeconds: int32 },
  ResourceQuota: {
    apiVersion: string,
    kind: string,
    metadata: struct('QuotaObjectMeta'),
    spec: struct('ResourceQuotaSpec'),
    status: { type: 'any' },
  },
  QuotaObjectMeta: { name: string, namespace: string },
  // `hard` is a ResourceList of quota resource names (not container ones): validateResourceQuota checks it.
  ResourceQuotaSpec: { hard: { type: 'any' } },
};

/** Resource names Fargate and the local runtime can size a task by. */
export const standardResourceNames: readonly string[] = ['cpu', 'memory', 'ephemeral-storage'];
