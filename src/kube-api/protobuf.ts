import { ApiError } from './status.ts';

/**
 * Request bodies in `application/vnd.kubernetes.protobuf`, which kubectl ≥ 1.32 sends for `create job --from`,
 * `create job --image` and `create cronjob` (client-go's typed clients; KUBECTL-API.md §10), decoded into the object
 * the JSON path gets, so they go through the same validation, defaults and `fieldValidation`.
 *
 * The body is the magic `k8s\0` and a `runtime.Unknown` {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding,
 * 4 contentType}; `raw` is the object's message. The tables below are a subset of upstream's, with its field numbers:
 * `staging/src/k8s.io/{api/batch/v1, api/core/v1, apimachinery/pkg/apis/meta/v1, apimachinery/pkg/runtime,
 * apimachinery/pkg/util/intstr, apimachinery/pkg/api/resource}/generated.proto` in kubernetes/kubernetes, and the Go
 * types next to them (`types.go`) for what JSON does with a zero value.
 *
 * A schema table and a small wire reader, not protobufjs: decoding is the easy part, and what the tables must say
 * besides field numbers is Go's, not protobuf's. Gogo writes every non-pointer field, zero or not, so each field says
 * whether its zero stays (`keep`: a pointer, e.g. `backoffLimit: 0` or `suspend: false`, or a field without
 * `omitempty`) or goes as `omitempty` drops it; embedded structs are `inline`; Time, Quantity and IntOrString become
 * their JSON forms; and a field the tables do not know must be refused by name (415) rather than skipped, which a
 * generated protobufjs decoder does silently.
 *
 * Every field jobctl honours (`spec/schema.ts`) or reports (`spec/unsupported.ts`) is decoded to its JSON form, so the
 * validator says what it says of the same object in JSON. A few large structs that jobctl only warns about or refuses
 * whole (`affinity`, the security contexts, `ephemeralContainers`, volume sources, `managedFields`) are `opaque`: the
 * validator only needs to see them set, and their content goes nowhere, so they become `{}` when empty and a marker
 * object otherwise.
 */

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** True for a `Content-Type` of `application/vnd.kubernetes.protobuf` (parameters aside). */
export function isProtobuf(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === PROTOBUF_CONTENT_TYPE;
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"

/** What the caller can do instead, in every refusal. */
const INSTEAD = 'send the object as JSON (kubectl create -f FILE), or use jobctl create job NAME --from=cronjob/NAME';

type Scalar = 'string' | 'int32' | 'int64' | 'bool';
/** `time`: meta/v1 Time {1 seconds, 2 nanos} → RFC 3339; `quantity`: resource.Quantity {1 string} → its string. */
type Special = 'time' | 'quantity' | 'intOrString' | 'opaque';

export type MessageName =
  | 'Job'
  | 'CronJob'
  | 'ObjectMeta'
  | 'OwnerReference'
  | 'LabelSelector'
  | 'LabelSelectorRequirement'
  | 'CronJobSpec'
  | 'JobTemplateSpec'
  | 'JobSpec'
  | 'PodFailurePolicy'
  | 'PodFailurePolicyRule'
  | 'PodFailurePolicyOnExitCodesRequirement'
  | 'PodFailurePolicyOnPodConditionsPattern'
  | 'SuccessPolicy'
  | 'SuccessPolicyRule'
  | 'PodTemplateSpec'
  | 'PodSpec'
  | 'Container'
  | 'EnvVar'
  | 'EnvVarSource'
  | 'ObjectFieldSelector'
  | 'ResourceFieldSelector'
  | 'ConfigMapKeySelector'
  | 'SecretKeySelector'
  | 'FileKeySelector'
  | 'EnvFromSource'
  | 'ConfigMapEnvSource'
  | 'SecretEnvSource'
  | 'LocalObjectReference'
  | 'ResourceRequirements'
  | 'ResourceClaim'
  | 'ContainerPort'
  | 'VolumeMount'
  | 'VolumeDevice'
  | 'Probe'
  | 'ProbeHandler'
  | 'ExecAction'
  | 'HTTPGetAction'
  | 'HTTPHeader'
  | 'TCPSocketAction'
  | 'GRPCAction'
  | 'Lifecycle'
  | 'LifecycleHandler'
  | 'SleepAction'
  | 'ContainerResizePolicy'
  | 'Volume'
  | 'VolumeSource'
  | 'Toleration'
  | 'HostAlias'
  | 'PodDNSConfig'
  | 'PodDNSConfigOption'
  | 'PodReadinessGate'
  | 'PodSchedulingGate'
  | 'PodResourceClaim'
  | 'PodOS'
  | 'TopologySpreadConstraint';

export type FieldType = Scalar | Special | MessageName;
type Flag = 'repeated' | 'map' | 'keep' | 'inline' | 'skip';

export interface Field {
  /** The JSON name. */
  readonly name: string;
  /** For a `map`, the value's type (`string` or `quantity`); keys are strings. */
  readonly type: FieldType;
  readonly repeated: boolean;
  readonly map: boolean;
  /** A zero value is kept: the Go field is a pointer, or has no `omitempty`. */
  readonly keep: boolean;
  /** An embedded struct (`json:",inline"`): its fields are written into the parent object. */
  readonly inline: boolean;
  /** Read and dropped (a `status`, which the server ignores on create). */
  readonly skip: boolean;
}

function f(name: string, type: FieldType, ...flags: Flag[]): Field {
  const has = (flag: Flag) => flags.includes(flag);
  return {
    name,
    type,
    repeated: has('repeated'),
    map: has('map'),
    keep: has('keep'),
    inline: has('inline'),
    skip: has('skip'),
  };
}

export type Message = Readonly<Record<number, Field>>;

const LIST = 'repeated';
const KEEP = 'keep';

/**
 * Field numbers from upstream's generated.proto; `keep` from the Go types (pointer, or no `omitempty`). Exported for
 * the tests, which encode bodies from the same tables.
 */
export const MESSAGES: Readonly<Record<MessageName, Message>> = {
  // batch/v1
  Job: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'JobSpec'), 3: f('status', 'opaque', 'skip') },
  CronJob: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'CronJobSpec'), 3: f('status', 'opaque', 'skip') },
  CronJobSpec: {
    1: f('schedule', 'string', KEEP),
    8: f('timeZone', 'string', KEEP),
    2: f('startingDeadlineSeconds', 'int64', KEEP),
    3: f('concurrencyPolicy', 'string'),
    4: f('suspend', 'bool', KEEP),
    5: f('jobTemplate', 'JobTemplateSpec'),
    6: f('successfulJobsHistoryLimit', 'int32', KEEP),
    7: f('failedJobsHistoryLimit', 'int32', KEEP),
  },
  JobTemplateSpec: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'JobSpec') },
  JobSpec: {
    1: f('parallelism', 'int32', KEEP),
    2: f('completions', 'int32', KEEP),
    3: f('activeDeadlineSeconds', 'int64', KEEP),
    11: f('podFailurePolicy', 'PodFailurePolicy'),
    16: f('successPolicy', 'SuccessPolicy'),
    7: f('backoffLimit', 'int32', KEEP),
    12: f('backoffLimitPerIndex', 'int32', KEEP),
    13: f('maxFailedIndexes', 'int32', KEEP),
    4: f('selector', 'LabelSelector'),
    5: f('manualSelector', 'bool', KEEP),
    6: f('template', 'PodTemplateSpec'),
    8: f('ttlSecondsAfterFinished', 'int32', KEEP),
    9: f('completionMode', 'string', KEEP),
    10: f('suspend', 'bool', KEEP),
    14: f('podReplacementPolicy', 'string', KEEP),
    15: f('managedBy', 'string', KEEP),
  },
  PodFailurePolicy: { 1: f('rules', 'PodFailurePolicyRule', LIST) },
  PodFailurePolicyRule: {
    1: f('action', 'string', KEEP),
    2: f('onExitCodes', 'PodFailurePolicyOnExitCodesRequirement'),
    3: f('onPodConditions', 'PodFailurePolicyOnPodConditionsPattern', LIST),
  },
  PodFailurePolicyOnExitCodesRequirement: {
    1: f('containerName', 'string', KEEP),
    2: f('operator', 'string', KEEP),
    3: f('values', 'int32', LIST),
  },
  PodFailurePolicyOnPodConditionsPattern: { 1: f('type', 'string', KEEP), 2: f('status', 'string', KEEP) },
  SuccessPolicy: { 1: f('rules', 'SuccessPolicyRule', LIST) },
  SuccessPolicyRule: { 1: f('succeededIndexes', 'string', KEEP), 2: f('succeededCount', 'int32', KEEP) },

  // meta/v1 (15 clusterName and 16 initializers are gone upstream)
  ObjectMeta: {
    1: f('name', 'string'),
    2: f('generateName', 'string'),
    3: f('namespace', 'string'),
    4: f('selfLink', 'string'),
    5: f('uid', 'string'),
    6: f('resourceVersion', 'string'),
    7: f('generation', 'int64'),
    8: f('creationTimestamp', 'time'),
    9: f('deletionTimestamp', 'time'),
    10: f('deletionGracePeriodSeconds', 'int64', KEEP),
    11: f('labels', 'string', 'map'),
    12: f('annotations', 'string', 'map'),
    13: f('ownerReferences', 'OwnerReference', LIST),
    14: f('finalizers', 'string', LIST),
    17: f('managedFields', 'opaque', LIST),
  },
  OwnerReference: {
    5: f('apiVersion', 'string', KEEP),
    1: f('kind', 'string', KEEP),
    3: f('name', 'string', KEEP),
    4: f('uid', 'string', KEEP),
    6: f('controller', 'bool', KEEP),
    7: f('blockOwnerDeletion', 'bool', KEEP),
  },
  LabelSelector: { 1: f('matchLabels', 'string', 'map'), 2: f('matchExpressions', 'LabelSelectorRequirement', LIST) },
  LabelSelectorRequirement: {
    1: f('key', 'string', KEEP),
    2: f('operator', 'string', KEEP),
    3: f('values', 'string', LIST),
  },

  // core/v1
  PodTemplateSpec: { 1: f('metadata', 'ObjectMeta'), 2: f('spec', 'PodSpec') },
  PodSpec: {
    1: f('volumes', 'Volume', LIST),
    20: f('initContainers', 'Container', LIST),
    2: f('containers', 'Container', LIST),
    34: f('ephemeralContainers', 'opaque', LIST),
    3: f('restartPolicy', 'string'),
    4: f('terminationGracePeriodSeconds', 'int64', KEEP),
    5: f('activeDeadlineSeconds', 'int64', KEEP),
    6: f('dnsPolicy', 'string'),
    7: f('nodeSelector', 'string', 'map'),
    8: f('serviceAccountName', 'string'),
    9: f('serviceAccount', 'string'),
    21: f('automountServiceAccountToken', 'bool', KEEP),
    10: f('nodeName', 'string'),
    11: f('hostNetwork', 'bool'),
    12: f('hostPID', 'bool'),
    13: f('hostIPC', 'bool'),
    27: f('shareProcessNamespace', 'bool', KEEP),
    14: f('securityContext', 'opaque'),
    15: f('imagePullSecrets', 'LocalObjectReference', LIST),
    16: f('hostname', 'string'),
    17: f('subdomain', 'string'),
    18: f('affinity', 'opaque'),
    19: f('schedulerName', 'string'),
    22: f('tolerations', 'Toleration', LIST),
    23: f('hostAliases', 'HostAlias', LIST),
    24: f('priorityClassName', 'string'),
    25: f('priority', 'int32', KEEP),
    26: f('dnsConfig', 'PodDNSConfig'),
    28: f('readinessGates', 'PodReadinessGate', LIST),
    29: f('runtimeClassName', 'string', KEEP),
    30: f('enableServiceLinks', 'bool', KEEP),
    31: f('preemptionPolicy', 'string', KEEP),
    32: f('overhead', 'quantity', 'map'),
    33: f('topologySpreadConstraints', 'TopologySpreadConstraint', LIST),
    35: f('setHostnameAsFQDN', 'bool', KEEP),
    36: f('os', 'PodOS'),
    37: f('hostUsers', 'bool', KEEP),
    38: f('schedulingGates', 'PodSchedulingGate', LIST),
    39: f('resourceClaims', 'PodResourceClaim', LIST),
    40: f('resources', 'ResourceRequirements'),
    41: f('hostnameOverride', 'string', KEEP),
  },
  Container: {
    1: f('name', 'string', KEEP),
    2: f('image', 'string'),
    3: f('command', 'string', LIST),
    4: f('args', 'string', LIST),
    5: f('workingDir', 'string'),
    6: f('ports', 'ContainerPort', LIST),
    19: f('envFrom', 'EnvFromSource', LIST),
    7: f('env', 'EnvVar', LIST),
    8: f('resources', 'ResourceRequirements'),
    23: f('resizePolicy', 'ContainerResizePolicy', LIST),
    24: f('restartPolicy', 'string', KEEP),
    25: f('restartPolicyRules', 'opaque', LIST),
    9: f('volumeMounts', 'VolumeMount', LIST),
    21: f('volumeDevices', 'VolumeDevice', LIST),
    10: f('livenessProbe', 'Probe'),
    11: f('readinessProbe', 'Probe'),
    22: f('startupProbe', 'Probe'),
    12: f('lifecycle', 'Lifecycle'),
    13: f('terminationMessagePath', 'string'),
    20: f('terminationMessagePolicy', 'string'),
    14: f('imagePullPolicy', 'string'),
    15: f('securityContext', 'opaque'),
    16: f('stdin', 'bool'),
    17: f('stdinOnce', 'bool'),
    18: f('tty', 'bool'),
  },
  EnvVar: { 1: f('name', 'string', KEEP), 2: f('value', 'string'), 3: f('valueFrom', 'EnvVarSource') },
  EnvVarSource: {
    1: f('fieldRef', 'ObjectFieldSelector'),
    2: f('resourceFieldRef', 'ResourceFieldSelector'),
    3: f('configMapKeyRef', 'ConfigMapKeySelector'),
    4: f('secretKeyRef', 'SecretKeySelector'),
    5: f('fileKeyRef', 'FileKeySelector'),
  },
  ObjectFieldSelector: { 1: f('apiVersion', 'string'), 2: f('fieldPath', 'string', KEEP) },
  ResourceFieldSelector: {
    1: f('containerName', 'string'),
    2: f('resource', 'string', KEEP),
    3: f('divisor', 'quantity', KEEP),
  },
  ConfigMapKeySelector: {
    1: f('localObjectReference', 'LocalObjectReference', 'inline'),
    2: f('key', 'string', KEEP),
    3: f('optional', 'bool', KEEP),
  },
  SecretKeySelector: {
    1: f('localObjectReference', 'LocalObjectReference', 'inline'),
    2: f('key', 'string', KEEP),
    3: f('optional', 'bool', KEEP),
  },
  FileKeySelector: {
    1: f('volumeName', 'string', KEEP),
    2: f('path', 'string', KEEP),
    3: f('key', 'string', KEEP),
    4: f('optional', 'bool', KEEP),
  },
  EnvFromSource: {
    1: f('prefix', 'string'),
    2: f('configMapRef', 'ConfigMapEnvSource'),
    3: f('secretRef', 'SecretEnvSource'),
  },
  ConfigMapEnvSource: {
    1: f('localObjectReference', 'LocalObjectReference', 'inline'),
    2: f('optional', 'bool', KEEP),
  },
  SecretEnvSource: {
    1: f('localObjectReference', 'LocalObjectReference', 'inline'),
    2: f('optional', 'bool', KEEP),
  },
  LocalObjectReference: { 1: f('name', 'string') },
  ResourceRequirements: {
    1: f('limits', 'quantity', 'map'),
    2: f('requests', 'quantity', 'map'),
    3: f('claims', 'ResourceClaim', LIST),
  },
  ResourceClaim: { 1: f('name', 'string', KEEP), 2: f('request', 'string') },
  ContainerPort: {
    1: f('name', 'string'),
    2: f('hostPort', 'int32'),
    3: f('containerPort', 'int32', KEEP),
    4: f('protocol', 'string'),
    5: f('hostIP', 'string'),
  },
  VolumeMount: {
    1: f('name', 'string', KEEP),
    2: f('readOnly', 'bool'),
    7: f('recursiveReadOnly', 'string', KEEP),
    3: f('mountPath', 'string', KEEP),
    4: f('subPath', 'string'),
    5: f('mountPropagation', 'string', KEEP),
    6: f('subPathExpr', 'string'),
  },
  VolumeDevice: { 1: f('name', 'string', KEEP), 2: f('devicePath', 'string', KEEP) },
  Probe: {
    1: f('handler', 'ProbeHandler', 'inline'),
    2: f('initialDelaySeconds', 'int32'),
    3: f('timeoutSeconds', 'int32'),
    4: f('periodSeconds', 'int32'),
    5: f('successThreshold', 'int32'),
    6: f('failureThreshold', 'int32'),
    7: f('terminationGracePeriodSeconds', 'int64', KEEP),
  },
  ProbeHandler: {
    1: f('exec', 'ExecAction'),
    2: f('httpGet', 'HTTPGetAction'),
    3: f('tcpSocket', 'TCPSocketAction'),
    4: f('grpc', 'GRPCAction'),
  },
  ExecAction: { 1: f('command', 'string', LIST) },
  HTTPGetAction: {
    1: f('path', 'string'),
    2: f('port', 'intOrString', KEEP),
    3: f('host', 'string'),
    4: f('scheme', 'string'),
    5: f('httpHeaders', 'HTTPHeader', LIST),
  },
  HTTPHeader: { 1: f('name', 'string', KEEP), 2: f('value', 'string', KEEP) },
  TCPSocketAction: { 1: f('port', 'intOrString', KEEP), 2: f('host', 'string') },
  GRPCAction: { 1: f('port', 'int32', KEEP), 2: f('service', 'string', KEEP) },
  Lifecycle: {
    1: f('postStart', 'LifecycleHandler'),
    2: f('preStop', 'LifecycleHandler'),
    3: f('stopSignal', 'string', KEEP),
  },
  LifecycleHandler: {
    1: f('exec', 'ExecAction'),
    2: f('httpGet', 'HTTPGetAction'),
    3: f('tcpSocket', 'TCPSocketAction'),
    4: f('sleep', 'SleepAction'),
  },
  SleepAction: { 1: f('seconds', 'int64', KEEP) },
  ContainerResizePolicy: { 1: f('resourceName', 'string', KEEP), 2: f('restartPolicy', 'string', KEEP) },
  Volume: { 1: f('name', 'string', KEEP), 2: f('volumeSource', 'VolumeSource', 'inline') },
  // The volume's source, by name: jobctl mounts none of them (a warning), so what each holds is not decoded.
  VolumeSource: Object.fromEntries(
    [
      'hostPath',
      'emptyDir',
      'gcePersistentDisk',
      'awsElasticBlockStore',
      'gitRepo',
      'secret',
      'nfs',
      'iscsi',
      'glusterfs',
      'persistentVolumeClaim',
      'rbd',
      'flexVolume',
      'cinder',
      'cephfs',
      'flocker',
      'downwardAPI',
      'fc',
      'azureFile',
      'configMap',
      'vsphereVolume',
      'quobyte',
      'azureDisk',
      'photonPersistentDisk',
      'portworxVolume',
      'scaleIO',
      'projected',
      'storageos',
      'csi',
      'ephemeral',
      'image',
    ].map((name, i) => [i + 1, f(name, 'opaque')]),
  ),
  Toleration: {
    1: f('key', 'string'),
    2: f('operator', 'string'),
    3: f('value', 'string'),
    4: f('effect', 'string'),
    5: f('tolerationSeconds', 'int64', KEEP),
  },
  HostAlias: { 1: f('ip', 'string', KEEP), 2: f('hostnames', 'string', LIST) },
  PodDNSConfig: {
    1: f('nameservers', 'string', LIST),
    2: f('searches', 'string', LIST),
    3: f('options', 'PodDNSConfigOption', LIST),
  },
  PodDNSConfigOption: { 1: f('name', 'string'), 2: f('value', 'string', KEEP) },
  PodReadinessGate: { 1: f('conditionType', 'string', KEEP) },
  PodSchedulingGate: { 1: f('name', 'string', KEEP) },
  PodResourceClaim: {
    1: f('name', 'string', KEEP),
    3: f('resourceClaimName', 'string', KEEP),
    4: f('resourceClaimTemplateName', 'string', KEEP),
  },
  PodOS: { 1: f('name', 'string', KEEP) },
  TopologySpreadConstraint: {
    1: f('maxSkew', 'int32', KEEP),
    2: f('topologyKey', 'string', KEEP),
    3: f('whenUnsatisfiable', 'string', KEEP),
    4: f('labelSelector', 'LabelSelector'),
    5: f('minDomains', 'int32', KEEP),
    6: f('nodeAffinityPolicy', 'string', KEEP),
    7: f('nodeTaintsPolicy', 'string', KEEP),
    8: f('matchLabelKeys', 'string', LIST),
  },
};

