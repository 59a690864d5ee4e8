import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  isNewer,
  parseTaskStateChange,
  taskReportOf,
  type TaskReport,
} from '../../../../src/adapters/ecs/ecs-task-events.ts';

/** An event as parsed JSON: the tests reach into it, break it (delete, retype fields) and hand it to the parser. */
// biome-ignore lint/suspicious/noExplicitAny: fixtures the tests reshape freely, malformed on purpose, before parsing
type EventJson = Record<string, any>;

// Fixtures: test/fixtures/aws/README.md says which are verbatim AWS documentation examples and which are derived.
function fixture(name: string): EventJson {
  return JSON.parse(readFileSync(new URL(`../../../fixtures/aws/${name}`, import.meta.url), 'utf8')) as EventJson;
}

const ours = 'jobctl:default:hello-28433000:hello-28433000-x7k2q:0';
const task = { namespace: 'default', jobName: 'hello-28433000', podName: 'hello-28433000-x7k2q' };

/** The documented event, as if jobctl had launched the task. */
function withOurGroup(event: EventJson, group = ours): EventJson {
  const copy = structuredClone(event);
  copy['detail'].group = group;
  return copy;
}

describe('parseTaskStateChange', () => {
  it('reads the AWS documentation example (RUNNING, version 4)', () => {
    const change = parseTaskStateChange(fixture('task-state-change-running.aws-docs.json'));

    expect(change).toEqual({
      taskArn: 'arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/c13b4cb40f1f4fe4a2971f76ae5a47ad',
      clusterArn: 'arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster',
      lastStatus: 'RUNNING',
      desiredStatus: 'RUNNING',
      version: 4,
      startedAtMs: Date.parse('2020-01-23T17:57:58.103Z'),
      updatedAtMs: Date.parse('2020-01-23T17:57:58.103Z'),
      container: { name: 'FargateApp', lastStatus: 'RUNNING' },
    });
  });

  it('decodes the pod identity from detail.group', () => {
    expect(parseTaskStateChange(withOurGroup(fixture('task-state-change-running.aws-docs.json'))).identity).toEqual({
      ...task,
      attempt: 0,
    });
  });

  it('reads the Fargate Spot termination notice example', () => {
    const change = parseTaskStateChange(fixture('task-state-change-spot-interruption.aws-docs.json'));

    expect(change).toMatchObject({
      lastStatus: 'RUNNING',
      desiredStatus: 'STOPPED',
      stopCode: 'TerminationNotice',
      stoppedReason: 'Your Spot Task was interrupted.',
      version: 3,
    });
    expect(change.container).toBeUndefined();
  });

  it('reads a stopped task: stop code, reason, exit code, stoppedAt', () => {
    const change = parseTaskStateChange(fixture('task-state-change-stopped-exit-1.derived.json'));

    expect(change).toMatchObject({
      lastStatus: 'STOPPED',
      stopCode: 'EssentialContainerExited',
      stoppedReason: 'Essential container in task exited',
      container: { name: 'hello', lastStatus: 'STOPPED', exitCode: 1 },
      stoppedAtMs: Date.parse('2020-01-23T17:58:30.826Z'),
      startedBy: 'default/hello-28433000-x7k2q/0',
      version: 6,
    });
  });

  it.each([
    {
      name: 'another source',
      mutate: (e: EventJson) => (e['source'] = 'aws.ec2'),
      message: /source: expected "aws.ecs"/,
    },
    {
      name: 'another detail-type',
      mutate: (e: EventJson) => (e['detail-type'] = 'ECS Container Instance State Change'),
      message: /detail-type/,
    },
    { name: 'no taskArn', mutate: (e: EventJson) => delete e['detail'].taskArn, message: /detail.taskArn/ },
    {
      name: 'no version',
      mutate: (e: EventJson) => delete e['detail'].version,
      message: /detail.version: expected an integer/,
    },
  ])('throws a TypeError naming the field for $name', ({ mutate, message }) => {
    const event = fixture('task-state-change-running.aws-docs.json');
    mutate(event);

    expect(() => parseTaskStateChange(event)).toThrow(message);
  });
});

