/**
 * `npm run bench -- --only bulk [--bulk-jobs 2000] [--bulk-quota 50]`: N trivial Jobs (`true`) applied to a fresh
 * embedded runtime as `jobctl up` runs it (dynalite in a worker thread, state on disk, tasks as child processes, the
 * system clock) the way `jobctl apply -f` applies them, then run to completion. Measured side by side without a
 * ResourceQuota and with `spec.hard.pods` = --bulk-quota: Jobs created and completed per second, the DynamoDB
 * requests they cost (by operation, per Job), task launches, stored pods, the peak of concurrent tasks, and an
 * idempotent re-apply of the same file.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDbStateStore } from '../src/adapters/dynamodb/dynamodb-state-store.ts';
import { appliedChanges, applyAll, type AnyApplyOutcome } from '../src/cli/apply.ts';
import { localDynamoClient } from '../src/runtime/local/dynalite-host.ts';
import { LocalRuntime } from '../src/runtime/local/runtime.ts';
import { STATE_TABLE_NAME } from '../src/runtime/local/state-dir.ts';
import { loadManifests } from '../src/spec/index.ts';
import type { Pod } from '../src/spec/types.ts';

export interface BulkBenchOptions {
  /** Jobs applied in one file. */
  jobs: number;
  /** `spec.hard.pods` of the ResourceQuota in the second scenario. */
  quota: number;
}

const POLL_MS = 250;
const TIMEOUT_MS = 30 * 60_000;

type Counts = Map<string, number>;

interface ScenarioResult {
  name: string;
  quota?: number;
  error?: string;
  applyMs: number;
  completeMs?: number;
  completed: number;
  phases: Array<[string, Counts]>;
  applyRequests: number;
  runRequests: number;
  launches: number;
  pods: number;
  peakTasks: number;
  rerunCreated: number;
  rerunRequests: number;
}

/** Counts DynamoDB requests by operation through the SDK's middleware stack (as `countRequests` in run.ts). */
function countRequests(client: DynamoDBClient): Counts {
  const counts: Counts = new Map();
  client.middlewareStack.add(
    (next, context) => async (input) => {
      const op = (context.commandName ?? '?').replace(/Command$/, '');
      counts.set(op, (counts.get(op) ?? 0) + 1);
      return next(input);
    },
    { step: 'initialize', name: 'jobctlBulkBenchCounter' },
  );
  return counts;
}

const sum = (m: Counts) => [...m.values()].reduce((a, b) => a + b, 0);

function manifestsText(jobs: number, quota?: number): string {
  const docs: string[] = [];
  if (quota !== undefined)
    docs.push(`apiVersion: v1\nkind: ResourceQuota\nmetadata: { name: tasks }\nspec: { hard: { pods: "${quota}" } }\n`);
  for (let i = 0; i < jobs; i++) {
    docs.push(`apiVersion: batch/v1
kind: Job
metadata: { name: bulk-${i} }
spec:
  template:
    spec:
      containers: [{ name: c, image: busybox, command: ["true"] }]
      restartPolicy: Never
`);
  }
  return docs.join('---\n');
}