/** The kinds whose protobuf bodies jobctl reads, by `apiVersion/kind`. */
const DECODED_KINDS: Readonly<Record<string, MessageName>> = { 'batch/v1/Job': 'Job', 'batch/v1/CronJob': 'CronJob' };

/**
 * A protobuf request body as the JSON object the same request would have carried: `kind`, `apiVersion`, then the
 * object's fields. 400 for a body that is not protobuf; 415 for a kind jobctl does not read this way, or a field the
 * tables do not know (named by its path and number).
 */
export function decodeProtobufObject(body: Uint8Array): Record<string, unknown> {
  if (body.length < MAGIC.length || MAGIC.some((byte, i) => body[i] !== byte))
    throw new ApiError(400, 'BadRequest', 'the protobuf body does not start with the Kubernetes prefix "k8s\\0"');
  const envelope = readEnvelope(new Reader(body, MAGIC.length, body.length, ''));
  const { apiVersion, kind } = envelope;
  const message = DECODED_KINDS[`${apiVersion}/${kind}`];
  if (message === undefined)
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `jobctl reads protobuf bodies of batch/v1 Jobs and CronJobs, not of ${apiVersion} ${kind || '(no kind)'}: ` +
        INSTEAD,
    );
  if (envelope.contentEncoding !== '')
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the protobuf body's content encoding "${envelope.contentEncoding}" is not supported: ${INSTEAD}`,
    );
  const raw = envelope.raw;
  return { kind, apiVersion, ...decodeMessage(new Reader(raw, 0, raw.length, ''), message) };
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
}