describe('taskReportOf', () => {
  const stopped = (mutate: (d: EventJson) => void = () => {}) => {
    const event = fixture('task-state-change-stopped-exit-1.derived.json');
    mutate(event['detail']);
    return taskReportOf(parseTaskStateChange(event));
  };
  const finishedAtMs = Date.parse('2020-01-23T17:58:30.826Z');
  const startedAtMs = Date.parse('2020-01-23T17:57:58.103Z');

  it('reports RUNNING as started at startedAt', () => {
    expect(
      taskReportOf(parseTaskStateChange(withOurGroup(fixture('task-state-change-running.aws-docs.json')))),
    ).toEqual({ kind: 'started', task, attempt: 0, atMs: startedAtMs });
  });

  it('ignores tasks jobctl did not start', () => {
    expect(taskReportOf(parseTaskStateChange(fixture('task-state-change-running.aws-docs.json')))).toMatchObject({
      kind: 'none',
    });
  });

  it('ignores intermediate states, and the Spot termination notice before the task stops', () => {
    expect(
      taskReportOf(parseTaskStateChange(withOurGroup(fixture('task-state-change-spot-interruption.aws-docs.json')))),
    ).toMatchObject({ kind: 'none' });
  });

  const cases: Array<{ name: string; mutate?: (d: EventJson) => void; expected: TaskReport }> = [
    {
      name: 'essential container exited 1 → Error',
      expected: {
        kind: 'exited',
        exit: { ...task, exitCode: 1, reason: 'Error', finishedAtMs },
        attempt: 0,
        startedAtMs,
      },
    },
    {
      name: 'exit 0 → Completed',
      mutate: (d) => (d['containers'][0].exitCode = 0),
      expected: {
        kind: 'exited',
        exit: { ...task, exitCode: 0, reason: 'Completed', finishedAtMs },
        attempt: 0,
        startedAtMs,
      },
    },
    {
      name: 'killed for memory → OOMKilled',
      mutate: (d) =>
        Object.assign(d['containers'][0], {
          exitCode: 137,
          reason: 'OutOfMemoryError: Container killed due to memory usage',
        }),
      expected: {
        kind: 'exited',
        exit: { ...task, exitCode: 137, reason: 'OOMKilled', finishedAtMs },
        attempt: 0,
        startedAtMs,
      },
    },
    {
      name: 'StopTask by the controller → its reason',
      mutate: (d) => {
        Object.assign(d, { stopCode: 'UserInitiated', stoppedReason: 'DeadlineExceeded' });
        d['containers'][0].exitCode = 143;
      },
      expected: {
        kind: 'exited',
        exit: { ...task, exitCode: 143, reason: 'DeadlineExceeded', finishedAtMs },
        attempt: 0,
        startedAtMs,
      },
    },
    {
      name: 'Spot interruption without an exit code → 137 SpotInterruption',
      mutate: (d) =>
        Object.assign(d, { stopCode: 'SpotInterruption', stoppedReason: 'Your Spot Task was interrupted.' }) &&
        delete d['containers'][0].exitCode,
      expected: {
        kind: 'exited',
        exit: { ...task, exitCode: 137, reason: 'SpotInterruption', finishedAtMs },
        attempt: 0,
        startedAtMs,
      },
    },
    {
      name: 'a later attempt (OnFailure restart) is reported as such',
      mutate: (d) => (d['group'] = 'jobctl:default:hello-28433000:hello-28433000-x7k2q:2'),
      expected: {
        kind: 'exited',
        exit: { ...task, exitCode: 1, reason: 'Error', finishedAtMs },
        attempt: 2,
        startedAtMs,
      },
    },
  ];

  it.each(cases)('reports STOPPED: $name', ({ mutate, expected }) => {
    expect(stopped(mutate)).toEqual(expected);
  });

  it('reports a task that never started (CannotPullContainerError) as exit 128 StartError, with no start', () => {
    const report = taskReportOf(parseTaskStateChange(fixture('task-state-change-cannot-pull.derived.json')));

    expect(report).toEqual({
      kind: 'exited',
      exit: { ...task, exitCode: 128, reason: 'StartError', finishedAtMs: Date.parse('2020-01-23T17:58:04.221Z') },
      attempt: 0,
    });
  });
});

describe('isNewer', () => {
  it('applies each detail.version once: duplicates and late older events are dropped', () => {
    const deliveries = [4, 4, 6, 5, 6, 7]; // at least once, out of order
    let lastSeen: number | undefined;
    const applied: number[] = [];
    for (const version of deliveries) {
      if (!isNewer(version, lastSeen)) continue;
      applied.push(version);
      lastSeen = version;
    }

    expect(applied).toEqual([4, 6, 7]);
  });

  it('applies the first event seen for a task', () => {
    expect(isNewer(1, undefined)).toBe(true);
  });
});
