import {
  AccessDeniedException,
  CloudWatchLogsClient,
  GetLogEventsCommand,
  ResourceNotFoundException,
  type GetLogEventsCommandInput,
  type GetLogEventsCommandOutput,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CloudWatchLogSink,
  type CloudWatchLogSinkOptions,
} from '../../../../src/adapters/cloudwatch/cloudwatch-log-sink.ts';
import { taskArnAnnotation } from '../../../../src/adapters/ecs/ecs-task-launcher.ts';
import type { LogSink } from '../../../../src/ports/log-sink.ts';
import type { Pod } from '../../../../src/spec/types.ts';
import { aPod } from '../../../support/pods.ts';

// GetLogEvents paging: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html

const LOG_GROUP = '/jobctl/tasks';
const TASK_ARN = 'arn:aws:ecs:us-west-2:111122223333:task/jobctl/0123456789abcdef';
/** `<awslogs-stream-prefix>/<container name>/<task id>`; aPod's container is `hello`. */
const STREAM = 'jobctl/hello/0123456789abcdef';

function launched(pod: Pod, taskArn = TASK_ARN): Pod {
  return {
    ...pod,
    metadata: { ...pod.metadata, annotations: { ...pod.metadata.annotations, [taskArnAnnotation]: taskArn } },
  };
}

const notFound = () =>
  new ResourceNotFoundException({ message: 'The specified log stream does not exist.', $metadata: {} });
const accessDenied = () =>
  new AccessDeniedException({ message: 'User is not authorized to perform: logs:GetLogEvents', $metadata: {} });

