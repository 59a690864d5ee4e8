import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { DynamoDbResourceQuotas } from '../../src/adapters/dynamodb/dynamodb-resource-quotas.ts';
import {
  DynamoDbStateStore,
  MAX_ITEM_BYTES,
  storedItemSizeBytes,
} from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { DynamoDbWorkQueue } from '../../src/adapters/dynamodb/dynamodb-work-queue.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { applyAll, STATUS_HEADROOM_BYTES, storeItemLimitFindings } from '../../src/cli/apply.ts';
import { runCli } from '../../src/cli/program.ts';
import { jobFromTemplate } from '../../src/engine/cronjob-sync.ts';
import { AlreadyExistsError } from '../../src/errors.ts';
import type { Connection } from '../../src/ports/connection.ts';
import type { StateStore } from '../../src/ports/state-store.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { CronJob, Job, KubeObject } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import { FakeConnection } from '../support/fakes/fake-connection.ts';

// Audit D7: a file that `--dry-run` accepted whole was written up to its first object too big for DynamoDB (its
// ResourceQuota, WorkQueue and earlier Jobs created, the later ones not) with only "Item size has exceeded the
// maximum allowed size". And 5.1: two of ten parallel applies of one new Job failed with "already exists".

let db: TestDynalite;
let dir: string;
let tables = 0;
beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(async () => {
  await db.stop();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobctl-apply-limits-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const NOW_MS = Date.parse('2024-01-01T00:00:00Z');

async function freshConnection() {
  const tableName = `apply-limits-${++tables}`;
  await ensureStateTable(db.client, tableName);
  const now = () => NOW_MS;
  const c = new FakeConnection({
    store: new DynamoDbStateStore({ client: db.client, tableName, now }),
    queues: new DynamoDbWorkQueue({ client: db.client, tableName, now }),
    quotas: new DynamoDbResourceQuotas({ client: db.client, tableName, now }),
    clock: new ManualClock(NOW_MS),
  });
  return { c, notified: c.notified };
}

async function jobctl(c: Connection, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    io: { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), now: () => NOW_MS, setExitCode: () => {} },
    env: { JOBCTL_STATE_DIR: dir },
    cwd: dir,
    connect: async () => c,
  });
  return { code, stdout, stderr };
}

/**
 * The audit's half.yaml, as its Python wrote it, but for half-b's 420 kB: four env values of 105 kB (each one under
 * exec's 128 KiB).
 */
const jobDoc = (name: string, ...values: string[]) =>
  `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n   ` +
  `   - name: c\n        image: busybox\n        env: ` +
  `[${values.map((v, i) => `{name: V${i}, value: "${v}"}`).join(', ')}]\n        command: ["sh", "-c", "echo ` +
  `hi"]\n      restartPolicy: Never\n`;
const bigValues = ['y', 'y', 'y', 'y'].map((y) => y.repeat(105_000));
const halfYaml =
  'apiVersion: jobctl.dev/v1\nkind: WorkQueue\nmetadata:\n  name: half-q\n---\napiVersion: v1\nkind: ' +
  'ResourceQuota\nmetadata:\n  name: half-quota\nspec:\n  hard:\n    pods: "3"\n---\n' +
  jobDoc('half-a', 'x') +
  '---\n' +
  jobDoc('half-b', ...bigValues) +
  '---\n' +
  jobDoc('half-c', 'z');
/** 1-based line of half-b's metadata.name. */
const halfBNameLine = halfYaml.split('\n').indexOf('  name: half-b') + 1;

async function nothingWritten(c: Connection) {
  return {
    jobs: (await c.store.list('Job', 'default')).map((j) => j.metadata.name),
    queue: await c.queues.describeQueue('half-q'),
    quotas: await c.quotas.list('default'),
  };
}

