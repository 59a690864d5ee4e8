import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbResourceQuotas } from '../../src/adapters/dynamodb/dynamodb-resource-quotas.ts';
import { DynamoDbStateStore } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { deleteJobCascade } from '../../src/controllers/delete-job.ts';
import type { ControllerDeps } from '../../src/controllers/deps.ts';
import type { Change } from '../../src/ports/changes.ts';
import { JobController } from '../../src/controllers/job-controller.ts';
import { CHARGE_GRACE_MS } from '../../src/controllers/pod-quota.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { loadManifests } from '../../src/spec/index.ts';
import type { Job } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';
import { FakeLogSink } from '../support/fakes/fake-log-sink.ts';
import { FakeTaskLauncher } from '../support/fakes/fake-task-launcher.ts';

// The Job controller under a ResourceQuota on pods, on dynalite: admission before each pod, Jobs held (not failed)
// and woken when slots free, and the recount that repairs what a crash leaves behind.
const T0 = Date.parse('2026-03-02T10:00:30Z');
let db: TestDynalite;
let table = 0;

interface World {
  deps: ControllerDeps & { quotas: DynamoDbResourceQuotas };
  jobs: JobController;
  launcher: FakeTaskLauncher;
  clock: ManualClock;
  woken: string[];
}

async function world(): Promise<World> {
  const tableName = `quota-${++table}`;
  await ensureStateTable(db.client, tableName);
  const clock = new ManualClock(T0);
  const launcher = new FakeTaskLauncher({ stopResult: false });
  const woken: string[] = [];
  const quotas = new DynamoDbResourceQuotas({ client: db.client, tableName, now: () => clock.now() });
  const deps = {
    store: new DynamoDbStateStore({ client: db.client, tableName, now: () => clock.now() }),
    launcher,
    logs: new FakeLogSink(),
    clock,
    quotas,
    wake: (change: Change) => void woken.push(change.key.name),
  };
  return { deps, jobs: new JobController(deps), launcher, clock, woken };
}

function jobManifest(name: string, parallelism = 1, completions = 1): Job {
  return loadManifests(
    `apiVersion: batch/v1
kind: Job
metadata: { name: ${name} }
spec:
  parallelism: ${parallelism}
  completions: ${completions}
  template:
    spec:
      containers: [{ name: main, image: busybox, command: ["true"] }]
      restartPolicy: Never
`,
    `${name}.yaml`,
  ).objects[0] as Job;
}

async function createJob(w: World, name: string, parallelism = 1, completions = 1): Promise<void> {
  await w.deps.store.create({
    ...jobManifest(name, parallelism, completions),
    metadata: { ...jobManifest(name).metadata, uid: `uid-${name}` },
  });
  await w.jobs.sync({ namespace: 'default', name });
}

async function finishPods(w: World, jobName: string): Promise<void> {
  for (const pod of await w.deps.store.listPods({ namespace: 'default', name: jobName })) {
    const task = { namespace: 'default', jobName, podName: pod.metadata.name };
    await w.jobs.recordTaskStart(task, w.clock.now());
    await w.jobs.recordTaskExit({ ...task, exitCode: 0, reason: 'Completed', finishedAtMs: w.clock.now() });
  }
}

const status = async (w: World, name: string) =>
  (await w.deps.store.get('Job', { namespace: 'default', name }))!.status;

beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(() => db.stop());

