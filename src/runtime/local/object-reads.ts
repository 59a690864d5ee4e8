/**
 * `jobctl get` against a running `jobctl up`, read through the runtime rather than from the database: the runtime's
 * control endpoint answers `GET /objects/KIND?namespace=NS` (a kind's objects, as its StateStore lists them) and
 * `GET /objects/KIND/NS/NAME` (one object, or `null`), behind the same bearer token and loopback checks as `/notify`.
 *
 * Why: a command that opens DynamoDB loads the AWS SDK's client first, which took most of `get`'s start-up (issue
 * 13: `get` ≤ 250 ms). node:http is part of Node's start-up anyway. The objects are exactly what the StateStore
 * returns, so `get` prints the same; with no runtime, one too old to serve reads, or one still starting, the CLI
 * opens the database as before (program.ts `withReads`).
 */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ObjectReads } from '../../ports/connection.ts';
import type { ObjectKey, StateStore } from '../../ports/state-store.ts';
import type { Kind, KubeObject } from '../../spec/types.ts';
import type { RuntimeInfo } from './state-dir.ts';

const KINDS = new Set<string>(['CronJob', 'Job', 'Pod']);
const SEGMENT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Answers a read of the runtime's objects; false when `url` is not one (the caller answers 404). Pods have no key of
 * their own (they are their Job's children), so `GET /objects/Pod/NS/NAME` finds the pod in the list, as the CLI does.
 */
export async function serveObjectRead(
  store: Pick<StateStore, 'get' | 'list'>,
  url: string,
  res: ServerResponse,
): Promise<boolean> {
  const { pathname, searchParams } = new URL(url, 'http://runtime');
  const [root, kind, namespace, name, ...rest] = pathname.split('/').slice(1);
  if (root !== 'objects' || kind === undefined || !KINDS.has(kind) || rest.length > 0) return false;
  let body: unknown;
  if (namespace === undefined) {
    const ns = searchParams.get('namespace') ?? '';
    // No object can be in a namespace or have a name that is not a DNS name: nothing to read.
    body = SEGMENT.test(ns) ? await store.list(kind as Kind, ns) : [];
  } else {
    if (name === undefined) return false;
    body =
      !SEGMENT.test(namespace) || !SEGMENT.test(name)
        ? null
        : kind === 'Pod'
          ? ((await store.list('Pod', namespace)).find((p) => p.metadata.name === name) ?? null)
          : ((await store.get(kind as Kind, { namespace, name })) ?? null);
  }
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  return true;
}

/** The runtime cannot answer a read (an older one, without `/objects`, or none): the caller opens the database. */
export class ReadsNotServed extends Error {}

/**
 * Reads through the runtime `info` describes. Each read is one request on loopback; a runtime without the `/objects`
 * routes (404) or gone meanwhile rejects with {@link ReadsNotServed}.
 *
 * @example
 * const reads = runtimeObjectReads(await findRuntime(stateDir));
 * const cronJobs = await reads.store.list('CronJob', 'default');
 */
export function runtimeObjectReads(
  info: Pick<RuntimeInfo, 'controlUrl' | 'controlToken'>,
): ObjectReads & { readonly answered: boolean } {
  let answered = false;
  const base = new URL(info.controlUrl ?? 'http://127.0.0.1:0');
  const fetchJson = (path: string) =>
    new Promise<unknown>((resolve, reject) => {
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path,
          headers: { Authorization: `Bearer ${info.controlToken ?? ''}`, Accept: 'application/json' },
          timeout: 30_000,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) return reject(new ReadsNotServed(`${path}: ${res.statusCode} ${text.trim()}`));
            answered = true;
            resolve(JSON.parse(text));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${info.controlUrl}${path}: no answer in 30 s`)));
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'ECONNREFUSED'
            ? new ReadsNotServed(`jobctl up does not answer at ${info.controlUrl} (stopped?): ${error.message}`)
            : error,
        ),
      );
      req.end();
    });
  const store = {
    list: (kind: Kind, namespace: string) =>
      fetchJson(`/objects/${kind}?namespace=${encodeURIComponent(namespace)}`) as Promise<KubeObject[]>,
    get: async (kind: Kind, key: ObjectKey) =>
      ((await fetchJson(`/objects/${kind}/${key.namespace}/${key.name}`)) as KubeObject | null) ?? undefined,
  } as ObjectReads['store'];
  return {
    store,
    clock: { now: () => Date.now() },
    /** Whether a read was answered: after one, the runtime's going away is an error, not a reason to read elsewhere. */
    get answered() {
      return answered;
    },
  };
}
