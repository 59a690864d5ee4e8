/**
 * `jobctl wait`: kubectl wait for Jobs (and `--for=delete` for any kind), by polling the store through the connection.
 *
 * Ported from kubectl's `staging/src/k8s.io/kubectl/pkg/cmd/wait/wait.go`: `conditionFuncFor` (`delete`,
 * `condition=NAME[=VALUE]` with the value `true` by default, both compared case-insensitively), `RunWait` (one
 * timeout for the whole command; "no matching resources found"), `getObjAndCheckCondition` (`--timeout=0` checks once;
 * a negative timeout waits a week), `checkCondition` (the first condition of that type decides), `IsDeleted` and the
 * messages `job.batch/NAME condition met` and `timed out waiting for the condition on jobs/NAME`.
 *
 * Where jobctl differs: kubectl waits for one object after the other, so its `condition met` lines come in argument
 * order; jobctl polls them all and prints each line as soon as that object meets the condition (in argument order
 * within one poll). While more than one object is pending it reports progress on stderr (see {@link progressLine}).
 */
import type { Command } from 'commander';
import { assertNever, JobctlError, NotFoundError } from '../errors.ts';
import { GoDurationError, parseGoDuration } from '../cron/go-duration.ts';
import type { Connection } from '../ports/connection.ts';
import type { Kind, KubeObject } from '../spec/types.ts';
import { wellKnown } from '../spec/types.ts';
import { clockSleep, type Sleep } from '../worker/work-queue-client.ts';
import { resource } from './apply.ts';
import type { CliIo } from './io.ts';
import { resourceName } from './printers/index.ts';
import { parseResourceArgs } from './resources.ts';
import { matchesSelector, type Selector } from './selector.ts';

const NAMESPACE = 'default';

/** kubectl's default `--timeout`. */
export const DEFAULT_WAIT_TIMEOUT_MS = 30_000;
/** What a negative `--timeout` means: kubectl waits a week. */
const NEGATIVE_TIMEOUT_MS = 168 * 3_600_000;
/** Milliseconds between two looks at the store. */
export const DEFAULT_WAIT_POLL_MS = 1_000;
/** Exit code after Ctrl-C: 128 + SIGINT, what a shell reports for a command the signal ended. */
export const WAIT_EXIT_INTERRUPTED = 130;

/** What `wait` needs from a connection: strongly consistent reads, and the clock its timeout runs on. */
export type WaitConnection = Pick<Connection, 'store' | 'clock'>;

/** `--for`: the object is gone, or has a status condition of this type with this status. */
export type WaitCondition =
  | { readonly kind: 'delete' }
  | { readonly kind: 'condition'; readonly type: string; readonly status: string };

/** One object waited on. */
export interface WaitTarget {
  readonly kind: Kind;
  readonly name: string;
}

/** Which objects to wait on: named ones, or every object of a kind matching a selector (`--all`: the empty one). */
export type WaitObjects =
  | { readonly kind: 'named'; readonly targets: readonly WaitTarget[] }
  | { readonly kind: 'selected'; readonly resourceKind: Kind; readonly selector: Selector };

export interface WaitOptions {
  readonly for: WaitCondition;
  readonly objects: WaitObjects;
  /** How long to wait; 0 looks once, a negative value waits a week (kubectl `--timeout`). @default 30_000 */
  readonly timeoutMs?: number;
  /** Milliseconds between two looks at the store. @default 1_000 */
  readonly pollIntervalMs?: number;
}

/** How a wait ended, as a value: only a broken store or a vanished object is an exception. */
export type WaitOutcome =
  | { readonly kind: 'met' }
  /** The timeout passed; `waitingOn` is the first object (in argument order) still short of the condition. */
  | { readonly kind: 'timed-out'; readonly waitingOn: WaitTarget }
  /** `--timeout=0`: one look, and `waitingOn` did not meet the condition. */
  | { readonly kind: 'not-met'; readonly waitingOn: WaitTarget }
  | { readonly kind: 'interrupted' };

export interface WaitCommandDeps {
  readonly io: CliIo;
  /** Opens the connection of `--context` (the program's own `withConnection`). */
  readonly withConnection: <T>(work: (c: WaitConnection) => Promise<T>) => Promise<T>;
  /** Aborted on Ctrl-C: the wait ends with exit code 130. @default - none */
  readonly signal?: AbortSignal;
  /**
   * How the wait pauses between polls. @default - a timer on the connection's clock (its `now()` measures the timeout)
   */
  readonly sleep?: Sleep;
  /** @default 1_000 */
  readonly pollIntervalMs?: number;
}

