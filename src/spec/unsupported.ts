import type { StructName } from './schema.ts';

/**
 * What jobctl does with a Kubernetes field it cannot honour.
 * - `warning`: the field is ignored and the run proceeds; the run still means what the user wrote in every way that
 *   matters to a batch Job (where a pod runs, its identity, its networking).
 * - `error`: ignoring it would change what the run does (what runs, with which inputs, when it counts as failed), so
 *   the manifest is rejected rather than run differently from what it says.
 */
export type UnsupportedSeverity = 'warning' | 'error';

/** One row of the table: a Kubernetes field jobctl cannot honour, and why. */
export interface UnsupportedField {
  /** The Kubernetes struct the field belongs to (`PodSpec`, `Container`, …). */
  readonly struct: StructName;
  /** The field's JSON name, verbatim; `*` in `ResourceList` means any extended resource name. */
  readonly field: string;
  readonly severity: UnsupportedSeverity;
  /** Shown to the user after the field's path: why jobctl cannot honour it, and what happens instead. */
  readonly reason: string;
  /**
   * True when the value asks for nothing beyond what jobctl does anyway, e.g. Kubernetes' own default
   * (`dnsPolicy: ClusterFirst`, as `kubectl get -o yaml` prints it): no finding then.
   * @default - null, `{}`, `[]`, `false` and `""` are harmless
   */
  readonly isHarmless?: (value: unknown) => boolean;
  /**
   * Only reported in manifests being created (files); an object jobctl built and stored itself keeps the field.
   * @default false
   */
  readonly createOnly?: boolean;
}

/** Null, `{}`, `[]`, `false`, `""`: a value that asks for nothing. */
export function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

const equalsOrEmpty =
  (expected: unknown) =>
  (value: unknown): boolean =>
    isEmptyValue(value) || value === expected;

