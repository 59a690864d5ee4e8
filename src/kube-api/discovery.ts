import { createHash } from 'node:crypto';
import { API_RESOURCES, type ApiResource, apiVersionOf } from './api-resources.ts';

/**
 * Discovery as kubectl 1.27–1.33 reads it (../shared/KUBECTL-API.md §3): the aggregated form
 * (`apidiscovery.k8s.io/v2`, or `v2beta1` for kubectl ≤ 1.29), answered with exactly the Content-Type asked for, and
 * the legacy per-group lists for clients that ask for plain JSON. Then `/version` and an OpenAPI v3 stub whose PATCH
 * operations declare `fieldValidation`, so `kubectl create -f` and `apply` validate on the server (§4).
 */

/** The Kubernetes version the façade reports: the kubectl dispatcher picks its bundled kubectl by `minor`. */
export const SERVED_VERSION = { major: '1', minor: '32' } as const;

export type DiscoveryVersion = 'v2' | 'v2beta1';

/** The aggregated discovery version an `Accept` header asks for, the first one the façade serves, if any. */
export function aggregatedDiscoveryAsked(accept: string | undefined): DiscoveryVersion | undefined {
  for (const part of (accept ?? '').split(',')) {
    const params = new Map(
      part
        .split(';')
        .slice(1)
        .map((p) => p.trim().split('=') as [string, string]),
    );
    if (params.get('g') !== 'apidiscovery.k8s.io' || params.get('as') !== 'APIGroupDiscoveryList') continue;
    const v = params.get('v');
    if (v === 'v2' || v === 'v2beta1') return v;
  }
  return undefined;
}

export function aggregatedContentType(version: DiscoveryVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

function discoveryResource(r: ApiResource): Record<string, unknown> {
  const responseKind = { group: r.group, version: r.version, kind: r.kind };
  return {
    resource: r.resource,
    responseKind,
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
    ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length > 0 ? { categories: r.categories } : {}),
    ...(r.subresources.length > 0
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: s.name === 'log' ? { group: '', version: 'v1', kind: 'Pod' } : responseKind,
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

/** `/api` (`core`) or `/apis` (`groups`) as an `APIGroupDiscoveryList`. */
export function aggregatedDiscovery(which: 'core' | 'groups', version: DiscoveryVersion): unknown {
  const groups = which === 'core' ? [''] : ['batch'];
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((group) => ({
      metadata: { name: group },
      versions: [
        {
          version: 'v1',
          freshness: 'Current',
          resources: API_RESOURCES.filter((r) => r.group === group).map(discoveryResource),
        },
      ],
    })),
  };
}

/** Legacy `/api`. */
export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** Legacy `/apis`. */
export function apiGroupList(): unknown {
  const version = { groupVersion: 'batch/v1', version: 'v1' };
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [{ name: 'batch', versions: [version], preferredVersion: version }],
  };
}

/** Legacy `/api/v1` or `/apis/batch/v1`. */
export function apiResourceList(group: '' | 'batch'): unknown {
  const resources = API_RESOURCES.filter((r) => r.group === group).flatMap((r) => [
    {
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length > 0 ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length > 0 ? { categories: r.categories } : {}),
    },
    ...r.subresources.map((s) => ({
      name: `${r.resource}/${s.name}`,
      singularName: '',
      namespaced: r.namespaced,
      kind: s.name === 'log' ? 'Pod' : r.kind,
      verbs: s.verbs,
    })),
  ]);
  return { kind: 'APIResourceList', groupVersion: group === '' ? 'v1' : `${group}/v1`, resources };
}

/** `/version`. */
export function versionInfo(): unknown {
  return {
    major: SERVED_VERSION.major,
    minor: SERVED_VERSION.minor,
    gitVersion: `v${SERVED_VERSION.major}.${SERVED_VERSION.minor}.0-jobctl`,
    gitCommit: '',
    // No git commit or build date is known to a running jobctl: empty, as the client's (version-command.ts).
    gitTreeState: '',
    buildDate: '',
    goVersion: 'jobctl',
    compiler: 'jobctl',
    platform: `${process.platform}/${process.arch}`,
  };
}

/** The OpenAPI v3 documents, keyed by their path under `/openapi/v3/` (`api/v1`, `apis/batch/v1`). */
export function openApiDocuments(): Map<string, string> {
  const docs = new Map<string, string>();
  for (const [path, group] of [
    ['api/v1', ''],
    ['apis/batch/v1', 'batch'],
  ] as const) {
    const paths: Record<string, unknown> = {};
    for (const r of API_RESOURCES.filter((x) => x.group === group && x.verbs.includes('patch'))) {
      // kubectl validates on the server when the kind's PATCH declares `fieldValidation` (KUBECTL-API.md §4).
      paths[`/${path}/namespaces/{namespace}/${r.resource}/{name}`] = {
        patch: {
          'x-kubernetes-action': 'patch',
          'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
          parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }],
          responses: {},
        },
      };
    }
    const doc = {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: `v${SERVED_VERSION.major}.${SERVED_VERSION.minor}.0` },
      paths,
      components: { schemas: {} },
    };
    docs.set(path, JSON.stringify(doc));
  }
  return docs;
}

/** `/openapi/v3`: each document with a content hash, so kubectl's cache notices a change (KUBECTL-API.md §12). */
export function openApiIndex(docs: Map<string, string>): unknown {
  const paths: Record<string, unknown> = {};
  for (const [path, text] of docs) {
    const hash = createHash('sha512').update(text).digest('hex').slice(0, 128).toUpperCase();
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}

export { apiVersionOf };
