/**
 * `npm run bench -- --only growth [--growth-days 7]`: what a week of one every-minute CronJob leaves on disk (issue 11,
 * audit D3a/D10). The embedded runtime as `jobctl up` runs it — dynalite on its worker thread, state on disk, tasks as
 * child processes writing per-pod log files — on the injected clock (test/support/local-runtime.ts, the audit's
 * set-up), one `*\/1` CronJob with the default history limits (3 succeeded, 1 failed) whose task prints a line. At the
 * end of each simulated day: the bytes of `.jobctl/db` (every file LevelDB keeps), of `.jobctl/logs`, the number of
 * log files, and the process's resident memory (dynalite's thread included).
 *
 * Bounded means: db and logs level off after the first hours (expired events swept, replaced LevelDB tables deleted,
 * finished Jobs' logs removed with them). Before issue 11 the db grew ~180 MB a day. The db's size then moves with
 * LevelDB's write-ahead log, which holds the memtable's writes until it is flushed at 4 MiB (so 0–4 MiB whatever the
 * day); the tables hold the live data (~50 KiB here), and LOG and MANIFEST grow by some KiB a day until the next start.
 *
 * A week takes about 35 minutes on two cores (~0.2 s per scheduled run: one task spawned, ~24 DynamoDB requests, the
 * harness settling between timers); `--growth-days 1` shows the same in five.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { RuntimeHarness } from '../test/support/local-runtime.ts';

export interface GrowthBenchOptions {
  /** Simulated days. */
  days: number;
}

const CRONJOB = `apiVersion: batch/v1
kind: CronJob
metadata: {name: every-minute}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: [sh, -c, echo hello]}]
`;

/** Bytes and files under `dir`, recursively (0 when it does not exist). */
async function usage(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return { bytes, files };
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = await usage(path);
      bytes += sub.bytes;
      files += sub.files;
    } else {
      bytes += (await stat(path).catch(() => ({ size: 0 }))).size;
      files++;
    }
  }
  return { bytes, files };
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);

/**
 * LevelDB's files by role: tables (`.ldb`), the write-ahead log of the memtable (`NNNNNN.log`, up to 4 MiB), the rest.
 */
async function levelDbParts(dir: string): Promise<{ tables: number; wal: number; other: number }> {
  const parts = { tables: 0, wal: 0, other: 0 };
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const { size } = await stat(join(dir, name)).catch(() => ({ size: 0 }));
    if (/\.(ldb|sst)$/.test(name)) parts.tables += size;
    else if (/^\d+\.log$/.test(name)) parts.wal += size;
    else parts.other += size;
  }
  return parts;
}

export async function benchGrowth(options: GrowthBenchOptions): Promise<void> {
  console.log(
    `\n## disk use of one every-minute CronJob over ${options.days} simulated day(s) (embedded runtime, state on disk)`,
  );
  const h = await RuntimeHarness.start('2026-03-02T00:00:30Z');
  h.settleTimeoutMs = 60_000;
  try {
    const applied = await h.jobctl('apply', '-f', await h.writeManifest('every-minute', CRONJOB));
    if (applied.code !== 0) throw new Error(`apply failed: ${applied.stderr}`);
    console.log(
      '| day | runs | db MiB | db files | tables KiB | WAL KiB | LOG+MANIFEST KiB | log bytes | log files | RSS MiB ' +
        '| wall s |',
    );
    console.log('|---|---|---|---|---|---|---|---|---|---|---|');
    const started = performance.now();
    // The first day at 2, 6 and 12 hours too: the curve, as the audit's table.
    const checkpoints = new Set([120, 360, 720, ...Array.from({ length: options.days }, (_, d) => (d + 1) * 1440)]);
    for (let minute = 1; minute <= options.days * 1440; minute++) {
      await h.advance(60_000);
      if (!checkpoints.has(minute)) continue;
      const db = await usage(join(h.stateDir, 'db'));
      const parts = await levelDbParts(join(h.stateDir, 'db'));
      const kib = (bytes: number) => (bytes / 1024).toFixed(0);
      const logs = await usage(join(h.stateDir, 'logs'));
      const jobs = await h.runtime.store.list('Job', 'default');
      const day = minute % 1440 === 0 ? String(minute / 1440) : `${minute / 60} h`;
      console.log(
        `| ${day} | ${minute} | ${mb(db.bytes)} | ${db.files} | ${kib(parts.tables)} | ${kib(parts.wal)} | ` +
          `${kib(parts.other)} | ${logs.bytes} | ${logs.files} | ` +
          `${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} | ` +
          `${((performance.now() - started) / 1000).toFixed(0)} |`,
      );
      if (jobs.length > 4) console.log(`  (${jobs.length} Jobs kept: history limits not applied?)`);
    }
  } finally {
    await h.destroy();
  }
}
