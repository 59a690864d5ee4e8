/**
 * The resources the Kubernetes API façade serves, in one table: discovery (aggregated and legacy), the OpenAPI
 * stub, routing and Tables all read it. Names, short names, categories and verbs are Kubernetes' own (`kubectl
 * api-resources` against a cluster), so `kubectl get cj`, `kubectl get all` and `kubectl api-resources` behave.
 */

/** A kind the façade serves: jobctl's objects, and the core kinds kubectl reads beside them. */
export type ServedKind = 'CronJob' | 'Job' | 'Pod' | 'Event' | 'Namespace';

export interface ApiResource {
  readonly kind: ServedKind;
  /** `''` is the core group (`/api/v1`). */
  readonly group: '' | 'batch';
  readonly version: 'v1';
  /** The plural in URLs. */
  readonly resource: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
  readonly subresources: ReadonlyArray<{ readonly name: string; readonly verbs: readonly string[] }>;
}

const OBJECT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS = { name: 'status', verbs: ['get', 'patch', 'update'] };

export const API_RESOURCES: readonly ApiResource[] = [
  {
    kind: 'CronJob',
    group: 'batch',
    version: 'v1',
    resource: 'cronjobs',
    singular: 'cronjob',
    shortNames: ['cj'],
    categories: ['all'],
    namespaced: true,
    verbs: OBJECT_VERBS,
    subresources: [STATUS],
  },
  {
    kind: 'Job',
    group: 'batch',
    version: 'v1',
    resource: 'jobs',
    singular: 'job',
    shortNames: [],
    categories: ['all'],
    namespaced: true,
    verbs: OBJECT_VERBS,
    subresources: [STATUS],
  },
  {
    kind: 'Pod',
    group: '',
    version: 'v1',
    resource: 'pods',
    singular: 'pod',
    shortNames: ['po'],
    categories: ['all'],
    namespaced: true,
    // Pods are made by their Job's controller, never posted (jobctl runs no bare pods).
    verbs: ['get', 'list', 'watch'],
    subresources: [{ name: 'log', verbs: ['get'] }, STATUS],
  },
  {
    kind: 'Event',
    group: '',
    version: 'v1',
    resource: 'events',
    singular: 'event',
    shortNames: ['ev'],
    categories: [],
    namespaced: true,
    verbs: ['get', 'list'],
    subresources: [],
  },
  {
    kind: 'Namespace',
    group: '',
    version: 'v1',
    resource: 'namespaces',
    singular: 'namespace',
    shortNames: ['ns'],
    categories: [],
    namespaced: false,
    verbs: ['get', 'list'],
    subresources: [],
  },
];

/** `batch/v1` or `v1`. */
export function apiVersionOf(r: Pick<ApiResource, 'group' | 'version'>): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** The resource at `group`/`version`/`resource` of a request path, if served. */
export function findResource(group: string, version: string, resource: string): ApiResource | undefined {
  return API_RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function resourceOfKind(kind: ServedKind): ApiResource {
  return API_RESOURCES.find((r) => r.kind === kind)!;
}