/** `runtime.Unknown` {1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}. */
function readEnvelope(r: Reader): Envelope {
  const out: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(), contentEncoding: '' };
  while (!r.done()) {
    const { number, wire } = r.tag();
    if (number === 1) {
      const meta = r.sub(wire, number);
      while (!meta.done()) {
        const t = meta.tag();
        if (t.number === 1) out.apiVersion = meta.string(t.wire, t.number);
        else if (t.number === 2) out.kind = meta.string(t.wire, t.number);
        else meta.unknown(t.wire, t.number, 'TypeMeta');
      }
    } else if (number === 2) out.raw = r.bytes(wire, number);
    else if (number === 3) out.contentEncoding = r.string(wire, number);
    // 4 contentType: `raw` is the object's protobuf message whatever it says.
    else if (number === 4) r.string(wire, number);
    else r.unknown(wire, number, 'Unknown');
  }
  return out;
}

/** The message `type` in `r`, into `into` (the parent object, for an inline field). */
function decodeMessage(r: Reader, type: MessageName, into: Record<string, unknown> = {}): Record<string, unknown> {
  const fields = MESSAGES[type];
  const path = r.path;
  while (!r.done()) {
    const { number, wire } = r.tag();
    const field = fields[number];
    if (field === undefined) {
      r.unknown(wire, number, type);
      continue;
    }
    const at = path === '' ? field.name : `${path}.${field.name}`;
    if (field.skip) r.skip(wire);
    else if (field.inline) decodeMessage(r.sub(wire, number), field.type as MessageName, into);
    else if (field.map) {
      into[field.name] ??= {};
      const map = into[field.name] as Record<string, unknown>;
      const entry = r.sub(wire, number, at);
      let key = '';
      let value: unknown = field.type === 'quantity' ? '0' : '';
      while (!entry.done()) {
        const t = entry.tag();
        if (t.number === 1) key = entry.string(t.wire, t.number);
        else if (t.number === 2) value = readValue(entry, t.wire, t.number, field.type, `${at}[${key}]`);
        else entry.unknown(t.wire, t.number, `${type}.${field.name} entry`);
      }
      // Defined, not assigned: a key `__proto__` is a key, as JSON.parse makes it.
      Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
    } else if (field.repeated) {
      into[field.name] ??= [];
      const list = into[field.name] as unknown[];
      if (wire === WIRE_BYTES && isVarint(field.type)) {
        // Packed: gogo writes proto2 repeated scalars unpacked, but a decoder must take both.
        const packed = r.sub(wire, number, at);
        while (!packed.done()) list.push(readValue(packed, WIRE_VARINT, number, field.type, at));
      } else list.push(readValue(r, wire, number, field.type, `${at}[${list.length}]`));
    } else {
      const value = readValue(r, wire, number, field.type, at);
      if (value === undefined || (!field.keep && (value === '' || value === 0 || value === false)))
        delete into[field.name];
      else into[field.name] = value;
    }
  }
  return into;
}