const HELP_AFTER = `
Waits until every given object meets the condition, printing "<type>/<name> condition met" on stdout for each as it
does; exits 1 with "error: timed out waiting for the condition on jobs/NAME" when --timeout passes first.

  --for=condition=complete     a Job's Complete condition is True (condition=failed: its Failed condition)
  --for=condition=TYPE=VALUE   any Job condition type (Complete, Failed, Suspended, SuccessCriteriaMet, FailureTarget)
                               with status VALUE (default true; compared case-insensitively)
  --for=delete                 the object is gone (jobs, pods or cronjobs); an object already gone is not waited for

Objects: job/NAME ... | TYPE NAME ... | [TYPE] -l SELECTOR | [TYPE] --all  (TYPE defaults to jobs with -l and --all;
the selector is evaluated once, at the start, as kubectl does).

Progress: while more than one object is pending, a line such as "waiting: 2/3 jobs complete" goes to stderr after
each look at the store (every second) that changed the count; stdout carries only kubectl's lines.

Examples:
  jobctl wait --for=condition=complete -l jobgroup=jobexample --timeout=5m
  jobctl wait --for=condition=complete job/process-item-apple job/process-item-banana
  jobctl wait --for=delete job/pi --timeout=60s
`;

/**
 * Adds `jobctl wait` to `program`.
 *
 * @example
 * registerWaitCommand(program, { io, withConnection, signal: penv.signal });
 * // jobctl wait --for=condition=complete -l jobgroup=jobexample --timeout 2m
 */
export function registerWaitCommand(program: Command, deps: WaitCommandDeps): void {
  program
    .command('wait')
    .description('wait for jobs to complete or fail, or for objects to be deleted (kubectl wait)')
    .argument('[resources...]', 'job/NAME ..., TYPE NAME ..., or TYPE with -l/--all')
    .option('--for <condition>', 'condition=complete | condition=failed | condition=TYPE[=VALUE] | delete')
    .option('-l, --selector <selector>', 'wait for every object matching the selector, e.g. jobgroup=jobexample')
    .option('--all', 'wait for every object of the type')
    .option('--timeout <duration>', 'how long to wait (e.g. 30s, 5m, 1h); 0 checks once, negative waits a week', '30s')
    .addHelpText('after', HELP_AFTER)
    .action(async (args: string[], opts: { for?: string; selector?: string; all?: boolean; timeout: string }) => {
      const options: WaitOptions = {
        for: parseWaitFor(opts.for),
        objects: parseWaitObjects(args, { selector: opts.selector, isAll: opts.all === true }),
        timeoutMs: parseTimeout(opts.timeout),
        pollIntervalMs: deps.pollIntervalMs,
      };
      const outcome = await deps.withConnection((c) => runWait(c, options, deps));
      const message = waitOutcomeMessage(outcome);
      if (message) deps.io.stderr(`${message}\n`);
      deps.io.setExitCode(waitExitCode(outcome));
    });
}

/**
 * kubectl's `--for`: `delete`, or `condition=NAME[=VALUE]` (VALUE defaults to `true`).
 *
 * @example parseWaitFor('condition=complete') // { kind: 'condition', type: 'complete', status: 'true' }
 */
export function parseWaitFor(text: string | undefined): WaitCondition {
  if (text === undefined || text === '')
    throw new JobctlError(
      'Validation',
      'error: --for is required: --for=condition=complete, --for=condition=failed or --for=delete',
    );
  if (text.toLowerCase() === 'delete') return { kind: 'delete' };
  if (text.startsWith('condition=')) {
    const rest = text.slice('condition='.length);
    const eq = rest.indexOf('=');
    const type = eq === -1 ? rest : rest.slice(0, eq);
    if (type === '')
      throw new JobctlError(
        'Validation',
        `error: --for "${text}": a condition type is required, e.g. --for=condition=complete`,
      );
    return { kind: 'condition', type, status: eq === -1 ? 'true' : rest.slice(eq + 1) };
  }
  if (text.startsWith('jsonpath='))
    throw new JobctlError(
      'Validation',
      `error: --for "${text}": jsonpath waits are not supported by jobctl; use --for=condition=TYPE or --for=delete`,
    );
  throw new JobctlError('Validation', `error: unrecognized condition: ${JSON.stringify(text)}`);
}

/**
 * The objects of `wait`'s arguments, read by the resource-builder port every verb shares ({@link parseResourceArgs}):
 * `TYPE/NAME ...`, `TYPE NAME ...`, or a type with `-l` or `--all`. Where jobctl differs: with `-l` or `--all` and no
 * type at all it waits for jobs (kubectl: "at least one resource must be specified to use a selector").
 *
 * @example parseWaitObjects([], { selector: 'jobgroup=jobexample' }) // every Job labelled jobgroup=jobexample
 */
