import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { describeObjects } from '../../src/cli/describe-objects.ts';
import type { CliIo } from '../../src/cli/io.ts';
import { logsBySelector, printPodLogs } from '../../src/cli/pod-logs.ts';
import { describeObject } from '../../src/cli/printers/index.ts';
import { formatError } from '../../src/cli/program.ts';
import { parseSelector } from '../../src/cli/selector.ts';
import { registerWaitCommand } from '../../src/cli/wait-command.ts';
import type { Sleep } from '../../src/worker/work-queue-client.ts';
import { RuntimeHarness, type CliResult } from '../support/local-runtime.ts';

// Issue 5 item 2: label selectors everywhere the seed's expansion walkthrough uses them (`logs -l`, `describe -l`),
// and `jobctl wait --for=condition=complete -l jobgroup=jobexample` with progress. The Jobs are the walkthrough's
// job template expanded for apple, banana and cherry, plus one Job without the label. Tasks are real `echo` processes;
// time is the harness' manual clock.
const START = '2026-03-02T10:00:30Z';
const ITEMS = ['apple', 'banana', 'cherry'] as const;
const GROUP = 'jobgroup=jobexample';

let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

/** A fake CliIo that records what a command printed. */
function recordingIo(): { io: CliIo; result: () => CliResult } {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const io: CliIo = {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    now: () => h!.clock.now(),
    setExitCode: (c) => (code = c),
  };
  return { io, result: () => ({ code, stdout, stderr }) };
}

/** Runs a command body as runCli does: a thrown error is one line on stderr and exit code 1. */
async function run(body: (io: CliIo) => Promise<void>): Promise<CliResult> {
  const { io, result } = recordingIo();
  try {
    await body(io);
  } catch (error) {
    if (error instanceof CommanderError) return { ...result(), code: error.exitCode };
    io.stderr(`${formatError(error)}\n`);
    io.setExitCode(1);
  }
  return result();
}

/** `jobctl wait ARGS` on a program with only the wait command; each pause between polls runs `sleep`. */
function jobctlWait(argv: string[], sleep: Sleep): Promise<CliResult> {
  return run(async (io) => {
    const program = new Command('jobctl')
      .exitOverride()
      .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
    registerWaitCommand(program, { io, withConnection: (work) => work(h!.connection()), sleep });
    await program.parseAsync(['wait', ...argv], { from: 'user' });
  });
}

/** A pause that lets the harness' clock and runtime move on by `ms` (tasks run to their end). */
const advancing: Sleep = (ms) => h!.advance(ms);

/**
 * The seed's examples/expansion/job-tmpl.yaml (kept here so the test does not follow edits to the example), minus its
 * `sleep 5`.
 */
const template = `apiVersion: batch/v1
kind: Job
metadata:
  name: process-item-$ITEM
  labels:
    jobgroup: jobexample
spec:
  template:
    metadata:
      name: jobexample
      labels:
        jobgroup: jobexample
    spec:
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "echo Processing item $ITEM"]
      restartPolicy: Never
`;

async function applyExpansionJobs(options: { suspend?: boolean } = {}): Promise<void> {
  const suspended = options.suspend
    ? template.replace('spec:\n  template:', 'spec:\n  suspend: true\n  template:')
    : template;
  for (const item of ITEMS) {
    const applied = await h!.jobctl(
      'apply',
      '-f',
      await h!.writeManifest(`job-${item}`, suspended.replaceAll('$ITEM', item)),
    );
    expect(applied).toMatchObject({ code: 0, stdout: `job.batch/process-item-${item} created\n` });
  }
  const other = `apiVersion: batch/v1
kind: Job
metadata:
  name: other
spec:
  template:
    spec:
      containers:
      - name: main
        image: busybox
        command: ["echo", "not in the group"]
      restartPolicy: Never
`;
  expect((await h!.jobctl('apply', '-f', await h!.writeManifest('other', other))).code).toBe(0);
}

const resume = async (item: string) =>
  expect((await h!.jobctl('patch', 'job', `process-item-${item}`, '-p', '{"spec":{"suspend":false}}')).code).toBe(0);

