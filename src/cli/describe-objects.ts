/**
 * `jobctl describe TYPE [NAME_PREFIX | -l SELECTOR]`: one object, every object of a type, the objects whose name
 * starts with a prefix, or those matching a label selector.
 *
 * Ported from kubectl's `staging/src/k8s.io/kubectl/pkg/cmd/describe/describe.go` (`Run`,
 * `DescribeMatchingResources`): descriptions are separated by `"\n\n"` (one is `"%s\n"` after each prefix match), and
 * events are left out when more than one object is described unless `--show-events` is given, as kubectl does to
 * spare one events query per object.
 */
import { JobctlError, NotFoundError } from '../errors.ts';
import type { Connection } from '../ports/connection.ts';
import type { Kind, KubeObject } from '../spec/types.ts';
import { resource } from './apply.ts';
import type { CliIo } from './io.ts';
import { describeObject, noResourcesMessage } from './printers/index.ts';
import { matchesSelector, type Selector } from './selector.ts';

const NAMESPACE = 'default';

/** What `describe` needs from a connection. */
export type DescribeConnection = Pick<Connection, 'store' | 'clock'>;

/** Which objects `describe` prints. */
export interface DescribeObjectsOptions {
  /** An exact name, else a name prefix (kubectl's `NAME_PREFIX`). @default - every object of the kind */
  readonly name?: string;
  /** Only objects whose labels match. @default - no filter */
  readonly selector?: Selector;
  /**
   * Print each object's events (kubectl `--show-events`).
   * @default - true when exactly one object is found by its name, false otherwise (kubectl's default)
   */
  readonly showEvents?: boolean;
}

/**
 * Prints `kubectl describe` text for the chosen objects of `kind`, sorted by name. None found by a selector or for
 * the whole kind prints kubectl's "No resources found in default namespace." on stderr and succeeds.
 *
 * @throws JobctlError when both a name and a selector are given; NotFoundError when no object has `name` as its name
 *   or name prefix.
 * @example
 * await describeObjects(c, 'Job', { selector: parseSelector('jobgroup=jobexample') }, io);
 * await describeObjects(c, 'Job', { name: 'process-item-' }, io); // every Job whose name starts so
 */
export async function describeObjects(
  c: DescribeConnection,
  kind: Kind,
  options: DescribeObjectsOptions,
  io: CliIo,
): Promise<void> {
  const { name, selector } = options;
  if (name !== undefined && selector !== undefined)
    throw new JobctlError('Validation', 'error: name cannot be provided when a selector is specified');
  if (name !== undefined) {
    // A strongly consistent read for the exact name (list may lag writes on AWS); pods are found through the list.
    const exact =
      kind === 'Pod'
        ? (await c.store.list('Pod', NAMESPACE)).find((p) => p.metadata.name === name)
        : await c.store.get(kind, { namespace: NAMESPACE, name });
    if (exact) {
      io.stdout(await describeOne(c, exact, options.showEvents ?? true));
      return;
    }
    // DescribeMatchingResources: the exact lookup failed, so kubectl hides events unless told, and ends each with "\n".
    const prefixed = (await listKind(c, kind)).filter((o) => o.metadata.name.startsWith(name));
    if (prefixed.length === 0)
      throw new NotFoundError(`Error from server (NotFound): ${resource(kind)} "${name}" not found`);
    for (const obj of prefixed) io.stdout(`${await describeOne(c, obj, options.showEvents ?? false)}\n`);
    return;
  }
  const all = await listKind(c, kind);
  const chosen = selector ? all.filter((o) => matchesSelector(selector, o.metadata.labels ?? {})) : all;
  if (chosen.length === 0) {
    io.stderr(`${noResourcesMessage(NAMESPACE)}\n`);
    return;
  }
  const showEvents = options.showEvents ?? chosen.length === 1;
  const texts: string[] = [];
  for (const obj of chosen) texts.push(await describeOne(c, obj, showEvents));
  io.stdout(texts.join('\n\n'));
}

/**
 * Prints `kubectl describe` text for `objects` as found (any kinds, in the order given), separated by `"\n\n"` as
 * kubectl's `Run` separates them: `describe jobs/a cronjobs/b`, `describe jobs a b`, `describe cronjobs,jobs -l …`.
 * None prints kubectl's "No resources found in default namespace." on stderr, unless `quiet` (the names that were
 * asked for were not found: their errors are the output).
 *
 * @example await describeEach(c, (await findObjects(c, parseResourceArgs(['jobs/a', 'jobs/b']))).objects, {}, io);
 */
export async function describeEach(
  c: DescribeConnection,
  objects: readonly KubeObject[],
  options: Pick<DescribeObjectsOptions, 'showEvents'> & { readonly quiet?: boolean },
  io: CliIo,
): Promise<void> {
  if (objects.length === 0) {
    if (!options.quiet) io.stderr(`${noResourcesMessage(NAMESPACE)}\n`);
    return;
  }
  const showEvents = options.showEvents ?? objects.length === 1;
  const texts: string[] = [];
  for (const obj of objects) texts.push(await describeOne(c, obj, showEvents));
  io.stdout(texts.join('\n\n'));
}

/**
 * `--show-events`' value as commander hands it over: `true` for the bare flag, else the text `true` or `false`;
 * `undefined` when the flag was not given (kubectl's default then applies).
 *
 * @example parseShowEvents('false') // false
 */
export function parseShowEvents(value: string | boolean | undefined): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new JobctlError(
    'Validation',
    `error: invalid argument ${JSON.stringify(value)} for "--show-events" flag: expected true or false`,
  );
}

async function describeOne(c: DescribeConnection, obj: KubeObject, showEvents: boolean): Promise<string> {
  const key = { namespace: obj.metadata.namespace, name: obj.metadata.name };
  const events = showEvents ? await c.store.listEvents(obj.kind, key) : [];
  const pods = obj.kind === 'Job' ? await c.store.listPods(key) : [];
  const text = describeObject(obj, { events, pods, nowMs: c.clock.now() });
  // kubectl prints no Events section at all when it did not fetch events. describeObject always ends with one; with
  // no events that is the single line `Events:  <none>`, whose label is narrower than every other label in its block
  // (so dropping it changes no column width).
  return showEvents ? text : text.replace(/(^|\n)Events:[ \t]+<none>\n$/, '$1');
}

async function listKind(c: DescribeConnection, kind: Kind): Promise<KubeObject[]> {
  const objects: KubeObject[] = await c.store.list(kind, NAMESPACE);
  return objects.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}