export function parseWaitObjects(
  args: readonly string[],
  options: { selector?: string; isAll?: boolean },
): WaitObjects {
  const request = parseResourceArgs<Kind>(args, { selector: options.selector, all: options.isAll, defaultType: 'Job' });
  if (request.kind === 'named')
    return { kind: 'named', targets: request.targets.map(({ type, name }) => ({ kind: type, name })) };
  if (request.types.length > 1)
    throw new JobctlError('Validation', 'error: jobctl waits for one resource type at a time with -l or --all');
  return { kind: 'selected', resourceKind: request.types[0]!, selector: request.selector };
}

/**
 * Go's `time.ParseDuration` text of `--timeout` in milliseconds (rounded up, so `1ns` still waits); negative means a
 * week, as kubectl.
 *
 * @example parseTimeout('1m30s') // 90_000
 */
export function parseTimeout(text: string): number {
  let nanos: bigint;
  try {
    nanos = parseGoDuration(text);
  } catch (error) {
    if (!(error instanceof GoDurationError)) throw error;
    throw new JobctlError(
      'Validation',
      `error: invalid argument ${JSON.stringify(text)} for "--timeout" flag: ${error.message}`,
      { cause: error },
    );
  }
  if (nanos < 0n) return NEGATIVE_TIMEOUT_MS;
  return Number((nanos + 999_999n) / 1_000_000n);
}

/**
 * Waits until every object meets `options.for`, printing kubectl's `condition met` line for each as it does and
 * progress lines on stderr. Time is the connection's clock; pauses are `deps.sleep`.
 *
 * @throws NotFoundError when a named object does not exist (for a condition), or vanishes while waited on.
 * @example
 * const request = { for: parseWaitFor('condition=complete'), objects: parseWaitObjects(['job/pi'], {}) };
 * const outcome = await runWait(c, request, { io });
 */
export async function runWait(
  c: WaitConnection,
  options: WaitOptions,
  deps: Pick<WaitCommandDeps, 'io' | 'signal' | 'sleep'>,
): Promise<WaitOutcome> {
  const { io } = deps;
  const condition = options.for;
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  const pollMs = options.pollIntervalMs ?? DEFAULT_WAIT_POLL_MS;
  const sleep = deps.sleep ?? clockSleep(c.clock);
  const signal = deps.signal ?? new AbortController().signal;
  const deadlineMs = c.clock.now() + timeoutMs;

  const objects = await resolveObjects(c, options.objects, condition);
  if (objects.length === 0 && condition.kind !== 'delete')
    throw new JobctlError('NotFound', 'error: no matching resources found');
  if (condition.kind === 'condition') {
    const noConditions = objects.find((o) => o.kind !== 'Job');
    if (noConditions) {
      throw new JobctlError(
        'Validation',
        `error: ${resource(noConditions.kind)} have no status conditions in jobctl: wait for their job ` +
          `(--for=condition=complete job/NAME) or use --for=delete`,
      );
    }
  }
  const pending = [...objects];
  let reportedCount: number | undefined;
  for (;;) {
    for (const obj of [...pending]) {
      if (!(await isMet(c, obj, condition))) continue;
      io.stdout(`${resourceName(obj)} condition met\n`);
      pending.splice(pending.indexOf(obj), 1);
    }
    const first = pending[0];
    if (first === undefined) return { kind: 'met' };
    const waitingOn = { kind: first.kind, name: first.metadata.name };
    if (timeoutMs === 0) return { kind: 'not-met', waitingOn };
    if (c.clock.now() >= deadlineMs) return { kind: 'timed-out', waitingOn };
    const metCount = objects.length - pending.length;
    if (objects.length > 1 && metCount !== reportedCount) {
      io.stderr(`${progressLine(metCount, objects, condition)}\n`);
      reportedCount = metCount;
    }
    if (signal.aborted) return { kind: 'interrupted' };
    await sleep(Math.min(pollMs, deadlineMs - c.clock.now()), signal);
    if (signal.aborted) return { kind: 'interrupted' };
  }
}

/** kubectl's line for an outcome that failed, without the newline; nothing for `met` and `interrupted`. */
export function waitOutcomeMessage(outcome: WaitOutcome): string | undefined {
  switch (outcome.kind) {
    case 'met':
    case 'interrupted':
      return undefined;
    case 'timed-out': {
      const { kind, name } = outcome.waitingOn;
      return `error: timed out waiting for the condition on ${plural(kind)}/${name}`;
    }
    case 'not-met':
      return `error: condition not met for ${plural(outcome.waitingOn.kind)}/${outcome.waitingOn.name}`;
    default:
      return assertNever(outcome, 'wait outcome');
  }
}

