import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { DynamoDbSlotLedger } from '../../src/adapters/dynamodb/dynamodb-slot-ledger.ts';
import { DynamoDbStateStore } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { CronJobController } from '../../src/controllers/cronjob-controller.ts';
import type { ControllerDeps } from '../../src/controllers/deps.ts';
import { JobController } from '../../src/controllers/job-controller.ts';
import { MetricTotals } from '../../src/engine/metrics.ts';
import {
  metricsPortFromEnv,
  metricsToken,
  serveMetrics,
  type MetricsServer,
} from '../../src/runtime/local/metrics-server.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { CronJob } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import { FakeLogSink } from '../support/fakes/fake-log-sink.ts';
import { FakeTaskLauncher } from '../support/fakes/fake-task-launcher.ts';

// `GET /metrics` of `jobctl up` (src/runtime/local/metrics-server.ts), standalone: the real DynamoDB adapters on
// dynalite, the controllers reporting to the runtime's MetricTotals, a run of a CronJob, then scrapes as Prometheus
// sends them (no token) and as a web page would (refused).

const T0 = Date.parse('2026-03-02T10:00:00Z');
const key = (name: string) => ({ namespace: 'default', name });

const TOKEN = 'owner-token-of-this-test-0123456789abcdef';
const owner = { Authorization: `Bearer ${TOKEN}` };

