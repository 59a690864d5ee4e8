import { describe, expect, it } from 'vitest';
import {
  EXPOSITION_CONTENT_TYPE,
  escapeHelp,
  escapeLabelValue,
  formatValue,
  renderExposition,
} from '../../../../src/adapters/prometheus/exposition.ts';

// Prometheus' text format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format):
// HELP and TYPE per family, label values escaped (\\ \" \n), HELP escaped (\\ \n), histograms as cumulative _bucket
// series ending with le="+Inf" (= _count), then _sum and _count.

describe('Prometheus text exposition 0.0.4', () => {
  it('renders a gauge and a counter with HELP, TYPE and labels in the order given', () => {
    expect(
      renderExposition([
        {
          name: 'kube_cronjob_status_active',
          help: 'Active holds pointers to currently running jobs.',
          type: 'gauge',
          samples: [
            { labels: { namespace: 'default', cronjob: 'hello' }, value: 1 },
            { labels: { namespace: 'default', cronjob: 'nightly' }, value: 0 },
          ],
        },
        { name: 'up_total', help: 'Up.', type: 'counter', samples: [{ labels: {}, value: 1772445600 }] },
      ]),
    ).toBe(
      [
        '# HELP kube_cronjob_status_active Active holds pointers to currently running jobs.',
        '# TYPE kube_cronjob_status_active gauge',
        'kube_cronjob_status_active{namespace="default",cronjob="hello"} 1',
        'kube_cronjob_status_active{namespace="default",cronjob="nightly"} 0',
        '# HELP up_total Up.',
        '# TYPE up_total counter',
        'up_total 1772445600',
        '',
      ].join('\n'),
    );
  });

  it('escapes backslash, double quote and line feed in label values, backslash and line feed in HELP', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('say "hi"\\\nbye')).toBe('say "hi"\\\\\\nbye');
    const text = renderExposition([
      { name: 'm', help: 'two\nlines', type: 'gauge', samples: [{ labels: { path: 'C:\\tmp "x"\n' }, value: 1 }] },
    ]);
    expect(text).toBe('# HELP m two\\nlines\n# TYPE m gauge\nm{path="C:\\\\tmp \\"x\\"\\n"} 1\n');
    // Each sample is one line whatever its label values hold.
    expect(text.split('\n')).toHaveLength(4);
  });

  it('renders a histogram as cumulative buckets ending with +Inf, then _sum and _count', () => {
    expect(
      renderExposition([
        {
          name: 'jobctl_cronjob_schedule_skew_seconds',
          help: 'Skew.',
          type: 'histogram',
          buckets: [1, 2.5, 60],
          series: [{ labels: { cronjob: 'hello' }, cumulativeCounts: [1, 2, 2], sum: 93.5, count: 3 }],
        },
      ]),
    ).toBe(
      [
        '# HELP jobctl_cronjob_schedule_skew_seconds Skew.',
        '# TYPE jobctl_cronjob_schedule_skew_seconds histogram',
        'jobctl_cronjob_schedule_skew_seconds_bucket{cronjob="hello",le="1"} 1',
        'jobctl_cronjob_schedule_skew_seconds_bucket{cronjob="hello",le="2.5"} 2',
        'jobctl_cronjob_schedule_skew_seconds_bucket{cronjob="hello",le="60"} 2',
        'jobctl_cronjob_schedule_skew_seconds_bucket{cronjob="hello",le="+Inf"} 3',
        'jobctl_cronjob_schedule_skew_seconds_sum{cronjob="hello"} 93.5',
        'jobctl_cronjob_schedule_skew_seconds_count{cronjob="hello"} 3',
        '',
      ].join('\n'),
    );
  });

  it('keeps HELP and TYPE of a family with no sample, and writes nothing for no family', () => {
    expect(renderExposition([{ name: 'm', help: 'h', type: 'gauge', samples: [] }])).toBe(
      '# HELP m h\n# TYPE m gauge\n',
    );
    expect(renderExposition([])).toBe('');
  });

  it('writes values as Go parses them: NaN, +Inf, -Inf, integers without a point', () => {
    expect([NaN, Infinity, -Infinity, 0, 3, 0.25, 1e-7].map(formatValue)).toEqual([
      'NaN',
      '+Inf',
      '-Inf',
      '0',
      '3',
      '0.25',
      '1e-7',
    ]);
  });

  it('refuses names the format does not allow, a family twice, and an "le" label on a histogram series', () => {
    const gauge = (name: string, labels: Record<string, string> = {}) => ({
      name,
      help: 'h',
      type: 'gauge' as const,
      samples: [{ labels, value: 1 }],
    });
    expect(() => renderExposition([gauge('jobctl-slots')])).toThrow(/invalid metric name/);
    expect(() => renderExposition([gauge('m', { 'cron-job': 'x' })])).toThrow(/invalid label name/);
    expect(() => renderExposition([gauge('m', { __name__: 'x' })])).toThrow(/invalid label name/);
    expect(() => renderExposition([gauge('m'), gauge('m')])).toThrow(/twice/);
    expect(() =>
      renderExposition([
        {
          name: 'h',
          help: 'h',
          type: 'histogram',
          buckets: [1],
          series: [{ labels: { le: '1' }, cumulativeCounts: [1], sum: 1, count: 1 }],
        },
      ]),
    ).toThrow(/"le"/);
    expect(() => renderExposition([{ name: 'h', help: 'h', type: 'histogram', buckets: [2, 1], series: [] }])).toThrow(
      /ascending/,
    );
  });

  it('is served as text/plain version 0.0.4', () => {
    expect(EXPOSITION_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
  });
});
