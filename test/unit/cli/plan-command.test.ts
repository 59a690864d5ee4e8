import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/clock/clock.ts';
import { runCli } from '../../../src/cli/program.ts';
import type { ResourceQuotas } from '../../../src/ports/resource-quotas.ts';
import type { WorkQueue } from '../../../src/ports/work-queue.ts';
import { loadManifests } from '../../../src/spec/index.ts';
import { FakeConnection } from '../../support/fakes/fake-connection.ts';
import { FakeStateStore } from '../../support/fakes/fake-state-store.ts';

// `jobctl plan` run in-process as a user runs it: manifests in a temporary folder, or a fake context's store; the
// clock is the CliIo's, fixed. Europe/Berlin in 2025: clocks go forward on 2025-03-30 at 01:00Z (02:00 → 03:00) and
// back on 2025-10-26 at 01:00Z (03:00 → 02:00). Every expected line is written out by hand.

const NOW = Date.parse('2025-06-01T10:07:00Z');

const template = `  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: main, image: busybox, command: ["true"] }]
          restartPolicy: Never
`;

function cronJobYaml(o: { name: string; schedule: string; extra?: string; annotations?: string; after?: string }) {
  const annotations = o.annotations === undefined ? '' : `  annotations:\n    ${o.annotations}\n`;
  const jobTemplate = o.after === undefined ? template : template.replace('    spec:\n', `    spec:\n${o.after}`);
  return (
    `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: ${o.name}\n${annotations}spec:\n` +
    `  schedule: "${o.schedule}"\n${o.extra ?? ''}${jobTemplate}`
  );
}

const BERLIN = cronJobYaml({
  name: 'nightly-report',
  schedule: '30 2 * * *',
  extra: '  timeZone: Europe/Berlin\n  concurrencyPolicy: Forbid\n',
  after: '      activeDeadlineSeconds: 3600\n',
});
const HALF_HOURLY = cronJobYaml({
  name: 'half-hourly',
  schedule: '*/30 * * * *',
  extra: '  timeZone: Europe/Berlin\n',
});
const A_JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: one-off
spec:
  template:
    spec:
      containers: [{ name: main, image: busybox, command: ["true"] }]
      restartPolicy: Never
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobctl-plan-'));
  const files: Record<string, string> = {
    // A Job among the CronJobs: plan ignores it.
    'berlin.yaml': [BERLIN, HALF_HOURLY, A_JOB].join('---\n'),
    'nightly.yaml': BERLIN,
    'overlaps.yaml': [
      cronJobYaml({
        name: 'forbid',
        schedule: '*/20 * * * *',
        extra: '  concurrencyPolicy: Forbid\n',
        annotations: 'jobctl.dev/max-runtime: 25m',
      }),
      cronJobYaml({
        name: 'replace',
        schedule: '0,30 * * * *',
        extra: '  concurrencyPolicy: Replace\n',
        after: '      activeDeadlineSeconds: 2400\n',
      }),
    ].join('---\n'),
    'busy.yaml': ['a', 'b', 'c'].map((name) => cronJobYaml({ name, schedule: '0 * * * *' })).join('---\n'),
    'suspended.yaml': cronJobYaml({ name: 'paused', schedule: '0 * * * *', extra: '  suspend: true\n' }),
    'bad-schedule.yaml': cronJobYaml({ name: 'bad', schedule: '30 25 * * *' }),
    'bad-runtime.yaml': cronJobYaml({ name: 'bad', schedule: '0 * * * *', annotations: 'jobctl.dev/max-runtime: 1d' }),
  };
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function jobctl(argv: string[], connection?: FakeConnection) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    io: { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), now: () => NOW, setExitCode: () => {} },
    env: { JOBCTL_STATE_DIR: dir },
    cwd: dir,
    ...(connection === undefined ? {} : { connect: async () => connection }),
  });
  return { code, stdout, stderr };
}

