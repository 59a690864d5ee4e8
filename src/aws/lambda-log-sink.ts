import type { LogSink } from '../ports/log-sink.ts';

/**
 * The job controller's {@link LogSink}: it only ever calls `remove` (cascaded Job deletion). On AWS task logs stay in
 * CloudWatch Logs until the log group's retention expires them — one DeleteLogStream per pod would need the task id,
 * and cloud-ops may still want a deleted Job's logs — so `remove` does nothing. Reading is the CLI's (a CloudWatch
 * Logs sink for `jobctl --context aws`, still to be built with issue 3), never the controller's.
 */
export class RetainedLogSink implements LogSink {
  async read(namespace: string, podName: string): Promise<string> {
    throw new Error(`logs of ${namespace}/${podName}: the job controller does not read logs; use jobctl logs`);
  }

  async follow(namespace: string, podName: string): Promise<void> {
    throw new Error(`logs of ${namespace}/${podName}: the job controller does not read logs; use jobctl logs`);
  }

  async remove(): Promise<void> {}
}
