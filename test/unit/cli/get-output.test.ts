import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/clock.ts';
import { GetPrinter } from '../../../src/cli/get-output.ts';
import { runCli } from '../../../src/cli/program.ts';
import type { ResourceQuotas } from '../../../src/ports/resource-quotas.ts';
import type { WorkQueue } from '../../../src/ports/work-queue.ts';
import type { Job } from '../../../src/spec/types.ts';
import { FakeConnection } from '../../support/fakes/fake-connection.ts';
import { FakeStateStore } from '../../support/fakes/fake-state-store.ts';

// `jobctl get`'s kubectl output options, run in-process against a fake store: -o jsonpath / jsonpath-as-json /
// custom-columns(-file), --no-headers, --show-labels, --sort-by, -A, and what an empty list prints in each format.

const NOW = Date.parse('2026-03-02T10:00:00Z');
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString().replace('.000Z', 'Z');

function aJob(
  name: string,
  createdSecondsAgo: number,
  labels: Record<string, string> | undefined,
  status: Partial<Job['status']>,
) {
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default', creationTimestamp: ago(createdSecondsAgo), labels },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command: ['true'] }] },
      },
    },
    status: { active: 0, succeeded: 0, failed: 0, conditions: [], ...status },
  };
  return job;
}

let dir: string;
let full: FakeConnection;
let empty: FakeConnection;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobctl-get-output-'));
  const connection = (store: FakeStateStore) =>
    new FakeConnection({
      store,
      queues: {} as WorkQueue,
      quotas: {} as ResourceQuotas,
      clock: new ManualClock(NOW),
    });
  const store = new FakeStateStore({ now: () => NOW });
  await store.create(aJob('pi-10', 30, { app: 'pi' }, { succeeded: 1 }));
  await store.create(aJob('pi-9', 60, { tier: 'batch', app: 'pi' }, { active: 1 }));
  await store.create(aJob('hello', 10, undefined, { succeeded: 2 }));
  full = connection(store);
  empty = connection(new FakeStateStore({ now: () => NOW }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function jobctl(c: FakeConnection, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    io: { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), now: () => NOW, setExitCode: () => {} },
    env: { JOBCTL_STATE_DIR: dir },
    cwd: dir,
    connect: async () => c,
  });
  return { code, stdout, stderr };
}

const ok = (stdout: string) => ({ code: 0, stdout, stderr: '' });
const failed = (stderr: string, stdout = '') => ({ code: 1, stdout, stderr });

describe('jobctl get -o jsonpath', () => {
  it('prints the template without a trailing newline, several results space-separated', async () => {
    expect(await jobctl(full, 'get', 'jobs', '-o', 'jsonpath={.items[*].metadata.name}')).toEqual(
      ok('hello pi-10 pi-9'),
    );
    expect(await jobctl(full, 'get', 'jobs', '-o=jsonpath={.items..metadata.name}')).toEqual(ok('hello pi-10 pi-9'));
    expect(await jobctl(full, 'get', 'jobs', '--output=jsonpath={.items..metadata.name}')).toEqual(
      ok('hello pi-10 pi-9'),
    );
    expect(
      await jobctl(full, 'get', 'jobs', '-o', 'jsonpath={.items[?(@.status.succeeded==1)].metadata.name}'),
    ).toEqual(ok('pi-10'));
    expect(await jobctl(full, 'get', 'jobs', '-o', 'jsonpath={.items[-1].metadata.labels}')).toEqual(
      ok('{"app":"pi","tier":"batch"}'),
    );
  });

  it('runs range with string literals, and prints nothing for a missing key', async () => {
    const template = '{range .items[*]}{.metadata.name}{"\\t"}{.status.succeeded}{"\\n"}{end}';
    expect(await jobctl(full, 'get', 'jobs', '-o', `jsonpath=${template}`)).toEqual(ok('hello\t2\npi-10\t1\npi-9\t\n'));
  });

  it('applies the template to the object itself when one is named', async () => {
    expect(await jobctl(full, 'get', 'job', 'pi-9', '-o', 'jsonpath={.kind} {.metadata.name} {.status}')).toEqual(
      ok('Job pi-9 {"active":1}'),
    );
  });

  it('prints each result list as indented JSON with jsonpath-as-json', async () => {
    expect(await jobctl(full, 'get', 'jobs', '-o', 'jsonpath-as-json={.items[*].metadata.name}')).toEqual(
      ok('[\n    "hello",\n    "pi-10",\n    "pi-9"\n]\n'),
    );
  });

  it('reads the template of jsonpath-file', async () => {
    await writeFile(join(dir, 'names.jsonpath'), '{range .items[*]}{.metadata.name}{"\\n"}{end}');
    expect(await jobctl(full, 'get', 'jobs', '-o', 'jsonpath-file=names.jsonpath')).toEqual(ok('hello\npi-10\npi-9\n'));
    expect(await jobctl(full, 'get', 'jobs', '-o', 'jsonpath-file=nosuch')).toEqual(
      failed('error: error reading --template nosuch, open nosuch: no such file or directory\n'),
    );
  });

  it("fails with kubectl's messages for a bad template, a missing template and a missing key not allowed", async () => {
    expect(await jobctl(full, 'get', 'jobs', '-o', 'jsonpath={.a')).toEqual(
      failed('error: error parsing jsonpath {.a, unclosed action\n'),
    );
    expect(await jobctl(full, 'get', 'jobs', '-o', 'jsonpath')).toEqual(
      failed('error: template format specified but no template given\n'),
    );
    const missing = await jobctl(
      full,
      'get',
      'job',
      'hello',
      '--allow-missing-template-keys=false',
      '-o',
      'jsonpath={.spec.nope}',
    );
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(
      missing.stderr.startsWith(
        'error: error executing jsonpath "{.spec.nope}": Error executing template: nope is not found. ' +
          'Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.nope}\n' +
          '\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"apiVersion":"batch/v1", "kind":"Job", ',
      ),
    ).toBe(true);
    expect(missing.stderr).toMatch(/\}\n\n\n$/);
    expect(
      await jobctl(full, 'get', 'job', 'hello', '--allow-missing-template-keys', '-o', 'jsonpath={.spec.nope}'),
    ).toEqual(ok(''));
  });
});

