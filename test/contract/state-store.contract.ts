import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlreadyExistsError, ConflictError, JobctlError, NotFoundError } from '../../src/errors.ts';
import type { ObjectKey, StateStore } from '../../src/ports/state-store.ts';
import type { CronJob, Job, Kind, KubeEvent, KubeObject, Pod } from '../../src/spec/types.ts';

/** A store under test and how to dispose of it. */
export interface StoreUnderTest {
  store: StateStore;
  close(): Promise<void>;
}

/** What the suite hands a factory: the store's clock, which the suite moves. */
export interface ContractStoreOptions {
  now: () => number;
}

const START_MS = Date.parse('2016-05-19T10:00:00Z');
const NS = 'default';

function aCronJob(name: string, overrides: { namespace?: string } = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: overrides.namespace ?? NS },
    spec: {
      schedule: '*/1 * * * *',
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      jobTemplate: { spec: aJobSpec() },
    },
    status: { active: [] },
  };
}

function aJob(
  name: string,
  overrides: {
    namespace?: string;
    owner?: string;
    ownerIsController?: boolean;
    creationTimestamp?: string;
    annotation?: string;
  } = {},
): Job {
  const namespace = overrides.namespace ?? NS;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace,
      ...(overrides.creationTimestamp ? { creationTimestamp: overrides.creationTimestamp } : {}),
      ...(overrides.annotation ? { annotations: { note: overrides.annotation } } : {}),
      ...(overrides.owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'batch/v1',
                kind: 'CronJob',
                name: overrides.owner,
                uid: `uid-${overrides.owner}`,
                controller: overrides.ownerIsController ?? true,
                blockOwnerDeletion: true,
              },
            ],
          }
        : {}),
    },
    spec: aJobSpec(),
    status: { active: 0, succeeded: 0, failed: 0, conditions: [] },
  };
}

function aPod(
  name: string,
  jobName: string | undefined,
  overrides: { namespace?: string; annotation?: string } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: overrides.namespace ?? NS,
      labels: jobName === undefined ? {} : { 'job-name': jobName, 'batch.kubernetes.io/job-name': jobName },
      ...(overrides.annotation ? { annotations: { note: overrides.annotation } } : {}),
    },
    spec: { containers: [{ name: 'main', image: 'busybox', command: ['echo', 'hi'] }], restartPolicy: 'Never' },
    status: { phase: 'Pending' },
  };
}

function aJobSpec(): Job['spec'] {
  return {
    template: {
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['echo', 'hi'] }], restartPolicy: 'OnFailure' },
    },
    parallelism: 1,
    backoffLimit: 6,
    completionMode: 'NonIndexed',
    suspend: false,
  };
}

function anEvent(kind: Kind, name: string, reason: string, timestamp: string, namespace = NS): KubeEvent {
  return {
    type: 'Normal',
    reason,
    message: `${reason} for ${name}`,
    timestamp,
    involvedObject: { kind, namespace, name },
  };
}

const key = (name: string, namespace = NS): ObjectKey => ({ namespace, name });
const names = (objects: KubeObject[]) => objects.map((o) => o.metadata.name);
const reasons = (events: KubeEvent[]) => events.map((e) => e.reason);

/** Settles every promise and counts fulfilments and each kind of rejection. */
async function outcomes(promises: Promise<unknown>[]) {
  const settled = await Promise.allSettled(promises);
  const rejected = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
  return {
    fulfilled: settled.length - rejected.length,
    alreadyExists: rejected.filter((e) => e instanceof AlreadyExistsError).length,
    conflicts: rejected.filter((e) => e instanceof ConflictError).length,
    other: rejected.filter((e) => !(e instanceof AlreadyExistsError) && !(e instanceof ConflictError)),
  };
}

/**
 * Registers the `StateStore` contract (the semantics in `src/ports/state-store.ts`) for one adapter. Each test gets
 * a fresh, empty store from `makeStore`, whose clock the suite controls.
 *
 * Cases are ported from Kubernetes' storage conformance suite,
 * `staging/src/k8s.io/apiserver/pkg/storage/testing/store_tests.go`, where the port has the same semantics.
 * `list` may lag writes on AWS (GSIs); the adapters run here (fake, dynalite) are read-your-writes, so list
 * assertions follow writes directly.
 *
 * @example
 * stateStoreContract('FakeStateStore', async ({ now }) => ({
 *   store: new FakeStateStore({ now }),
 *   close: async () => {},
 * }));
 */