/** One value of `type`; undefined for a zero Time, which Go's JSON writes as null. */
function readValue(r: Reader, wire: number, number: number, type: FieldType, path: string): unknown {
  switch (type) {
    case 'string':
      return r.string(wire, number);
    case 'int32':
      return Number(BigInt.asIntN(32, r.varint(wire, number)));
    case 'int64':
      return Number(BigInt.asIntN(64, r.varint(wire, number)));
    case 'bool':
      return r.varint(wire, number) !== 0n;
    case 'time':
      return readTime(r.sub(wire, number, path));
    case 'quantity': {
      // resource.Quantity {1 string}; Go's zero Quantity is "0" in JSON.
      const q = r.sub(wire, number, path);
      let text = '';
      while (!q.done()) {
        const t = q.tag();
        if (t.number === 1) text = q.string(t.wire, t.number);
        else q.unknown(t.wire, t.number, 'Quantity');
      }
      return text === '' ? '0' : text;
    }
    case 'intOrString': {
      // intstr.IntOrString {1 type (0 int, 1 string), 2 intVal, 3 strVal}.
      const v = r.sub(wire, number, path);
      let kind = 0n;
      let intVal = 0;
      let strVal = '';
      while (!v.done()) {
        const t = v.tag();
        if (t.number === 1) kind = v.varint(t.wire, t.number);
        else if (t.number === 2) intVal = Number(BigInt.asIntN(32, v.varint(t.wire, t.number)));
        else if (t.number === 3) strVal = v.string(t.wire, t.number);
        else v.unknown(t.wire, t.number, 'IntOrString');
      }
      return kind === 1n ? strVal : intVal;
    }
    case 'opaque': {
      const size = r.bytes(wire, number).length;
      return size === 0 ? {} : { '(protobuf)': `${size} bytes, not decoded by jobctl` };
    }
    default:
      return decodeMessage(r.sub(wire, number, path), type);
  }
}

