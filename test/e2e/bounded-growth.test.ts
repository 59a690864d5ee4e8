/**
 * Issue 11 item 3 on the runtime as `jobctl up` wires it (audit D3a, D10): expired events are swept on the runtime's
 * clock, dynalite's worker closes its LevelDB iterators (so `.jobctl/db` does not keep every table file ever written),
 * and task logs are rotated past their cap. Acceptance test of the wiring of `expiry-sweeper.ts`,
 * `level-iterators.mjs` and `log-rotation.ts` into `runtime.ts` and `dynalite-worker.mjs`.
 */
import {
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { LocalRuntime } from '../../src/runtime/local/runtime.ts';
import { STATE_TABLE_NAME } from '../../src/runtime/local/state-dir.ts';
import type { KubeEvent } from '../../src/spec/types.ts';
import { runtimeConnection } from '../support/local-runtime.ts';

const T0 = Date.parse('2026-03-02T10:00:30Z');

describe('the embedded runtime keeps its state bounded (issue 11 item 3)', () => {
  let dir: string;
  let runtime: LocalRuntime;
  let client: DynamoDBClient;
  const clock = new ManualClock(T0);
  const env = { ...process.env };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jobctl-bounded-'));
    process.env.JOBCTL_LOG_MAX_SIZE = '64Ki';
    process.env.JOBCTL_LOG_MAX_FILES = '3';
    runtime = new LocalRuntime({
      stateDir: dir,
      clock,
      serveControl: false,
      resyncIntervalMs: 3_600_000,
      observeDynamoClient: (c) => (client = c),
    });
    await runtime.start();
  });
  afterAll(async () => {
    process.env = env;
    await runtime.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Moves the clock timer by timer, letting the runtime finish what each wake-up started (the harness's advance). */
  async function advance(ms: number): Promise<void> {
    const target = clock.now() + ms;
    for (;;) {
      await runtime.settle({ tasks: false });
      const next = clock.nextTimerAtMs();
      if (next === undefined || next > target) break;
      clock.advanceTo(next);
    }
    clock.advanceTo(target);
    await runtime.settle({ tasks: false });
  }

  const itemsWithTtl = async () =>
    (
      await client.send(
        new ScanCommand({
          TableName: STATE_TABLE_NAME,
          Select: 'COUNT',
          FilterExpression: 'attribute_exists(expiresAt)',
        }),
      )
    ).Count;

  it('deletes events within ten minutes of the end of their hour (dynalite has no TTL)', async () => {
    for (let i = 0; i < 20; i++) {
      await runtime.store.recordEvent({
        involvedObject: { kind: 'Job', namespace: 'default', name: 'gone' },
        reason: `Event${i}`,
        message: 'm',
        type: 'Normal',
        timestamp: new Date(clock.now()).toISOString(),
      } as KubeEvent);
    }
    expect(await itemsWithTtl()).toBe(20);
    await advance(50 * 60_000);
    expect(await itemsWithTtl()).toBe(20);
    await advance(20 * 60_000);
    expect(await itemsWithTtl()).toBe(0);
  });

  it("closes dynalite's iterators: 45 MB through a one-item working set leaves a fraction in .jobctl/db", async () => {
    // Without it, each Query's iterator pinned the table files of its time: 132 MB stayed (measured).
    for (let i = 0; i < 1000; i++) {
      const sk = String(i).padStart(5, '0');
      await client.send(
        new PutItemCommand({
          TableName: STATE_TABLE_NAME,
          Item: { PK: { S: 'test#churn' }, SK: { S: sk }, blob: { S: randomBytes(34_000).toString('base64') } },
        }),
      );
      await client.send(
        new QueryCommand({
          TableName: STATE_TABLE_NAME,
          KeyConditionExpression: 'PK = :p',
          Limit: 1,
          ScanIndexForward: false,
          ExpressionAttributeValues: { ':p': { S: 'test#churn' } },
        }),
      );
      if (i > 0)
        await client.send(
          new DeleteItemCommand({
            TableName: STATE_TABLE_NAME,
            Key: { PK: { S: 'test#churn' }, SK: { S: String(i - 1).padStart(5, '0') } },
          }),
        );
    }
    let bytes = 0;
    for (const name of await readdir(join(dir, 'db'))) bytes += (await stat(join(dir, 'db', name))).size;
    // LevelDB compacts in a thread of its own, which lags on a loaded machine: well between that and 132 MB.
    expect(bytes).toBeLessThan(32 * 1024 * 1024);
  }, 120_000);

  it('rotates a task log past JOBCTL_LOG_MAX_SIZE, keeping JOBCTL_LOG_MAX_FILES files', async () => {
    const manifest = join(dir, 'chatty.yaml');
    await writeFile(
      manifest,
      `apiVersion: batch/v1
kind: Job
metadata: {name: chatty}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sh, -c, "yes 0123456789 | head -c 300000; echo done"]}]
`,
    );
    const connection = runtimeConnection(runtime, clock, 0);
    const io = { stdout: () => {}, stderr: () => {}, now: () => clock.now(), setExitCode: () => {} };
    expect(
      await runCli(['apply', '-f', manifest], { io, env: { JOBCTL_STATE_DIR: dir }, connect: async () => connection }),
    ).toBe(0);
    await runtime.settle();
    const logDir = join(dir, 'logs', 'default');
    const logFiles = async () => (await readdir(logDir)).filter((f) => f.startsWith('chatty-')).sort();
    // The rotator looks every 5 s of real time.
    for (let i = 0; i < 120 && !(await logFiles()).some((f) => f.endsWith('.log.1')); i++)
      await new Promise((r) => setTimeout(r, 100));
    const files = await logFiles();
    expect(files.filter((f) => /\.log(\.\d+)?$/.test(f)).length).toBeLessThanOrEqual(3);
    for (const f of files) expect((await stat(join(logDir, f))).size).toBeLessThanOrEqual(2 * 64 * 1024);
    const [pod] = await runtime.store.list('Pod', 'default');
    expect((await runtime.logs.read(pod!)).endsWith('0123456789\n01234567done\n')).toBe(true);
  }, 30_000);
});
