import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { appliedChanges, applyAll, outcomeLine } from '../../src/cli/apply.ts';
import { loadManifestArgs } from '../../src/cli/manifest-files.ts';
import { formatError } from '../../src/cli/program.ts';
import { registerQueueCommands } from '../../src/cli/queue-command.ts';
import { DEFAULT_QUEUE_SETTINGS } from '../../src/ports/work-queue.ts';
import { loadManifestSources, validateManifest, workQueueDefaults } from '../../src/spec/index.ts';
import { RuntimeHarness, type CliResult } from '../support/local-runtime.ts';

// `jobctl queue …` and `kind: WorkQueue` as a user sees them (stdout, stderr, exit code) on the embedded runtime.
// program.ts does not register the queue commands yet, so `queueCli` hosts them in a commander program of its own,
// printing errors with program.ts' `formatError` as `runCli` does; once registered, `h.jobctl('queue', …)` is the same.
const START = '2026-03-02T10:00:30Z';

let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

/** Runs `jobctl queue …` (argv without `queue`) against the harness; `stdin` is what `-` reads. */
async function queueCli(argv: string[], stdin = ''): Promise<CliResult> {
  const harness = h!;
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (s: string) => (stdout += s),
    stderr: (s: string) => (stderr += s),
    now: () => harness.clock.now(),
    setExitCode: () => {},
  };
  const program = new Command('jobctl').exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerQueueCommands(program, {
    io,
    withConnection: (work) => work(harness.connection()),
    readStdin: async () => stdin,
    cwd: harness.stateDir,
  });
  let code = 0;
  try {
    await program.parseAsync(['queue', ...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode;
    else {
      stderr += `${formatError(error)}\n`;
      code = 1;
    }
  }
  await harness.runtime.settle({ tasks: false });
  return { code, stdout, stderr };
}

const ok = (stdout: string) => ({ code: 0, stdout, stderr: '' });
const failed = (stderr: string) => ({ code: 1, stdout: '', stderr });
const queues = () => h!.runtime.queues;
const statsTable = (name: string, pending: number, leased: number, done: number, dead: number) => {
  const width = Math.max(6, name.length + 3);
  const header = `NAME${' '.repeat(width - 4)}PENDING   LEASED   DONE   DEAD`;
  const counts = `${String(pending).padEnd(10)}${String(leased).padEnd(9)}${String(done).padEnd(7)}${dead}`;
  return `${header}\n${name}${' '.repeat(width - name.length)}${counts}\n`;
};

describe('jobctl queue create', () => {
  it('creates a queue, reports unchanged on a repeat, and configured with each changed setting', async () => {
    h = await RuntimeHarness.start(START);

    expect(await queueCli(['create', 'fruits'])).toEqual(ok('workqueue.jobctl.dev/fruits created\n'));
    expect(await queueCli(['create', 'fruits'])).toEqual(ok('workqueue.jobctl.dev/fruits unchanged\n'));
    expect(await queueCli(['create', 'fruits', '--max-receive-count', '3', '--lease-seconds', '30'])).toEqual(
      ok('workqueue.jobctl.dev/fruits configured\n  spec.maxReceiveCount: 5 → 3\n'),
    );
    // A setting not given is kept, not reset to its default.
    expect(await queueCli(['create', 'fruits', '--lease-seconds', '120'])).toEqual(
      ok('workqueue.jobctl.dev/fruits configured\n  spec.leaseSeconds: 30 → 120\n'),
    );
    expect(await queues().describeQueue('fruits')).toEqual({ maxReceiveCount: 3, leaseSeconds: 120 });
  });

  it("prints the port's validation message for a bad name or setting, once, and creates nothing", async () => {
    h = await RuntimeHarness.start(START);

    expect(await queueCli(['create', 'Bad_Name'])).toEqual(
      failed(
        'error: work queue name "Bad_Name": must be 1-63 lowercase letters, digits and \'-\', starting and ending ' +
          'with a letter or digit\n',
      ),
    );
    expect(await queueCli(['create', 'q', '--lease-seconds', '50000'])).toEqual(
      failed(
        'error: work queue "q": leaseSeconds: Invalid value: 50000: must be an integer 0-43200 (SQS visibility ' +
          'timeout)\n',
      ),
    );
    expect(await queueCli(['create', 'q', '--max-receive-count', 'three'])).toEqual(
      failed('error: invalid --max-receive-count "three": expected a whole number\n'),
    );
    expect(await queues().listQueues()).toEqual([]);
  });
});

describe('jobctl queue push', () => {
  it('pushes arguments, a file (one item per line, blank lines and CRLF dropped) and stdin, in order', async () => {
    h = await RuntimeHarness.start(START);
    await queueCli(['create', 'fruits']);
    await writeFile(join(h.stateDir, 'more.txt'), 'cherry\r\n\r\n  date with spaces  \n   \nelderberry');

    expect(await queueCli(['push', 'fruits', 'apple', 'banana'])).toEqual(ok('pushed 2 items to workqueue/fruits\n'));
    expect(await queueCli(['push', 'fruits', '--file', 'more.txt'])).toEqual(
      ok('pushed 3 items to workqueue/fruits\n'),
    );
    expect(await queueCli(['push', 'fruits', '-'], 'fig\n\ngrape\n')).toEqual(
      ok('pushed 2 items to workqueue/fruits\n'),
    );
    expect(await queueCli(['push', 'fruits', '-f', '-'], 'honeydew\n')).toEqual(
      ok('pushed 1 item to workqueue/fruits\n'),
    );
    expect(await queueCli(['push', 'fruits', '--', '-1', '-2'])).toEqual(ok('pushed 2 items to workqueue/fruits\n'));

    expect((await queues().peek('fruits', 100)).map((i) => i.body)).toEqual([
      'apple',
      'banana',
      'cherry',
      '  date with spaces  ',
      'elderberry',
      'fig',
      'grape',
      'honeydew',
      '-1',
      '-2',
    ]);
  });

  it(
    'keeps --json-lines items verbatim, and rejects a file with a bad line naming FILE:LINE, pushing ' + 'nothing',
    async () => {
      h = await RuntimeHarness.start(START);
      await queueCli(['create', 'jobs']);
      await writeFile(join(h.stateDir, 'bad.jsonl'), '{"n": 1}\n\n{n: 2}\n"three"\n[4,\n');

      expect(await queueCli(['push', 'jobs', '--json-lines', '-'], '{"n":  1, "x": "a"}\n42\n')).toEqual(
        ok('pushed 2 items to workqueue/jobs\n'),
      );
      expect(await queueCli(['push', 'jobs', '--json-lines', '--file', 'bad.jsonl'])).toEqual({
        code: 1,
        stdout: '',
        stderr: expect.stringMatching(
          new RegExp(
            /^error: bad\.jsonl:3: invalid JSON "\{n: 2\}": .+\nerror: bad\.jsonl:5: invalid JSON "\[4,":/.source +
              / .+\nnothing was pushed \(--json-lines: one JSON value per line\)\n$/.source,
          ),
        ),
      });
      expect((await queues().peek('jobs', 10)).map((i) => i.body)).toEqual(['{"n":  1, "x": "a"}', '42']);
    },
  );

  it(
    'refuses items no task could receive in $JOB_ITEM — a NUL byte, or over 128 KiB — naming FILE:LINE, pushing ' +
      'nothing (audit D6)',
    async () => {
      h = await RuntimeHarness.start(START);
      await queueCli(['create', 'q1']);
      await writeFile(join(h.stateDir, 'items.txt'), `ok1\nnul\0inside\nok2\n${'B'.repeat(300_000)}\n`);
      expect(await queueCli(['push', 'q1', '--file', 'items.txt'])).toEqual(
        failed(
          'error: items.txt:2: the item contains a NUL byte, which no process can receive in $JOB_ITEM\n' +
            "error: items.txt:4: the item is 300000 bytes; $JOB_ITEM holds at most 131062 (the kernel's limit on one " +
            'environment string)\n' +
            'nothing was pushed\n',
        ),
      );
      expect(await queueCli(['push', 'q1', 'x'.repeat(131_062)])).toEqual(ok('pushed 1 item to workqueue/q1\n'));
      expect(await queues().stats('q1')).toMatchObject({ pending: 1 });
    },
  );

  it('reports progress on stderr every 10% for 2,500 items, then the total', async () => {
    h = await RuntimeHarness.start(START);
    await queueCli(['create', 'big']);
    const lines = Array.from({ length: 2500 }, (_, i) => `item-${i}`).join('\n');

    const pushed = await queueCli(['push', 'big', '-'], `${lines}\n`);

    const progress = [1, 2, 3, 4, 5, 6, 7, 8, 9]
      .map((tenth) => `pushing to workqueue/big: ${tenth * 250}/2500 (${tenth * 10}%)\n`)
      .join('');
    expect(pushed).toEqual({ code: 0, stdout: 'pushed 2500 items to workqueue/big\n', stderr: progress });
    expect(await queues().stats('big')).toEqual({ pending: 2500, leased: 0, done: 0, dead: 0 });
    expect((await queueCli(['push', 'big', 'one-more'])).stderr).toBe('');
  });

  it('asks for items when none are given, and rejects mixing sources', async () => {
    h = await RuntimeHarness.start(START);
    await queueCli(['create', 'q']);

    expect(await queueCli(['push', 'q'])).toEqual(
      failed('error: no items: pass them as arguments, with --file FILE (one per line), or - to read stdin\n'),
    );
    expect(await queueCli(['push', 'q', '-'], '\n  \n')).toEqual(
      failed('error: no items to push: stdin has only empty lines\n'),
    );
    expect(await queueCli(['push', 'q', 'a', '--file', 'x.txt'])).toEqual(
      failed('error: pass items as arguments or with --file, not both\n'),
    );
    expect(await queueCli(['push', 'q', '--file', 'missing.txt'])).toEqual(
      failed('error: the path "missing.txt" does not exist\n'),
    );
  });
});

describe('jobctl queue stats, list and peek', () => {
  it('prints exact counts after leases and completes done through the port', async () => {
    h = await RuntimeHarness.start(START);
    await queueCli(['create', 'fruits', '--lease-seconds', '60']);
    await queueCli(['push', 'fruits', 'apple', 'banana', 'cherry', 'date', 'elderberry']);
    const first = (await queues().lease('fruits'))!;
    const second = (await queues().lease('fruits'))!;
    expect(await queues().complete('fruits', first.lease)).toBe(true);
    expect(await queues().complete('fruits', first.lease)).toBe(false);

    expect(await queueCli(['stats', 'fruits'])).toEqual(ok(statsTable('fruits', 3, 1, 1, 0)));
    expect(JSON.parse((await queueCli(['stats', 'fruits', '-o', 'json'])).stdout)).toEqual({
      apiVersion: 'jobctl.dev/v1',
      kind: 'WorkQueue',
      metadata: { name: 'fruits', namespace: 'default' },
      spec: { leaseSeconds: 60, maxReceiveCount: 5 },
      status: { dead: 0, done: 1, leased: 1, pending: 3 },
    });
    // Workers lease in random order (src/adapters/dynamodb/dynamodb-work-queue.ts); peek lists what is left oldest
    // first.
    const left = ['apple', 'banana', 'cherry', 'date', 'elderberry'].filter((body) => body !== first.body);
    const row = (body: string) =>
      body === second.body ? [second.id, 'leased', '1', body] : [expect.any(String), 'pending', '0', body];
    const peeked = await queueCli(['peek', 'fruits', '-n', '2']);
    expect(peeked.stdout.split('\n').map((l) => l.split(/ {3,}/))).toEqual([
      ['ID', 'STATE', 'RECEIVES', 'BODY'],
      row(left[0]!),
      row(left[1]!),
      [''],
    ]);
    expect((await queueCli(['peek', 'fruits'])).stdout.split('\n').map((l) => l.split(/ {3,}/))).toEqual([
      ['ID', 'STATE', 'RECEIVES', 'BODY'],
      ...left.map(row),
      [''],
    ]);

    // The lease runs out: the item is pending again, with its receive counted.
    await h.advance(61_000, { tasks: false });
    expect(await queueCli(['stats', 'fruits'])).toEqual(ok(statsTable('fruits', 4, 0, 1, 0)));
    const peekedJson = JSON.parse((await queueCli(['peek', 'fruits', '-o', 'json'])).stdout) as unknown[];
    expect(peekedJson).toContainEqual({ body: second.body, id: second.id, receiveCount: 1, state: 'pending' });
    expect(peekedJson).toHaveLength(4);
  });

  it('lists every queue as a table, wide, or names; and says so when there is none', async () => {
    h = await RuntimeHarness.start(START);
    expect(await queueCli(['list'])).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No resources found in default namespace.\n',
    });
    await queueCli(['create', 'vegetables', '--max-receive-count', '2']);
    await queueCli(['create', 'fruits']);
    await queueCli(['push', 'fruits', 'apple']);

    expect(await queueCli(['list'])).toEqual(
      ok(
        'NAME         PENDING   LEASED   DONE   DEAD\nfruits       1         0        0      0\nvegetables   0       ' +
          '  0        0      0\n',
      ),
    );
    expect((await queueCli(['list', '-o', 'wide'])).stdout).toBe(
      'NAME         PENDING   LEASED   DONE   DEAD   MAX-RECEIVES   LEASE\nfruits       1         0        0      0  ' +
        '    5              30s\nvegetables   0         0        0      0      2              30s\n',
    );
    expect(await queueCli(['list', '-o', 'name'])).toEqual(
      ok('workqueue.jobctl.dev/fruits\nworkqueue.jobctl.dev/vegetables\n'),
    );
    expect(JSON.parse((await queueCli(['ls', '-o', 'json'])).stdout)).toMatchObject({
      kind: 'List',
      items: [{ metadata: { name: 'fruits' } }, { metadata: { name: 'vegetables' } }],
    });
    expect(await queueCli(['list', '-o', 'table'])).toEqual(
      failed(
        'error: unable to match a printer suitable for the output format "table", allowed formats are: ' +
          'json,name,wide,yaml\n',
      ),
    );
  });

  it("prints an unknown queue as kubectl's NotFound, once, for every command", async () => {
    h = await RuntimeHarness.start(START);
    const notFound =
      'Error from server (NotFound): workqueues "nope" not found: create it with jobctl queue create nope\n';

    for (const argv of [
      ['stats', 'nope'],
      ['push', 'nope', 'x'],
      ['peek', 'nope'],
      ['purge', 'nope'],
      ['dlq', 'nope'],
      ['dlq', 'nope', '--redrive'],
    ]) {
      expect({ argv, result: await queueCli(argv) }).toEqual({ argv, result: failed(notFound) });
    }
    expect(await queueCli(['delete', 'nope'])).toEqual(
      failed('Error from server (NotFound): workqueues "nope" not found\n'),
    );
  });
});