/** meta/v1 Time, as Go unmarshals it: empty is the zero time (null); else whole seconds (nanos are dropped). */
function readTime(r: Reader): string | undefined {
  if (r.done()) return undefined;
  let seconds = 0n;
  while (!r.done()) {
    const t = r.tag();
    if (t.number === 1) seconds = BigInt.asIntN(64, r.varint(t.wire, t.number));
    else if (t.number === 2) r.varint(t.wire, t.number);
    else r.unknown(t.wire, t.number, 'Time');
  }
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) throw malformed(r.path, `time ${seconds} is out of range`);
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const isVarint = (type: FieldType) => type === 'int32' || type === 'int64' || type === 'bool';

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

function malformed(path: string, detail: string): ApiError {
  return new ApiError(
    400,
    'BadRequest',
    `the protobuf body is malformed${path === '' ? '' : ` at ${path}`}: ${detail}`,
  );
}

/** The protobuf wire format over `buf[pos, end)`. */
class Reader {
  private static readonly utf8 = new TextDecoder();

  constructor(
    private readonly buf: Uint8Array,
    private pos: number,
    private readonly end: number,
    readonly path: string,
  ) {}

  done(): boolean {
    return this.pos >= this.end;
  }

  tag(): { number: number; wire: number } {
    const key = this.varint(WIRE_VARINT, 0);
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (number < 1 || number > 536_870_911) throw malformed(this.path, `field number ${number}`);
    return { number, wire };
  }