describe("apply checks every object against the store's item limit before writing (audit D7)", () => {
  it(
    "refuses the audit's half.yaml in --dry-run and in apply alike, naming file, line and object, and writes " +
      'nothing',
    async () => {
      const { c } = await freshConnection();
      await writeFile(join(dir, 'half.yaml'), halfYaml);

      const file = join(dir, 'half.yaml');
      const dry = await jobctl(c, 'apply', '-f', file, '--dry-run');
      const real = await jobctl(c, 'apply', '-f', file);

      const message = `error: ${file}:${halfBNameLine} metadata.name: job "half-b" would be a stored item of`;
      expect(dry).toEqual({ code: 1, stdout: '', stderr: expect.stringContaining(message) });
      expect(real).toEqual(dry);
      expect(real.stderr).toMatch(
        new RegExp(
          /item of 42\d,\d{3} bytes: DynamoDB's item limit is 409,600 bytes \(400 KB\), less 16,384 kept for/.source +
            / the status controllers add/.source,
        ),
      );
      expect(real.stderr.split('\n').filter(Boolean)).toHaveLength(1);
      expect(await nothingWritten(c)).toEqual({ jobs: [], queue: undefined, quotas: [] });
    },
  );

  it("refuses the audit's own 420 kB env value before that, as an argument exec cannot take (D6)", async () => {
    const { c } = await freshConnection();
    const file = join(dir, 'half.yaml');
    await writeFile(
      file,
      halfYaml.replace(
        `[${bigValues.map((v, i) => `{name: V${i}, value: "${v}"}`).join(', ')}]`,
        `[{name: V, value: "${'y'.repeat(420_000)}"}]`,
      ),
    );
    expect(await jobctl(c, 'apply', '-f', file, '--dry-run')).toEqual({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/env\[0\]\.value: Too long: V=value must have at most 131071 bytes/),
    });
    expect(await nothingWritten(c)).toEqual({ jobs: [], queue: undefined, quotas: [] });
  });

  it('checks the Job a CronJob will create and the pod a Job will create, which copy their templates', () => {
    const headroomLimit = MAX_ITEM_BYTES - STATUS_HEADROOM_BYTES;
    const cronJob = (pad: number) =>
      `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: big-cron\nspec:\n  schedule: "* * * * *"\n  ` +
      `jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: c\n       ` +
      `     image: busybox\n            args: ["${'a'.repeat(100_000)}", "${'b'.repeat(100_000)}", ` +
      `"${'c'.repeat(100_000)}", "${'d'.repeat(pad)}"]\n          restartPolicy: Never\n`;
    const loaded = (pad: number) => loadManifests(cronJob(pad), 'cron.yaml').objects[0] as CronJob;
    const sizes = (pad: number) => {
      const cj = { ...loaded(pad), metadata: { ...loaded(pad).metadata, uid: '00000000-0000-4000-8000-000000000000' } };
      return {
        cronJob: storedItemSizeBytes(cj),
        job: storedItemSizeBytes(jobFromTemplate(cj, Date.parse('2099-12-31T23:59:00Z'), 0)),
      };
    };
    // The largest pad whose CronJob fits: its Job (more labels, annotations and an owner) does not.
    let pad = headroomLimit - sizes(0).cronJob;
    while (sizes(pad).cronJob > headroomLimit) pad--;
    expect(sizes(pad).job).toBeGreaterThan(headroomLimit);

    expect(storeItemLimitFindings(loaded(pad))).toEqual([
      {
        path: 'metadata.name',
        message: expect.stringMatching(/^each Job of cronjob "big-cron" would be a stored item of [\d,]+ bytes/),
      },
    ]);
    expect(storeItemLimitFindings(loaded(pad - 2_000))).toEqual([]);
  });

  it(
    'says which object failed and which were applied when a write fails part-way, and notifies what was ' + 'applied',
    async () => {
      const { c, notified } = await freshConnection();
      const failing: StateStore = Object.create(c.store, {
        create: {
          value: async (obj: KubeObject) =>
            obj.metadata.name === 'half-c'
              ? Promise.reject(new Error('ProvisionedThroughputExceededException: slow down'))
              : c.store.create(obj),
        },
      });
      const loaded = loadManifests(
        `${halfYaml.replaceAll('y'.repeat(105_000), 'y')}---\n${jobDoc('half-d', 'd')}`,
        'half.yaml',
      );

      await expect(applyAll({ ...c, store: failing }, loaded)).rejects.toThrow(
        'apply stopped at job.batch/half-c: ProvisionedThroughputExceededException: slow down; already applied: ' +
          'resourcequota/half-quota created, workqueue.jobctl.dev/half-q created, job.batch/half-a created, ' +
          'job.batch/half-b created; not applied: job.batch/half-c, job.batch/half-d (apply the file again to ' +
          'finish: what was applied is then unchanged)',
      );
      expect(notified.map((n) => `${n.kind}/${n.key.name}`).sort()).toEqual([
        'Job/half-a',
        'Job/half-b',
        'ResourceQuota/half-quota',
      ]);
    },
  );
});

describe('apply retries a lost create race as an update (audit 5.1)', () => {
  const job = (name: string): Job => loadManifests(jobDoc(name, 'x'), 'j.yaml').objects[0] as Job;

  it('reports unchanged when another apply created the same Job between our read and our write', async () => {
    const { c } = await freshConnection();
    let raced = false;
    const racing: StateStore = Object.create(c.store, {
      create: {
        value: async (obj: KubeObject) => {
          if (!raced) {
            raced = true;
            await c.store.create(structuredClone(obj)); // the other apply wins
          }
          return c.store.create(obj);
        },
      },
    });

    expect(await applyAll({ ...c, store: racing }, { objects: [job('same-job')], queues: [], quotas: [] })).toEqual([
      { kind: 'Job', name: 'same-job', namespace: 'default', action: 'unchanged' },
    ]);
  });

  it('still fails kubectl create when the object appeared meanwhile', async () => {
    const { c } = await freshConnection();
    const racing: StateStore = Object.create(c.store, {
      create: {
        value: async (obj: KubeObject) =>
          Promise.reject(new AlreadyExistsError(`create: ${obj.kind} "${obj.metadata.name}": already exists`)),
      },
    });
    await expect(
      applyAll({ ...c, store: racing }, { objects: [job('same-job')], queues: [], quotas: [] }, { createOnly: true }),
    ).rejects.toThrow('Error from server (AlreadyExists): jobs.batch "same-job" already exists');
  });

  it('applies one new Job from ten parallel applies without an error', async () => {
    const { c } = await freshConnection();
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => applyAll(c, { objects: [job('same-job')], queues: [], quotas: [] })),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const actions = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.map((o) => o.action) : []));
    expect(actions.filter((a) => a === 'created')).toHaveLength(1);
  });
});
