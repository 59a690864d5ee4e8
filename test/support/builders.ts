/**
 * Test-data builders: valid, defaulted Kubernetes objects with only what a test cares about overridden.
 * Sections are owned by the tests that use them; keep each section's helpers together.
 */
import type {
  ConcurrencyPolicy,
  CronJob,
  Job,
  JobConditionType,
  JobSpec,
  Labels,
  ObjectReference,
} from '../../src/spec/types.ts';

// ---------------------------------------------------------------------------------------------------------------------
// CronJob controller builders (test/unit/engine/cronjob-*.test.ts, schedule-times.test.ts)
// ---------------------------------------------------------------------------------------------------------------------

/** RFC 3339 with second precision, as the API serves times (`2016-05-19T10:00:00Z`). */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Epoch ms of an RFC 3339 string; shorthand for tables. */
export function at(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`test setup: bad time ${iso}`);
  return ms;
}

/** The JobSpec of Kubernetes' controller tests (`jobSpec()` in cronjob_controllerv2_test.go), defaulted. */
export function aJobSpec(overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    parallelism: 1,
    completions: 1,
    backoffLimit: 6,
    completionMode: 'NonIndexed',
    suspend: false,
    template: {
      metadata: { labels: { foo: 'bar' } },
      spec: { containers: [{ name: 'main', image: 'foo/bar' }], restartPolicy: 'OnFailure' },
    },
    ...overrides,
  };
}

/** What a test may set on {@link aCronJob}; times are epoch ms. */
export interface CronJobOverrides {
  name?: string;
  namespace?: string;
  uid?: string;
  /** Epoch ms. */
  creationTimestamp?: number;
  schedule?: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: ConcurrencyPolicy;
  suspend?: boolean;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  templateLabels?: Labels;
  templateAnnotations?: Labels;
  active?: ObjectReference[];
  /** Epoch ms. */
  lastScheduleTime?: number;
  /** Epoch ms. */
  lastSuccessfulTime?: number;
}

/**
 * A stored, defaulted CronJob shaped like Kubernetes' `cronJob()` test fixture: `mycronjob` in `snazzycats`, uid
 * `1a2b3c`, created 2016-05-19T09:59:00Z, `* * * * ?`, Allow, template labels `{a: b}` and annotations `{x: y}`.
 */
export function aCronJob(o: CronJobOverrides = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: o.name ?? 'mycronjob',
      namespace: o.namespace ?? 'snazzycats',
      uid: o.uid ?? '1a2b3c',
      creationTimestamp: rfc3339(o.creationTimestamp ?? at('2016-05-19T09:59:00Z')),
    },
    spec: {
      schedule: o.schedule ?? '* * * * ?',
      ...(o.timeZone === undefined ? {} : { timeZone: o.timeZone }),
      ...(o.startingDeadlineSeconds === undefined ? {} : { startingDeadlineSeconds: o.startingDeadlineSeconds }),
      concurrencyPolicy: o.concurrencyPolicy ?? 'Allow',
      suspend: o.suspend ?? false,
      jobTemplate: {
        metadata: { labels: o.templateLabels ?? { a: 'b' }, annotations: o.templateAnnotations ?? { x: 'y' } },
        spec: aJobSpec(),
      },
      successfulJobsHistoryLimit: o.successfulJobsHistoryLimit ?? 3,
      failedJobsHistoryLimit: o.failedJobsHistoryLimit ?? 1,
    },
    status: {
      active: o.active ?? [],
      ...(o.lastScheduleTime === undefined ? {} : { lastScheduleTime: rfc3339(o.lastScheduleTime) }),
      ...(o.lastSuccessfulTime === undefined ? {} : { lastSuccessfulTime: rfc3339(o.lastSuccessfulTime) }),
    },
  };
}

/** What a test may set on {@link aJob}; times are epoch ms. */
export interface JobOverrides {
  name?: string;
  namespace?: string;
  uid?: string;
  /** The CronJob whose controller ownerReference the Job carries; none when omitted. */
  owner?: CronJob;
  /** Overrides the owner's uid in the ownerReference (a Job of an earlier CronJob with the same name). */
  ownerUid?: string;
  /** Epoch ms. */
  creationTimestamp?: number;
  /** Epoch ms. */
  startTime?: number;
  /** Epoch ms. */
  completionTime?: number;
  /** A terminal condition with status True. */
  finished?: Extract<JobConditionType, 'Complete' | 'Failed'>;
}

