import { findTaskPid } from '../../src/adapters/process/task-records.ts';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/spec/types.ts';
import { RuntimeHarness } from '../support/local-runtime.ts';

// The seed's walkthrough 3 on the embedded runtime: a Job bound to a work queue runs one item per pod; the worker
// reads its item from stdin (and JOB_ITEM) and knows nothing of the queue. Real child processes, injected clock.
const START = '2026-03-02T10:00:30Z';
const FRUITS = ['apple', 'banana', 'cherry', 'date', 'fig', 'grape', 'lemon', 'melon'];

let h: RuntimeHarness | undefined;
afterEach(async () => {
  await h?.destroy();
  h = undefined;
});

function boundJob(
  name: string,
  o: { completions?: number; parallelism?: number; backoffLimit?: number; script: string; queue?: string },
): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  annotations:
    jobctl.dev/work-queue: ${o.queue ?? 'fruits'}
spec:
${o.completions === undefined ? '' : `  completions: ${o.completions}\n`}  parallelism: ${o.parallelism ?? 2}
  backoffLimit: ${o.backoffLimit ?? 6}
  template:
    spec:
      containers:
      - name: worker
        image: busybox
        command: ["/bin/sh", "-c", ${JSON.stringify(o.script)}]
      restartPolicy: Never
