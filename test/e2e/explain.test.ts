import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeHarness, unixMinutes } from '../support/local-runtime.ts';

// Issue 14's slot ledger as a user meets it on `jobctl up` (a manual clock: a minute passes in milliseconds): a
// CronJob suspended across a slot, a Forbid CronJob whose run overlaps the next slot, and a runtime stopped across a
// slot. `jobctl explain` names each reason, and the Job of each slot that had one.
const START = '2026-03-02T10:00:30Z';

let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

const cronJobYaml = (name: string, spec: string, command: string) => `apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${name}
spec:
  schedule: "*/1 * * * *"
${spec}  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: main
            image: busybox
            command: ["/bin/sh", "-c", ${JSON.stringify(command)}]
          restartPolicy: Never
`;

const explain = async (name: string, ...args: string[]) =>
  (await h!.jobctl('explain', `cronjob/${name}`, ...args)).stdout;
const job = (name: string, iso: string) => `${name}-${unixMinutes(iso)}`;

describe('jobctl explain', () => {
  it('names a suspension across a slot, and the run started late on resume', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', await h.writeManifest('s', cronJobYaml('nightly', '', 'true')));
    await h.advance(60_000); // 10:01:30: the 10:01 run
    expect((await h.jobctl('suspend', 'cronjob/nightly')).code).toBe(0);
    await h.advance(120_000); // 10:03:30: 10:02 and 10:03 pass while suspended
    expect((await h.jobctl('resume', 'cronjob/nightly')).code).toBe(0);
    await h.advance(1_000);

    expect(await explain('nightly', '--at', '2026-03-02T10:01:00Z')).toBe(
      `2026-03-02T10:01:00Z: Job ${job('nightly', '2026-03-02T10:01:00Z')} was created on time; it succeeded at ` +
        '2026-03-02T10:01:00Z.\n',
    );
    expect(await explain('nightly', '--at', '2026-03-02T10:02:40Z')).toBe(
      'No Job for 2026-03-02T10:02:00Z: the CronJob was suspended (spec.suspend: true) at that time.\n',
    );
    // Kubernetes starts the latest missed slot on resume: 10:03, 30 s late.
    expect(await explain('nightly', '--at', '2026-03-02T10:03:00Z')).toMatch(
      new RegExp(`^2026-03-02T10:03:00Z: Job ${job('nightly', '2026-03-02T10:03:00Z')} was created 30s late; `),
    );
  });

  it('names a Forbid run that overlapped the next slot, and says the open slot waits for it', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl(
      'apply',
      '-f',
      await h.writeManifest('f', cronJobYaml('forbid', '  concurrencyPolicy: Forbid\n', 'sleep 300')),
    );
    await h.advance(60_000, { tasks: false }); // 10:01 starts and keeps running
    await h.advance(60_000, { tasks: false }); // 10:02: JobAlreadyActive
    expect(await explain('forbid', '--at', '2026-03-02T10:02:10Z')).toBe(
      'No Job yet for 2026-03-02T10:02:00Z: concurrencyPolicy is Forbid and Job ' +
        `${job('forbid', '2026-03-02T10:01:00Z')} is still running; it starts when that run ends, unless the next ` +
        'slot comes first.\n',
    );
    await h.advance(60_000, { tasks: false }); // 10:03 came with 10:01 still running: 10:02 is final
    expect(await explain('forbid', '--at', '2026-03-02T10:02:10Z')).toBe(
      'No Job for 2026-03-02T10:02:00Z: concurrencyPolicy is Forbid and Job ' +
        `${job('forbid', '2026-03-02T10:01:00Z')} was still running when the next slot came.\n`,
    );
  });

  it('names the slots a stopped runtime missed, lists a range, and answers in JSON', async () => {
    h = await RuntimeHarness.start(START);
    await h.jobctl('apply', '-f', await h.writeManifest('d', cronJobYaml('down', '', 'true')));
    await h.advance(60_000); // 10:01:30: the 10:01 run
    await h.down();
    h.clock.advanceTo(Date.parse('2026-03-02T10:04:30Z')); // 10:02, 10:03 and 10:04 pass with no runtime
    await h.up();
    await h.advance(1_000); // the runtime's first sync starts 10:04, 30 s late

    expect(await explain('down', '--at', '2026-03-02T10:02:00Z')).toBe(
      'No Job for 2026-03-02T10:02:00Z: nothing ran the CronJob controller between that time and the next slot ' +
        '(jobctl up was not running, or the schedule did not fire), and Kubernetes starts only the latest missed ' +
        'time.\n',
    );
    const range = await explain('down', '--from', '2026-03-02T10:00:00Z', '--to', '2026-03-02T10:05:00Z');
    expect(range.split('\n').map((line) => line.split(/ {3,}/))).toEqual([
      ['SCHEDULED', 'OUTCOME', 'JOB', 'RESULT'],
      ['2026-03-02T10:01:00Z', 'Created', job('down', '2026-03-02T10:01:00Z'), 'Complete'],
      ['2026-03-02T10:02:00Z', 'NotDispatched', '<none>', '<none>'],
      ['2026-03-02T10:03:00Z', 'NotDispatched', '<none>', '<none>'],
      ['2026-03-02T10:04:00Z', 'Created', job('down', '2026-03-02T10:04:00Z'), 'Complete'],
      ['2026-03-02T10:05:00Z', 'NotYetDue', '<none>', '<none>'],
      [''],
    ]);
    const json = JSON.parse(await explain('down', '--at', '2026-03-02T10:04:00Z', '-o', 'json'));
    expect(json).toMatchObject({
      scheduledTime: '2026-03-02T10:04:00Z',
      outcome: 'Created',
      jobName: job('down', '2026-03-02T10:04:00Z'),
      jobResult: 'Complete',
    });
    expect(await explain('down', '--at', '2026-03-02T09:00:00Z')).toBe(
      'No slot at or before 2026-03-02T09:00:00Z: the CronJob was created at 2026-03-02T10:00:30Z; its first slot ' +
        'was 2026-03-02T10:01:00Z.\n',
    );
  });
});
