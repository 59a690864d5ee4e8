/**
 * `GET /metrics` of a running `jobctl up`, for Prometheus (issue 14): on its own loopback port, published in
 * runtime.json as `metricsUrl`. Each scrape lists the namespace's CronJobs and Jobs through the runtime's StateStore
 * (two Queries) for kube-state-metrics' gauges, and adds the counters and histograms the controllers reported since
 * the runtime started (src/engine/metrics.ts `MetricTotals`); Prometheus text format 0.0.4
 * (src/adapters/prometheus/exposition.ts).
 *
 * Access: loopback only, and the same refusals as the runtime's other endpoints (endpoint-guard.mjs `refusal`: any
 * `Origin` header, a CORS preflight, a `Host` other than 127.0.0.1 or localhost at this port, so no web page reaches
 * it, DNS rebinding included), and a bearer token: loopback is open to every local user, and the CronJobs' and Jobs'
 * names and run times are the owner's business (issue 11: nobody else gets in). The token is kept in the state
 * directory (`metrics-token`, 0600) and survives restarts, unlike the control token, so a Prometheus scrape config
 * names it once (`authorization: { credentials_file: <state dir>/metrics-token }`). Only GET and HEAD, no body read.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from '../../adapters/prometheus/exposition.ts';
import { stateMetrics } from '../../engine/metrics.ts';
import { JobctlError } from '../../errors.ts';
import type { StateStore } from '../../ports/state-store.ts';
import type { MetricFamily } from '../../spec/metrics.ts';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasBearer, refusal } from './endpoint-guard.mjs';

export interface MetricsServerOptions {
  /** Where the CronJobs and Jobs are read at each scrape. */
  store: Pick<StateStore, 'list'>;
  /** The event counters and histograms: the runtime's `MetricTotals`, also the controllers' `metrics`. */
  totals: { families(): MetricFamily[] };
  /** @default "default" (the one namespace served) */
  namespace?: string;
  /** Loopback port; 0 for any free one. @default 0 */
  port?: number;
  /** `Authorization: Bearer <token>` on every scrape ({@link metricsToken}). */
  token: string;
}

export interface MetricsServer {
  /** `http://127.0.0.1:<port>/metrics` */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` on 127.0.0.1 until `close()`.
 *
 * @example
 * const totals = new MetricTotals(); // also `metrics: totals` in the controllers' deps
 * const server = await serveMetrics({ store, totals, port: metricsPortFromEnv() });
 * // info.metricsUrl = server.url; … await server.close();
 */
export async function serveMetrics(options: MetricsServerOptions): Promise<MetricsServer> {
  const namespace = options.namespace ?? 'default';
  const server: Server = createServer((req, res) => {
    const port = (server.address() as AddressInfo).port;
    const refused = refusal(req, port);
    if (refused !== undefined) return void res.writeHead(403, { 'Content-Type': 'text/plain' }).end(`${refused}\n`);
    if (!hasBearer(req.headers, options.token))
      return void res
        .writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Bearer' })
        .end("missing or wrong bearer token (the state directory's metrics-token)\n");
    if (new URL(req.url ?? '/', 'http://metrics').pathname !== '/metrics') return void res.writeHead(404).end();
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    void scrape(options, namespace).then(
      (body) => {
        res.writeHead(200, { 'Content-Type': EXPOSITION_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (error: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new JobctlError(
              'Conflict',
              `metrics: port ${options.port} on 127.0.0.1 is in use (JOBCTL_METRICS_PORT): choose another, or unset ` +
                'it for any free port',
            )
          : error,
      ),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** One exposition: the state gauges, then the event totals. */
async function scrape(options: MetricsServerOptions, namespace: string): Promise<string> {
  const [cronJobs, jobs] = await Promise.all([
    options.store.list('CronJob', namespace),
    options.store.list('Job', namespace),
  ]);
  return renderExposition([...stateMetrics({ cronJobs, jobs }), ...options.totals.families()]);
}

/**
 * `JOBCTL_METRICS_PORT`: a fixed port for `/metrics`, so a Prometheus scrape config survives restarts; unset, any
 * free port (runtime.json's `metricsUrl` says which).
 */
export function metricsPortFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.JOBCTL_METRICS_PORT;
  if (text === undefined || text === '') return 0;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new JobctlError('Validation', `JOBCTL_METRICS_PORT: "${text}" is not a port (1-65535)`);
  return port;
}

/**
 * The scrape token of `stateDir`: read from `metrics-token` (mode 0600 in the 0700 state directory), or made once and
 * kept there, so it stays the same across restarts.
 */
export async function metricsToken(stateDir: string): Promise<string> {
  const file = join(stateDir, 'metrics-token');
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (/^[A-Za-z0-9_-]{32,}$/.test(existing.trim())) return existing.trim();
  const token = randomBytes(32).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}
