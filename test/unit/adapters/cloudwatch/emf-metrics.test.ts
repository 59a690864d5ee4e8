import { describe, expect, it } from 'vitest';
import { EmfMetricsSink, emfDocument } from '../../../../src/adapters/cloudwatch/emf-metrics.ts';
import type { MetricEvent } from '../../../../src/ports/metrics.ts';
import { emfProblems } from '../../../support/aws-rules/emf.ts';

const NOW = Date.parse('2026-03-02T10:01:02Z');

const EVENTS: MetricEvent[] = [
  { type: 'slots', namespace: 'default', cronJob: 'hello', outcome: 'NotDispatched', count: 3, atMs: NOW },
  { type: 'jobScheduled', namespace: 'default', cronJob: 'hello', job: 'hello-29', skewSeconds: 2, atMs: NOW },
  {
    type: 'jobFinished',
    namespace: 'default',
    job: 'hello-29',
    cronJob: 'hello',
    condition: 'Complete',
    durationSeconds: 5,
    atMs: NOW,
  },
  { type: 'jobFinished', namespace: 'default', job: 'pi', condition: 'Failed', atMs: NOW },
];

describe('EmfMetricsSink', () => {
  it('writes one valid EMF line per event (the specification’s schema and target-member rules)', () => {
    const lines: string[] = [];
    const sink = new EmfMetricsSink({ write: (line) => lines.push(line) });
    for (const event of EVENTS) sink.record(event);
    expect(lines).toHaveLength(EVENTS.length);
    for (const line of lines) expect(emfProblems(line, NOW), line).toEqual([]);
  });

  it('publishes slots per CronJob and outcome, and per outcome alone for the stack-wide alarm', () => {
    expect(emfDocument(EVENTS[0]!)).toEqual({
      _aws: {
        Timestamp: NOW,
        CloudWatchMetrics: [
          {
            Namespace: 'jobctl',
            Dimensions: [['Namespace', 'CronJob', 'Outcome'], ['Outcome']],
            Metrics: [{ Name: 'Slots', Unit: 'Count' }],
          },
        ],
      },
      Namespace: 'default',
      CronJob: 'hello',
      Outcome: 'NotDispatched',
      Slots: 3,
    });
  });

  it(
    'publishes skew and run time per CronJob and without dimensions; a finished Job counts 1 as succeeded or ' +
      'failed and 0 as the other',
    () => {
      expect(emfDocument(EVENTS[1]!)).toMatchObject({
        _aws: { CloudWatchMetrics: [{ Dimensions: [['Namespace', 'CronJob'], []] }] },
        ScheduleSkew: 2,
        Job: 'hello-29',
      });
      expect(emfDocument(EVENTS[2]!)).toMatchObject({
        _aws: {
          CloudWatchMetrics: [
            {
              Metrics: [
                { Name: 'RunDuration', Unit: 'Seconds' },
                { Name: 'JobsSucceeded', Unit: 'Count' },
                { Name: 'JobsFailed', Unit: 'Count' },
              ],
            },
          ],
        },
        RunDuration: 5,
        JobsSucceeded: 1,
        JobsFailed: 0,
        Condition: 'Complete',
      });
      // A Job no CronJob controls: per namespace; one that never started: no run time.
      const standalone = emfDocument(EVENTS[3]!);
      expect(standalone).toMatchObject({
        _aws: { CloudWatchMetrics: [{ Dimensions: [['Namespace'], []] }] },
        JobsSucceeded: 0,
        JobsFailed: 1,
      });
      expect(standalone).not.toHaveProperty('RunDuration');
      expect(standalone).not.toHaveProperty('CronJob');
    },
  );
});

// biome-ignore lint/suspicious/noExplicitAny: a parsed document whose nested members each case overwrites by name
type Doc = Record<string, any>;

describe('the EMF check', () => {
  const valid = JSON.stringify(emfDocument(EVENTS[1]!));
  const edit = (change: (doc: Doc) => void) => {
    const doc = JSON.parse(valid) as Doc;
    change(doc);
    return JSON.stringify(doc);
  };

  it('fails documents CloudWatch would drop', () => {
    expect(emfProblems(valid, NOW)).toEqual([]);
    expect(emfProblems(`INFO ${valid}`, NOW)).toEqual([expect.stringMatching(/not JSON/)]);
    expect(
      emfProblems(
        edit((d) => delete d['_aws'].Timestamp),
        NOW,
      ),
    ).toEqual([expect.stringMatching(/Timestamp/)]);
    expect(
      emfProblems(
        edit((d) => (d['_aws'].Timestamp = 1.5)),
        NOW,
      ),
    ).not.toEqual([]);
    expect(
      emfProblems(
        edit((d) => (d['_aws'].Extra = 1)),
        NOW,
      ),
    ).toEqual([expect.stringMatching(/Extra/)]);
    expect(
      emfProblems(
        edit((d) => (d['_aws'].CloudWatchMetrics[0].Metrics[0].Unit = 'Secs')),
        NOW,
      ),
    ).not.toEqual([]);
    expect(
      emfProblems(
        edit((d) => delete d['CronJob']),
        NOW,
      ),
    ).toEqual([expect.stringMatching(/dimension CronJob/)]);
    expect(
      emfProblems(
        edit((d) => (d['CronJob'] = 7)),
        NOW,
      ),
    ).toEqual([expect.stringMatching(/dimension CronJob/)]);
    expect(
      emfProblems(
        edit((d) => (d['ScheduleSkew'] = 'two')),
        NOW,
      ),
    ).toEqual([expect.stringMatching(/ScheduleSkew: the root member must be a number/)]);
    expect(
      emfProblems(
        edit((d) => (d['ScheduleSkew'] = Array.from({ length: 101 }, () => 1))),
        NOW,
      ),
    ).toEqual([expect.stringMatching(/more than 100 values/)]);
    expect(
      emfProblems(
        edit((d) => (d['_aws'].Timestamp = NOW - 15 * 24 * 3600_000)),
        NOW,
      ),
    ).toEqual([expect.stringMatching(/14 days/)]);
    const tooMany = Array.from({ length: 31 }, (_, i) => `D${i}`);
    expect(
      emfProblems(
        edit((d) => {
          d['_aws'].CloudWatchMetrics[0].Dimensions = [tooMany];
          for (const k of tooMany) d[k] = 'x';
        }),
        NOW,
      ),
    ).not.toEqual([]);
  });
});
