import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { Writable } from 'node:stream';
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  Log,
  PatchStrategy,
  setHeaderOptions,
  type V1CronJob,
  type V1Job,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/clock/clock.ts';
import { selfSignedCertificate } from '../../src/adapters/tls/self-signed-certificate.ts';
import { ChangeFeed, type FeedEvent, ResourceVersionTooOld, type WatchedKind } from '../../src/kube-api/change-feed.ts';
import { type KubeApi, serveKubeApi } from '../../src/kube-api/server.ts';
import type { ServedObject } from '../../src/kube-api/served-objects.ts';
import { kubeconfigText } from '../../src/runtime/local/kubeconfig.ts';
import { RuntimeHarness } from '../support/local-runtime.ts';

// The Kubernetes API façade of `jobctl up` (src/kube-api), driven by the official JavaScript client
// (@kubernetes/client-node) through the kubeconfig jobctl writes, over TLS with its self-signed certificate, on the
// embedded runtime with a manual clock; plus raw HTTPS for what kubectl reads that the typed client does not
// (aggregated discovery, Tables, OpenAPI, the guard, protobuf). What kubectl needs: ../shared/KUBECTL-API.md.

const START = '2026-03-02T10:00:30Z';
const NS = 'default';
const TOKEN = 'kube-api-test-token-0123456789abcdef';
/** The watch poll, on the manual clock: `h.advance(POLL_MS)` makes the façade look for changes. */
const POLL_MS = 1_000;

let h: RuntimeHarness;
let api: KubeApi;
let kc: KubeConfig;
let batch: BatchV1Api;
let core: CoreV1Api;
let caPem: string;

beforeAll(async () => {
  h = await RuntimeHarness.start(START);
  // TLS checks certificates against the real time, whatever the runtime's clock says.
  const tls = await selfSignedCertificate(Date.now());
  caPem = tls.cert;
  api = await serveKubeApi({ connection: h.connection(), token: TOKEN, tls, watchPollMs: POLL_MS });
  kc = new KubeConfig();
  kc.loadFromString(kubeconfigText(api.url, TOKEN, tls.cert));
  batch = kc.makeApiClient(BatchV1Api);
  core = kc.makeApiClient(CoreV1Api);
});

afterAll(async () => {
  await api?.close();
  await h?.destroy();
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: <T = Record<string, unknown>>() => T;
}

/** `APIGroupDiscoveryList` (apidiscovery.k8s.io v2 and v2beta1 alike). */
interface DiscoveryList {
  apiVersion: string;
  items: Array<{
    metadata: { name: string };
    versions: Array<{
      version: string;
      resources: Array<{ resource: string; subresources?: Array<{ subresource: string }> }>;
    }>;
  }>;
}

/** `meta.k8s.io/v1` Table. */
interface Table {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string };
  columnDefinitions: Array<{ name: string; type: string; format: string; priority: number }>;
  rows: Array<{ cells: unknown[]; object: Record<string, unknown> }>;
}

