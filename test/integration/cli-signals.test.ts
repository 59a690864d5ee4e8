import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Audit D9: `src/cli/main.ts` turned SIGINT/SIGTERM into an abort signal that only `--watch`/`-f` observed, so every
// other command ignored Ctrl-C and SIGTERM (`timeout 3 jobctl apply …` ran 48 s; a Jinja2 loop ran 239 s under
// `timeout 60`); only SIGKILL stopped them. The default action now applies unless the command observes the abort.
// These run the real `bin/jobctl.mjs` in a child process: signal dispositions are per process.
const jobctl = fileURLToPath(new URL('../../bin/jobctl.mjs', import.meta.url));

let dir: string;
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobctl-signals-'));
});
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(...args: string[]): Run {
  const child = spawn(process.execPath, [jobctl, ...args], {
    cwd: dir,
    env: { ...process.env, JOBCTL_STATE_DIR: join(dir, 'state') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves with how the process ended, or `undefined` if it is still running after `ms`. */
function endedWithin(r: Run, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | undefined> {
  return Promise.race([r.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms))]);
}

/** CPU seconds the process has used (Linux /proc): far past start-up means the command itself is running. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const jobs = (n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: sig-${i}\nspec:\n  template:\n    spec:\n      ` +
      `containers:\n      - name: c\n        image: busybox\n        command: ["true"]\n      restartPolicy: Never\n`,
  ).join('---\n');

describe('Ctrl-C and SIGTERM (audit D9)', () => {
  it('end an apply part-way with the default action (killed by SIGTERM)', async () => {
    await writeFile(join(dir, 'many.yaml'), jobs(1000));
    const r = run('apply', '-f', 'many.yaml');
    await until(() => /applied \d+\/1000/.test(r.stderr()), 'the first progress line');

    r.child.kill('SIGTERM');
    const ended = await endedWithin(r, 5_000);

    expect(ended).toEqual({ code: null, signal: 'SIGTERM' });
    expect(r.stderr()).not.toContain('applied 1000/1000');
  }, 120_000);

  it.skipIf(!existsSync('/proc/self/stat'))(
    'end a Jinja2 render that would run for ever (killed by SIGINT)',
    async () => {
      await writeFile(join(dir, 'loop.yaml.jinja2'), '{% for i in range(1000000000) %}{% endfor %}');
      const r = run('expand', '-f', 'loop.yaml.jinja2');
      // Start-up takes about a second of CPU; four seconds of it means the render is running.
      await until(() => r.child.exitCode === null && cpuSeconds(r.child.pid!) > 4, 'the render to be running');

      r.child.kill('SIGINT');
      const ended = await endedWithin(r, 5_000);

      expect(ended).toEqual({ code: null, signal: 'SIGINT' });
    },
    120_000,
  );

  it('still let get --watch, which observes the abort, end cleanly', async () => {
    await writeFile(join(dir, 'one.yaml'), jobs(1));
    const applied = run('apply', '-f', 'one.yaml');
    expect(await applied.exited).toEqual({ code: 0, signal: null });

    const r = run('get', 'jobs', '--watch');
    await until(() => r.stdout().includes('sig-0'), 'the listing');
    r.child.kill('SIGINT');
    const ended = await endedWithin(r, 10_000);

    expect(ended).toEqual({ code: 0, signal: null });
  }, 120_000);
});