/**
 * A Job; with `owner` it is that CronJob's child, named `<cronjob>-<unix minutes of creationTimestamp>` unless `name`
 * is given.
 */
export function aJob(o: JobOverrides = {}): Job {
  const createdMs = o.creationTimestamp ?? at('2016-05-19T09:01:00Z');
  const namespace = o.namespace ?? o.owner?.metadata.namespace ?? 'snazzycats';
  const name = o.name ?? `${o.owner?.metadata.name ?? 'job'}-${Math.floor(createdMs / 60_000)}`;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace,
      uid: o.uid ?? `uid-${name}`,
      creationTimestamp: rfc3339(createdMs),
      ...(o.owner === undefined
        ? {}
        : {
            ownerReferences: [
              {
                apiVersion: 'batch/v1',
                kind: 'CronJob',
                name: o.owner.metadata.name,
                uid: o.ownerUid ?? o.owner.metadata.uid ?? '',
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          }),
    },
    spec: aJobSpec(),
    status: {
      ...(o.startTime === undefined ? {} : { startTime: rfc3339(o.startTime) }),
      ...(o.completionTime === undefined ? {} : { completionTime: rfc3339(o.completionTime) }),
      active: o.finished === undefined ? 1 : 0,
      succeeded: o.finished === 'Complete' ? 1 : 0,
      failed: o.finished === 'Failed' ? 1 : 0,
      conditions: o.finished === undefined ? [] : [{ type: o.finished, status: 'True' }],
    },
  };
}

/** The `status.active` entry for a Job (Kubernetes `getRef`). */
export function refTo(job: Job): ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: job.metadata.name,
    namespace: job.metadata.namespace,
    uid: job.metadata.uid ?? '',
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Job controller builders (test/unit/engine/job-*.test.ts, pod-*.test.ts, task-exit.test.ts)
// ---------------------------------------------------------------------------------------------------------------------

import type { CompletionMode, ContainerStatus, Pod, PodPhase, RestartPolicy } from '../../src/spec/types.ts';

/** What a Job controller test may set on {@link aBatchJob}; times are epoch ms. */
export interface BatchJobOverrides {
  name?: string;
  uid?: string;
  /** Unset: a work-queue Job (completions nil), as `-1` in Kubernetes' `newJob`. */
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
  completionMode?: CompletionMode;
  restartPolicy?: RestartPolicy;
  suspend?: boolean;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  /** Epoch ms. */
  startTime?: number;
  active?: number;
  /** `status.ready`; unset by default, as on a Job no sync has written yet. */
  ready?: number;
  succeeded?: number;
  failed?: number;
  completedIndexes?: string;
  conditions?: Job['status']['conditions'];
}

/**
 * A stored Job shaped like Kubernetes' `newJob(parallelism, completions, backoffLimit, mode)` in
 * job_controller_test.go: `foobar` in `default`, template labels `{foo: bar}`, one container `foo/bar`, restartPolicy
 * Never.
 */
export function aBatchJob(o: BatchJobOverrides = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: o.name ?? 'foobar', namespace: 'default', uid: o.uid ?? 'foobar-uid' },
    spec: {
      template: {
        metadata: { labels: { foo: 'bar' } },
        spec: { containers: [{ name: 'main', image: 'foo/bar' }], restartPolicy: o.restartPolicy ?? 'Never' },
      },
      ...(o.completions === undefined ? {} : { completions: o.completions }),
      parallelism: o.parallelism ?? 1,
      backoffLimit: o.backoffLimit ?? 6,
      completionMode: o.completionMode ?? 'NonIndexed',
      suspend: o.suspend ?? false,
      ...(o.activeDeadlineSeconds === undefined ? {} : { activeDeadlineSeconds: o.activeDeadlineSeconds }),
      ...(o.ttlSecondsAfterFinished === undefined ? {} : { ttlSecondsAfterFinished: o.ttlSecondsAfterFinished }),
    },
    status: {
      ...(o.startTime === undefined ? {} : { startTime: rfc3339(o.startTime) }),
      active: o.active ?? 0,
      ...(o.ready === undefined ? {} : { ready: o.ready }),
      succeeded: o.succeeded ?? 0,
      failed: o.failed ?? 0,
      ...(o.completedIndexes === undefined ? {} : { completedIndexes: o.completedIndexes }),
      conditions: o.conditions ?? [],
    },
  };
}