/** One HTTPS request to the façade, trusting its certificate; the bearer token unless `token: null`. */
function raw(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer; token?: string | null } = {},
): Promise<RawResponse> {
  const token = options.token === undefined ? TOKEN : options.token;
  const url = new URL(path, api.url);
  const request: RequestOptions = {
    method,
    hostname: url.hostname,
    port: url.port,
    path: `${url.pathname}${url.search}`,
    ca: caPem,
    headers: { ...(token === null ? {} : { Authorization: `Bearer ${token}` }), ...options.headers },
  };
  return new Promise((resolve, reject) => {
    const req = httpsRequest(request, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          json: <T>() => JSON.parse(text) as T,
        });
      });
    });
    req.setTimeout(5_000, () => req.destroy(new Error(`no answer to ${method} ${path} within 5 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A request authenticated the way the client library does it from the kubeconfig (CA and bearer token). */
async function viaKubeconfig(method: string, path: string, body: unknown): Promise<RawResponse> {
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const headers = options.headers as Record<string, string>;
  expect(headers['Authorization'] ?? headers['authorization']).toBe(`Bearer ${TOKEN}`);
  return raw(method, path, {
    token: null,
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Polls `check` every 20 ms (real time) until it holds, at most `ms`. */
async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function apiError(promise: Promise<unknown>): Promise<{ code: number; status: Record<string, unknown> }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiException);
  const e = error as ApiException<unknown>;
  const status = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as Record<string, unknown>;
  return { code: e.code, status };
}

const cronJob = (name: string, extra: { schedule?: string; labels?: Record<string, string> } = {}): V1CronJob => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name, ...(extra.labels === undefined ? {} : { labels: extra.labels }) },
  spec: {
    schedule: extra.schedule ?? '*/1 * * * *',
    jobTemplate: {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'hello',
                image: 'busybox',
                imagePullPolicy: 'IfNotPresent',
                command: ['/bin/sh', '-c', `echo hello from ${name}`],
              },
            ],
            restartPolicy: 'OnFailure',
          },
        },
      },
    },
  },
});

const job = (name: string, command: string, labels: Record<string, string> = {}): V1Job => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, labels },
  spec: {
    template: {
      spec: {
        containers: [{ name: 'main', image: 'busybox', command: ['/bin/sh', '-c', command] }],
        restartPolicy: 'Never',
      },
    },
  },
});

const AGGREGATED_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,' +
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('discovery and OpenAPI (raw HTTPS)', () => {
  it('answers aggregated discovery with exactly the Content-Type and version asked for (v2, v2beta1)', async () => {
    const core = await raw('GET', '/api', { headers: { Accept: AGGREGATED_ACCEPT } });
    expect(core.status).toBe(200);
    expect(core.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const coreBody = core.json<DiscoveryList>();
    expect(coreBody.apiVersion).toBe('apidiscovery.k8s.io/v2');
    expect(coreBody.items.map((g) => g.metadata.name)).toEqual(['']);
    const pods = coreBody.items[0]!.versions[0]!.resources.find((r) => r.resource === 'pods')!;
    expect(pods).toMatchObject({
      responseKind: { group: '', version: 'v1', kind: 'Pod' },
      scope: 'Namespaced',
      shortNames: ['po'],
      categories: ['all'],
    });
    expect(pods.subresources!.map((s) => s.subresource)).toEqual(expect.arrayContaining(['log', 'status']));

    // kubectl 1.27–1.29 ask for v2beta1 alone: a v2 answer would make them find no resource type.
    const v2beta1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
    const groups = await raw('GET', '/apis', { headers: { Accept: v2beta1 } });
    expect(groups.headers['content-type']).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
    );
    const groupsBody = groups.json<DiscoveryList>();
    expect(groupsBody.apiVersion).toBe('apidiscovery.k8s.io/v2beta1');
    expect(groupsBody.items.map((g) => g.metadata.name)).toEqual(['batch']);
    const cronjobs = groupsBody.items[0]!.versions[0]!.resources.find((r) => r.resource === 'cronjobs');
    expect(cronjobs).toMatchObject({
      responseKind: { group: 'batch', version: 'v1', kind: 'CronJob' },
      shortNames: ['cj'],
      categories: ['all'],
      verbs: expect.arrayContaining(['create', 'get', 'list', 'watch', 'patch', 'delete']),
    });
  });

  it('answers plain JSON with the legacy forms: APIVersions, APIGroupList, APIResourceList', async () => {
    const core = await raw('GET', '/api', { headers: { Accept: 'application/json' } });
    expect(core.headers['content-type']).toBe('application/json');
    expect(core.json()).toEqual({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: new URL(api.url).host }],
    });
    const groups = (await raw('GET', '/apis')).json();
    expect(groups).toMatchObject({
      kind: 'APIGroupList',
      groups: [{ name: 'batch', preferredVersion: { groupVersion: 'batch/v1', version: 'v1' } }],
    });
    const resources = (await raw('GET', '/apis/batch/v1')).json() as { resources: Array<Record<string, unknown>> };
    expect(resources).toMatchObject({ kind: 'APIResourceList', groupVersion: 'batch/v1' });
    expect(resources.resources.map((r) => r['name'])).toEqual(['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']);
    expect(resources.resources[0]).toMatchObject({ kind: 'CronJob', namespaced: true, shortNames: ['cj'] });
  });

  it('serves an OpenAPI v3 index with content hashes, whose documents declare fieldValidation on PATCH', async () => {
    const index = (await raw('GET', '/openapi/v3')).json() as { paths: Record<string, { serverRelativeURL: string }> };
    expect(Object.keys(index.paths).sort()).toEqual(['api/v1', 'apis/batch/v1']);
    const url = index.paths['apis/batch/v1']!.serverRelativeURL;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/batch\/v1\?hash=[0-9A-F]{128}$/);
    const doc = await raw('GET', url);
    expect(doc.status).toBe(200);
    // The hash is the document's: kubectl caches documents by it (KUBECTL-API.md §12.15).
    const hash = createHash('sha512').update(doc.text).digest('hex').toUpperCase();
    expect(url.endsWith(`hash=${hash}`)).toBe(true);
    const paths = doc.json<{ paths: Record<string, { patch?: Record<string, unknown> }> }>().paths;
    const patch = paths['/apis/batch/v1/namespaces/{namespace}/cronjobs/{name}']!.patch!;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'batch', version: 'v1', kind: 'CronJob' });
    expect(patch['parameters']).toContainEqual(expect.objectContaining({ name: 'fieldValidation', in: 'query' }));
    expect(paths['/apis/batch/v1/namespaces/{namespace}/jobs/{name}']!.patch!['x-kubernetes-action']).toBe('patch');
  });
});

describe('the guard (raw HTTPS)', () => {
  it('refuses a request without the bearer token, or with another, with 401 Unauthorized', async () => {
    for (const token of [null, 'not-the-token']) {
      const res = await raw('GET', '/apis/batch/v1/namespaces/default/cronjobs', { token });
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    }
  });

  it('refuses a request from a web page (an Origin header) even with the token', async () => {
    const res = await raw('GET', '/api', { headers: { Origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ reason: 'Forbidden', message: 'requests from web pages are refused' });
  });

  it('creates from a protobuf POST (kubectl ≥ 1.32 creates), answering JSON; 415 when it cannot read it', async () => {
    const protobuf = { 'Content-Type': 'application/vnd.kubernetes.protobuf' };
    // `kubectl create job j --image=busybox -- echo hi`, as kubectl 1.32 sent it (src/kube-api/protobuf.ts).
    const captured = readFileSync('test/fixtures/kubectl-protobuf/job-image.b64', 'utf8').trim();
    const created = await raw('POST', '/apis/batch/v1/namespaces/default/jobs?dryRun=All', {
      headers: protobuf,
      body: Buffer.from(captured, 'base64'),
    });
    expect(created.status).toBe(201);
    expect(created.headers['content-type']).toBe('application/json');
    expect(created.json()).toMatchObject({ kind: 'Job', metadata: { name: 'j' }, spec: { backoffLimit: 6 } });
    // A Job whose raw message sets field 9, which Job does not have.
    const res = await raw('POST', '/apis/batch/v1/namespaces/default/jobs', {
      headers: protobuf,
      body: Buffer.from('k8s\0\n\x0f\n\x08batch/v1\x12\x03Job\x12\x03\x4a\x01x'),
    });
    expect(res.status).toBe(415);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'UnsupportedMediaType', code: 415 });
    expect(res.json<{ message: string }>().message).toMatch(/^the protobuf body sets field 9 of Job at the top level/);
  });
});

describe('CRUD through @kubernetes/client-node', () => {
  it('creates a CronJob (201) with the defaults Kubernetes fills in', async () => {
    const created = await batch.createNamespacedCronJobWithHttpInfo({
      namespace: NS,
      body: cronJob('crud-cj', { labels: { team: 'a' } }),
      fieldValidation: 'Strict',
    });
    expect(created.httpStatusCode).toBe(201);
    const cj = created.data;
    expect(cj.metadata).toMatchObject({ name: 'crud-cj', namespace: NS, labels: { team: 'a' } });
    expect(cj.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(cj.metadata?.resourceVersion).toBeTruthy();
    expect(cj.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(cj.spec).toMatchObject({
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
    });
  });

  it('creates a Job (201) with its generated selector and pod-template labels', async () => {
    const created = await batch.createNamespacedJobWithHttpInfo({
      namespace: NS,
      body: job('crud-job', 'echo crud', { team: 'a' }),
    });
    expect(created.httpStatusCode).toBe(201);
    const j = created.data;
    const uid = j.metadata!.uid!;
    expect(j.spec?.selector?.matchLabels).toEqual({ 'batch.kubernetes.io/controller-uid': uid });
    expect(j.spec?.template.metadata?.labels).toMatchObject({
      'batch.kubernetes.io/controller-uid': uid,
      'controller-uid': uid,
      'batch.kubernetes.io/job-name': 'crud-job',
      'job-name': 'crud-job',
    });
    expect(j.spec).toMatchObject({ parallelism: 1, completions: 1, backoffLimit: 6, completionMode: 'NonIndexed' });
    await h.advance(0); // it runs and completes
  });

  it('gets by name, and lists by label selector with a resourceVersion', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: job('crud-other', 'true', { team: 'b' }) });
    const got = await batch.readNamespacedCronJob({ name: 'crud-cj', namespace: NS });
    expect(got.spec?.schedule).toBe('*/1 * * * *');
    const teamA = await batch.listNamespacedJob({ namespace: NS, labelSelector: 'team=a' });
    expect(teamA.items.map((j) => j.metadata?.name)).toEqual(['crud-job']);
    expect(teamA.metadata?.resourceVersion).toMatch(/^\d+$/);
    const notA = await batch.listNamespacedJob({ namespace: NS, labelSelector: 'team,team!=a' });
    expect(notA.items.map((j) => j.metadata?.name)).toEqual(['crud-other']);
    const missing = await apiError(batch.readNamespacedCronJob({ name: 'nope', namespace: NS }));
    expect(missing).toMatchObject({
      code: 404,
      status: { reason: 'NotFound', message: 'cronjobs.batch "nope" not found' },
    });
  });

  it('honours fieldValidation: Strict refuses an unknown field (400), Warn creates with a warning', async () => {
    const withFoo = (name: string) => ({ ...cronJob(name), spec: { ...cronJob(name).spec, foo: 1 } });
    const strict = await viaKubeconfig(
      'POST',
      '/apis/batch/v1/namespaces/default/cronjobs?fieldManager=kubectl-create&fieldValidation=Strict',
      withFoo('fv-strict'),
    );
    expect(strict.status).toBe(400);
    expect(strict.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    expect(strict.json()['message']).toBe(
      'CronJob in version "v1" cannot be handled as a CronJob: strict decoding error: unknown field "spec.foo"',
    );
    await expect(batch.readNamespacedCronJob({ name: 'fv-strict', namespace: NS })).rejects.toThrow();

    const warn = await viaKubeconfig(
      'POST',
      '/apis/batch/v1/namespaces/default/cronjobs?fieldValidation=Warn',
      withFoo('fv-warn'),
    );
    expect(warn.status).toBe(201);
    expect(warn.headers['warning']).toBe('299 - "unknown field \\"spec.foo\\""');
    expect(warn.json()['spec']).not.toHaveProperty('foo');

    const ignore = await viaKubeconfig(
      'POST',
      '/apis/batch/v1/namespaces/default/cronjobs?fieldValidation=Ignore',
      withFoo('fv-ignore'),
    );
    expect(ignore.status).toBe(201);
    expect(ignore.headers['warning']).toBeUndefined();
  });

  it('refuses an invalid schedule with 422 Invalid', async () => {
    const e = await apiError(
      batch.createNamespacedCronJob({ namespace: NS, body: cronJob('bad-schedule', { schedule: 'every minute' }) }),
    );
    expect(e.code).toBe(422);
    expect(e.status).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
    expect(String(e.status['message'])).toMatch(/^CronJob\.batch "bad-schedule" is invalid: spec\.schedule: /);
    expect(e.status['details']).toMatchObject({ name: 'bad-schedule', kind: 'CronJob', group: 'batch' });
  });

  it('patches by merge and by strategic merge; a no-op patch keeps the resourceVersion', async () => {
    const before = await batch.readNamespacedCronJob({ name: 'crud-cj', namespace: NS });
    const merged = await batch.patchNamespacedCronJob(
      { name: 'crud-cj', namespace: NS, body: { spec: { suspend: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.spec?.suspend).toBe(true);
    expect(merged.metadata?.resourceVersion).not.toBe(before.metadata?.resourceVersion);

    // The second `kubectl apply` of KUBECTL-API.md §9: one container changed, the others' fields kept.
    const podSpec = {
      '$setElementOrder/containers': [{ name: 'hello' }],
      containers: [{ name: 'hello', image: 'busybox:1.36' }],
    };
    const strategic = await batch.patchNamespacedCronJob(
      { name: 'crud-cj', namespace: NS, body: { spec: { jobTemplate: { spec: { template: { spec: podSpec } } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const [container] = strategic.spec!.jobTemplate.spec!.template.spec!.containers;
    expect(container).toMatchObject({
      name: 'hello',
      image: 'busybox:1.36',
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/sh', '-c', 'echo hello from crud-cj'],
    });
    expect(JSON.stringify(strategic)).not.toContain('$setElementOrder');

    const again = await batch.patchNamespacedCronJob(
      { name: 'crud-cj', namespace: NS, body: { spec: { suspend: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(again.metadata?.resourceVersion).toBe(strategic.metadata?.resourceVersion);
  });

  it('replaces with the current resourceVersion, and refuses a stale one with 409 Conflict', async () => {
    const current = await batch.readNamespacedCronJob({ name: 'crud-cj', namespace: NS });
    const replaced = await batch.replaceNamespacedCronJob({
      name: 'crud-cj',
      namespace: NS,
      body: { ...current, spec: { ...current.spec!, schedule: '*/5 * * * *' } },
    });
    expect(replaced.spec?.schedule).toBe('*/5 * * * *');
    expect(replaced.metadata?.resourceVersion).not.toBe(current.metadata?.resourceVersion);

    const stale = await apiError(
      batch.replaceNamespacedCronJob({
        name: 'crud-cj',
        namespace: NS,
        body: { ...current, spec: { ...current.spec!, schedule: '*/7 * * * *' } },
      }),
    );
    expect(stale.code).toBe(409);
    expect(stale.status).toMatchObject({ reason: 'Conflict' });
    expect(String(stale.status['message'])).toContain('the object has been modified');
    expect((await batch.readNamespacedCronJob({ name: 'crud-cj', namespace: NS })).spec?.schedule).toBe('*/5 * * * *');
  });

  it('deletes a CronJob with its Jobs', async () => {
    await batch.createNamespacedCronJob({ namespace: NS, body: cronJob('cascade') });
    await h.advance(60_000); // one scheduled run, which completes
    const owned = () =>
      batch
        .listNamespacedJob({ namespace: NS })
        .then((l) => l.items.filter((j) => j.metadata?.ownerReferences?.some((o) => o.name === 'cascade')));
    expect(await owned()).toHaveLength(1);

    const status = await batch.deleteNamespacedCronJob({
      name: 'cascade',
      namespace: NS,
      body: { propagationPolicy: 'Background' },
    });
    expect(status).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'cascade', kind: 'cronjobs' } });
    expect((await apiError(batch.readNamespacedCronJob({ name: 'cascade', namespace: NS }))).code).toBe(404);
    expect(await owned()).toEqual([]);
  });
});

describe('pods/log and events through @kubernetes/client-node', () => {
  it("returns a pod's output, and lists a Job's events by involvedObject", async () => {
    await batch.createNamespacedJob({ namespace: NS, body: job('logs-job', 'echo first line; echo second line') });
    await batch.createNamespacedJob({ namespace: NS, body: job('other-job', 'true') });
    await h.advance(0);
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'job-name=logs-job' });
    expect(pods.items).toHaveLength(1);
    const pod = pods.items[0]!;
    expect(pod.status?.phase).toBe('Succeeded');

    const text = await core.readNamespacedPodLog({ name: pod.metadata!.name!, namespace: NS, container: 'main' });
    expect(text).toBe('first line\nsecond line\n');

    let streamed = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        streamed += chunk.toString('utf8');
        done();
      },
    });
    await new Log(kc).log(NS, pod.metadata!.name!, 'main', sink, { tailLines: 1 });
    expect(await eventually(() => (streamed === '' ? undefined : streamed))).toBe('second line\n');

    const missing = await apiError(core.readNamespacedPodLog({ name: 'no-such-pod', namespace: NS }));
    expect(missing.code).toBe(404);

    const events = await core.listNamespacedEvent({
      namespace: NS,
      fieldSelector: 'involvedObject.kind=Job,involvedObject.name=logs-job,involvedObject.namespace=default',
    });
    expect(events.items.length).toBeGreaterThan(0);
    for (const e of events.items) {
      expect(e.involvedObject).toMatchObject({ kind: 'Job', name: 'logs-job', apiVersion: 'batch/v1' });
      expect(e.source?.component).toBe('job-controller');
    }
    expect(events.items.map((e) => e.reason)).toEqual(expect.arrayContaining(['SuccessfulCreate', 'Completed']));
  });
});

describe('Tables (raw HTTPS, as kubectl get asks)', () => {
  it('serves a Table with the columns kubectl prints, wide ones at priority 1, rows carrying metadata', async () => {
    const res = await raw('GET', '/apis/batch/v1/namespaces/default/jobs?limit=500', {
      headers: { Accept: TABLE_ACCEPT },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json;as=Table;v=v1;g=meta.k8s.io');
    const table = res.json<Table>();
    expect(table).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(table.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(table.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Status', 0],
      ['Completions', 0],
      ['Duration', 0],
      ['Age', 0],
      ['Containers', 1],
      ['Images', 1],
      ['Selector', 1],
    ]);
    expect(table.columnDefinitions[0]).toMatchObject({ type: 'string', format: 'name' });
    const row = table.rows.find((r) => r.cells[0] === 'logs-job')!;
    expect(row.cells.slice(1, 3)).toEqual(['Complete', '1/1']);
    expect(row.cells[5]).toBe('main');
    expect(row.object).toMatchObject({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { name: 'logs-job', namespace: NS },
    });
    expect(row.object).not.toHaveProperty('spec');
  });

  it('puts the whole object in each row for includeObject=Object (--sort-by), and tables one object', async () => {
    const res = await raw('GET', '/apis/batch/v1/namespaces/default/cronjobs?includeObject=Object', {
      headers: { Accept: TABLE_ACCEPT },
    });
    const table = res.json<Table>();
    const row = table.rows.find((r) => r.cells[0] === 'crud-cj')!;
    expect(row.object).toMatchObject({ kind: 'CronJob', apiVersion: 'batch/v1', spec: { schedule: '*/5 * * * *' } });
    expect(table.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Schedule',
      'Timezone',
      'Suspend',
      'Active',
      'Last Schedule',
      'Age',
      'Containers',
      'Images',
      'Selector',
      'Next Schedule',
    ]);
    expect(table.columnDefinitions.at(-1)).toMatchObject({ name: 'Next Schedule', priority: 1 });
    // The patch test above suspended crud-cj: the controller will start nothing (test/unit/cli/next-schedule.test.ts
    // has the running cases).
    expect(row.cells.at(-1)).toBe('<none>');

    const one = (
      await raw('GET', '/apis/batch/v1/namespaces/default/cronjobs/crud-cj', { headers: { Accept: TABLE_ACCEPT } })
    ).json<Table>();
    expect(one.kind).toBe('Table');
    expect(one.rows.map((r) => r.cells[0])).toEqual(['crud-cj']);
  });
});

describe('watch through @kubernetes/client-node', () => {
  interface Seen {
    type: string;
    name: string;
    resourceVersion: string;
  }

  async function watchJobs(query: Record<string, string>) {
    const seen: Seen[] = [];
    let ended: unknown = 'open';
    const controller = await new Watch(kc).watch(
      '/apis/batch/v1/namespaces/default/jobs',
      query,
      (type, obj: V1Job) =>
        seen.push({ type, name: obj.metadata!.name!, resourceVersion: obj.metadata!.resourceVersion! }),
      (err: unknown) => {
        ended = err;
      },
    );
    return { seen, controller, ended: () => ended };
  }

  it('streams ADDED, MODIFIED, DELETED for changes after the list resourceVersion, and no earlier ones', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: job('before-watch', 'true') });
    await h.advance(0); // it runs and completes before the list
    const listed = await batch.listNamespacedJob({ namespace: NS });
    const rv = listed.metadata!.resourceVersion!;
    expect(listed.items.map((j) => j.metadata?.name)).toContain('before-watch'); // never sent as ADDED
    const w = await watchJobs({ resourceVersion: rv });
    const seenOf = (type: string) => eventually(() => w.seen.find((e) => e.type === type && e.name === 'watched'));
    try {
      await batch.createNamespacedJob({ namespace: NS, body: job('watched', 'echo watched') });
      await h.advance(POLL_MS); // the job runs and completes; the façade polls
      await seenOf('ADDED');
      await batch.patchNamespacedJob(
        { name: 'watched', namespace: NS, body: { metadata: { labels: { seen: 'yes' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await h.advance(POLL_MS);
      await seenOf('MODIFIED');
      await batch.deleteNamespacedJob({ name: 'watched', namespace: NS });
      await h.advance(POLL_MS);
      await seenOf('DELETED');

      expect(w.seen.map((e) => [e.type, e.name])).toEqual([
        ['ADDED', 'watched'],
        ['MODIFIED', 'watched'],
        ['DELETED', 'watched'],
      ]);
      // Every event carries the resourceVersion to resume from, growing.
      const rvs = w.seen.map((e) => Number(e.resourceVersion));
      expect(rvs.every((v, i) => v > Number(rv) && (i === 0 || v > rvs[i - 1]!))).toBe(true);
      expect(w.ended()).toBe('open');
    } finally {
      w.controller.abort();
    }
  });

  it('starts a watch without a resourceVersion with ADDED for every current object', async () => {
    const w = await watchJobs({ labelSelector: 'team=a' });
    try {
      await eventually(() => w.seen.length > 0);
      expect(w.seen).toEqual([expect.objectContaining({ type: 'ADDED', name: 'crud-job' })]);
    } finally {
      w.controller.abort();
    }
  });

  it('sends the headers of a watch at once, before any change (kubectl waits for them)', async () => {
    const listed = await batch.listNamespacedJob({ namespace: NS });
    const res = await new Promise<{ status: number; contentType: string | undefined }>((resolve, reject) => {
      const req = httpsRequest(
        {
          hostname: '127.0.0.1',
          port: new URL(api.url).port,
          path: `/apis/batch/v1/namespaces/default/jobs?watch=true&resourceVersion=${listed.metadata!.resourceVersion}`,
          ca: caPem,
          headers: { Authorization: `Bearer ${TOKEN}` },
          timeout: 3_000,
        },
        (r) => {
          resolve({ status: r.statusCode ?? 0, contentType: r.headers['content-type'] });
          req.destroy();
        },
      );
      req.on('timeout', () => reject(new Error('no response headers within 3 s')));
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      req.end();
    });
    expect(res).toEqual({ status: 200, contentType: 'application/json' });
  });

  it('answers a watch from a resourceVersion it never gave out (a previous `jobctl up`) with 410 Gone', async () => {
    const res = await raw('GET', '/apis/batch/v1/namespaces/default/jobs?watch=true&resourceVersion=999999');
    expect(res.status).toBe(410);
    expect(res.json()).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
    const w = await watchJobs({ resourceVersion: '999999' });
    await eventually(() => w.ended() !== 'open');
    expect(w.ended()).toMatchObject({ statusCode: 410 });
  });
});

describe('ChangeFeed: a watch from before the kept changes', () => {
  it('replays the kept changes after a resourceVersion, and fails with ResourceVersionTooOld before them', async () => {
    let objects: ServedObject[] = [];
    const served = (name: string, resourceVersion: string): ServedObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, uid: `uid-${name}`, resourceVersion },
    });
    const feed = new ChangeFeed({
      read: async (kind: WatchedKind) => (kind === 'Job' ? [...objects] : []),
      clock: new ManualClock(Date.parse(START)),
      logSize: 1,
    });
    objects = [served('a', '1')];
    expect(await feed.sync()).toBe(1);
    objects = [served('a', '1'), served('b', '1')];
    expect(await feed.sync()).toBe(2);
    objects = [served('b', '1')];
    expect(await feed.sync()).toBe(3); // only change 3 (a DELETED) is kept

    const done = AbortSignal.abort(); // a watch returns when its signal aborts: this one after the replay
    const replayed: FeedEvent[] = [];
    await feed.watch('Job', '2', (e) => replayed.push(e), done);
    expect(replayed.map((e) => [e.seq, e.type, e.object.metadata.name])).toEqual([[3, 'DELETED', 'a']]);
    await expect(feed.watch('Job', '1', () => {}, done)).rejects.toThrow(ResourceVersionTooOld);
    await expect(feed.watch('Job', '1', () => {}, done)).rejects.toThrow('too old resource version: 1 (2)');
    // Not from a resourceVersion it never gave out either (the counter of a previous `jobctl up`).
    await expect(feed.watch('Job', '4', () => {}, done)).rejects.toThrow(ResourceVersionTooOld);
  });
});
