import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationErrors } from '../../../src/errors.ts';
import {
  decodeProtobufObject,
  type FieldType,
  isProtobuf,
  MESSAGES,
  type MessageName,
} from '../../../src/kube-api/protobuf.ts';
import { ApiError } from '../../../src/kube-api/status.ts';
import { validateManifest } from '../../../src/spec/load.ts';

/*
 * Protobuf request bodies (kubectl ≥ 1.32's `create job --from`, `create job`, `create cronjob`): the bodies kubectl
 * 1.32 really sent (test/fixtures/kubectl-protobuf, with how they were captured), and bodies this file encodes from
 * the decoder's own tables the way gogo does (every non-pointer field written, zero or not).
 */

type Obj = Record<string, unknown>;

// ---- A gogo-like encoder over the decoder's tables -------------------------------------------------------------

function varint(value: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? byte | 0x80 : byte);
  } while (v > 0n);
  return out;
}

const key = (number: number, wire: number) => varint((number << 3) | wire);
const lengthDelimited = (number: number, bytes: readonly number[]) => [
  ...key(number, 2),
  ...varint(bytes.length),
  ...bytes,
];
const utf8 = (text: string) => [...Buffer.from(text, 'utf8')];

/** One value of `type` as field `number`. Opaque values are given as their raw bytes (a Uint8Array). */
function encodeValue(number: number, type: FieldType, value: unknown): number[] {
  switch (type) {
    case 'string':
      return lengthDelimited(number, utf8(value as string));
    case 'int32':
    case 'int64':
      return [...key(number, 0), ...varint(value as number)];
    case 'bool':
      return [...key(number, 0), value ? 1 : 0];
    case 'time':
      return lengthDelimited(
        number,
        value === undefined ? [] : [...key(1, 0), ...varint(Date.parse(value as string) / 1000)],
      );
    case 'quantity':
      return lengthDelimited(number, lengthDelimited(1, utf8(value as string)));
    case 'intOrString':
      return lengthDelimited(
        number,
        typeof value === 'number'
          ? [...key(1, 0), 0, ...key(2, 0), ...varint(value)]
          : [...key(1, 0), 1, ...lengthDelimited(3, utf8(value as string))],
      );
    case 'opaque':
      return lengthDelimited(number, value instanceof Uint8Array ? [...value] : []);
    default:
      return lengthDelimited(number, encodeMessage(value as Obj, type));
  }
}

const ZERO: Partial<Record<FieldType, unknown>> = { string: '', int32: 0, int64: 0, bool: false };

/** `obj` as the message `type`, fields in number order, with gogo's zeros for unset non-pointer scalars and Times. */
function encodeMessage(obj: Obj, type: MessageName): number[] {
  const out: number[] = [];
  const fields = Object.entries(MESSAGES[type]).sort(([a], [b]) => Number(a) - Number(b));
  for (const [n, field] of fields) {
    const number = Number(n);
    const value = obj[field.name];
    if (field.inline) out.push(...lengthDelimited(number, encodeMessage(obj, field.type as MessageName)));
    else if (value === undefined) {
      if (field.type === 'time' && !field.keep) out.push(...lengthDelimited(number, []));
      else if (!field.keep && !field.repeated && !field.map && field.type in ZERO)
        out.push(...encodeValue(number, field.type, ZERO[field.type]));
    } else if (field.map)
      for (const [k, v] of Object.entries(value as Obj))
        out.push(...lengthDelimited(number, [...lengthDelimited(1, utf8(k)), ...encodeValue(2, field.type, v)]));
    else if (field.repeated) for (const item of value as unknown[]) out.push(...encodeValue(number, field.type, item));
    else out.push(...encodeValue(number, field.type, value));
  }
  return out;
}

/** A whole request body: `k8s\0` and a runtime.Unknown around the object's message `raw`. */
function envelope(raw: readonly number[], apiVersion: string, kind: string): Uint8Array {
  const typeMeta = [...lengthDelimited(1, utf8(apiVersion)), ...lengthDelimited(2, utf8(kind))];
  return Uint8Array.from([
    ...utf8('k8s\0'),
    ...lengthDelimited(1, typeMeta),
    ...lengthDelimited(2, raw),
    ...lengthDelimited(3, []),
    ...lengthDelimited(4, []),
  ]);
}

