import type { Pod } from '../spec/types.ts';

/** Identifies a pod's task; pods live in their Job's partition, so the Job name travels with it. */
export interface TaskRef {
  namespace: string;
  jobName: string;
  podName: string;
}

/** How a task ended, as the launcher observed it. */
export interface TaskExit extends TaskRef {
  exitCode: number;
  /** "Completed", "Error", or the reason the controller gave when it asked the task to stop. */
  reason: string;
  finishedAtMs: number;
  /**
   * The container restart count of the attempt that exited, when the launcher knows it: an exit reported late (after
   * a crash of the runtime) must not end the pod's next attempt.
   */
  attempt?: number;
  /**
   * Set when the task did not end by itself or by the controller's wish but with its "node" (the local runtime's
   * stop, or a task gone with a crashed runtime): the pod gets Kubernetes' `DisruptionTarget` condition with this
   * reason, and the Job controller does not charge it to `backoffLimit`.
   */
  disruption?: { reason: 'DeletionByPodGC' | 'TerminationByKubelet'; message: string };
}

/** What a launcher reports back; the runtime (or the ECS event handler on AWS) feeds these to the Job controller. */
export interface TaskEvents {
  /** `attempt`: the restart count of the attempt that started; a report about another attempt is ignored. */
  started(task: TaskRef, atMs: number, attempt?: number): void;
  /** Resolves once the exit is stored: the launcher keeps what it knows of the task until then (a crash may follow). */
  exited(exit: TaskExit): void | Promise<void>;
}

/**
 * Runs pods: child processes locally, ECS Fargate tasks on AWS. Launch and stop are idempotent by pod name.
 */
export interface TaskLauncher {
  /** Starts the pod's container with its command, args and env. Launching a pod that is running is a no-op. */
  launch(pod: Pod): Promise<void>;
  /**
   * Asks a running task to stop (SIGTERM, then SIGKILL after the grace period); its exit is reported as usual.
   * Resolves false when the pod has no task (never launched, or waiting out an OnFailure back-off): nothing will
   * report an exit, so the caller records the pod's end itself.
   */
  stop(pod: Pod, reason: string): Promise<boolean>;
}
