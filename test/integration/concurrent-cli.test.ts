import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// Audit D14: with no runtime, each command opens the LevelDB itself; six `apply` at once gave 2 applied,
// 3 "…/db is in use by another jobctl process" and 1 Node stack trace ("Database is closed"). They now take turns.
const run = promisify(execFile);
const bin = resolve('bin/jobctl.mjs');
let dir: string | undefined;
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('CLI commands run at once with no runtime (audit D14)', () => {
  it('six parallel applies on a fresh state directory all apply, one after another', { timeout: 180_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'jobctl-d14-'));
    const env = { ...process.env, JOBCTL_STATE_DIR: join(dir, '.jobctl') };
    const names = [1, 2, 3, 4, 5, 6].map((i) => `job-${i}`);
    for (const name of names) {
      await writeFile(
        join(dir, `${name}.yaml`),
        `apiVersion: batch/v1\nkind: Job\nmetadata: {name: ${name}}\nspec:\n  template:\n    spec:\n      ` +
          `restartPolicy: Never\n      containers: [{name: c, image: busybox, command: ["true"]}]\n`,
      );
    }
    const results = await Promise.all(
      names.map((name) =>
        run(process.execPath, [bin, 'apply', '-f', join(dir!, `${name}.yaml`)], { env }).then(
          ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
          (e: { code: number; stdout: string; stderr: string }) => ({
            code: e.code,
            stdout: e.stdout,
            stderr: e.stderr,
          }),
        ),
      ),
    );
    expect(results.map((r) => [r.code, r.stdout])).toEqual(names.map((n) => [0, `job.batch/${n} created\n`]));
    for (const r of results) expect(r.stderr).toMatch(/^note: no jobctl runtime is running[^\n]*\n$/);
    const listed = await run(process.execPath, [bin, 'get', 'jobs', '-o', 'name'], { env });
    expect(listed.stdout).toBe(names.map((n) => `job.batch/${n}\n`).join(''));
  });
});
