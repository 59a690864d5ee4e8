import { describe, expect, it } from 'vitest';
import { JobctlError } from '../../../src/errors.ts';
import {
  MISSING_RESOURCE_MESSAGE,
  parseResourceArgs,
  parseResourceType,
  type ResourceArgsOptions,
} from '../../../src/cli/resources.ts';
import { parseSelector } from '../../../src/cli/selector.ts';
import type { Kind } from '../../../src/spec/types.ts';

// The resource builder's rules (k8s.io/cli-runtime pkg/resource/builder.go) as every verb reads its arguments. The
// messages are upstream's, compared whole.

/** The message `parseResourceArgs` throws, or the result when it does not throw. */
function attempt(args: string[], options?: ResourceArgsOptions<Kind>): unknown {
  try {
    return parseResourceArgs(args, options);
  } catch (error) {
    if (!(error instanceof JobctlError)) throw error;
    return { error: error.message };
  }
}

const named = (...targets: [Kind, string][]) => ({
  kind: 'named',
  targets: targets.map(([type, name]) => ({ type, name })),
});

describe('parseResourceArgs: the forms kubectl accepts', () => {
  it.each([
    ['TYPE/NAME', ['jobs/job-wq-1'], named(['Job', 'job-wq-1'])],
    ['TYPE/NAME of a pod', ['pods/job-wq-2-7r7b2'], named(['Pod', 'job-wq-2-7r7b2'])],
    ['TYPE/NAME of different types', ['cronjob/hello', 'job/pi'], named(['CronJob', 'hello'], ['Job', 'pi'])],
    ['TYPE NAME', ['cronjob', 'hello'], named(['CronJob', 'hello'])],
    ['TYPE NAME NAME', ['jobs', 'a', 'b'], named(['Job', 'a'], ['Job', 'b'])],
    ['TYPE,TYPE NAME: one object per type', ['cj,jobs', 'x'], named(['CronJob', 'x'], ['Job', 'x'])],
    [
      'TYPE,TYPE NAME NAME',
      ['cj,job', 'a', 'b'],
      named(['CronJob', 'a'], ['CronJob', 'b'], ['Job', 'a'], ['Job', 'b']),
    ],
    ['a type named twice in a list', ['jobs,jobs', 'a'], named(['Job', 'a'])],
    ['fully qualified types', ['jobs.batch/a', 'cronjobs.batch/b'], named(['Job', 'a'], ['CronJob', 'b'])],
  ])('%s', (_name, args, expected) => {
    expect(parseResourceArgs(args)).toEqual(expected);
  });

  it.each([
    ['cronjob', 'CronJob'],
    ['cronjobs', 'CronJob'],
    ['cj', 'CronJob'],
    ['cronjobs.batch', 'CronJob'],
    ['CronJob', 'CronJob'],
    ['job', 'Job'],
    ['jobs', 'Job'],
    ['jobs.batch', 'Job'],
    ['pod', 'Pod'],
    ['pods', 'Pod'],
    ['po', 'Pod'],
  ])('knows %s as %s, in either form', (word, kind) => {
    expect(parseResourceArgs([word, 'x'])).toEqual(named([kind as Kind, 'x']));
    expect(parseResourceArgs([`${word}/x`])).toEqual(named([kind as Kind, 'x']));
  });

  it('selects with -l, --all, or (get, describe) a type alone', () => {
    const selected = (types: Kind[], selector: string) => ({
      kind: 'selected',
      types,
      selector: parseSelector(selector),
    });
    expect(parseResourceArgs(['jobs'], { selector: 'jobgroup=jobexample' })).toEqual(
      selected(['Job'], 'jobgroup=jobexample'),
    );
    expect(parseResourceArgs(['pods'], { selector: 'job-name=hello-4111706356' })).toEqual(
      selected(['Pod'], 'job-name=hello-4111706356'),
    );
    expect(parseResourceArgs(['job'], { all: true })).toEqual(selected(['Job'], ''));
    expect(parseResourceArgs(['cronjobs'], { allowEmptySelector: true })).toEqual(selected(['CronJob'], ''));
    // Several types, each once, in order.
    expect(parseResourceArgs(['cj,jobs,job'], { allowEmptySelector: true })).toEqual(selected(['CronJob', 'Job'], ''));
    // A blank selector is none (LabelSelectorParam trims it): a type alone then lists only where allowed.
    expect(parseResourceArgs(['jobs'], { selector: '  ', allowEmptySelector: true })).toEqual(selected(['Job'], ''));
    // jobctl wait's shortcut: -l with no type at all.
    expect(parseResourceArgs([], { selector: 'a=b', defaultType: 'Job' })).toEqual(selected(['Job'], 'a=b'));
  });

  it('takes TYPE/NAME alone as a name where a type alone would list (get job/x is one object)', () => {
    expect(parseResourceArgs(['job/x'], { allowEmptySelector: true })).toEqual(named(['Job', 'x']));
  });

  it('resolves types with the verb resolver (get knows workqueues and quotas)', () => {
    const resolve = (word: string) => (word === 'wq' ? 'WorkQueue' : parseResourceType(word));
    expect(parseResourceArgs(['wq/q1', 'job/a'], { resolve })).toEqual({
      kind: 'named',
      targets: [
        { type: 'WorkQueue', name: 'q1' },
        { type: 'Job', name: 'a' },
      ],
    });
  });
});