function get(
  url: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('jobctl up’s /metrics (standalone, dynalite)', () => {
  let db: TestDynalite;
  let server: MetricsServer;
  let body: string;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    db = await startTestDynalite();
    await ensureStateTable(db.client, 'metrics');
    const store = new DynamoDbStateStore({ client: db.client, tableName: 'metrics', now: () => clock.now() });
    const totals = new MetricTotals();
    const deps: ControllerDeps = {
      store,
      launcher: new FakeTaskLauncher({ now: () => clock.now() }),
      logs: new FakeLogSink(),
      clock,
      slots: new DynamoDbSlotLedger({ client: db.client, tableName: 'metrics', now: () => clock.now() }),
      metrics: totals,
    };
    const cronJobs = new CronJobController(deps);
    const jobs = new JobController(deps);

    // hello, every minute: its 10:01 Job is created 2 s late, runs 3 s, succeeds.
    await store.create(
      loadManifests(
        `apiVersion: batch/v1
kind: CronJob
metadata: { name: hello }
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: main, image: busybox, command: ["true"] }]
          restartPolicy: Never
`,
        'hello.yaml',
      ).objects[0] as CronJob,
    );
    clock.advanceTo(T0 + 62_000);
    await cronJobs.sync(key('hello'));
    const jobName = `hello-${(T0 + 60_000) / 60_000}`;
    await jobs.sync(key(jobName));
    const [pod] = await store.listPods(key(jobName));
    const task = { namespace: 'default', jobName, podName: pod!.metadata.name };
    await jobs.recordTaskStart(task, clock.now());
    clock.advance(3_000);
    await jobs.recordTaskExit({ ...task, exitCode: 0, reason: 'Completed', finishedAtMs: clock.now() });
    await jobs.sync(key(jobName));
    await cronJobs.sync(key('hello'));

    server = await serveMetrics({ store, totals, token: TOKEN });
    const scraped = await get(server.url, { headers: owner });
    expect(scraped.status).toBe(200);
    expect(scraped.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    body = scraped.body;
  });
  afterAll(async () => {
    await server?.close();
    await db.stop();
  });

  it('serves the CronJob’s last successful time and schedule times, as kube-state-metrics names them', () => {
    const seconds = (iso: string) => Date.parse(iso) / 1000;
    expect(body).toContain(
      '# HELP kube_cronjob_status_last_successful_time LastSuccessfulTime keeps information of when was the last ' +
        'time the job was completed successfully.\n# TYPE kube_cronjob_status_last_successful_time gauge\n',
    );
    const hello = '{namespace="default",cronjob="hello"}';
    expect(body).toContain(`kube_cronjob_status_last_successful_time${hello} ${seconds('2026-03-02T10:01:05Z')}\n`);
    expect(body).toContain(`kube_cronjob_status_last_schedule_time${hello} ${seconds('2026-03-02T10:01:00Z')}\n`);
    expect(body).toContain(`kube_cronjob_next_schedule_time${hello} ${seconds('2026-03-02T10:02:00Z')}\n`);
    const job = `hello-${(T0 + 60_000) / 60_000}`;
    expect(body).toContain(`kube_job_status_succeeded{namespace="default",job_name="${job}"} 1\n`);
    expect(body).toContain(`kube_job_complete{namespace="default",job_name="${job}",condition="true"} 1\n`);
  });

  it('serves the skew histogram, the run time histogram and the slot counter the controllers reported', () => {
    const skew = body.split('\n').filter((l) => l.startsWith('jobctl_cronjob_schedule_skew_seconds'));
    expect(skew).toEqual([
      'jobctl_cronjob_schedule_skew_seconds_bucket{namespace="default",cronjob="hello",le="1"} 0',
      ...[2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].map(
        (le) => `jobctl_cronjob_schedule_skew_seconds_bucket{namespace="default",cronjob="hello",le="${le}"} 1`,
      ),
      'jobctl_cronjob_schedule_skew_seconds_bucket{namespace="default",cronjob="hello",le="+Inf"} 1',
      'jobctl_cronjob_schedule_skew_seconds_sum{namespace="default",cronjob="hello"} 2',
      'jobctl_cronjob_schedule_skew_seconds_count{namespace="default",cronjob="hello"} 1',
    ]);
    expect(body).toContain('# TYPE jobctl_cronjob_schedule_skew_seconds histogram\n');
    expect(body).toContain(
      'jobctl_job_run_duration_seconds_sum{namespace="default",cronjob="hello",condition="Complete"} 3\n',
    );
    expect(body).toContain('jobctl_cronjob_slots_total{namespace="default",cronjob="hello",outcome="Created"} 1\n');
    expect(body).toContain('jobctl_jobs_finished_total{namespace="default",cronjob="hello",condition="Complete"} 1\n');
  });

  it('answers HEAD with the headers only; other methods 405, other paths 404', async () => {
    const head = await get(server.url, { method: 'HEAD', headers: owner });
    expect([head.status, head.body, Number(head.headers['content-length']) > 0]).toEqual([200, '', true]);
    expect((await get(server.url, { method: 'POST', headers: owner })).status).toBe(405);
    expect((await get(server.url.replace('/metrics', '/objects/CronJob'), { headers: owner })).status).toBe(404);
  });

  it("wants the bearer token (loopback is every local user's), and refuses web pages and a foreign Host", async () => {
    expect((await get(server.url, { headers: owner })).status).toBe(200);
    expect((await get(server.url)).status).toBe(401);
    expect((await get(server.url, { headers: { Authorization: 'Bearer guess' } })).status).toBe(401);
    const fromPage = await get(server.url, { headers: { ...owner, Origin: 'https://evil.example' } });
    expect([fromPage.status, fromPage.body]).toEqual([403, 'requests from web pages are refused\n']);
    const rebound = await get(server.url, { headers: { Host: 'evil.example:80' } });
    expect(rebound.status).toBe(403);
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
  });

  it('takes a fixed port from JOBCTL_METRICS_PORT, and refuses one that is not a port', () => {
    expect(metricsPortFromEnv({})).toBe(0);
    expect(metricsPortFromEnv({ JOBCTL_METRICS_PORT: '9471' })).toBe(9471);
    expect(() => metricsPortFromEnv({ JOBCTL_METRICS_PORT: '99999' })).toThrow(/JOBCTL_METRICS_PORT/);
  });

  it('says which port is taken when the fixed one is in use', async () => {
    const port = Number(new URL(server.url).port);
    const busy = { store: { list: async () => [] }, totals: new MetricTotals(), port, token: TOKEN };
    await expect(serveMetrics(busy)).rejects.toThrow(new RegExp(`port ${port} .* in use`));
  });
});

describe('metricsToken', () => {
  it('is made once, owner-only, and the same at the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jobctl-metrics-token-'));
    try {
      const first = await metricsToken(dir);
      expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect((await stat(join(dir, 'metrics-token'))).mode & 0o777).toBe(0o600);
      expect(await metricsToken(dir)).toBe(first);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
