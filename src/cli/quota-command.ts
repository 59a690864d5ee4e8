/**
 * `kind: ResourceQuota` in the CLI: `get|describe|delete resourcequota` (also `quota`), kubectl's columns and forms,
 * over the connection's `QuotaObjects` port. `apply -f` of a quota is in apply.ts with the other kinds.
 */
import { assertNever, NotFoundError } from '../errors.ts';
import type { QuotaObjects, ResourceQuotaView } from '../ports/resource-quotas.ts';
import { translateTimestampSince } from './human-duration.ts';
import type { CliIo } from './io.ts';
import { loadYaml, noResourcesMessage, toJson, toYaml } from './printers/output.ts';
import { formatTable } from './printers/table.ts';
import type { QueueOutputFormat } from './queue-command.ts';

const QUOTA_TYPES = new Set(['resourcequotas', 'resourcequota', 'quota']);

/** `resourcequotas`, `resourcequota` or `quota`, as kubectl names the resource. */
export function isResourceQuotaType(type: string): boolean {
  return QUOTA_TYPES.has(type.toLowerCase());
}

/** kubectl's NotFound for a quota. */
export function quotaNotFound(name: string): NotFoundError {
  return new NotFoundError(`Error from server (NotFound): resourcequotas "${name}" not found`);
}

/** A quota as `-o json|yaml` prints it: the manifest (it can be applied back) with `status.hard` and `status.used`. */
interface ResourceQuotaObject {
  apiVersion: 'v1';
  kind: 'ResourceQuota';
  metadata: { name: string; namespace: string; creationTimestamp: string };
  spec: { hard: { pods: string } };
  status: { hard: { pods: string }; used: { pods: string } };
}

/**
 * `get resourcequota [NAME]`: kubectl's `NAME AGE REQUEST LIMIT` table (`pods` is a count, shown under REQUEST as
 * `pods: used/hard`), `-o wide` adding the Jobs waiting for a slot, or the objects as JSON/YAML/names.
 */
export async function printResourceQuotas(
  io: CliIo,
  quotas: QuotaObjects,
  namespace: string,
  name: string | undefined,
  options: { format: QueueOutputFormat; noHeaders?: boolean; nowMs: number },
): Promise<void> {
  const all = await quotas.list(namespace);
  const views = name === undefined ? all : all.filter((q) => q.name === name);
  if (name !== undefined && views.length === 0) throw quotaNotFound(name);
  if (views.length === 0) {
    io.stderr(`${noResourcesMessage(namespace)}\n`);
    return;
  }
  const single = name !== undefined;
  switch (options.format) {
    case 'json':
    case 'yaml': {
      const objects = views.map(toObject);
      const value = single
        ? objects[0]
        : { apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } };
      if (options.format === 'yaml') await loadYaml();
      io.stdout(options.format === 'json' ? toJson(value) : toYaml(value));
      return;
    }
    case 'name':
      for (const v of views) io.stdout(`resourcequota/${v.name}\n`);
      return;
    case 'table':
    case 'wide': {
      const isWide = options.format === 'wide';
      const header = ['NAME', 'AGE', 'REQUEST', 'LIMIT', ...(isWide ? ['WAITING-JOBS'] : [])];
      const rows = views.map((v) => [
        v.name,
        translateTimestampSince(v.creationTimestamp, options.nowMs),
        `pods: ${v.used.pods}/${v.hard.pods}`,
        '',
        ...(isWide ? [String(v.waiting ?? 0)] : []),
      ]);
      io.stdout(formatTable(options.noHeaders ? rows : [header, ...rows]));
      return;
    }
    default:
      assertNever(options.format, 'output format');
  }
}

/** `describe resourcequota [NAME]`: kubectl's layout (Resource / Used / Hard), plus the Jobs waiting for a slot. */
export async function describeResourceQuotas(
  io: CliIo,
  quotas: QuotaObjects,
  namespace: string,
  name: string | undefined,
): Promise<void> {
  const all = await quotas.list(namespace);
  const views = name === undefined ? all : all.filter((q) => q.name === name || q.name.startsWith(name));
  if (views.length === 0) {
    if (name !== undefined) throw quotaNotFound(name);
    io.stderr(`${noResourcesMessage(namespace)}\n`);
    return;
  }
  const described = views.map((v) =>
    [
      `Name:          ${v.name}`,
      `Namespace:     ${v.namespace}`,
      `Waiting Jobs:  ${v.waiting ?? 0}`,
      formatTable([
        ['Resource', 'Used', 'Hard'],
        ['--------', '----', '----'],
        ['pods', String(v.used.pods), String(v.hard.pods)],
      ]).trimEnd(),
    ].join('\n'),
  );
  io.stdout(`${described.join('\n\n\n')}\n`);
}

function toObject(v: ResourceQuotaView): ResourceQuotaObject {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: v.name, namespace: v.namespace, creationTimestamp: v.creationTimestamp },
    spec: { hard: { pods: String(v.hard.pods) } },
    status: { hard: { pods: String(v.hard.pods) }, used: { pods: String(v.used.pods) } },
  };
}