const NO_OVERLAP_MARKS =
  'no overlap marks for half-hourly: neither a jobctl.dev/max-runtime annotation nor ' +
  'spec.jobTemplate.spec.activeDeadlineSeconds says how long a run lasts';

describe("jobctl plan over Europe/Berlin's daylight-saving nights of 2025", () => {
  it('lists the spring-forward night: 02:00 and 02:30 do not exist, so they are rows without a UTC time', async () => {
    const result = await jobctl([
      'plan',
      '-f',
      'berlin.yaml',
      '--from',
      '2025-03-30T00:00:00Z',
      '--to',
      '2025-03-30T02:00:00Z',
    ]);
    const skipped = (time: string) =>
      `skipped: ${time} does not exist on 2025-03-30 in Europe/Berlin (clocks go forward)`;
    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'TIME (UTC)             LOCAL TIME                       CRONJOB          NOTE',
        '2025-03-30T00:00:00Z   Sun 2025-03-30 01:00:00 +01:00   half-hourly',
        '2025-03-30T00:30:00Z   Sun 2025-03-30 01:30:00 +01:00   half-hourly',
        `-                      Sun 2025-03-30 02:00:00          half-hourly      ${skipped('02:00')}`,
        `-                      Sun 2025-03-30 02:30:00          half-hourly      ${skipped('02:30')}`,
        `-                      Sun 2025-03-30 02:30:00          nightly-report   ${skipped('02:30')}`,
        '2025-03-30T01:00:00Z   Sun 2025-03-30 03:00:00 +02:00   half-hourly',
        '2025-03-30T01:30:00Z   Sun 2025-03-30 03:30:00 +02:00   half-hourly',
        '',
        'CRONJOB          SCHEDULE       TIME ZONE       POLICY   LONGEST RUN                      RUNS   SKIPPED',
        'half-hourly      */30 * * * *   Europe/Berlin   Allow    -                                4      2',
        'nightly-report   30 2 * * *     Europe/Berlin   Forbid   1h0m0s (activeDeadlineSeconds)   0      1',
        '4 runs in [2025-03-30T00:00:00Z, 2025-03-30T02:00:00Z)',
        'peak: 1 run starts in the minute of 2025-03-30T00:00:00Z (the first minute with that many)',
        NO_OVERLAP_MARKS,
        '',
      ].join('\n'),
    });
  });

  it(
    'lists the fall-back night: 02:00 and 02:30 run twice, ' + 'the two 02:30 of 30 2 * * * at 00:30Z and 01:30Z',
    async () => {
      const result = await jobctl([
        'plan',
        '-f',
        'berlin.yaml',
        '--from',
        '2025-10-26T00:00:00Z',
        '--to',
        '2025-10-26T02:00:00Z',
      ]);
      const twice = (time: string) => `repeated hour: ${time} occurs twice (clocks go back), runs both times`;
      expect(result).toEqual({
        code: 0,
        stderr: '',
        stdout: [
          'TIME (UTC)             LOCAL TIME                       CRONJOB          NOTE',
          `2025-10-26T00:00:00Z   Sun 2025-10-26 02:00:00 +02:00   half-hourly      ${twice('02:00')}`,
          `2025-10-26T00:30:00Z   Sun 2025-10-26 02:30:00 +02:00   half-hourly      ${twice('02:30')}`,
          `2025-10-26T00:30:00Z   Sun 2025-10-26 02:30:00 +02:00   nightly-report   ${twice('02:30')}`,
          `2025-10-26T01:00:00Z   Sun 2025-10-26 02:00:00 +01:00   half-hourly      ${twice('02:00')}`,
          `2025-10-26T01:30:00Z   Sun 2025-10-26 02:30:00 +01:00   half-hourly      ${twice('02:30')}`,
          `2025-10-26T01:30:00Z   Sun 2025-10-26 02:30:00 +01:00   nightly-report   ${twice('02:30')}`,
          '',
          'CRONJOB          SCHEDULE       TIME ZONE       POLICY   LONGEST RUN                      RUNS   SKIPPED',
          'half-hourly      */30 * * * *   Europe/Berlin   Allow    -                                4      0',
          'nightly-report   30 2 * * *     Europe/Berlin   Forbid   1h0m0s (activeDeadlineSeconds)   2      0',
          '6 runs in [2025-10-26T00:00:00Z, 2025-10-26T02:00:00Z)',
          'peak: 2 runs start in the minute of 2025-10-26T00:30:00Z (the first minute with that many)',
          NO_OVERLAP_MARKS,
          '',
        ].join('\n'),
      });
    },
  );

  it(
    'plans the whole year as JSON: 365 runs of 30 2 * * *, ' +
      '02:30 skipped on March 30th and doubled on October 26th',
    async () => {
      const result = await jobctl([
        'plan',
        '-f',
        'nightly.yaml',
        '--from',
        '2025-01-01',
        '--to',
        '2026-01-01',
        '-o',
        'json',
      ]);
      expect(result.code).toBe(0);
      const plan = JSON.parse(result.stdout);
      expect(plan.runs).toHaveLength(365);
      expect(plan.runs.filter((r: { notes: string[] }) => r.notes.length > 0)).toEqual([
        {
          cronJob: 'nightly-report',
          time: '2025-10-26T00:30:00Z',
          localTime: '2025-10-26T02:30:00+02:00',
          notes: ['repeated-hour'],
        },
        {
          cronJob: 'nightly-report',
          time: '2025-10-26T01:30:00Z',
          localTime: '2025-10-26T02:30:00+01:00',
          notes: ['repeated-hour'],
        },
      ]);
      expect(plan.skipped).toEqual([
        {
          cronJob: 'nightly-report',
          localTime: '2025-03-30T02:30:00',
          timeZone: 'Europe/Berlin',
          clockChange: '2025-03-30T01:00:00Z',
          notes: ['dst-gap'],
        },
      ]);
      // The days around each change, as the controller runs them.
      const around = (from: string, to: string) =>
        plan.runs.filter((r: { time: string }) => r.time >= from && r.time < to).map((r: { time: string }) => r.time);
      expect(around('2025-03-29', '2025-04-01')).toEqual(['2025-03-29T01:30:00Z', '2025-03-31T00:30:00Z']);
      expect(around('2025-10-25', '2025-10-28')).toEqual([
        '2025-10-25T00:30:00Z',
        '2025-10-26T00:30:00Z',
        '2025-10-26T01:30:00Z',
        '2025-10-27T01:30:00Z',
      ]);
    },
  );
});