/** `obj` (a Job or CronJob) as kubectl would send it. */
function body(obj: Obj, apiVersion = 'batch/v1', kind = String(obj['kind'])): Uint8Array {
  const { kind: _k, apiVersion: _a, ...rest } = obj;
  return envelope(kind === 'Job' || kind === 'CronJob' ? encodeMessage(rest, kind) : [], apiVersion, kind);
}

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** What the validator makes of an object: its warnings, or its errors (sorted: key order is not the point). */
function validated(obj: Obj): { warnings?: string[]; errors?: string[] } {
  try {
    return {
      warnings: validateManifest(obj, 'x')
        .warnings.map((w) => `${w.path}: ${w.message}`)
        .sort(),
    };
  } catch (error) {
    if (!(error instanceof ValidationErrors)) throw error;
    return { errors: error.errors.map((e) => `${e.path}: ${e.detail}`).sort() };
  }
}

// ---- Objects ---------------------------------------------------------------------------------------------------

const container = {
  name: 'work',
  image: 'busybox:1.36',
  command: ['/bin/sh', '-c'],
  args: ['echo $GREETING'],
  workingDir: '/tmp',
  env: [{ name: 'GREETING', value: 'hello' }, { name: 'EMPTY' }],
  resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m', 'ephemeral-storage': '1Gi' } },
  imagePullPolicy: 'IfNotPresent',
};

/** Every field jobctl honours in a Job (spec/schema.ts), pointer zeros among them. */
const job: Obj = {
  kind: 'Job',
  apiVersion: 'batch/v1',
  metadata: {
    name: 'pi',
    namespace: 'default',
    labels: { app: 'pi' },
    annotations: { note: 'a b', empty: '' },
    ownerReferences: [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        name: 'hello',
        uid: 'u-1',
        controller: true,
        blockOwnerDeletion: false,
      },
    ],
  },
  spec: {
    parallelism: 2,
    completions: 4,
    activeDeadlineSeconds: 600,
    backoffLimit: 0,
    backoffLimitPerIndex: 1,
    maxFailedIndexes: 0,
    ttlSecondsAfterFinished: 0,
    completionMode: 'Indexed',
    suspend: false,
    template: {
      metadata: { labels: { app: 'pi' }, annotations: { a: 'b' } },
      spec: {
        containers: [container],
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 0,
        nodeSelector: { 'kubernetes.io/arch': 'arm64' },
      },
    },
  },
};

const cronJob: Obj = {
  kind: 'CronJob',
  apiVersion: 'batch/v1',
  metadata: { name: 'hello', labels: { team: 'a' } },
  spec: {
    schedule: '*/5 * * * *',
    timeZone: 'Europe/Paris',
    startingDeadlineSeconds: 30,
    concurrencyPolicy: 'Forbid',
    suspend: true,
    successfulJobsHistoryLimit: 0,
    failedJobsHistoryLimit: 2,
    jobTemplate: {
      metadata: { labels: { app: 'hello' } },
      spec: {
        backoffLimit: 3,
        template: { metadata: {}, spec: { containers: [container], restartPolicy: 'OnFailure' } },
      },
    },
  },
};

// ---- Tests -----------------------------------------------------------------------------------------------------

