import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeHarness, unixMinutes } from '../support/local-runtime.ts';

// Issue 14's health and notifications on `jobctl up --notify URL` (a manual clock; the webhook a real local server):
// a notification on each transition only — Failing once however many runs fail, Recovered after a success, Missed
// once a due slot's grace has passed — and the same line in the runtime's log.
const START = '2026-03-02T10:00:30Z';

let h: RuntimeHarness | undefined;
let hook: Server;
let received: Array<Record<string, unknown>>;
let log: string[];

beforeEach(async () => {
  received = [];
  log = [];
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const notifyUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  h = await RuntimeHarness.start(START, { notifyUrl, log: (line) => log.push(line) });
});
afterEach(async () => {
  await h?.destroy();
  h = undefined;
  hook.closeAllConnections();
  await new Promise<void>((r) => hook.close(() => r()));
});

const cronJobYaml = (name: string, o: { schedule: string; command: string; annotations?: string; spec?: string }) =>
  `apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${name}
${o.annotations === undefined ? '' : `  annotations:\n${o.annotations}`}spec:
  schedule: "${o.schedule}"
${o.spec ?? ''}  jobTemplate:
    spec:
      backoffLimit: 0
      template:
        spec:
          containers:
          - name: main
            image: busybox
            command: ["/bin/sh", "-c", ${JSON.stringify(o.command)}]
          restartPolicy: Never
`;
const transitions = () => received.map((n) => `${n['transition']}: ${n['reason']}`);

describe('health notifications', () => {
  it('sends Failing once when two runs in a row fail, and Recovered after the next success', async () => {
    const annotations = '    jobctl.dev/alert-after-failures: "2"\n';
    const failing = cronJobYaml('flaky', { schedule: '*/1 * * * *', command: 'exit 1', annotations });
    await h!.jobctl('apply', '-f', await h!.writeManifest('flaky', failing));
    await h!.advance(60_000); // 10:01 fails: one failure is not yet Failing
    expect(received).toEqual([]);
    await h!.advance(60_000); // 10:02 fails: Failing
    await h!.advance(60_000); // 10:03 fails: still Failing, nothing new
    const fixed = cronJobYaml('flaky', { schedule: '*/1 * * * *', command: 'true', annotations });
    await h!.jobctl('apply', '-f', await h!.writeManifest('flaky', fixed));
    await h!.advance(60_000); // 10:04 succeeds
    expect(transitions()).toEqual([
      `Failing: the last 2 runs failed: flaky-${unixMinutes('2026-03-02T10:01:00Z')}, ` +
        `flaky-${unixMinutes('2026-03-02T10:02:00Z')}`,
      'Recovered: runs as scheduled',
    ]);
    expect(received[0]).toMatchObject({
      cronJob: { namespace: 'default', name: 'flaky' },
      state: 'Failing',
      previous: 'Healthy',
      at: expect.stringMatching(/^2026-03-02T10:02:00\./),
      text: expect.stringMatching(/^cronjob default\/flaky Failing: the last 2 runs failed: /),
    });
    expect(received[1]).toMatchObject({ transition: 'Recovered', state: 'Healthy', previous: 'Failing' });
    expect(log.filter((line) => line.startsWith('health: '))).toEqual(received.map((n) => `health: ${n['text']}`));
  });

  it('sends Missed when a due slot has had no Job past its grace, and Recovered when it starts', async () => {
    const yaml = cronJobYaml('overlap', {
      schedule: '*/5 * * * *',
      command: 'sleep 600',
      annotations: '    jobctl.dev/missed-grace: 1m\n',
      spec: '  concurrencyPolicy: Forbid\n',
    });
    await h!.jobctl('apply', '-f', await h!.writeManifest('overlap', yaml));
    await h!.advance(5 * 60_000, { tasks: false }); // 10:05 starts and runs on
    await h!.advance(5 * 60_000, { tasks: false }); // 10:10 is blocked by Forbid
    expect(received).toEqual([]);
    await h!.advance(90_000, { tasks: false }); // 10:11:00 + : the grace of 10:10 is over
    expect(transitions()).toEqual([
      'Missed: no Job for the slot at 2026-03-02T10:10:00Z after 1m (jobctl.dev/missed-grace 1m)',
    ]);
    // The blocking run is deleted: Kubernetes starts the blocked slot late, and the CronJob recovers.
    await h!.jobctl('delete', 'job', `overlap-${unixMinutes('2026-03-02T10:05:00Z')}`);
    await h!.advance(1_000, { tasks: false });
    expect(transitions()).toEqual([
      'Missed: no Job for the slot at 2026-03-02T10:10:00Z after 1m (jobctl.dev/missed-grace 1m)',
      'Recovered: runs as scheduled',
    ]);
  });
});