describe('jobctl get -o custom-columns', () => {
  const spec = 'custom-columns=NAME:.metadata.name,SUCCEEDED:.status.succeeded,LABELS:metadata.labels';

  it('prints a column per path, <none> for a missing value and Go map syntax for a map', async () => {
    expect(await jobctl(full, 'get', 'jobs', '-o', spec)).toEqual(
      ok(
        [
          'NAME    SUCCEEDED   LABELS',
          'hello   2           <none>',
          'pi-10   1           map[app:pi]',
          'pi-9    <none>      map[app:pi tier:batch]',
          '',
        ].join('\n'),
      ),
    );
    expect((await jobctl(full, 'get', 'jobs', '-o', spec, '--no-headers')).stdout).toBe(
      ['hello   2        <none>', 'pi-10   1        map[app:pi]', 'pi-9    <none>   map[app:pi tier:batch]', ''].join(
        '\n',
      ),
    );
  });

  it('reads a header line and a path line from custom-columns-file', async () => {
    await writeFile(join(dir, 'columns.txt'), 'NAME   ACTIVE\n{.metadata.name}   .status.active\n');
    expect(await jobctl(full, 'get', 'jobs', '-o', 'custom-columns-file=columns.txt')).toEqual(
      ok('NAME    ACTIVE\nhello   <none>\npi-10   <none>\npi-9    1\n'),
    );
  });

  it("rejects a spec without a path, or with braces inside, with kubectl's messages", async () => {
    expect(await jobctl(full, 'get', 'jobs', '-o', 'custom-columns=NAME')).toEqual(
      failed('error: unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>\n'),
    );
    expect(await jobctl(full, 'get', 'jobs', '-o', 'custom-columns=')).toEqual(
      failed('error: custom-columns format specified but no custom columns given\n'),
    );
    expect(await jobctl(full, 'get', 'jobs', '-o', 'custom-columns=N:{.a}{.b}')).toEqual(
      failed(
        "error: unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or " +
          "'{.name1.name2}'\n",
      ),
    );
  });
});

describe('jobctl get --show-labels, -A, --sort-by', () => {
  it('adds a LABELS column last, labels sorted, <none> without', async () => {
    expect(await jobctl(full, 'get', 'jobs', '--show-labels')).toEqual(
      ok(
        [
          'NAME    STATUS    COMPLETIONS   DURATION   AGE   LABELS',
          'hello   Running   2/1                      10s   <none>',
          'pi-10   Running   1/1                      30s   app=pi',
          'pi-9    Running   0/1                      60s   app=pi,tier=batch',
          '',
        ].join('\n'),
      ),
    );
    expect(await jobctl(full, 'get', 'jobs', '--show-labels', '-o', 'json')).toEqual(
      failed('error: --show-labels option cannot be used with json printer\n'),
    );
  });

  it('puts a NAMESPACE column first with -A, and refuses a name with it', async () => {
    expect(await jobctl(full, 'get', 'jobs', '-A', '--no-headers')).toEqual(
      ok(
        [
          'default   hello   Running   2/1         10s',
          'default   pi-10   Running   1/1         30s',
          'default   pi-9    Running   0/1         60s',
          '',
        ].join('\n'),
      ),
    );
    expect((await jobctl(full, 'get', 'jobs', '--all-namespaces')).stdout).toMatch(/^NAMESPACE {3}NAME {4}STATUS /);
    expect(await jobctl(full, 'get', 'job', 'hello', '-A')).toEqual(
      failed('error: a resource cannot be retrieved by name across all namespaces\n'),
    );
  });

  it('sorts by a field: times in time order, names naturally, numbers as numbers, missing first', async () => {
    const names = async (...args: string[]) => (await jobctl(full, 'get', 'jobs', '-o', 'name', ...args)).stdout;
    expect(await names('--sort-by=.metadata.creationTimestamp')).toBe(
      'job.batch/pi-9\njob.batch/pi-10\njob.batch/hello\n',
    );
    expect(await names('--sort-by', '{.metadata.name}')).toBe('job.batch/hello\njob.batch/pi-9\njob.batch/pi-10\n');
    expect(await names('--sort-by=status.succeeded')).toBe('job.batch/pi-9\njob.batch/pi-10\njob.batch/hello\n');
    const table = await jobctl(full, 'get', 'jobs', '--sort-by=.metadata.creationTimestamp', '--no-headers');
    expect(table.stdout.split('\n').map((l) => l.split(' ')[0])).toEqual(['pi-9', 'pi-10', 'hello', '']);
  });

  it('fails when no object has the field, as kubectl does', async () => {
    expect(await jobctl(full, 'get', 'jobs', '--sort-by=.nope')).toEqual(
      failed('error: couldn\'t find any field with path "{.nope}" in the list of objects\n'),
    );
    expect(await jobctl(full, 'get', 'jobs', '-o', 'name', '--sort-by=.nope')).toEqual(
      failed('error: couldn\'t find any field with path "{.nope}" in the list of objects\n'),
    );
  });
});