/** What a test may set on {@link aJobPod}; times are epoch ms. */
export interface JobPodOverrides {
  phase?: PodPhase;
  /** Completion index annotation (Indexed Jobs); a string so tests can give invalid ones. */
  index?: string;
  /**
   * When a Succeeded or Failed pod's container finished. @default 1 s after the Unix epoch, long past (Kubernetes'
   * `testFinishedAt`)
   */
  finishedAt?: number;
  /** OnFailure pods: the container restart count. */
  restartCount?: number;
  /** OnFailure: the pod waits in CrashLoopBackOff after a crash at this time. */
  crashedAt?: number;
  /** The controller asked the task to stop (`applyStopRequest`). */
  stopReason?: string;
  /** `jobctl.dev/pod-sequence`. */
  sequence?: number;
  /** The Job uid in the pod's controller ownerReference. @default the Job's */
  ownerUid?: string;
  /**
   * A Running pod is ready (its container started, `isPodReady`); `false` leaves the container waiting, as
   * Kubernetes' test pods without a Ready condition. @default true
   */
  ready?: boolean;
  /** A Running pod's container start. @default the Unix epoch */
  startedAt?: number;
  /** `metadata.creationTimestamp`. @default the Unix epoch */
  createdAt?: number;
}

let podCounter = 0;

/** A pod of `job` (Kubernetes' `newPodList` / `setPodsStatusesWithIndexes`), with a unique name. */
export function aJobPod(job: Job, o: JobPodOverrides = {}): Pod {
  podCounter += 1;
  const name = `${job.metadata.name}-pod-${podCounter}`;
  const phase = o.phase ?? 'Running';
  const finishedAt = rfc3339(o.finishedAt ?? 1000);
  let containerStatus: ContainerStatus | undefined;
  if (phase === 'Succeeded' || phase === 'Failed') {
    containerStatus = {
      name: 'main',
      image: 'foo/bar',
      restartCount: o.restartCount ?? 0,
      state: {
        terminated: {
          exitCode: phase === 'Succeeded' ? 0 : 1,
          reason: phase === 'Succeeded' ? 'Completed' : 'Error',
          finishedAt,
        },
      },
    };
  } else if (o.crashedAt !== undefined) {
    containerStatus = {
      name: 'main',
      image: 'foo/bar',
      restartCount: o.restartCount ?? 1,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: rfc3339(o.crashedAt) } },
    };
  } else if (phase === 'Running') {
    containerStatus = {
      name: 'main',
      image: 'foo/bar',
      restartCount: o.restartCount ?? 0,
      state:
        o.ready === false
          ? { waiting: { reason: 'ContainerCreating' } }
          : { running: { startedAt: rfc3339(o.startedAt ?? 0) } },
    };
  } else if (o.restartCount !== undefined) {
    containerStatus = {
      name: 'main',
      image: 'foo/bar',
      restartCount: o.restartCount,
      state: { waiting: { reason: 'ContainerCreating' } },
    };
  }
  const annotations: Record<string, string> = {
    ...(o.index === undefined ? {} : { 'batch.kubernetes.io/job-completion-index': o.index }),
    ...(o.sequence === undefined ? {} : { 'jobctl.dev/pod-sequence': String(o.sequence) }),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: job.metadata.namespace,
      uid: `uid-${name}`,
      creationTimestamp: rfc3339(o.createdAt ?? 0),
      labels: { foo: 'bar', 'job-name': job.metadata.name },
      annotations,
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: job.metadata.name,
          uid: o.ownerUid ?? job.metadata.uid ?? '',
          controller: true,
        },
      ],
    },
    spec: { ...job.spec.template.spec },
    status: {
      phase,
      ...(o.stopReason === undefined ? {} : { reason: o.stopReason }),
      ...(containerStatus === undefined ? {} : { containerStatuses: [containerStatus] }),
    },
  };
}

/** `n` pods of `job` with the same overrides (Kubernetes' `newPodList(count, phase, job)`). */
export function jobPods(job: Job, n: number, o: JobPodOverrides = {}): Pod[] {
  return Array.from({ length: n }, () => aJobPod(job, o));
}