describe('jobctl logs -l', () => {
  it('prints the logs of every pod matching the selector, in pod-name order', async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs();
    await h.advance(0);
    const c = h.connection();

    const logs = await run((io) => logsBySelector(c, parseSelector(GROUP), {}, { io }));
    expect(logs).toEqual({
      code: 0,
      stdout: 'Processing item apple\nProcessing item banana\nProcessing item cherry\n',
      stderr: '',
    });

    const prefixed = await run((io) => logsBySelector(c, parseSelector(GROUP), { prefix: true }, { io }));
    expect(prefixed.stdout.split('\n')).toEqual([
      expect.stringMatching(/^\[pod\/process-item-apple-[a-z0-9]{5}\/c\] Processing item apple$/),
      expect.stringMatching(/^\[pod\/process-item-banana-[a-z0-9]{5}\/c\] Processing item banana$/),
      expect.stringMatching(/^\[pod\/process-item-cherry-[a-z0-9]{5}\/c\] Processing item cherry$/),
      '',
    ]);
  });

  it('matches set-based selectors: in, notin and !key', async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs();
    await h.advance(0);
    const c = h.connection();
    const logsOf = async (selector: string) =>
      (await run((io) => logsBySelector(c, parseSelector(selector), {}, { io }))).stdout;

    expect(await logsOf('jobgroup in (jobexample)')).toBe(
      'Processing item apple\nProcessing item banana\nProcessing item cherry\n',
    );
    expect(await logsOf('!jobgroup')).toBe('not in the group\n');
    expect(await logsOf('jobgroup notin (jobexample)')).toBe('not in the group\n');
    expect(await logsOf('jobgroup,job-name=process-item-banana')).toBe('Processing item banana\n');
  });

  it('says no resources were found when no pod matches, and succeeds', async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs();
    await h.advance(0);
    const none = await run((io) => logsBySelector(h!.connection(), parseSelector('jobgroup=nothing'), {}, { io }));
    expect(none).toEqual({ code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
  });

  it('shows the last 10 lines of each pod with a selector unless --tail says otherwise', async () => {
    h = await RuntimeHarness.start(START);
    const twelveLines = `apiVersion: batch/v1
kind: Job
metadata:
  name: counter
  labels:
    lines: twelve
spec:
  template:
    metadata:
      labels:
        lines: twelve
    spec:
      containers:
      - name: main
        image: busybox
        command: ["printf", "%s\\\\n", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]
      restartPolicy: Never
`;
    await h.jobctl('apply', '-f', await h.writeManifest('counter', twelveLines));
    await h.advance(0);
    const c = h.connection();
    const logsWith = async (tailLines?: number) =>
      (await run((io) => logsBySelector(c, parseSelector('lines=twelve'), { tailLines }, { io }))).stdout;

    expect(await logsWith()).toBe('3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n');
    expect(await logsWith(2)).toBe('11\n12\n');
    expect(await logsWith(-1)).toBe('1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n');
  });

  it('follows every matching pod at once until each has ended, and refuses more than --max-log-requests', async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs();
    await h.advance(0);
    const c = h.connection();
    const noPause: Sleep = async () => {};

    const followed = await run((io) =>
      logsBySelector(c, parseSelector(GROUP), { follow: true, prefix: true }, { io, sleep: noPause }),
    );
    expect(followed.code).toBe(0);
    expect(followed.stdout.match(/\] Processing item \w+\n/g)).toEqual([
      '] Processing item apple\n',
      '] Processing item banana\n',
      '] Processing item cherry\n',
    ]);

    const tooMany = await run((io) =>
      logsBySelector(c, parseSelector(GROUP), { follow: true, maxLogRequests: 2 }, { io, sleep: noPause }),
    );
    expect(tooMany).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: you are attempting to follow 3 log streams, but maximum allowed concurrency is 2, use ' +
        '--max-log-requests to increase the limit\n',
    });
  });

  it("prefixes one named pod's lines the same way", async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs();
    await h.advance(0);
    const c = h.connection();
    const [pod] = (await c.store.list('Pod', 'default')).filter((p) => p.metadata.labels?.['job-name'] === 'other');
    const logs = await run((io) => printPodLogs(c, [pod!], { prefix: true }, { io }));
    expect(logs.stdout).toBe(`[pod/${pod!.metadata.name}/main] not in the group\n`);
  });
});

