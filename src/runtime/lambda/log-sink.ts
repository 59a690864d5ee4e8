import type { LogSink } from '../../ports/log-sink.ts';
import type { Pod } from '../../spec/types.ts';

/**
 * The job controller's {@link LogSink}: it only ever calls `remove` (cascaded Job deletion). On AWS task logs stay in
 * CloudWatch Logs until the log group's retention expires them — one DeleteLogStream per pod would need the task id,
 * and cloud-ops may still want a deleted Job's logs — so `remove` does nothing. Reading is the CLI's (a CloudWatch
 * Logs sink of `jobctl --context aws`, `cloudwatch-log-sink.ts`), never the controller's.
 */
export class RetainedLogSink implements LogSink {
  async read(pod: Pod): Promise<string> {
    throw new Error(
      `logs of ${pod.metadata.namespace}/${pod.metadata.name}: the job controller does not read logs; use jobctl logs`,
    );
  }

  async follow(pod: Pod): Promise<void> {
    throw new Error(
      `logs of ${pod.metadata.namespace}/${pod.metadata.name}: the job controller does not read logs; use jobctl logs`,
    );
  }

  async remove(): Promise<void> {}
}
