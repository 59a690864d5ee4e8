/**
 * The `aws` benchmark section (`npm run bench -- --only aws`): what one plain scheduled run costs on AWS, measured
 * through the real Lambda handlers in process (test/support/lambda-harness.ts: dynalite for the table, a simulated
 * DynamoDB stream, ECS and Scheduler behind aws-sdk-client-mock), then each handler bundled as the construct bundles
 * it, its size, and its cold-start import time in fresh node processes.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { build, type Metafile } from 'esbuild';
import { DynamoDbSlotLedger } from '../src/adapters/dynamodb/dynamodb-slot-ledger.ts';
import { DynamoDbStateStore } from '../src/adapters/dynamodb/dynamodb-state-store.ts';
import { loadJobControllerEnv } from '../src/runtime/lambda/env.ts';
import { streamWorkOf } from '../src/runtime/lambda/stream-changes.ts';
import { ensureStateTable } from '../src/adapters/dynamodb/state-table.ts';
import { ManualClock } from '../src/adapters/clock/clock.ts';
import { loadManifests } from '../src/spec/index.ts';
import type { CronJob } from '../src/spec/types.ts';
import {
  FakeEcs,
  FakeScheduler,
  JOB_CONTROLLER_ARN,
  REGION,
  StreamSimulator,
  lambdaEnv,
  logSink,
  taskEvent,
} from '../test/support/lambda-harness.ts';
import { startTestDynalite } from '../test/support/dynalite.ts';

/** What `bench/run.ts` passes in. */
export interface AwsBenchOptions {
  /** Scheduled runs of the CronJob; the steady-state average starts at the first run that deletes history. */
  runs: number;
  /** Fresh node processes per handler and per variant for the cold-start import time. */
  coldStarts: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const T0 = Date.parse('2026-03-02T10:00:00Z');
const HANDLERS = ['dispatcher', 'job-controller'] as const;
/** Kubernetes' default `successfulJobsHistoryLimit` (src/spec/defaults.ts): run N+1 is the first to delete a Job. */
const DEFAULT_SUCCESSFUL_HISTORY_LIMIT = 3;
/** The job controller's Lambda timeout in infra/jobctl-construct.ts (what `getRemainingTimeInMillis` starts from). */
const JOB_CONTROLLER_TIMEOUT_MS = 120_000;
const DUMMY_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'AKIDBENCHBENCHBENCH0', AWS_SECRET_ACCESS_KEY: 'bench' };
const DYNAMODB_READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);
/** Not a request: the items the BatchWriteItem requests carried (each item is billed as one write). */
const BATCH_ITEMS = 'BatchWriteItem items';

type InvocationKind = 'dispatcher' | 'stream' | 'task-event' | 'requeue';
const KIND_LABELS: Record<InvocationKind, string> = {
  dispatcher: 'dispatcher: schedule payload',
  stream: 'job controller: stream batches',
  'task-event': 'job controller: ECS task events (RUNNING, STOPPED exit 0)',
  requeue: 'job controller: requeue timers',
};
type Tally = Map<string, number>;
interface KindTally {
  invocations: number;
  requests: Tally;
}
type RunTally = Map<InvocationKind, KindTally>;

const fmt1 = (n: number) => n.toFixed(1);
const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/**
 * Counts AWS requests by operation: DynamoDB through a middleware on the store's client (`initialize` step: one per
 * command, before retries), ECS and Scheduler from the aws-sdk-client-mock stubs' recorded calls.
 */
class RequestCounter {
  readonly dynamoDbOps = new Set<string>();
  private readonly dynamoDb: Tally = new Map();
  private readonly mocks: Array<{ calls(): ReadonlyArray<{ args: readonly unknown[] }> }> = [];

  constructor(client: DynamoDBClient) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = (context.commandName ?? '?').replace(/Command$/, '');
        this.dynamoDbOps.add(op);
        bump(this.dynamoDb, op);
        if (op === 'BatchWriteItem') {
          const items = (args.input as { RequestItems?: Record<string, unknown[]> }).RequestItems ?? {};
          bump(this.dynamoDb, BATCH_ITEMS, sum(Object.values(items).map((l) => l.length)));
        }
        return next(args);
      },
      { step: 'initialize', name: 'jobctlBenchAwsCounter' },
    );
  }

  watch(mock: { calls(): ReadonlyArray<{ args: readonly unknown[] }> }): void {
    this.mocks.push(mock);
  }

  snapshot(): Tally {
    const tally = new Map(this.dynamoDb);
    for (const mock of this.mocks) {
      for (const call of mock.calls()) bump(tally, (call.args[0] as object).constructor.name.replace(/Command$/, ''));
    }
    return tally;
  }
}