  varint(wire: number, number: number): bigint {
    this.expect(wire, WIRE_VARINT, number);
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.end) throw malformed(this.path, 'truncated varint');
      const byte = this.buf[this.pos++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, value);
    }
    throw malformed(this.path, 'varint longer than 10 bytes');
  }

  bytes(wire: number, number: number): Uint8Array {
    this.expect(wire, WIRE_BYTES, number);
    const length = Number(this.varint(WIRE_VARINT, number));
    if (length > this.end - this.pos) throw malformed(this.path, `field ${number} runs past the end of its message`);
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  string(wire: number, number: number): string {
    return Reader.utf8.decode(this.bytes(wire, number));
  }

  /** A reader over the length-delimited field here. */
  sub(wire: number, number: number, path = this.path): Reader {
    const bytes = this.bytes(wire, number);
    return new Reader(bytes, 0, bytes.length, path);
  }

  /** Skips a value; true when it was a zero (0, empty), which gogo writes for a non-pointer field left unset. */
  skip(wire: number): boolean {
    switch (wire) {
      case WIRE_VARINT:
        return this.varint(wire, 0) === 0n;
      case WIRE_BYTES:
        return this.bytes(wire, 0).length === 0;
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const size = wire === WIRE_FIXED64 ? 8 : 4;
        if (size > this.end - this.pos) throw malformed(this.path, 'truncated fixed-size value');
        const zero = this.buf.subarray(this.pos, this.pos + size).every((b) => b === 0);
        this.pos += size;
        return zero;
      }
      default:
        throw malformed(this.path, `wire type ${wire} is not supported`);
    }
  }

  /** A field the tables do not have: dropped when zero (a newer client's unset field), else refused by name. */
  unknown(wire: number, number: number, type: string): void {
    if (this.skip(wire)) return;
    const where = this.path === '' ? 'the top level' : this.path;
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the protobuf body sets field ${number} of ${type} at ${where}, which jobctl cannot decode: ${INSTEAD}`,
    );
  }

  private expect(wire: number, expected: number, number: number): void {
    if (wire !== expected) throw malformed(this.path, `field ${number} has wire type ${wire}, expected ${expected}`);
  }
}
