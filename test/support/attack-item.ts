import type { AttributeValue } from '@aws-sdk/client-dynamodb';

const S = (s: string): AttributeValue => ({ S: s });

/**
 * The audit's D1 item (RELIABILITY-AUDIT.md, attack.py): a Job written straight into the state table, as raw
 * AttributeValues, that runs `command`. `withConditions: false` leaves out `status.conditions`, as the D8 repro does.
 */
export function attackJobItem(
  name: string,
  command: readonly string[],
  options: { uid?: string; withConditions?: boolean } = {},
): Record<string, AttributeValue> {
  const uid = options.uid ?? 'u';
  const labels: AttributeValue = {
    M: {
      'batch.kubernetes.io/controller-uid': S(uid),
      'batch.kubernetes.io/job-name': S(name),
      'controller-uid': S(uid),
      'job-name': S(name),
    },
  };
  const status: Record<string, AttributeValue> = { active: { N: '0' }, succeeded: { N: '0' }, failed: { N: '0' } };
  if (options.withConditions !== false) status['conditions'] = { L: [] };
  const object: AttributeValue = {
    M: {
      apiVersion: S('batch/v1'),
      kind: S('Job'),
      metadata: {
        M: {
          name: S(name),
          namespace: S('default'),
          uid: S(uid),
          labels,
          creationTimestamp: S('2024-01-01T00:00:00Z'),
          resourceVersion: S('1'),
        },
      },
      spec: {
        M: {
          parallelism: { N: '1' },
          completions: { N: '1' },
          backoffLimit: { N: '0' },
          completionMode: S('NonIndexed'),
          suspend: { BOOL: false },
          selector: { M: { matchLabels: { M: { 'batch.kubernetes.io/controller-uid': S(uid) } } } },
          template: {
            M: {
              metadata: { M: { labels } },
              spec: {
                M: {
                  restartPolicy: S('Never'),
                  containers: { L: [{ M: { name: S('c'), image: S('x'), command: { L: command.map(S) } } }] },
                },
              },
            },
          },
        },
      },
      status: { M: status },
    },
  };
  return {
    PK: S(`Job#default#${name}`),
    SK: S('object'),
    kind: S('Job'),
    name: S(name),
    namespace: S('default'),
    rv: { N: '1' },
    GSI1PK: S('Job#default'),
    GSI1SK: S(name),
    object,
  };
}
