import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeHarness, unixMinutes } from '../support/local-runtime.ts';

// The seed's first walkthrough ("Running automated tasks with a CronJob"), as a user runs it, on the embedded
// runtime with a manual clock: a minute passes in milliseconds, tasks are real child processes.
const START = '2026-03-02T10:00:30Z';
const minutes = unixMinutes;

let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

const manifest = (name: string, text: string) => h!.writeManifest(name, text);

const cronJobYaml = (name: string, spec: string, command: string, jobSpec = '') => `apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${name}
spec:
  schedule: "*/1 * * * *"
${spec}  jobTemplate:
    spec:
${jobSpec}      template:
        spec:
          containers:
          - name: main
            image: busybox
            command: ["/bin/sh", "-c", ${JSON.stringify(command)}]
          restartPolicy: Never
`;

describe('walkthrough 1: the hello CronJob', () => {
  it(
    'runs the seed YAML verbatim every minute, shows it like kubectl, and deletes it with its jobs ' + 'and logs',
    async () => {
      h = await RuntimeHarness.start(START);
      const applied = await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml');
      expect(applied).toMatchObject({ code: 0, stdout: 'cronjob.batch/hello created\n' });

      const before = await h.jobctl('get', 'cronjob', 'hello');
      expect(before.stdout).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\n/);
      expect(before.stdout).toMatch(/hello\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+0\s+<none>\s+0s/);

      await h.advance(60_000);
      const jobName = `hello-${minutes('2026-03-02T10:01:00Z')}`;
      const jobs = await h.jobctl('get', 'jobs');
      expect(jobs.stdout).toMatch(new RegExp(`${jobName}\\s+Complete\\s+1/1\\s`));

      const logs = await h.jobctl('logs', jobName);
      expect(logs.stdout).toMatch(/^\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \w+ \d{4}\nHello from the Kubernetes cluster\n$/);

      const pods = await h.jobctl('get', 'pods', '--selector', `job-name=${jobName}`, '-o', 'name');
      expect(pods.stdout).toMatch(new RegExp(`^pod/${jobName}-[a-z0-9]{5}\\n$`));

      const after = await h.jobctl('get', 'cronjob', 'hello');
      expect(after.stdout).toMatch(/hello\s+\*\/1 \* \* \* \*\s+<none>\s+False\s+0\s+\d+s\s+\d+s/);

      const described = await h.jobctl('describe', 'cronjob', 'hello');
      expect(described.stdout).toMatch(/Normal\s+SuccessfulCreate\s+.*Created job hello-\d+/);
      expect(described.stdout).toMatch(/Normal\s+SawCompletedJob\s+.*Saw completed job: hello-\d+, status: Complete/);

      const podName = pods.stdout.trim().slice('pod/'.length);
      const logFile = join(h.stateDir, 'logs', 'default', `${podName}.log`);
      expect((await stat(logFile)).size).toBeGreaterThan(0);

      const deleted = await h.jobctl('delete', 'cronjob', 'hello');
      expect(deleted).toMatchObject({ code: 0, stdout: 'cronjob.batch "hello" deleted\n' });
      expect((await h.jobctl('get', 'cronjobs')).stderr).toBe('No resources found in default namespace.\n');
      expect((await h.jobctl('get', 'jobs')).stderr).toBe('No resources found in default namespace.\n');
      await expect(stat(logFile)).rejects.toThrow(/ENOENT/);

      // No more runs after the delete.
      await h.advance(120_000);
      expect((await h.jobctl('get', 'jobs', '-o', 'name')).stdout).toBe('');
    },
  );

  it('keeps state across a restart and starts only the most recent run missed while down', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml');
    await h.advance(60_000); // 10:01 runs
    await h.down();
    h.clock.advance(10 * 60_000); // down over 10:02 … 10:11
    await h.up();
    await h.advance(0);
    const names = (await h.jobctl('get', 'jobs', '-o', 'name')).stdout.trim().split('\n');
    expect(names).toEqual([
      `job.batch/hello-${minutes('2026-03-02T10:01:00Z')}`,
      `job.batch/hello-${minutes('2026-03-02T10:11:00Z')}`,
    ]);
  });

  it('honours startingDeadlineSeconds for a run missed while down', async () => {
    h = await RuntimeHarness.start(START);
    const path = await manifest('deadline', cronJobYaml('deadline', '  startingDeadlineSeconds: 20\n', 'echo hi'));
    await h.jobctl('apply', '-f', path);
    await h.down();
    h.clock.advance(90_000); // now 10:02:00; 10:01 and 10:02 were missed; 10:02 is inside 20 s, 10:01 is not
    h.clock.advance(30_000); // now 10:02:30: 10:02 is now 30 s late, past the 20 s deadline
    await h.up();
    await h.advance(0);
    expect((await h.jobctl('get', 'jobs', '-o', 'name')).stdout).toBe('');
    await h.advance(30_100); // 10:03:00.1 is on time
    expect((await h.jobctl('get', 'jobs', '-o', 'name')).stdout).toBe(
      `job.batch/deadline-${minutes('2026-03-02T10:03:00Z')}\n`,
    );
  });
});

