import { JobctlError } from '../errors.ts';
import type { Kind } from '../spec/types.ts';
import { parseSelector, type Selector } from './selector.ts';

/** kubectl's names for the resources jobctl serves: plural, singular, short name, and `kind.group`. */
const ALIASES: Record<string, Kind> = {
  cronjobs: 'CronJob',
  cronjob: 'CronJob',
  cj: 'CronJob',
  'cronjobs.batch': 'CronJob',
  'cronjob.batch': 'CronJob',
  jobs: 'Job',
  job: 'Job',
  'jobs.batch': 'Job',
  'job.batch': 'Job',
  pods: 'Pod',
  pod: 'Pod',
  po: 'Pod',
};

/** The plural `resource.group` kubectl names a kind by in its errors: `cronjobs.batch`, `pods`. */
export function resource(kind: 'CronJob' | 'Job' | 'Pod' | 'WorkQueue' | 'ResourceQuota'): string {
  return kind === 'CronJob'
    ? 'cronjobs.batch'
    : kind === 'Job'
      ? 'jobs.batch'
      : kind === 'WorkQueue'
        ? 'workqueues.jobctl.dev'
        : kind === 'ResourceQuota'
          ? 'resourcequotas'
          : 'pods';
}

/** kubectl's names for the queue resource, for `jobctl get workqueues` / `get wq NAME`. */
const WORK_QUEUE_TYPES = new Set(['workqueues', 'workqueue', 'wq', 'workqueues.jobctl.dev', 'workqueue.jobctl.dev']);

/** True when `type` (a `jobctl get` argument) names work queues. */
export function isWorkQueueType(type: string): boolean {
  return WORK_QUEUE_TYPES.has(type.toLowerCase());
}

/** Resolves `cronjobs`, `cj`, `job.batch`, … to a kind, or throws kubectl's message. */
export function parseResourceType(type: string): Kind {
  const kind = ALIASES[type.toLowerCase()];
  if (!kind)
    throw new JobctlError(
      'Validation',
      `error: the server doesn't have a resource type "${type}" (jobctl serves cronjobs, jobs and pods)`,
    );
  return kind;
}

/** Splits `job/hello-1` or `cronjob.batch/hello` into kind and name; a bare name keeps `defaultKind`. */
export function parseTypedName(arg: string, defaultKind?: Kind): { kind?: Kind; name: string } {
  const slash = arg.indexOf('/');
  if (slash === -1) return { kind: defaultKind, name: arg };
  return { kind: parseResourceType(arg.slice(0, slash)), name: arg.slice(slash + 1) };
}

/**
 * What a verb's arguments name, as k8s.io/cli-runtime's resource builder reads them: objects by name (`TYPE/NAME …`
 * or `TYPE NAME …`), or every object of one or more types that matches a label selector (`TYPE -l …`, `TYPE --all`,
 * or a bare `TYPE` for the verbs that list, `get` and `describe`).
 */
export type ResourceArgs<T = Kind> =
  | {
      readonly kind: 'named';
      /** In argument order; a `TYPE1,TYPE2 NAME` pair names one object per type, types first. */
      readonly targets: readonly { readonly type: T; readonly name: string }[];
    }
  | {
      readonly kind: 'selected';
      /** In argument order, each type once (`jobs,job` is one type, as the builder's mappings are per kind). */
      readonly types: readonly T[];
      /** Empty: every object of the types. */
      readonly selector: Selector;
    };

export interface ResourceArgsOptions<T> {
  /** `-l` / `--selector`; blank is no selector, as `LabelSelectorParam` trims it. @default none */
  readonly selector?: string;
  /** `--all`. @default false */
  readonly all?: boolean;
  /**
   * A type without names lists every object of it (`ResourceTypeOrNameArgs(true, …)`: `get`, `describe`); else it
   * fails with "resource(s) were provided, but no name was specified" (`delete`, `wait`, `patch`). @default false
   */
  readonly allowEmptySelector?: boolean;
  /** Maps one type word to a type, throwing kubectl's unknown-type error. @default {@link parseResourceType} */
  readonly resolve?: (type: string) => T;
  /** The program name in the resource/name example of one error. @default 'jobctl' */
  readonly commandName?: string;
  /**
   * The type a selector or `--all` without any type applies to: jobctl's own shortcut for `wait -l …` (kubectl fails
   * with "at least one resource must be specified to use a selector"). @default none: kubectl's error
   */
  readonly defaultType?: T;
}

/** The builder's `missingResourceError`, verbatim (its `-f` examples included). */
export const MISSING_RESOURCE_MESSAGE = `error: You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'`;