describe('CloudWatchLogSink', () => {
  const logs = mockClient(CloudWatchLogsClient);
  const client = new CloudWatchLogsClient({ region: 'us-west-2' });
  beforeEach(() => logs.reset());

  /**
   * One log stream as GetLogEvents pages it from the head: `pageSize` events a page, forward token `f/<offset>`, and at
   * the end the same token as was sent. `push` appends lines as the awslogs driver would.
   */
  function serve(lines: string[], pageSize = 2): { push: (...more: string[]) => void } {
    const stored = [...lines];
    logs.on(GetLogEventsCommand).callsFake((input: GetLogEventsCommandInput): Partial<GetLogEventsCommandOutput> => {
      const offset = input.nextToken === undefined ? 0 : Number(input.nextToken.slice('f/'.length));
      const events = stored.slice(offset, offset + pageSize).map((message, i) => ({
        message,
        timestamp: 1_709_294_400_000 + offset + i,
        ingestionTime: 1_709_294_401_000,
      }));
      return { events, nextForwardToken: `f/${offset + events.length}`, nextBackwardToken: 'b/0' };
    });
    return { push: (...more) => stored.push(...more) };
  }

  const sentTokens = () => logs.commandCalls(GetLogEventsCommand).map((call) => call.args[0].input.nextToken);

  /** A sink whose sleep never waits: it records the delay and runs `onSleep` (which may push lines or abort). */
  function sinkWith(
    onSleep: (polls: number) => void,
    o: Partial<CloudWatchLogSinkOptions> = {},
  ): { sink: CloudWatchLogSink; sleeps: number[] } {
    const sleeps: number[] = [];
    const sink = new CloudWatchLogSink({
      client,
      logGroup: LOG_GROUP,
      pollMs: 250,
      sleep: async (ms) => {
        sleeps.push(ms);
        onSleep(sleeps.length);
      },
      ...o,
    });
    return { sink, sleeps };
  }

  describe('Method: read', () => {
    it('joins every page in order, one line per event, and stops when the forward token repeats', async () => {
      serve(['one', 'two', 'three', 'four', 'five']);

      const text = await new CloudWatchLogSink({ client, logGroup: LOG_GROUP }).read(launched(aPod()));

      expect(text).toBe('one\ntwo\nthree\nfour\nfive\n');
      expect(sentTokens()).toEqual([undefined, 'f/2', 'f/4', 'f/5']);
    });

    it('keeps paging past an empty page when its token is new', async () => {
      logs
        .on(GetLogEventsCommand)
        .resolvesOnce({ events: [{ message: 'before' }], nextForwardToken: 'f/1' })
        .resolvesOnce({ events: [], nextForwardToken: 'f/2' })
        .resolvesOnce({ events: [{ message: 'after' }], nextForwardToken: 'f/3' })
        .resolvesOnce({ events: [], nextForwardToken: 'f/3' });

      const text = await new CloudWatchLogSink({ client, logGroup: LOG_GROUP }).read(launched(aPod()));

      expect(text).toBe('before\nafter\n');
      expect(logs).toHaveReceivedCommandTimes(GetLogEventsCommand, 4);
    });

    it('asks for the log group and the task container stream from the head', async () => {
      serve([]);

      await new CloudWatchLogSink({ client, logGroup: LOG_GROUP }).read(launched(aPod()));

      expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input).toEqual({
        logGroupName: LOG_GROUP,
        logStreamName: STREAM,
        startFromHead: true,
      });
      expect(logs).toHaveReceivedCommandWith(GetLogEventsCommand, {
        logGroupName: LOG_GROUP,
        logStreamName: STREAM,
        startFromHead: true,
        nextToken: 'f/0',
      });
    });

    it('names the stream with the configured awslogs-stream-prefix', async () => {
      serve([]);

      await new CloudWatchLogSink({ client, logGroup: LOG_GROUP, streamPrefix: 'batch' }).read(launched(aPod()));

      expect(logs).toHaveReceivedCommandWith(GetLogEventsCommand, { logStreamName: 'batch/hello/0123456789abcdef' });
    });

    it('returns an empty log without calling CloudWatch when the pod has no task yet', async () => {
      serve(['not this pod']);

      const text = await new CloudWatchLogSink({ client, logGroup: LOG_GROUP }).read(aPod());

      expect(text).toBe('');
      expect(logs).not.toHaveReceivedCommand(GetLogEventsCommand);
    });

    it('returns an empty log when the stream does not exist yet', async () => {
      logs.on(GetLogEventsCommand).rejects(notFound());

      await expect(new CloudWatchLogSink({ client, logGroup: LOG_GROUP }).read(launched(aPod()))).resolves.toBe('');
    });

    it('rejects with the SDK error when access is denied', async () => {
      logs.on(GetLogEventsCommand).rejects(accessDenied());

      await expect(new CloudWatchLogSink({ client, logGroup: LOG_GROUP }).read(launched(aPod()))).rejects.toThrow(
        AccessDeniedException,
      );
    });
  });

  describe('Method: follow', () => {
    it('emits lines written between polls, each once, until the signal aborts', async () => {
      const stream = serve(['one', 'two', 'three']);
      const controller = new AbortController();
      const written = [['four'], [], ['five', 'six']];
      const { sink, sleeps } = sinkWith(() => {
        const next = written.shift();
        if (next === undefined) controller.abort();
        else stream.push(...next);
      });
      const chunks: string[] = [];

      await sink.follow(launched(aPod()), (chunk) => chunks.push(chunk), controller.signal);

      expect(chunks).toEqual(['one\ntwo\n', 'three\n', 'four\n', 'five\nsix\n']);
      expect(sleeps).toEqual([250, 250, 250, 250]);
      expect(sentTokens().filter((token) => token === undefined)).toHaveLength(1); // from the head once, then resumes
    });

    it('learns the task ARN by refreshing the pod, then stops refreshing and reads its stream', async () => {
      serve(['hello from the task']);
      const controller = new AbortController();
      const refreshed: number[] = [];
      const { sink } = sinkWith((polls) => polls === 4 && controller.abort(), {
        refresh: async (pod) => {
          refreshed.push(logs.commandCalls(GetLogEventsCommand).length);
          return refreshed.length < 3 ? pod : launched(pod);
        },
      });
      let out = '';

      await sink.follow(aPod(), (chunk) => (out += chunk), controller.signal);

      expect(out).toBe('hello from the task\n');
      expect(refreshed).toEqual([0, 0, 0]); // three polls without a task, no request before the ARN is known
      expect(logs).toHaveReceivedCommandWith(GetLogEventsCommand, { logStreamName: STREAM });
    });

    it('returns when the pod is deleted before its task is launched', async () => {
      const controller = new AbortController();
      let refreshes = 0;
      const { sink, sleeps } = sinkWith((polls) => polls === 3 && controller.abort(), {
        refresh: async () => {
          refreshes++;
          if (refreshes === 5) controller.abort(); // ends a follow that would keep polling a deleted pod
          return undefined;
        },
      });

      await sink.follow(aPod(), () => {}, controller.signal);

      expect(refreshes).toBe(1);
      expect(sleeps).toEqual([]);
      expect(logs).not.toHaveReceivedCommand(GetLogEventsCommand);
    });

    it('waits for a stream that does not exist yet', async () => {
      logs
        .on(GetLogEventsCommand)
        .rejectsOnce(notFound())
        .resolvesOnce({ events: [{ message: 'started' }], nextForwardToken: 'f/1' })
        .resolves({ events: [], nextForwardToken: 'f/1' });
      const controller = new AbortController();
      const { sink } = sinkWith((polls) => polls === 2 && controller.abort());
      let out = '';

      await sink.follow(launched(aPod()), (chunk) => (out += chunk), controller.signal);

      expect(out).toBe('started\n');
    });

    it('sends nothing when the signal has already aborted', async () => {
      serve(['one']);
      const { sink } = sinkWith(() => {});

      await sink.follow(launched(aPod()), () => {}, AbortSignal.abort());

      expect(logs).not.toHaveReceivedCommand(GetLogEventsCommand);
    });

    it('resolves when aborted while a request is in flight', async () => {
      const controller = new AbortController();
      logs.on(GetLogEventsCommand).callsFake(async () => {
        controller.abort();
        throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
      });
      const { sink } = sinkWith(() => {});

      await expect(sink.follow(launched(aPod()), () => {}, controller.signal)).resolves.toBeUndefined();
    });

    it('emits nothing that arrives after the signal aborted', async () => {
      const controller = new AbortController();
      logs.on(GetLogEventsCommand).callsFake(async () => {
        controller.abort();
        return { events: [{ message: 'too late' }], nextForwardToken: 'f/1' };
      });
      const { sink } = sinkWith(() => {});
      const chunks: string[] = [];

      await sink.follow(launched(aPod()), (chunk) => chunks.push(chunk), controller.signal);

      expect(chunks).toEqual([]);
      expect(logs).toHaveReceivedCommandTimes(GetLogEventsCommand, 1);
    });

    it('rejects with the SDK error when access is denied and the signal has not aborted', async () => {
      logs.on(GetLogEventsCommand).rejects(accessDenied());
      const { sink } = sinkWith(() => {});

      await expect(sink.follow(launched(aPod()), () => {}, new AbortController().signal)).rejects.toThrow(
        AccessDeniedException,
      );
    });
  });

  describe('Method: remove', () => {
    it('leaves the log in CloudWatch for the log group retention to expire', async () => {
      const sink: LogSink = new CloudWatchLogSink({ client, logGroup: LOG_GROUP });

      await sink.remove(launched(aPod()));

      expect(logs.calls()).toHaveLength(0);
    });
  });
});