describe('concurrency policy, suspend, history, back-off and deadlines on the embedded runtime', () => {
  it('Forbid skips a run while the previous one is active', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl(
      'apply',
      '-f',
      await manifest('forbid', cronJobYaml('forbid', '  concurrencyPolicy: Forbid\n', 'sleep 300')),
    );
    await h.advance(60_000, { tasks: false });
    await h.advance(60_000, { tasks: false });
    const jobs = (await h.jobctl('get', 'jobs', '-o', 'name')).stdout.trim().split('\n');
    expect(jobs).toEqual([`job.batch/forbid-${minutes('2026-03-02T10:01:00Z')}`]);
    expect((await h.jobctl('describe', 'cronjob', 'forbid')).stdout).toMatch(/JobAlreadyActive/);
  });

  it('Replace stops the active run and starts the new one', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl(
      'apply',
      '-f',
      await manifest('replace', cronJobYaml('replace', '  concurrencyPolicy: Replace\n', 'sleep 300')),
    );
    await h.advance(60_000, { tasks: false });
    const first = (await h.jobctl('get', 'pods', '-o', 'name')).stdout.trim();
    await h.advance(60_000, { tasks: false });
    const jobs = (await h.jobctl('get', 'jobs', '-o', 'name')).stdout.trim().split('\n');
    expect(jobs).toEqual([`job.batch/replace-${minutes('2026-03-02T10:02:00Z')}`]);
    expect(h.runtime.launcher.isRunning('default', first.slice('pod/'.length))).toBe(false);
    expect(h.runtime.launcher.runningCount).toBe(1);
    expect((await h.jobctl('describe', 'cronjob', 'replace')).stdout).toMatch(
      /SuccessfulDelete\s+.*Deleted job replace-/,
    );
  });

  it('suspend holds runs and resume starts the most recent missed one at once', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml');
    expect((await h.jobctl('suspend', 'hello')).stdout).toBe('cronjob.batch/hello patched\n');
    await h.advance(3 * 60_000);
    expect((await h.jobctl('get', 'jobs', '-o', 'name')).stdout).toBe('');
    expect((await h.jobctl('get', 'cronjob', 'hello')).stdout).toMatch(/hello\s+\S+ \S+ \S+ \S+ \S+\s+<none>\s+True/);
    await h.advance(20_000); // 10:03:50
    await h.jobctl('resume', 'hello');
    expect((await h.jobctl('get', 'jobs', '-o', 'name')).stdout).toBe(
      `job.batch/hello-${minutes('2026-03-02T10:03:00Z')}\n`,
    );
  });

  it('keeps 3 succeeded and 1 failed Jobs by default', async () => {
    h = await RuntimeHarness.start(START);
    // backoffLimit 0: a failed pod fails its Job at once.
    await h.jobctl('apply', '-f', await manifest('ok', cronJobYaml('ok', '', 'true')));
    await h.jobctl('apply', '-f', await manifest('bad', cronJobYaml('bad', '', 'exit 1', '      backoffLimit: 0\n')));
    for (let i = 0; i < 6; i++) await h.advance(60_000);
    const names = (await h.jobctl('get', 'jobs', '-o', 'name')).stdout.trim().split('\n');
    expect(names.filter((n) => n.startsWith('job.batch/ok-'))).toEqual(
      ['10:04', '10:05', '10:06'].map((t) => `job.batch/ok-${minutes(`2026-03-02T${t}:00Z`)}`),
    );
    expect(names.filter((n) => n.startsWith('job.batch/bad-'))).toEqual([
      `job.batch/bad-${minutes('2026-03-02T10:06:00Z')}`,
    ]);
  });

  it('stops retrying a Job once backoffLimit is exceeded', async () => {
    h = await RuntimeHarness.start(START);
    const path = await manifest(
      'retry',
      `apiVersion: batch/v1
kind: Job
metadata:
  name: retry
spec:
  backoffLimit: 2
  template:
    spec:
      containers:
      - name: main
        image: busybox
        command: ["/bin/sh", "-c", "echo attempt; exit 3"]
      restartPolicy: Never
`,
    );
    await h.jobctl('apply', '-f', path);
    await h.advance(0);
    await h.advance(10_000); // back-off 10 s before the 2nd pod
    await h.advance(20_000); // 20 s before the 3rd
    await h.advance(40_000);
    const job = JSON.parse((await h.jobctl('get', 'job', 'retry', '-o', 'json')).stdout);
    expect(job.status).toMatchObject({ failed: 3 });
    expect(job.status.succeeded).toBeUndefined(); // omitempty, as the API server serves it
    expect(job.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }),
    );
    expect((await h.jobctl('get', 'pods', '-o', 'name')).stdout.trim().split('\n')).toHaveLength(3);
    await h.advance(600_000);
    expect((await h.jobctl('get', 'pods', '-o', 'name')).stdout.trim().split('\n')).toHaveLength(3);
  });

  it('fails a Job past activeDeadlineSeconds and stops its task', async () => {
    h = await RuntimeHarness.start(START);
    const path = await manifest(
      'slow',
      `apiVersion: batch/v1
kind: Job
metadata:
  name: slow
spec:
  activeDeadlineSeconds: 5
  template:
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sleep", "300"]
      restartPolicy: Never
`,
    );
    await h.jobctl('apply', '-f', path);
    await h.advance(0, { tasks: false });
    expect(h.runtime.launcher.runningCount).toBe(1);
    await h.advance(5_000, { tasks: false });
    expect(h.runtime.launcher.runningCount).toBe(0);
    const job = JSON.parse((await h.jobctl('get', 'job', 'slow', '-o', 'json')).stdout);
    expect(job.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }),
    );
  });
});
