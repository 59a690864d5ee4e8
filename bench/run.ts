/**
 * Benchmarks (not tests): `npm run bench [-- --only cron,engine,dispatch,drain,aws --drain 10000 --runs 300]`
 * ({@link USAGE}; `npm run bench -- --help`).
 * Everything is measured side by side in one run, so the ratios hold on a noisy machine.
 */
import { performance } from 'node:perf_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Cron } from 'croner';
import { DynamoDbStateStore } from '../src/adapters/dynamodb/dynamodb-state-store.ts';
import { ensureStateTable } from '../src/adapters/dynamodb/state-table.ts';
import { CronJobController } from '../src/controllers/cronjob-controller.ts';
import { JobController } from '../src/controllers/job-controller.ts';
import type { ControllerDeps } from '../src/controllers/deps.ts';
import { parseSchedule } from '../src/cron/index.ts';
import { jobFromTemplate, syncCronJob } from '../src/engine/cronjob-sync.ts';
import { ManualClock } from '../src/adapters/clock/clock.ts';
import { localDynamoClient, startDynalite } from '../src/runtime/local/dynalite-host.ts';
import { LocalRuntime } from '../src/runtime/local/runtime.ts';
import type { LogSink } from '../src/ports/log-sink.ts';
import type { TaskLauncher } from '../src/ports/task-launcher.ts';
import { loadManifests } from '../src/spec/index.ts';
import type { CronJob, Job, Pod } from '../src/spec/types.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const USAGE =
  `usage: npm run bench [-- --only <section,…>] [--runs 300] [--drain 10000] [--aws-runs 12] ` +
  `[--cold-starts 15] [--queue-items 10000] [--bulk-jobs 2000] [--bulk-quota 50] [--cost-runs 8] [--growth-days 7] ` +
  `[--startup-runs 20]
sections (all by default):
  cron      cron next(): jobctl vs croner
  engine    pure syncCronJob decisions
  dispatch  DynamoDB requests per scheduled run on the local runtime, --runs CronJobs
  drain     embedded runtime draining --drain CronJobs due in the same minute (0 skips it)
  aws       AWS requests per scheduled run through the Lambda handlers (--aws-runs runs), bundled Lambda sizes,
            cold-start init of each handler (--cold-starts fresh node processes each)
  queue     the local lease queue draining --queue-items tiny items with 1, 2 and 8 workers, beside a plain loop
  cost      what a deployed stack costs at us-east-1 list prices, itemised: idle per month for each network choice
            (from the synthesized template, with its resync measured), and the control plane of one scheduled run
            measured through the Lambda entry points (--cost-runs runs), per run and per million runs
  bulk      --bulk-jobs trivial Jobs applied and run to completion on the embedded runtime, without and with a
            ResourceQuota of --bulk-quota pods: Jobs/s created and completed, DynamoDB requests and launches
            (0 skips it)
  cli-startup  wall time of whole jobctl commands (cron next, get against a running jobctl up, --help), built and
            through tsx, beside node -e '' in the same --startup-runs rounds (0 skips it)
  growth    one every-minute CronJob for --growth-days simulated days on the embedded runtime (state on disk): db and
            log bytes at the end of each day (not in the default run: a week takes about 35 minutes)`;