describe('protobuf bodies kubectl 1.32 sent (test/fixtures/kubectl-protobuf)', () => {
  const fixture = (name: string) =>
    Buffer.from(readFileSync(`test/fixtures/kubectl-protobuf/${name}.b64`, 'utf8').trim(), 'base64');

  it('create job manual-1 --from=cronjob/hello: the annotation, the owner, the template and the defaults', () => {
    expect(decodeProtobufObject(fixture('job-from-cronjob'))).toEqual({
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: {
        name: 'manual-1',
        annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: 'hello',
            uid: '0b7e1c55-1111-4222-8333-944455556666',
            controller: true,
          },
        ],
      },
      spec: {
        parallelism: 1,
        completions: 1,
        backoffLimit: 6,
        completionMode: 'NonIndexed',
        suspend: false,
        template: {
          metadata: {},
          spec: {
            containers: [
              {
                name: 'hello',
                image: 'busybox',
                command: ['/bin/sh', '-c', 'date; echo Hello from the Kubernetes cluster'],
                resources: {},
                imagePullPolicy: 'IfNotPresent',
              },
            ],
            restartPolicy: 'OnFailure',
          },
        },
      },
    });
  });

  it('create job j --image=busybox -- echo hi', () => {
    expect(decodeProtobufObject(fixture('job-image'))).toEqual({
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: { name: 'j' },
      spec: {
        template: {
          metadata: {},
          spec: {
            containers: [{ name: 'j', image: 'busybox', command: ['echo', 'hi'], resources: {} }],
            restartPolicy: 'Never',
          },
        },
      },
    });
  });

  it('create cronjob hi --image=busybox --schedule=…: and the decoded objects validate with no warning', () => {
    const decoded = decodeProtobufObject(fixture('cronjob-image'));
    expect(decoded).toEqual({
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      metadata: { name: 'hi' },
      spec: {
        schedule: '*/5 * * * *',
        jobTemplate: {
          metadata: { name: 'hi' },
          spec: {
            template: {
              metadata: {},
              spec: {
                containers: [{ name: 'hi', image: 'busybox', command: ['echo', 'hi'], resources: {} }],
                restartPolicy: 'OnFailure',
              },
            },
          },
        },
      },
    });
    for (const name of ['job-from-cronjob', 'job-image', 'cronjob-image'])
      expect(validated(decodeProtobufObject(fixture(name)))).toEqual({ warnings: [] });
  });
});

