import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Connection } from '../ports/connection.ts';
import { hasBearer, readBody, refusal } from '../runtime/local/endpoint-guard.mjs';
import { type ApiResource, apiVersionOf, findResource } from './api-resources.ts';
import { ChangeFeed, ResourceVersionTooOld, type WatchedKind } from './change-feed.ts';
import {
  aggregatedContentType,
  aggregatedDiscovery,
  aggregatedDiscoveryAsked,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiDocuments,
  openApiIndex,
  versionInfo,
} from './discovery.ts';
import {
  createObject,
  deleteObject,
  readObjects,
  type Selectors,
  selectorsOf,
  streamPodLog,
  updateObject,
} from './handlers.ts';
import { defaultNamespace, type IncludeObject, type ServedObject, served, toTable } from './served-objects.ts';
import { ApiError, statusOf } from './status.ts';

/**
 * A Kubernetes API that the real `kubectl` (1.29–1.33) and client libraries speak, over a {@link Connection}: the
 * embedded runtime's (`jobctl up`) or a deployed stack's (`jobctl proxy --context aws`). Requests go through the same
 * validation, defaults, ownership rules and controllers as the CLI's. What kubectl asks for, measured, is in
 * ../shared/KUBECTL-API.md.
 *
 * Loopback only, and every request needs `Authorization: Bearer <token>` (the kubeconfig holds it) and must come from
 * no web page (the control endpoint's guard, audit D2). The one namespace is `default`.
 */
export interface KubeApiOptions {
  readonly connection: Connection;
  /** Bearer token every request must carry. */
  readonly token: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** Poll period of watches. @default 500 */
  readonly watchPollMs?: number;
  /**
   * Serve HTTPS with this certificate: kubectl sends a bearer token only over TLS. @default plain HTTP (tests with
   * clients that send the token anyway)
   */
  readonly tls?: { readonly cert: string; readonly key: string };
  /** The connection is a deployed stack's: what the CLI refuses there (schedules EventBridge cannot run) is refused. */
  readonly onAws?: boolean;
}

export interface KubeApi {
  readonly url: string;
  /** Watches open now (tests wait for a client's watch to be established). */
  readonly openWatches: () => number;
  close(): Promise<void>;
}

