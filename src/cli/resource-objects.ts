/**
 * The objects a verb's resource arguments name ({@link parseResourceArgs}), fetched the way kubectl's resource builder
 * visits them with `ContinueOnError`: named objects in argument order, an absent one an error reported after the
 * rest were handled; selected objects per type, in name order. Also kubectl get's human-readable printing of several
 * types (`get cronjob/hello job/pi`, `get cronjobs,jobs`): a table per run of one type, names as `TYPE/NAME`, a blank
 * line between tables (staging/src/k8s.io/kubectl/pkg/cmd/get/get.go `Run`, `multipleGVKsRequested`,
 * `separatorWriterWrapper`).
 */
import { JobctlError, NotFoundError } from '../errors.ts';
import type { ObjectReads } from '../ports/connection.ts';
import type { Kind, KubeObject } from '../spec/types.ts';
import { NAMESPACE } from './context.ts';
import { resourceName } from './printers/output.ts';
import { isResourceQuotaType } from './quota-command.ts';
import { isWorkQueueType, parseResourceType, resource, type ResourceArgs } from './resources.ts';
import { matchesSelector } from './selector.ts';

/** Every type a `get`, `describe` or `delete` argument may name: the three kinds, and jobctl's queues and quotas. */
export type AnyResourceType = Kind | 'WorkQueue' | 'ResourceQuota';

/** {@link parseResourceType}, and the names of work queues (`workqueues`, `wq`) and quotas (`resourcequotas`). */
export function resolveAnyResourceType(word: string): AnyResourceType {
  if (isWorkQueueType(word)) return 'WorkQueue';
  if (isResourceQuotaType(word)) return 'ResourceQuota';
  return parseResourceType(word);
}

/** The types a request names. */
export function requestedTypes<T>(request: ResourceArgs<T>): T[] {
  return request.kind === 'selected' ? [...request.types] : [...new Set(request.targets.map((t) => t.type))];
}

/** What {@link findObjects} found, and the NotFound errors of the named objects it did not. */
export interface FoundObjects {
  readonly objects: KubeObject[];
  readonly notFound: NotFoundError[];
}

/**
 * The objects `request` names: each named one in argument order (an absent one adds kubectl's
 * `Error from server (NotFound): jobs.batch "x" not found` to `notFound`), or for a selection every object of each
 * type in turn whose labels match, in name order.
 *
 * @example
 * const { objects, notFound } = await findObjects(c, parseResourceArgs(['job/pi', 'cronjob/hello']));
 */
export async function findObjects(c: Pick<ObjectReads, 'store'>, request: ResourceArgs<Kind>): Promise<FoundObjects> {
  const objects: KubeObject[] = [];
  const notFound: NotFoundError[] = [];
  if (request.kind === 'selected') {
    for (const kind of request.types) {
      const all: KubeObject[] = await c.store.list(kind, NAMESPACE);
      objects.push(
        ...all
          .filter((o) => matchesSelector(request.selector, o.metadata.labels ?? {}))
          .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)),
      );
    }
    return { objects, notFound };
  }
  for (const { type, name } of request.targets) {
    // A strongly consistent read by key; pods are found through the list (their key is their Job's).
    const obj =
      type === 'Pod'
        ? (await c.store.list('Pod', NAMESPACE)).find((p) => p.metadata.name === name)
        : await c.store.get(type, { namespace: NAMESPACE, name });
    if (obj) objects.push(obj);
    else notFound.push(notFoundError(type, name));
  }
  return { objects, notFound };
}

/** kubectl's NotFound for `kind` and `name`: `Error from server (NotFound): jobs.batch "pi" not found`. */
export function notFoundError(kind: AnyResourceType, name: string): NotFoundError {
  return new NotFoundError(`Error from server (NotFound): ${resource(kind)} "${name}" not found`);
}

/**
 * The errors a command collected, as kubectl's `CheckErr` prints an aggregate: one alone as it is, several one per
 * line. Undefined when there are none.
 */
