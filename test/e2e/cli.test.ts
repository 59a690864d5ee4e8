import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeHarness, unixMinutes, type CliResult } from '../support/local-runtime.ts';

// What a kubectl user relies on from `jobctl`: apply/create messages, validation errors located at file:line, the
// `get` output formats and selectors, describe, patch, create job --from, logs, cascading delete, Indexed Jobs,
// time zones and OnFailure restarts — each checked through what the user sees (stdout, stderr, exit code, -o json).
const START = '2026-03-02T10:00:30Z';
const minutes = unixMinutes;

let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

const manifest = (name: string, text: string) => h!.writeManifest(name, text);

/** 1-based line of the first line containing `needle` at or after line `from`. */
function lineOf(text: string, needle: string, from = 1): number {
  const index = text.split('\n').findIndex((l, i) => i + 1 >= from && l.includes(needle));
  if (index === -1) throw new Error(`"${needle}" not in manifest`);
  return index + 1;
}

// biome-ignore lint/suspicious/noExplicitAny: `-o json` output, read field by field as kubectl users would
const json = (r: CliResult) => JSON.parse(r.stdout) as Record<string, any>;
const names = (r: CliResult) => r.stdout.split('\n').filter(Boolean);

interface CronJobOptions {
  schedule?: string;
  /** Extra CronJob spec lines, indented two spaces. */
  spec?: string;
  /** Extra jobTemplate lines (metadata or spec fields), indented four spaces. */
  template?: string;
  /** Extra pod spec lines, indented eight spaces. */
  pod?: string;
  restartPolicy?: string;
  command?: string;
}

const cronJobYaml = (name: string, o: CronJobOptions = {}) => `apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${name}
spec:
  schedule: ${JSON.stringify(o.schedule ?? '*/1 * * * *')}
${o.spec ?? ''}  jobTemplate:
${o.template ?? ''}    spec:
      template:
        spec:
          containers:
          - name: main
            image: busybox
            command: ["/bin/sh", "-c", ${JSON.stringify(o.command ?? 'echo hi')}]
          restartPolicy: ${o.restartPolicy ?? 'Never'}
${o.pod ?? ''}`;

const jobYaml = (name: string, command: string[], restartPolicy = 'Never', extra = '') => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
${extra}  template:
    spec:
      containers:
      - name: main
        image: busybox
        command: ${JSON.stringify(command)}
      restartPolicy: ${restartPolicy}