const NAMESPACE = 'default';
/** Request bodies above this are refused before they are read whole. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function serveKubeApi(options: KubeApiOptions): Promise<KubeApi> {
  const c = options.connection;
  const startedAt = new Date(c.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const feed = new ChangeFeed({
    clock: c.clock,
    pollMs: options.watchPollMs,
    read: async (kind) => (await c.store.list(kind, NAMESPACE)).map(served),
  });
  const openApi = openApiDocuments();
  const watches = new Set<AbortController>();

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendStatus(res, statusOf(error));
      else res.end();
    });
  };
  const server: Server =
    options.tls === undefined ? createHttpServer(onRequest) : createHttpsServer({ ...options.tls }, onRequest);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const port = (server.address() as AddressInfo).port;
    const refused = refusal(req, port) ?? (hasBearer(req.headers, options.token) ? undefined : 'Unauthorized');
    if (refused !== undefined) {
      const code = refused === 'Unauthorized' ? 401 : 403;
      return sendStatus(res, new ApiError(code, code === 401 ? 'Unauthorized' : 'Forbidden', refused));
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const q = url.searchParams;
    const method = req.method ?? 'GET';

    if (method === 'GET' && path === '/version') return sendJson(res, 200, versionInfo());
    if (method === 'GET' && (path === '/api' || path === '/apis')) {
      const asked = aggregatedDiscoveryAsked(req.headers.accept);
      const which = path === '/api' ? 'core' : 'groups';
      if (asked !== undefined)
        return sendJson(res, 200, aggregatedDiscovery(which, asked), aggregatedContentType(asked));
      return sendJson(res, 200, which === 'core' ? apiVersions(`127.0.0.1:${port}`) : apiGroupList());
    }
    if (method === 'GET' && path === '/api/v1') return sendJson(res, 200, apiResourceList(''));
    if (method === 'GET' && path === '/apis/batch/v1') return sendJson(res, 200, apiResourceList('batch'));
    if (method === 'GET' && path === '/openapi/v3') return sendJson(res, 200, openApiIndex(openApi));
    if (method === 'GET' && path.startsWith('/openapi/v3/')) {
      const doc = openApi.get(path.slice('/openapi/v3/'.length));
      if (doc !== undefined) return sendText(res, 200, doc, 'application/json');
    }

    const route = parseResourcePath(path);
    if (route === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const { resource, name, subresource } = route;
    if (route.namespace !== undefined && route.namespace !== NAMESPACE)
      throw new ApiError(404, 'NotFound', `namespaces "${route.namespace}" not found`, {
        kind: 'namespaces',
        name: route.namespace,
      });
    const selectors = selectorsOf(q);

    if (resource.kind === 'Namespace') {
      if (method !== 'GET') throw methodNotAllowed(method, resource);
      const ns = defaultNamespace(startedAt);
      if (name !== undefined && name !== NAMESPACE) throw notFound(resource, name);
      return sendObjects(req, res, resource, name === undefined ? [ns] : ns, '1', q);
    }

    if (method === 'GET' && subresource === 'log' && resource.kind === 'Pod' && name !== undefined) {
      return streamPodLog(c, name, q, res);
    }
    if (subresource !== undefined && subresource !== 'status') throw new ApiError(404, 'NotFound', 'not found');

    if (method === 'GET' && q.get('watch') === 'true' && name === undefined) {
      if (resource.kind === 'Event') throw methodNotAllowed('WATCH', resource);
      return watch(req, res, resource, resource.kind, q, selectors);
    }
    if (method === 'GET' && q.get('watch') === 'true' && name !== undefined) {
      throw new ApiError(405, 'MethodNotAllowed', 'watch of one object: use ?fieldSelector=metadata.name=NAME');
    }
    if (method === 'GET') {
      if (name !== undefined) {
        const [obj] = await readObjects(c, resource.kind, { ...selectors, name });
        if (obj === undefined) throw notFound(resource, name);
        return sendObjects(req, res, resource, obj, obj.metadata.resourceVersion ?? '', q);
      }
      if (resource.kind === 'Event') {
        const events = await readObjects(c, 'Event', selectors);
        return sendObjects(req, res, resource, events, '', q);
      }
      const { items, resourceVersion } = await feed.list(resource.kind as WatchedKind);
      const fresh = await readObjects(c, resource.kind, selectors, items);
      return sendObjects(req, res, resource, fresh, resourceVersion, q);
    }
    if ((method === 'PATCH' || method === 'PUT') && name !== undefined && subresource === undefined) {
      if (resource.kind !== 'CronJob' && resource.kind !== 'Job') throw methodNotAllowed(method, resource);
      const body = await readRequestBody(req);
      const result = await updateObject(c, resource.kind, name, body, {
        method,
        contentType: req.headers['content-type'],
        dryRun: q.get('dryRun') === 'All',
        fieldValidation: q.get('fieldValidation') ?? 'Strict',
        onAws: options.onAws ?? false,
      });
      for (const w of result.warnings) res.appendHeader('Warning', `299 - ${JSON.stringify(w)}`);
      return sendJson(res, result.created ? 201 : 200, result.object);
    }
    if (method === 'DELETE' && name !== undefined && subresource === undefined) {
      if (resource.kind !== 'CronJob' && resource.kind !== 'Job') throw methodNotAllowed(method, resource);
      const body = req.headers['content-length'] === '0' ? Buffer.alloc(0) : await readRequestBody(req);
      const status = await deleteObject(c, resource.kind, name, body, q);
      return sendJson(res, 200, status);
    }
    if (method === 'POST' && name === undefined && subresource === undefined) {
      if (resource.kind !== 'CronJob' && resource.kind !== 'Job') throw methodNotAllowed(method, resource);
      const body = await readRequestBody(req);
      const { object, warnings } = await createObject(c, resource.kind, body, {
        contentType: req.headers['content-type'],
        fieldValidation: q.get('fieldValidation') ?? 'Strict',
        dryRun: q.get('dryRun') === 'All',
        onAws: options.onAws ?? false,
      });
      for (const w of warnings) res.appendHeader('Warning', `299 - ${JSON.stringify(w)}`);
      return sendJson(res, 201, object);
    }
    throw methodNotAllowed(method, resource);
  }

  async function watch(
    req: IncomingMessage,
    res: ServerResponse,
    resource: ApiResource,
    kind: WatchedKind,
    q: URLSearchParams,
    selectors: Selectors,
  ): Promise<void> {
    const table = wantsTable(req.headers.accept);
    const abort = new AbortController();
    watches.add(abort);
    res.on('close', () => abort.abort());
    const timeout = Number(q.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => abort.abort(), timeout * 1000) : undefined;
    let first = true;
    try {
      await feed.watch(
        kind,
        q.get('resourceVersion') ?? undefined,
        (event) => {
          if (!res.headersSent) {
            res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
          }
          if (!matches(event.object, selectors)) return;
          const object = table
            ? toTable(resource.kind, [event.object], {
                nowMs: c.clock.now(),
                resourceVersion: String(event.seq),
                includeObject: includeObjectOf(q),
                withColumns: first,
              })
            : { ...event.object, metadata: { ...event.object.metadata, resourceVersion: String(event.seq) } };
          first = false;
          res.write(`${JSON.stringify({ type: event.type, object })}\n`);
        },
        abort.signal,
        // kubectl waits for the headers before it prints the list it already has (KUBECTL-API.md §1).
        () => {
          if (res.headersSent) return;
          res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
          res.flushHeaders();
        },
      );
    } catch (error) {
      if (!(error instanceof ResourceVersionTooOld)) throw error;
      if (!res.headersSent) {
        sendStatus(res, new ApiError(410, 'Expired', error.message));
        return;
      }
      res.write(
        `${JSON.stringify({ type: 'ERROR', object: statusBody(new ApiError(410, 'Expired', error.message)) })}\n`,
      );
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      watches.delete(abort);
    }
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end();
  }

  function sendObjects(
    req: IncomingMessage,
    res: ServerResponse,
    resource: ApiResource,
    objects: ServedObject | readonly ServedObject[],
    resourceVersion: string,
    q: URLSearchParams,
  ): void {
    const list = Array.isArray(objects) ? objects : [objects as ServedObject];
    if (wantsTable(req.headers.accept)) {
      const table = toTable(resource.kind, list, {
        nowMs: c.clock.now(),
        resourceVersion,
        includeObject: includeObjectOf(q),
      });
      sendJson(res, 200, table, 'application/json;as=Table;v=v1;g=meta.k8s.io');
    } else if (!Array.isArray(objects)) sendJson(res, 200, objects);
    else
      sendJson(res, 200, {
        kind: `${resource.kind}List`,
        apiVersion: apiVersionOf(resource),
        metadata: { resourceVersion },
        items: list,
      });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const scheme = options.tls === undefined ? 'http' : 'https';
  const url = `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    openWatches: () => watches.size,
    async close() {
      feed.close();
      for (const w of watches) w.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function matches(obj: ServedObject, selectors: Selectors): boolean {
  if (selectors.name !== undefined && obj.metadata.name !== selectors.name) return false;
  return selectors.labels(obj.metadata.labels ?? {});
}

function includeObjectOf(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** kubectl's `get` asks for `application/json;as=Table;v=v1;g=meta.k8s.io` first (KUBECTL-API.md §5). */
function wantsTable(accept: string | undefined): boolean {
  return /as=Table/.test(accept ?? '');
}

