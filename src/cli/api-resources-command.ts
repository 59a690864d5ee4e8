/**
 * `jobctl api-resources`: the resource types jobctl serves, as `kubectl api-resources` lists a server's (the command
 * kubectl's "You must specify the type of resource to get. Use "kubectl api-resources" …" points to). Ported from
 * staging/src/k8s.io/kubectl/pkg/cmd/apiresources/apiresources.go: its columns, and its default order (API group, then
 * name).
 */
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { formatTable } from './printers/index.ts';

/** One served resource type: the names every verb accepts for it (resources.ts, queue and quota commands). */
interface ApiResource {
  readonly name: string;
  readonly shortNames: readonly string[];
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

const RESOURCES: readonly ApiResource[] = [
  { name: 'cronjobs', shortNames: ['cj'], group: 'batch', version: 'v1', kind: 'CronJob' },
  { name: 'jobs', shortNames: [], group: 'batch', version: 'v1', kind: 'Job' },
  { name: 'pods', shortNames: ['po'], group: '', version: 'v1', kind: 'Pod' },
  { name: 'resourcequotas', shortNames: ['quota'], group: '', version: 'v1', kind: 'ResourceQuota' },
  { name: 'workqueues', shortNames: ['wq'], group: 'jobctl.dev', version: 'v1', kind: 'WorkQueue' },
];

/** The `kubectl api-resources` table of {@link RESOURCES}: every type is namespaced (jobctl serves `default`). */
export function apiResourcesTable(): string {
  const sorted = [...RESOURCES].sort((a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name));
  return formatTable([
    ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'],
    ...sorted.map((r) => [
      r.name,
      r.shortNames.join(','),
      r.group === '' ? r.version : `${r.group}/${r.version}`,
      'true',
      r.kind,
    ]),
  ]);
}

/** Adds `jobctl api-resources` to `program`. */
export function registerApiResourcesCommand(program: Command, ctx: Pick<CliContext, 'io'>): void {
  program
    .command('api-resources')
    .description('print the resource types jobctl serves, with their short names (kubectl api-resources)')
    .action(() => {
      ctx.io.stdout(apiResourcesTable());
    });
}