const { values: args } = parseArgs({
  options: {
    drain: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '300' },
    only: { type: 'string' },
    'aws-runs': { type: 'string', default: '12' },
    'cold-starts': { type: 'string', default: '15' },
    'queue-items': { type: 'string', default: '10000' },
    'bulk-jobs': { type: 'string', default: '2000' },
    'bulk-quota': { type: 'string', default: '50' },
    'cost-runs': { type: 'string', default: '8' },
    'growth-days': { type: 'string', default: '7' },
    'startup-runs': { type: 'string', default: '20' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const DRAIN = Number(args.drain);
const RUNS = Number(args.runs);
const T0 = Date.parse('2026-03-02T10:00:30Z');

function opsPerSecond(fn: (i: number) => void, minMs = 400): number {
  for (let i = 0; i < 2_000; i++) fn(i); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    for (let i = 0; i < 500; i++) fn(n++);
  }
  return n / ((performance.now() - start) / 1000);
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

function cronjobYaml(name: string, schedule = '*/1 * * * *', command = '["true"]'): CronJob {
  const text = `apiVersion: batch/v1
kind: CronJob
metadata: { name: ${name} }
spec:
  schedule: "${schedule}"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: main, image: busybox, command: ${command} }]
          restartPolicy: Never
`;
  const cj = loadManifests(text, `${name}.yaml`).objects[0] as CronJob;
  return {
    ...cj,
    metadata: { ...cj.metadata, uid: `uid-${name}`, creationTimestamp: new Date(T0 - 10_000).toISOString() },
  };
}

function benchCron(): void {
  console.log('\n## cron next(): jobctl (robfig port) vs croner used directly');
  console.log('| schedule | zone | jobctl ops/s | croner ops/s | jobctl / croner |');
  console.log('|---|---|---|---|---|');
  const cases: Array<[string, string]> = [
    ['*/1 * * * *', 'UTC'],
    ['0 0 13 * 5', 'UTC'],
    ['30 2 * * *', 'America/New_York'],
    ['0 9 * * 1-5', 'Europe/Berlin'],
  ];
  for (const [expr, zone] of cases) {
    const ours = parseSchedule(expr, zone === 'UTC' ? undefined : zone);
    const theirs = new Cron(expr, { timezone: zone, paused: true });
    const step = 3_600_000 * 7 + 12_345;
    const a = opsPerSecond((i) => void ours.next(T0 + i * step));
    const b = opsPerSecond((i) => void theirs.nextRun(new Date(T0 + i * step)));
    console.log(`| \`${expr}\` | ${zone} | ${fmt(a)} | ${fmt(b)} | ${(a / b).toFixed(2)} |`);
  }
}

function benchEngine(): void {
  console.log('\n## engine: CronJob dispatch decisions (pure syncCronJob)');
  const cj = cronjobYaml('bench');
  const history: Job[] = [0, 1, 2].map((i) => {
    const job = jobFromTemplate(cj, T0 - (i + 1) * 60_000 - 30_000, T0);
    return {
      ...job,
      status: {
        ...job.status,
        startTime: new Date(T0 - 60_000).toISOString(),
        completionTime: new Date(T0 - 50_000).toISOString(),
        succeeded: 1,
        conditions: [{ type: 'Complete', status: 'True' }],
      },
    } as Job;
  });
  const due = opsPerSecond((i) => void syncCronJob({ cronJob: cj, jobs: history, now: T0 + 30_000 + (i % 50) }));
  const notDue = opsPerSecond(
    (i) =>
      void syncCronJob({
        cronJob: { ...cj, status: { active: [], lastScheduleTime: new Date(T0 - 30_000).toISOString() } },
        jobs: history,
        now: T0 + (i % 50),
      }),
  );
  console.log('| case | decisions/s |');
  console.log('|---|---|');
  console.log(`| due: creates a Job, 3 finished Jobs in history | ${fmt(due)} |`);
  console.log(`| not due: requeue only | ${fmt(notDue)} |`);
}

/** Counts DynamoDB requests by operation through the SDK's middleware stack. */
function countRequests(client: ReturnType<typeof localDynamoClient>): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (input) => {
      counts.set(context.commandName ?? '?', (counts.get(context.commandName ?? '?') ?? 0) + 1);
      return next(input);
    },
    { step: 'initialize', name: 'jobctlBenchCounter' },
  );
  return counts;
}

async function benchDispatch(): Promise<void> {
  console.log(`\n## one scheduled run against dynalite (in memory), ${RUNS} CronJobs`);
  const host = await startDynalite();
  const client = localDynamoClient(host.endpoint, host.credentials);
  await ensureStateTable(client, 'bench');
  const clock = new ManualClock(T0);
  const store = new DynamoDbStateStore({ client, tableName: 'bench', now: () => clock.now() });
  const launched: Pod[] = [];
  const launcher: TaskLauncher = { launch: async (pod) => void launched.push(pod), stop: async () => false };
  const logs: LogSink = { read: async () => '', follow: async () => {}, remove: async () => {} };
  const deps: ControllerDeps = { store, launcher, logs, clock };
  const cronJobs = new CronJobController(deps);
  const jobs = new JobController(deps);
  for (let i = 0; i < RUNS; i++) await store.create(cronjobYaml(`cj-${i}`));
  for (let i = 0; i < RUNS; i++) await cronJobs.sync({ namespace: 'default', name: `cj-${i}` }); // first sync: not due
  clock.advanceTo(T0 + 30_100);
  const counts = countRequests(client);
  const phases: Record<string, Map<string, number>> = {};
  const snapshot = () => new Map(counts);
  const diff = (before: Map<string, number>) => new Map([...counts].map(([k, v]) => [k, v - (before.get(k) ?? 0)]));
  const latencies: number[] = [];
  let before = snapshot();
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await cronJobs.sync({ namespace: 'default', name: `cj-${i}` });
    latencies.push(performance.now() - start);
  }
  phases['dispatch (CronJob sync → Job created, status written)'] = diff(before);
  before = snapshot();
  const jobNames = (await store.list('Job', 'default')).map((j) => j.metadata.name);
  for (const name of jobNames) await jobs.sync({ namespace: 'default', name });
  phases['Job sync → pod stored, task launched'] = diff(before);
  before = snapshot();
  for (const pod of launched) {
    const ref = { namespace: 'default', jobName: pod.metadata.labels!['job-name']!, podName: pod.metadata.name };
    await jobs.recordTaskStart(ref, clock.now());
    await jobs.recordTaskExit({ ...ref, exitCode: 0, reason: 'Completed', finishedAtMs: clock.now() + 1_000 });
  }
  phases['task start + exit recorded on the pod'] = diff(before);
  before = snapshot();
  for (const name of jobNames) await jobs.sync({ namespace: 'default', name });
  for (let i = 0; i < RUNS; i++) await cronJobs.sync({ namespace: 'default', name: `cj-${i}` });
  phases['Job completes, CronJob sees it (SawCompletedJob)'] = diff(before);
  const ops = [...new Set(Object.values(phases).flatMap((m) => [...m.keys()]))].sort();
  console.log(`| phase | ${ops.join(' | ')} | total |`);
  console.log(`|---|${ops.map(() => '---').join('|')}|---|`);
  const total = new Map<string, number>();
  for (const [phase, m] of Object.entries(phases)) {
    const cells = ops.map((op) => (m.get(op) ?? 0) / RUNS);
    for (const op of ops) total.set(op, (total.get(op) ?? 0) + (m.get(op) ?? 0) / RUNS);
    console.log(
      `| ${phase} | ${cells.map((c) => c.toFixed(1)).join(' | ')} | ${cells.reduce((a, b) => a + b, 0).toFixed(1)} |`,
    );
  }
  console.log(
    `| **whole run** | ${ops.map((op) => total.get(op)!.toFixed(1)).join(' | ')} | ` +
      `${[...total.values()].reduce((a, b) => a + b, 0).toFixed(1)} |`,
  );
  latencies.sort((a, b) => a - b);
  console.log(
    `\ndispatch latency (CronJob sync that creates the Job): p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ` +
      `${percentile(latencies, 99).toFixed(1)} ms`,
  );
  client.destroy();
  await host.close();
}