describe('jobctl queue purge, dlq and delete', () => {
  it('lists dead letters and redrives the IDs given, then all', async () => {
    h = await RuntimeHarness.start(START);
    await queueCli(['create', 'flaky', '--max-receive-count', '1']);
    await queueCli(['push', 'flaky', 'a', 'b', 'c']);
    // One lease each and a failed attempt: with maxReceiveCount 1 they go dead.
    for (let i = 0; i < 3; i++)
      expect(await queues().release('flaky', (await queues().lease('flaky'))!.lease)).toBe(true);
    expect(await queues().stats('flaky')).toEqual({ pending: 0, leased: 0, done: 0, dead: 3 });
    const [a, b] = await queues().deadLetters('flaky', 10);

    const listed = await queueCli(['dlq', 'flaky']);
    expect(listed.stdout.split('\n').map((l) => l.split(/ {3,}/).slice(1))).toEqual([
      ['RECEIVES', 'BODY'],
      ['1', 'a'],
      ['1', 'b'],
      ['1', 'c'],
      [],
    ]);
    expect((await queueCli(['dlq', 'flaky', '-n', '2'])).stderr).toBe('(the oldest 2 shown; -n to show more)\n');
    expect(await queueCli(['dlq', 'flaky', a!.id])).toEqual(
      failed(`error: dead-letter IDs are taken with --redrive: jobctl queue dlq flaky --redrive ${a!.id}\n`),
    );
    expect(await queueCli(['dlq', 'flaky', '--redrive', b!.id, 'no-such-id'])).toEqual(
      failed(
        'Error from server (NotFound): dead letters "no-such-id" not found in workqueue/flaky: nothing was moved ' +
          '(jobctl queue dlq flaky lists them)\n',
      ),
    );

    expect(await queueCli(['dlq', 'flaky', '--redrive', b!.id])).toEqual(
      ok('moved 1 dead letter back to workqueue/flaky\n'),
    );
    expect(await queues().stats('flaky')).toEqual({ pending: 1, leased: 0, done: 0, dead: 2 });
    expect((await queues().peek('flaky', 10)).map((i) => [i.id, i.body, i.receiveCount])).toEqual([[b!.id, 'b', 0]]);
    expect(await queueCli(['dlq', 'flaky', '--redrive'])).toEqual(ok('moved 2 dead letters back to workqueue/flaky\n'));
    expect(await queueCli(['dlq', 'flaky'])).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No dead letters in workqueue/flaky.\n',
    });
    expect(await queueCli(['stats', 'flaky'])).toEqual(ok(statsTable('flaky', 3, 0, 0, 0)));
  });

  it('purges pending and leased items, keeping dead letters, and deletes a queue with everything in it', async () => {
    h = await RuntimeHarness.start(START);
    await queueCli(['create', 'q', '--max-receive-count', '1']);
    await queueCli(['push', 'q', 'w', 'x', 'y', 'z']);
    // One item goes dead (maxReceiveCount 1), one is leased, two are pending.
    await queues().release('q', (await queues().lease('q'))!.lease);
    await queues().lease('q');

    expect(await queueCli(['purge', 'q'])).toEqual(ok('purged 3 items from workqueue/q\n'));
    expect(await queues().stats('q')).toEqual({ pending: 0, leased: 0, done: 0, dead: 1 });
    expect(await queueCli(['purge', 'q'])).toEqual(ok('purged 0 items from workqueue/q\n'));

    expect(await queueCli(['delete', 'q'])).toEqual(ok('workqueue.jobctl.dev "q" deleted\n'));
    expect(await queues().listQueues()).toEqual([]);
    expect(await queueCli(['create', 'q'])).toEqual(ok('workqueue.jobctl.dev/q created\n'));
    expect(await queues().stats('q')).toEqual({ pending: 0, leased: 0, done: 0, dead: 0 });
  });
});