`;

describe('jobctl apply', () => {
  it('previews a create with --dry-run and stores nothing', async () => {
    h = await RuntimeHarness.start(START);
    const dry = await h.jobctl('apply', '--dry-run', '-f', 'examples/hello/cronjob.yaml');
    expect(dry).toEqual({ code: 0, stdout: 'cronjob.batch/hello created (dry run)\n', stderr: '' });
    expect(await h.jobctl('get', 'cronjobs')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No resources found in default namespace.\n',
    });
    await h.advance(60_000);
    expect((await h.jobctl('get', 'jobs', '-o', 'name')).stdout).toBe('');
  });

  it('previews a changed schedule with --dry-run, changes nothing, and reports an unchanged re-apply', async () => {
    h = await RuntimeHarness.start(START);
    expect(await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml')).toEqual({
      code: 0,
      stdout: 'cronjob.batch/hello created\n',
      stderr: '',
    });
    const edited = (await readFile('examples/hello/cronjob.yaml', 'utf8')).replace('"*/1 * * * *"', '"*/5 * * * *"');
    const path = await manifest('hello-edited', edited);

    const dry = await h.jobctl('apply', '-f', path, '--dry-run');
    expect(dry).toEqual({
      code: 0,
      stdout: 'cronjob.batch/hello configured (dry run)\n  spec.schedule: "*/1 * * * *" → "*/5 * * * *"\n',
      stderr: '',
    });
    expect(json(await h.jobctl('get', 'cronjob', 'hello', '-o', 'json')).spec.schedule).toBe('*/1 * * * *');

    expect(await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml')).toEqual({
      code: 0,
      stdout: 'cronjob.batch/hello unchanged\n',
      stderr: '',
    });
    expect((await h.jobctl('apply', '-f', path)).stdout).toBe('cronjob.batch/hello configured\n');
    expect(json(await h.jobctl('get', 'cronjob', 'hello', '-o', 'json')).spec.schedule).toBe('*/5 * * * *');
  });

  // Each bad document follows a valid one in the same file: kubectl-style all-or-nothing means neither is applied.
  const valid = `${cronJobYaml('valid')}---\n`;
  const badManifests = [
    {
      name: 'restartPolicy Always in a CronJob',
      text: valid + cronJobYaml('bad', { restartPolicy: 'Always' }),
      errors: [
        {
          needle: 'restartPolicy: Always',
          reason:
            'spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: ' +
            '"OnFailure", "Never"',
        },
      ],
    },
    {
      name: 'restartPolicy Always in a Job',
      text: valid + jobYaml('bad', ['true'], 'Always'),
      errors: [
        {
          needle: 'restartPolicy: Always',
          reason:
            'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
        },
      ],
    },
    {
      name: 'a 61-minute schedule',
      text: valid + cronJobYaml('bad', { schedule: '61 * * * *' }),
      errors: [
        {
          needle: 'schedule: "61',
          reason: 'spec.schedule: Invalid value: "61 * * * *": minute: value 61 above maximum 59',
        },
      ],
    },
    {
      name: 'an unknown field',
      text: valid + cronJobYaml('bad', { spec: '  concurrency: Forbid\n' }),
      errors: [{ needle: 'concurrency: Forbid', reason: 'spec.concurrency: unknown field "spec.concurrency"' }],
    },
    {
      name: 'a name over 52 characters',
      text: valid + cronJobYaml('x'.repeat(53)),
      errors: [
        {
          needle: 'x'.repeat(53),
          reason: `metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`,
        },
      ],
    },
    {
      name: 'two bad documents',
      text:
        valid +
        cronJobYaml('bad1', { restartPolicy: 'Always' }) +
        '---\n' +
        cronJobYaml('bad2', { schedule: '61 * * * *' }),
      errors: [
        {
          needle: 'restartPolicy: Always',
          reason:
            'spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: ' +
            '"OnFailure", "Never"',
        },
        {
          needle: 'schedule: "61',
          reason: 'spec.schedule: Invalid value: "61 * * * *": minute: value 61 above maximum 59',
        },
      ],
    },
  ];

  describe('a bad manifest', () => {
    // Nothing is ever stored by these cases, so they share one runtime.
    let runtime: RuntimeHarness;
    beforeAll(async () => {
      runtime = await RuntimeHarness.start(START);
    });
    afterAll(async () => {
      await runtime.destroy();
    });

    it.each(badManifests)(
      'rejects the whole file, naming file:line and field, for $name',
      async ({ name, text, errors }) => {
        const path = join(runtime.stateDir, `${name.replaceAll(' ', '-')}.yaml`);
        await writeFile(path, text);
        const applied = await runtime.jobctl('apply', '-f', path);
        const expected = errors
          .map((e) => `error: ${path}:${lineOf(text, e.needle, lineOf(text, '---'))} ${e.reason}\n`)
          .join('');
        expect(applied).toEqual({ code: 1, stdout: '', stderr: expected });
        expect((await runtime.jobctl('get', 'cronjobs')).stderr).toBe('No resources found in default namespace.\n');
        expect((await runtime.jobctl('get', 'jobs')).stderr).toBe('No resources found in default namespace.\n');
      },
    );
  });

  it('rejects a YAML syntax error with its file and line and applies nothing', async () => {
    h = await RuntimeHarness.start(START);
    const path = await manifest(
      'broken',
      `${cronJobYaml('valid')}---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: [broken\n`,
    );
    const applied = await h.jobctl('apply', '-f', path);
    expect(applied.code).toBe(1);
    expect(applied.stdout).toBe('');
    expect(applied.stderr).toMatch(new RegExp(`^error: ${path}:(20|21) \\(yaml\\): YAML syntax error: .+\\n$`));
    expect((await h.jobctl('get', 'cronjobs')).stderr).toBe('No resources found in default namespace.\n');
  });

  it('applies a manifest with nodeSelector and a hostPath volume, warning at file:line', async () => {
    h = await RuntimeHarness.start(START);
    const text = cronJobYaml('warned', {
      pod:
        '          nodeSelector:\n            disk: ssd\n          volumes:\n          - name: data\n            ' +
        'hostPath:\n              path: /tmp\n',
    });
    const path = await manifest('warned', text);
    const applied = await h.jobctl('apply', '-f', path);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toBe('cronjob.batch/warned created\n');
    const warnings = applied.stderr.split('\n').filter(Boolean);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(
      new RegExp(
        `^Warning: ${path}:${lineOf(text, 'disk: ssd')} ` +
          `spec\\.jobTemplate\\.spec\\.template\\.spec\\.nodeSelector\\[disk\\]: .*ignored$`,
      ),
    );
    expect(warnings[1]).toMatch(
      new RegExp(
        `^Warning: ${path}:${lineOf(text, 'volumes:')} spec\\.jobTemplate\\.spec\\.template\\.spec\\.volumes: ` +
          `.*hostPath.*ignored$`,
      ),
    );
    expect(names(await h.jobctl('get', 'cronjobs', '-o', 'name'))).toEqual(['cronjob.batch/warned']);
  });

  it('runs @every 1s once a minute, with a warning, no event a second and ACTIVE clearing (audit D15)', async () => {
    h = await RuntimeHarness.start(START);
    const path = await manifest('fast', cronJobYaml('fast', { schedule: '@every 1s' }));
    const applied = await h.jobctl('apply', '-f', path);
    expect(applied.stderr).toMatch(
      new RegExp(
        /^Warning: .*fast\.yaml:6 spec\.schedule: "@every 1s" fires more than once a minute.*at most one Job/.source +
          / runs per minute\n$/.source,
      ),
    );
    await h.advance(75_000);
    const jobs = names(await h.jobctl('get', 'jobs', '-o', 'name'));
    expect(jobs).toHaveLength(2); // the minutes 10:00 (from 10:00:31) and 10:01
    const described = (await h.jobctl('describe', 'cronjob', 'fast')).stdout;
    expect(described.match(/SawCompletedJob/g)?.length).toBe(2);
    expect(described).toMatch(/Active Jobs:\s+<none>/);
  });

  it('create -f fails with AlreadyExists the second time', async () => {
    h = await RuntimeHarness.start(START);
    expect(await h.jobctl('create', '-f', 'examples/hello/cronjob.yaml')).toEqual({
      code: 0,
      stdout: 'cronjob.batch/hello created\n',
      stderr: '',
    });
    expect(await h.jobctl('create', '-f', 'examples/hello/cronjob.yaml')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (AlreadyExists): cronjobs.batch "hello" already exists\n',
    });
  });
});

describe('jobctl get', () => {
  it('prints Jobs as a v1 List in JSON with their status, and in YAML, name and wide forms', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml');
    await h.advance(60_000);
    const jobName = `hello-${minutes('2026-03-02T10:01:00Z')}`;

    const list = json(await h.jobctl('get', 'jobs', '-o', 'json'));
    expect(Object.keys(list)).toEqual(['apiVersion', 'items', 'kind', 'metadata']);
    expect(list).toMatchObject({
      apiVersion: 'v1',
      kind: 'List',
      items: [{ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: jobName } }],
    });
    expect(list.items[0].status.succeeded).toBe(1);
    expect(list.items[0].status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Complete', status: 'True' }),
    );

    const single = json(await h.jobctl('get', 'job', jobName, '-o', 'json'));
    expect(single).toMatchObject({ kind: 'Job', metadata: { name: jobName }, status: { succeeded: 1 } });

    const yaml = (await h.jobctl('get', 'jobs', '-o', 'yaml')).stdout;
    expect(yaml).toMatch(/^apiVersion: v1\nitems:\n- apiVersion: batch\/v1\n {2}kind: Job\n/);
    expect(yaml).toContain(`    name: ${jobName}\n`);
    expect(yaml).toContain('\n    succeeded: 1\n');
    expect(yaml).toMatch(/\nkind: List\nmetadata:\n {2}resourceVersion: ""\n$/);
    expect((await h.jobctl('get', 'cronjob', 'hello', '-o', 'yaml')).stdout).toContain("  schedule: '*/1 * * * *'\n");

    expect((await h.jobctl('get', 'jobs', '-o', 'name')).stdout).toBe(`job.batch/${jobName}\n`);
    expect((await h.jobctl('get', 'cronjobs', '-o', 'name')).stdout).toBe('cronjob.batch/hello\n');

    const wide = (await h.jobctl('get', 'jobs', '-o', 'wide')).stdout;
    expect(wide).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n/);
    expect(wide).toMatch(
      new RegExp(
        `\\n${jobName}\\s+Complete\\s+1/1\\s+\\S+\\s+\\S+\\s+hello\\s+busybox` +
          `\\s+batch\\.kubernetes\\.io/controller-uid=[0-9a-f-]+\\n$`,
      ),
    );
    const wideCronJobs = (await h.jobctl('get', 'cronjobs', '-o', 'wide')).stdout;
    expect(wideCronJobs).toMatch(
      new RegExp(
        /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/.source +
          /\s+NEXT SCHEDULE\n/.source,
      ),
    );

    const bad = await h.jobctl('get', 'jobs', '-o', 'xml');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: unable to match a printer suitable for the output format "xml"/);
  });

  it("selects Jobs by the labels of their CronJob's jobTemplate", async () => {
    h = await RuntimeHarness.start(START);
    for (const team of ['x', 'y', 'z']) {
      await h.jobctl(
        'apply',
        '-f',
        await manifest(
          `team-${team}`,
          cronJobYaml(`team-${team}`, { template: `    metadata:\n      labels:\n        team: ${team}\n` }),
        ),
      );
    }
    await h.advance(60_000);
    const at = minutes('2026-03-02T10:01:00Z');
    const job = json(await h.jobctl('get', 'job', `team-x-${at}`, '-o', 'json'));
    expect(job.metadata.labels).toMatchObject({ team: 'x' });

    expect(names(await h.jobctl('get', 'jobs', '-l', 'team=x', '-o', 'name'))).toEqual([`job.batch/team-x-${at}`]);
    expect(names(await h.jobctl('get', 'jobs', '-l', 'team in (x,y)', '-o', 'name'))).toEqual([
      `job.batch/team-x-${at}`,
      `job.batch/team-y-${at}`,
    ]);
    expect(names(await h.jobctl('get', 'jobs', '--selector', 'team!=x', '-o', 'name'))).toEqual([
      `job.batch/team-y-${at}`,
      `job.batch/team-z-${at}`,
    ]);
    expect(await h.jobctl('get', 'jobs', '-l', 'team=nobody')).toEqual({
      code: 0,
      stdout: '',
      stderr: 'No resources found in default namespace.\n',
    });

    const bad = await h.jobctl('get', 'jobs', '-l', 'team in (x,y');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^error: unable to parse requirement: .+\n$/);
  });

  // Product bug: a Job without labels of its own shows none, but the API server defaults them from the template labels
  // it generates (SetDefaults_Job after generateSelector), so `kubectl get jobs -l job-name=X` finds the Job.
  it('labels a Job without labels of its own with job-name and controller-uid, as the API server does', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', 'examples/jobs/pi-indexed.yaml');
    const job = json(await h.jobctl('get', 'job', 'indexed-demo', '-o', 'json'));
    expect(job.metadata.labels).toEqual({
      'batch.kubernetes.io/controller-uid': job.metadata.uid,
      'batch.kubernetes.io/job-name': 'indexed-demo',
      'controller-uid': job.metadata.uid,
      'job-name': 'indexed-demo',
    });
    expect((await h.jobctl('get', 'jobs', '-l', 'job-name=indexed-demo', '-o', 'name')).stdout).toBe(
      'job.batch/indexed-demo\n',
    );
  });

  it('reports a missing object and an unknown resource type on one line with exit code 1', async () => {
    h = await RuntimeHarness.start(START);
    expect(await h.jobctl('get', 'cronjob', 'nosuch')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): cronjobs.batch "nosuch" not found\n',
    });
    expect(await h.jobctl('get', 'job', 'nosuch')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): jobs.batch "nosuch" not found\n',
    });
    const widgets = await h.jobctl('get', 'widgets');
    expect(widgets.code).toBe(1);
    expect(widgets.stdout).toBe('');
    expect(widgets.stderr).toMatch(/^error: the server doesn't have a resource type "widgets".*\n$/);
    expect(widgets.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  // The seed reads its pod names with `--output=jsonpath={.items..metadata.name}` and passes them to `logs`.
  it("prints a run's pods with the seed's jsonpath and custom columns sorted by a field", async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml');
    await h.advance(120_000);
    const first = `hello-${minutes('2026-03-02T10:01:00Z')}`;
    const second = `hello-${minutes('2026-03-02T10:02:00Z')}`;
    const pods = await h.jobctl(
      'get',
      'pods',
      `--selector=job-name=${first}`,
      '--output=jsonpath={.items..metadata.name}',
    );
    expect(pods).toEqual({ code: 0, stdout: expect.stringMatching(new RegExp(`^${first}-[a-z0-9]{5}$`)), stderr: '' });
    expect((await h.jobctl('logs', pods.stdout)).stdout).toContain('Hello from the Kubernetes cluster');

    const columns = await h.jobctl(
      'get',
      'jobs',
      '-o',
      'custom-columns=NAME:.metadata.name,SUCCEEDED:.status.succeeded,OWNER:.metadata.ownerReferences[0].name',
      '--sort-by={.metadata.creationTimestamp}',
    );
    expect(columns).toEqual({
      code: 0,
      stdout: `NAME             SUCCEEDED   OWNER\n${first}   1           hello\n${second}   1           hello\n`,
      stderr: '',
    });
  });
});

describe('jobctl describe', () => {
  it("shows a Job's pod statuses and events, and a CronJob's last and next schedule times and events", async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml');
    await h.advance(60_000);
    const jobName = `hello-${minutes('2026-03-02T10:01:00Z')}`;

    const job = await h.jobctl('describe', 'job', jobName);
    expect(job.code).toBe(0);
    expect(job.stdout).toMatch(new RegExp(`^Name:\\s+${jobName}\\n`));
    expect(job.stdout).toMatch(/\nControlled By:\s+CronJob\/hello\n/);
    expect(job.stdout).toMatch(/\nPods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed\n/);
    expect(job.stdout).toMatch(
      new RegExp(`\\n  Normal\\s+SuccessfulCreate\\s+\\S+\\s+job-controller\\s+Created pod: ${jobName}-[a-z0-9]{5}\\n`),
    );
    expect(job.stdout).toMatch(/\n {2}Normal\s+Completed\s+\S+\s+job-controller\s+Job completed\n/);

    const cronJob = await h.jobctl('describe', 'cronjob', 'hello');
    expect(cronJob.stdout).toMatch(/\nLast Schedule Time:\s+Mon, 02 Mar 2026 10:01:00 \+0000\n/);
    // The controller's next runs, every minute after the last (the harness clock stands just after 10:01).
    expect(cronJob.stdout).toMatch(
      new RegExp(
        /\nNext Schedules:\s+Mon, 02 Mar 2026 10:02:00 \+0000\n {2,}Mon, 02 Mar 2026 10:03:00 \+0000\n/.source +
          /(?: {2,}.*\n){3}Active Jobs:/.source,
      ),
    );
    expect(cronJob.stdout).toMatch(
      new RegExp(`\\n  Normal\\s+SuccessfulCreate\\s+\\S+\\s+cronjob-controller\\s+Created job ${jobName}\\n`),
    );
    expect(cronJob.stdout).toMatch(
      new RegExp(
        `\\n  Normal\\s+SawCompletedJob\\s+\\S+\\s+cronjob-controller\\s+Saw completed job: ${jobName}, status: ` +
          `Complete\\n`,
      ),
    );
  });
});

describe('jobctl patch', () => {
  it('suspends a CronJob with a merge patch', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml');
    expect(await h.jobctl('patch', 'cronjob', 'hello', '-p', '{"spec":{"suspend":true}}')).toEqual({
      code: 0,
      stdout: 'cronjob.batch/hello patched\n',
      stderr: '',
    });
    expect((await h.jobctl('get', 'cronjob', 'hello')).stdout).toMatch(
      /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s.*\nhello\s+\*\/1 \* \* \* \*\s+<none>\s+True\s+0\s/,
    );
    await h.advance(120_000);
    expect((await h.jobctl('get', 'jobs', '-o', 'name')).stdout).toBe('');
  });

  it('rejects an invalid patch with a clear error and changes nothing', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml');
    const before = json(await h.jobctl('get', 'cronjob', 'hello', '-o', 'json'));
    const patched = await h.jobctl('patch', 'cronjob', 'hello', '-p', '{"spec":{"concurrencyPolicy":"Sometimes"}}');
    expect(patched.code).toBe(1);
    expect(patched.stdout).toBe('');
    expect(patched.stderr).toBe(
      'The CronJob "hello" is invalid: spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: ' +
        '"Allow", "Forbid", "Replace"\n',
    );
    expect(json(await h.jobctl('get', 'cronjob', 'hello', '-o', 'json'))).toEqual(before);

    const unparsable = await h.jobctl('patch', 'cronjob', 'hello', '-p', '{"spec":');
    expect(unparsable.code).toBe(1);
    expect(unparsable.stderr).toMatch(/^error: unable to parse "\{"spec":"/);
    expect(json(await h.jobctl('get', 'cronjob', 'hello', '-o', 'json'))).toEqual(before);
  });
});

describe('jobctl create job --from and logs', () => {
  it("runs a CronJob's template now and prints its output", async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml');
    expect(await h.jobctl('create', 'job', 'manual', '--from=cronjob/hello')).toEqual({
      code: 0,
      stdout: 'job.batch/manual created\n',
      stderr: '',
    });
    await h.advance(0);
    const job = json(await h.jobctl('get', 'job', 'manual', '-o', 'json'));
    expect(job.metadata.annotations).toMatchObject({ 'cronjob.kubernetes.io/instantiate': 'manual' });
    expect(job.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'CronJob', name: 'hello', controller: true }),
    ]);
    expect(job.status.succeeded).toBe(1);
    const logs = await h.jobctl('logs', 'job/manual');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/\nHello from the Kubernetes cluster\n$/);

    const missing = await h.jobctl('create', 'job', 'other', '--from=cronjob/nosuch');
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): cronjobs.batch "nosuch" not found\n',
    });
  });
});

describe('jobctl delete', () => {
  it("stops a running Job's task and removes the Job, its pods and log file", async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', await manifest('sleeper', jobYaml('sleeper', ['sleep', '300'])));
    await h.advance(0, { tasks: false });
    expect(h.runtime.launcher.runningCount).toBe(1);
    const pod = names(await h.jobctl('get', 'pods', '-o', 'name'))[0]!.slice('pod/'.length);
    const logFile = join(h.stateDir, 'logs', 'default', `${pod}.log`);
    await stat(logFile);

    expect(await h.jobctl('delete', 'job', 'sleeper')).toEqual({
      code: 0,
      stdout: 'job.batch "sleeper" deleted\n',
      stderr: '',
    });
    expect(h.runtime.launcher.runningCount).toBe(0);
    expect((await h.jobctl('get', 'jobs')).stderr).toBe('No resources found in default namespace.\n');
    expect((await h.jobctl('get', 'pods')).stderr).toBe('No resources found in default namespace.\n');
    await expect(stat(logFile)).rejects.toThrow(/ENOENT/);
    expect(await h.jobctl('get', 'job', 'sleeper')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): jobs.batch "sleeper" not found\n',
    });
  });

  it('deletes a CronJob with its active Jobs, stopping their tasks', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', await manifest('sleepy', cronJobYaml('sleepy', { command: 'sleep 300' })));
    await h.advance(60_000, { tasks: false });
    await h.advance(60_000, { tasks: false });
    expect(h.runtime.launcher.runningCount).toBe(2);
    expect(names(await h.jobctl('get', 'jobs', '-o', 'name'))).toHaveLength(2);

    expect(await h.jobctl('delete', 'cronjob', 'sleepy')).toEqual({
      code: 0,
      stdout: 'cronjob.batch "sleepy" deleted\n',
      stderr: '',
    });
    expect(h.runtime.launcher.runningCount).toBe(0);
    for (const type of ['cronjobs', 'jobs', 'pods'])
      expect((await h.jobctl('get', type)).stderr).toBe('No resources found in default namespace.\n');
    await h.advance(60_000, { tasks: false });
    expect(h.runtime.launcher.runningCount).toBe(0);
    expect((await h.jobctl('get', 'jobs', '-o', 'name')).stdout).toBe('');
  });
});

describe('the examples', () => {
  it('runs the Indexed example to 5 completions, each pod seeing its shard index', async () => {
    h = await RuntimeHarness.start(START);
    expect(await h.jobctl('apply', '-f', 'examples/jobs/pi-indexed.yaml')).toEqual({
      code: 0,
      stdout: 'job.batch/indexed-demo created\n',
      stderr: '',
    });
    for (let i = 0; i < 5; i++) await h.advance(1_000);
    const job = json(await h.jobctl('get', 'job', 'indexed-demo', '-o', 'json'));
    expect(job.status).toMatchObject({ succeeded: 5, completedIndexes: '0-4' });
    expect(job.status.conditions).toContainEqual(expect.objectContaining({ type: 'Complete', status: 'True' }));
    expect((await h.jobctl('get', 'jobs')).stdout).toMatch(/\nindexed-demo\s+Complete\s+5\/5\s/);

    const pods = names(await h.jobctl('get', 'pods', '-l', 'job-name=indexed-demo', '-o', 'name'));
    expect(pods).toHaveLength(5);
    const outputs: string[] = [];
    for (const pod of pods) outputs.push((await h.jobctl('logs', pod)).stdout);
    expect(outputs.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `processing shard ${i} of 5\n`));
  });

  it('applies the Berlin report cleanly and runs it when cron next says, skipping the DST gap', async () => {
    h = await RuntimeHarness.start('2026-03-28T00:00:00Z');
    expect(await h.jobctl('apply', '-f', 'examples/cronjobs/report-forbid.yaml')).toEqual({
      code: 0,
      stdout: 'cronjob.batch/nightly-report created\n',
      stderr: '',
    });
    const next = await h.jobctl(
      'cron',
      'next',
      '30 2 * * *',
      '--tz',
      'Europe/Berlin',
      '--after',
      '2026-03-28T00:00:00Z',
      '-n',
      '3',
      '-o',
      'json',
    );
    expect(next.code).toBe(0);
    // 02:30 does not exist in Berlin on 2026-03-29 (clocks jump 02:00 CET → 03:00 CEST): robfig/cron skips that day.
    expect(json(next)).toEqual({
      schedule: '30 2 * * *',
      timeZone: 'Europe/Berlin',
      next: ['2026-03-28T01:30:00Z', '2026-03-30T00:30:00Z', '2026-03-31T00:30:00Z'],
    });

    await h.advance(Date.parse('2026-03-28T01:31:00Z') - h.clock.now());
    expect(names(await h.jobctl('get', 'jobs', '-o', 'name'))).toEqual([
      `job.batch/nightly-report-${minutes('2026-03-28T01:30:00Z')}`,
    ]);
    expect((await h.jobctl('logs', `nightly-report-${minutes('2026-03-28T01:30:00Z')}`)).stdout).toBe(
      'building report for yesterday\ndone\n',
    );
    // The 29th has no run; ttlSecondsAfterFinished (1 day) removed the 28th's Job by the 30th's run.
    await h.advance(Date.parse('2026-03-30T00:31:00Z') - h.clock.now());
    expect(names(await h.jobctl('get', 'jobs', '-o', 'name'))).toEqual([
      `job.batch/nightly-report-${minutes('2026-03-30T00:30:00Z')}`,
    ]);
    // Two days of the runtime's timers (resyncs, the event sweeper) step by step: 10-15 s of CPU on 2 loaded cores.
  }, 60_000);
});

describe('restartPolicy OnFailure', () => {
  it('restarts a failing container in place with the kubelet back-off until it succeeds', async () => {
    h = await RuntimeHarness.start(START);
    const text = jobYaml(
      'flaky',
      [
        '/bin/sh',
        '-c',
        'f=$(STATE)/n; n=$(cat $f 2>/dev/null || echo 0); echo $((n+1)) > $f; echo attempt $n; test $n -ge 2',
      ],
      'OnFailure',
    ).replace(
      '        command:',
      `        env:\n        - name: STATE\n          value: ${JSON.stringify(h.stateDir)}\n        command:`,
    );
    await h.jobctl('apply', '-f', await manifest('flaky', text));
    const attempts = async () => Number(await readFile(join(h!.stateDir, 'n'), 'utf8'));
    await h.advance(0); // attempt 0 fails; the first restart is immediate and attempt 1 fails too
    expect(await attempts()).toBe(2);
    await h.advance(9_000); // inside the 10 s back-off: no restart yet
    expect(await attempts()).toBe(2);
    await h.advance(1_000); // the back-off ends: attempt 2 succeeds
    expect(await attempts()).toBe(3);
    await h.advance(20_000);
    expect(await attempts()).toBe(3);

    const pods = await h.jobctl('get', 'pods');
    expect(pods.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    expect(pods.stdout).toMatch(/\nflaky-[a-z0-9]{5}\s+0\/1\s+Completed\s+2\s/);
    expect(names(await h.jobctl('get', 'pods', '-o', 'name'))).toHaveLength(1);
    const job = json(await h.jobctl('get', 'job', 'flaky', '-o', 'json'));
    expect(job.status).toMatchObject({ succeeded: 1 });
    expect(job.status.conditions).toContainEqual(expect.objectContaining({ type: 'Complete', status: 'True' }));
    expect((await h.jobctl('logs', 'job/flaky')).stdout).toContain('attempt 2\n');
  });
});