export function aggregateErrors(errors: readonly JobctlError[]): JobctlError | undefined {
  if (errors.length <= 1) return errors[0];
  return new JobctlError(errors[0]!.code, errors.map((e) => e.message).join('\n'));
}

/**
 * The resource types of kubectl's `all` category on jobctl's API, in the order discovery lists them (the core group,
 * then batch: src/kube-api/api-resources.ts), which is the order `kubectl get all` prints its tables in.
 */
const ALL_CATEGORY = ['pods', 'cronjobs', 'jobs'];

/**
 * The builder's `ReplaceAliases` of the type argument: `all` (as a word of `args[0]`) becomes pods, cronjobs and jobs.
 * Not in `TYPE/NAME` arguments, nor after `a,b NAME`, which the builder normalizes into `TYPE/NAME` first (`all` is
 * then an unknown type). `all NAME` is kubectl's "you must specify only one resource" (visitByName).
 *
 * @example expandAllCategory(['all']) // ['pods,cronjobs,jobs']
 */
export function expandAllCategory(args: readonly string[]): string[] {
  const [first, ...names] = args;
  if (first === undefined || args.some((a) => a.includes('/')) || (names.length > 0 && first.includes(',')))
    return [...args];
  const words = first.split(',');
  if (!words.includes('all')) return [...args];
  if (names.length > 0) throw new JobctlError('Validation', 'error: you must specify only one resource');
  return [words.flatMap((w) => (w === 'all' ? ALL_CATEGORY : [w])).join(','), ...names];
}

/**
 * cli-runtime's `MultipleTypesRequested` on get's arguments as typed: `all` alone, a comma list of more than one
 * word, or `TYPE/NAME` arguments of more than one type word. kubectl get then prints `TYPE/NAME` names even when
 * what it found is of one kind (`get cronjobs,jobs` with no Job: `cronjob.batch/hello`).
 */
export function multipleTypesRequested(args: readonly string[]): boolean {
  if (args.length === 1 && args[0] === 'all') return true;
  const typeWords = new Set<string>();
  for (const arg of args) {
    const parts = arg.split('/');
    if (parts.length > 2) continue;
    if (parts.length === 1) {
      if (new Set(arg.split(',')).size > 1) return true;
      continue;
    }
    typeWords.add(parts[0]!);
    if (typeWords.size > 1) return true;
  }
  return false;
}

/** True when the objects are of more than one kind: kubectl get then prints `TYPE/NAME` in the NAME column. */
export function hasSeveralKinds(objects: readonly KubeObject[]): boolean {
  return objects.some((o) => o.kind !== objects[0]!.kind);
}

/** A copy whose name is `cronjob.batch/hello`, `job.batch/pi`, `pod/pi-x7k2q`: a row of kubectl's `--show-kind`. */
export function withKindName<T extends KubeObject>(obj: T): T {
  return { ...obj, metadata: { ...obj.metadata, name: resourceName(obj) } };
}

/**
 * kubectl get's human-readable output of `objects`: one table per run of objects of one kind (`render` prints it,
 * header and all), names as `TYPE/NAME` when more than one kind is shown (or `withKind` says so), and an empty line
 * before each table after the first when headers are printed and something was printed before.
 *
 * @example
 * renderKindTables(objects, true, (kind, run) => renderObjects(kind, run, { format: 'table', nowMs }));
 */
export function renderKindTables(
  objects: readonly KubeObject[],
  headers: boolean,
  render: (kind: Kind, run: readonly KubeObject[]) => string,
  withKind = hasSeveralKinds(objects),
): string {
  let out = '';
  let start = 0;
  while (start < objects.length) {
    const kind = objects[start]!.kind;
    let end = start;
    while (end < objects.length && objects[end]!.kind === kind) end++;
    const run = objects.slice(start, end);
    const text = render(kind, withKind ? run.map(withKindName) : run);
    if (start > 0 && headers && out !== '' && text !== '') out += '\n';
    out += text;
    start = end;
  }
  return out;
}