/**
 * Reads a verb's resource arguments with kubectl's rules and messages. Ported from k8s.io/cli-runtime
 * `pkg/resource/builder.go` (kubernetes/cli-runtime): `ResourceTypeOrNameArgs`, `normalizeMultipleResourcesArgs`
 * (`a,b NAME` is `a/NAME b/NAME`), `hasCombinedTypeArgs`, `splitResourceTypeName`, `SplitResourceArgument` (a comma
 * list without repeats), `LabelSelectorParam`, `SelectAllParam` and `visitorResult` with `visitBySelector`,
 * `visitByResource` and `visitByName`, whose checks run in the same order so the same mistake gets the same
 * message. Every message is upstream's, `error: ` first as kubectl's `CheckErr` prints it:
 *
 * - `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form
 *   (e.g. 'jobctl get resource/<resource_name>' instead of 'jobctl get resource resource/<resource_name>'` (sic: no
 *   closing parenthesis upstream either; "get" whatever the verb, as upstream)
 * - `arguments in resource/name form may not have more than one slash`
 * - `arguments in resource/name form must have a single resource and name`
 * - `name cannot be provided when a selector is specified`
 * - `selectors and the all flag cannot be used when passing resource/name arguments`
 * - `setting 'all' parameter but found a non empty selector. ` (sic, the trailing ". ")
 * - `resource(s) were provided, but no name was specified`
 * - {@link MISSING_RESOURCE_MESSAGE} when nothing at all is named
 *
 * @throws JobctlError (`Validation`) with one of those messages, or `resolve`'s for an unknown type.
 * @example
 * parseResourceArgs(['cronjob/hello', 'job/pi']) // named: CronJob hello, Job pi
 * parseResourceArgs(['jobs'], { selector: 'jobgroup=jobexample' }) // selected: Jobs labelled jobgroup=jobexample
 */
export function parseResourceArgs<T = Kind>(
  args: readonly string[],
  options: ResourceArgsOptions<T> = {},
): ResourceArgs<T> {
  const resolve = options.resolve ?? (parseResourceType as unknown as (type: string) => T);
  const fail = (message: string): never => {
    throw new JobctlError('Validation', `error: ${message}`);
  };
  // LabelSelectorParam, then SelectAllParam, then ResourceTypeOrNameArgs: the builder's call order in kubectl.
  const selectorText = options.selector?.trim() ?? '';
  const all = options.all === true;
  if (all && selectorText !== '') fail("setting 'all' parameter but found a non empty selector. ");

  const normalized = normalizeMultipleResourcesArgs(args);
  const slashed = normalized.filter((a) => a.includes('/')).length;
  if (slashed > 0 && slashed !== normalized.length) {
    const cmd = options.commandName ?? 'jobctl';
    fail(
      'there is no need to specify a resource type as a separate argument when passing arguments in resource/name ' +
        `form (e.g. '${cmd} get resource/<resource_name>' instead of '${cmd} get resource resource/<resource_name>'`,
    );
  }
  const tuples = slashed > 0 ? normalized.map((a) => splitResourceTypeName(a, fail)) : [];
  const types = slashed > 0 || normalized.length === 0 ? [] : splitResourceArgument(normalized[0]!);
  const names = slashed > 0 ? [] : normalized.slice(1);

  // visitorResult: `--all`, a selector, or (get, describe) a type alone select; then tuples; then names; then types.
  const selects =
    all || selectorText !== '' || (options.allowEmptySelector === true && slashed === 0 && normalized.length === 1);
  if (selects) {
    if (names.length > 0) fail('name cannot be provided when a selector is specified');
    if (tuples.length > 0) fail('selectors and the all flag cannot be used when passing resource/name arguments');
    if (types.length === 0 && options.defaultType === undefined)
      fail('at least one resource must be specified to use a selector');
    const selected = types.length === 0 ? [options.defaultType!] : resolveEach(types, resolve);
    return { kind: 'selected', types: selected, selector: parseSelector(selectorText) };
  }
  if (tuples.length > 0)
    return { kind: 'named', targets: tuples.map((t) => ({ type: resolve(t.type), name: t.name })) };
  if (names.length > 0) {
    const [type] = resolveEach(types, resolve);
    return { kind: 'named', targets: names.map((name) => ({ type: type!, name })) };
  }
  if (types.length > 0) {
    resolveEach(types, resolve); // an unknown type is reported first, as the builder maps types before it complains
    fail('resource(s) were provided, but no name was specified');
  }
  throw new JobctlError('Validation', MISSING_RESOURCE_MESSAGE);
}

/** `SplitResourceArgument`: the comma-separated words of `arg`, each once, in order (empty words kept). */
function splitResourceArgument(arg: string): string[] {
  return [...new Set(arg.split(','))];
}

/** `normalizeMultipleResourcesArgs`: `a,b NAME1 NAME2` becomes `a/NAME1 a/NAME2 b/NAME1 b/NAME2`. */
function normalizeMultipleResourcesArgs(args: readonly string[]): readonly string[] {
  if (args.length < 2) return args;
  const types = splitResourceArgument(args[0]!);
  if (types.length < 2) return args;
  return types.flatMap((type) => args.slice(1).map((name) => `${type}/${name}`));
}

function splitResourceTypeName(arg: string, fail: (message: string) => never): { type: string; name: string } {
  const parts = arg.split('/');
  if (parts.length !== 2) fail('arguments in resource/name form may not have more than one slash');
  const [type, name] = parts as [string, string];
  if (type === '' || name === '' || splitResourceArgument(type).length !== 1)
    fail('arguments in resource/name form must have a single resource and name');
  return { type, name };
}

/** Each type word resolved, a type named twice (`jobs,job`) kept once, as `resourceMappings` keeps one per kind. */
function resolveEach<T>(words: readonly string[], resolve: (type: string) => T): T[] {
  const out: T[] = [];
  for (const word of words) {
    const type = resolve(word);
    if (!out.includes(type)) out.push(type);
  }
  return out;
}

/**
 * kubectl's `cmdutil.SuggestAPIResources`, the sentence after "You must specify the type of resource to get." and in
 * the long help of `get` and `describe`.
 */
export function suggestApiResources(parent = 'jobctl'): string {
  return `Use "${parent} api-resources" for a complete list of supported resources.`;
}
