/**
 * `npm run bench -- --only cli-startup`: wall time of whole `jobctl` commands, each a fresh `node` process as a user
 * runs it, beside `node -e ''` (Node's own start-up) in the same rounds, so the ratios hold on a noisy machine. The
 * built CLI (dist/cli, what bin/jobctl.mjs runs after `npm ci`) against the sources through tsx, what bin/jobctl.mjs
 * falls back to when the build is missing or older than the sources. `get` asks a running `jobctl up`, started here
 * in a temporary state directory and stopped after. Targets (issue 13): `cron next` ≤ 150 ms, `get` ≤ 250 ms.
 *
 * When the environment sets NODE_EXTRA_CA_CERTS (this machine's sets the whole system bundle), every Node process
 * reads and parses those certificates before it runs a line of JavaScript — 60 ms of `node -e ''`'s ~120 ms here.
 * A user's shell does not usually set it, so the commands are also measured without it, each beside its own
 * `node -e ''`, and the targets are judged on both.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { currentBuild } from '../bin/built-cli.mjs';

export interface CliStartupBenchOptions {
  /** Rounds; each runs every command once. */
  runs: number;
}

interface Case {
  label: string;
  path: 'node' | 'built' | 'sources';
  argv: string[];
  targetMs?: number;
  /** Run with NODE_EXTRA_CA_CERTS removed from the environment (only when the environment sets it). */
  withoutExtraCerts?: boolean;
}

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/jobctl.mjs');
const CRON_NEXT = ['cron', 'next', '*/5 * * * *'];
const MANIFEST = `apiVersion: batch/v1
kind: CronJob
metadata: { name: bench }
spec:
  schedule: "*/5 * * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: main, image: busybox, command: ["true"] }]
          restartPolicy: Never
`;

const BASE_CASES: Case[] = [
  { label: "`node -e ''`", path: 'node', argv: ['-e', ''] },
  { label: "`jobctl cron next '*/5 * * * *'`", path: 'built', argv: [BIN, ...CRON_NEXT], targetMs: 150 },
  { label: '`jobctl get cronjobs` (runtime up)', path: 'built', argv: [BIN, 'get', 'cronjobs'], targetMs: 250 },
  { label: '`jobctl --help` (every verb loaded)', path: 'built', argv: [BIN, '--help'] },
  { label: "`jobctl cron next '*/5 * * * *'`", path: 'sources', argv: [BIN, ...CRON_NEXT] },
  { label: '`jobctl get cronjobs` (runtime up)', path: 'sources', argv: [BIN, 'get', 'cronjobs'] },
];
const CASES: Case[] = process.env['NODE_EXTRA_CA_CERTS']
  ? [
      ...BASE_CASES,
      ...BASE_CASES.filter((c) => c.path !== 'sources' && !c.label.includes('--help')).map((c) => ({
        ...c,
        withoutExtraCerts: true,
      })),
    ]
  : BASE_CASES;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Builds the CLI unless the current build is of the sources as they are; false when there is still none. */
async function ensureBuild(): Promise<boolean> {
  if (currentBuild(ROOT) !== undefined) return true;
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { stdio: 'inherit' });
  return built.status === 0 && currentBuild(ROOT) !== undefined;
}

/** `jobctl up` in `dir`, resolved once it serves (its runtime.json names its DynamoDB endpoint). */
async function startRuntime(dir: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const up = spawn(process.execPath, [BIN, 'up'], { cwd: dir, env, stdio: 'ignore' });
  const exited = once(up, 'exit').then(([code]) => {
    throw new Error(`jobctl up exited (${code}) before it served`);
  });
  const served = (async () => {
    for (;;) {
      const info = await readFile(join(dir, '.jobctl/runtime.json'), 'utf8').catch(() => '{}');
      if ((JSON.parse(info) as { dynamodbEndpoint?: string }).dynamodbEndpoint) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await Promise.race([served, exited]);
  return up;
}

export async function benchCliStartup(options: CliStartupBenchOptions): Promise<void> {
  console.log(
    `\n## CLI start-up: wall time of whole commands, ${options.runs} rounds, side by side with \`node -e ''\``,
  );
  if (!(await ensureBuild())) {
    console.log('No current build of the CLI (sources edited during the build?): skipped.');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'jobctl-bench-cli-'));
  const env: NodeJS.ProcessEnv = { ...process.env, JOBCTL_STATE_DIR: join(dir, '.jobctl') };
  delete env['JOBCTL_FROM_SOURCE'];
  delete env['JOBCTL_CONTEXT'];
  const up = await startRuntime(dir, env);
  let rebuilt = 0;
  const times = CASES.map(() => [] as number[]);
  try {
    await writeFile(join(dir, 'cronjob.yaml'), MANIFEST);
    const applied = spawnSync(process.execPath, [BIN, 'apply', '-f', join(dir, 'cronjob.yaml')], { env });
    if (applied.status !== 0) throw new Error(`jobctl apply failed: ${applied.stderr}`);
    for (let round = 0; round < options.runs; round++) {
      // Another edit of src/ makes the build stale (bin/jobctl.mjs would then run the sources): build again.
      if (currentBuild(ROOT) === undefined && (await ensureBuild())) rebuilt++;
      CASES.forEach((c, i) => {
        const caseEnv: NodeJS.ProcessEnv = c.path === 'sources' ? { ...env, JOBCTL_FROM_SOURCE: '1' } : { ...env };
        if (c.withoutExtraCerts) delete caseEnv['NODE_EXTRA_CA_CERTS'];
        const start = performance.now();
        const result = spawnSync(process.execPath, c.argv, { env: caseEnv, cwd: dir, encoding: 'utf8' });
        times[i]!.push(performance.now() - start);
        if (result.status !== 0) throw new Error(`${c.label} exited ${result.status}: ${result.stderr}`);
      });
    }
  } finally {
    up.kill('SIGTERM');
    await once(up, 'exit');
    await rm(dir, { recursive: true, force: true });
  }
  const medians = times.map((t) =>
    percentile(
      t.sort((a, b) => a - b),
      50,
    ),
  );
  const nodeWithout = CASES.findIndex((c) => c.path === 'node' && c.withoutExtraCerts);
  if (nodeWithout >= 0)
    console.log(
      `NODE_EXTRA_CA_CERTS is set (${process.env['NODE_EXTRA_CA_CERTS']}): Node reads it at every start-up; ` +
        'the rows marked "no NODE_EXTRA_CA_CERTS" run without it, each ratio against its own `node -e`.',
    );
  console.log('| command | runs | median ms | p90 ms | median / `node -e` | target |');
  console.log('|---|---|---|---|---|---|');
  CASES.forEach((c, i) => {
    const baseline = c.withoutExtraCerts ? nodeWithout : 0;
    const how =
      (c.path === 'node' ? '' : c.path === 'built' ? ' built' : ' sources (tsx)') +
      (c.withoutExtraCerts ? ', no NODE_EXTRA_CA_CERTS' : '');
    const target =
      c.targetMs === undefined ? '' : `≤ ${c.targetMs} ms: ${medians[i]! <= c.targetMs ? 'met' : 'missed'}`;
    console.log(
      `| ${c.label}${how} | ${options.runs} | ${medians[i]!.toFixed(0)} | ${percentile(times[i]!, 90).toFixed(0)} | ` +
        `${(medians[i]! / medians[baseline]!).toFixed(2)}× | ${target} |`,
    );
  });
  if (rebuilt > 0) console.log(`(sources changed during the run: the CLI was built again ${rebuilt} times)`);
}