async function benchDrain(): Promise<void> {
  console.log(`\n## embedded runtime: drain ${DRAIN.toLocaleString('en-US')} CronJobs due in the same minute`);
  const dir = await mkdtemp(join(tmpdir(), 'jobctl-bench-'));
  const clock = new ManualClock(T0);
  const runtime = new LocalRuntime({
    stateDir: dir,
    clock,
    inMemory: true,
    serveControl: false,
    resyncIntervalMs: 3_600_000,
    workers: 16,
  });
  await runtime.start();
  let t = performance.now();
  const batch: Promise<unknown>[] = [];
  for (let i = 0; i < DRAIN; i++) {
    batch.push(runtime.store.create(cronjobYaml(`drain-${i}`)));
    if (batch.length === 32) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  await runtime.resync();
  await runtime.settle();
  console.log(`loaded and first-synced in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  clock.advanceTo(T0 + 30_100);
  await runtime.settle({ timeoutMs: 3_600_000 });
  const seconds = (performance.now() - t) / 1000;
  const jobs = await runtime.store.list('Job', 'default');
  const complete = jobs.filter((j) =>
    j.status.conditions.some((c) => c.type === 'Complete' && c.status === 'True'),
  ).length;
  console.log(`| CronJobs due | Jobs created | Jobs complete | wall time | runs/s |`);
  console.log(`|---|---|---|---|---|`);
  console.log(`| ${DRAIN} | ${jobs.length} | ${complete} | ${seconds.toFixed(1)} s | ${fmt(complete / seconds)} |`);
  await runtime.stop();
  await rm(dir, { recursive: true, force: true });
}

console.log(`# jobctl benchmarks (${new Date().toISOString()}, node ${process.version})`);
const only = args.only?.split(',');
const wanted = (name: string) => !only || only.includes(name);
if (wanted('cron')) benchCron();
if (wanted('engine')) benchEngine();
if (wanted('dispatch')) await benchDispatch();
if (wanted('drain') && DRAIN > 0) await benchDrain();
if (wanted('aws'))
  await (await import('./aws.ts')).benchAws({
    runs: Number(args['aws-runs']),
    coldStarts: Number(args['cold-starts']),
  });
if (wanted('queue'))
  await (await import('./queue.ts')).benchQueue({ items: Number(args['queue-items']), workers: [1, 2, 8] });
if (wanted('cost')) await (await import('./cost.ts')).benchCost({ runs: Number(args['cost-runs']) });
if (wanted('bulk') && Number(args['bulk-jobs']) > 0)
  await (await import('./bulk.ts')).benchBulk({ jobs: Number(args['bulk-jobs']), quota: Number(args['bulk-quota']) });
if (wanted('cli-startup') && Number(args['startup-runs']) > 0)
  await (await import('./cli-startup.ts')).benchCliStartup({ runs: Number(args['startup-runs']) });
if (only?.includes('growth')) await (await import('./growth.ts')).benchGrowth({ days: Number(args['growth-days']) });