describe('decodeProtobufObject over bodies encoded from its tables', () => {
  it('gives back every field jobctl honours in a Job, pointer zeros kept and gogo zeros of the rest dropped', () => {
    expect(decodeProtobufObject(body(job))).toEqual(job);
  });

  it('gives back every field jobctl honours in a CronJob', () => {
    expect(decodeProtobufObject(body(cronJob))).toEqual(cronJob);
  });

  it('writes Time as RFC 3339 (whole seconds) and leaves the zero Time out, as JSON has it null', () => {
    const withTimes = { ...job, metadata: { name: 'pi', deletionTimestamp: '2026-03-02T10:00:30Z' } };
    const decoded = decodeProtobufObject(body(withTimes)) as { metadata: Obj };
    expect(decoded.metadata).toEqual({ name: 'pi', deletionTimestamp: '2026-03-02T10:00:30Z' });
    expect('creationTimestamp' in decoded.metadata).toBe(false);
  });

  it('keeps a map key `__proto__` as a key, as JSON.parse does', () => {
    const labelled = { ...job, metadata: JSON.parse('{"name":"pi","labels":{"__proto__":"x","a":"b"}}') as Obj };
    const labels = (decodeProtobufObject(body(labelled)) as { metadata: { labels: Obj } }).metadata.labels;
    expect(Object.keys(labels)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
  });

  it('reads IntOrString (probe ports) as a number or a string, and decodes the probes jobctl warns about', () => {
    const probed = structuredClone(job) as { spec: { template: { spec: { containers: Obj[] } } } };
    probed.spec.template.spec.containers[0]!['livenessProbe'] = {
      httpGet: { path: '/healthz', port: 8080, httpHeaders: [{ name: 'X', value: '' }] },
      periodSeconds: 5,
    };
    probed.spec.template.spec.containers[0]!['readinessProbe'] = { tcpSocket: { port: 'http' } };
    expect(decodeProtobufObject(body(probed as Obj))).toEqual(probed);
  });

  it('refuses an unknown field that is set (415), naming where it is; an unknown zero field is dropped', () => {
    // A Job whose one container carries `extra` after its own fields (a field from a newer Kubernetes).
    const withContainerField = (extra: number[]) => {
      const container = [...encodeMessage({ name: 'c', image: 'busybox' }, 'Container'), ...extra];
      const template = lengthDelimited(2, lengthDelimited(2, container)); // PodTemplateSpec.spec.containers
      return envelope(
        [...lengthDelimited(1, lengthDelimited(1, utf8('x'))), ...lengthDelimited(2, lengthDelimited(6, template))],
        'batch/v1',
        'Job',
      );
    };
    const error = refusal(() => decodeProtobufObject(withContainerField(lengthDelimited(99, utf8('set')))));
    expect(error).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
    expect(error.message).toBe(
      'the protobuf body sets field 99 of Container at spec.template.spec.containers[0], which jobctl cannot ' +
        'decode: send the object as JSON (kubectl create -f FILE), or use jobctl create job NAME --from=cronjob/NAME',
    );
    const zeros = [...lengthDelimited(99, []), ...key(98, 0), 0];
    expect(decodeProtobufObject(withContainerField(zeros))).toEqual({
      kind: 'Job',
      apiVersion: 'batch/v1',
      metadata: { name: 'x' },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
  });

  it('refuses kinds other than batch/v1 Job and CronJob (415), and bodies not in Kubernetes protobuf (400)', () => {
    const namespace = refusal(() => decodeProtobufObject(body({ metadata: { name: 'x' } }, 'v1', 'Namespace')));
    expect(namespace).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
    expect(namespace.message).toMatch(
      /^jobctl reads protobuf bodies of batch\/v1 Jobs and CronJobs, not of v1 Namespace/,
    );
    expect(refusal(() => decodeProtobufObject(Buffer.from('{"kind":"Job"}')))).toMatchObject({ code: 400 });
    const truncated = body(job).subarray(0, 60);
    expect(refusal(() => decodeProtobufObject(truncated))).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  it('leaves what jobctl reports to the validator, which says of it what it says of the same object in JSON', () => {
    const pod = (o: Obj) => (o as { spec: { template: { spec: Obj } } }).spec.template.spec;
    const asJson = structuredClone(job);
    Object.assign(pod(asJson), {
      volumes: [{ name: 'data', emptyDir: {} }],
      tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
      dnsPolicy: 'ClusterFirst',
      os: { name: 'linux' },
      priority: 0,
      hostNetwork: false,
      securityContext: { runAsUser: 1000 },
      affinity: {},
    });
    const asProtobuf = structuredClone(asJson);
    // Opaque on the wire: the raw bytes of PodSecurityContext {2 runAsUser: 1000}, of an empty VolumeSource.emptyDir.
    Object.assign(pod(asProtobuf), {
      securityContext: Uint8Array.from([0x10, 0xe8, 0x07]),
      affinity: new Uint8Array(),
      volumes: [{ name: 'data', emptyDir: new Uint8Array() }],
    });
    const decoded = decodeProtobufObject(body(asProtobuf));
    expect(pod(decoded)['volumes']).toEqual([{ name: 'data', emptyDir: {} }]);
    expect(pod(decoded)['hostNetwork']).toBeUndefined();
    expect(validated(decoded)).toEqual(validated(asJson));
    expect(validated(decoded).warnings).toEqual([
      expect.stringMatching(/^spec\.template\.spec\.securityContext: /),
      expect.stringMatching(/^spec\.template\.spec\.tolerations: /),
      expect.stringMatching(/^spec\.template\.spec\.volumes: not mounted/),
    ]);

    const refused = structuredClone(asJson);
    (pod(refused)['containers'] as Obj[])[0]!['env'] = [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'x' } } }];
    expect(validated(decodeProtobufObject(body(refused)))).toEqual(validated(refused));
    expect(validated(refused).errors).toEqual([expect.stringMatching(/^spec\.template\.spec\.containers\[0\]\.env/)]);
  });
});

describe('isProtobuf', () => {
  it('is the media type, whatever its parameters and case', () => {
    expect(isProtobuf('application/vnd.kubernetes.protobuf')).toBe(true);
    expect(isProtobuf('Application/VND.kubernetes.protobuf; charset=x')).toBe(true);
    expect(isProtobuf('application/json')).toBe(false);
    expect(isProtobuf(undefined)).toBe(false);
  });
});
