import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { registerExpandCommand } from '../../src/cli/expand-command.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { formatError } from '../../src/cli/program.ts';
import { RuntimeHarness, type CliResult } from '../support/local-runtime.ts';

// The seed's second walkthrough ("Parallel Processing using Expansions") as a user runs it: expand the task's
// templates with `jobctl expand`, create the Jobs with `jobctl apply`, and find them by their jobgroup label.
const START = '2026-03-02T10:00:30Z';

let h: RuntimeHarness | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** `jobctl expand …` in-process, as `runCli` runs a command: errors become `error: …` lines and exit code 1. */
async function expand(args: string[], stdin = ''): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    now: () => Date.parse(START),
    setExitCode: () => {},
  };
  const program = new Command('jobctl').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerExpandCommand(program, { io, readStdin: async () => stdin, cwd: process.cwd() });
  try {
    await program.parseAsync(['expand', ...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return { code: error.exitCode, stdout, stderr };
    return { code: 1, stdout, stderr: `${stderr}${formatError(error)}\n` };
  }
  return { code: 0, stdout, stderr };
}

const names = (r: CliResult) => r.stdout.split('\n').filter(Boolean);

describe('walkthrough 2: parallel processing using expansions', () => {
  it('expands job-tmpl.yaml per item, applies the stream, and runs the three Jobs of the jobgroup', async () => {
    h = await RuntimeHarness.start(START);

    // jobctl expand -f examples/expansion/job-tmpl.yaml --items apple,banana,cherry | jobctl apply -f -
    const expanded = await expand(['-f', 'examples/expansion/job-tmpl.yaml', '--items', 'apple,banana,cherry']);
    expect(expanded).toMatchObject({ code: 0, stderr: '' });
    const applied = await h.jobctl('apply', '-f', await h.writeManifest('jobs', expanded.stdout));
    expect(applied).toMatchObject({
      code: 0,
      stdout:
        'job.batch/process-item-apple created\njob.batch/process-item-banana created\njob.batch/process-item-cherry ' +
        'created\n',
    });
    // The task's pod templates carry a name (metadata.name: jobexample), which Kubernetes ignores without a word:
    // so does jobctl.
    expect(applied.stderr).not.toMatch(/template\.metadata/);

    const listed = await h.jobctl('get', 'jobs', '-l', 'jobgroup=jobexample');
    expect(names(listed)[0]).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE/);
    expect(
      names(listed)
        .slice(1)
        .map((line) => line.split(/\s+/)[0]),
    ).toEqual(['process-item-apple', 'process-item-banana', 'process-item-cherry']);

    // The task's containers sleep 5 real seconds.
    await h.advance(10_000);
    expect(names(await h.jobctl('get', 'jobs', '-l', 'jobgroup=jobexample')).slice(1)).toEqual([
      expect.stringMatching(/^process-item-apple\s+Complete\s+1\/1\s/),
      expect.stringMatching(/^process-item-banana\s+Complete\s+1\/1\s/),
      expect.stringMatching(/^process-item-cherry\s+Complete\s+1\/1\s/),
    ]);
    expect((await h.jobctl('logs', 'job/process-item-banana')).stdout).toBe('Processing item banana\n');
  });

  it("writes the task's Jinja2 template to one file per Job with --out, which apply -f DIR creates", async () => {
    h = await RuntimeHarness.start(START);
    const out = join(h.stateDir, 'jobs');

    const expanded = await expand(['-f', 'examples/expansion/job.yaml.jinja2', '--out', out]);

    expect(expanded).toEqual({
      code: 0,
      stdout: ['apple', 'banana', 'cherry'].map((f) => `${join(out, `job-jobexample-${f}.yaml`)}\n`).join(''),
      stderr: '',
    });
    expect(await readFile(join(out, 'job-jobexample-apple.yaml'), 'utf8')).toContain(
      'command: ["sh", "-c", "echo Processing URL http://dbpedia.org/resource/Apple && sleep 5"]',
    );
    expect(names(await h.jobctl('create', '-f', out))).toEqual([
      'job.batch/jobexample-apple created',
      'job.batch/jobexample-banana created',
      'job.batch/jobexample-cherry created',
    ]);
    expect(names(await h.jobctl('get', 'jobs', '-l', 'jobgroup=jobexample', '-o', 'name'))).toEqual([
      'job.batch/jobexample-apple',
      'job.batch/jobexample-banana',
      'job.batch/jobexample-cherry',
    ]);
  });

  it('renders params.csv through the Jinja2 template and through job-tmpl.yaml alike', async () => {
    const jinja = await expand([
      '-f',
      'examples/expansion/job-params.yaml.jinja2',
      '--params',
      'examples/expansion/params.csv',
    ]);
    const subst = await expand(['-f', 'examples/expansion/job-tmpl.yaml', '--params', 'examples/expansion/params.csv']);
    const seed = await expand(['-f', 'examples/expansion/job.yaml.jinja2']);

    expect(jinja).toEqual(seed);
    expect(subst.stdout).toBe(
      (await expand(['-f', 'examples/expansion/job-tmpl.yaml', '--items', 'apple,banana,cherry'])).stdout,
    );
  });
});

