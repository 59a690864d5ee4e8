import type { Pod } from '../spec/types.ts';

/**
 * Where task output goes and is read back from (`jobctl logs`). Methods take the pod, not its name: on AWS the log
 * stream is named after the pod's task, which only the pod records.
 */
export interface LogSink {
  /** The whole log of one pod so far; empty when the pod wrote nothing or never ran. */
  read(pod: Pod): Promise<string>;
  /** Streams the pod's output from the beginning until `signal` aborts. */
  follow(pod: Pod, onChunk: (text: string) => void, signal: AbortSignal): Promise<void>;
  /** Removes the log of a deleted pod. */
  remove(pod: Pod): Promise<void>;
}
