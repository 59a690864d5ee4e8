import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { BatchV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { runCli } from '../../src/cli/program.ts';
import { applyStackManifests, type StackManifest } from '../../src/controllers/stack-manifests.ts';
import { connectAws } from '../../src/runtime/lambda/connect.ts';
import { loadManifestSources } from '../../src/spec/index.ts';
import { kubectlSkipNote, kubectlSkipReason } from '../support/kubectl.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';

// `jobctl proxy --context aws`: the Kubernetes API over a deployed stack's connection (its table on dynalite), read
// by the official client library and, where it is installed, by the real kubectl.

let db: TestDynalite;
let dir: string;
beforeAll(async () => {
  db = await startTestDynalite();
  dir = await mkdtemp(join(tmpdir(), 'jobctl-proxy-'));
});
afterAll(async () => {
  await db.stop();
  await rm(dir, { recursive: true, force: true });
});

const kubectlSkip = kubectlSkipReason();
const hasKubectl = kubectlSkip === undefined;

describe('jobctl proxy --context aws', () => {
  const withKubectl = hasKubectl ? ' and to kubectl' : `; kubectl${kubectlSkipNote(kubectlSkip)}`;
  it(`serves the stack's CronJobs to the client library${withKubectl}`, async () => {
    await ensureStateTable(db.client, 'proxy-aws');
    const clock = new ManualClock(Date.parse('2026-03-02T10:00:30Z'));
    const connection = connectAws(
      { stackName: 'Jobctl', tableName: 'proxy-aws', logGroup: 'Jobctl-TaskLogs' },
      { clock, dynamodb: db.client, logs: new CloudWatchLogsClient({ region: 'us-west-2' }), pollMs: 1 },
    );
    const hello = loadManifestSources([{ file: 'hello.yaml', text: HELLO }]).objects as StackManifest[];
    await applyStackManifests({ store: connection.store, clock }, { stackName: 'Jobctl', desired: hello });

    const kubeconfig = join(dir, 'kubeconfig');
    const stop = new AbortController();
    let stdout = '';
    const proxy = runCli(['proxy', '--kubeconfig', kubeconfig], {
      io: {
        stdout: (t) => {
          stdout += t;
        },
        stderr: () => {},
        now: () => clock.now(),
        setExitCode: () => {},
      },
      env: { JOBCTL_CONTEXT: 'aws' },
      cwd: dir,
      connectAws: async () => connection,
      signal: stop.signal,
    });
    try {
      for (let waited = 0; !stdout.includes('Ctrl-C'); waited += 50) {
        if (waited > 20_000) throw new Error(`the proxy did not start: ${stdout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(stdout).toMatch(/^serving the Kubernetes API of context aws at https:\/\/127\.0\.0\.1:\d+\n/);
      expect((await stat(kubeconfig)).mode & 0o777).toBe(0o600);

      const kc = new KubeConfig();
      kc.loadFromString(await readFile(kubeconfig, 'utf8'));
      const list = await kc.makeApiClient(BatchV1Api).listNamespacedCronJob({ namespace: 'default' });
      expect(list.items.map((c) => [c.metadata?.name, c.spec?.schedule])).toEqual([['hello', '*/1 * * * *']]);
      expect(list.items[0]?.metadata?.annotations?.['jobctl.dev/managed-by']).toBe('cdk/Jobctl');

      if (hasKubectl) {
        const out = await new Promise<string>((resolve, reject) => {
          execFile(
            'kubectl',
            ['get', 'cronjobs', `--cache-dir=${join(dir, 'cache')}`],
            { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir } },
            (error, o, e) => (error ? reject(new Error(`${error.message}\n${e}`)) : resolve(o)),
          );
        });
        expect(out).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\n/);
        expect(out).toMatch(/\nhello\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\d+s\n$/);
      }
    } finally {
      stop.abort();
    }
    expect(await proxy).toBe(0);
  }, 60_000);
});

const HELLO = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox
            command: ["/bin/sh", "-c", "date; echo Hello from the Kubernetes cluster"]
          restartPolicy: OnFailure
`;