describe('jobctl expand', () => {
  it('reads items one per line from --items-file and a template from stdin with --var', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'jobctl-expand-'));
    const itemsFile = join(scratch, 'items.txt');
    await writeFile(itemsFile, 'apple\n\nbanana\n');
    const template = (await readFile('examples/expansion/job-tmpl.yaml', 'utf8')).replace(
      'image: busybox',
      'image: $IMAGE',
    );

    const result = await expand(['-f', '-', '--items-file', itemsFile, '--var', 'IMAGE=busybox:1.36'], template);

    expect(result.code).toBe(0);
    expect(result.stdout.match(/name: process-item-\w+|image: \S+/g)).toEqual([
      'name: process-item-apple',
      'image: busybox:1.36',
      'name: process-item-banana',
      'image: busybox:1.36',
    ]);
  });

  it('writes nothing to --out when one item is invalid, and names the item', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'jobctl-expand-'));
    const out = join(scratch, 'jobs');

    const result = await expand([
      '-f',
      'examples/expansion/job-tmpl.yaml',
      '--items',
      'apple,Apple Pie,cherry',
      '--out',
      out,
    ]);

    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(
        new RegExp(
          /^error: item "Apple Pie": examples\/expansion\/job-tmpl\.yaml:4 metadata\.name: Invalid value:/.source +
            / "process-item-Apple Pie": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric/.source +
            / characters, '-' or '\.'.*\n$/.source,
        ),
      ),
    });
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  it('reports a Jinja2 template that renders no manifests', async () => {
    const result = await expand(['-f', 'examples/expansion/job-params.yaml.jinja2']);

    // Without --params, `params` is undefined: nunjucks iterates nothing, so the template renders no Job.
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: examples/expansion/job-params.yaml.jinja2: the template rendered no manifests\n',
    });
  });

  it.each([
    {
      name: 'two item sources',
      args: ['--items', 'a', '--params', 'examples/expansion/params.csv'],
      error: 'error: --items and --params cannot be used together: give the items one way\n',
    },
    {
      name: 'a --var without =',
      args: ['--items', 'a', '--var', 'IMAGE'],
      error: 'error: --var "IMAGE": expected NAME=VALUE, e.g. --var IMAGE=busybox\n',
    },
    {
      name: 'a missing params file',
      args: ['--params', 'nope.csv'],
      error: 'error: --params: the path "nope.csv" does not exist\n',
    },
    { name: 'an empty --items', args: ['--items', ' , '], error: 'error: --items: no items\n' },
  ])('rejects $name', async ({ args, error }) => {
    expect(await expand(['-f', 'examples/expansion/job-tmpl.yaml', ...args])).toEqual({
      code: 1,
      stdout: '',
      stderr: error,
    });
  });
});
