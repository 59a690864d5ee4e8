import {
  GetLogEventsCommand,
  ResourceNotFoundException,
  type CloudWatchLogsClient,
  type GetLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import type { LogSink } from '../../ports/log-sink.ts';
import type { Pod } from '../../spec/types.ts';
import { logStreamName } from '../ecs/ecs-task-definitions.ts';
import { lastTaskArnAnnotation, taskArnAnnotation } from '../ecs/ecs-task-launcher.ts';

/** Options of {@link CloudWatchLogSink}. */
export interface CloudWatchLogSinkOptions {
  /** Throttling is retried by this client's own retry strategy (`maxAttempts`, `retryStrategy`), not by the sink. */
  readonly client: CloudWatchLogsClient;
  /** The log group every task definition names in `awslogs-group`. */
  readonly logGroup: string;
  /**
   * The task definitions' `awslogs-stream-prefix` (`TaskDefinitionSettings.logStreamPrefix`).
   * @default "jobctl"
   */
  readonly streamPrefix?: string;
  /**
   * Re-reads the pod, so `follow` learns the task ARN once the controller records it; `undefined` means the pod was
   * deleted, which ends `follow`. The CLI passes a store lookup.
   * @default - none: `follow` of a pod without a task ARN waits for `signal` and prints nothing
   */
  readonly refresh?: (pod: Pod) => Promise<Pod | undefined>;
  /**
   * Milliseconds between two polls of `follow`, once the stream is read to its end.
   * @default 1000
   */
  readonly pollMs?: number;
  /**
   * Waits `ms` milliseconds, or less when `signal` aborts, and never rejects. Tests inject one that does not wait.
   * @default - a timer that ends early on abort
   */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * The CLI's {@link LogSink} on AWS (`jobctl logs [-f]`): reads a pod's output from the CloudWatch Logs stream its ECS
 * task's awslogs driver writes, `<prefix>/<container>/<task id>` ({@link logStreamName}). The task is the one named by
 * the pod's {@link taskArnAnnotation}, else its {@link lastTaskArnAnnotation}: a pod waiting out an OnFailure back-off
 * shows its last attempt's output, as `kubectl logs` shows a crash-looping container's; a pod never launched has none.
 *
 * Paging follows GetLogEvents
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html): with `startFromHead:
 * true` (required with `nextToken`), a page may be partial or even empty without the stream being at its end; the end
 * is reached when `nextForwardToken` comes back equal to the `nextToken` sent. The awslogs driver sends one event per
 * line, without its newline (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html), so each
 * message gets one back.
 *
 * @example
 * ```ts
 * const logs = new CloudWatchLogSink({
 *   client: new CloudWatchLogsClient({}),
 *   logGroup: '/jobctl/tasks',
 *   refresh: (pod) =>
 *     store.getPod({ namespace: pod.metadata.namespace, name: pod.metadata.labels!['job-name']! }, pod.metadata.name),
 * });
 * process.stdout.write(await logs.read(pod));
 * ```
 */
export class CloudWatchLogSink implements LogSink {
  private readonly client: CloudWatchLogsClient;
  private readonly logGroup: string;
  private readonly streamPrefix: string;
  private readonly refresh: ((pod: Pod) => Promise<Pod | undefined>) | undefined;
  private readonly pollMs: number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(options: CloudWatchLogSinkOptions) {
    this.client = options.client;
    this.logGroup = options.logGroup;
    this.streamPrefix = options.streamPrefix ?? 'jobctl';
    this.refresh = options.refresh;
    this.pollMs = options.pollMs ?? 1000;
    this.sleep = options.sleep ?? sleepUnlessAborted;
  }

  /** The pod's whole log so far, from the head of its stream; `''` before its task is launched or has logged. */
  async read(pod: Pod): Promise<string> {
    const stream = this.streamOf(pod);
    if (stream === undefined) return '';
    let text = '';
    await this.drain(stream, undefined, (chunk) => (text += chunk));
    return text;
  }

  /**
   * Emits the pod's output from the head of its stream, then polls every `pollMs` for more until `signal` aborts.
   * While the pod has no task ARN it is re-read with `refresh` each poll; once the stream is known, it is kept. Ends
   * quietly when the pod is deleted, and never rejects once `signal` has aborted.
   */
  async follow(pod: Pod, onChunk: (text: string) => void, signal: AbortSignal): Promise<void> {
    let stream = this.streamOf(pod);
    let token: string | undefined;
    try {
      while (!signal.aborted) {
        if (stream === undefined && this.refresh !== undefined) {
          const current = await this.refresh(pod);
          if (current === undefined) return;
          stream = this.streamOf(current);
        }
        if (stream !== undefined && !signal.aborted) token = await this.drain(stream, token, onChunk, signal);
        await this.sleep(this.pollMs, signal);
      }
    } catch (error) {
      // Aborting cancels the request in flight (abortSignal), which rejects; Ctrl-C is not an error.
      if (signal.aborted) return;
      throw error;
    }
  }

  /**
   * Does nothing: task logs stay in CloudWatch Logs until the log group's retention expires them
   * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html), the choice the
   * job controller's `RetainedLogSink` (`lambda-log-sink.ts`) makes too: cloud-ops may still want a deleted Job's logs.
   */
  async remove(): Promise<void> {}

  private streamOf(pod: Pod): string | undefined {
    const taskArn = pod.metadata.annotations?.[taskArnAnnotation] ?? pod.metadata.annotations?.[lastTaskArnAnnotation];
    const container = pod.spec.containers[0];
    if (taskArn === undefined || taskArn === '' || container === undefined) return undefined;
    return logStreamName(this.streamPrefix, container.name, taskArn);
  }

  /**
   * Reads `stream` forward from `token` (its head when undefined) to its current end, one `onText` per non-empty page;
   * returns the token to resume from. A stream that does not exist yet (the task is still provisioning) reads as empty.
   */
  private async drain(
    stream: string,
    token: string | undefined,
    onText: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    let from = token;
    for (;;) {
      let page: GetLogEventsCommandOutput;
      try {
        page = await this.client.send(
          new GetLogEventsCommand({
            logGroupName: this.logGroup,
            logStreamName: stream,
            startFromHead: true,
            ...(from === undefined ? {} : { nextToken: from }),
          }),
          signal === undefined ? {} : { abortSignal: signal },
        );
      } catch (error) {
        if (isResourceNotFound(error)) return from;
        throw error;
      }
      if (signal?.aborted) return from;
      const text = (page.events ?? []).map((event) => `${event.message ?? ''}\n`).join('');
      if (text !== '') onText(text);
      const next = page.nextForwardToken;
      // The same token back means the end of the stream; a missing one (never sent, per the API) must not loop forever.
      if (next === undefined || next === from) return from;
      from = next;
    }
  }
}

function isResourceNotFound(error: unknown): boolean {
  // By name as well: a second copy of the SDK package would make instanceof fail.
  return (
    error instanceof ResourceNotFoundException ||
    (error as { name?: unknown } | undefined)?.name === 'ResourceNotFoundException'
  );
}

/** Waits `ms`, or less when `signal` aborts; leaves no listener behind (a long follow polls thousands of times). */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
