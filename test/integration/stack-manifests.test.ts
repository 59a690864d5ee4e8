import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbStateStore } from '../../src/adapters/dynamodb/dynamodb-state-store.ts';
import { DynamoDbWorkQueue } from '../../src/adapters/dynamodb/dynamodb-work-queue.ts';
import { DynamoDbResourceQuotas } from '../../src/adapters/dynamodb/dynamodb-resource-quotas.ts';
import { handleManifestsEvent, type ManifestsEvent } from '../../src/runtime/lambda/manifests.ts';
import {
  applyStackManifests,
  removeStackManifests,
  type StackManifest,
} from '../../src/controllers/stack-manifests.ts';
import { ensureStateTable } from '../../src/adapters/dynamodb/state-table.ts';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { loadManifestSources } from '../../src/spec/index.ts';
import { managedByAnnotation } from '../../src/spec/ownership.ts';
import type { CronJob, Job } from '../../src/spec/types.ts';
import { startTestDynalite, type TestDynalite } from '../support/dynalite.ts';

let db: TestDynalite;
let store: DynamoDbStateStore;
let clock: ManualClock;
let tables = 0;

beforeAll(async () => {
  db = await startTestDynalite();
});
afterAll(() => db.stop());
beforeEach(async () => {
  const tableName = `stack-manifests-${++tables}`;
  await ensureStateTable(db.client, tableName);
  clock = new ManualClock(Date.parse('2026-03-02T10:00:00Z'));
  store = new DynamoDbStateStore({ client: db.client, tableName, now: () => clock.now() });
});

const cronJobYaml = (o: { schedule?: string; suspend?: boolean; name?: string } = {}) => `apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${o.name ?? 'hello'}
spec:
  schedule: "${o.schedule ?? '* * * * *'}"
${o.suspend === undefined ? '' : `  suspend: ${o.suspend}\n`}  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            command: ["sh", "-c", "date"]
          restartPolicy: OnFailure
`;

const jobYaml = (o: { completions?: number; parallelism?: number } = {}) => `apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  completions: ${o.completions ?? 5}
  parallelism: ${o.parallelism ?? 2}
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(20)"]
      restartPolicy: Never
`;

function manifests(...texts: string[]): StackManifest[] {
  return loadManifestSources(texts.map((text, i) => ({ file: `config/${i}.yaml`, text }))).objects as StackManifest[];
}

const deps = () => ({ store, clock });