describe('Job controller with a ResourceQuota on pods', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
    await w.deps.quotas.put('default', 'tasks', { pods: 2 });
    await w.jobs.quota.reconcile('default'); // the recount counts the (empty) usage of the new quota
  });

  it(
    'creates pods up to the quota; the rest of a parallel Job waits, with one FailedCreate, and goes on when ' +
      'woken',
    async () => {
      await createJob(w, 'wide', 3, 3);
      expect(w.launcher.launched).toHaveLength(2);
      expect((await status(w, 'wide')).active).toBe(2);
      const events = await w.deps.store.listEvents('Job', { namespace: 'default', name: 'wide' });
      expect(events.filter((e) => e.reason === 'FailedCreate')).toHaveLength(1);
      expect(events.find((e) => e.reason === 'FailedCreate')!.message).toMatch(
        new RegExp(
          /^Error creating: pods "wide-\w+" is forbidden: exceeded quota: tasks, requested: pods=1, used:/.source +
            / pods=2, limited: pods=2$/.source,
        ),
      );
      // Synced again while still full (a resync): no second event, still waiting.
      await w.jobs.sync({ namespace: 'default', name: 'wide' });
      expect(
        (await w.deps.store.listEvents('Job', { namespace: 'default', name: 'wide' })).filter(
          (e) => e.reason === 'FailedCreate',
        ),
      ).toHaveLength(1);
      expect(await w.deps.quotas.countWaiting('default')).toBe(1);

      await finishPods(w, 'wide');
      // counts the two, releases their slots, creates the third
      await w.jobs.sync({ namespace: 'default', name: 'wide' });
      expect(w.launcher.launched).toHaveLength(3);
      expect((await status(w, 'wide')).succeeded).toBe(2);
      await finishPods(w, 'wide');
      await w.jobs.sync({ namespace: 'default', name: 'wide' });
      expect((await status(w, 'wide')).succeeded).toBe(3);
      expect((await w.deps.quotas.usage('default'))!.holders.size).toBe(0);
    },
  );

  it('wakes the Jobs that waited longest when pods finish, as many as slots are free', async () => {
    await createJob(w, 'a');
    await createJob(w, 'b');
    w.clock.advance(1_000);
    await createJob(w, 'c');
    w.clock.advance(1_000);
    await createJob(w, 'd');
    expect((await status(w, 'c')).active).toBe(0);
    expect(w.woken).toEqual([]);
    await finishPods(w, 'a'); // the exit frees the slot at once: c is woken with the slot reserved for it
    expect(w.woken).toEqual(['c']);
    w.clock.advance(1_000);
    await createJob(w, 'e'); // synced before c: cannot take c's slot
    expect((await status(w, 'e')).active).toBe(0);
    await w.jobs.sync({ namespace: 'default', name: 'a' });
    expect(w.woken).toEqual(['c']);
    await w.jobs.sync({ namespace: 'default', name: 'c' });
    expect((await status(w, 'c')).active).toBe(1);
    expect((await status(w, 'a')).succeeded).toBe(1);
    expect((await w.deps.quotas.listWaiting('default')).map((j) => j.name)).toEqual(['d', 'e']);
  });

  it('a deleted Job gives its slots back and wakes a waiting Job', async () => {
    await createJob(w, 'a', 2, 2);
    await createJob(w, 'b');
    const job = (await w.deps.store.get('Job', { namespace: 'default', name: 'a' }))!;
    await deleteJobCascade(w.deps, job, 'Deleted');
    // a slot kept for b until its sync
    expect([...(await w.deps.quotas.usage('default'))!.holders.keys()]).toEqual(['~b']);
    expect(w.woken).toEqual(['b']);
    await w.jobs.sync({ namespace: 'default', name: 'b' });
    expect([...(await w.deps.quotas.usage('default'))!.holders.keys()]).toEqual([expect.stringMatching(/^b-/)]);
  });

  it('deleting the quota lets every waiting Job go', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) await createJob(w, name);
    expect(w.launcher.launched).toHaveLength(2);
    await w.deps.quotas.delete('default', 'tasks');
    await w.jobs.quota.reconcile('default', { scanPods: true });
    expect(w.woken.sort()).toEqual(['c', 'd', 'e']);
    for (const name of w.woken) await w.jobs.sync({ namespace: 'default', name });
    expect(w.launcher.launched).toHaveLength(5);
  });

  it(
    'a charge left by a crash before the pod was stored is released by the recount once its grace has ' + 'passed',
    async () => {
      // The controller charged a pod, then crashed; its Job was deleted before it ran again.
      await w.deps.quotas.admit('default', { podName: 'gone-x1y2z', jobName: 'gone', chargedAtMs: w.clock.now() });
      await createJob(w, 'a');
      await createJob(w, 'b');
      expect((await status(w, 'b')).active).toBe(0);
      // within the grace: it may be a pod being created
      expect(await w.jobs.quota.reconcile('default')).toEqual({ released: 0, charged: 0 });
      w.clock.advance(CHARGE_GRACE_MS);
      expect(await w.jobs.quota.reconcile('default')).toEqual({ released: 1, charged: 0 });
      expect(w.woken).toEqual(['b']);
      await w.jobs.sync({ namespace: 'default', name: 'b' });
      expect((await status(w, 'b')).active).toBe(1);
    },
  );

  it(
    'a pod whose charge a crash lost before the release is released by its next sync; a finished one by the ' +
      'recount',
    async () => {
      await createJob(w, 'a');
      await finishPods(w, 'a');
      // The Job's sync after the exit crashed before releasing: the next sync (a resync) does it.
      await w.jobs.sync({ namespace: 'default', name: 'a' });
      expect((await w.deps.quotas.usage('default'))!.holders.size).toBe(0);
    },
  );

  it("a running pod without a charge (a recount released it too early) is charged by its Job's next sync", async () => {
    await createJob(w, 'a');
    const [pod] = await w.deps.store.listPods({ namespace: 'default', name: 'a' });
    await w.deps.quotas.release('default', [{ podName: pod!.metadata.name }]);
    await w.jobs.sync({ namespace: 'default', name: 'a' });
    expect([...(await w.deps.quotas.usage('default'))!.holders.keys()]).toEqual([pod!.metadata.name]);
  });

  it('a pod admitted but not created gives its charge back at once', async () => {
    const failing = {
      ...w.deps,
      store: Object.assign(Object.create(w.deps.store), {
        create: async () => Promise.reject(new Error('throttled past retries')),
      }),
    };
    const jobs = new (await import('../../src/controllers/job-controller.ts')).JobController(failing);
    await w.deps.store.create({ ...jobManifest('a'), metadata: { ...jobManifest('a').metadata, uid: 'uid-a' } });
    await expect(jobs.sync({ namespace: 'default', name: 'a' })).rejects.toThrow('throttled past retries');
    expect((await w.deps.quotas.usage('default'))!.holders.size).toBe(0);
  });

  it(
    'a quota created over running pods charges them (the recount with scanPods), as Kubernetes ' + 'counts them',
    async () => {
      await w.deps.quotas.delete('default', 'tasks');
      await createJob(w, 'a', 3, 3);
      expect(w.launcher.launched).toHaveLength(3);
      await w.deps.quotas.put('default', 'tasks', { pods: 2 });
      w.clock.advance(2_000); // past the controller's memory of "no quota here"
      await createJob(w, 'early'); // synced before the recount: held ("status unknown for quota"), not admitted
      expect((await status(w, 'early')).active).toBe(0);
      expect(
        (await w.deps.store.listEvents('Job', { namespace: 'default', name: 'early' })).map((e) => e.message),
      ).toContainEqual(
        expect.stringMatching(
          /^Error creating: pods "early-\w+" is forbidden: status unknown for quota: tasks, resources: pods$/,
        ),
      );
      // a new quota's first recount scans pods
      expect(await w.jobs.quota.reconcile('default')).toEqual({ released: 0, charged: 3 });
      await createJob(w, 'b');
      expect((await status(w, 'b')).active).toBe(0); // 3 of 2 used: held
      const describe = await w.deps.quotas.list('default');
      expect(describe.map((q) => [q.name, q.used.pods, q.hard.pods, q.waiting])).toEqual([['tasks', 3, 2, 2]]);
    },
  );
});