function bump(tally: Tally, key: string, by = 1): void {
  tally.set(key, (tally.get(key) ?? 0) + by);
}

function diff(after: Tally, before: Tally): Tally {
  return new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, v]) => v !== 0));
}

const requestCount = (tally: Tally) => sum([...tally].filter(([k]) => k !== BATCH_ITEMS).map(([, v]) => v));

function plainCronJob(name: string): CronJob {
  return loadManifests(
    `apiVersion: batch/v1
kind: CronJob
metadata: { name: ${name}, creationTimestamp: "2026-03-02T09:59:00Z" }
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: main, image: busybox, command: ["true"] }]
          restartPolicy: Never
`,
    `${name}.yaml`,
  ).objects[0] as CronJob;
}

/**
 * Imports the production handler modules with the construct's environment (they load it at module scope), then
 * puts the bench process's environment back.
 */
async function importHandlerModules(tableName: string) {
  const env = lambdaEnv(tableName);
  const previous = Object.keys(env).map((key) => [key, process.env[key]] as const);
  Object.assign(process.env, env);
  try {
    return {
      dispatcherModule: await import('../functions/dispatcher.ts'),
      jobControllerModule: await import('../functions/job-controller.ts'),
    };
  } finally {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

async function benchRequestsPerRun(runs: number): Promise<void> {
  const firstSteady = DEFAULT_SUCCESSFUL_HISTORY_LIMIT + 1;
  if (!(runs >= firstSteady))
    throw new RangeError(
      `bench aws: --aws-runs: invalid value "${runs}": must be at least ${firstSteady} (the first run that deletes ` +
        `history)`,
    );
  console.log('\n## AWS: requests per plain scheduled run through the Lambda handlers (in process)');
  console.log(
    `One \`*/1 * * * *\` CronJob, default history limits (${DEFAULT_SUCCESSFUL_HISTORY_LIMIT} succeeded Jobs kept); ` +
      `per run: schedule payload → dispatcher → ` +
      'stream → job controller → RunTask → task event RUNNING → stream → task event STOPPED exit 0 → stream → Job ' +
      'complete → oldest Job deleted. ' +
      `Warm Lambdas (module scope kept). Averaged over runs ${firstSteady}..${runs}.`,
  );
  const tableName = 'jobctl-bench';
  const { dispatcherModule, jobControllerModule } = await importHandlerModules(tableName);
  const db = await startTestDynalite();
  await ensureStateTable(db.client, tableName);
  // The handlers' own client, counted; the stream simulator scans through db.client, which is not.
  const client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    maxAttempts: 8,
  });
  const counter = new RequestCounter(client);
  const clock = new ManualClock(T0);
  const store = new DynamoDbStateStore({ client, tableName, now: () => clock.now() });
  const stream = new StreamSimulator(db, tableName);
  const ecs = new FakeEcs();
  const scheduler = new FakeScheduler();
  counter.watch(ecs.mock);
  counter.watch(scheduler.mock);
  const quiet = () => {};
  const context = { invokedFunctionArn: JOB_CONTROLLER_ARN, getRemainingTimeInMillis: () => JOB_CONTROLLER_TIMEOUT_MS };
  // The slot ledger as the Lambdas write it (functions/*.ts): its requests count in the run's cost (issue 14).
  const slots = new DynamoDbSlotLedger({ client, tableName, now: () => clock.now() });
  const dispatcher = dispatcherModule.createHandler({ store, clock, slots, log: quiet });
  const controller = jobControllerModule.createHandler({
    store,
    slots,
    launcher: ecs.launcher(store),
    logs: logSink(),
    clock,
    requeue: scheduler.requeue(),
    sleep: async (ms) => clock.advance(ms),
    maxInlineWaitMs: loadJobControllerEnv(lambdaEnv(tableName)).maxInlineWaitMs,
    log: quiet,
  });

  let current: RunTally = new Map();
  let idleBatches = 0;
  const invoke = async <T>(kind: InvocationKind, call: () => Promise<T>): Promise<T> => {
    const before = counter.snapshot();
    const result = await call();
    const entry = current.get(kind) ?? { invocations: 0, requests: new Map() };
    entry.invocations++;
    for (const [op, n] of diff(counter.snapshot(), before)) bump(entry.requests, op, n);
    current.set(kind, entry);
    return result;
  };
  const drainStream = async () => {
    for (let i = 0; i < 20; i++) {
      const records = await stream.records();
      if (records.length === 0) return;
      if (streamWorkOf(records).length === 0) idleBatches++;
      const result = await invoke('stream', () => controller({ Records: records }, context));
      if (!('batchItemFailures' in result) || result.batchItemFailures.length > 0)
        throw new Error(`bench aws: stream batch failed: ${JSON.stringify(result)}`);
    }
    throw new Error('bench aws: the stream did not drain in 20 batches');
  };
  const reported = new Set<string>();
  const runTasks = async () => {
    for (const task of ecs.tasksByToken.values()) {
      if (reported.has(task.taskArn)) continue;
      reported.add(task.taskArn);
      const startedAtMs = clock.now();
      await invoke('task-event', () =>
        controller(
          taskEvent({ taskArn: task.taskArn, group: task.group, version: 4, status: 'RUNNING', atMs: startedAtMs }),
          context,
        ),
      );
      // A Fargate task's RUNNING and STOPPED are seconds apart at least; the stream poller delivers in between.
      await drainStream();
      clock.advance(5_000);
      await invoke('task-event', () =>
        controller(
          taskEvent({
            taskArn: task.taskArn,
            group: task.group,
            version: 6,
            status: 'STOPPED',
            atMs: clock.now(),
            startedAtMs,
            exitCode: 0,
          }),
          context,
        ),
      );
    }
  };

  const perRun: RunTally[] = [];
  const idleByRun: number[] = [];
  let otherStateRequests: Tally;
  try {
    await store.create(plainCronJob('plain'));
    await drainStream(); // the CronJob's INSERT: setup, not part of any run
    for (let run = 1; run <= runs; run++) {
      const slot = T0 + run * 60_000;
      clock.advanceTo(slot + 800); // Scheduler delivers a little after the minute
      current = new Map();
      idleBatches = 0;
      for (const due of scheduler.takeDue(clock.now())) await invoke('requeue', () => controller(due, context));
      await invoke('dispatcher', () =>
        dispatcher({
          cronJob: { namespace: 'default', name: 'plain' },
          scheduledTime: new Date(slot).toISOString().replace('.000Z', 'Z'),
        }),
      );
      await drainStream(); // Job admitted → pod → RunTask
      await runTasks(); // pod Running (stream drained), then Succeeded
      await drainStream(); // Job Complete → CronJob SawCompletedJob → history limit → cascade delete
      perRun.push(current);
      idleByRun.push(idleBatches);
    }
    // Fargate emits more state changes than RUNNING and STOPPED (PROVISIONING, PENDING, …, DEPROVISIONING), all
    // matched by the construct's rule: what one of them costs.
    const last = [...ecs.tasksByToken.values()].at(-1)!;
    const pending = taskEvent({
      taskArn: last.taskArn,
      group: last.group,
      version: 2,
      status: 'RUNNING',
      atMs: clock.now(),
    }) as { detail: Record<string, unknown> };
    pending.detail['lastStatus'] = 'PENDING';
    const before = counter.snapshot();
    const outcome = await controller(pending, context);
    if (!('dropped' in outcome))
      throw new Error(`bench aws: a PENDING task event was not dropped: ${JSON.stringify(outcome)}`);
    otherStateRequests = diff(counter.snapshot(), before);

    // The runs really ran: one task each, the history limit holds, the kept Jobs are complete.
    const jobs = await store.list('Job', 'default');
    const complete = jobs.filter((j) => j.status.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'));
    if (
      ecs.tasksByToken.size !== runs ||
      jobs.length !== DEFAULT_SUCCESSFUL_HISTORY_LIMIT ||
      complete.length !== jobs.length
    ) {
      throw new Error(
        `bench aws: expected ${runs} tasks and ${DEFAULT_SUCCESSFUL_HISTORY_LIMIT} complete Jobs, got ` +
          `${ecs.tasksByToken.size} tasks, ${jobs.length} Jobs (${complete.length} complete)`,
      );
    }
  } finally {
    ecs.restore();
    scheduler.restore();
    client.destroy();
    await db.stop();
  }

  const steady = perRun.slice(firstSteady - 1);
  const kinds = (Object.keys(KIND_LABELS) as InvocationKind[]).filter((k) => perRun.some((r) => r.has(k)));
  const average = (kind: InvocationKind, pick: (t: KindTally) => number) =>
    sum(steady.map((r) => (r.has(kind) ? pick(r.get(kind)!) : 0))) / steady.length;
  const ops = [...new Set(steady.flatMap((r) => [...r.values()].flatMap((t) => [...t.requests.keys()])))].filter(
    (op) => op !== BATCH_ITEMS,
  );
  const dynamoOps = ops
    .filter((op) => counter.dynamoDbOps.has(op))
    .sort((a, b) => Number(!DYNAMODB_READS.has(a)) - Number(!DYNAMODB_READS.has(b)) || a.localeCompare(b));
  const otherOps = ops.filter((op) => !counter.dynamoDbOps.has(op) && op !== 'RunTask').sort();
  const columns = [...dynamoOps, 'RunTask'];
  console.log(`| invoked by | invocations | ${columns.join(' | ')} | other | total requests |`);
  console.log(`|---|---|${columns.map(() => '---').join('|')}|---|---|`);
  const row = (
    label: string,
    pickInvocations: (k: InvocationKind) => number,
    pickOp: (k: InvocationKind, op: string) => number,
    selected: InvocationKind[],
  ) => {
    const cells = columns.map((op) => sum(selected.map((k) => pickOp(k, op))));
    const other = sum(otherOps.map((op) => sum(selected.map((k) => pickOp(k, op)))));
    console.log(
      `| ${label} | ${fmt1(sum(selected.map(pickInvocations)))} | ${cells.map(fmt1).join(' | ')} | ${fmt1(other)} | ` +
        `${fmt1(sum(cells) + other)} |`,
    );
  };
  const invocationsOf = (k: InvocationKind) => average(k, (t) => t.invocations);
  const opOf = (k: InvocationKind, op: string) => average(k, (t) => t.requests.get(op) ?? 0);
  for (const kind of kinds) row(KIND_LABELS[kind], invocationsOf, opOf, [kind]);
  row('**whole run**', invocationsOf, opOf, kinds);

  const total = (op: string) => sum(kinds.map((k) => opOf(k, op)));
  const reads = sum(dynamoOps.filter((op) => DYNAMODB_READS.has(op)).map(total));
  const writes = sum(dynamoOps.filter((op) => !DYNAMODB_READS.has(op)).map(total));
  const batchItems = sum(kinds.map((k) => opOf(k, BATCH_ITEMS)));
  console.log(
    `\nper steady run: DynamoDB ${fmt1(reads)} reads + ${fmt1(writes)} writes` +
      (batchItems > 0 ? ` (the BatchWriteItem requests carry ${fmt1(batchItems)} items, each billed as a write)` : '') +
      `, RunTask ${fmt1(total('RunTask'))}, other ` +
      `${otherOps.length === 0 ? '0' : otherOps.map((op) => `${op} ${fmt1(total(op))}`).join(', ')}; ` +
      `Lambda invocations ${fmt1(sum(kinds.map(invocationsOf)))}, of which stream batches with nothing to sync ` +
      `(Event items, REMOVEs of the deleted Job) ${fmt1(sum(idleByRun.slice(firstSteady - 1)) / steady.length)}`,
  );
  const runTotals = perRun.map((r) => requestCount(mergeKinds(r)));
  console.log(`requests by run (1..${runs}): ${runTotals.join(' · ')}`);
  const coldExtras = [...diff(mergeKinds(perRun[0]!), mergeKinds(perRun[firstSteady - 1]!))].filter(
    ([op, n]) => op !== BATCH_ITEMS && !counter.dynamoDbOps.has(op) && n > 0,
  );
  if (coldExtras.length > 0)
    console.log(
      `run 1 also pays a cold task-definition cache: ${coldExtras.map(([op, n]) => `${op} ${n}`).join(', ')}`,
    );
  console.log(
    `an ECS task event of another state (PENDING, …) is dropped after ${requestCount(otherStateRequests)} requests; ` +
      `the construct's rule passes only RUNNING ` +
      "and STOPPED, so Fargate's other states (PROVISIONING, PENDING, DEPROVISIONING, …) never invoke the job " +
      'controller',
  );
  console.log(
    'caveat: the stream simulator delivers the writes made between two deliveries as one batch with one record per ' +
      'item; ' +
      "Lambda's stream poller may split them into more batches (more invocations, each syncing its objects again)",
  );
}

function mergeKinds(run: RunTally): Tally {
  const merged: Tally = new Map();
  for (const t of run.values()) for (const [op, n] of t.requests) bump(merged, op, n);
  return merged;
}

/** Kept in step with `createFunction` in infra/jobctl-construct.ts (NodejsFunction `bundling`). */
const CONSTRUCT_BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

interface Bundle {
  name: (typeof HANDLERS)[number];
  file: string;
  metafile: Metafile;
}

/**
 * Bundles each handler as aws-cdk-lib's NodejsFunction runs esbuild for the construct's options: `--bundle
 * --target=node24 --platform=node --format=esm --outfile=<dir>/index.mjs --minify --sourcemap
 * --banner:js=<createRequire> --main-fields=module,main`, no externals, from the project root.
 */
async function bundleHandlers(dir: string): Promise<Bundle[]> {
  const bundles: Bundle[] = [];
  for (const name of HANDLERS) {
    const file = join(dir, name, 'index.mjs');
    const result = await build({
      entryPoints: [join(ROOT, 'functions', `${name}.ts`)],
      absWorkingDir: ROOT,
      bundle: true,
      target: 'node24',
      platform: 'node',
      format: 'esm',
      outfile: file,
      minify: true,
      sourcemap: true,
      external: [],
      banner: { js: CONSTRUCT_BANNER },
      mainFields: ['module', 'main'],
      metafile: true,
      logLevel: 'error',
    });
    bundles.push({ name, file, metafile: result.metafile });
  }
  return bundles;
}

/** node_modules/@aws-sdk/client-ecs/dist-es/… → @aws-sdk/client-ecs; our own files → jobctl. */
function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(input);
  return match ? match[1]! : 'jobctl (src, functions)';
}