const queueManifest = (name: string, spec = '') => `apiVersion: jobctl.dev/v1
kind: WorkQueue
metadata:
  name: ${name}
${spec === '' ? '' : `spec:\n${spec}`}`;

describe('kind: WorkQueue manifests', () => {
  it('rejects bad fields with file:line errors through jobctl apply, and applies nothing', async () => {
    h = await RuntimeHarness.start(START);
    const text = `${queueManifest('fruits', '  maxReceiveCount: 0\n  leaseSecond: 30\n')}---
apiVersion: jobctl.dev/v1
kind: WorkQueue
metadata:
  name: Vegetables
  labels: {team: a}
spec:
  leaseSeconds: "60"
  maxReceiveCount: 1001
---
apiVersion: jobctl.dev/v2
kind: WorkQueue
metadata:
  name: v2
`;
    const path = await h.writeManifest('queues', text);

    const applied = await h.jobctl('apply', '-f', path);

    expect(applied).toEqual(
      failed(
        [
          `error: ${path}:6 spec.maxReceiveCount: Invalid value: 0: must be between 1 and 1000, inclusive`,
          `error: ${path}:7 spec.leaseSecond: unknown field "spec.leaseSecond"`,
          `error: ${path}:12 metadata.name: Invalid value: "Vegetables": a lowercase RFC 1123 label must consist of ` +
            `lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. ` +
            `'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
          `error: ${path}:15 spec.leaseSeconds: Invalid value: "60": must be of type integer`,
          `error: ${path}:16 spec.maxReceiveCount: Invalid value: 1001: must be between 1 and 1000, inclusive`,
          `error: ${path}:18 apiVersion: Unsupported value: "jobctl.dev/v2": supported values: "jobctl.dev/v1"`,
          '',
        ].join('\n'),
      ),
    );
    expect(await queues().listQueues()).toEqual([]);
  });

  it('applies queues before the CronJobs and Jobs of the same file: created, unchanged, configured', async () => {
    h = await RuntimeHarness.start(START);
    const job = `apiVersion: batch/v1
kind: Job
metadata:
  name: eat
  annotations:
    jobctl.dev/work-queue: fruits
spec:
  parallelism: 2
  template:
    spec:
      containers:
      - name: main
        image: busybox
        command: ["/bin/sh", "-c", "echo $JOB_ITEM"]
      restartPolicy: Never
`;
    const path = await h.writeManifest('all', `${job}---\n${queueManifest('fruits')}`);
    const c = h.connection();
    const apply = async (options: { dryRun?: boolean; createOnly?: boolean } = {}) => {
      const outcomes = await applyAll(c, await loadManifestArgs([path], async () => ''), options);
      if (!options.dryRun) await c.notify(await appliedChanges(c.store, outcomes));
      await h!.runtime.settle({ tasks: false });
      return outcomes.map((o) => [outcomeLine(o), ...(o.changes ?? [])].join('\n'));
    };

    expect(await apply({ dryRun: true })).toEqual(['workqueue.jobctl.dev/fruits created', 'job.batch/eat created']);
    expect(await queues().listQueues()).toEqual([]);
    expect(await apply()).toEqual(['workqueue.jobctl.dev/fruits created', 'job.batch/eat created']);
    expect(await queues().describeQueue('fruits')).toEqual(DEFAULT_QUEUE_SETTINGS);
    // The Job's first sync found its queue (no WorkQueueNotFound): empty, so it recorded 0 completions.
    const events = await c.store.listEvents('Job', { namespace: 'default', name: 'eat' });
    expect(events.map((e) => e.reason)).not.toContain('WorkQueueNotFound');
    expect(events.map((e) => e.reason)).toContain('WorkQueueCompletions');

    expect(await apply()).toEqual(['workqueue.jobctl.dev/fruits unchanged', 'job.batch/eat unchanged']);
    await writeFile(path, `${job}---\n${queueManifest('fruits', '  leaseSeconds: 300\n')}`);
    expect(await apply()).toEqual([
      'workqueue.jobctl.dev/fruits configured\nspec.leaseSeconds: 30 → 300',
      'job.batch/eat unchanged',
    ]);
    await expect(apply({ createOnly: true })).rejects.toThrow(
      'Error from server (AlreadyExists): workqueues.jobctl.dev "fruits" already exists',
    );
  });

  it('takes back what queue stats -o yaml prints (status ignored), warning about metadata it cannot keep', async () => {
    h = await RuntimeHarness.start(START);
    await queueCli(['create', 'fruits', '--lease-seconds', '90']);
    await queueCli(['push', 'fruits', 'apple']);
    const printed = (await queueCli(['stats', 'fruits', '-o', 'yaml'])).stdout;
    // loadManifestSources, not loadManifestArgs: a file with only WorkQueues needs manifest-files.ts to count them.
    const loaded = loadManifestSources([
      { file: 'printed.yaml', text: printed.replace('  name: fruits\n', '  name: fruits\n  labels: {team: a}\n') },
    ]);

    expect(printed).toBe(
      'apiVersion: jobctl.dev/v1\nkind: WorkQueue\nmetadata:\n  name: fruits\n  namespace: default\nspec:\n  ' +
        'leaseSeconds: 90\n  maxReceiveCount: 5\nstatus:\n  dead: 0\n  done: 0\n  leased: 0\n  pending: 1\n',
    );
    expect(loaded.warnings).toEqual([
      {
        file: 'printed.yaml',
        line: 5,
        path: 'metadata.labels',
        message: 'a WorkQueue keeps only metadata.name and its spec; ignored',
      },
    ]);
    expect((await applyAll(h.connection(), loaded)).map(outcomeLine)).toEqual([
      'workqueue.jobctl.dev/fruits unchanged',
    ]);
  });

  it('defaults like the WorkQueue port, and is never accepted as a stored object (a patch cannot make one)', () => {
    expect(workQueueDefaults).toEqual(DEFAULT_QUEUE_SETTINGS);
    expect(() =>
      validateManifest({ apiVersion: 'jobctl.dev/v1', kind: 'WorkQueue', metadata: { name: 'q' } }, 'patch'),
    ).toThrow('patch kind: Unsupported value: "WorkQueue": supported values: "CronJob", "Job"');
  });
});