describe('jobctl describe -l', () => {
  const namesIn = (text: string) => [...text.matchAll(/^Name:\s+(\S+)$/gm)].map((m) => m[1]);

  it('describes every Job matching the selector, separated as kubectl does, without events unless asked', async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs();
    await h.advance(0);
    const c = h.connection();

    const jobs = await run((io) => describeObjects(c, 'Job', { selector: parseSelector(GROUP) }, io));
    expect(jobs.code).toBe(0);
    expect(namesIn(jobs.stdout)).toEqual(['process-item-apple', 'process-item-banana', 'process-item-cherry']);
    // describe.go: the first description as it is, each next one after "\n\n" (descriptions end in "\n").
    expect(jobs.stdout.split('\n\n\nName:')).toHaveLength(3);
    expect(jobs.stdout).toMatch(/\nPods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed\n/);
    expect(jobs.stdout).not.toContain('Events:');

    const withEvents = await run((io) =>
      describeObjects(c, 'Job', { selector: parseSelector('jobgroup in (jobexample)'), showEvents: true }, io),
    );
    expect(withEvents.stdout.match(/\nEvents:\n/g)).toHaveLength(3);
    expect(withEvents.stdout).toMatch(/\n {2}Normal\s+Completed\s+\S+\s+job-controller\s+Job completed\n/);
  });

  it("describes pods by their Job's template labels, every Job without a name, and Jobs by name prefix", async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs();
    await h.advance(0);
    const c = h.connection();

    const pods = await run((io) => describeObjects(c, 'Pod', { selector: parseSelector(GROUP) }, io));
    expect(namesIn(pods.stdout)).toEqual([
      expect.stringMatching(/^process-item-apple-/),
      expect.stringMatching(/^process-item-banana-/),
      expect.stringMatching(/^process-item-cherry-/),
    ]);
    expect(pods.stdout.match(/\nStatus:\s+Succeeded\n/g)).toHaveLength(3);

    const notInGroup = await run((io) => describeObjects(c, 'Job', { selector: parseSelector('!jobgroup') }, io));
    expect(namesIn(notInGroup.stdout)).toEqual(['other']);
    // One object: events are shown, as `kubectl describe job other` shows them.
    expect(notInGroup.stdout).toMatch(/\nEvents:\n/);

    const all = await run((io) => describeObjects(c, 'Job', {}, io));
    expect(namesIn(all.stdout)).toEqual(['other', 'process-item-apple', 'process-item-banana', 'process-item-cherry']);

    const byPrefix = await run((io) => describeObjects(c, 'Job', { name: 'process-item-' }, io));
    expect(namesIn(byPrefix.stdout)).toEqual(['process-item-apple', 'process-item-banana', 'process-item-cherry']);

    const exact = await run((io) => describeObjects(c, 'Job', { name: 'process-item-apple' }, io));
    expect(namesIn(exact.stdout)).toEqual(['process-item-apple']);
    expect(exact.stdout).toMatch(/\nEvents:\n/);
  });

  it('reports no match, a missing name and a name with a selector as kubectl does', async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs();
    const c = h.connection();
    expect(await run((io) => describeObjects(c, 'Job', { selector: parseSelector('jobgroup=nothing') }, io))).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No resources found in default namespace.\n',
    });
    expect(await run((io) => describeObjects(c, 'Job', { name: 'nosuch' }, io))).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): jobs.batch "nosuch" not found\n',
    });
    expect(await run((io) => describeObjects(c, 'Job', { name: 'other', selector: parseSelector(GROUP) }, io))).toEqual(
      { code: 1, stdout: '', stderr: 'error: name cannot be provided when a selector is specified\n' },
    );
  });

  // describeObjects drops the `Events: <none>` line describeObject ends with; that changes no column only while some
  // other label of the same block is wider.
  it('leaves every other line as describeObject aligns it when events are left out', async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs();
    await h.advance(0);
    const c = h.connection();
    for (const kind of ['Job', 'Pod'] as const) {
      const obj = (await c.store.list(kind, 'default')).find(
        (o) => (kind === 'Job' ? o.metadata.name : o.metadata.labels?.['job-name']) === 'process-item-apple',
      )!;
      const pods = kind === 'Job' ? await c.store.listPods(obj.metadata) : [];
      const full = describeObject(obj, { events: [], pods, nowMs: c.clock.now() });
      expect(full).toMatch(/\nEvents:\s{3,}<none>\n$/);
      const three = await run((io) => describeObjects(c, kind, { selector: parseSelector(GROUP) }, io));
      expect(three.stdout.startsWith(`${full.replace(/Events:\s+<none>\n$/, '')}\n\nName:`)).toBe(true);
    }
  });
});