async function benchBundleSizes(bundles: Bundle[]): Promise<void> {
  console.log("\n## AWS: bundled Lambda size per handler (esbuild with the construct's NodejsFunction options)");
  console.log('The asset zip holds index.mjs and index.mjs.map; gzip -9 (node:zlib) stands in for its deflate.');
  console.log(
    '| handler | index.mjs bytes | gzip | index.mjs.map bytes | gzip (mjs + map) | largest packages in index.mjs |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const bundle of bundles) {
    const code = await readFile(bundle.file);
    const map = await readFile(`${bundle.file}.map`);
    const gz = gzipSync(code, { level: 9 }).length;
    const output = Object.values(bundle.metafile.outputs).find((o) => o.entryPoint !== undefined)!;
    const byPackage: Tally = new Map();
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      bump(byPackage, packageOf(input), bytesInOutput);
    const top = [...byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([pkg, bytes]) => `${pkg} ${Math.round((100 * bytes) / code.length)}%`);
    const n = (x: number) => x.toLocaleString('en-US');
    console.log(
      `| ${bundle.name} | ${n(code.length)} | ${n(gz)} | ${n(map.length)} | ` +
        `${n(gz + gzipSync(map, { level: 9 }).length)} | ${top.join(', ')} |`,
    );
  }
}

