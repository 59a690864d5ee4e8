import { ConflictError, NotFoundError, TaskLaunchError } from '../../errors.ts';
import { MAX_CONFLICT_RETRIES } from '../../controllers/deps.ts';
import type { StateStore } from '../../ports/state-store.ts';
import type { TaskLauncher } from '../../ports/task-launcher.ts';
import { wellKnown, type Pod } from '../../spec/types.ts';
import {
  lastTaskArnAnnotation,
  launchRetryAnnotation,
  taskArnAnnotation,
  taskIdentityOf,
  taskLaunchedAtAnnotation,
  type EcsTaskLauncher,
} from '../../adapters/ecs/ecs-task-launcher.ts';
import { toRfc3339 } from '../../engine/object-meta.ts';

/**
 * The Job controller's launcher on AWS: {@link EcsTaskLauncher} plus the bookkeeping the launcher's docs leave to
 * "the Job controller", kept on the pod so it survives between Lambda invocations:
 *
 * - After RunTask returns, the task ARN is recorded ({@link taskArnAnnotation}, and {@link lastTaskArnAnnotation}),
 *   with when it was launched ({@link taskLaunchedAtAnnotation}): `stop` stops exactly that task.
 * - A pod that already records a task for its current attempt is not launched again: the Job controller re-launches
 *   every Pending pod on every sync (the local launcher ignores running ones), which on AWS would be one RunTask per
 *   stream record. The clientToken would make it harmless, but not free (RunTask: 20 calls/s per account).
 * - A retryable `failures[]` answer (Fargate capacity, `RESOURCE:*`) bumps {@link launchRetryAnnotation} before the
 *   error propagates, so the retry sends a fresh clientToken (ECS may replay a token's result for 24 h). Throttling
 *   and lost responses carry no `failures[]` and keep the token: their retry returns the task already started.
 */
export class RecordingEcsLauncher implements TaskLauncher {
  constructor(
    private readonly ecs: Pick<EcsTaskLauncher, 'launchTask' | 'stop'>,
    private readonly store: StateStore,
    /** When a task is launched ({@link taskLaunchedAtAnnotation}). @default Date.now */
    private readonly now: () => number = () => Date.now(),
  ) {}

  async launch(pod: Pod): Promise<void> {
    if (pod.metadata.annotations?.[taskArnAnnotation] !== undefined) return;
    const attempt = taskIdentityOf(pod).attempt;
    let taskArn: string;
    try {
      taskArn = (await this.ecs.launchTask(pod)).taskArn;
    } catch (error) {
      if (error instanceof TaskLaunchError && error.retryable && error.failures.length > 0) {
        const usedRetry = pod.metadata.annotations?.[launchRetryAnnotation];
        await this.annotate(
          pod,
          attempt,
          (a) => ({ ...a, [launchRetryAnnotation]: String(Number(a[launchRetryAnnotation] ?? '0') + 1) }),
          { usedRetry },
        );
      }
      throw error;
    }
    const launchedAt = toRfc3339(this.now());
    await this.annotate(pod, attempt, (a) =>
      a[taskArnAnnotation] === undefined
        ? {
            ...a,
            [taskArnAnnotation]: taskArn,
            [lastTaskArnAnnotation]: taskArn,
            [taskLaunchedAtAnnotation]: launchedAt,
          }
        : a,
    );
  }

  stop(pod: Pod, reason: string): Promise<boolean> {
    return this.ecs.stop(pod, reason);
  }

  /**
   * Rewrites the pod's annotations while it is still at `attempt` (and, for a retry bump, still at the retry count
   * the failed launch used, so concurrent failures bump once).
   */
  private async annotate(
    launched: Pod,
    attempt: number,
    change: (a: Record<string, string>) => Record<string, string>,
    retryGuard?: { usedRetry: string | undefined },
  ): Promise<void> {
    const jobKey = {
      namespace: launched.metadata.namespace,
      name: launched.metadata.labels?.[wellKnown.jobName] ?? '',
    };
    for (let i = 1; ; i++) {
      // First try the pod as launched (the controller just stored or read it): its resourceVersion makes the write
      // conditional anyway, and a conflict re-reads. Saves a read per launch.
      const pod = i === 1 ? launched : await this.store.getPod(jobKey, launched.metadata.name);
      if (!pod || taskIdentityOf(pod).attempt !== attempt) return;
      const annotations = pod.metadata.annotations ?? {};
      if (retryGuard !== undefined && annotations[launchRetryAnnotation] !== retryGuard.usedRetry) return;
      const next = change(annotations);
      if (next === annotations) return;
      try {
        await this.store.update({ ...pod, metadata: { ...pod.metadata, annotations: next } });
        return;
      } catch (error) {
        if (error instanceof ConflictError && i < MAX_CONFLICT_RETRIES) continue;
        if (error instanceof NotFoundError) return;
        throw error;
      }
    }
  }
}
