import { describe, expect, it } from 'vitest';
import { loadManifests, unsupportedFields } from '../../../src/spec/index.ts';
import { baseCronJob, baseJob, edit, loadErrors } from './helpers.ts';

const pod = 'spec.template.spec';

describe('fields jobctl cannot honour', () => {
  it('warns about a nodeSelector key and hostPath volumes at their lines, and still loads the Job', () => {
    const text = edit(
      baseJob,
      [
        '      restartPolicy: OnFailure\n',
        '      restartPolicy: OnFailure\n      nodeSelector:\n        disktype: ssd\n      volumes:\n      - name: ' +
          'data\n        hostPath:\n          path: /data\n',
      ],
      [
        'imagePullPolicy: IfNotPresent',
        'imagePullPolicy: IfNotPresent\n        volumeMounts:\n        - {name: data, mountPath: /data}',
      ],
    );

    const { objects, warnings } = loadManifests(text, 'job.yaml');

    expect({ kinds: objects.map((o) => o.kind), warnings }).toEqual({
      kinds: ['Job'],
      warnings: [
        {
          file: 'job.yaml',
          line: 12,
          path: `${pod}.nodeSelector[disktype]`,
          message:
            'Fargate has no nodes to select and the local runtime has one machine: only kubernetes.io/arch and ' +
            'kubernetes.io/os are honoured; ignored',
        },
        {
          file: 'job.yaml',
          line: 13,
          path: `${pod}.volumes`,
          message:
            'not mounted: Fargate tasks have no host paths (hostPath) and jobctl provisions no volumes or claims; ' +
            'ignored',
        },
        {
          file: 'job.yaml',
          line: 21,
          path: `${pod}.containers[0].volumeMounts`,
          message:
            'not mounted: Fargate tasks have no host paths (hostPath) and jobctl provisions no volumes or claims; ' +
            'ignored',
        },
      ],
    });
    // Ignored means gone: nothing downstream sees the field. nodeSelector is kept (its kubernetes.io/arch is honoured).
    expect(JSON.stringify(objects[0])).not.toMatch(/volumes|volumeMounts/);
  });

  it(
    'honours nodeSelector kubernetes.io/arch and kubernetes.io/os without a warning, and rejects a value no task ' +
      'can satisfy at its line',
    () => {
      const honoured = edit(baseJob, [
        '      restartPolicy: OnFailure\n',
        '      restartPolicy: OnFailure\n      nodeSelector:\n        kubernetes.io/arch: arm64\n        ' +
          'kubernetes.io/os: linux\n',
      ]);
      const { objects, warnings } = loadManifests(honoured, 'job.yaml');
      expect(warnings).toEqual([]);
      expect(
        (objects[0] as { spec: { template: { spec: { nodeSelector?: unknown } } } }).spec.template.spec.nodeSelector,
      ).toEqual({ 'kubernetes.io/arch': 'arm64', 'kubernetes.io/os': 'linux' });

      const s390x = edit(baseJob, [
        '      restartPolicy: OnFailure\n',
        '      restartPolicy: OnFailure\n      nodeSelector:\n        kubernetes.io/arch: s390x\n',
      ]);
      expect(loadErrors(s390x)).toEqual([
        {
          line: 12,
          path: `${pod}.nodeSelector[kubernetes.io/arch]`,
          detail: 'Unsupported value: "s390x": supported values: "amd64", "arm64"',
        },
      ]);
    },
  );

  it('stays silent about Kubernetes defaults, as `kubectl get -o yaml` prints them', () => {
    const text = edit(
      baseJob,
      [
        '      restartPolicy: OnFailure\n',
        '      restartPolicy: OnFailure\n      dnsPolicy: ClusterFirst\n      schedulerName: default-scheduler\n     ' +
          ' securityContext: {}\n      terminationGracePeriodSeconds: 30\n',
      ],
      [
        'imagePullPolicy: IfNotPresent',
        'imagePullPolicy: IfNotPresent\n        terminationMessagePath: /dev/termination-log\n        ' +
          'terminationMessagePolicy: File\n        resources: {}',
      ],
    );

    expect(loadManifests(text, 'job.yaml').warnings).toEqual([]);
  });

  it.each([
    {
      name: 'a second container',
      edits: [
        [
          '        imagePullPolicy: IfNotPresent\n',
          '        imagePullPolicy: IfNotPresent\n      - name: sidecar\n        image: envoy\n',
        ],
      ],
      expected: {
        path: `${pod}.containers`,
        line: 11,
        detail:
          'Forbidden: jobctl runs exactly one container per pod: the local runtime runs one process per pod, and a ' +
          'manifest must mean the same on Fargate and locally',
      },
    },
    {
      name: 'initContainers',
      edits: [
        ['      containers:\n', '      initContainers:\n      - {name: init, image: busybox}\n      containers:\n'],
      ],
      expected: {
        path: `${pod}.initContainers`,
        line: 11,
        detail: 'Forbidden: jobctl runs one process per pod; init containers would not run',
      },
    },
    {
      name: 'env valueFrom',
      edits: [
        [
          'imagePullPolicy: IfNotPresent',
          'imagePullPolicy: IfNotPresent\n        env:\n        - name: PASSWORD\n          valueFrom:\n            ' +
            'secretKeyRef: {name: db, key: password}',
        ],
      ],
      expected: {
        path: `${pod}.containers[0].env[0].valueFrom`,
        line: 17,
        detail:
          'Forbidden: jobctl has no Secrets, ConfigMaps or downward API to read: set value (the variable would ' +
          'otherwise be missing)',
      },
    },
    {
      name: 'envFrom',
      edits: [
        [
          'imagePullPolicy: IfNotPresent',
          'imagePullPolicy: IfNotPresent\n        envFrom:\n        - configMapRef: {name: cfg}',
        ],
      ],
      expected: {
        path: `${pod}.containers[0].envFrom`,
        line: 15,
        detail: 'Forbidden: jobctl has no ConfigMaps or Secrets to read: set env[].value',
      },
    },
  ] as { name: string; edits: [string, string][]; expected: { path: string; line: number; detail: string } }[])(
    'rejects $name: the run would not mean what the manifest says',
    ({ edits, expected }) => {
      expect(loadErrors(edit(baseJob, ...edits))).toEqual([expected]);
    },
  );

  it('warns about an extended resource and drops it, keeping the standard ones', () => {
    const text = edit(baseJob, [
      'imagePullPolicy: IfNotPresent',
      'imagePullPolicy: IfNotPresent\n        resources:\n          limits: {cpu: "1", nvidia.com/gpu: 1}',
    ]);

    const { objects, warnings } = loadManifests(text, 'job.yaml');

    expect({
      warnings,
      resources: (objects[0]?.spec as { template: { spec: { containers: { resources?: unknown }[] } } } | undefined)
        ?.template.spec.containers[0]?.resources,
    }).toEqual({
      warnings: [
        {
          file: 'job.yaml',
          line: 16,
          path: `${pod}.containers[0].resources.limits[nvidia.com/gpu]`,
          message: 'Fargate has no extended resources (GPUs, hugepages, device plugins); ignored',
        },
      ],
      resources: { limits: { cpu: '1' } },
    });
  });

  it("accepts a template's metadata.name without a warning, as Kubernetes ignores it (the seed's Jobs set one)", () => {
    const job = edit(baseJob, [
      '  template:\n',
      '  template:\n    metadata:\n      name: jobexample\n      labels: {jobgroup: jobexample}\n',
    ]);
    const cronJob = edit(
      baseCronJob,
      ['    spec:\n      template:', '    metadata:\n      name: jt\n    spec:\n      template:'],
      ['      template:\n', '      template:\n        metadata:\n          name: pt\n'],
    );

    const loadedJob = loadManifests(job, 'job.yaml');
    const loadedCronJob = loadManifests(cronJob, 'cronjob.yaml');

    expect({ job: loadedJob.warnings, cronJob: loadedCronJob.warnings }).toEqual({ job: [], cronJob: [] });
    // Dropped like any ignored field; the labels stay.
    expect((loadedJob.objects[0] as { spec: { template: { metadata: unknown } } }).spec.template.metadata).toEqual({
      labels: { jobgroup: 'jobexample' },
    });
    // The other metadata a template cannot use is still reported.
    const namespaced = edit(job, ['      name: jobexample\n', '      name: jobexample\n      namespace: other\n']);
    expect(loadManifests(namespaced, 'job.yaml').warnings.map((w) => w.path)).toEqual([
      'spec.template.metadata.namespace',
    ]);
  });

  it('keeps one row per field, each with a reason', () => {
    const keys = unsupportedFields.map((row) => `${row.struct}.${row.field}`);

    expect({
      duplicates: keys.filter((k, i) => keys.indexOf(k) !== i),
      missingReasons: unsupportedFields.filter((r) => r.reason.length < 10),
    }).toEqual({
      duplicates: [],
      missingReasons: [],
    });
  });
});

describe('a schedule firing more than once a minute (audit D15: @every 1s)', () => {
  const cronJob = (schedule: string) => `apiVersion: batch/v1
kind: CronJob
metadata:
  name: fast
spec:
  schedule: "${schedule}"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: c, image: busybox, command: ["true"]}]
          restartPolicy: Never
`;

  it('is accepted with a warning at its line: Jobs are named by the minute, so at most one runs per minute', () => {
    expect(loadManifests(cronJob('@every 1s'), 'fast.yaml').warnings).toEqual([
      {
        file: 'fast.yaml',
        line: 6,
        path: 'spec.schedule',
        message:
          '"@every 1s" fires more than once a minute, but a CronJob\'s Jobs are named by the minute (<name>-<Unix ' +
          'minutes>, as Kubernetes names them): at most one Job runs per minute',
      },
    ]);
  });

  it.each(['@every 1m', '* * * * *', '@hourly'])('%s: no warning', (schedule) => {
    expect(loadManifests(cronJob(schedule), 'fast.yaml').warnings).toEqual([]);
  });
});
