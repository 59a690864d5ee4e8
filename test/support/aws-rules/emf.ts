/**
 * CloudWatch's embedded metric format (EMF), as its specification states it, so a test can tell a log line CloudWatch
 * would turn into metrics from one it would drop: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
 * CloudWatch_Embedded_Metric_Format_Specification.html
 *
 * Two parts: {@link EMF_JSON_SCHEMA}, a JSON Schema of the document structure written from the specification's
 * sections (validated with zod's `fromJSONSchema`), and the rules a JSON Schema cannot say, checked in code: every
 * dimension key and metric name names a member of the root (a "target member"), a dimension's value is a string of at
 * most 1024 characters, a metric's value a number or an array of at most 100 numbers, and the timestamp within the
 * 14 days before and 2 hours after the event's reception (here: `nowMs`).
 */
import { z } from 'zod';

/** The CloudWatch units a MetricDefinition may name (the specification links MetricDatum's `Unit`). */
const UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
];

/**
 * The document structure. "Unless otherwise noted, objects defined by this specification MUST NOT contain any
 * additional members": the metadata object, MetricDirective and MetricDefinition are closed; the root is open (it
 * "MAY contain any other members").
 */
export const EMF_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'CloudWatch embedded metric format document',
  type: 'object',
  required: ['_aws'],
  properties: {
    // Metadata object: CloudWatchMetrics (MetricDirective[]) and Timestamp (ms since the epoch) are required.
    _aws: {
      type: 'object',
      additionalProperties: false,
      required: ['Timestamp', 'CloudWatchMetrics'],
      properties: {
        Timestamp: { type: 'integer', minimum: 0 },
        CloudWatchMetrics: {
          type: 'array',
          minItems: 1,
          items: {
            // MetricDirective
            type: 'object',
            additionalProperties: false,
            required: ['Namespace', 'Dimensions', 'Metrics'],
            properties: {
              Namespace: { type: 'string', minLength: 1, maxLength: 1024 },
              // DimensionSet[]: each at most 30 keys; an empty DimensionSet publishes the metric without dimensions.
              Dimensions: {
                type: 'array',
                items: { type: 'array', maxItems: 30, items: { type: 'string', minLength: 1 } },
              },
              // MetricDefinition[]: at most 100 per directive.
              Metrics: {
                type: 'array',
                minItems: 1,
                maxItems: 100,
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['Name'],
                  properties: {
                    Name: { type: 'string', minLength: 1, maxLength: 1024 },
                    Unit: { enum: UNITS },
                    StorageResolution: { enum: [1, 60] },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

const schema = z.fromJSONSchema(EMF_JSON_SCHEMA as Parameters<typeof z.fromJSONSchema>[0]);

const DAY_MS = 24 * 3600 * 1000;

/**
 * What is wrong with one log line as an EMF document: `[]` when CloudWatch would extract its metrics. The line must
 * be the JSON object alone ("no additional data at the beginning or end of the LogEvent message").
 */
export function emfProblems(line: string, nowMs: number): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  if (line.trim() !== line || line.includes('\n')) return ['not one line'];
  const parsed = schema.safeParse(doc);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  const root = doc as Record<string, unknown>;
  const meta = root['_aws'] as { Timestamp: number; CloudWatchMetrics: Array<Record<string, unknown>> };
  const problems: string[] = [];
  if (meta.Timestamp < nowMs - 14 * DAY_MS || meta.Timestamp > nowMs + 2 * 3600 * 1000)
    problems.push('_aws.Timestamp: more than 14 days in the past or 2 hours in the future');
  meta.CloudWatchMetrics.forEach((directive, d) => {
    for (const set of directive['Dimensions'] as string[][]) {
      for (const key of set) {
        const value = root[key];
        if (typeof value !== 'string') problems.push(`dimension ${key}: the root has no string member of that name`);
        else if (value.length === 0 || value.length > 1024) problems.push(`dimension ${key}: 1 to 1024 characters`);
      }
    }
    for (const metric of directive['Metrics'] as Array<{ Name: string }>) {
      const value = root[metric.Name];
      const values = Array.isArray(value) ? value : [value];
      if (values.length > 100) problems.push(`CloudWatchMetrics[${d}] ${metric.Name}: more than 100 values`);
      if (values.length === 0 || values.some((v) => typeof v !== 'number' || !Number.isFinite(v)))
        problems.push(`CloudWatchMetrics[${d}] ${metric.Name}: the root member must be a number or numbers`);
    }
  });
  return problems;
}
