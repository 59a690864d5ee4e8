import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  asServed,
  describeObject,
  noResourcesMessage,
  renderObjects,
  renderWatchRow,
  resourceName,
  TabWriter,
  cronJobRow,
  jobRow,
  podRow,
  podQosClass,
} from '../../../src/cli/printers/index.ts';
import type { ContainerStatus, CronJob, Job, KubeEvent, Pod, ResourceRequirements } from '../../../src/spec/types.ts';

// Fixed "now" for every case: the Kubernetes docs' walkthrough ran at 2019-02-22 11:02 UTC.
const NOW = Date.parse('2019-02-22T11:02:15Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString().replace('.000Z', 'Z');

function aCronJob(
  over: {
    metadata?: Partial<CronJob['metadata']>;
    spec?: Partial<CronJob['spec']>;
    status?: Partial<CronJob['status']>;
  } = {},
): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello', namespace: 'default', uid: 'cj-uid', creationTimestamp: ago(75), ...over.metadata },
    spec: {
      schedule: '*/1 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        spec: {
          parallelism: 1,
          backoffLimit: 6,
          completionMode: 'NonIndexed',
          suspend: false,
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              containers: [
                {
                  name: 'hello',
                  image: 'busybox',
                  imagePullPolicy: 'IfNotPresent',
                  command: ['/bin/sh', '-c', 'date; echo Hello from the Kubernetes cluster'],
                },
              ],
            },
          },
        },
      },
      ...over.spec,
    },
    status: { active: [], lastScheduleTime: ago(50), ...over.status },
  };
}

function aJob(
  over: { metadata?: Partial<Job['metadata']>; spec?: Partial<Job['spec']>; status?: Partial<Job['status']> } = {},
): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: 'hello-4111706356',
      namespace: 'default',
      uid: '6b0e0c4e-3c1c-4a8e-9d55-1b1f2f6a7c01',
      creationTimestamp: ago(5),
      labels: { 'batch.kubernetes.io/job-name': 'hello-4111706356' },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: 'hello',
          uid: 'cj-uid',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      ...over.metadata,
    },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      template: {
        metadata: { labels: { 'job-name': 'hello-4111706356' } },
        spec: {
          restartPolicy: 'OnFailure',
          containers: [{ name: 'hello', image: 'busybox', command: ['/bin/sh', '-c', 'date'] }],
        },
      },
      ...over.spec,
    },
    status: { active: 0, succeeded: 0, failed: 0, conditions: [], ...over.status },
  };
}

function aPod(
  over: {
    metadata?: Partial<Pod['metadata']>;
    status?: Partial<Pod['status']>;
    containerStatuses?: ContainerStatus[];
  } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'hello-4111706356-x2b9q',
      namespace: 'default',
      creationTimestamp: ago(5),
      labels: { 'job-name': 'hello-4111706356' },
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'Job', name: 'hello-4111706356', uid: 'job-uid', controller: true },
      ],
      ...over.metadata,
    },
    spec: {
      restartPolicy: 'OnFailure',
      containers: [{ name: 'hello', image: 'busybox', env: [{ name: 'GREETING', value: 'hi' }] }],
    },
    status: { phase: 'Running', startTime: ago(5), containerStatuses: over.containerStatuses ?? [], ...over.status },
  };
}

const status = (state: ContainerStatus['state'], restartCount = 0, extra: object = {}): ContainerStatus => ({
  name: 'hello',
  image: 'busybox',
  restartCount,
  state,
  ...extra,
});