/** 0 when every object met the condition, 130 after Ctrl-C, else 1 (kubectl's exit code for an error). */
export function waitExitCode(outcome: WaitOutcome): number {
  switch (outcome.kind) {
    case 'met':
      return 0;
    case 'interrupted':
      return WAIT_EXIT_INTERRUPTED;
    case 'timed-out':
    case 'not-met':
      return 1;
    default:
      return assertNever(outcome, 'wait outcome');
  }
}

/**
 * The stderr progress line: `waiting: 2/3 jobs complete`, `waiting: 0/2 pods deleted`,
 * `waiting: 1/4 jobs with condition Suspended=False`.
 */
export function progressLine(metCount: number, objects: readonly KubeObject[], condition: WaitCondition): string {
  const kinds = new Set(objects.map((o) => o.kind));
  const noun = kinds.size === 1 ? plural(objects[0]!.kind) : 'objects';
  return `waiting: ${metCount}/${objects.length} ${noun} ${conditionWord(condition)}`;
}

function conditionWord(condition: WaitCondition): string {
  switch (condition.kind) {
    case 'delete':
      return 'deleted';
    case 'condition': {
      const isTrue = condition.status.toLowerCase() === 'true';
      const type = condition.type.toLowerCase();
      return isTrue && (type === 'complete' || type === 'failed' || type === 'suspended')
        ? type
        : `with condition ${condition.type}=${condition.status}`;
    }
    default:
      return assertNever(condition, 'wait condition');
  }
}

/** `jobs`, `pods`, `cronjobs`: the resource name kubectl's timeout message uses. */
function plural(kind: Kind): string {
  return `${kind.toLowerCase()}s`;
}

/**
 * The objects to wait on, fetched once at the start (kubectl resolves its arguments once too). A named object that is
 * absent fails a condition wait with NotFound and is skipped by a delete wait, as kubectl ignores NotFound there.
 */
async function resolveObjects(
  c: WaitConnection,
  objects: WaitObjects,
  condition: WaitCondition,
): Promise<KubeObject[]> {
  switch (objects.kind) {
    case 'selected': {
      const all: KubeObject[] = await c.store.list(objects.resourceKind, NAMESPACE);
      return all
        .filter((o) => matchesSelector(objects.selector, o.metadata.labels ?? {}))
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    }
    case 'named': {
      const found: KubeObject[] = [];
      for (const target of objects.targets) {
        const obj = await getObject(c, target.kind, target.name);
        if (obj) found.push(obj);
        else if (condition.kind !== 'delete')
          throw new NotFoundError(`Error from server (NotFound): ${resource(target.kind)} "${target.name}" not found`);
      }
      return found;
    }
    default:
      return assertNever(objects, 'wait objects');
  }
}

/**
 * One strongly consistent look at `obj`: gone (or replaced by a new object of the same name) for delete, else its
 * condition.
 */
async function isMet(c: WaitConnection, obj: KubeObject, condition: WaitCondition): Promise<boolean> {
  const current = await getObject(c, obj.kind, obj.metadata.name, obj);
  switch (condition.kind) {
    case 'delete':
      return current === undefined || current.metadata.uid !== obj.metadata.uid;
    case 'condition': {
      if (current === undefined)
        throw new NotFoundError(`Error from server (NotFound): ${resource(obj.kind)} "${obj.metadata.name}" not found`);
      if (current.kind !== 'Job') return false;
      // checkCondition: the first condition of the type decides; type and status compare case-insensitively.
      const found = current.status.conditions.find((cond) => cond.type.toLowerCase() === condition.type.toLowerCase());
      return found !== undefined && found.status.toLowerCase() === condition.status.toLowerCase();
    }
    default:
      return assertNever(condition, 'wait condition');
  }
}

/** Reads one object; a pod through its Job's key (strongly consistent) once known, else through the pod list. */
async function getObject(
  c: WaitConnection,
  kind: Kind,
  name: string,
  known?: KubeObject,
): Promise<KubeObject | undefined> {
  if (kind !== 'Pod') return c.store.get(kind, { namespace: NAMESPACE, name });
  const jobName = known?.metadata.labels?.[wellKnown.jobName];
  if (jobName !== undefined) return c.store.getPod({ namespace: NAMESPACE, name: jobName }, name);
  return (await c.store.list('Pod', NAMESPACE)).find((p) => p.metadata.name === name);
}
