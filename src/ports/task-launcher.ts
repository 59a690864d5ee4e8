import type { Pod } from '../spec/types.ts';

/** How a task ended, as the launcher observed it. */
export interface TaskExit {
  podName: string;
  namespace: string;
  exitCode: number;
  /** e.g. "Error", "Completed", "DeadlineExceeded", "Killed". */
  reason: string;
  startedAtMs: number;
  finishedAtMs: number;
}

/**
 * Runs pods: child processes locally, ECS Fargate tasks on AWS. Launch and stop are idempotent by pod name.
 */
export interface TaskLauncher {
  /** Starts the pod's container with its command, args and env. A second launch of the same pod is a no-op. */
  launch(pod: Pod): Promise<void>;
  /** Asks a running task to stop (SIGTERM, then SIGKILL after the grace period). Absent tasks are ignored. */
  stop(pod: Pod, reason: string): Promise<void>;
}
