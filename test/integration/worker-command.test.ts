import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbWorkQueue } from '../../src/adapters/dynamodb/dynamodb-work-queue.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { registerWorkerCommand, type WorkerConnection } from '../../src/cli/worker-command.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import type { WorkQueue } from '../../src/ports/work-queue.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';

// `jobctl worker` running real commands (`node -e …`) against the local lease queue on dynalite. The connection's
// clock is a ManualClock that never moves: no lease runs out and no renewal fires, so nothing here depends on lease
// timing; the only real waits are for child processes to start and exit.

const T0 = Date.parse('2026-03-02T10:00:00Z');

/**
 * Reads its item from stdin, checks it against $JOB_ITEM, records `<body>-<attempt>` (content: the item id) in
 * $OUT_DIR; "bad" fails its first attempt.
 */
const RECORD_ITEM = `
const fs = require('node:fs');
let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  if (input !== process.env.JOB_ITEM) process.exit(9);
  const out = process.env.OUT_DIR + '/' + input + '-' + process.env.JOB_ITEM_RECEIVE_COUNT;
  fs.writeFileSync(out, process.env.JOB_ITEM_ID);
  process.exit(input === 'bad' && process.env.JOB_ITEM_RECEIVE_COUNT === '1' ? 3 : 0);
});`;

/** Runs until SIGTERM, which it records in $OUT_DIR/term. */
const RUN_UNTIL_SIGTERM = `
const fs = require('node:fs');
process.on('SIGTERM', () => { fs.writeFileSync(process.env.OUT_DIR + '/term', ''); process.exit(143); });
fs.writeFileSync(process.env.OUT_DIR + '/started', '');
setInterval(() => {}, 1000);`;

let db: TestDynalite;
let tables = 0;
beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(() => db.stop());

describe('jobctl worker', () => {
  let queue: WorkQueue;
  let connection: WorkerConnection;
  let outDir: string;
  beforeEach(async () => {
    const tableName = `worker-command-${++tables}`;
    await ensureStateTable(db.client, tableName);
    const clock = new ManualClock(T0);
    queue = new DynamoDbWorkQueue({ client: db.client, tableName, now: () => clock.now() });
    connection = { queues: queue, clock };
    outDir = await mkdtemp(join(tmpdir(), 'jobctl-worker-'));
    await queue.ensureQueue('fruits', { maxReceiveCount: 2, leaseSeconds: 30 });
  });
  afterEach(() => rm(outDir, { recursive: true, force: true }));

  async function worker(args: string[], signal?: AbortSignal): Promise<{ code: number; stderr: string }> {
    let code = 0;
    let stderr = '';
    const program = new Command('jobctl').exitOverride();
    registerWorkerCommand(program, {
      io: { stdout: () => {}, stderr: (text) => (stderr += text), now: () => T0, setExitCode: (c) => (code = c) },
      withConnection: (work) => work(connection),
      signal,
      env: { ...process.env, OUT_DIR: outDir },
    });
    await program.parseAsync(['worker', ...args], { from: 'user' });
    return { code, stderr };
  }

  it(
    'runs the command per item with the item on stdin and in $JOB_ITEM, releases a failure, and exits 0 when the ' +
      'queue is empty',
    async () => {
      const ids = await queue.push('fruits', ['apple', 'banana', 'bad']);

      const { code, stderr } = await worker(['--queue', 'fruits', '--', process.execPath, '-e', RECORD_ITEM]);

      expect(code).toBe(0);
      expect((await readdir(outDir)).sort()).toEqual(['apple-1', 'bad-1', 'bad-2', 'banana-1']);
      expect(await readFile(join(outDir, 'bad-2'), 'utf8')).toBe(ids[2]);
      expect(stderr).toContain(`item ${ids[2]} (attempt 1 of 2): command exited 3: released for another attempt`);
      expect(stderr).toContain('queue fruits is empty: 3 items processed by this worker (1 failed attempts released)');
      expect(await queue.stats('fruits')).toEqual({ pending: 0, leased: 0, done: 3, dead: 0 });
    },
  );

  it('exits 0 when only dead letters remain after an item failed maxReceiveCount times', async () => {
    await queue.push('fruits', ['poison']);

    const { code, stderr } = await worker(['--queue', 'fruits', '--', process.execPath, '-e', 'process.exit(1)']);

    expect(code).toBe(0);
    expect(stderr).toContain('(attempt 2 of 2): command exited 1: that was its last attempt: it is a dead letter now');
    expect(stderr).toContain(
      'queue fruits is empty: 0 items processed by this worker (2 failed attempts released); 1 items are dead letters',
    );
    expect(await queue.stats('fruits')).toEqual({ pending: 0, leased: 0, done: 0, dead: 1 });
  });

  it('stops after --max-items items and leaves the rest pending', async () => {
    await queue.push('fruits', ['apple', 'banana', 'cherry']);

    const { code } = await worker(['--queue', 'fruits', '--max-items', '2', '--', process.execPath, '-e', RECORD_ITEM]);

    expect(code).toBe(0);
    const ran = await readdir(outDir);
    expect(ran).toHaveLength(2); // the local queue leases in no fixed order
    expect(ran.every((f) => ['apple-1', 'banana-1', 'cherry-1'].includes(f))).toBe(true);
    expect(await queue.stats('fruits')).toEqual({ pending: 1, leased: 0, done: 2, dead: 0 });
  });

  it('forwards SIGTERM to the command, releases the lease at once and exits 143', async () => {
    const [id] = await queue.push('fruits', ['interrupted']);
    const sigterm = new AbortController();

    const running = worker(['--queue', 'fruits', '--', process.execPath, '-e', RUN_UNTIL_SIGTERM], sigterm.signal);
    await untilExists(join(outDir, 'started'));
    sigterm.abort();
    const { code, stderr } = await running;

    expect(code).toBe(143);
    await expect(access(join(outDir, 'term'))).resolves.toBeUndefined();
    expect(stderr).toContain(`stopping: released item ${id}`);
    expect(await queue.stats('fruits')).toEqual({ pending: 1, leased: 0, done: 0, dead: 0 });
    expect(await queue.lease('fruits')).toMatchObject({ id, receiveCount: 2 }); // the lease did not have to run out
  });

  it('exits 127 and releases the item when the command cannot be started', async () => {
    await queue.push('fruits', ['apple']);

    const { code, stderr } = await worker(['--queue', 'fruits', '--', join(outDir, 'no-such-command')]);

    expect(code).toBe(127);
    expect(stderr).toContain(`error: cannot run "${join(outDir, 'no-such-command')}"`);
    expect(await queue.stats('fruits')).toEqual({ pending: 1, leased: 0, done: 0, dead: 0 });
  });

  it('fails naming the queue when it does not exist, and naming the flag when a value is bad', async () => {
    await expect(worker(['--queue', 'vegetables', '--', 'true'])).rejects.toThrow('workqueues "vegetables" not found');
    await expect(worker(['--queue', 'fruits', '--lease-seconds', 'ten', '--', 'true'])).rejects.toThrow(
      '--lease-seconds "ten": expected a whole number from 0 to 43200',
    );
  });
});

/** Waits for a child process to create `path` (process start, not lease timing). */
async function untilExists(path: string, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      return;
  }
  throw new Error(`timed out waiting for ${path}`);
}