`;
}

/** The seed's worker: reads one item from stdin, prints it. */
const WORKER = 'read item; echo "Processing $item (JOB_ITEM=$JOB_ITEM)"';

async function runUntilFinished(job: string, rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await h!.advance(1_000);
    const status = (await h!.runtime.store.get('Job', { namespace: 'default', name: job }))?.status;
    if (status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')) return;
  }
  throw new Error(`job ${job} did not finish`);
}

async function logsOf(job: string): Promise<string[]> {
  const pods = await h!.runtime.store.listPods({ namespace: 'default', name: job });
  return Promise.all(pods.map((p) => h!.runtime.logs.read(p)));
}

describe('coarse work-queue pattern (walkthrough 3) on the embedded runtime', () => {
  it(
    'processes 8 items exactly once with completions 8, parallelism 2: 8/8, item on stdin and in ' + 'JOB_ITEM',
    async () => {
      h = await RuntimeHarness.start(START);
      await h.runtime.queues.ensureQueue('fruits');
      await h.runtime.queues.push('fruits', FRUITS);
      expect(
        (
          await h.jobctl(
            'apply',
            '-f',
            await h.writeManifest('job', boundJob('job-wq-1', { completions: 8, script: WORKER })),
          )
        ).code,
      ).toBe(0);
      await runUntilFinished('job-wq-1');

      const jobs = await h.jobctl('get', 'jobs');
      expect(jobs.stdout).toMatch(/job-wq-1\s+Complete\s+8\/8\s/);
      const lines = (await logsOf('job-wq-1')).map((l) => l.trim()).sort();
      expect(lines).toEqual(FRUITS.map((f) => `Processing ${f} (JOB_ITEM=${f})`).sort());
      expect(await h.runtime.queues.stats('fruits')).toEqual({ pending: 0, leased: 0, done: 8, dead: 0 });
    },
  );

  it('takes completions from the queue when the Job omits them', async () => {
    h = await RuntimeHarness.start(START);
    await h.runtime.queues.ensureQueue('fruits');
    await h.runtime.queues.push('fruits', FRUITS.slice(0, 5));
    await h.jobctl('apply', '-f', await h.writeManifest('job', boundJob('job-wq-2', { script: WORKER })));
    await runUntilFinished('job-wq-2');
    expect((await h.jobctl('get', 'jobs')).stdout).toMatch(/job-wq-2\s+Complete\s+5\/5\s/);
    expect((await h.jobctl('describe', 'job', 'job-wq-2')).stdout).toMatch(
      /WorkQueueCompletions\s+.*completions not set: 5 items in workqueue\/fruits/,
    );
  });

  it('expands $(JOB_ITEM) in command and args, as Kubernetes expands $(VAR)', async () => {
    h = await RuntimeHarness.start(START);
    await h.runtime.queues.ensureQueue('fruits');
    await h.runtime.queues.push('fruits', ['kiwi']);
    const manifest = boundJob('expand', { completions: 1, script: '' }).replace(
      /command: .*\n/,
      'command: ["echo"]\n        args: ["got", "$(JOB_ITEM)"]\n',
    );
    await h.jobctl('apply', '-f', await h.writeManifest('job', manifest));
    await runUntilFinished('expand');
    expect((await logsOf('expand')).join('')).toBe('got kiwi\n');
  });

  it(
    'gives the items of a deleted Job back at once, uncounted; keeps $ in items byte for byte; counts items only ' +
      'once resumed',
    async () => {
      h = await RuntimeHarness.start(START);
      await h.runtime.queues.ensureQueue('fruits');
      await h.runtime.queues.push('fruits', ['cost $$5 for $(HOME)', 'b', 'c']);
      await h.jobctl(
        'apply',
        '-f',
        await h.writeManifest('sleepy', boundJob('sleepy', { completions: 3, script: 'read item; sleep 30' })),
      );
      await h.advance(1_000, { tasks: false });
      expect(await h.runtime.queues.stats('fruits')).toMatchObject({ pending: 1, leased: 2 });
      expect((await h.jobctl('delete', 'job', 'sleepy')).code).toBe(0);
      expect(await h.runtime.queues.stats('fruits')).toEqual({ pending: 3, leased: 0, done: 0, dead: 0 });
      expect((await h.runtime.queues.peek('fruits', 10)).map((i) => i.receiveCount)).toEqual([0, 0, 0]);

      // Suspended at creation: completions are counted when it starts, not before the items are there.
      const suspended = boundJob('later', { script: 'read item; printf "%s|%s\\n" "$item" "$JOB_ITEM"' }).replace(
        '  parallelism: 2',
        '  parallelism: 2\n  suspend: true',
      );
      await h.jobctl('apply', '-f', await h.writeManifest('later', suspended));
      await h.advance(1_000);
      await h.runtime.queues.push('fruits', ['d']);
      await h.jobctl('patch', 'job', 'later', '-p', '{"spec":{"suspend":false}}');
      await runUntilFinished('later');
      expect((await h.jobctl('get', 'jobs', 'later')).stdout).toMatch(/later\s+Complete\s+4\/4\s/);
      const lines = (await logsOf('later')).join('').split('\n').filter(Boolean).sort();
      expect(lines).toEqual(['b|b', 'c|c', 'cost $$5 for $(HOME)|cost $$5 for $(HOME)', 'd|d'].sort());
    },
  );

  it("refuses to rebind a started Job to another queue (its pods hold the first queue's leases)", async () => {
    h = await RuntimeHarness.start(START);
    await h.runtime.queues.ensureQueue('fruits');
    await h.runtime.queues.push('fruits', ['a', 'b']);
    await h.jobctl(
      'apply',
      '-f',
      await h.writeManifest('job', boundJob('bound', { completions: 2, script: 'read item; sleep 30' })),
    );
    await h.advance(1_000, { tasks: false });
    const r = await h.jobctl(
      'apply',
      '-f',
      await h.writeManifest(
        'job2',
        boundJob('bound', { completions: 2, script: 'read item; sleep 30', queue: 'vegetables' }),
      ),
    );
    expect(r.stderr).toBe(
      'The Job "bound" is invalid: metadata.annotations[jobctl.dev/work-queue]: field is immutable once the Job ' +
        'started (bound to fruits)\n',
    );
  });

  it(
    'fails, saying why, when completions exceed the items instead of hanging; reports items left when ' + 'below',
    async () => {
      h = await RuntimeHarness.start(START);
      await h.runtime.queues.ensureQueue('fruits');
      await h.runtime.queues.push('fruits', FRUITS.slice(0, 3));
      await h.jobctl(
        'apply',
        '-f',
        await h.writeManifest('over', boundJob('over', { completions: 5, script: WORKER })),
      );
      await runUntilFinished('over');
      const over = (await h.runtime.store.get('Job', { namespace: 'default', name: 'over' }))!;
      expect(over.status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
        status: 'True',
        reason: 'WorkQueueEmpty',
        message: 'Job has completions 5 but workqueue/fruits is empty after 3 succeeded',
      });
      expect(over.status.succeeded).toBe(3);

      await h.runtime.queues.push('fruits', FRUITS.slice(0, 4));
      await h.jobctl(
        'apply',
        '-f',
        await h.writeManifest('under', boundJob('under', { completions: 2, script: WORKER })),
      );
      await runUntilFinished('under');
      expect((await h.jobctl('describe', 'job', 'under')).stdout).toMatch(
        /Warning\s+WorkQueueNotEmpty\s+.*Job completed with 2 items left in workqueue\/fruits/,
      );
    },
  );

  it(
    'a worker that always fails on one item: it goes dead after maxReceiveCount, the rest complete, the Job ' +
      'says so',
    async () => {
      h = await RuntimeHarness.start(START);
      await h.runtime.queues.ensureQueue('fruits', { maxReceiveCount: 2 });
      await h.runtime.queues.push('fruits', FRUITS);
      const script =
        'read item; if [ "$item" = cherry ]; then echo "cannot process $item" >&2; exit 1; fi; echo "Processing $item"';
      await h.jobctl('apply', '-f', await h.writeManifest('job', boundJob('poisoned', { script, backoffLimit: 10 })));
      await runUntilFinished('poisoned', 80);
      const job = (await h.runtime.store.get('Job', { namespace: 'default', name: 'poisoned' }))!;
      expect(job.status.succeeded).toBe(7);
      expect(job.status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
        reason: 'WorkQueueEmpty',
        message:
          'Job has completions 8 but workqueue/fruits is empty after 7 succeeded, 1 dead-lettered (jobctl queue dlq ' +
          'fruits)',
      });
      expect(await h.runtime.queues.stats('fruits')).toEqual({ pending: 0, leased: 0, done: 7, dead: 1 });
      expect((await h.runtime.queues.deadLetters('fruits', 10)).map((d) => [d.body, d.receiveCount])).toEqual([
        ['cherry', 2],
      ]);
    },
  );

  it(
    'loses nothing when jobctl up restarts: queued and leased items survive, a Job in progress finishes every ' +
      'item once',
    async () => {
      h = await RuntimeHarness.start(START);
      // One receive per item: a pod stopped with the runtime did not fail on its item, so that receive must not count.
      await h.runtime.queues.ensureQueue('fruits', { maxReceiveCount: 1 });
      await h.runtime.queues.push('fruits', FRUITS);
      const held = (await h.runtime.queues.lease('fruits'))!; // a worker holding an item when the runtime stops
      await h.down();
      await h.up();
      expect(await h.runtime.queues.stats('fruits')).toEqual({ pending: 7, leased: 1, done: 0, dead: 0 });
      expect(await h.runtime.queues.complete('fruits', held.lease)).toBe(true);

      // A Job mid-way through the queue when the runtime stops: its running pods are recorded failed, their items
      // return.
      const slow = 'read item; sleep 0.3; echo "Processing $item"';
      await h.jobctl(
        'apply',
        '-f',
        await h.writeManifest('job', boundJob('restart', { completions: 7, script: slow })),
      );
      await h.advance(1_000, { tasks: false });
      await h.down();
      await h.up();
      await runUntilFinished('restart', 60);
      const job = (await h.runtime.store.get('Job', { namespace: 'default', name: 'restart' }))!;
      expect(job.status.succeeded).toBe(7);
      const processed = (await logsOf('restart'))
        .flatMap((l) => l.split('\n'))
        .filter((l) => l.startsWith('Processing '));
      expect(processed.sort()).toEqual(
        FRUITS.filter((f) => f !== held.body)
          .map((f) => `Processing ${f}`)
          .sort(),
      );
      expect(await h.runtime.queues.stats('fruits')).toEqual({ pending: 0, leased: 0, done: 8, dead: 0 });
    },
  );

  it('a task killed mid-item: its item is processed again by another pod and counted once', async () => {
    h = await RuntimeHarness.start(START);
    await h.runtime.queues.ensureQueue('fruits');
    await h.runtime.queues.push('fruits', ['slow', ...FRUITS.slice(0, 3)]);
    // The first pod to get "slow" sleeps; it is killed from outside (like an OOM kill) while it holds the item.
    const script =
      'read item; if [ "$item" = slow ] && [ ! -f "$MARK" ]; then touch "$MARK"; echo "started $item"; sleep 30; fi; ' +
      'echo "Processing $item"';
    const manifest = boundJob('killed', { completions: 4, parallelism: 1, script }).replace(
      '      restartPolicy: Never',
      `        env:\n        - name: MARK\n          value: ${h.stateDir}/slow-started\n      restartPolicy: Never`,
    );
    await h.jobctl('apply', '-f', await h.writeManifest('job', manifest));
    // Items are leased in no fixed order: run until the pod that got "slow" says it started, then kill that one.
    let victim: Pod | undefined;
    for (let i = 0; i < 100 && victim === undefined; i++) {
      await h.advance(200, { tasks: false });
      for (const pod of await h.runtime.store.listPods({ namespace: 'default', name: 'killed' })) {
        if ((await h.runtime.logs.read(pod)).includes('started slow')) victim = pod;
      }
      if (victim === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    const pid = findTaskPid(join(h.stateDir, 'pids'), 'default', victim!.metadata.name)!;
    process.kill(-pid, 'SIGKILL');
    await runUntilFinished('killed', 60);
    const job = (await h.runtime.store.get('Job', { namespace: 'default', name: 'killed' }))!;
    expect(job.status).toMatchObject({ succeeded: 4, failed: 1 });
    const processed = (await logsOf('killed')).flatMap((l) => l.split('\n')).filter((l) => l.startsWith('Processing '));
    expect(processed.sort()).toEqual(['Processing apple', 'Processing banana', 'Processing cherry', 'Processing slow']);
    expect(await h.runtime.queues.stats('fruits')).toEqual({ pending: 0, leased: 0, done: 4, dead: 0 });
  });
});
