import { execFile, execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, type ExpectStatic, it } from 'vitest';
import { selfSignedCertificate } from '../../src/adapters/tls/self-signed-certificate.ts';
import { runCli } from '../../src/cli/program.ts';
import { serveKubeApi } from '../../src/kube-api/server.ts';
import { kubeconfigText } from '../../src/runtime/local/kubeconfig.ts';
import { kubectlSkipNote } from '../support/kubectl.ts';
import { type CliResult, RuntimeHarness } from '../support/local-runtime.ts';

/*
 * Issue 13: the seed's walkthroughs 2, 3 and 4 as a new user tries them, every `kubectl` command typed as the seed
 * writes it — once with `jobctl` in its place, once with the real kubectl pointed at the Kubernetes API `jobctl up`
 * serves (over the test runtime: a manual clock, tasks as real processes). The seed's RabbitMQ and Redis shells have
 * no equivalent: the queues are filled with `jobctl queue`, and the Jobs name their queue as examples/work-queue does.
 * Asserted is what the seed shows, apart from names, times and ages — and from what today's kubectl prints where the
 * seed's older one printed otherwise: a STATUS column in `get jobs`, `N Active` for `N Running` in `Pods Statuses`,
 * events as `Type Reason Age From Message`. kubectl is not an npm package: where it is missing (or older than 1.29),
 * its half is skipped and says so in its name. Walkthrough 1 is test/e2e/walkthrough.test.ts and kubectl.test.ts.
 */
const skipped = kubectlSkipNote();

/** The seed's `render_template` alias (Python's Jinja2); `jobctl expand` renders the template where it is missing. */
const RENDER_TEMPLATE =
  'python -c "from jinja2 import Template; import sys; print(Template(sys.stdin.read()).render());"';