describe("parseResourceArgs: kubectl's errors for the forms it refuses", () => {
  const MIXED =
    'error: there is no need to specify a resource type as a separate argument when passing arguments in ' +
    "resource/name form (e.g. 'jobctl get resource/<resource_name>' instead of 'jobctl get resource " +
    "resource/<resource_name>'";

  it.each<[string, string[], ResourceArgsOptions<Kind>, string]>([
    ['a type before TYPE/NAME', ['job', 'job/pi'], {}, MIXED],
    ['a bare name after TYPE/NAME', ['cronjob/hello', 'pi'], {}, MIXED],
    [
      'a list of types before TYPE/NAME',
      ['cj,job', 'job/pi'],
      {},
      'error: arguments in resource/name form may not have more than one slash',
    ],
    ['two slashes', ['job/a/b'], {}, 'error: arguments in resource/name form may not have more than one slash'],
    [
      'no name after the slash',
      ['job/'],
      {},
      'error: arguments in resource/name form must have a single resource and name',
    ],
    [
      'no type before the slash',
      ['/pi'],
      {},
      'error: arguments in resource/name form must have a single resource and name',
    ],
    [
      'a list of types before the slash',
      ['cj,job/pi'],
      {},
      'error: arguments in resource/name form must have a single resource and name',
    ],
    [
      'a name with -l',
      ['jobs', 'pi'],
      { selector: 'a=b' },
      'error: name cannot be provided when a selector is specified',
    ],
    ['a name with --all', ['jobs', 'pi'], { all: true }, 'error: name cannot be provided when a selector is specified'],
    [
      'TYPE/NAME with -l',
      ['job/pi'],
      { selector: 'a=b' },
      'error: selectors and the all flag cannot be used when passing resource/name arguments',
    ],
    [
      'TYPE/NAME with --all',
      ['job/pi'],
      { all: true },
      'error: selectors and the all flag cannot be used when passing resource/name arguments',
    ],
    [
      '--all with -l',
      ['jobs'],
      { all: true, selector: 'a=b' },
      "error: setting 'all' parameter but found a non empty selector. ",
    ],
    ['-l without a type', [], { selector: 'a=b' }, 'error: at least one resource must be specified to use a selector'],
    [
      'a type alone where names are needed (delete, wait, patch)',
      ['jobs'],
      {},
      'error: resource(s) were provided, but no name was specified',
    ],
    ['nothing at all', [], {}, MISSING_RESOURCE_MESSAGE],
  ])('%s', (_name, args, options, message) => {
    expect(attempt(args, options)).toEqual({ error: message });
  });

  it('says which type it does not know, in every form, before saying that a name is missing', () => {
    const unknown = /^error: the server doesn't have a resource type "widgets"/;
    for (const [args, options] of [
      [['widgets', 'a'], {}],
      [['widgets/a'], {}],
      [['widgets'], {}],
      [['widgets'], { allowEmptySelector: true }],
      [['jobs,widgets'], { selector: 'a=b' }],
    ] as [string[], ResourceArgsOptions<Kind>][]) {
      expect((attempt(args, options) as { error: string }).error).toMatch(unknown);
    }
  });

  it("passes on the selector's own parse error", () => {
    expect(attempt(['jobs'], { selector: 'a b' })).toEqual({
      error: "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt",
    });
  });

  it('names the program in the resource/name example', () => {
    expect((attempt(['job', 'job/pi'], { commandName: 'kubectl' }) as { error: string }).error).toContain(
      "(e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
    );
  });
});