describe('jobctl get of nothing', () => {
  it('says "No resources found" on stderr for a table only', async () => {
    expect(await jobctl(empty, 'get', 'jobs')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No resources found in default namespace.\n',
    });
    expect(await jobctl(empty, 'get', 'jobs', '-A')).toEqual({ code: 0, stdout: '', stderr: 'No resources found\n' });
  });

  it("prints kubectl's empty List for -o json|yaml, nothing for -o name or a jsonpath over items", async () => {
    expect(await jobctl(empty, 'get', 'jobs', '-o', 'json')).toEqual(
      ok(
        '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n    "metadata": {\n' +
          '        "resourceVersion": ""\n    }\n}\n',
      ),
    );
    expect(await jobctl(empty, 'get', 'jobs', '-o', 'yaml')).toEqual(
      ok('apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n'),
    );
    expect(await jobctl(empty, 'get', 'jobs', '-o', 'name')).toEqual(ok(''));
    expect(await jobctl(empty, 'get', 'jobs', '-o', 'jsonpath={.items[*].metadata.name}')).toEqual(ok(''));
    expect(await jobctl(empty, 'get', 'jobs', '-o', 'jsonpath={.kind}')).toEqual(ok('List'));
    expect(await jobctl(empty, 'get', 'jobs', '-o', 'custom-columns=NAME:.metadata.name')).toEqual(ok('NAME\n'));
  });

  it('names the formats it knows when given another', async () => {
    expect(await jobctl(empty, 'get', 'jobs', '-o', 'xml')).toEqual(
      failed(
        'error: unable to match a printer suitable for the output format "xml", allowed formats are: ' +
          'custom-columns,custom-columns-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,wide,yaml\n',
      ),
    );
  });
});

describe('jobctl get --watch output', () => {
  const jobs = [aJob('a', 5, { app: 'x' }, { succeeded: 1 }), aJob('bb', 5, undefined, {})];

  it('prints custom columns object by object, the header with the first only, rows aligned', () => {
    const printer = GetPrinter.create(
      { output: 'custom-columns=NAME:.metadata.name,APP:.metadata.labels.app' },
      {
        named: false,
        cwd: dir,
      },
    );
    const widths: number[] = [];
    const first = printer.list('Job', jobs, { single: false, nowMs: NOW, widths, watch: true });
    expect(first).toEqual({ stdout: 'NAME   APP\na      x\nbb     <none>\n', stderr: '' });
    expect(printer.watchRow('Job', jobs[0]!, { nowMs: NOW, widths })).toBe('a      x\n');
  });

  it('runs a jsonpath template on each object, and keeps the NAMESPACE and LABELS columns in table rows', () => {
    const jsonPath = GetPrinter.create({ output: 'jsonpath={.metadata.name}{"\\n"}' }, { named: false, cwd: dir });
    expect(jsonPath.list('Job', jobs, { single: false, nowMs: NOW, widths: [], watch: true }).stdout).toBe('a\nbb\n');
    const table = GetPrinter.create({ allNamespaces: true, showLabels: true }, { named: false, cwd: dir });
    const widths: number[] = [];
    expect(table.list('Job', jobs, { single: false, nowMs: NOW, widths, watch: true }).stdout).toMatch(
      /^NAMESPACE {3}NAME {3}STATUS .* LABELS\ndefault {5}a /,
    );
    expect(table.watchRow('Job', jobs[1]!, { nowMs: NOW, widths })).toMatch(/^default {5}bb {5}Running .* <none>\n$/);
  });
});