describe('renderObjects: tables', () => {
  it('prints the walkthrough CronJob row, with the TIMEZONE column current kubectl adds', () => {
    // The Kubernetes docs show `hello   */1 * * * *   False     0        50s             75s` from a kubectl
    // that predates the TIMEZONE column; current printers.go prints it between SCHEDULE and SUSPEND.
    expect(renderObjects('CronJob', [aCronJob()], { format: 'table', nowMs: NOW })).toBe(
      'NAME    SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE\n' +
        'hello   */1 * * * *   <none>     False     0        50s             75s\n',
    );
  });

  it('omits the header with --no-headers and pads to the widest cell', () => {
    const out = renderObjects(
      'CronJob',
      [
        aCronJob(),
        aCronJob({ metadata: { name: 'nightly-backup' }, spec: { schedule: '0 3 * * *', timeZone: 'Europe/Berlin' } }),
      ],
      {
        format: 'table',
        nowMs: NOW,
        noHeaders: true,
      },
    );
    expect(out).toBe(
      'hello            */1 * * * *   <none>          False   0     50s   75s\n' +
        'nightly-backup   0 3 * * *     Europe/Berlin   False   0     50s   75s\n',
    );
  });

  it('adds CONTAINERS IMAGES SELECTOR for -o wide', () => {
    expect(renderObjects('Job', [aJob()], { format: 'wide', nowMs: NOW })).toBe(
      'NAME               STATUS    COMPLETIONS   DURATION   AGE   CONTAINERS   IMAGES    SELECTOR\n' +
        'hello-4111706356   Running   0/1                      5s    hello        busybox   ' +
        'batch.kubernetes.io/controller-uid=6b0e0c4e-3c1c-4a8e-9d55-1b1f2f6a7c01\n',
    );
  });

  it.each([
    {
      name: 'the walkthrough cronjob',
      cronJob: aCronJob(),
      wide: false,
      expected: ['hello', '*/1 * * * *', '<none>', 'False', '0', '50s', '75s'],
    },
    {
      name: 'suspended with a time zone',
      cronJob: aCronJob({ spec: { suspend: true, timeZone: 'Etc/UTC' } }),
      wide: false,
      expected: ['hello', '*/1 * * * *', 'Etc/UTC', 'True', '0', '50s', '75s'],
    },
    {
      name: 'two active jobs',
      cronJob: aCronJob({
        status: {
          active: [1, 2].map((i) => ({
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: `hello-${i}`,
            namespace: 'default',
            uid: `u${i}`,
          })),
        },
      }),
      wide: false,
      expected: ['hello', '*/1 * * * *', '<none>', 'False', '2', '50s', '75s'],
    },
    {
      name: 'never scheduled',
      cronJob: aCronJob({ status: { lastScheduleTime: undefined } }),
      wide: false,
      expected: ['hello', '*/1 * * * *', '<none>', 'False', '0', '<none>', '75s'],
    },
    {
      name: 'scheduled in the future',
      cronJob: aCronJob({ status: { lastScheduleTime: ago(-60) } }),
      wide: false,
      expected: ['hello', '*/1 * * * *', '<none>', 'False', '0', '<invalid>', '75s'],
    },
    {
      name: 'no creation time',
      cronJob: aCronJob({ metadata: { creationTimestamp: undefined } }),
      wide: false,
      expected: ['hello', '*/1 * * * *', '<none>', 'False', '0', '50s', '<unknown>'],
    },
    {
      name: 'three days old',
      cronJob: aCronJob({ metadata: { creationTimestamp: ago(3 * 86400 + 3600) } }),
      wide: false,
      expected: ['hello', '*/1 * * * *', '<none>', 'False', '0', '50s', '3d1h'],
    },
    {
      name: 'wide',
      cronJob: aCronJob(),
      wide: true,
      // NEXT SCHEDULE: 11:02 is due and not yet started at 11:02:15; the run after it, 11:03, is 45s away.
      expected: ['hello', '*/1 * * * *', '<none>', 'False', '0', '50s', '75s', 'hello', 'busybox', '<none>', '45s'],
    },
  ])('prints cronjob cells: $name', ({ cronJob, wide, expected }) => {
    expect(cronJobRow(cronJob, { nowMs: NOW, wide })).toEqual(expected);
  });

  const condition = (type: Job['status']['conditions'][number]['type'], s: 'True' | 'False' = 'True') => ({
    type,
    status: s,
  });
  it.each([
    { name: 'not started', job: aJob(), expected: ['hello-4111706356', 'Running', '0/1', '', '5s'] },
    {
      name: 'running 3s',
      job: aJob({ status: { active: 1, startTime: ago(3) } }),
      expected: ['hello-4111706356', 'Running', '0/1', '3s', '5s'],
    },
    {
      name: 'complete after 5s',
      job: aJob({
        metadata: { creationTimestamp: ago(600) },
        status: { succeeded: 1, startTime: ago(600), completionTime: ago(595), conditions: [condition('Complete')] },
      }),
      expected: ['hello-4111706356', 'Complete', '1/1', '5s', '10m'],
    },
    {
      name: 'failed',
      job: aJob({
        status: {
          failed: 7,
          startTime: ago(4),
          completionTime: ago(1),
          conditions: [condition('FailureTarget'), condition('Failed')],
        },
      }),
      expected: ['hello-4111706356', 'Failed', '0/1', '3s', '5s'],
    },
    {
      name: 'failure target, not yet failed',
      job: aJob({ status: { failed: 7, startTime: ago(4), conditions: [condition('FailureTarget')] } }),
      expected: ['hello-4111706356', 'FailureTarget', '0/1', '4s', '5s'],
    },
    {
      name: 'suspended',
      job: aJob({ spec: { suspend: true }, status: { conditions: [condition('Suspended')] } }),
      expected: ['hello-4111706356', 'Suspended', '0/1', '', '5s'],
    },
    {
      name: 'a False Complete condition is not complete',
      job: aJob({ status: { conditions: [condition('Complete', 'False')] } }),
      expected: ['hello-4111706356', 'Running', '0/1', '', '5s'],
    },
    {
      name: 'work queue, parallelism 3',
      job: aJob({ spec: { completions: undefined, parallelism: 3 }, status: { succeeded: 2 } }),
      expected: ['hello-4111706356', 'Running', '2/1 of 3', '', '5s'],
    },
    {
      name: 'work queue, parallelism 1',
      job: aJob({ spec: { completions: undefined, parallelism: 1 } }),
      expected: ['hello-4111706356', 'Running', '0/1', '', '5s'],
    },
    {
      name: 'five completions',
      job: aJob({ spec: { completions: 5, parallelism: 2 }, status: { succeeded: 3 } }),
      expected: ['hello-4111706356', 'Running', '3/5', '', '5s'],
    },
  ])('prints job cells: $name', ({ job, expected }) => {
    expect(jobRow(job, { nowMs: NOW })).toEqual(expected);
  });

  it.each([
    {
      name: 'pending, no statuses yet',
      pod: aPod({ status: { phase: 'Pending' } }),
      expected: ['hello-4111706356-x2b9q', '0/1', 'Pending', '0', '5s'],
    },
    {
      name: 'running',
      pod: aPod({ containerStatuses: [status({ running: { startedAt: ago(4) } })] }),
      expected: ['hello-4111706356-x2b9q', '1/1', 'Running', '0', '5s'],
    },
    {
      name: 'succeeded',
      pod: aPod({
        status: { phase: 'Succeeded' },
        containerStatuses: [status({ terminated: { exitCode: 0, reason: 'Completed', finishedAt: ago(1) } })],
      }),
      expected: ['hello-4111706356-x2b9q', '0/1', 'Completed', '0', '5s'],
    },
    {
      name: 'failed',
      pod: aPod({
        status: { phase: 'Failed' },
        containerStatuses: [status({ terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(1) } })],
      }),
      expected: ['hello-4111706356-x2b9q', '0/1', 'Error', '0', '5s'],
    },
    {
      name: 'terminated without a reason',
      pod: aPod({
        status: { phase: 'Failed' },
        containerStatuses: [status({ terminated: { exitCode: 3, finishedAt: ago(1) } })],
      }),
      expected: ['hello-4111706356-x2b9q', '0/1', 'ExitCode:3', '0', '5s'],
    },
    {
      name: 'killed by a signal',
      pod: aPod({
        status: { phase: 'Failed' },
        containerStatuses: [status({ terminated: { exitCode: 137, signal: 9, finishedAt: ago(1) } })],
      }),
      expected: ['hello-4111706356-x2b9q', '0/1', 'Signal:9', '0', '5s'],
    },
    {
      name: 'crash looping, last exit 5m ago',
      pod: aPod({
        metadata: { creationTimestamp: ago(3600) },
        containerStatuses: [
          status({ waiting: { reason: 'CrashLoopBackOff' } }, 5, {
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(300) } },
          }),
        ],
      }),
      expected: ['hello-4111706356-x2b9q', '0/1', 'CrashLoopBackOff', '5 (5m ago)', '60m'],
    },
    {
      name: 'restarted and running again',
      pod: aPod({ containerStatuses: [status({ running: { startedAt: ago(2) } }, 1)] }),
      expected: ['hello-4111706356-x2b9q', '1/1', 'Running', '1 (2s ago)', '5s'],
    },
    {
      name: 'stopped at its deadline',
      pod: aPod({
        status: {
          phase: 'Failed',
          reason: 'DeadlineExceeded',
          message: 'Pod was active on the node longer than the specified deadline',
        },
      }),
      expected: ['hello-4111706356-x2b9q', '0/1', 'DeadlineExceeded', '0', '5s'],
    },
  ])('prints pod cells: $name', ({ pod, expected }) => {
    expect(podRow(pod, { nowMs: NOW })).toEqual(expected);
  });

  it('prints <none> for the wide pod columns a task does not have', () => {
    expect(
      renderObjects('Pod', [aPod({ containerStatuses: [status({ running: { startedAt: ago(4) } })] })], {
        format: 'wide',
        nowMs: NOW,
      }),
    ).toBe(
      'NAME                     READY   STATUS    RESTARTS   AGE   IP       NODE     NOMINATED NODE   READINESS ' +
        'GATES\n' +
        'hello-4111706356-x2b9q   1/1     Running   0          5s    <none>   <none>   <none>           <none>\n',
    );
  });
});

