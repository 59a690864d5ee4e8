import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { runCli } from '../../src/cli/program.ts';
import { expandAllCategory, multipleTypesRequested } from '../../src/cli/resource-objects.ts';
import { versionInfo } from '../../src/kube-api/discovery.ts';
import { type CliResult, RuntimeHarness } from '../support/local-runtime.ts';

// Three gaps found trying the seed with jobctl in place of kubectl (issue 13): `jobctl version`, `jobctl get all`,
// and `jobctl get jobs --watch` begun before any Job exists. Each as kubectl prints it against `jobctl up`'s API.
const START = '2026-03-02T10:00:30Z';

let h: RuntimeHarness | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await h?.destroy();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  h = scratch = undefined;
});

const lines = (text: string) => text.split('\n').filter((l) => l !== '');

/** Each header's column starts where every row's value does: a table kubectl's tabwriter would print. */
function columnsAligned(table: string): boolean {
  const [header, ...rows] = lines(table);
  const starts = [...header!.matchAll(/(?<=^| {3})\S/g)].map((m) => m.index);
  return rows.length > 0 && rows.every((row) => starts.every((s) => s === 0 || (row[s - 1] === ' ' && row[s] !== ' ')));
}

const job = (name: string, command: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", ${JSON.stringify(command)}]
      restartPolicy: Never
`;

describe('jobctl version', () => {
  const client = `Client Version: v${packageJson.version}\n`;

  it("prints the client's version, and the server's (the API's /version) while a runtime serves it", async () => {
    h = await RuntimeHarness.start(START);
    expect(await h.jobctl('version')).toEqual({
      code: 0,
      stdout: `${client}Server Version: v1.32.0-jobctl\n`,
      stderr: '',
    });
    expect(await h.jobctl('version', '--client')).toEqual({ code: 0, stdout: client, stderr: '' });

    const json = JSON.parse((await h.jobctl('version', '-o', 'json')).stdout);
    expect(json).toEqual({
      clientVersion: {
        major: packageJson.version.split('.')[0],
        minor: packageJson.version.split('.')[1],
        gitVersion: `v${packageJson.version}`,
        gitCommit: '',
        gitTreeState: '',
        buildDate: '',
        goVersion: 'jobctl',
        compiler: 'jobctl',
        platform: `${process.platform}/${process.arch}`,
      },
      serverVersion: versionInfo(), // what kubectl version reads from the API
    });
    expect(Object.keys(json.clientVersion)[0]).toBe('major'); // kubectl's struct order, not sorted
    expect((await h.jobctl('version', '--client=true', '-o', 'json')).stdout).toMatch(/^\{\n {2}"clientVersion": \{\n/);

    // sigs.k8s.io/yaml: sorted keys, go-yaml's quoting, and Println's newline after the document's.
    const yaml = (await h.jobctl('version', '-o', 'yaml')).stdout;
    expect(yaml).toMatch(/^clientVersion:\n {2}buildDate: ""\n {2}compiler: jobctl\n/);
    expect(yaml).toMatch(/\nserverVersion:\n {2}buildDate: ""\n[\s\S]*\n {2}major: "1"\n {2}minor: "32"\n/);
    expect(yaml.endsWith('\n\n')).toBe(true);
  });

  it("refuses other formats and arguments with kubectl's messages, before printing anything", async () => {
    h = await RuntimeHarness.start(START);
    expect(await h.jobctl('version', '-o', 'xml')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: --output must be 'yaml' or 'json'\n",
    });
    expect(await h.jobctl('version', 'extra')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: extra arguments: [extra]\n',
    });
  });

  it('prints the client alone where no runtime serves the state directory, and opens nothing there', async () => {
    scratch = await mkdtemp(join(tmpdir(), 'jobctl-version-'));
    let stdout = '';
    let stderr = '';
    const code = await runCli(['version'], {
      io: { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), now: Date.now, setExitCode: () => {} },
      env: { JOBCTL_STATE_DIR: scratch },
    });
    expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: client, stderr: '' });
    expect(await readdir(scratch)).toEqual([]);
  });
});

describe('jobctl get all', () => {
  it('prints pods, then cronjobs, then jobs: a table each, TYPE/NAME names, a blank line between', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml');
    await h.jobctl('apply', '-f', await h.writeManifest('pi', job('pi', 'echo pi')));
    await h.advance(0);

    const all = await h.jobctl('get', 'all');
    expect(all).toMatchObject({ code: 0, stderr: '' });
    const tables = all.stdout.split('\n\n');
    expect(tables.map(lines)).toEqual([
      [
        expect.stringMatching(/^NAME +READY {3}STATUS {6}RESTARTS {3}AGE$/),
        expect.stringMatching(/^pod\/pi-[a-z0-9]{5} +0\/1 +Completed +0 +0s$/),
      ],
      [
        expect.stringMatching(/^NAME +SCHEDULE {6}TIMEZONE {3}SUSPEND {3}ACTIVE {3}LAST SCHEDULE {3}AGE$/),
        expect.stringMatching(/^cronjob\.batch\/hello {3}\*\/1 \* \* \* \* {3}<none> +False +0 +<none> +0s$/),
      ],
      [
        expect.stringMatching(/^NAME +STATUS {5}COMPLETIONS {3}DURATION {3}AGE$/),
        expect.stringMatching(/^job\.batch\/pi {3}Complete {3}1\/1 +0s +0s$/),
      ],
    ]);
    for (const table of tables) expect(columnsAligned(table), table).toBe(true);

    expect(lines((await h.jobctl('get', 'all', '-o', 'name')).stdout)).toEqual([
      expect.stringMatching(/^pod\/pi-[a-z0-9]{5}$/),
      'cronjob.batch/hello',
      'job.batch/pi',
    ]);
    // Without headers, no blank lines either (kubectl separates tables only after a header).
    expect((await h.jobctl('get', 'all', '--no-headers')).stdout).toMatch(
      /^pod\/pi-\S+ .*\ncronjob\.batch\/hello .*\njob\.batch\/pi .*\n$/,
    );
  });

  it('names objects TYPE/NAME when several types are asked for, even if one kind is found', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml');
    for (const args of [['all'], ['cronjobs,jobs'], ['all', '-l', 'app!=x']]) {
      expect((await h.jobctl('get', ...args)).stdout, args.join(' ')).toMatch(
        /^NAME {18}SCHEDULE.*\ncronjob\.batch\/hello /,
      );
    }
    expect((await h.jobctl('get', 'cronjobs')).stdout).toMatch(/\nhello {3}\*\/1/);
    expect((await h.jobctl('get', 'cronjob/hello', 'cronjobs/hello')).stdout).toMatch(/\ncronjob\.batch\/hello /);

    await h.jobctl('delete', 'cronjob', 'hello');
    expect(await h.jobctl('get', 'all')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No resources found in default namespace.\n',
    });
  });

  it("gives kubectl's errors for all with a name, all with --watch, and all after a-b NAME", async () => {
    h = await RuntimeHarness.start(START);
    expect((await h.jobctl('get', 'all', 'hello')).stderr).toBe('error: you must specify only one resource\n');
    expect((await h.jobctl('get', 'all', '--watch')).stderr).toBe(
      'error: you may only specify a single resource type\n',
    );
    expect((await h.jobctl('get', 'jobs,all', 'hello')).stderr).toMatch(
      /^error: the server doesn't have a resource type "all"/,
    );
  });

  it('expands all as the resource builder does, and tells several requested types apart', () => {
    expect(expandAllCategory(['all'])).toEqual(['pods,cronjobs,jobs']);
    expect(expandAllCategory(['jobs,all'])).toEqual(['jobs,pods,cronjobs,jobs']);
    expect(expandAllCategory(['job/all'])).toEqual(['job/all']);
    expect(expandAllCategory(['ALL'])).toEqual(['ALL']);
    expect(multipleTypesRequested(['all'])).toBe(true);
    expect(multipleTypesRequested(['jobs,job'])).toBe(true);
    expect(multipleTypesRequested(['job/a', 'jobs/b'])).toBe(true);
    expect(multipleTypesRequested(['job/a', 'job/b'])).toBe(false);
    expect(multipleTypesRequested(['jobs', 'a', 'b'])).toBe(false);
    expect(multipleTypesRequested(['all', 'x'])).toBe(false);
  });
});

describe('jobctl get jobs --watch before any Job exists', () => {
  it('prints nothing, then the header with the first row, sized to fit it', async () => {
    h = await RuntimeHarness.start(START);
    const harness = h;
    const connection = harness.connection();
    const abort = new AbortController();
    const watched: CliResult = { code: 0, stdout: '', stderr: '' };
    const watching = runCli(['get', 'jobs', '--watch'], {
      io: {
        stdout: (s) => (watched.stdout += s),
        stderr: (s) => (watched.stderr += s),
        now: () => harness.clock.now(),
        setExitCode: () => {},
      },
      env: { JOBCTL_STATE_DIR: harness.stateDir },
      connect: async () => connection,
      signal: abort.signal,
    });
    try {
      await new Promise((r) => setTimeout(r, 700)); // the first listing and a poll: nothing to print
      expect(watched).toEqual({ code: 0, stdout: '', stderr: '' });
      await harness.jobctl('apply', '-f', await harness.writeManifest('job', job('a-long-job-name', 'sleep 30')));
      await harness.advance(0, { tasks: false });
      for (let i = 0; i < 50 && lines(watched.stdout).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      abort.abort();
      watched.code = await watching;
    }
    const [header, first] = lines(watched.stdout);
    expect(header).toMatch(/^NAME {14}STATUS {4}COMPLETIONS {3}DURATION {3}AGE$/);
    expect(first).toMatch(/^a-long-job-name {3}Running {3}0\/1 /);
    expect(columnsAligned(`${header}\n${first}\n`)).toBe(true);
    expect(watched.stderr).toBe('');
  });
});