/** Run in a fresh node: how long node took to reach user code, and the import of argv[2]. */
const PROBE = `const bootMs = performance.now();
const start = performance.now();
await import(process.argv[2]);
const importMs = performance.now() - start;
process.stdout.write(JSON.stringify({ bootMs, importMs }));
`;

interface ColdStart {
  bootMs: number;
  importMs: number;
  wallMs: number;
}

function coldStart(probe: string, moduleUrl: string, env: Record<string, string>): Promise<ColdStart> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [probe, moduleUrl], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const wallMs = performance.now() - start;
      if (code !== 0) return reject(new Error(`bench aws: cold start of ${moduleUrl} exited ${code}: ${err.trim()}`));
      resolve({ ...(JSON.parse(out) as Omit<ColdStart, 'wallMs'>), wallMs });
    });
  });
}

async function benchColdStarts(bundles: Bundle[], dir: string, runs: number): Promise<void> {
  console.log(
    `\n## AWS: cold-start init per handler (fresh \`node\` ${process.version} processes, ${runs} each, interleaved)`,
  );
  console.log(
    'Import of the bundle with the Lambda environment (src/runtime/lambda/env.ts, dummy credentials), timed with ' +
      'performance.now() in the child; ' +
      '"node boot" is node start to the first line of user code, "wall" is spawn to exit. Lambda\'s Init duration ' +
      'also includes its runtime ' +
      'start in the 512 MB arm64 sandbox (a fraction of a vCPU) on Node.js 24: read these relative to the ' +
      'empty-module row.',
  );
  const probe = join(dir, 'probe.mjs');
  const empty = join(dir, 'empty.mjs');
  await writeFile(probe, PROBE);
  await writeFile(empty, 'export {};\n');
  const targets = [
    { name: 'empty module (baseline)', file: empty },
    ...bundles.map((b) => ({ name: b.name, file: b.file })),
  ];
  // As deployed: the construct sets NODE_OPTIONS=--enable-source-maps on both functions.
  const variants = [
    { label: 'as deployed (--enable-source-maps)', nodeOptions: '--enable-source-maps' },
    { label: 'without source maps', nodeOptions: '' },
  ];
  const baseEnv = {
    PATH: process.env['PATH'] ?? '',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    ...lambdaEnv('jobctl-bench'),
    ...DUMMY_CREDENTIALS,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const samples = new Map<string, ColdStart[]>();
  for (let i = 0; i < runs; i++) {
    for (const variant of variants) {
      for (const target of targets) {
        const key = `${variant.label}|${target.name}`;
        const sample = await coldStart(probe, pathToFileURL(target.file).href, {
          ...baseEnv,
          NODE_OPTIONS: variant.nodeOptions,
        });
        samples.set(key, [...(samples.get(key) ?? []), sample]);
      }
    }
  }
  console.log(
    '| NODE_OPTIONS | module | import p50 ms | import p90 ms | node boot p50 ms | wall p50 ms | wall p90 ms | import ' +
      '/ node boot | wall / empty wall |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const variant of variants) {
    const emptyWall = percentile(
      samples.get(`${variant.label}|${targets[0]!.name}`)!.map((s) => s.wallMs),
      50,
    );
    for (const target of targets) {
      const s = samples.get(`${variant.label}|${target.name}`)!;
      const importP50 = percentile(
        s.map((x) => x.importMs),
        50,
      );
      const bootP50 = percentile(
        s.map((x) => x.bootMs),
        50,
      );
      const wallP50 = percentile(
        s.map((x) => x.wallMs),
        50,
      );
      console.log(
        `| ${variant.label} | ${target.name} | ${importP50.toFixed(1)} | ${percentile(
          s.map((x) => x.importMs),
          90,
        ).toFixed(1)} | ${bootP50.toFixed(1)} | ` +
          `${wallP50.toFixed(1)} | ${percentile(
            s.map((x) => x.wallMs),
            90,
          ).toFixed(1)} | ${(importP50 / bootP50).toFixed(2)} | ${(wallP50 / emptyWall).toFixed(2)} |`,
      );
    }
  }
}

/**
 * The `aws` section: requests per scheduled run through the handlers, then bundle sizes and cold starts.
 *
 * @example
 * await benchAws({ runs: 12, coldStarts: 15 });
 */
export async function benchAws(options: AwsBenchOptions): Promise<void> {
  if (!(options.coldStarts >= 1))
    throw new RangeError(`bench aws: --cold-starts: invalid value "${options.coldStarts}": must be at least 1`);
  await benchRequestsPerRun(options.runs);
  const dir = await mkdtemp(join(tmpdir(), 'jobctl-bench-aws-'));
  try {
    const bundles = await bundleHandlers(dir);
    await benchBundleSizes(bundles);
    await benchColdStarts(bundles, dir, options.coldStarts);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
