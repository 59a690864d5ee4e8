import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../src/adapters/tls/self-signed-certificate.ts';
import { type KubeApi, serveKubeApi } from '../../src/kube-api/server.ts';
import { kubeconfigText } from '../../src/runtime/local/kubeconfig.ts';
import { kubectlSkipNote } from '../support/kubectl.ts';
import { RuntimeHarness, unixMinutes } from '../support/local-runtime.ts';

/*
 * The seed's first walkthrough typed with the real kubectl, pointed at the Kubernetes API that `jobctl up` serves
 * (here over the test runtime, on a manual clock: a minute passes in milliseconds; tasks are real processes).
 * kubectl is not an npm package: where it is missing (or older than 1.29, which validates against OpenAPI v2), these
 * tests are skipped and say so in their name.
 */
const skipped = kubectlSkipNote();

const START = '2026-03-02T10:00:30Z';
let h: RuntimeHarness | undefined;
let api: KubeApi | undefined;
let home: string | undefined;
afterEach(async () => {
  await api?.close();
  await h?.destroy();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
  h = api = home = undefined;
});

/** The runtime, its API over TLS with a bearer token, and a kubeconfig naming it, as `jobctl up` writes one. */
async function start(): Promise<(...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>> {
  h = await RuntimeHarness.start(START);
  const tls = await selfSignedCertificate(Date.now());
  api = await serveKubeApi({ connection: h.connection(), token: 'test-token', tls });
  home = await mkdtemp(join(tmpdir(), 'jobctl-kubectl-'));
  const kubeconfig = join(home, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigText(api.url, 'test-token', tls.cert));
  const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: home };
  return (...args) =>
    new Promise((resolve) => {
      // The flag goes first: after a `--` (`create job j --image=… -- echo hi`) it would be the container's.
      execFile('kubectl', [`--cache-dir=${join(home!, 'cache')}`, ...args], { env, cwd: process.cwd() }, (e, o, s) =>
        resolve({ code: e ? Number(e.code ?? 1) : 0, stdout: o, stderr: s }),
      );
    });
}