describe('jobctl plan: overlaps, the peak, suspended CronJobs', () => {
  it('marks runs that start while the previous may still run: Forbid would skip, Replace would cut', async () => {
    const result = await jobctl([
      'plan',
      '-f',
      'overlaps.yaml',
      '--from',
      '2025-06-01T10:00:00Z',
      '--to',
      '2025-06-01T11:00:00Z',
    ]);
    expect(result.code).toBe(0);
    const row = (time: string, cronJob: string, note: string) =>
      `2025-06-01T${time}:00Z   Sun 2025-06-01 ${time}:00 UTC   ${cronJob.padEnd(7)}   ${note}`;
    const forbid = (previous: string, until: string) =>
      `Forbid would skip it: the previous run (${previous}Z) may last until ${until}Z`;
    const replace = (previous: string, until: string) =>
      `Replace would cut the previous run: the previous run (${previous}Z) may last until ${until}Z`;
    expect(result.stdout.split('\n').slice(0, 6)).toEqual([
      'TIME (UTC)             LOCAL TIME                    CRONJOB   NOTE',
      // 09:40's run may last 25 minutes, to 10:05; 09:30's 40 minutes, to 10:10.
      row('10:00', 'forbid', forbid('09:40', '10:05')),
      row('10:00', 'replace', replace('09:30', '10:10')),
      row('10:20', 'forbid', forbid('10:00', '10:25')),
      row('10:30', 'replace', replace('10:00', '10:40')),
      row('10:40', 'forbid', forbid('10:20', '10:45')),
    ]);
    expect(result.stdout.split('\n').slice(7, 10)).toEqual([
      'CRONJOB   SCHEDULE       TIME ZONE   POLICY    LONGEST RUN                     RUNS   SKIPPED',
      'forbid    */20 * * * *   UTC         Forbid    25m0s (max-runtime)             3      0',
      'replace   0,30 * * * *   UTC         Replace   40m0s (activeDeadlineSeconds)   2      0',
    ]);
    expect(result.stdout).not.toContain('no overlap marks');
  });

  it('prints the peak across CronJobs, and exits 1 when it is over --max-per-minute', async () => {
    const window = ['--from', '2025-06-01T00:00:00Z', '--to', '2025-06-01T02:00:00Z'];
    const within = await jobctl(['plan', '-f', 'busy.yaml', ...window, '--max-per-minute', '3']);
    expect(within.code).toBe(0);
    expect(within.stdout).toContain('peak: 3 runs start in the minute of 2025-06-01T00:00:00Z (the first minute with');
    const over = await jobctl(['plan', '-f', 'busy.yaml', ...window, '--max-per-minute', '2', '-o', 'json']);
    expect(over.code).toBe(1);
    expect(JSON.parse(over.stdout).peak).toEqual({ perMinute: 3, minute: '2025-06-01T00:00:00Z' });
    expect(over.stderr).toBe(
      'error: 3 runs start in the minute of 2025-06-01T00:00:00Z: more than --max-per-minute 2\n',
    );
  });

  it('lists a suspended CronJob as suspended, with no runs', async () => {
    const result = await jobctl(['plan', '-f', 'suspended.yaml', '--from', '2025-06-01T00:00:00Z', '-o', 'json']);
    expect(JSON.parse(result.stdout)).toMatchObject({
      cronJobs: [{ name: 'paused', suspended: true, runCount: 0 }],
      runs: [],
      peak: { perMinute: 0, minute: null },
    });
    const text = await jobctl(['plan', '-f', 'suspended.yaml', '--from', '2025-06-01T00:00:00Z']);
    expect(text.stdout).toBe(
      [
        'no runs from 2025-06-01T00:00:00Z to 2025-06-02T00:00:00Z',
        '',
        'CRONJOB   SCHEDULE    TIME ZONE   POLICY   LONGEST RUN   RUNS        SKIPPED',
        'paused    0 * * * *   UTC         Allow    -             suspended   0',
        '0 runs in [2025-06-01T00:00:00Z, 2025-06-02T00:00:00Z)',
        'peak: no run starts',
        '',
      ].join('\n'),
    );
  });
});