describe('renderWatchRow', () => {
  it('keeps watch rows under the header when given the widths of the first listing', () => {
    // kubectl get jobs --watch: one tab writer with RememberWidths for the whole session.
    const widths: number[] = [];
    const job = aJob({ metadata: { creationTimestamp: ago(0) } });
    let out = renderObjects('Job', [job], { format: 'table', nowMs: NOW, widths });
    out += renderWatchRow(
      'Job',
      aJob({ metadata: { creationTimestamp: ago(0) }, status: { active: 1, startTime: ago(0) } }),
      { format: 'table', nowMs: NOW, widths },
    );
    const done = aJob({
      metadata: { creationTimestamp: ago(5) },
      status: {
        succeeded: 1,
        startTime: ago(5),
        completionTime: ago(0),
        conditions: [{ type: 'Complete', status: 'True' }],
      },
    });
    out += renderWatchRow('Job', done, { format: 'table', nowMs: NOW, widths });
    expect(out).toBe(
      'NAME               STATUS    COMPLETIONS   DURATION   AGE\n' +
        'hello-4111706356   Running   0/1                      0s\n' +
        'hello-4111706356   Running   0/1           0s         0s\n' +
        'hello-4111706356   Complete   1/1           5s         5s\n',
    );
  });

  it('sizes a row on its own without remembered widths', () => {
    expect(renderWatchRow('Job', aJob(), { format: 'table', nowMs: NOW })).toBe(
      'hello-4111706356   Running   0/1         5s\n',
    );
  });

  it.each([
    { format: 'name' as const, expected: 'job.batch/hello-4111706356\n' },
    { format: 'yaml' as const, expected: '---\napiVersion: batch/v1\n' },
    { format: 'json' as const, expected: '{\n    "apiVersion": "batch/v1",\n' },
  ])('prints one object per change for -o $format', ({ format, expected }) => {
    expect(renderWatchRow('Job', aJob(), { format, nowMs: NOW }).startsWith(expected)).toBe(true);
  });
});