describe(`the seed's walkthrough 1 with the real kubectl${skipped}`, () => {
  it.skipIf(skipped !== '')(
    'create, get, watch, jsonpath, logs, describe and delete, each command as the seed types it',
    async () => {
      const kubectl = await start();
      expect(await kubectl('create', '-f', 'examples/hello/cronjob.yaml')).toMatchObject({
        code: 0,
        stdout: 'cronjob.batch/hello created\n',
      });
      const got = await kubectl('get', 'cronjob', 'hello');
      expect(got.stdout).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\n/);
      expect(got.stdout).toMatch(/\nhello\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\d+s\n$/);

      // `kubectl get jobs --watch`: a row as the Job is created, starts and completes.
      const watch = spawn('kubectl', ['get', 'jobs', '--watch', `--cache-dir=${join(home!, 'cache')}`], {
        env: { ...process.env, KUBECONFIG: join(home!, 'kubeconfig'), HOME: home! },
      });
      let watched = '';
      let watchErr = '';
      watch.stdout.on('data', (chunk: Buffer) => {
        watched += chunk.toString();
      });
      watch.stderr.on('data', (chunk: Buffer) => {
        watchErr += chunk.toString();
      });
      const jobName = `hello-${unixMinutes('2026-03-02T10:01:00Z')}`;
      try {
        // No Job yet: kubectl prints nothing, and waits for events.
        await until(() => api!.openWatches() === 1 || watch.exitCode !== null, `the watch to start (${watchErr})`);
        // Tasks are not waited for: the watch sees the Job running, then complete.
        await h!.advance(60_000, { tasks: false });
        await until(async () => {
          await h!.advance(500, { tasks: false });
          return new RegExp(`${jobName}\\s+Complete\\s+1/1`).test(watched);
        }, `the watch to print the completed Job; it printed:\n${watched}`);
      } finally {
        watch.kill();
      }
      expect(watched.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/);
      // Each change the feed sees is a row (the seed shows created, running, complete); the hello task ends within
      // milliseconds, so whether its Running row is seen depends on timing: the integration test counts rows exactly.
      expect(watched.split('\n').filter((line) => line.startsWith(jobName)).length).toBeGreaterThanOrEqual(1);

      const pods = await kubectl(
        'get',
        'pods',
        `--selector=job-name=${jobName}`,
        '--output=jsonpath={.items..metadata.name}',
      );
      expect(pods.stdout).toMatch(new RegExp(`^${jobName}-[a-z0-9]{5}$`));
      const logs = await kubectl('logs', pods.stdout);
      expect(logs.stdout).toMatch(/^\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \w+ \d{4}\nHello from the Kubernetes cluster\n$/);

      const described = await kubectl('describe', 'cronjob', 'hello');
      expect(described.stdout).toMatch(/Normal\s+SuccessfulCreate\s+\S+\s+cronjob-controller\s+Created job hello-\d+/);

      expect(await kubectl('delete', 'cronjob', 'hello')).toMatchObject({
        code: 0,
        stdout: 'cronjob.batch "hello" deleted\n',
      });
      expect((await kubectl('get', 'jobs')).stderr).toBe('No resources found in default namespace.\n');
    },
    90_000,
  );

  it.skipIf(skipped !== '')(
    'apply twice with a changed container keeps its other fields; patch says (no change) when nothing changed',
    async () => {
      const kubectl = await start();
      expect((await kubectl('apply', '-f', 'examples/hello/cronjob.yaml')).stdout).toBe(
        'cronjob.batch/hello created\n',
      );
      expect((await kubectl('apply', '-f', 'examples/hello/cronjob.yaml')).stdout).toBe(
        'cronjob.batch/hello unchanged\n',
      );
      const changed = join(home!, 'changed.yaml');
      const { readFile } = await import('node:fs/promises');
      await writeFile(
        changed,
        (await readFile('examples/hello/cronjob.yaml', 'utf8')).replace('image: busybox', 'image: busybox:1.36'),
      );
      expect((await kubectl('apply', '-f', changed)).stdout).toBe('cronjob.batch/hello configured\n');
      const container = await kubectl(
        'get',
        'cronjob',
        'hello',
        '-o',
        'jsonpath={.spec.jobTemplate.spec.template.spec.containers[0]}',
      );
      expect(JSON.parse(container.stdout)).toMatchObject({ image: 'busybox:1.36', imagePullPolicy: 'IfNotPresent' });
      const suspend = ['patch', 'cronjob', 'hello', '-p', '{"spec":{"suspend":true}}'];
      expect((await kubectl(...suspend)).stdout).toBe('cronjob.batch/hello patched\n');
      expect((await kubectl(...suspend)).stdout).toBe('cronjob.batch/hello patched (no change)\n');
    },
  );

  it.skipIf(skipped !== '')(
    'create job --from=cronjob, create job --image and create cronjob, which kubectl ≥ 1.32 sends as protobuf',
    async () => {
      const kubectl = await start();
      expect((await kubectl('create', '-f', 'examples/hello/cronjob.yaml')).stdout).toBe(
        'cronjob.batch/hello created\n',
      );
      expect(await kubectl('create', 'job', 'manual-1', '--from=cronjob/hello')).toMatchObject({
        code: 0,
        stdout: 'job.batch/manual-1 created\n',
      });
      // Not scheduled (the clock stays before 10:01): the Job runs because it was created, and completes.
      await until(async () => {
        await h!.advance(500);
        return /\nmanual-1\s+Complete\s+1\/1\s/.test((await kubectl('get', 'job', 'manual-1')).stdout);
      }, 'manual-1 to complete');
      const cronUid = (await kubectl('get', 'cronjob', 'hello', '-o', 'jsonpath={.metadata.uid}')).stdout;
      const job = JSON.parse((await kubectl('get', 'job', 'manual-1', '-o', 'json')).stdout);
      expect(job.metadata.annotations).toMatchObject({ 'cronjob.kubernetes.io/instantiate': 'manual' });
      expect(job.metadata.ownerReferences).toEqual([
        { apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: cronUid, controller: true },
      ]);

      const schedule = ['--schedule=*/5 * * * *', '--', 'echo', 'hi'];
      expect(await kubectl('create', 'cronjob', 'hi', '--image=busybox', ...schedule)).toMatchObject({
        code: 0,
        stdout: 'cronjob.batch/hi created\n',
      });
      const hi = await kubectl('get', 'cronjob', 'hi', '-o', 'jsonpath={.spec.jobTemplate.spec.template.spec}');
      expect(JSON.parse(hi.stdout)).toMatchObject({
        containers: [{ name: 'hi', image: 'busybox', command: ['echo', 'hi'] }],
        restartPolicy: 'OnFailure',
      });
      expect((await kubectl('get', 'cronjob', 'hi')).stdout).toMatch(/\nhi\s+\*\/5 \* \* \* \*\s+<none>\s+False\s/);
      expect(await kubectl('create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi')).toMatchObject({
        code: 0,
        stdout: 'job.batch/j created\n',
      });
      await until(async () => {
        await h!.advance(500);
        return /\nj\s+Complete\s+1\/1\s/.test((await kubectl('get', 'job', 'j')).stdout);
      }, 'j to complete');
      expect((await kubectl('logs', 'job/j')).stdout).toBe('hi\n');
    },
    60_000,
  );
});

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