describe('jobctl plan -o json', () => {
  it(
    'prints a stable document: the window, the CronJobs, ' + 'the runs with their notes, skipped times and the peak',
    async () => {
      const result = await jobctl([
        'plan',
        '-f',
        'berlin.yaml',
        '--from',
        '2025-03-30T00:45:00Z',
        '--to',
        '2025-03-30T01:15:00+00:00',
        '-o',
        'json',
      ]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({
        from: '2025-03-30T00:45:00Z',
        to: '2025-03-30T01:15:00Z',
        cronJobs: [
          {
            name: 'half-hourly',
            timeZone: 'Europe/Berlin',
            schedule: '*/30 * * * *',
            suspended: false,
            concurrencyPolicy: 'Allow',
            longestRunSeconds: null,
            runCount: 1,
            skippedCount: 2,
            problem: null,
          },
          {
            name: 'nightly-report',
            timeZone: 'Europe/Berlin',
            schedule: '30 2 * * *',
            suspended: false,
            concurrencyPolicy: 'Forbid',
            longestRunSeconds: 3600,
            runCount: 0,
            skippedCount: 1,
            problem: null,
          },
        ],
        runs: [
          { cronJob: 'half-hourly', time: '2025-03-30T01:00:00Z', localTime: '2025-03-30T03:00:00+02:00', notes: [] },
        ],
        skipped: [
          {
            cronJob: 'half-hourly',
            localTime: '2025-03-30T02:00:00',
            timeZone: 'Europe/Berlin',
            clockChange: '2025-03-30T01:00:00Z',
            notes: ['dst-gap'],
          },
          {
            cronJob: 'half-hourly',
            localTime: '2025-03-30T02:30:00',
            timeZone: 'Europe/Berlin',
            clockChange: '2025-03-30T01:00:00Z',
            notes: ['dst-gap'],
          },
          {
            cronJob: 'nightly-report',
            localTime: '2025-03-30T02:30:00',
            timeZone: 'Europe/Berlin',
            clockChange: '2025-03-30T01:00:00Z',
            notes: ['dst-gap'],
          },
        ],
        peak: { perMinute: 1, minute: '2025-03-30T01:00:00Z' },
      });
    },
  );
});

describe('jobctl plan: where the CronJobs come from', () => {
  it('reads the CronJobs of the context without -f, from now for 24 hours by default', async () => {
    const store = new FakeStateStore({ now: () => NOW });
    const [stored] = loadManifests(BERLIN, 'nightly.yaml').objects;
    await store.create(stored!);
    const connection = new FakeConnection({
      store,
      queues: {} as WorkQueue,
      quotas: {} as ResourceQuotas,
      clock: new ManualClock(NOW),
    });
    const result = await jobctl(['plan', '-o', 'json'], connection);
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect([plan.from, plan.to]).toEqual(['2025-06-01T10:07:00Z', '2025-06-02T10:07:00Z']);
    expect(plan.runs.map((r: { time: string }) => r.time)).toEqual(['2025-06-02T00:30:00Z']);
  });

  it('reports a manifest error naming the file, the line and the field, as apply does', async () => {
    expect(await jobctl(['plan', '-f', 'bad-schedule.yaml'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: bad-schedule.yaml:6 spec.schedule: Invalid value: "30 25 * * *": hour: value 25 above maximum 23\n',
    });
    expect(await jobctl(['plan', '-f', 'bad-runtime.yaml'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: bad-runtime.yaml:6 metadata.annotations[jobctl.dev/max-runtime]: Invalid value: "1d": time: unknown ' +
        'unit "d" in duration "1d"; want a Go duration such as 30m\n',
    });
  });

  it('refuses bad input with one clear line and exit code 1', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['--from', '2025-06-01T10:00:00Z', '--to', '2025-06-01T09:00:00Z'],
        'error: --to (2025-06-01T09:00:00Z) must be after --from (2025-06-01T10:00:00Z)',
      ],
      [
        ['--from', '2025-01-01T00:00:00Z', '--to', '2026-01-02T00:00:01Z'],
        'error: --from 2025-01-01T00:00:00Z to --to 2026-01-02T00:00:01Z is 367 days: a plan covers at most 366 days',
      ],
      [
        ['--from', '2025-06-01T10:00:00'],
        'error: invalid --from "2025-06-01T10:00:00": expected an ISO 8601 time with a zone, e.g. 2024-01-01T09:00:00Z',
      ],
      [
        ['--to', '2025-02-30T00:00:00Z'],
        'error: invalid --to "2025-02-30T00:00:00Z": 2025-02-30 is not a date: February 2025 has 28 days',
      ],
      [['-o', 'yaml'], 'error: invalid --output "yaml": the only format is json'],
      [['--max-per-minute', 'ten'], 'error: invalid --max-per-minute "ten": expected a whole number, 0 or more'],
    ];
    for (const [args, message] of cases) {
      expect(await jobctl(['plan', '-f', 'nightly.yaml', ...args]), args.join(' ')).toEqual({
        code: 1,
        stdout: '',
        stderr: `${message}\n`,
      });
    }
  });

  it('says what --max-per-minute does in its help', async () => {
    const help = await jobctl(['plan', '--help']);
    expect(help.stdout).toMatch(/--max-per-minute <n>\s+exit 1 when more runs than this start in one minute/);
  });
});
