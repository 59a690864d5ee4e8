import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JOBCTL_ENTRY, jobctlShimScript, writeJobctlShim } from '../../../../src/adapters/process/jobctl-shim.ts';

const run = promisify(execFile);

/** An entry point that prints its arguments as JSON: what the shim passes on, without starting all of jobctl. */
const ECHO_ARGS = 'console.log(JSON.stringify(process.argv.slice(2)));\n';

describe('the jobctl script on the PATH of local tasks', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "jobctl shim 'quoted' "));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('execs node with the entry point and passes every argument through unchanged, quotes in paths too', async () => {
    const entry = join(dir, "it's entry.mjs");
    await writeFile(entry, ECHO_ARGS);

    const bin = await writeJobctlShim(join(dir, 'bin'), { entry });

    expect(bin).toBe(join(dir, 'bin'));
    expect(statSync(join(dir, 'bin', 'jobctl')).mode & 0o777).toBe(0o700);
    const args = ['worker', '--queue', 'job2', '--', 'sh', '-c', `echo "$JOB_ITEM" 'x'`, ''];
    const { stdout } = await run(join(dir, 'bin', 'jobctl'), args);
    expect(JSON.parse(stdout)).toEqual(args);
  });

  it('runs this checkout: bin/jobctl.mjs with the node that runs the runtime', async () => {
    expect(jobctlShimScript('/usr/bin/node', JOBCTL_ENTRY)).toBe(
      `#!/bin/sh\nexec '/usr/bin/node' '${JOBCTL_ENTRY}' "$@"\n`,
    );
    expect(existsSync(JOBCTL_ENTRY)).toBe(true);

    await writeJobctlShim(dir);

    const { stdout } = await run(join(dir, 'jobctl'), [
      'cron',
      'next',
      '*/5 * * * *',
      '--after',
      '2026-03-02T10:01:00Z',
      '-n',
      '1',
    ]);
    expect(stdout).toMatch(/2026-03-02T10:05:00/);
  });

  it('writes nothing when the entry point is missing (a bundle without bin/)', async () => {
    expect(await writeJobctlShim(join(dir, 'bin'), { entry: join(dir, 'missing.mjs') })).toBeUndefined();
    expect(existsSync(join(dir, 'bin'))).toBe(false);
  });
});