interface ResourceRoute {
  resource: ApiResource;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** `/api/v1/namespaces/default/pods/p/log`, `/apis/batch/v1/jobs`, `/api/v1/namespaces/default`, … */
function parseResourcePath(path: string): ResourceRoute | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1] === 'v1') {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    if (parts[2] !== 'v1') return undefined;
    rest = parts.slice(3);
  } else return undefined;
  // `namespaces/NAME` is the Namespace itself; `namespaces/NAME/RESOURCE/…` a namespaced resource.
  if (rest[0] === 'namespaces' && rest.length <= 2 && group === '') {
    const resource = findResource('', 'v1', 'namespaces')!;
    return { resource, ...(rest[1] === undefined ? {} : { name: rest[1] }) };
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const resource = rest[0] === undefined ? undefined : findResource(group, 'v1', rest[0]);
  if (resource === undefined || rest.length > 3) return undefined;
  return {
    resource,
    ...(namespace === undefined ? {} : { namespace }),
    ...(rest[1] === undefined ? {} : { name: rest[1] }),
    ...(rest[2] === undefined ? {} : { subresource: rest[2] }),
  };
}

function notFound(resource: ApiResource, name: string): ApiError {
  const plural = resource.group === '' ? resource.resource : `${resource.resource}.${resource.group}`;
  return new ApiError(404, 'NotFound', `${plural} "${name}" not found`, { kind: resource.resource, name });
}

function methodNotAllowed(method: string, resource: ApiResource): ApiError {
  return new ApiError(405, 'MethodNotAllowed', `${method} is not supported on ${resource.resource} by jobctl`);
}

async function readRequestBody(req: IncomingMessage): Promise<Buffer> {
  const body = await readBody(req, MAX_BODY_BYTES).catch(() => undefined);
  if (body === undefined) throw new ApiError(413, 'RequestEntityTooLarge', 'request body too large');
  return body;
}

function statusBody(error: ApiError): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: error.message,
    reason: error.reason,
    ...(error.details === undefined ? {} : { details: error.details }),
    code: error.code,
  };
}

function sendStatus(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.code, statusBody(error));
}

function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  sendText(res, code, JSON.stringify(body), contentType);
}

function sendText(res: ServerResponse, code: number, text: string, contentType: string): void {
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) }).end(text);
}
