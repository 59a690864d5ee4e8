/** Where task output goes and is read back from (`jobctl logs`). */
export interface LogSink {
  /** The whole log of one pod so far; empty when the pod wrote nothing or never ran. */
  read(namespace: string, podName: string): Promise<string>;
  /** Streams new output until `signal` aborts. */
  follow(namespace: string, podName: string, onChunk: (text: string) => void, signal: AbortSignal): Promise<void>;
  /** Removes the log of a deleted pod. */
  remove(namespace: string, podName: string): Promise<void>;
}