describe('renderObjects: json, yaml, name', () => {
  it('prints a list as a v1 List with kubectl key order and 4-space indent', () => {
    const out = renderObjects('CronJob', [aCronJob()], { format: 'json', nowMs: NOW });
    expect(
      out.startsWith(
        '{\n    "apiVersion": "v1",\n    "items": [\n        {\n            "apiVersion": "batch/v1",\n            ' +
          '"kind": "CronJob",\n',
      ),
    ).toBe(true);
    expect(
      out.endsWith('    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n'),
    ).toBe(true);
    expect(JSON.parse(out)).toEqual({
      apiVersion: 'v1',
      items: [asServed(aCronJob())],
      kind: 'List',
      metadata: { resourceVersion: '' },
    });
  });

  it('prints a single named object as itself', () => {
    expect(JSON.parse(renderObjects('CronJob', [aCronJob()], { format: 'json', nowMs: NOW, single: true }))).toEqual(
      asServed(aCronJob()),
    );
  });

  it('leaves out zero and empty status fields that Kubernetes tags omitempty', () => {
    const job = aJob();
    const served = JSON.parse(
      renderObjects('Job', [{ ...job, status: { active: 0, succeeded: 1, failed: 0, conditions: [] } }], {
        format: 'json',
        nowMs: NOW,
        single: true,
      }),
    );
    expect(served.status).toEqual({ succeeded: 1 });
  });

  it('keeps status.ready and status.terminating when 0, as Kubernetes (pointers: omitempty drops only nil)', () => {
    const job = aJob();
    const status = { active: 1, ready: 0, terminating: 0, succeeded: 0, failed: 0, conditions: [] };
    const served = JSON.parse(renderObjects('Job', [{ ...job, status }], { format: 'json', nowMs: NOW, single: true }));
    const yaml = parseYaml(renderObjects('Job', [{ ...job, status }], { format: 'yaml', nowMs: NOW, single: true }));
    expect({ json: served.status, yaml: yaml.status }).toEqual({
      json: { active: 1, ready: 0, terminating: 0 },
      yaml: { active: 1, ready: 0, terminating: 0 },
    });
  });

  it('prints an empty list as an empty List', () => {
    expect(JSON.parse(renderObjects('Job', [], { format: 'json', nowMs: NOW }))).toEqual({
      apiVersion: 'v1',
      items: [],
      kind: 'List',
      metadata: { resourceVersion: '' },
    });
  });

  it('escapes <, > and & as Go encoding/json does', () => {
    const job = aJob({
      spec: {
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'a && b > <out>'] }],
          },
        },
      },
    });
    const out = renderObjects('Job', [job], { format: 'json', nowMs: NOW, single: true });
    expect(out).toContain('"a \\u0026\\u0026 b \\u003e \\u003cout\\u003e"');
    expect(JSON.parse(out).spec.template.spec.containers[0].command[2]).toBe('a && b > <out>');
  });

  it('prints YAML in go-yaml style: sorted keys, unindented sequences, kubectl quoting', () => {
    const out = renderObjects('CronJob', [aCronJob()], { format: 'yaml', nowMs: NOW, single: true });
    expect(out).toBe(
      [
        'apiVersion: batch/v1',
        'kind: CronJob',
        'metadata:',
        '  creationTimestamp: "2019-02-22T11:01:00Z"',
        '  name: hello',
        '  namespace: default',
        '  uid: cj-uid',
        'spec:',
        '  concurrencyPolicy: Allow',
        '  failedJobsHistoryLimit: 1',
        '  jobTemplate:',
        '    spec:',
        '      backoffLimit: 6',
        '      completionMode: NonIndexed',
        '      parallelism: 1',
        '      suspend: false',
        '      template:',
        '        spec:',
        '          containers:',
        '          - command:',
        '            - /bin/sh',
        '            - -c',
        '            - date; echo Hello from the Kubernetes cluster',
        '            image: busybox',
        '            imagePullPolicy: IfNotPresent',
        '            name: hello',
        '          restartPolicy: OnFailure',
        "  schedule: '*/1 * * * *'",
        '  successfulJobsHistoryLimit: 3',
        '  suspend: false',
        'status:',
        '  lastScheduleTime: "2019-02-22T11:01:25Z"',
        '',
      ].join('\n'),
    );
    expect(parseYaml(out)).toEqual(asServed(aCronJob()));
  });

  it('prints a YAML list as kind List', () => {
    const out = renderObjects('Job', [aJob(), aJob({ metadata: { name: 'other' } })], { format: 'yaml', nowMs: NOW });
    expect(out.startsWith('apiVersion: v1\nitems:\n- apiVersion: batch/v1\n  kind: Job\n')).toBe(true);
    expect(out.endsWith('kind: List\nmetadata:\n  resourceVersion: ""\n')).toBe(true);
    expect(parseYaml(out).items.map((j: Job) => j.metadata.name)).toEqual(['hello-4111706356', 'other']);
  });

  it.each([
    { name: 'cronjob', obj: aCronJob(), expected: 'cronjob.batch/hello' },
    { name: 'job', obj: aJob(), expected: 'job.batch/hello-4111706356' },
    { name: 'pod', obj: aPod(), expected: 'pod/hello-4111706356-x2b9q' },
  ])('prints -o name for a $name', ({ obj, expected }) => {
    expect(resourceName(obj)).toBe(expected);
    expect(renderObjects(obj.kind, [obj, obj], { format: 'name', nowMs: NOW })).toBe(`${expected}\n${expected}\n`);
  });

  it('builds the empty-list message kubectl prints to stderr', () => {
    expect(noResourcesMessage('default')).toBe('No resources found in default namespace.');
  });
});