export function stateStoreContract(
  name: string,
  makeStore: (options: ContractStoreOptions) => Promise<StoreUnderTest>,
): void {
  describe(`StateStore contract: ${name}`, () => {
    let nowMs = START_MS;
    let store: StateStore;
    let close: () => Promise<void>;

    beforeEach(async () => {
      nowMs = START_MS;
      ({ store, close } = await makeStore({ now: () => nowMs }));
    });
    afterEach(async () => {
      await close();
    });

    describe('create', () => {
      // store_tests.go RunTestCreate "successful create": the output carries a resource version.
      it('assigns uid, creationTimestamp from the clock and resourceVersion "1" when they are missing', async () => {
        nowMs = Date.parse('2016-05-19T10:03:07.450Z');

        const created = await store.create(aJob('hello-1'));

        expect(created.metadata).toEqual({
          name: 'hello-1',
          namespace: NS,
          uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
          creationTimestamp: '2016-05-19T10:03:07Z',
          resourceVersion: '1',
        });
        expect(await store.get('Job', key('hello-1'))).toEqual(created);
      });

      it('keeps a supplied uid and creationTimestamp and replaces a supplied resourceVersion with "1"', async () => {
        const job = aJob('hello-1', { creationTimestamp: '2016-05-19T09:00:00Z' });
        job.metadata.uid = '0f1e2d3c-0000-4000-8000-000000000001';
        job.metadata.resourceVersion = '42';

        const created = await store.create(job);

        expect(created.metadata).toMatchObject({
          uid: '0f1e2d3c-0000-4000-8000-000000000001',
          creationTimestamp: '2016-05-19T09:00:00Z',
          resourceVersion: '1',
        });
        expect((await store.get('Job', key('hello-1')))?.metadata).toEqual(created.metadata);
      });

      it('gives each object its own uid', async () => {
        const a = await store.create(aJob('a'));
        const b = await store.create(aJob('b'));

        expect(a.metadata.uid).not.toEqual(b.metadata.uid);
      });

      // store_tests.go RunTestCreateWithKeyExist: a second create of the same key is an "exists" error.
      it.each([
        { kind: 'CronJob', make: () => aCronJob('hello') as KubeObject },
        { kind: 'Job', make: () => aJob('hello') as KubeObject },
        { kind: 'Pod', make: () => aPod('hello-abcde', 'hello') as KubeObject },
      ])('throws AlreadyExistsError and keeps the stored $kind when one of that name exists', async ({ make }) => {
        const first = await store.create(make());
        const second = make();
        second.metadata.labels = { ...second.metadata.labels, changed: 'yes' };

        const error = await store.create(second).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(AlreadyExistsError);
        expect((error as Error).message).toMatch(new RegExp(`${first.kind} "default/${first.metadata.name}"`));
        expect(await store.get(first.kind, key(first.metadata.name))).toEqual(first);
      });

      it('lets objects of another kind or namespace share a name', async () => {
        await store.create(aCronJob('hello'));
        await store.create(aJob('hello'));
        await store.create(aJob('hello', { namespace: 'other' }));

        const found = {
          cronJob: (await store.get('CronJob', key('hello')))?.kind,
          job: (await store.get('Job', key('hello')))?.metadata.namespace,
          otherJob: (await store.get('Job', key('hello', 'other')))?.metadata.namespace,
        };
        expect(found).toEqual({ cronJob: 'CronJob', job: NS, otherJob: 'other' });
      });

      it('keeps no reference to its argument or its result', async () => {
        const job = aJob('hello');
        const created = await store.create(job);

        job.status.active = 7;
        created.status.succeeded = 9;
        created.metadata.labels = { mutated: 'true' };

        const stored = await store.get('Job', key('hello'));
        expect({
          active: stored?.status.active,
          succeeded: stored?.status.succeeded,
          labels: stored?.metadata.labels,
        }).toEqual({
          active: 0,
          succeeded: 0,
          labels: undefined,
        });
      });

      it('does not change its argument', async () => {
        const job = aJob('hello');
        const before = structuredClone(job);

        await store.create(job);

        expect(job).toEqual(before);
      });

      it('rejects a Pod without the job-name label, which names the Job it belongs to', async () => {
        const error = await store.create(aPod('orphan', undefined)).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(JobctlError);
        expect(error).toMatchObject({ code: 'Validation', message: expect.stringMatching(/job-name/) });
      });

      it('lets exactly one of 50 concurrent creates of the same Job win', async () => {
        const racers = Array.from({ length: 50 }, (_, i) => {
          const job = aJob('hello-28000000');
          job.metadata.labels = { attempt: String(i) };
          return store.create(job);
        });

        const results = await outcomes(racers);

        expect({ fulfilled: results.fulfilled, alreadyExists: results.alreadyExists, other: results.other }).toEqual({
          fulfilled: 1,
          alreadyExists: 49,
          other: [],
        });
        expect((await store.list('Job', NS)).length).toBe(1);
      });
    });

    describe('get', () => {
      // store_tests.go RunTestGet "get non-existing" (with ignoreNotFound): absence is a value, not an error.
      it.each(['CronJob', 'Job', 'Pod'] as const)('returns undefined for an absent %s', async (kind) => {
        expect(await store.get(kind, key('missing'))).toBeUndefined();
      });

      it('finds a Pod by its name alone', async () => {
        const pod = await store.create(aPod('hello-abcde', 'hello'));

        expect(await store.get('Pod', key('hello-abcde'))).toEqual(pod);
      });

      it('returns a copy the caller may change', async () => {
        await store.create(aJob('hello'));
        const read = await store.get('Job', key('hello'));
        read!.status.failed = 3;

        expect((await store.get('Job', key('hello')))?.status.failed).toBe(0);
      });
    });

    describe('update', () => {
      it('writes when the resourceVersion matches and returns the object at the next one', async () => {
        const created = await store.create(aJob('hello'));

        const first = await store.update({ ...created, status: { ...created.status, active: 1 } });
        const second = await store.update({ ...first, status: { ...first.status, active: 0, succeeded: 1 } });

        expect({ first: first.metadata.resourceVersion, second: second.metadata.resourceVersion }).toEqual({
          first: '2',
          second: '3',
        });
        expect(await store.get('Job', key('hello'))).toEqual(second);
        expect(second.metadata).toEqual({ ...created.metadata, resourceVersion: '3' });
      });

      it('updates a Pod in its Job, as listPods then shows', async () => {
        const pod = await store.create(aPod('hello-abcde', 'hello'));

        const running = await store.update({ ...pod, status: { phase: 'Running', startTime: '2016-05-19T10:00:01Z' } });

        expect(await store.listPods(key('hello'))).toEqual([running]);
      });

      // The uid case is store_tests.go RunTestConditionalDelete "UID mismatch", applied to updates: the object was
      // deleted and created again under the same name, so its resourceVersion restarted at "1".
      it.each([
        {
          name: 'stale resourceVersion',
          edit: (job: Job) => ({ ...job, metadata: { ...job.metadata, resourceVersion: '1' } }),
        },
        {
          name: 'resourceVersion from the future',
          edit: (job: Job) => ({ ...job, metadata: { ...job.metadata, resourceVersion: '3' } }),
        },
        {
          name: 'no resourceVersion',
          edit: (job: Job) => ({ ...job, metadata: { ...job.metadata, resourceVersion: undefined } }),
        },
        {
          name: 'resourceVersion the store never issues',
          edit: (job: Job) => ({ ...job, metadata: { ...job.metadata, resourceVersion: 'abc' } }),
        },
        {
          name: 'uid of an earlier object of that name',
          edit: (job: Job) => ({ ...job, metadata: { ...job.metadata, uid: '0f1e2d3c-0000-4000-8000-00000000dead' } }),
        },
      ])('throws ConflictError and keeps the stored object on $name', async ({ edit }) => {
        const created = await store.create(aJob('hello'));
        const current = await store.update({ ...created, status: { ...created.status, active: 1 } });

        const error = await store
          .update(edit({ ...current, status: { ...current.status, failed: 5 } }))
          .catch((e: unknown) => e);

        expect(error).toBeInstanceOf(ConflictError);
        expect((error as Error).message).toMatch(/Job "default\/hello".*the object has been modified/);
        expect(await store.get('Job', key('hello'))).toEqual(current);
      });

      it(
        'throws ConflictError when the Job was deleted and created again, even at the same ' + 'resourceVersion',
        async () => {
          const old = await store.create(aJob('hello'));
          await store.delete('Job', key('hello'));
          const recreated = await store.create(aJob('hello'));

          const error = await store.update({ ...old, status: { ...old.status, failed: 1 } }).catch((e: unknown) => e);

          expect(error).toBeInstanceOf(ConflictError);
          expect(await store.get('Job', key('hello'))).toEqual(recreated);
        },
      );

      it.each([
        {
          kind: 'CronJob',
          make: () =>
            ({ ...aCronJob('gone'), metadata: { ...aCronJob('gone').metadata, resourceVersion: '1' } }) as KubeObject,
        },
        {
          kind: 'Job',
          make: () => ({ ...aJob('gone'), metadata: { ...aJob('gone').metadata, resourceVersion: '4' } }) as KubeObject,
        },
        {
          kind: 'Pod',
          make: () =>
            ({
              ...aPod('gone-x', 'gone'),
              metadata: { ...aPod('gone-x', 'gone').metadata, resourceVersion: '1' },
            }) as KubeObject,
        },
      ])('throws NotFoundError for an absent $kind, and does not create it', async ({ kind, make }) => {
        const obj = make();

        const error = await store.update(obj).catch((e: unknown) => e);

        expect(error).toBeInstanceOf(NotFoundError);
        expect(await store.get(kind as Kind, key(obj.metadata.name))).toBeUndefined();
      });

      it('throws NotFoundError for an object deleted after it was read', async () => {
        const created = await store.create(aCronJob('hello'));
        await store.delete('CronJob', key('hello'));

        await expect(store.update(created)).rejects.toBeInstanceOf(NotFoundError);
      });

      // Kubernetes keeps metadata.uid and creationTimestamp across updates (rest.BeforeUpdate restores them).
      it('keeps uid and creationTimestamp when the caller leaves them out', async () => {
        const created = await store.create(aCronJob('hello'));
        const { uid: _uid, creationTimestamp: _ct, ...rest } = created.metadata;

        const updated = await store.update({ ...created, metadata: rest, spec: { ...created.spec, suspend: true } });

        expect(updated.metadata).toEqual({ ...created.metadata, resourceVersion: '2' });
        expect(await store.get('CronJob', key('hello'))).toEqual(updated);
      });

      it('does not change its argument', async () => {
        const created = await store.create(aJob('hello'));
        const next = { ...created, status: { ...created.status, active: 1 } };
        const before = structuredClone(next);

        await store.update(next);

        expect(next).toEqual(before);
      });

      // store_tests.go RunTestGuaranteedUpdateWithConflict, widened: what makes the CronJob controller's Forbid
      // race-free is that of N writers holding the same resourceVersion exactly one wins.
      it('lets exactly one of 20 concurrent updates from the same resourceVersion win', async () => {
        const created = await store.create(aCronJob('hello'));
        const writers = Array.from({ length: 20 }, (_, i) => ({
          ...created,
          status: {
            active: [{ apiVersion: 'batch/v1', kind: 'Job', name: `hello-${i}`, namespace: NS, uid: `uid-${i}` }],
          },
        }));

        const settled = await Promise.allSettled(writers.map((w) => store.update(w)));

        const results = await outcomes(
          settled.map((s) => (s.status === 'fulfilled' ? Promise.resolve(s.value) : Promise.reject(s.reason))),
        );
        expect({ fulfilled: results.fulfilled, conflicts: results.conflicts, other: results.other }).toEqual({
          fulfilled: 1,
          conflicts: 19,
          other: [],
        });
        const winner = settled.find((s): s is PromiseFulfilledResult<CronJob> => s.status === 'fulfilled');
        expect(await store.get('CronJob', key('hello'))).toEqual(winner?.value);
      });
    });

    describe('list', () => {
      it('returns every object of a kind in a namespace, by name', async () => {
        for (const n of ['b', 'c', 'a']) await store.create(aJob(n));
        await store.create(aJob('z', { namespace: 'other' }));
        await store.create(aCronJob('a'));
        await store.create(aPod('a-xyz', 'a'));

        const listed = {
          jobs: names(await store.list('Job', NS)),
          otherJobs: names(await store.list('Job', 'other')),
          cronJobs: names(await store.list('CronJob', NS)),
          pods: names(await store.list('Pod', NS)),
          empty: names(await store.list('CronJob', 'nobody')),
        };
        expect(listed).toEqual({
          jobs: ['a', 'b', 'c'],
          otherJobs: ['z'],
          cronJobs: ['a'],
          pods: ['a-xyz'],
          empty: [],
        });
      });

      it('returns objects at their current resourceVersion', async () => {
        const created = await store.create(aJob('a'));
        const updated = await store.update({ ...created, status: { ...created.status, active: 1 } });

        expect(await store.list('Job', NS)).toEqual([updated]);
      });

      // cronjob_controllerv2.go getJobsToBeReconciled keeps Jobs whose controller ownerReference is the CronJob.
      it('narrows Jobs to those one CronJob controls, oldest first, with ownerName', async () => {
        await store.create(aJob('hello-3', { owner: 'hello', creationTimestamp: '2016-05-19T10:03:00Z' }));
        await store.create(aJob('hello-1', { owner: 'hello', creationTimestamp: '2016-05-19T10:01:00Z' }));
        await store.create(aJob('hello-2', { owner: 'hello', creationTimestamp: '2016-05-19T10:02:00Z' }));
        await store.create(aJob('hello-x', { owner: 'hello', ownerIsController: false }));
        await store.create(aJob('other-1', { owner: 'other' }));
        await store.create(aJob('hello-9', { owner: 'hello', namespace: 'elsewhere' }));
        await store.create(aJob('manual'));

        expect(names(await store.list('Job', NS, { ownerName: 'hello' }))).toEqual(['hello-1', 'hello-2', 'hello-3']);
      });

      it('follows ownership changes made by update', async () => {
        const adopted = await store.create(aJob('manual'));
        const owned = await store.create(aJob('hello-1', { owner: 'hello' }));

        await store.update({
          ...adopted,
          metadata: { ...adopted.metadata, ownerReferences: aJob('any', { owner: 'hello' }).metadata.ownerReferences },
        });
        await store.update({ ...owned, metadata: { ...owned.metadata, ownerReferences: [] } });

        expect(names(await store.list('Job', NS, { ownerName: 'hello' }))).toEqual(['manual']);
      });

      it('narrows Pods to one Job with ownerName and finds nothing that owns a CronJob', async () => {
        await store.create(aCronJob('hello'));
        await store.create(aPod('a-2', 'a'));
        await store.create(aPod('a-1', 'a'));
        await store.create(aPod('ab-1', 'ab'));

        const listed = {
          podsOfA: names(await store.list('Pod', NS, { ownerName: 'a' })),
          cronJobs: names(await store.list('CronJob', NS, { ownerName: 'hello' })),
        };
        expect(listed).toEqual({ podsOfA: ['a-1', 'a-2'], cronJobs: [] });
      });

      it('no longer returns deleted objects', async () => {
        await store.create(aJob('a', { owner: 'hello' }));
        await store.create(aJob('b', { owner: 'hello' }));
        await store.delete('Job', key('a'));

        expect({
          all: names(await store.list('Job', NS)),
          owned: names(await store.list('Job', NS, { ownerName: 'hello' })),
        }).toEqual({ all: ['b'], owned: ['b'] });
      });
    });

    describe('getPod', () => {
      it(
        'reads one pod of a Job by key, at its current resourceVersion, and nothing of another Job or ' + 'namespace',
        async () => {
          const pod = await store.create(aPod('a-1', 'a'));
          const done = await store.update({ ...pod, status: { phase: 'Succeeded' } });
          await store.create(aPod('a-1', 'a', { namespace: 'other' }));

          const read = {
            mine: await store.getPod(key('a'), 'a-1'),
            otherJob: await store.getPod(key('b'), 'a-1'),
            missing: await store.getPod(key('a'), 'a-2'),
          };
          expect(read).toEqual({ mine: done, otherJob: undefined, missing: undefined });
        },
      );
    });

    describe('listPods', () => {
      it("returns only that Job's pods, by name", async () => {
        await store.create(aPod('a-2', 'a'));
        await store.create(aPod('a-1', 'a'));
        await store.create(aPod('ab-1', 'ab'));
        await store.create(aPod('a-9', 'a', { namespace: 'other' }));

        const listed = {
          a: names(await store.listPods(key('a'))),
          ab: names(await store.listPods(key('ab'))),
          otherA: names(await store.listPods(key('a', 'other'))),
          none: names(await store.listPods(key('missing'))),
        };
        expect(listed).toEqual({ a: ['a-1', 'a-2'], ab: ['ab-1'], otherA: ['a-9'], none: [] });
      });

      it('reads its own writes at once (the Job controller counts completions from it)', async () => {
        const pod = await store.create(aPod('a-1', 'a'));
        const done = await store.update({ ...pod, status: { phase: 'Succeeded' } });

        expect(
          (await store.listPods(key('a'))).map((p) => ({ phase: p.status.phase, rv: p.metadata.resourceVersion })),
        ).toEqual([{ phase: done.status.phase, rv: '2' }]);
      });
    });

    describe('delete', () => {
      it('deletes a Job with its pods, its events and its pods’ events, and nothing else', async () => {
        await store.create(aCronJob('hello'));
        await store.create(aJob('hello-1', { owner: 'hello' }));
        await store.create(aJob('hello-2', { owner: 'hello' }));
        for (const pod of ['hello-1-a', 'hello-1-b']) await store.create(aPod(pod, 'hello-1'));
        await store.create(aPod('hello-2-a', 'hello-2'));
        await store.recordEvent(anEvent('CronJob', 'hello', 'SuccessfulCreate', '2016-05-19T10:01:00Z'));
        await store.recordEvent(anEvent('Job', 'hello-1', 'SuccessfulCreate', '2016-05-19T10:01:00Z'));
        await store.recordEvent(anEvent('Pod', 'hello-1-a', 'Started', '2016-05-19T10:01:01Z'));
        await store.recordEvent(anEvent('Job', 'hello-2', 'SuccessfulCreate', '2016-05-19T10:02:00Z'));
        await store.recordEvent(anEvent('Pod', 'hello-2-a', 'Started', '2016-05-19T10:02:01Z'));

        await store.delete('Job', key('hello-1'));

        const after = {
          job: await store.get('Job', key('hello-1')),
          pods: names(await store.listPods(key('hello-1'))),
          pod: await store.get('Pod', key('hello-1-a')),
          jobEvents: reasons(await store.listEvents('Job', key('hello-1'))),
          podEvents: reasons(await store.listEvents('Pod', key('hello-1-a'))),
          otherJobs: names(await store.list('Job', NS, { ownerName: 'hello' })),
          otherPods: names(await store.list('Pod', NS)),
          otherJobEvents: reasons(await store.listEvents('Job', key('hello-2'))),
          otherPodEvents: reasons(await store.listEvents('Pod', key('hello-2-a'))),
          cronJobEvents: reasons(await store.listEvents('CronJob', key('hello'))),
        };
        expect(after).toEqual({
          job: undefined,
          pods: [],
          pod: undefined,
          jobEvents: [],
          podEvents: [],
          otherJobs: ['hello-2'],
          otherPods: ['hello-2-a'],
          otherJobEvents: ['SuccessfulCreate'],
          otherPodEvents: ['Started'],
          cronJobEvents: ['SuccessfulCreate'],
        });
      });

      it('deletes a CronJob with its events and leaves its Jobs to the caller', async () => {
        await store.create(aCronJob('hello'));
        await store.create(aJob('hello-1', { owner: 'hello' }));
        await store.recordEvent(anEvent('CronJob', 'hello', 'SuccessfulCreate', '2016-05-19T10:01:00Z'));

        await store.delete('CronJob', key('hello'));

        const after = {
          cronJob: await store.get('CronJob', key('hello')),
          events: reasons(await store.listEvents('CronJob', key('hello'))),
          jobs: names(await store.list('Job', NS, { ownerName: 'hello' })),
        };
        expect(after).toEqual({ cronJob: undefined, events: [], jobs: ['hello-1'] });
      });

      it('deletes one Pod with its events and leaves its Job and siblings', async () => {
        await store.create(aJob('a'));
        await store.create(aPod('a-1', 'a'));
        await store.create(aPod('a-2', 'a'));
        await store.recordEvent(anEvent('Pod', 'a-1', 'Started', '2016-05-19T10:00:01Z'));

        await store.delete('Pod', key('a-1'));

        const after = {
          job: (await store.get('Job', key('a')))?.metadata.name,
          pods: names(await store.listPods(key('a'))),
          events: reasons(await store.listEvents('Pod', key('a-1'))),
        };
        expect(after).toEqual({ job: 'a', pods: ['a-2'], events: [] });
      });

      // store_tests.go RunTestUnconditionalDelete "non-existing key" is NotFound in etcd; the port makes it a no-op
      // so a cascade can be repeated after a crash.
      it.each(['CronJob', 'Job', 'Pod'] as const)('does nothing for an absent %s', async (kind) => {
        await expect(store.delete(kind, key('missing'))).resolves.toBeUndefined();
      });

      it('frees the name: a new object gets resourceVersion "1" and a new uid', async () => {
        const old = await store.create(aJob('hello'));
        await store.delete('Job', key('hello'));

        const recreated = await store.create(aJob('hello'));

        expect({
          rv: recreated.metadata.resourceVersion,
          sameUid: recreated.metadata.uid === old.metadata.uid,
        }).toEqual({ rv: '1', sameUid: false });
      });
    });

    describe('events', () => {
      it('lists events oldest first, whatever order they were recorded in', async () => {
        await store.recordEvent(anEvent('CronJob', 'hello', 'SawCompletedJob', '2016-05-19T10:02:00Z'));
        await store.recordEvent(anEvent('CronJob', 'hello', 'SuccessfulCreate', '2016-05-19T10:01:00Z'));
        await store.recordEvent(anEvent('CronJob', 'hello', 'SuccessfulDelete', '2016-05-19T10:03:00.5Z'));
        await store.recordEvent(anEvent('CronJob', 'hello', 'MissSchedule', '2016-05-19T10:00:00Z'));

        expect(reasons(await store.listEvents('CronJob', key('hello')))).toEqual([
          'MissSchedule',
          'SuccessfulCreate',
          'SawCompletedJob',
          'SuccessfulDelete',
        ]);
      });

      it('keeps the recording order of events with the same timestamp', async () => {
        const reasonsInOrder = Array.from({ length: 30 }, (_, i) => `Reason${String(i).padStart(2, '0')}`).reverse();
        for (const reason of reasonsInOrder)
          await store.recordEvent(anEvent('Job', 'hello-1', reason, '2016-05-19T10:01:00Z'));

        expect(reasons(await store.listEvents('Job', key('hello-1')))).toEqual(reasonsInOrder);
      });

      it('returns the event as recorded', async () => {
        const event: KubeEvent = {
          type: 'Warning',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
          timestamp: '2016-05-19T10:05:00Z',
          involvedObject: { kind: 'Job', namespace: NS, name: 'hello-1' },
        };

        await store.recordEvent(event);

        expect(await store.listEvents('Job', key('hello-1'))).toEqual([event]);
      });

      it('keeps events with their involved object only', async () => {
        await store.recordEvent(anEvent('CronJob', 'a', 'OfCronJob', '2016-05-19T10:00:00Z'));
        await store.recordEvent(anEvent('Job', 'a', 'OfJob', '2016-05-19T10:00:00Z'));
        await store.recordEvent(anEvent('Pod', 'a', 'OfPod', '2016-05-19T10:00:00Z'));
        await store.recordEvent(anEvent('Job', 'ab', 'OfJobAb', '2016-05-19T10:00:00Z'));
        await store.recordEvent(anEvent('Job', 'a', 'OfOtherNamespace', '2016-05-19T10:00:00Z', 'other'));

        const listed = {
          cronJob: reasons(await store.listEvents('CronJob', key('a'))),
          job: reasons(await store.listEvents('Job', key('a'))),
          pod: reasons(await store.listEvents('Pod', key('a'))),
          jobAb: reasons(await store.listEvents('Job', key('ab'))),
          other: reasons(await store.listEvents('Job', key('a', 'other'))),
          none: reasons(await store.listEvents('Job', key('b'))),
        };
        expect(listed).toEqual({
          cronJob: ['OfCronJob'],
          job: ['OfJob'],
          pod: ['OfPod'],
          jobAb: ['OfJobAb'],
          other: ['OfOtherNamespace'],
          none: [],
        });
      });

      // Kubernetes' kube-apiserver --event-ttl defaults to 1h: events vanish an hour after they were recorded.
      it.each([
        { name: 'just recorded', afterMs: 0, expected: ['SuccessfulCreate'] },
        { name: '59 minutes 59 seconds later', afterMs: 3_599_000, expected: ['SuccessfulCreate'] },
        { name: 'an hour later', afterMs: 3_600_000, expected: [] },
        { name: 'a day later', afterMs: 86_400_000, expected: [] },
      ])('keeps an event for an hour: $name', async ({ afterMs, expected }) => {
        await store.recordEvent(anEvent('CronJob', 'hello', 'SuccessfulCreate', '2016-05-19T10:00:00Z'));

        nowMs += afterMs;

        expect(reasons(await store.listEvents('CronJob', key('hello')))).toEqual(expected);
      });

      it('rejects a timestamp that is not RFC 3339', async () => {
        await expect(store.recordEvent(anEvent('Job', 'a', 'Bad', 'yesterday'))).rejects.toMatchObject({
          code: 'Validation',
        });
      });
    });

    describe('many and large objects', () => {
      // ~4.5 KB each: 300 pods are ~1.3 MB, past DynamoDB's 1 MB Query page.
      const bulk = 'x'.repeat(4_500);

      it('lists, counts and deletes 300 large pods of one Job', async () => {
        await store.create(aJob('big'));
        const podNames = Array.from({ length: 300 }, (_, i) => `big-${String(i).padStart(3, '0')}`);
        await runLimited(podNames, 16, (n) => store.create(aPod(n, 'big', { annotation: bulk })));
        for (const n of podNames.slice(0, 40))
          await store.recordEvent(anEvent('Pod', n, 'Started', '2016-05-19T10:00:01Z'));

        const listed = {
          listPods: names(await store.listPods(key('big'))),
          listPodsByNamespace: (await store.list('Pod', NS)).length,
          annotationIntact: (await store.listPods(key('big'))).every((p) => p.metadata.annotations?.['note'] === bulk),
        };
        await store.delete('Job', key('big'));
        const afterDelete = {
          pods: (await store.listPods(key('big'))).length,
          podsByNamespace: (await store.list('Pod', NS)).length,
          eventsOfFirst: (await store.listEvents('Pod', key('big-000'))).length,
          job: await store.get('Job', key('big')),
        };

        expect(listed).toEqual({ listPods: podNames, listPodsByNamespace: 300, annotationIntact: true });
        expect(afterDelete).toEqual({ pods: 0, podsByNamespace: 0, eventsOfFirst: 0, job: undefined });
      });

      it('lists 250 large Jobs of one CronJob', async () => {
        const jobNames = Array.from({ length: 250 }, (_, i) => `hello-${String(28_000_000 + i)}`);
        await runLimited(jobNames, 16, (n, i) =>
          store.create(
            aJob(n, {
              owner: 'hello',
              annotation: bulk,
              creationTimestamp: new Date(START_MS + i * 60_000).toISOString().replace('.000Z', 'Z'),
            }),
          ),
        );

        const listed = {
          owned: names(await store.list('Job', NS, { ownerName: 'hello' })),
          all: (await store.list('Job', NS)).length,
        };
        expect(listed).toEqual({ owned: jobNames, all: 250 });
      });

      it('lists 120 large events of one object in order', async () => {
        const expected: string[] = [];
        for (let i = 0; i < 120; i++) {
          expected.push(`R${i}`);
          await store.recordEvent({
            ...anEvent('Job', 'busy', `R${i}`, new Date(START_MS + i * 1_000).toISOString()),
            message: bulk + bulk,
          });
        }

        expect(reasons(await store.listEvents('Job', key('busy')))).toEqual(expected);
      });
    });
  });
}

async function runLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}