const serverSetMeta = ['generation', 'selfLink', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds'];
const storedMeta = ['uid', 'resourceVersion', 'creationTimestamp', 'ownerReferences'];
// Not `name`: Kubernetes ignores a template's name as well (the objects get generated names), so one there is no
// surprise worth a warning; the seed's own manifests set it. It is in the schema and dropped when stored.
const templateIgnoredMeta = ['generateName', 'namespace', 'finalizers', ...storedMeta, ...serverSetMeta];

const noNodes = 'Fargate has no node selection (and the local runtime has one machine); ignored';
const noDns = 'jobctl has no cluster DNS or Services; ignored';
const noVolumes =
  'not mounted: Fargate tasks have no host paths (hostPath) and jobctl provisions no volumes or claims; ignored';
const noIdentity =
  'jobctl has no Kubernetes API identity: tasks run with the stack task role on AWS and as your user locally; ignored';
const notRunAsWritten =
  'tasks run as the image user on Fargate and as your user locally; security settings are not applied; ignored';

/**
 * The single table of Kubernetes fields jobctl cannot honour. Fields not here and not in `schema.ts` are unknown
 * fields (errors, as `kubectl apply --validate=strict` reports them).
 *
 * Design choice, more than one container: Fargate could run several containers in a task, but the local runtime runs
 * one process per pod; a manifest must mean the same thing on both runtimes, so a pod has exactly one container
 * (an error, not a warning: dropping a container would silently not run part of the workload). Init containers are
 * rejected for the same reason.
 */
export const unsupportedFields: readonly UnsupportedField[] = [
  // ObjectMeta
  {
    struct: 'ObjectMeta',
    field: 'generateName',
    severity: 'warning',
    reason: 'jobctl applies objects by metadata.name; ignored',
  },
  {
    struct: 'ObjectMeta',
    field: 'finalizers',
    severity: 'warning',
    reason: 'jobctl deletes objects without finalizers; ignored',
  },
  ...storedMeta.map(
    (field): UnsupportedField => ({
      struct: 'ObjectMeta',
      field,
      severity: 'warning',
      reason: 'set by jobctl when the object is stored; ignored',
      createOnly: true,
    }),
  ),
  ...serverSetMeta.map(
    (field): UnsupportedField => ({
      struct: 'ObjectMeta',
      field,
      severity: 'warning',
      reason: 'set by the API server; ignored',
    }),
  ),
  ...templateIgnoredMeta.map(
    (field): UnsupportedField => ({
      struct: 'TemplateObjectMeta',
      field,
      severity: 'warning',
      reason:
        'only labels and annotations of a template are used: jobctl names and places the objects it creates; ignored',
    }),
  ),

  // QueueObjectMeta: a work queue keeps its name and settings only (the WorkQueue port has nowhere to store more).
  ...['labels', 'annotations', 'generateName', 'finalizers', ...storedMeta, ...serverSetMeta].map(
    (field): UnsupportedField => ({
      struct: 'QueueObjectMeta',
      field,
      severity: 'warning',
      reason: 'a WorkQueue keeps only metadata.name and its spec; ignored',
    }),
  ),

  // QuotaObjectMeta: likewise for a ResourceQuota (the ResourceQuotas port keeps its name and `hard`).
  ...['labels', 'annotations', 'generateName', 'finalizers', ...storedMeta, ...serverSetMeta].map(
    (field): UnsupportedField => ({
      struct: 'QuotaObjectMeta',
      field,
      severity: 'warning',
      reason: 'a ResourceQuota keeps only metadata.name and spec.hard; ignored',
    }),
  ),
  ...['scopes', 'scopeSelector'].map(
    (field): UnsupportedField => ({
      struct: 'ResourceQuotaSpec',
      field,
      severity: 'error',
      reason: 'not supported: jobctl counts every unfinished pod of the namespace; a scoped quota would count fewer',
    }),
  ),

  // JobSpec

  // PodSpec
  {
    struct: 'PodSpec',
    field: 'containers',
    severity: 'error',
    reason:
      'jobctl runs exactly one container per pod: the local runtime runs one process per pod, and a manifest must ' +
      'mean the same on Fargate and locally',
    isHarmless: (value) => !Array.isArray(value) || value.length <= 1,
  },
  {
    struct: 'PodSpec',
    field: 'initContainers',
    severity: 'error',
    reason: 'jobctl runs one process per pod; init containers would not run',
  },
  { struct: 'PodSpec', field: 'ephemeralContainers', severity: 'error', reason: 'cannot be set on create' },
  {
    struct: 'PodSpec',
    field: 'activeDeadlineSeconds',
    severity: 'error',
    reason: "not supported on the pod template: use the Job's spec.activeDeadlineSeconds",
  },
  { struct: 'PodSpec', field: 'volumes', severity: 'warning', reason: noVolumes },
  { struct: 'PodSpec', field: 'nodeName', severity: 'warning', reason: noNodes },
  { struct: 'PodSpec', field: 'affinity', severity: 'warning', reason: noNodes },
  {
    struct: 'PodSpec',
    field: 'tolerations',
    severity: 'warning',
    reason: 'Fargate has no node taints to tolerate; ignored',
  },
  { struct: 'PodSpec', field: 'topologySpreadConstraints', severity: 'warning', reason: noNodes },
  {
    struct: 'PodSpec',
    field: 'schedulerName',
    severity: 'warning',
    reason: 'jobctl has no Kubernetes scheduler; ignored',
    isHarmless: equalsOrEmpty('default-scheduler'),
  },
  {
    struct: 'PodSpec',
    field: 'priorityClassName',
    severity: 'warning',
    reason: 'jobctl has no pod priority or preemption; ignored',
  },
  {
    struct: 'PodSpec',
    field: 'priority',
    severity: 'warning',
    reason: 'jobctl has no pod priority or preemption; ignored',
    isHarmless: equalsOrEmpty(0),
  },
  {
    struct: 'PodSpec',
    field: 'preemptionPolicy',
    severity: 'warning',
    reason: 'jobctl has no pod priority or preemption; ignored',
    isHarmless: equalsOrEmpty('PreemptLowerPriority'),
  },
  { struct: 'PodSpec', field: 'serviceAccountName', severity: 'warning', reason: noIdentity },
  { struct: 'PodSpec', field: 'serviceAccount', severity: 'warning', reason: noIdentity },
  { struct: 'PodSpec', field: 'automountServiceAccountToken', severity: 'warning', reason: noIdentity },
  {
    struct: 'PodSpec',
    field: 'imagePullSecrets',
    severity: 'warning',
    reason: 'images are pulled with the task execution role on AWS and your local credentials locally; ignored',
  },
  { struct: 'PodSpec', field: 'securityContext', severity: 'warning', reason: notRunAsWritten },
  { struct: 'PodSpec', field: 'hostNetwork', severity: 'warning', reason: 'Fargate has no host namespaces; ignored' },
  { struct: 'PodSpec', field: 'hostPID', severity: 'warning', reason: 'Fargate has no host namespaces; ignored' },
  { struct: 'PodSpec', field: 'hostIPC', severity: 'warning', reason: 'Fargate has no host namespaces; ignored' },
  {
    struct: 'PodSpec',
    field: 'hostUsers',
    severity: 'warning',
    reason: 'Fargate has no host namespaces; ignored',
    isHarmless: equalsOrEmpty(true),
  },
  { struct: 'PodSpec', field: 'shareProcessNamespace', severity: 'warning', reason: 'a pod runs one process; ignored' },
  {
    struct: 'PodSpec',
    field: 'dnsPolicy',
    severity: 'warning',
    reason: noDns,
    isHarmless: equalsOrEmpty('ClusterFirst'),
  },
  { struct: 'PodSpec', field: 'dnsConfig', severity: 'warning', reason: noDns },
  { struct: 'PodSpec', field: 'hostAliases', severity: 'warning', reason: noDns },
  {
    struct: 'PodSpec',
    field: 'hostname',
    severity: 'warning',
    reason: 'jobctl sets the hostname of Indexed pods itself; ignored',
  },
  {
    struct: 'PodSpec',
    field: 'hostnameOverride',
    severity: 'warning',
    reason: 'jobctl sets the hostname of Indexed pods itself; ignored',
  },
  { struct: 'PodSpec', field: 'subdomain', severity: 'warning', reason: noDns },
  { struct: 'PodSpec', field: 'setHostnameAsFQDN', severity: 'warning', reason: noDns },
  {
    struct: 'PodSpec',
    field: 'enableServiceLinks',
    severity: 'warning',
    reason: noDns,
    isHarmless: equalsOrEmpty(true),
  },
  { struct: 'PodSpec', field: 'readinessGates', severity: 'warning', reason: 'jobctl has no pod readiness; ignored' },
  {
    struct: 'PodSpec',
    field: 'schedulingGates',
    severity: 'warning',
    reason: 'jobctl has no Kubernetes scheduler; ignored',
  },
  {
    struct: 'PodSpec',
    field: 'runtimeClassName',
    severity: 'warning',
    reason: 'Fargate chooses the container runtime; ignored',
  },
  {
    struct: 'PodSpec',
    field: 'overhead',
    severity: 'warning',
    reason: 'Fargate chooses the container runtime; ignored',
  },
  {
    struct: 'PodSpec',
    field: 'os',
    severity: 'warning',
    reason: 'tasks run on Linux; ignored',
    isHarmless: (value) =>
      isEmptyValue(value) || (typeof value === 'object' && (value as { name?: unknown }).name === 'linux'),
  },
  { struct: 'PodSpec', field: 'resourceClaims', severity: 'warning', reason: noVolumes },
  {
    struct: 'PodSpec',
    field: 'resources',
    severity: 'warning',
    reason: 'tasks are sized by containers[].resources; pod-level resources are ignored',
  },

  // Container
  {
    struct: 'Container',
    field: 'envFrom',
    severity: 'error',
    reason: 'jobctl has no ConfigMaps or Secrets to read: set env[].value',
  },
  { struct: 'Container', field: 'restartPolicy', severity: 'error', reason: 'may not be set for non-init containers' },
  {
    struct: 'Container',
    field: 'ports',
    severity: 'warning',
    reason: 'jobctl has no pod networking or Services; ignored',
  },
  { struct: 'Container', field: 'volumeMounts', severity: 'warning', reason: noVolumes },
  { struct: 'Container', field: 'volumeDevices', severity: 'warning', reason: noVolumes },
  { struct: 'Container', field: 'livenessProbe', severity: 'warning', reason: 'jobctl has no kubelet probes; ignored' },
  {
    struct: 'Container',
    field: 'readinessProbe',
    severity: 'warning',
    reason: 'jobctl has no kubelet probes; ignored',
  },
  { struct: 'Container', field: 'startupProbe', severity: 'warning', reason: 'jobctl has no kubelet probes; ignored' },
  {
    struct: 'Container',
    field: 'lifecycle',
    severity: 'warning',
    reason: 'jobctl runs no postStart or preStop hooks; ignored',
  },
  {
    struct: 'Container',
    field: 'terminationMessagePath',
    severity: 'warning',
    reason: 'the exit code and the logs are the result of a task; ignored',
    isHarmless: equalsOrEmpty('/dev/termination-log'),
  },
  {
    struct: 'Container',
    field: 'terminationMessagePolicy',
    severity: 'warning',
    reason: 'the exit code and the logs are the result of a task; ignored',
    isHarmless: equalsOrEmpty('File'),
  },
  { struct: 'Container', field: 'securityContext', severity: 'warning', reason: notRunAsWritten },
  { struct: 'Container', field: 'stdin', severity: 'warning', reason: 'tasks cannot be attached to; ignored' },
  { struct: 'Container', field: 'stdinOnce', severity: 'warning', reason: 'tasks cannot be attached to; ignored' },
  { struct: 'Container', field: 'tty', severity: 'warning', reason: 'tasks cannot be attached to; ignored' },
  {
    struct: 'Container',
    field: 'resizePolicy',
    severity: 'warning',
    reason: 'tasks are not resized in place; ignored',
  },

  // EnvVar
  {
    struct: 'EnvVar',
    field: 'valueFrom',
    severity: 'error',
    reason:
      'jobctl has no Secrets, ConfigMaps or downward API to read: set value (the variable would otherwise be missing)',
  },

  // ResourceRequirements / ResourceList
  { struct: 'ResourceRequirements', field: 'claims', severity: 'warning', reason: noVolumes },
  {
    struct: 'ResourceList',
    field: '*',
    severity: 'warning',
    reason: 'Fargate has no extended resources (GPUs, hugepages, device plugins); ignored',
  },
];

const index = new Map<string, UnsupportedField>(unsupportedFields.map((row) => [`${row.struct}.${row.field}`, row]));

/** The table row for `struct.field`, if jobctl knows it as a Kubernetes field it cannot honour. */
export function findUnsupported(struct: StructName, field: string): UnsupportedField | undefined {
  return index.get(`${struct}.${field}`);
}
