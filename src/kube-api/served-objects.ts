import { createHash } from 'node:crypto';
import { eventSource } from '../cli/printers/describe.ts';
import { asServed } from '../cli/printers/output.ts';
import { objectRow, tableHeaders } from '../cli/printers/table.ts';
import { translateTimestampSince } from '../cli/human-duration.ts';
import type { KubeEvent, KubeObject } from '../spec/types.ts';
import type { ServedKind } from './api-resources.ts';

/**
 * Objects as the API server serves them: jobctl's CronJobs, Jobs and Pods as stored (status fields Kubernetes omits
 * when empty left out), its events as `v1/Event`s, the one namespace; and their `meta.k8s.io/v1` Tables with the
 * columns `kubectl get` prints (KUBECTL-API.md §5) — the same rows `jobctl get` prints.
 */

export type ServedObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
  };
};

/** The stored object behind a served one (not serialized): table rows are computed from it, defaults and all. */
const STORED = Symbol('stored');

export function served(obj: KubeObject): ServedObject {
  const out = asServed(obj) as unknown as ServedObject;
  Object.defineProperty(out, STORED, { value: obj, enumerable: false });
  return out;
}

function storedOf(obj: ServedObject): KubeObject {
  return ((obj as unknown as Record<symbol, KubeObject | undefined>)[STORED] ?? obj) as KubeObject;
}

/** The one namespace jobctl has. */
export function defaultNamespace(createdAt: string): ServedObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: 'default',
      uid: uidOf('namespace/default'),
      resourceVersion: '1',
      creationTimestamp: createdAt,
      labels: { 'kubernetes.io/metadata.name': 'default' },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

function uidOf(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * A stored event as a `v1/Event`: `describe` (the From column is `source.component`) and `kubectl events` read
 * `involvedObject`, `type`, `reason`, `message`, `count` and the timestamps. The name is stable for the same event.
 */
export function servedEvent(event: KubeEvent): ServedObject {
  const { involvedObject: o } = event;
  const name = `${o.name}.${createHash('sha256')
    .update(`${event.timestamp}\n${event.reason}\n${event.message}`)
    .digest('hex')
    .slice(0, 16)}`;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: o.namespace, uid: uidOf(`event/${o.namespace}/${name}`), resourceVersion: '1' },
    involvedObject: {
      kind: o.kind,
      namespace: o.namespace,
      name: o.name,
      apiVersion: o.kind === 'Pod' ? 'v1' : 'batch/v1',
    },
    reason: event.reason,
    message: event.message,
    type: event.type,
    source: { component: eventSource[o.kind] },
    firstTimestamp: event.timestamp,
    lastTimestamp: event.timestamp,
    count: 1,
    reportingComponent: eventSource[o.kind],
  };
}

interface Column {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'boolean' | 'date';
  readonly format: '' | 'name';
  readonly priority: 0 | 1;
}

/** "LAST SCHEDULE" → "Last Schedule": kubectl upper-cases a column's name itself. */
function columnName(header: string): string {
  return header
    .toLowerCase()
    .split(' ')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}

function columnsOf(kind: ServedKind): Column[] {
  switch (kind) {
    case 'CronJob':
    case 'Job':
    case 'Pod': {
      const narrow = tableHeaders(kind, false).length;
      return tableHeaders(kind, true).map((h, i) => ({
        name: columnName(h),
        type: 'string',
        format: i === 0 ? 'name' : '',
        priority: i < narrow ? 0 : 1,
      }));
    }
    case 'Event':
      return ['Last Seen', 'Type', 'Reason', 'Object', 'Message'].map((name) => ({
        name,
        type: 'string',
        format: '',
        priority: 0,
      }));
    case 'Namespace':
      return ['Name', 'Status', 'Age'].map((name, i) => ({
        name,
        type: 'string',
        format: i === 0 ? 'name' : '',
        priority: 0,
      }));
  }
}

function cellsOf(kind: ServedKind, obj: ServedObject, nowMs: number): string[] {
  switch (kind) {
    case 'CronJob':
    case 'Job':
    case 'Pod':
      return objectRow(storedOf(obj), { wide: true, nowMs });
    case 'Event': {
      const o = obj['involvedObject'] as { kind: string; name: string };
      return [
        translateTimestampSince(String(obj['lastTimestamp']), nowMs),
        String(obj['type']),
        String(obj['reason']),
        `${o.kind.toLowerCase()}/${o.name}`,
        String(obj['message']),
      ];
    }
    case 'Namespace':
      return [obj.metadata.name, 'Active', translateTimestampSince(obj.metadata.creationTimestamp!, nowMs)];
  }
}

/** `rows[].object`: PartialObjectMetadata by default, the whole object for `includeObject=Object` (`--sort-by`). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  readonly nowMs: number;
  readonly resourceVersion: string;
  readonly includeObject?: IncludeObject;
  /** Column definitions are sent once per watch (KUBECTL-API.md §6): later events carry none. */
  readonly withColumns?: boolean;
}

/** A `meta.k8s.io/v1` Table of `objects` of one kind. */
export function toTable(kind: ServedKind, objects: readonly ServedObject[], options: TableOptions): unknown {
  const include = options.includeObject ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: options.resourceVersion },
    columnDefinitions: options.withColumns === false ? [] : columnsOf(kind).map((c) => ({ ...c, description: '' })),
    rows: objects.map((o) => ({
      cells: cellsOf(kind, o, options.nowMs),
      ...(include === 'None'
        ? {}
        : {
            object:
              include === 'Object'
                ? o
                : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
          }),
    })),
  };
}