describe('jobctl wait', () => {
  it('returns when every selected Job is complete, printing each as it completes and progress on stderr', async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs({ suspend: true });
    await h.advance(0);
    const started = h.clock.now();
    let pauses = 0;
    // Poll 1 sees no Job complete; apple and banana run before poll 2, cherry before poll 3.
    const sleep: Sleep = async (ms) => {
      pauses++;
      if (pauses === 1) for (const item of ['apple', 'banana']) await resume(item);
      if (pauses === 2) await resume('cherry');
      await h!.advance(ms);
    };

    const waited = await jobctlWait(['--for=condition=complete', '-l', GROUP], sleep);

    expect(waited).toEqual({
      code: 0,
      stdout:
        'job.batch/process-item-apple condition met\njob.batch/process-item-banana condition ' +
        'met\njob.batch/process-item-cherry condition met\n',
      stderr: 'waiting: 0/3 jobs complete\nwaiting: 2/3 jobs complete\n',
    });
    expect(h.clock.now() - started).toBe(2_000);
    expect((await h.jobctl('get', 'jobs', '-l', 'jobgroup in (jobexample)', '-o', 'name')).stdout).toBe(
      'job.batch/process-item-apple\njob.batch/process-item-banana\njob.batch/process-item-cherry\n',
    );
  });

  it("times out with kubectl's message on the first Job that never completed", async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs({ suspend: true });
    await h.advance(0);
    const started = h.clock.now();
    let pauses = 0;
    const sleep: Sleep = async (ms) => {
      if (++pauses === 1) await resume('apple');
      await h!.advance(ms);
    };

    const waited = await jobctlWait(
      ['jobs', '--for', 'condition=Complete', '--selector', 'jobgroup', '--timeout', '30s'],
      sleep,
    );

    expect(waited).toEqual({
      code: 1,
      stdout: 'job.batch/process-item-apple condition met\n',
      stderr:
        'waiting: 0/3 jobs complete\nwaiting: 1/3 jobs complete\nerror: timed out waiting for the condition on ' +
        'jobs/process-item-banana\n',
    });
    expect(h.clock.now() - started).toBe(30_000);
  });

  it('looks once with --timeout=0', async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs({ suspend: true });
    await h.advance(0);
    const neverSleeps: Sleep = () => Promise.reject(new Error('--timeout=0 must not wait'));
    const waited = await jobctlWait(
      ['--for=condition=complete', 'job/process-item-cherry', 'job/other', '--timeout=0'],
      neverSleeps,
    );
    expect(waited).toEqual({
      code: 1,
      stdout: 'job.batch/other condition met\n',
      stderr: 'error: condition not met for jobs/process-item-cherry\n',
    });
  });

  it('waits for a Job to fail with --for=condition=failed', async () => {
    h = await RuntimeHarness.start(START);
    const failing = `apiVersion: batch/v1
kind: Job
metadata:
  name: broken
spec:
  backoffLimit: 0
  template:
    spec:
      containers:
      - name: main
        image: busybox
        command: ["sh", "-c", "exit 3"]
      restartPolicy: Never
`;
    await h.jobctl('apply', '-f', await h.writeManifest('broken', failing));
    const waited = await jobctlWait(['--for=condition=failed', 'job', 'broken'], advancing);
    expect(waited).toEqual({ code: 0, stdout: 'job.batch/broken condition met\n', stderr: '' });
  });

  it('waits for a Job to be deleted with --for=delete', async () => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs();
    await h.advance(0);
    const sleep: Sleep = async (ms) => {
      expect((await h!.jobctl('delete', 'job', 'other')).code).toBe(0);
      await h!.advance(ms);
    };
    const waited = await jobctlWait(['--for=delete', 'job/other', 'job/already-gone'], sleep);
    expect(waited).toEqual({ code: 0, stdout: 'job.batch/other condition met\n', stderr: '' });
  });

  it.each([
    {
      name: 'no Job matches the selector',
      argv: ['--for=condition=complete', '-l', 'jobgroup=nothing'],
      stderr: 'error: no matching resources found\n',
    },
    {
      name: 'a named Job does not exist',
      argv: ['--for=condition=complete', 'job/nosuch'],
      stderr: 'Error from server (NotFound): jobs.batch "nosuch" not found\n',
    },
    {
      name: 'the condition is not one kubectl knows',
      argv: ['--for=ready', 'job/other'],
      stderr: 'error: unrecognized condition: "ready"\n',
    },
    {
      name: '--for is missing',
      argv: ['job/other'],
      stderr: 'error: --for is required: --for=condition=complete, --for=condition=failed or --for=delete\n',
    },
    {
      name: 'a name comes with a selector',
      argv: ['--for=delete', 'jobs', 'other', '-l', GROUP],
      stderr: 'error: name cannot be provided when a selector is specified\n',
    },
    {
      name: 'the timeout is not a Go duration',
      argv: ['--for=delete', 'job/other', '--timeout', '1d'],
      stderr: 'error: invalid argument "1d" for "--timeout" flag: time: unknown unit "d" in duration "1d"\n',
    },
    {
      name: 'pods are waited on for a condition',
      argv: ['--for=condition=ready', 'pods', '--all'],
      stderr:
        'error: pods have no status conditions in jobctl: wait for their job (--for=condition=complete job/NAME) or ' +
        'use --for=delete\n',
    },
  ])('fails with one line when $name', async ({ argv, stderr }) => {
    h = await RuntimeHarness.start(START);
    await applyExpansionJobs();
    await h.advance(0);
    expect(await jobctlWait(argv, advancing)).toEqual({ code: 1, stdout: '', stderr });
  });
});