async function runScenario(name: string, jobs: number, quota: number | undefined): Promise<ScenarioResult> {
  const dir = await mkdtemp(join(tmpdir(), 'jobctl-bench-bulk-'));
  let counts: Counts = new Map();
  const runtime = new LocalRuntime({
    stateDir: dir,
    serveControl: false,
    observeDynamoClient: (client) => {
      counts = countRequests(client);
    },
  });
  await runtime.start();
  // The benchmark's own polling goes through a second client to the same dynalite, so it is not counted.
  const pollClient = localDynamoClient(runtime.info!.dynamodbEndpoint, runtime.info!.dynamodbCredentials!);
  const poll = new DynamoDbStateStore({ client: pollClient, tableName: STATE_TABLE_NAME });
  let launches = 0;
  let peakTasks = 0;
  const launch = runtime.launcher.launch.bind(runtime.launcher);
  runtime.launcher.launch = async (pod: Pod) => {
    launches++;
    await launch(pod);
    peakTasks = Math.max(peakTasks, runtime.launcher.runningCount); // the peak can only rise at a launch
  };
  const snapshot = () => new Map(counts);
  const since = (before: Counts): Counts =>
    new Map([...counts].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as [string, number]).filter(([, v]) => v > 0));
  const loaded = loadManifests(manifestsText(jobs, quota), 'bulk.yaml');
  const createdJobs = (outcomes: AnyApplyOutcome[]) =>
    outcomes.filter((o) => o.kind === 'Job' && o.action === 'created').length;
  const result: ScenarioResult = {
    name,
    quota,
    applyMs: 0,
    completed: 0,
    phases: [],
    applyRequests: 0,
    runRequests: 0,
    launches: 0,
    pods: 0,
    peakTasks: 0,
    rerunCreated: 0,
    rerunRequests: 0,
  };
  try {
    // 1. apply, then the CLI's notification of the runtime.
    let before = snapshot();
    const start = performance.now();
    const outcomes = await applyAll(runtime, loaded);
    for (const change of await appliedChanges(runtime.store, outcomes)) runtime.enqueue(change);
    result.applyMs = performance.now() - start;
    const applyCounts = since(before);
    if (createdJobs(outcomes) !== jobs) result.error = `apply created ${createdJobs(outcomes)} of ${jobs} Jobs`;
    // 2. run until every Job has succeeded.
    before = snapshot();
    const deadline = start + TIMEOUT_MS;
    for (;;) {
      // No Job can be complete before its task was launched: the store is read only once all were.
      if (launches >= jobs) {
        const listed = await poll.list('Job', 'default');
        result.completed = listed.filter((j) => j.status.succeeded === 1).length;
        if (result.completed === jobs) {
          result.completeMs = performance.now() - start;
          break;
        }
      }
      if (performance.now() > deadline) {
        result.error = `timed out after ${TIMEOUT_MS / 60_000} min: ${launches} launched, ${result.completed} complete`;
        break;
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const runCounts = since(before);
    result.launches = launches;
    result.peakTasks = peakTasks;
    result.pods = (await poll.list('Pod', 'default')).length;
    // 3. the same apply again: idempotent by name.
    await runtime.settle({ timeoutMs: 120_000 }).catch(() => {});
    before = snapshot();
    const again = await applyAll(runtime, loaded);
    const rerunApply = since(before);
    before = snapshot();
    for (const change of await appliedChanges(runtime.store, again)) runtime.enqueue(change);
    await runtime.settle({ timeoutMs: 120_000 });
    const rerunSyncs = since(before);
    result.rerunCreated = createdJobs(again);
    result.applyRequests = sum(applyCounts);
    result.runRequests = sum(runCounts);
    result.rerunRequests = sum(rerunApply);
    result.phases = [
      ['apply', applyCounts],
      ['run to completion', runCounts],
      ['re-apply', rerunApply],
      ['syncs after re-apply', rerunSyncs],
    ];
    if (result.launches > jobs && result.error === undefined)
      result.error = `${result.launches - jobs} launches doubled`;
  } catch (error) {
    result.error = (error as Error).message;
  } finally {
    pollClient.destroy();
    await runtime.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return result;
}

export async function benchBulk(options: BulkBenchOptions): Promise<void> {
  const { jobs, quota } = options;
  console.log(
    `\n## Bulk Jobs: ${jobs.toLocaleString('en-US')} trivial Jobs applied and run on the embedded runtime, without ` +
      `and with a ResourceQuota (pods: ${quota})`,
  );
  console.log(
    'Each scenario: a fresh runtime as `jobctl up` runs it (dynalite in a worker thread, state on disk in a temp ' +
      'dir, tasks as child processes, system clock); ' +
      `one file of ${jobs} Jobs (\`command: ["true"]\`) applied as \`jobctl apply -f\` does, then run until every ` +
      `Job has succeeded ` +
      `(polled every ${POLL_MS} ms through a separate, uncounted client); DynamoDB requests counted by operation; ` +
      `then the same file applied again. ` +
      `An untimed warm-up scenario (${Math.min(jobs, 200)} Jobs, quota ${Math.min(quota, 10)}) runs first, so ` +
      `neither scenario pays for JIT warm-up.`,
  );
  // Untimed: the first runtime of a process applies markedly slower (JIT warm-up), which would skew the comparison.
  await runScenario('warm-up', Math.min(jobs, 200), Math.min(quota, 10));
  const results: ScenarioResult[] = [];
  results.push(await runScenario('no quota', jobs, undefined));
  results.push(await runScenario(`quota pods=${quota}`, jobs, quota));
  const per = (n: number) => (n / jobs).toFixed(1);
  const rate = (ms: number | undefined) =>
    ms === undefined ? '–' : Math.round(jobs / (ms / 1000)).toLocaleString('en-US');
  console.log(
    '| scenario | Jobs | apply s | created Jobs/s | all complete s | completed Jobs/s | requests per Job (apply / ' +
      'run) | launches | pods | peak tasks | re-run created (requests/Job) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const peak = r.quota === undefined ? `${r.peakTasks}` : `${r.peakTasks} (≤ ${r.quota}: ${r.peakTasks <= r.quota})`;
    const complete = r.completeMs === undefined ? `– (${r.completed} done)` : (r.completeMs / 1000).toFixed(1);
    console.log(
      `| ${r.name} | ${jobs} | ${(r.applyMs / 1000).toFixed(1)} | ${rate(r.applyMs)} | ${complete} | ` +
        `${rate(r.completeMs)} | ${per(r.applyRequests)} / ${per(r.runRequests)} | ${r.launches} | ${r.pods} | ` +
        `${peak} | ${r.rerunCreated} (${per(r.rerunRequests)}) |`,
    );
  }
  for (const r of results) if (r.error !== undefined) console.log(`| **${r.name}: error** | ${r.error} |||||||||`);

  const ops = [...new Set(results.flatMap((r) => r.phases.flatMap(([, m]) => [...m.keys()])))].sort();
  console.log(`\nDynamoDB requests per Job, by operation:`);
  console.log(`| scenario | phase | ${ops.join(' | ')} | total |`);
  console.log(`|---|---|${ops.map(() => '---').join('|')}|---|`);
  for (const r of results) {
    for (const [phase, m] of r.phases) {
      console.log(
        `| ${r.name} | ${phase} | ${ops.map((op) => ((m.get(op) ?? 0) / jobs).toFixed(2)).join(' | ')} | ` +
          `${(sum(m) / jobs).toFixed(2)} |`,
      );
    }
  }
  const [free, limited] = results as [ScenarioResult, ScenarioResult];
  if (free.completeMs !== undefined && limited.completeMs !== undefined) {
    const requests = (r: ScenarioResult) => r.applyRequests + r.runRequests;
    console.log(
      `\nquota / no quota: completed Jobs/s ${(free.completeMs / limited.completeMs).toFixed(2)}×, requests per Job ` +
        `(apply + run) ${(requests(limited) / requests(free)).toFixed(2)}× ` +
        `(${per(requests(limited))} vs ${per(requests(free))})`,
    );
  }
}