const hasJinja2 = (() => {
  try {
    execFileSync('python', ['-c', 'import jinja2'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
})();

const START = '2026-03-02T10:00:30Z';
const FRUITS = ['apple', 'banana', 'cherry', 'date', 'fig', 'grape', 'lemon', 'melon'];

type Run = (args: readonly string[], options?: { cwd?: string; stdin?: string }) => Promise<CliResult>;

/** One user's machine: the runtime, the seed's `kubectl` (jobctl or the real one), jobctl itself, their folder. */
interface World {
  readonly h: RuntimeHarness;
  readonly kubectl: Run;
  readonly jobctl: Run;
  /** The user's folder, where the seed downloads and writes its files. */
  readonly work: string;
  /** The test's own `expect`: the tests run concurrently. */
  readonly expect: ExpectStatic;
}

/** `jobctl ARGS` in-process against the harness's runtime, run from `cwd`, reading `stdin`. */
function jobctlOf(h: RuntimeHarness): Run {
  return async (args, options = {}) => {
    let stdout = '';
    let stderr = '';
    const connection = h.connection();
    const code = await runCli(args, {
      io: {
        stdout: (s) => (stdout += s),
        stderr: (s) => (stderr += s),
        now: () => h.clock.now(),
        setExitCode: () => {},
      },
      env: { JOBCTL_STATE_DIR: h.stateDir },
      cwd: options.cwd ?? process.cwd(),
      readStdin: async () => options.stdin ?? '',
      connect: async () => connection,
    });
    await h.runtime.settle({ tasks: false, timeoutMs: h.settleTimeoutMs });
    return { code, stdout, stderr };
  };
}

/**
 * Runs `walkthrough` on a fresh machine whose `kubectl` is jobctl, or the real kubectl with a kubeconfig for the API
 * over the runtime (TLS, a bearer token: as `jobctl up` writes it).
 */
async function inWorld(
  which: 'jobctl' | 'kubectl',
  expect: ExpectStatic,
  walkthrough: (w: World) => Promise<void>,
): Promise<void> {
  const h = await RuntimeHarness.start(START);
  // Real tasks on a loaded CI machine: settling may take longer than the harness's default.
  h.settleTimeoutMs = 60_000;
  const jobctl = jobctlOf(h);
  const work = join(h.stateDir, 'work');
  await mkdir(work);
  let close = async () => {};
  let kubectl = jobctl;
  try {
    if (which === 'kubectl') {
      const tls = await selfSignedCertificate(Date.now());
      const api = await serveKubeApi({ connection: h.connection(), token: 'test-token', tls });
      const home = await mkdtemp(join(tmpdir(), 'jobctl-seed-kubectl-'));
      close = async () => {
        await api.close();
        await rm(home, { recursive: true, force: true });
      };
      await writeFile(join(home, 'kubeconfig'), kubeconfigText(api.url, 'test-token', tls.cert));
      const env = { ...process.env, KUBECONFIG: join(home, 'kubeconfig'), HOME: home };
      kubectl = (args, options = {}) =>
        new Promise((done) => {
          const child = execFile(
            'kubectl',
            [`--cache-dir=${join(home, 'cache')}`, ...args],
            { env, cwd: options.cwd ?? process.cwd(), timeout: 30_000 },
            (e, stdout, stderr) => done({ code: e ? Number(e.code ?? 1) : 0, stdout, stderr }),
          );
          child.stdin?.end(options.stdin ?? '');
        });
    }
    await walkthrough({ h, kubectl, jobctl, work, expect });
  } finally {
    await close();
    await h.destroy();
  }
}

/** A shell command of the seed's, as typed, in the user's folder. */
function sh(cwd: string, script: string): Promise<CliResult> {
  return new Promise((done) => {
    execFile('sh', ['-c', script], { cwd }, (e, stdout, stderr) =>
      done({ code: e ? Number(e.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

/** Each header's column starts where every row's value does: a table kubectl's tabwriter would print. */
function columnsAligned(table: string): boolean {
  const [header, ...rows] = lines(table);
  const starts = [...header!.matchAll(/(?<=^| {3})\S/g)].map((m) => m.index);
  return rows.every((row) => starts.every((s) => s === 0 || (row[s - 1] === ' ' && row[s] !== ' ')));
}

/** Moves the clock a second at a time until the Job has finished (a bounded number of rounds). */
async function untilFinished(h: RuntimeHarness, name: string): Promise<void> {
  for (let round = 0; round < 30; round++) {
    await h.advance(1_000);
    const job = await h.runtime.store.get('Job', { namespace: 'default', name });
    if (job?.status.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True'))
      return;
  }
  throw new Error(`job ${name} did not finish`);
}

/** Walkthrough 2, "Parallel processing using expansions": sed, then Jinja2. */
async function walkthrough2({ h, kubectl, jobctl, work, expect }: World): Promise<void> {
  // curl -L -s -O https://k8s.io/examples/application/job/job-tmpl.yaml
  await copyFile('examples/expansion/job-tmpl.yaml', join(work, 'job-tmpl.yaml'));
  const loop =
    'mkdir ./jobs\nfor i in apple banana cherry\ndo\n' +
    '  cat job-tmpl.yaml | sed "s/\\$ITEM/$i/" > ./jobs/job-$i.yaml\ndone';
  expect((await sh(work, loop)).code).toBe(0);
  expect((await sh(work, 'ls jobs/')).stdout).toBe('job-apple.yaml\njob-banana.yaml\njob-cherry.yaml\n');

  expect(await kubectl(['create', '-f', './jobs'], { cwd: work })).toEqual({
    code: 0,
    stdout:
      'job.batch/process-item-apple created\njob.batch/process-item-banana created\n' +
      'job.batch/process-item-cherry created\n',
    stderr: '',
  });
  await h.advance(0); // the pods' `echo … && sleep 5` run to their end

  const jobs = (await kubectl(['get', 'jobs', '-l', 'jobgroup=jobexample'])).stdout;
  expect(lines(jobs)).toEqual([
    expect.stringMatching(/^NAME {18}STATUS {5}COMPLETIONS {3}DURATION {3}AGE$/),
    ...['apple', 'banana', 'cherry'].map((item) =>
      expect.stringMatching(new RegExp(`^process-item-${item} +Complete +1/1 +\\d+s +\\d+\\w$`)),
    ),
  ]);
  expect(columnsAligned(jobs)).toBe(true);

  const pods = (await kubectl(['get', 'pods', '-l', 'jobgroup=jobexample'])).stdout;
  expect(lines(pods)).toEqual([
    expect.stringMatching(/^NAME +READY {3}STATUS {6}RESTARTS {3}AGE$/),
    ...['apple', 'banana', 'cherry'].map((item) =>
      expect.stringMatching(new RegExp(`^process-item-${item}-[a-z0-9]{5} +0/1 +Completed +0 +\\d+\\w$`)),
    ),
  ]);
  expect(columnsAligned(pods)).toBe(true);

  // Three streams followed at once: kubectl prints them as they come.
  const logs = await kubectl(['logs', '-f', '-l', 'jobgroup=jobexample']);
  expect({ code: logs.code, lines: lines(logs.stdout).sort(), stderr: logs.stderr }).toEqual({
    code: 0,
    lines: ['Processing item apple', 'Processing item banana', 'Processing item cherry'],
    stderr: '',
  });

  expect((await kubectl(['delete', 'job', '-l', 'jobgroup=jobexample'])).stdout).toBe(
    'job.batch "process-item-apple" deleted\njob.batch "process-item-banana" deleted\n' +
      'job.batch "process-item-cherry" deleted\n',
  );
  // "The cluster deletes the Jobs' pods."
  expect((await kubectl(['get', 'pods', '-l', 'jobgroup=jobexample'])).stderr).toBe(
    'No resources found in default namespace.\n',
  );

  // cat job.yaml.jinja2 | render_template | kubectl apply -f -
  await copyFile('examples/expansion/job.yaml.jinja2', join(work, 'job.yaml.jinja2'));
  const rendered = hasJinja2
    ? await sh(work, `cat job.yaml.jinja2 | ${RENDER_TEMPLATE}`)
    : await jobctl(['expand', '-f', 'job.yaml.jinja2'], { cwd: work });
  expect(rendered.code).toBe(0);
  expect(await kubectl(['apply', '-f', '-'], { cwd: work, stdin: rendered.stdout })).toEqual({
    code: 0,
    stdout:
      'job.batch/jobexample-apple created\njob.batch/jobexample-banana created\njob.batch/jobexample-cherry created\n',
    stderr: '',
  });
  await h.advance(0);
  expect(lines((await kubectl(['logs', '-l', 'jobgroup=jobexample'])).stdout).sort()).toEqual(
    ['Apple', 'Banana', 'Cherry'].map((fruit) => `Processing URL http://dbpedia.org/resource/${fruit}`),
  );
  expect((await kubectl(['delete', 'job', '-l', 'jobgroup=jobexample'])).stdout).toBe(
    'job.batch "jobexample-apple" deleted\njob.batch "jobexample-banana" deleted\n' +
      'job.batch "jobexample-cherry" deleted\n',
  );
}

/** `kubectl version` ("your Kubernetes server must be at or later than version v1.8"). */
async function version({ kubectl, expect }: World): Promise<void> {
  expect(await kubectl(['version'])).toEqual({
    code: 0,
    // kubectl adds the kustomize it bundles; jobctl bundles none.
    stdout: expect.stringMatching(
      /^Client Version: v\S+\n(Kustomize Version: \S+\n)?Server Version: v1\.32\.0-jobctl\n$/,
    ),
    stderr: '',
  });
}

/**
 * The seed's ./job.yaml of walkthrough 3, "edited to match the image": the queue named by jobctl's annotation instead
 * of a broker, and the worker's command (the image is recorded, not pulled). The worker is the seed's, in sh: it
 * prints its one item, read from stdin, and exits.
 */
const JOB_WQ_1 = `apiVersion: batch/v1
kind: Job
metadata:
  name: job-wq-1
  annotations:
    jobctl.dev/work-queue: job1
spec:
  completions: 8
  parallelism: 2
  template:
    metadata:
      name: job-wq-1
    spec:
      containers:
      - name: c
        image: gcr.io/causal-jigsaw-637/job-wq-1
        command: ["sh", "-c", 'read item; echo "Processing $item"']
        env:
        - name: BROKER_URL
          value: amqp://guest:guest@rabbitmq-service:5672
        - name: QUEUE
          value: job1
      restartPolicy: OnFailure
`;

/** Walkthrough 3, "Coarse parallel processing using a work queue". */
async function walkthrough3(w: World): Promise<void> {
  const { h, kubectl, jobctl, work, expect } = w;
  await version(w);
  // The seed's amqp-declare-queue and amqp-publish loop.
  expect((await jobctl(['queue', 'create', 'job1'])).stdout).toBe('workqueue.jobctl.dev/job1 created\n');
  expect((await jobctl(['queue', 'push', 'job1', ...FRUITS])).stdout).toBe('pushed 8 items to workqueue/job1\n');

  await writeFile(join(work, 'job.yaml'), JOB_WQ_1);
  expect(await kubectl(['create', '-f', './job.yaml'], { cwd: work })).toEqual({
    code: 0,
    stdout: 'job.batch/job-wq-1 created\n',
    stderr: '',
  });
  await untilFinished(h, 'job-wq-1');

  const described = await kubectl(['describe', 'jobs/job-wq-1']);
  expect(described).toMatchObject({ code: 0, stderr: '' });
  const text = described.stdout;
  for (const line of [
    /^Name: +job-wq-1$/m,
    /^Namespace: +default$/m,
    /^Selector: +\S*controller-uid=[0-9a-f-]{36}$/m,
    /^Labels: +\S*controller-uid=[0-9a-f-]{36}$/m,
    /^ +job-name=job-wq-1$/m,
    /^Annotations: +jobctl\.dev\/work-queue: job1$/m, // the seed's job has <none>: here the queue is named so
    /^Parallelism: +2$/m,
    /^Completions: +8$/m,
    /^Start Time: +\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/m,
    // The seed's kubectl said `0 Running`; kubectl ≥ 1.23 says Active, with the ready count when the Job reports it.
    /^Pods Statuses: +0 Active( \(0 Ready\))? \/ 8 Succeeded \/ 0 Failed$/m,
    /^Pod Template:\n {2}Labels: +\S*controller-uid=/m,
    /^ {2}Containers:\n {3}c:\n {4}Image: +gcr\.io\/causal-jigsaw-637\/job-wq-1\n {4}Port: +<none>$/m,
    /^ {4}Environment:\n {6}BROKER_URL: +amqp:\/\/guest:guest@rabbitmq-service:5672\n {6}QUEUE: +job1\n/m,
    /^ {6}QUEUE: +job1\n {4}Mounts: +<none>$/m,
    /^ {2}Volumes: +<none>$/m,
    /^Events:\n {2}Type +Reason +Age +From +Message\n/m,
  ]) {
    expect(text).toMatch(line);
  }
  // "All our pods succeeded. Yay." — one SuccessfulCreate per item.
  const created = [...text.matchAll(/^ {2}Normal +SuccessfulCreate +\S+ +job-controller +Created pod: (\S+)$/gm)];
  expect(created.map((m) => m[1])).toEqual(Array(8).fill(expect.stringMatching(/^job-wq-1-[a-z0-9]{5}$/)));
  expect(lines((await jobctl(['queue', 'stats', 'job1'])).stdout)[1]).toMatch(/^job1 +0 +0 +8 +0$/);
}

/**
 * The seed's worker.py of walkthrough 4 on jobctl's WorkQueueClient (as examples/work-queue/fine/worker.ts), each
 * item's work 0.2 s instead of 10 s: the user's program, in the user's folder, importing jobctl from this checkout.
 */
function workerMts(src: string): string {
  const url = (path: string) => JSON.stringify(pathToFileURL(join(src, path)).href);
  return `process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const { setTimeout: sleep } = await import('node:timers/promises');
const { connectLocal } = await import(${url('runtime/local/connect.ts')});
const { resolveStateDir } = await import(${url('runtime/local/state-dir.ts')});
const { WorkQueueClient } = await import(${url('worker/work-queue-client.ts')});
const connection = await connectLocal(resolveStateDir(process.env, process.cwd()));
const q = new WorkQueueClient(connection.queues, 'job2', { log: (line) => console.log(line) });
console.log('Worker with sessionID: ' + q.sessionId);
console.log('Initial queue state: empty=' + ((await q.empty()) ? 'True' : 'False'));
while (!(await q.empty())) {
  const item = await q.lease(10, { block: true, timeoutSeconds: 2 });
  if (item !== undefined) {
    console.log('Working on ' + item.body);
    await sleep(200); // Put your actual work here instead of sleep.
    await q.complete(item);
  } else {
    console.log('Waiting for work');
  }
}
console.log('Queue empty, exiting');
await connection.close();
`;
}

/** The seed's ./job.yaml of walkthrough 4, its command running the worker above. */
const jobWq2 = (worker: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: job-wq-2
spec:
  parallelism: 2
  template:
    metadata:
      name: job-wq-2
    spec:
      containers:
      - name: c
        image: gcr.io/myproject/job-wq-2
        command: ["node", "--import", "tsx", ${JSON.stringify(worker)}]
      restartPolicy: OnFailure
`;

/** Walkthrough 4, "Fine parallel processing using a work queue". */
async function walkthrough4(w: World): Promise<void> {
  const { h, kubectl, jobctl, work, expect } = w;
  await version(w);
  // The seed's `rpush job2 …` in redis-cli, and `lrange job2 0 -1`.
  const items = [...FRUITS, 'orange'];
  expect((await jobctl(['queue', 'create', 'job2'])).code).toBe(0);
  expect((await jobctl(['queue', 'push', 'job2', ...items])).stdout).toBe('pushed 9 items to workqueue/job2\n');

  await writeFile(join(work, 'worker.mts'), workerMts(resolve('src')));
  await writeFile(join(work, 'job.yaml'), jobWq2(join(work, 'worker.mts')));
  expect(await kubectl(['apply', '-f', './job.yaml'], { cwd: work })).toEqual({
    code: 0,
    stdout: 'job.batch/job-wq-2 created\n',
    stderr: '',
  });
  await h.advance(0, { tasks: false }); // "wait a little": the two workers start

  const running = (await kubectl(['describe', 'jobs/job-wq-2'])).stdout;
  for (const line of [
    /^Name: +job-wq-2$/m,
    /^Selector: +\S*controller-uid=[0-9a-f-]{36}$/m,
    /^ +job-name=job-wq-2$/m,
    /^Annotations: +<none>$/m,
    /^Parallelism: +2$/m,
    /^Completions: +<unset>$/m,
    /^Pods Statuses: +2 Active( \(\d Ready\))? \/ 0 Succeeded \/ 0 Failed$/m,
    /^ {2}Containers:\n {3}c:\n {4}Image: +gcr\.io\/myproject\/job-wq-2\n/m,
    /^ {4}Environment: +<none>\n {4}Mounts: +<none>\n {2}Volumes: +<none>$/m,
  ]) {
    expect(running).toMatch(line);
  }
  const pods = [...running.matchAll(/^ {2}Normal +SuccessfulCreate +\S+ +job-controller +Created pod: (\S+)$/gm)].map(
    (m) => m[1]!,
  );
  expect(pods).toEqual(Array(2).fill(expect.stringMatching(/^job-wq-2-[a-z0-9]{5}$/)));

  // Once the queue is empty each worker exits 0, and the Job completes.
  await untilFinished(h, 'job-wq-2');
  const worked: string[] = [];
  for (const pod of pods) {
    const logs = await kubectl(['logs', `pods/${pod}`]);
    expect(logs).toMatchObject({ code: 0, stderr: '' });
    expect(logs.stdout).toMatch(/^Worker with sessionID: [0-9a-f-]{36}\nInitial queue state: empty=(False|True)\n/);
    expect(logs.stdout).toMatch(
      /\nInitial queue state: empty=(False|True)\n(Working on \w+\n|Waiting for work\n)*Queue empty, exiting\n$/,
    );
    worked.push(...[...logs.stdout.matchAll(/^Working on (\w+)$/gm)].map((m) => m[1]!));
  }
  expect(worked.sort()).toEqual([...items].sort()); // "one of the pods worked on several items"
  expect((await kubectl(['describe', 'jobs/job-wq-2'])).stdout).toMatch(
    /^Pods Statuses: +0 Active( \(0 Ready\))? \/ 2 Succeeded \/ 0 Failed$/m,
  );
  expect(lines((await jobctl(['queue', 'stats', 'job2'])).stdout)[1]).toMatch(/^job2 +0 +0 +9 +0$/);
}

// Each test its own runtime and folder, one after another: six runtimes at once with their tasks overran the settle
// timeouts on CI's two cores (walkthrough 2's pods sleep 5 s, twice).
const T = 120_000;
describe("the seed's walkthroughs 2-4, each kubectl command typed as written", () => {
  const NAMES = {
    2: '2: expansion with sed and Jinja2: create -f ./jobs, get -l, logs -f -l, delete -l, apply -f -',
    3: '3: coarse work queue: version, create -f ./job.yaml, describe jobs/job-wq-1',
    4: '4: fine work queue: version, apply -f ./job.yaml, describe jobs/job-wq-2, logs pods/…',
  };
  describe('with jobctl in place of kubectl', () => {
    it(NAMES[2], ({ expect }) => inWorld('jobctl', expect, walkthrough2), T);
    it(NAMES[3], ({ expect }) => inWorld('jobctl', expect, walkthrough3), T);
    it(NAMES[4], ({ expect }) => inWorld('jobctl', expect, walkthrough4), T);
  });

  describe(`with the real kubectl on the API of jobctl up${skipped}`, () => {
    it.skipIf(skipped !== '')(NAMES[2], ({ expect }) => inWorld('kubectl', expect, walkthrough2), T);
    it.skipIf(skipped !== '')(NAMES[3], ({ expect }) => inWorld('kubectl', expect, walkthrough3), T);
    it.skipIf(skipped !== '')(NAMES[4], ({ expect }) => inWorld('kubectl', expect, walkthrough4), T);
  });
});
