import type { ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { appliedChanges, applyManifests, assertRunsOnEventBridge } from '../cli/apply.ts';
import { assertNotStackDeclared } from '../cli/context.ts';
import { type PatchType, patchObject } from '../cli/patch.ts';
import { deleteCronJob, deleteJobs } from '../controllers/delete-objects.ts';
import { printPodLogs } from '../cli/pod-logs.ts';
import { matchesSelector, parseSelector } from '../cli/selector.ts';
import { JobctlError, ValidationErrors } from '../errors.ts';
import type { Connection } from '../ports/connection.ts';
import { validateManifest } from '../spec/load.ts';
import type { Kind } from '../spec/types.ts';
import type { ServedKind } from './api-resources.ts';
import { decodeProtobufObject, isProtobuf } from './protobuf.ts';
import { type ServedObject, served, servedEvent } from './served-objects.ts';
import { ApiError } from './status.ts';

/**
 * What the façade's requests do, through the same code as the CLI's commands: reads through the store, creation
 * through `applyManifests` (the validation, defaults and conditional create of `jobctl create -f`), logs through
 * `printPodLogs` (`jobctl logs`).
 */

const NAMESPACE = 'default';

/** A request's `labelSelector` and `fieldSelector`. */
export interface Selectors {
  readonly labels: (labels: Readonly<Record<string, string>>) => boolean;
  /** `metadata.name=NAME`. */
  readonly name?: string;
  /** `involvedObject.kind` / `involvedObject.name` of an events list (`kubectl describe`, `kubectl events`). */
  readonly involvedObject?: { readonly kind?: string; readonly name?: string };
}

export function selectorsOf(q: URLSearchParams): Selectors {
  let selector: ReturnType<typeof parseSelector> = [];
  try {
    selector = parseSelector(q.get('labelSelector') ?? '');
  } catch (error) {
    throw new ApiError(400, 'BadRequest', (error as Error).message);
  }
  const fields = new Map<string, string>();
  for (const term of (q.get('fieldSelector') ?? '').split(',').filter(Boolean)) {
    const m = /^([\w.]+)(==?)(.*)$/.exec(term);
    if (m === null)
      throw new ApiError(
        400,
        'BadRequest',
        `unable to parse requirement: "${term}": jobctl supports field=value terms`,
      );
    fields.set(m[1]!, m[3]!);
  }
  for (const field of fields.keys()) {
    if (!/^(metadata\.(name|namespace)|involvedObject\.(kind|name|namespace|uid|apiVersion))$/.test(field))
      throw new ApiError(400, 'BadRequest', `field label not supported: ${field}`);
  }
  const kind = fields.get('involvedObject.kind');
  const involvedName = fields.get('involvedObject.name');
  const name = fields.get('metadata.name');
  return {
    labels: (labels) => matchesSelector(selector, labels),
    ...(name === undefined ? {} : { name }),
    ...(kind === undefined && involvedName === undefined
      ? {}
      : {
          involvedObject: {
            ...(kind === undefined ? {} : { kind }),
            ...(involvedName === undefined ? {} : { name: involvedName }),
          },
        }),
  };
}

/**
 * The objects of `kind` that match: one by name (`selectors.name`), else every one (from `listed` when the caller has
 * just read them); events of the object named by `involvedObject`, else of every CronJob, Job and pod.
 */
export async function readObjects(
  c: Pick<Connection, 'store'>,
  kind: ServedKind,
  selectors: Selectors,
  listed?: readonly ServedObject[],
): Promise<ServedObject[]> {
  if (kind === 'Namespace') return [];
  if (kind === 'Event') return readEvents(c, selectors);
  let objects: ServedObject[];
  if (listed !== undefined) objects = [...listed];
  else if (selectors.name !== undefined && kind !== 'Pod') {
    const obj = await c.store.get(kind, { namespace: NAMESPACE, name: selectors.name });
    objects = obj === undefined ? [] : [served(obj)];
  } else objects = (await c.store.list(kind, NAMESPACE)).map(served);
  return objects.filter(
    (o) =>
      (selectors.name === undefined || o.metadata.name === selectors.name) && selectors.labels(o.metadata.labels ?? {}),
  );
}

async function readEvents(c: Pick<Connection, 'store'>, selectors: Selectors): Promise<ServedObject[]> {
  const wanted = selectors.involvedObject;
  const kinds: Kind[] =
    wanted?.kind === undefined
      ? ['CronJob', 'Job', 'Pod']
      : (['CronJob', 'Job', 'Pod'] as Kind[]).filter((k) => k === wanted.kind);
  const events: ServedObject[] = [];
  for (const kind of kinds) {
    const names =
      wanted?.name !== undefined ? [wanted.name] : (await c.store.list(kind, NAMESPACE)).map((o) => o.metadata.name);
    for (const name of names) {
      for (const event of await c.store.listEvents(kind, { namespace: NAMESPACE, name }))
        events.push(servedEvent(event));
    }
  }
  return events.sort((a, b) => String(a['lastTimestamp']).localeCompare(String(b['lastTimestamp'])));
}

export interface CreateOptions {
  readonly contentType: string | undefined;
  /** `Strict` (kubectl's default), `Warn` or `Ignore` (KUBECTL-API.md §4). */
  readonly fieldValidation: string;
  readonly dryRun: boolean;
  /** Over a deployed stack: a CronJob's schedule must be one EventBridge Scheduler can run, as the CLI checks. */
  readonly onAws?: boolean;
}

const UNKNOWN_FIELD = /^unknown field "(.+)"$/;

/**
 * POST of a CronJob or Job: what `jobctl create -f` does with one document. Unknown fields are refused, warned about
 * or dropped as `fieldValidation` says; the fields jobctl cannot honour are warned about, as the CLI warns.
 */
export async function createObject(
  c: Pick<Connection, 'store' | 'notify'>,
  kind: 'CronJob' | 'Job',
  body: Buffer,
  options: CreateOptions,
): Promise<{ object: ServedObject; warnings: string[] }> {
  let input: Record<string, unknown>;
  // kubectl ≥ 1.32's typed-client creates (`create job --from`, `create cronjob`): decoded to the same object.
  if (isProtobuf(options.contentType)) input = decodeProtobufObject(body);
  else {
    try {
      input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new ApiError(400, 'BadRequest', `the body of the request is not JSON: ${(error as Error).message}`);
    }
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new ApiError(400, 'BadRequest', 'the body of the request must be a JSON object');
  if (input['kind'] !== kind)
    throw new ApiError(400, 'BadRequest', `the body holds a ${String(input['kind'])}, posted to ${kind}s`);
  const metadata = { ...((input['metadata'] as Record<string, unknown> | undefined) ?? {}) };
  // Set by the server on create; a client's are not taken (the API server refuses a resourceVersion, ignores the rest).
  if (metadata['resourceVersion'] !== undefined && metadata['resourceVersion'] !== '')
    throw new ApiError(400, 'BadRequest', 'resourceVersion should not be set on objects to be created');
  delete metadata['uid'];
  delete metadata['creationTimestamp'];
  delete metadata['resourceVersion'];
  delete metadata['managedFields'];
  metadata['namespace'] ??= NAMESPACE;
  const object: Record<string, unknown> = { ...input, metadata };
  delete object['status'];

  const name = String(metadata['name'] ?? '');
  const warnings: string[] = [];
  let loaded: ReturnType<typeof validateManifest>;
  try {
    loaded = validateManifest(object, `${kind} "${name}"`);
  } catch (error) {
    if (!(error instanceof ValidationErrors)) throw error;
    const unknown = error.errors.map((e) => UNKNOWN_FIELD.exec(e.detail)?.[1]);
    if (unknown.some((u) => u === undefined) || options.fieldValidation === 'Strict')
      throw invalid(kind, name, error, options.fieldValidation === 'Strict' ? unknown : []);
    for (const path of unknown) {
      deletePath(object, path!);
      if (options.fieldValidation === 'Warn') warnings.push(`unknown field "${path}"`);
    }
    loaded = validateManifest(object, `${kind} "${name}"`);
  }
  for (const w of loaded.warnings) warnings.push(`${w.path}: ${w.message}`);
  if (options.onAws) assertRunsOnEventBridge(loaded.objects);
  const outcomes = await applyManifests(c.store, loaded.objects, { createOnly: true, dryRun: options.dryRun });
  const created = options.dryRun ? loaded.objects[0] : await c.store.get(kind, { namespace: NAMESPACE, name });
  if (created === undefined) throw new JobctlError('Conflict', `${kind} "${name}" was deleted as it was created`);
  if (!options.dryRun) await c.notify(await appliedChanges(c.store, outcomes));
  return { object: served(created), warnings };
}

/**
 * 400 `strict decoding error` for unknown fields alone under Strict (what the API server's decoder says), else 422
 * Invalid with one cause per error.
 */
function invalid(
  kind: string,
  name: string,
  error: ValidationErrors,
  unknown: ReadonlyArray<string | undefined>,
): ApiError {
  if (unknown.length > 0 && unknown.every((u) => u !== undefined))
    return new ApiError(
      400,
      'BadRequest',
      `${kind} in version "v1" cannot be handled as a ${kind}: strict decoding error: ` +
        unknown.map((u) => `unknown field "${u}"`).join(', '),
    );
  const group = 'batch';
  return new ApiError(
    422,
    'Invalid',
    `${kind}.${group} "${name}" is invalid: ${error.errors.map((e) => `${e.path}: ${e.detail}`).join(', ')}`,
    {
      name,
      group,
      kind,
      causes: error.errors.map((e) => ({ reason: 'FieldValueInvalid', message: e.detail, field: e.path })),
    },
  );
}

/** Deletes `spec.template.spec.containers[0].foo` from `object`. */
function deletePath(object: Record<string, unknown>, path: string): void {
  const steps = path.split(/\.|(?=\[)/).map((s) => (/^\[\d+\]$/.test(s) ? Number(s.slice(1, -1)) : s));
  let at: unknown = object;
  for (const step of steps.slice(0, -1)) at = (at as Record<string | number, unknown> | undefined)?.[step];
  const last = steps.at(-1)!;
  if (at !== null && typeof at === 'object') delete (at as Record<string | number, unknown>)[last];
}

/**
 * `GET pods/NAME/log`: the pod's output as `text/plain`, and with `follow=true` until the pod ends or the client goes
 * (KUBECTL-API.md §7: headers flushed at once, the client's going noticed on the response).
 */
export async function streamPodLog(
  c: Pick<Connection, 'store' | 'logs' | 'logsSettleMs'>,
  name: string,
  q: URLSearchParams,
  res: ServerResponse,
): Promise<void> {
  const pod = (await c.store.list('Pod', NAMESPACE)).find((p) => p.metadata.name === name);
  if (pod === undefined) throw new ApiError(404, 'NotFound', `pods "${name}" not found`, { kind: 'pods', name });
  const tail = q.get('tailLines');
  const tailLines = tail === null ? -1 : Number(tail);
  if (!Number.isInteger(tailLines)) throw new ApiError(400, 'BadRequest', `tailLines "${tail}" is not a number`);
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  await printPodLogs(
    c,
    [pod],
    { follow: q.get('follow') === 'true', tailLines },
    {
      io: { stdout: (text) => void res.write(text), stderr: () => {}, now: () => Date.now(), setExitCode: () => {} },
      signal: abort.signal,
    },
  );
  res.end();
}

export interface UpdateOptions {
  readonly method: 'PATCH' | 'PUT';
  readonly contentType: string | undefined;
  readonly dryRun: boolean;
  readonly fieldValidation: string;
  readonly onAws?: boolean;
}

const PATCH_TYPES: Readonly<Record<string, PatchType>> = {
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/json-patch+json': 'json',
};

/**
 * PATCH (merge, strategic merge, JSON patch; server-side apply as "create, or strategic-merge the applied
 * configuration") and PUT of a CronJob or Job, through {@link patchObject}, the code of `jobctl patch`.
 */
export async function updateObject(
  c: Pick<Connection, 'store' | 'notify'>,
  kind: 'CronJob' | 'Job',
  name: string,
  body: Buffer,
  options: UpdateOptions,
): Promise<{ object: ServedObject; warnings: string[]; created: boolean }> {
  const contentType = (options.contentType ?? '').split(';')[0]!.trim();
  const serverSideApply = options.method === 'PATCH' && contentType === 'application/apply-patch+yaml';
  let patch: unknown;
  try {
    patch = serverSideApply ? parseYaml(body.toString('utf8')) : JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ApiError(400, 'BadRequest', `the body of the request cannot be parsed: ${(error as Error).message}`);
  }
  const key = { namespace: NAMESPACE, name };
  const existing = await c.store.get(kind, key);
  if (existing === undefined) {
    if (serverSideApply) {
      const created = await createObject(c, kind, Buffer.from(JSON.stringify(patch)), {
        contentType: 'application/json',
        fieldValidation: options.fieldValidation,
        dryRun: options.dryRun,
        onAws: options.onAws ?? false,
      });
      return { ...created, created: true };
    }
    throw new ApiError(404, 'NotFound', `${kind === 'CronJob' ? 'cronjobs' : 'jobs'}.batch "${name}" not found`, {
      name,
      group: 'batch',
      kind: kind === 'CronJob' ? 'cronjobs' : 'jobs',
    });
  }
  let type: PatchType;
  if (options.method === 'PUT' || serverSideApply) {
    if (!isObject(patch)) throw new ApiError(400, 'BadRequest', 'the body of the request must be a JSON object');
    const rv = (patch['metadata'] as Record<string, unknown> | undefined)?.['resourceVersion'];
    if (options.method === 'PUT' && rv !== undefined && rv !== existing.metadata.resourceVersion)
      throw conflict(kind, name);
    const { status: _, ...desired } = patch;
    // PUT replaces the editable part whole; server-side apply merges what is applied over it.
    patch = options.method === 'PUT' ? { ...desired, $patch: 'replace' } : desired;
    type = 'strategic';
  } else {
    const known = PATCH_TYPES[contentType];
    if (known === undefined)
      throw new ApiError(415, 'UnsupportedMediaType', `the patch type "${contentType}" is not supported`);
    type = known;
  }
  const { object, outcome } = await patchObject(c, existing, patch, {
    type,
    dryRun: options.dryRun,
    onAws: options.onAws ?? false,
  });
  if (!options.dryRun && outcome.action !== 'unchanged') await c.notify([{ kind, key }]);
  return { object: served(object), warnings: [], created: false };
}

function conflict(kind: string, name: string): ApiError {
  const resource = kind === 'CronJob' ? 'cronjobs.batch' : 'jobs.batch';
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes ` +
      'to the latest version and try again',
  );
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * DELETE of a CronJob (with its Jobs) or a Job (with its pods and logs), as `jobctl delete` does it; the answer is a
 * Success Status, after which kubectl's GET finds nothing (the deletion has finished). `Orphan` is refused: a Job's
 * pods live and go with it.
 */
export async function deleteObject(
  c: Connection,
  kind: 'CronJob' | 'Job',
  name: string,
  body: Buffer,
  q: URLSearchParams,
): Promise<unknown> {
  let options: Record<string, unknown> = {};
  if (body.length > 0) {
    try {
      options = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new ApiError(400, 'BadRequest', 'the body of a DELETE must be DeleteOptions as JSON');
    }
  }
  const propagation = String(options['propagationPolicy'] ?? q.get('propagationPolicy') ?? 'Background');
  if (propagation === 'Orphan')
    throw new ApiError(
      422,
      'Invalid',
      `jobctl deletes a ${kind}'s ${kind === 'CronJob' ? 'Jobs' : 'pods'} with it: propagationPolicy Orphan is not ` +
        'supported (use --cascade=background)',
    );
  const existing = await c.store.get(kind, { namespace: NAMESPACE, name });
  const plural = kind === 'CronJob' ? 'cronjobs' : 'jobs';
  if (existing === undefined)
    throw new ApiError(404, 'NotFound', `${plural}.batch "${name}" not found`, { name, group: 'batch', kind: plural });
  if (existing.kind === 'CronJob')
    assertNotStackDeclared(existing, 'delete', 'remove it from the config file and run cdk deploy');
  const dryRun = (Array.isArray(options['dryRun']) && options['dryRun'].includes('All')) || q.get('dryRun') === 'All';
  if (!dryRun) {
    if (existing.kind === 'CronJob') await deleteCronJob(c, existing);
    else await deleteJobs(c, [existing], () => {});
  }
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name, group: 'batch', kind: plural, uid: existing.metadata.uid },
  };
}
