import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/adapters/clock/clock.ts';
import { PacedTaskLauncher } from '../../../../src/adapters/pacing/paced-launcher.ts';
import { TokenBucket } from '../../../../src/adapters/pacing/token-bucket.ts';
import { aJob, aJobPod } from '../../../support/builders.ts';
import { FakeTaskLauncher } from '../../../support/fakes/fake-task-launcher.ts';

async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Advances to `targetMs` one timer at a time, flushing after each, so a continuation sees the time its timer fired
 * (a single `advance` would fire every timer before any continuation runs).
 */
async function advanceStepwise(clock: ManualClock, targetMs: number): Promise<void> {
  for (let next = clock.nextTimerAtMs(); next !== undefined && next <= targetMs; next = clock.nextTimerAtMs()) {
    clock.advanceTo(next);
    await flush();
  }
  clock.advanceTo(targetMs);
  await flush();
}

function setUp(stopResult = true) {
  const clock = new ManualClock(0);
  const inner = new FakeTaskLauncher({ now: () => clock.now(), stopResult });
  const launcher = new PacedTaskLauncher(inner, new TokenBucket({ ratePerSecond: 2, burst: 1, clock }));
  const job = aJob();
  return { clock, inner, launcher, pods: [aJobPod(job), aJobPod(job), aJobPod(job)] as const };
}

describe('PacedTaskLauncher', () => {
  it('launches at the pacer’s rate, in order, passing each pod through unchanged', async () => {
    const { clock, inner, launcher, pods } = setUp();
    const launched = pods.map((pod) => launcher.launch(pod));
    await flush();
    expect(inner.calls).toEqual([{ op: 'launch', pod: pods[0], atMs: 0 }]);

    clock.advance(499);
    await flush();
    expect(inner.calls).toHaveLength(1);

    await advanceStepwise(clock, 1_000);
    await Promise.all(launched);
    expect(inner.calls.map((c) => [c.op, c.atMs])).toEqual([
      ['launch', 0],
      ['launch', 500],
      ['launch', 1_000],
    ]);
    inner.calls.forEach((call, i) => {
      expect(call.pod).toBe(pods[i]);
    });
  });

  it.each([true, false])(
    'stops at once while launches are queued, and returns the inner result (%s)',
    async (stopResult) => {
      const { inner, launcher, pods } = setUp(stopResult);
      void launcher.launch(pods[0]);
      void launcher.launch(pods[1]);
      void launcher.launch(pods[2]);
      await flush();

      let stopped: boolean | undefined;
      void launcher.stop(pods[1], 'DeadlineExceeded').then((result) => (stopped = result));
      await flush();
      expect(stopped).toBe(stopResult);
      expect(inner.calls.map((c) => c.op)).toEqual(['launch', 'stop']);
      const stop = inner.calls[1];
      expect(stop?.pod).toBe(pods[1]);
      expect(stop?.reason).toBe('DeadlineExceeded');
    },
  );

  it('rejects a launch when the inner launcher fails', async () => {
    const clock = new ManualClock(0);
    const failing = new FakeTaskLauncher();
    failing.failAlways(() => new Error('RunTask failed'));
    const launcher = new PacedTaskLauncher(failing, new TokenBucket({ ratePerSecond: 1, burst: 1, clock }));
    await expect(launcher.launch(aJobPod(aJob()))).rejects.toThrow('RunTask failed');
  });
});
