import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The two terminals of the README, as real processes: `jobctl up` in one, `jobctl …` commands in the other, finding
// each other through $JOBCTL_STATE_DIR/runtime.json. Nothing here waits for clock time to pass: a plain Job runs at
// once, and the polls below only wait for processes to do what they were told.
const run = promisify(execFile);
const bin = resolve('bin/jobctl.mjs');

let stateDir: string;
let up: ChildProcess;
let upOutput = '';

async function jobctl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, JOBCTL_STATE_DIR: stateDir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; jobctl up printed:\n${upOutput}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'jobctl-proc-'));
  up = spawn(process.execPath, [bin, 'up'], {
    env: { ...process.env, JOBCTL_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  up.stdout!.on('data', (c: Buffer) => (upOutput += c.toString()));
  up.stderr!.on('data', (c: Buffer) => (upOutput += c.toString()));
  await until('jobctl up to publish its endpoint', async () => {
    const info = await readFile(join(stateDir, 'runtime.json'), 'utf8').then(
      (t) => JSON.parse(t) as { dynamodbEndpoint: string },
      () => undefined,
    );
    return info?.dynamodbEndpoint ? info : undefined;
  });
});

afterAll(async () => {
  if (up.exitCode === null) up.kill('SIGKILL');
  await rm(stateDir, { recursive: true, force: true });
});

describe('jobctl up and the CLI as separate processes', () => {
  // Issue 13: the seed's fine work-queue Job runs its worker by name, as an image that ships jobctl would. The runtime
  // puts a `jobctl` running this checkout in front of every task's PATH; without it the pod fails to start
  // ("executable file not found in $PATH") or runs whatever other jobctl the machine has.
  it('runs a pod whose command is `jobctl worker …`: jobctl is on the PATH of local tasks', {
    timeout: 120_000,
  }, async () => {
    expect((await jobctl('queue', 'create', 'fruits')).code).toBe(0);
    expect((await jobctl('queue', 'push', 'fruits', 'apple', 'banana')).code).toBe(0);
    const manifest = join(stateDir, 'wq.yaml');
    await writeFile(
      manifest,
      `apiVersion: batch/v1
kind: Job
metadata:
  name: wq
spec:
  parallelism: 1
  template:
    metadata:
      name: wq
    spec:
      containers:
      - name: c
        image: jobctl
        command: ["jobctl", "worker", "--queue", "fruits", "--", "sh", "-c", 'echo "Working on $JOB_ITEM"']
      restartPolicy: Never
`,
    );
    expect(await jobctl('apply', '-f', manifest)).toMatchObject({ code: 0, stderr: '' });

    await until('the worker Job to complete', async () => {
      const { stdout } = await jobctl('get', 'job', 'wq', '-o', 'json');
      const job = JSON.parse(stdout) as { status: { conditions?: Array<{ type: string }> } };
      return job.status.conditions?.some((c) => c.type === 'Complete' || c.type === 'Failed') ? job : undefined;
    });
    const logs = (await jobctl('logs', 'job/wq')).stdout;
    const listed = (await jobctl('get', 'job', 'wq')).stdout;
    expect((await jobctl('delete', 'job', 'wq')).code).toBe(0);
    // The worker's own lines (stderr) and the command's (stdout) share the log, in no fixed order.
    expect({ lines: logs.trim().split('\n').sort(), listed }).toEqual({
      lines: [
        'Working on apple',
        'Working on banana',
        'queue fruits is empty: 2 items processed by this worker',
        expect.stringMatching(/^worker \S+: queue fruits: leasing items/),
      ],
      listed: expect.stringMatching(/\nwq\s+Complete\s+1\/1\s/),
    });
  });

  it('runs a Job applied from another process, shows its logs, deletes it, and stops cleanly on Ctrl-C', {
    timeout: 120_000,
  }, async () => {
    const manifest = join(stateDir, 'hi.yaml');
    await writeFile(
      manifest,
      `apiVersion: batch/v1
kind: Job
metadata:
  name: hi
spec:
  template:
    spec:
      containers:
      - name: hi
        image: busybox
        command: ["/bin/sh", "-c", "echo hello from a real process"]
      restartPolicy: Never
`,
    );
    expect(await jobctl('apply', '-f', manifest)).toMatchObject({
      code: 0,
      stdout: 'job.batch/hi created\n',
      stderr: '',
    });

    const done = await until('the Job to complete', async () => {
      const { stdout } = await jobctl('get', 'job', 'hi', '-o', 'json');
      const job = JSON.parse(stdout) as { status: { succeeded: number; conditions: Array<{ type: string }> } };
      return job.status.conditions.some((c) => c.type === 'Complete') ? job : undefined;
    });
    expect(done.status.succeeded).toBe(1);
    expect((await jobctl('logs', 'job/hi')).stdout).toBe('hello from a real process\n');
    expect(upOutput).toMatch(/job\/hi\s+Normal\s+Completed\s+Job completed/);

    expect(await jobctl('delete', 'job', 'hi')).toMatchObject({ code: 0, stdout: 'job.batch "hi" deleted\n' });
    expect((await jobctl('get', 'jobs')).stderr).toBe('No resources found in default namespace.\n');

    up.kill('SIGINT');
    const code = await new Promise<number | null>((r) => up.once('exit', (c) => r(c)));
    expect({ code, runtimeFile: await exists(join(stateDir, 'runtime.json')) }).toEqual({
      code: 0,
      runtimeFile: false,
    });

    // With no runtime, the CLI still reads the stored state, and says nothing will act on a write.
    const applied = await jobctl('apply', '-f', manifest);
    expect(applied.stderr).toMatch(/no jobctl runtime is running/);
    expect((await jobctl('get', 'jobs', '-o', 'name')).stdout).toBe('job.batch/hi\n');
  });
});
