import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeHarness, type CliResult } from '../support/local-runtime.ts';

// Issue 13: every verb reads its resource arguments as kubectl does — TYPE/NAME (one or more, of any types), TYPE
// NAME..., TYPE -l, and every alias — on the embedded runtime, through what the user sees. The parser's own cases and
// messages are test/unit/cli/resources.test.ts; here each verb is seen to use it.
const START = '2026-03-02T10:00:30Z';

let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

const jobYaml = (name: string, text: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  labels:
    jobgroup: jobexample
spec:
  template:
    metadata:
      name: ${name}
      labels:
        jobgroup: jobexample
    spec:
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "echo ${text}"]
      restartPolicy: Never
`;

const firstColumn = (r: CliResult) =>
  r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(/\s+/)[0]);

/** The seed's hello CronJob, and two Jobs that have run (their pods' names are returned). */
async function seedObjects(): Promise<{ piPod: string }> {
  h = await RuntimeHarness.start(START);
  expect((await h.jobctl('apply', '-f', 'examples/hello/cronjob.yaml')).code).toBe(0);
  for (const [name, text] of [
    ['pi', '3.14159'],
    ['other', 'other'],
  ])
    expect((await h.jobctl('apply', '-f', await h.writeManifest(name!, jobYaml(name!, text!)))).code).toBe(0);
  await h.advance(1_000);
  const pods = await h.jobctl('get', 'pods', '-l', 'job-name=pi', '-o', 'name');
  return { piPod: pods.stdout.trim().slice('pod/'.length) };
}

describe('resource arguments as kubectl reads them', () => {
  it('get: TYPE/NAME of several types prints a table per type, names TYPE/NAME; TYPE NAME NAME in order', async () => {
    await seedObjects();

    const mixed = await h!.jobctl('get', 'cronjob/hello', 'jobs.batch/pi');
    expect(mixed).toMatchObject({ code: 0, stderr: '' });
    expect(mixed.stdout).toMatch(
      new RegExp(
        /^NAME {18}SCHEDULE .*\ncronjob\.batch\/hello {3}\*\/1 \* \* \* \* .*\n/.source +
          /\nNAME {11}STATUS .*\njob\.batch\/pi {3}Complete .*\n$/.source,
      ),
    );
    expect(firstColumn(await h!.jobctl('get', 'cj,jobs'))).toEqual([
      'NAME',
      'cronjob.batch/hello',
      'NAME',
      'job.batch/other',
      'job.batch/pi',
    ]);
    expect(firstColumn(await h!.jobctl('get', 'jobs', 'pi', 'other'))).toEqual(['NAME', 'pi', 'other']);
    expect((await h!.jobctl('get', 'job/pi', 'cj/hello', '-o', 'name')).stdout).toBe(
      'job.batch/pi\ncronjob.batch/hello\n',
    );
    // One object named prints as itself in JSON, two as a List.
    expect(JSON.parse((await h!.jobctl('get', 'job/pi', '-o', 'json')).stdout).kind).toBe('Job');
    expect(JSON.parse((await h!.jobctl('get', 'job/pi', 'job/other', '-o', 'json')).stdout).kind).toBe('List');

    // What was found is printed; what was not is kubectl's NotFound after it, exit code 1.
    const partly = await h!.jobctl('get', 'jobs', 'pi', 'nosuch');
    expect({ code: partly.code, names: firstColumn(partly), stderr: partly.stderr }).toEqual({
      code: 1,
      names: ['NAME', 'pi'],
      stderr: 'Error from server (NotFound): jobs.batch "nosuch" not found\n',
    });
    expect(await h!.jobctl('get', 'job', 'job/pi')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'error: there is no need to specify a resource type as a separate argument when passing arguments in ' +
        "resource/name form (e.g. 'jobctl get resource/<resource_name>' instead of 'jobctl get resource " +
        "resource/<resource_name>'\n",
    });
    expect(await h!.jobctl('get')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'You must specify the type of resource to get. Use "jobctl api-resources" for a complete list of supported ' +
        "resources.\n\nerror: Required resource not specified.\nSee 'jobctl get -h' for help and examples\n",
    });
    expect((await h!.jobctl('api-resources')).stdout).toMatch(/\ncronjobs +cj +batch\/v1 +true +CronJob\n/);
  });

  it('describe: jobs/NAME, TYPE/NAME of several types, TYPE NAME NAME; name with -l is refused', async () => {
    await seedObjects();

    const one = await h!.jobctl('describe', 'jobs/pi');
    expect(one).toMatchObject({ code: 0, stderr: '' });
    expect(one.stdout).toMatch(/^Name: +pi\n/);
    expect(one.stdout).toMatch(/\nEvents:\n/);
    const two = await h!.jobctl('describe', 'job/pi', 'cronjob/hello');
    expect(two.stdout.match(/^Name: +\S+$/gm)).toEqual([expect.stringMatching(/pi$/), expect.stringMatching(/hello$/)]);
    expect((await h!.jobctl('describe', 'jobs', 'other', 'pi')).stdout.match(/^Name: +(\S+)$/gm)).toEqual([
      expect.stringMatching(/other$/),
      expect.stringMatching(/pi$/),
    ]);
    // TYPE/NAME is an exact name (NAME_PREFIX is only `describe TYPE NAME`).
    expect(await h!.jobctl('describe', 'jobs/p')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): jobs.batch "p" not found\n',
    });
    expect((await h!.jobctl('describe', 'jobs', 'p')).stdout).toMatch(/^Name: +pi\n/);
    expect(await h!.jobctl('describe', 'jobs', 'pi', '-l', 'jobgroup=jobexample')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: name cannot be provided when a selector is specified\n',
    });
  });

  it("logs: pods/NAME, po/NAME, a Job's pod by job/NAME or jobs.batch/NAME, -l; kubectl's usage errors", async () => {
    const { piPod } = await seedObjects();

    for (const arg of [`pods/${piPod}`, `po/${piPod}`, piPod, 'job/pi', 'jobs.batch/pi'])
      expect(await h!.jobctl('logs', arg)).toEqual({ code: 0, stdout: '3.14159\n', stderr: '' });
    expect(await h!.jobctl('logs', piPod, 'c')).toEqual({ code: 0, stdout: '3.14159\n', stderr: '' });
    expect((await h!.jobctl('logs', '-l', 'jobgroup=jobexample')).stdout).toBe('other\n3.14159\n');

    expect(await h!.jobctl('logs', piPod, '-l', 'jobgroup=jobexample')).toEqual({
      code: 1,
      stdout: '',
      stderr: "error: only a selector (-l) or a POD name is allowed\nSee 'jobctl logs -h' for help and examples\n",
    });
    expect(await h!.jobctl('logs')).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required " +
        "argument for the logs command\nSee 'jobctl logs -h' for help and examples\n",
    });
    expect(await h!.jobctl('logs', 'pods/nosuch')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Error from server (NotFound): pods "nosuch" not found\n',
    });
    expect((await h!.jobctl('logs', piPod, 'other')).stderr).toBe(
      `Error from server (BadRequest): container other is not valid for pod ${piPod}\n`,
    );
  });

  it('delete: cronjob/NAME job/NAME at once, TYPE NAME NAME, TYPE -l; one missing does not stop the rest', async () => {
    await seedObjects();

    expect(await h!.jobctl('delete', 'cronjob/hello', 'job/pi')).toEqual({
      code: 0,
      stdout: 'cronjob.batch "hello" deleted\njob.batch "pi" deleted\n',
      stderr: '',
    });
    expect(await h!.jobctl('delete', 'jobs', 'nosuch', 'other')).toEqual({
      code: 1,
      stdout: 'job.batch "other" deleted\n',
      stderr: 'Error from server (NotFound): jobs.batch "nosuch" not found\n',
    });
    expect(await h!.jobctl('delete', 'job', '-l', 'jobgroup=jobexample')).toEqual({
      code: 0,
      stdout: 'No resources found\n',
      stderr: '',
    });
    expect(await h!.jobctl('delete', 'jobs')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: resource(s) were provided, but no name was specified\n',
    });
  });

  it('patch and wait take TYPE/NAME and TYPE NAME NAME too', async () => {
    await seedObjects();

    expect(await h!.jobctl('patch', 'cj/hello', '-p', '{"spec":{"suspend":true}}')).toEqual({
      code: 0,
      stdout: 'cronjob.batch/hello patched\n',
      stderr: '',
    });
    expect(await h!.jobctl('wait', '--for=condition=complete', 'jobs', 'pi', 'other', '--timeout=0')).toEqual({
      code: 0,
      stdout: 'job.batch/pi condition met\njob.batch/other condition met\n',
      stderr: '',
    });
  });
});
