import type { MetricFamily, MetricLabels } from '../../spec/metrics.ts';

/**
 * Prometheus' text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): what every Prometheus server
 * and agent scrapes. Written here rather than with prom-client (Apache-2.0, well kept): its registry holds metric
 * objects with fixed label names for the life of the process, while jobctl's state metrics are computed afresh at
 * each scrape from stored objects (src/engine/metrics.ts) and only need rendering; it would also add
 * `@opentelemetry/api` and `tdigest` to the package for about a hundred lines of formatting.
 */

/** The `Content-Type` of a 0.0.4 exposition. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The families as one exposition: per family `# HELP` and `# TYPE`, then its samples; a histogram's series as
 * `_bucket{le="…"}` (cumulative, ending with `le="+Inf"`), `_sum` and `_count`. Throws on a name the format does not
 * allow (a bug, not data: label values are escaped, names are not).
 *
 * @example
 * renderExposition([{ name: 'up', help: 'Up.', type: 'gauge', samples: [{ labels: {}, value: 1 }] }]);
 * // '# HELP up Up.\n# TYPE up gauge\nup 1\n'
 */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const family of families) {
    checkMetricName(family.name);
    if (seen.has(family.name)) throw new Error(`metric family ${family.name} appears twice`);
    seen.add(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    if (family.type !== 'histogram') {
      for (const s of family.samples) lines.push(`${family.name}${labelSet(s.labels)} ${formatValue(s.value)}`);
      continue;
    }
    checkBuckets(family.name, family.buckets);
    for (const s of family.series) {
      if ('le' in s.labels) throw new Error(`${family.name}: a histogram's series may not have the label "le"`);
      if (s.cumulativeCounts.length !== family.buckets.length)
        throw new Error(`${family.name}: ${s.cumulativeCounts.length} counts for ${family.buckets.length} buckets`);
      family.buckets.forEach((le, i) => {
        const labels = { ...s.labels, le: formatValue(le) };
        lines.push(`${family.name}_bucket${labelSet(labels)} ${formatValue(s.cumulativeCounts[i]!)}`);
      });
      lines.push(`${family.name}_bucket${labelSet({ ...s.labels, le: '+Inf' })} ${formatValue(s.count)}`);
      lines.push(`${family.name}_sum${labelSet(s.labels)} ${formatValue(s.sum)}`);
      lines.push(`${family.name}_count${labelSet(s.labels)} ${formatValue(s.count)}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** `{a="1",b="2"}`, or nothing for no labels; values escaped as the format says: `\\`, `\"`, `\n`. */
function labelSet(labels: MetricLabels): string {
  const pairs = Object.entries(labels);
  if (pairs.length === 0) return '';
  for (const [name] of pairs) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) throw new Error(`invalid label name "${name}"`);
  }
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed escaped (a double quote is not, unlike in label values). */
export function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Go's ParseFloat reads it: `NaN`, `+Inf`, `-Inf`, or the number. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function checkMetricName(name: string): void {
  if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name "${name}"`);
}

function checkBuckets(name: string, buckets: readonly number[]): void {
  for (let i = 0; i < buckets.length; i++) {
    if (!Number.isFinite(buckets[i]!) || (i > 0 && buckets[i]! <= buckets[i - 1]!))
      throw new Error(`${name}: bucket bounds must be finite and ascending`);
  }
}