const event = (
  kind: KubeEvent['involvedObject']['kind'],
  name: string,
  type: KubeEvent['type'],
  reason: string,
  message: string,
  secondsAgo: number,
): KubeEvent => ({
  type,
  reason,
  message,
  timestamp: ago(secondsAgo),
  involvedObject: { kind, namespace: 'default', name },
});

describe('describeObject', () => {
  it('describes a CronJob as kubectl does, events last', () => {
    const events = [
      event(
        'CronJob',
        'hello',
        'Normal',
        'SawCompletedJob',
        'Saw completed job: hello-4111706356, status: Complete',
        65,
      ),
      event('CronJob', 'hello', 'Normal', 'SuccessfulCreate', 'Created job hello-4111706356', 75),
    ];
    const cronJob = aCronJob({
      metadata: { labels: { app: 'hello', tier: 'batch' } },
      status: {
        active: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'hello-4111706357', namespace: 'default', uid: 'u' }],
      },
    });
    expect(describeObject(cronJob, { events, nowMs: NOW })).toBe(
      [
        'Name:                          hello',
        'Namespace:                     default',
        'Labels:                        app=hello',
        '                               tier=batch',
        'Annotations:                   <none>',
        'Schedule:                      */1 * * * *',
        'Concurrency Policy:            Allow',
        'Suspend:                       False',
        'Successful Job History Limit:  3',
        'Failed Job History Limit:      1',
        'Starting Deadline Seconds:     <unset>',
        'Selector:                      <unset>',
        'Parallelism:                   1',
        'Completions:                   <unset>',
        'Pod Template:',
        '  Labels:  <none>',
        '  Containers:',
        '   hello:',
        '    Image:      busybox',
        '    Port:       <none>',
        '    Host Port:  <none>',
        '    Command:',
        '      /bin/sh',
        '      -c',
        '      date; echo Hello from the Kubernetes cluster',
        '    Environment:     <none>',
        '    Mounts:          <none>',
        '  Volumes:           <none>',
        '  Node-Selectors:    <none>',
        '  Tolerations:       <none>',
        'Last Schedule Time:  Fri, 22 Feb 2019 11:01:25 +0000',
        'Next Schedules:      Fri, 22 Feb 2019 11:03:00 +0000',
        '                     Fri, 22 Feb 2019 11:04:00 +0000',
        '                     Fri, 22 Feb 2019 11:05:00 +0000',
        '                     Fri, 22 Feb 2019 11:06:00 +0000',
        '                     Fri, 22 Feb 2019 11:07:00 +0000',
        'Active Jobs:         hello-4111706357',
        'Events:',
        '  Type    Reason            Age   From                Message',
        '  ----    ------            ----  ----                -------',
        '  Normal  SuccessfulCreate  75s   cronjob-controller  Created job hello-4111706356',
        '  Normal  SawCompletedJob   65s   cronjob-controller  Saw completed job: hello-4111706356, status: Complete',
        '',
      ].join('\n'),
    );
  });

  it('prints Events: <none> aligned with the fields above it when there are none', () => {
    // Upstream DescribeEvents writes this line without flushing the tab writer, so it joins the block above.
    expect(
      describeObject(aCronJob({ spec: { suspend: true } }), { nowMs: NOW }).endsWith(
        'Last Schedule Time:  Fri, 22 Feb 2019 11:01:25 +0000\nNext Schedules:      <none>\n' +
          'Active Jobs:         <none>\nEvents:              <none>\n',
      ),
    ).toBe(true);
  });

  it('describes a finished Job with its pod counts, timings and controller', () => {
    const job = aJob({
      metadata: { creationTimestamp: ago(600) },
      spec: { activeDeadlineSeconds: 100, ttlSecondsAfterFinished: 30 },
      status: {
        succeeded: 1,
        startTime: ago(600),
        completionTime: ago(535),
        conditions: [{ type: 'Complete', status: 'True' }],
      },
    });
    const events = [
      event('Job', job.metadata.name, 'Normal', 'SuccessfulCreate', 'Created pod: hello-4111706356-x2b9q', 600),
      event('Job', job.metadata.name, 'Normal', 'Completed', 'Job completed', 535),
    ];
    expect(describeObject(job, { events, nowMs: NOW })).toBe(
      [
        'Name:                        hello-4111706356',
        'Namespace:                   default',
        'Selector:                    batch.kubernetes.io/controller-uid=6b0e0c4e-3c1c-4a8e-9d55-1b1f2f6a7c01',
        'Labels:                      batch.kubernetes.io/job-name=hello-4111706356',
        'Annotations:                 <none>',
        'Controlled By:               CronJob/hello',
        'Parallelism:                 1',
        'Completions:                 1',
        'Completion Mode:             NonIndexed',
        'Suspend:                     false',
        'Backoff Limit:               6',
        'TTL Seconds After Finished:  30',
        'Start Time:                  Fri, 22 Feb 2019 10:52:15 +0000',
        'Completed At:                Fri, 22 Feb 2019 10:53:20 +0000',
        'Duration:                    65s',
        'Active Deadline Seconds:     100s',
        'Pods Statuses:               0 Active / 1 Succeeded / 0 Failed',
        'Pod Template:',
        '  Labels:  job-name=hello-4111706356',
        '  Containers:',
        '   hello:',
        '    Image:      busybox',
        '    Port:       <none>',
        '    Host Port:  <none>',
        '    Command:',
        '      /bin/sh',
        '      -c',
        '      date',
        '    Environment:   <none>',
        '    Mounts:        <none>',
        '  Volumes:         <none>',
        '  Node-Selectors:  <none>',
        '  Tolerations:     <none>',
        'Events:',
        '  Type    Reason            Age    From            Message',
        '  ----    ------            ----   ----            -------',
        '  Normal  SuccessfulCreate  10m    job-controller  Created pod: hello-4111706356-x2b9q',
        '  Normal  Completed         8m55s  job-controller  Job completed',
        '',
      ].join('\n'),
    );
  });

  it('adds the ready count to Pods Statuses when given the pods, and Completed Indexes for Indexed jobs', () => {
    const job = aJob({
      spec: { completionMode: 'Indexed', completions: 3 },
      status: { active: 2, succeeded: 1, completedIndexes: '0' },
    });
    const running = aPod({ containerStatuses: [status({ running: { startedAt: ago(2) } })] });
    const pending = aPod({ metadata: { name: 'p2' }, status: { phase: 'Pending' } });
    const out = describeObject(job, { pods: [running, pending], nowMs: NOW });
    expect(out).toContain('\nPods Statuses:      2 Active (1 Ready) / 1 Succeeded / 0 Failed\nCompleted Indexes:  0\n');
  });

  it("shows the Job's status.ready in Pods Statuses as kubectl does (not terminating), whatever the pods say", () => {
    const job = aJob({ status: { active: 1, ready: 0, terminating: 1, succeeded: 0 } });
    const running = aPod({ containerStatuses: [status({ running: { startedAt: ago(2) } })] });
    const out = describeObject(job, { pods: [running], nowMs: NOW });
    expect(out).toContain('\nPods Statuses:    1 Active (0 Ready) / 0 Succeeded / 0 Failed\n');
  });

  it('folds repeated events into one row with a count, as the event correlator does', () => {
    const events = [50, 40, 30].map((s) =>
      event(
        'Job',
        'hello-4111706356',
        'Warning',
        'BackoffLimitExceeded',
        'Job has reached the specified backoff limit',
        s,
      ),
    );
    expect(describeObject(aJob(), { events, nowMs: NOW })).toContain(
      'Events:\n  Type     Reason                Age                From            Message\n' +
        '  ----     ------                ----               ----            -------\n' +
        '  Warning  BackoffLimitExceeded  30s (x3 over 50s)  job-controller  Job has reached the specified backoff ' +
        'limit\n',
    );
  });

  it('describes a crash-looping Pod with its container state and restart count', () => {
    const pod = aPod({
      status: { phase: 'Running', startTime: '2019-02-22T11:02:10Z' },
      containerStatuses: [
        status({ waiting: { reason: 'CrashLoopBackOff' } }, 2, {
          lastState: {
            terminated: {
              exitCode: 1,
              reason: 'Error',
              startedAt: '2019-02-22T11:02:11Z',
              finishedAt: '2019-02-22T11:02:12Z',
            },
          },
        }),
      ],
    });
    expect(
      describeObject(pod, {
        events: [
          event(
            'Pod',
            pod.metadata.name,
            'Warning',
            'BackOff',
            'Back-off restarting failed container hello in pod hello-4111706356-x2b9q_default(uid)',
            1,
          ),
        ],
        nowMs: NOW,
      }),
    ).toBe(
      [
        'Name:           hello-4111706356-x2b9q',
        'Namespace:      default',
        'Node:           <none>',
        'Start Time:     Fri, 22 Feb 2019 11:02:10 +0000',
        'Labels:         job-name=hello-4111706356',
        'Annotations:    <none>',
        'Status:         Running',
        'IP:             ',
        'IPs:            <none>',
        'Controlled By:  Job/hello-4111706356',
        'Containers:',
        '  hello:',
        '    Container ID:   ',
        '    Image:          busybox',
        '    Image ID:       ',
        '    Port:           <none>',
        '    Host Port:      <none>',
        '    State:          Waiting',
        '      Reason:       CrashLoopBackOff',
        '    Last State:     Terminated',
        '      Reason:       Error',
        '      Exit Code:    1',
        '      Started:      Fri, 22 Feb 2019 11:02:11 +0000',
        '      Finished:     Fri, 22 Feb 2019 11:02:12 +0000',
        '    Ready:          False',
        '    Restart Count:  2',
        '    Environment:',
        '      GREETING:  hi',
        '    Mounts:      <none>',
        'Volumes:         <none>',
        'QoS Class:       BestEffort',
        'Node-Selectors:  <none>',
        'Tolerations:     <none>',
        'Events:',
        '  Type     Reason   Age   From     Message',
        '  ----     ------   ----  ----     -------',
        '  Warning  BackOff  1s    kubelet  Back-off restarting failed container hello in pod ' +
          'hello-4111706356-x2b9q_default(uid)',
        '',
      ].join('\n'),
    );
  });

  it.each<{ name: string; resources: ResourceRequirements | undefined; expected: string }>([
    { name: 'no resources', resources: undefined, expected: 'BestEffort' },
    {
      name: 'limits only (requests default to them)',
      resources: { limits: { cpu: '1', memory: '1Gi' } },
      expected: 'Guaranteed',
    },
    {
      name: 'equal in different units',
      resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } },
      expected: 'Guaranteed',
    },
    {
      name: 'requests below limits',
      resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m' } },
      expected: 'Burstable',
    },
    { name: 'memory request only', resources: { requests: { memory: '64Mi' } }, expected: 'Burstable' },
  ])('computes QoS class $expected for $name', ({ resources, expected }) => {
    const pod = aPod();
    expect(
      podQosClass({ ...pod, spec: { ...pod.spec, containers: [{ ...pod.spec.containers[0]!, resources }] } }),
    ).toBe(expected);
  });
});

describe('TabWriter', () => {
  it('aligns each column over the block of consecutive lines that have it, as Go text/tabwriter does', () => {
    const w = new TabWriter({ minWidth: 0, padding: 2 });
    expect(w.format('a:\t1\nlonger:\t2\nbreak\nb:\t3\n')).toBe('a:       1\nlonger:  2\nbreak\nb:  3\n');
  });

  it('applies the minimal width, padding included, and leaves the last cell unpadded', () => {
    const w = new TabWriter({ minWidth: 6, padding: 3 });
    expect(w.format('A\tB\tC\nxx\t\tz\n')).toBe('A     B     C\nxx          z\n');
  });

  it('remembers widths across writes only when asked', () => {
    const memory: number[] = [];
    new TabWriter({ minWidth: 0, padding: 1, rememberWidths: true }, memory).format('wide-cell\tx\n');
    expect(new TabWriter({ minWidth: 0, padding: 1, rememberWidths: true }, memory).format('a\tb\n')).toBe(
      'a         b\n',
    );
    expect(new TabWriter({ minWidth: 0, padding: 1 }, memory).format('a\tb\n')).toBe('a b\n');
  });
});