describe('cdk deploy → state table (the Manifests custom resource)', () => {
  it('creates every declared object, annotated with the stack, a Job with the generated selector', async () => {
    const outcomes = await applyStackManifests(deps(), {
      stackName: 'Jobctl',
      desired: manifests(cronJobYaml(), jobYaml()),
    });
    expect(outcomes).toEqual([
      { kind: 'CronJob', name: 'hello', action: 'created' },
      { kind: 'Job', name: 'pi', action: 'created' },
    ]);
    const cronJob = await store.get('CronJob', { namespace: 'default', name: 'hello' });
    expect(cronJob?.metadata.annotations?.[managedByAnnotation]).toBe('cdk/Jobctl');
    const job = await store.get('Job', { namespace: 'default', name: 'pi' });
    expect(job?.spec.completions).toBe(5);
    expect(job?.spec.selector?.matchLabels?.['batch.kubernetes.io/controller-uid']).toBe(job?.metadata.uid);
  });

  it('re-deploying the same file writes nothing, and does not run again a Job that ran and is gone', async () => {
    const desired = manifests(cronJobYaml(), jobYaml());
    await applyStackManifests(deps(), { stackName: 'Jobctl', desired });
    const before = await store.get('CronJob', { namespace: 'default', name: 'hello' });
    await store.delete('Job', { namespace: 'default', name: 'pi' }); // its TTL removed it
    const outcomes = await applyStackManifests(deps(), { stackName: 'Jobctl', desired, previous: desired });
    expect(outcomes.map((o) => o.action)).toEqual(['unchanged', 'not-recreated']);
    expect((await store.get('CronJob', { namespace: 'default', name: 'hello' }))?.metadata.resourceVersion).toBe(
      before?.metadata.resourceVersion,
    );
    expect(await store.get('Job', { namespace: 'default', name: 'pi' })).toBeUndefined();
  });

  it('runs a gone Job again when the deploy changes it', async () => {
    const first = manifests(jobYaml({ completions: 5 }));
    await applyStackManifests(deps(), { stackName: 'Jobctl', desired: first });
    await store.delete('Job', { namespace: 'default', name: 'pi' });
    const outcomes = await applyStackManifests(deps(), {
      stackName: 'Jobctl',
      desired: manifests(jobYaml({ completions: 3 })),
      previous: first,
    });
    expect(outcomes).toEqual([{ kind: 'Job', name: 'pi', action: 'created' }]);
    expect((await store.get('Job', { namespace: 'default', name: 'pi' }))?.spec.completions).toBe(3);
  });

  it("applies a changed schedule and keeps the CronJob's status", async () => {
    const first = manifests(cronJobYaml());
    await applyStackManifests(deps(), { stackName: 'Jobctl', desired: first });
    const stored = (await store.get('CronJob', { namespace: 'default', name: 'hello' }))!;
    await store.update<CronJob>({ ...stored, status: { ...stored.status, lastScheduleTime: '2026-03-02T09:59:00Z' } });
    const outcomes = await applyStackManifests(deps(), {
      stackName: 'Jobctl',
      desired: manifests(cronJobYaml({ schedule: '*/5 * * * *' })),
      previous: first,
    });
    expect(outcomes).toEqual([{ kind: 'CronJob', name: 'hello', action: 'configured' }]);
    const after = (await store.get('CronJob', { namespace: 'default', name: 'hello' }))!;
    expect(after.spec.schedule).toBe('*/5 * * * *');
    expect(after.status.lastScheduleTime).toBe('2026-03-02T09:59:00Z');
    expect(after.metadata.uid).toBe(stored.metadata.uid);
  });

  it('keeps a `jobctl suspend` across deploys until the file itself changes suspend', async () => {
    const first = manifests(cronJobYaml());
    await applyStackManifests(deps(), { stackName: 'Jobctl', desired: first });
    const stored = (await store.get('CronJob', { namespace: 'default', name: 'hello' }))!;
    await store.update<CronJob>({ ...stored, spec: { ...stored.spec, suspend: true } }); // jobctl suspend hello
    const second = manifests(cronJobYaml({ schedule: '*/2 * * * *' }));
    await applyStackManifests(deps(), { stackName: 'Jobctl', desired: second, previous: first });
    let now = (await store.get('CronJob', { namespace: 'default', name: 'hello' }))!;
    expect(now.spec).toMatchObject({ schedule: '*/2 * * * *', suspend: true });
    // The file now says suspend: true, then false: the file's change wins.
    const third = manifests(cronJobYaml({ schedule: '*/2 * * * *', suspend: true }));
    await applyStackManifests(deps(), { stackName: 'Jobctl', desired: third, previous: second });
    const fourth = manifests(cronJobYaml({ schedule: '*/2 * * * *', suspend: false }));
    await applyStackManifests(deps(), { stackName: 'Jobctl', desired: fourth, previous: third });
    now = (await store.get('CronJob', { namespace: 'default', name: 'hello' }))!;
    expect(now.spec.suspend).toBe(false);
  });

  it('keeps a `jobctl suspend job/X` of a stack Job across deploys that do not change its suspend', async () => {
    const first = manifests(jobYaml({ parallelism: 2 }));
    await applyStackManifests(deps(), { stackName: 'Jobctl', desired: first });
    const stored = (await store.get('Job', { namespace: 'default', name: 'pi' }))!;
    await store.update<Job>({ ...stored, spec: { ...stored.spec, suspend: true } });
    await applyStackManifests(deps(), {
      stackName: 'Jobctl',
      desired: manifests(jobYaml({ parallelism: 3 })),
      previous: first,
    });
    expect((await store.get('Job', { namespace: 'default', name: 'pi' }))?.spec).toMatchObject({
      parallelism: 3,
      suspend: true,
    });
  });

  it(
    'deletes what the file no longer declares: a CronJob with its Jobs, a Job through its deletion ' + 'request',
    async () => {
      const first = manifests(cronJobYaml(), jobYaml());
      await applyStackManifests(deps(), { stackName: 'Jobctl', desired: first });
      const cronJob = (await store.get('CronJob', { namespace: 'default', name: 'hello' }))!;
      const child: Job = {
        ...(manifests(jobYaml())[0] as Job),
        metadata: {
          name: 'hello-29540040',
          namespace: 'default',
          ownerReferences: [
            {
              apiVersion: 'batch/v1',
              kind: 'CronJob',
              name: 'hello',
              uid: cronJob.metadata.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
      };
      await store.create(child);
      const outcomes = await applyStackManifests(deps(), { stackName: 'Jobctl', desired: [], previous: first });
      expect(outcomes.map((o) => `${o.kind}/${o.name} ${o.action}`)).toEqual([
        'CronJob/hello deleted',
        'Job/pi deleted',
      ]);
      expect(await store.get('CronJob', { namespace: 'default', name: 'hello' })).toBeUndefined();
      expect(
        (await store.get('Job', { namespace: 'default', name: 'hello-29540040' }))?.metadata.deletionTimestamp,
      ).toBe('2026-03-02T10:00:00Z');
      expect((await store.get('Job', { namespace: 'default', name: 'pi' }))?.metadata.deletionTimestamp).toBe(
        '2026-03-02T10:00:00Z',
      );
    },
  );

  it('refuses an immutable change to a Job that still exists and writes nothing else of that deploy', async () => {
    const first = manifests(cronJobYaml(), jobYaml({ completions: 5 }));
    await applyStackManifests(deps(), { stackName: 'Jobctl', desired: first });
    const second = manifests(cronJobYaml({ schedule: '*/5 * * * *' }), jobYaml({ completions: 6 }));
    await expect(
      applyStackManifests(deps(), { stackName: 'Jobctl', desired: second, previous: first }),
    ).rejects.toThrow(/The Job "pi" is invalid: spec: field is immutable except parallelism.*jobctl delete job pi/);
    expect((await store.get('CronJob', { namespace: 'default', name: 'hello' }))?.spec.schedule).toBe('* * * * *');
    // Mutable fields go through.
    await applyStackManifests(deps(), {
      stackName: 'Jobctl',
      desired: manifests(cronJobYaml(), jobYaml({ parallelism: 3 })),
      previous: first,
    });
    expect((await store.get('Job', { namespace: 'default', name: 'pi' }))?.spec.parallelism).toBe(3);
  });

  it("refuses another stack's object and adopts one created with jobctl", async () => {
    await applyStackManifests(deps(), { stackName: 'Other', desired: manifests(jobYaml()) });
    await expect(
      applyStackManifests(deps(), { stackName: 'Jobctl', desired: manifests(cronJobYaml(), jobYaml()) }),
    ).rejects.toThrow(/job "pi" is declared by CDK stack Other/);
    expect(await store.get('CronJob', { namespace: 'default', name: 'hello' })).toBeUndefined();

    await store.create(manifests(cronJobYaml({ name: 'nightly', suspend: true }))[0] as CronJob); // jobctl apply
    await applyStackManifests(deps(), { stackName: 'Jobctl', desired: manifests(cronJobYaml({ name: 'nightly' })) });
    const adopted = (await store.get('CronJob', { namespace: 'default', name: 'nightly' }))!;
    expect(adopted.metadata.annotations?.[managedByAnnotation]).toBe('cdk/Jobctl');
    expect(adopted.spec.suspend).toBe(false);
  });

  it('lets cloud-ops find what a stack declares with the query docs/state-table.md shows', async () => {
    await applyStackManifests(deps(), { stackName: 'Jobctl', desired: manifests(cronJobYaml()) });
    await store.create(manifests(cronJobYaml({ name: 'mine' }))[0] as CronJob);
    const answer = await db.client.send(
      new QueryCommand({
        TableName: `stack-manifests-${tables}`,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :kind',
        FilterExpression: '#o.metadata.annotations.#m = :stack',
        ExpressionAttributeNames: { '#o': 'object', '#m': 'jobctl.dev/managed-by' },
        ExpressionAttributeValues: { ':kind': { S: 'CronJob#default' }, ':stack': { S: 'cdk/Jobctl' } },
      }),
    );
    expect(answer.Items?.map((i) => i['name']?.S)).toEqual(['hello']);
  });

  it("stack deletion removes the stack's objects and nothing else", async () => {
    await applyStackManifests(deps(), { stackName: 'Jobctl', desired: manifests(cronJobYaml(), jobYaml()) });
    await store.create(manifests(cronJobYaml({ name: 'mine' }))[0] as CronJob);
    const outcomes = await removeStackManifests(deps(), 'Jobctl');
    expect(outcomes.map((o) => `${o.kind}/${o.name} ${o.action}`)).toEqual(['CronJob/hello deleted', 'Job/pi deleted']);
    expect((await store.list('CronJob', 'default')).map((c) => c.metadata.name)).toEqual(['mine']);
  });
});

describe('WorkQueue manifests on deploy', () => {
  const queue = (maxReceiveCount: number) => ({
    apiVersion: 'jobctl.dev/v1' as const,
    kind: 'WorkQueue' as const,
    metadata: { name: 'fruits', namespace: 'default' },
    spec: { maxReceiveCount, leaseSeconds: 30 },
  });

  it(
    'records the settings of the queues the file declares, updates them, and removes a queue the file ' + 'drops',
    async () => {
      const queues = new DynamoDbWorkQueue({
        client: db.client,
        tableName: `stack-manifests-${tables}`,
        now: () => clock.now(),
      });
      const first = await applyStackManifests(deps(), {
        stackName: 'Jobctl',
        desired: [],
        queues: { queues, desired: [queue(3)] },
      });
      expect(first).toEqual([{ kind: 'WorkQueue', name: 'fruits', action: 'created' }]);
      expect(await queues.describeQueue('fruits')).toEqual({ maxReceiveCount: 3, leaseSeconds: 30 });
      await queues.push('fruits', ['apple']);
      expect(
        await applyStackManifests(deps(), {
          stackName: 'Jobctl',
          desired: [],
          queues: { queues, desired: [queue(3)], previous: [queue(3)] },
        }),
      ).toEqual([{ kind: 'WorkQueue', name: 'fruits', action: 'unchanged' }]);
      expect(
        await applyStackManifests(deps(), {
          stackName: 'Jobctl',
          desired: [],
          queues: { queues, desired: [queue(4)], previous: [queue(3)] },
        }),
      ).toEqual([{ kind: 'WorkQueue', name: 'fruits', action: 'configured' }]);
      expect((await queues.stats('fruits')).pending).toBe(1); // items survive a settings change
      expect(
        await applyStackManifests(deps(), {
          stackName: 'Jobctl',
          desired: [],
          queues: { queues, desired: [], previous: [queue(4)] },
        }),
      ).toEqual([{ kind: 'WorkQueue', name: 'fruits', action: 'deleted' }]);
      expect(await queues.describeQueue('fruits')).toBeUndefined();
    },
  );

  it(
    'writes the ResourceQuotas the file declares, updates them, and deletes one the file drops (a Delete ' +
      'request too)',
    async () => {
      const tableName = `stack-manifests-${tables}`;
      const quotas = new DynamoDbResourceQuotas({ client: db.client, tableName, now: () => clock.now() });
      const quota = (pods: number) =>
        loadManifestSources([
          {
            file: 'q.yaml',
            text:
              `apiVersion: v1\nkind: ResourceQuota\nmetadata: { name: tasks }\nspec: { hard: { pods: "${pods}" ` +
              `} }\n`,
          },
        ]).quotas[0]!;
      expect(
        await applyStackManifests(deps(), {
          stackName: 'Jobctl',
          desired: [],
          quotas: { quotas, desired: [quota(50)] },
        }),
      ).toEqual([{ kind: 'ResourceQuota', name: 'tasks', action: 'created' }]);
      expect((await quotas.list('default')).map((q) => q.hard.pods)).toEqual([50]);
      expect(
        await applyStackManifests(deps(), {
          stackName: 'Jobctl',
          desired: [],
          quotas: { quotas, desired: [quota(50)], previous: [quota(50)] },
        }),
      ).toEqual([{ kind: 'ResourceQuota', name: 'tasks', action: 'unchanged' }]);
      expect(
        await applyStackManifests(deps(), {
          stackName: 'Jobctl',
          desired: [],
          quotas: { quotas, desired: [quota(20)], previous: [quota(50)] },
        }),
      ).toEqual([{ kind: 'ResourceQuota', name: 'tasks', action: 'configured' }]);
      expect(
        await applyStackManifests(deps(), {
          stackName: 'Jobctl',
          desired: [],
          quotas: { quotas, desired: [], previous: [quota(20)] },
        }),
      ).toEqual([{ kind: 'ResourceQuota', name: 'tasks', action: 'deleted' }]);
      expect(await quotas.list('default')).toEqual([]);

      const props = { StackName: 'Jobctl', Manifests: '[]', Quotas: JSON.stringify([quota(5)]) };
      await handleManifestsEvent(
        { store, clock, quotas, log: () => {} },
        { RequestType: 'Create', ResourceProperties: props },
      );
      expect((await quotas.list('default')).map((q) => q.hard.pods)).toEqual([5]);
      const deleted = await handleManifestsEvent(
        { store, clock, quotas, log: () => {}, sleep: async () => {} },
        { RequestType: 'Delete', PhysicalResourceId: 'jobctl-manifests-Jobctl', ResourceProperties: props },
      );
      expect(deleted.Data.Deleted).toBe(1);
      expect(await quotas.list('default')).toEqual([]);
      await expect(
        handleManifestsEvent(
          { store, clock, quotas, log: () => {} },
          { RequestType: 'Create', ResourceProperties: { ...props, Quotas: '[{"kind":"ResourceQuota"}]' } },
        ),
      ).rejects.toThrow('manifests: ResourceProperties.Quotas: must be a JSON array of ResourceQuota manifests');
    },
  );
});

describe('Manifests custom resource handler (Provider framework onEvent)', () => {
  const props = (text: string[]) => ({
    ServiceToken: 'arn:aws:lambda:us-west-2:111122223333:function:provider',
    StackName: 'Jobctl',
    Manifests: JSON.stringify(manifests(...text)),
  });

  it('Create, Update and Delete keep one physical id and report counts', async () => {
    const create: ManifestsEvent = { RequestType: 'Create', ResourceProperties: props([cronJobYaml(), jobYaml()]) };
    const created = await handleManifestsEvent({ ...deps(), log: () => {} }, create);
    expect(created).toEqual({
      PhysicalResourceId: 'jobctl-manifests-Jobctl',
      Data: { Created: 2, Configured: 0, Unchanged: 0, Deleted: 0 },
    });
    const update: ManifestsEvent = {
      RequestType: 'Update',
      PhysicalResourceId: created.PhysicalResourceId,
      ResourceProperties: props([cronJobYaml({ schedule: '0 * * * *' })]),
      OldResourceProperties: create.ResourceProperties,
    };
    expect(await handleManifestsEvent({ ...deps(), log: () => {} }, update)).toEqual({
      PhysicalResourceId: 'jobctl-manifests-Jobctl',
      Data: { Created: 0, Configured: 1, Unchanged: 0, Deleted: 1 },
    });
    const del: ManifestsEvent = {
      RequestType: 'Delete',
      PhysicalResourceId: created.PhysicalResourceId,
      ResourceProperties: update.ResourceProperties,
    };
    // No job controller runs here: the Job `pi` the update asked to delete stays, so the wait runs out (on the injected
    // clock).
    const logged: Array<Record<string, unknown>> = [];
    const slept: number[] = [];
    const sleep = async (ms: number) => {
      slept.push(ms);
      clock.advance(ms);
    };
    expect((await handleManifestsEvent({ ...deps(), sleep, log: (r) => logged.push(r) }, del)).Data.Deleted).toBe(1);
    expect(slept.reduce((a, b) => a + b, 0)).toBe(240_000);
    expect(logged).toContainEqual({ msg: 'Jobs still being deleted when the stack went on', stillGoing: 1 });
    expect(await store.list('CronJob', 'default')).toEqual([]);
  });

  it(
    'on stack deletion waits until the job controller has removed the Jobs (their tasks stopped) before ' + 'going on',
    async () => {
      const create: ManifestsEvent = { RequestType: 'Create', ResourceProperties: props([jobYaml()]) };
      await handleManifestsEvent({ ...deps(), log: () => {} }, create);
      let polls = 0;
      // The job controller: removes a Job a few seconds after its deletion was requested.
      const sleep = async (ms: number) => {
        clock.advance(ms);
        if (++polls === 3)
          for (const job of await store.list('Job', 'default'))
            if (job.metadata.deletionTimestamp)
              await store.delete('Job', { namespace: 'default', name: job.metadata.name });
      };
      const logged: Array<Record<string, unknown>> = [];
      await handleManifestsEvent(
        { ...deps(), sleep, log: (r) => logged.push(r) },
        {
          RequestType: 'Delete',
          PhysicalResourceId: 'jobctl-manifests-Jobctl',
          ResourceProperties: create.ResourceProperties,
        },
      );
      expect(polls).toBe(3);
      expect(await store.list('Job', 'default')).toEqual([]);
      expect(logged.some((r) => r['msg'] === 'Jobs still being deleted when the stack went on')).toBe(false);
    },
  );

  it(
    'keeps numbers numbers (the manifests travel as one JSON string) and rejects a malformed property ' + 'by name',
    async () => {
      await handleManifestsEvent(
        { ...deps(), log: () => {} },
        { RequestType: 'Create', ResourceProperties: props([jobYaml({ completions: 7 })]) },
      );
      expect((await store.get('Job', { namespace: 'default', name: 'pi' }))?.spec.completions).toBe(7);
      await expect(
        handleManifestsEvent(deps(), {
          RequestType: 'Create',
          ResourceProperties: { StackName: 'Jobctl', Manifests: '[{"kind":"Pod"}]' },
        }),
      ).rejects.toThrow('manifests: ResourceProperties.Manifests[0]: not a CronJob or Job');
      await expect(
        handleManifestsEvent(deps(), { RequestType: 'Create', ResourceProperties: { StackName: '', Manifests: '[]' } }),
      ).rejects.toThrow('ResourceProperties.StackName: required string');
    },
  );
});
