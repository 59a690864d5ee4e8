import { describe, expect, it } from 'vitest';
import { loadManifestSources } from '../../../src/spec/index.ts';
import { baseJob, loadErrors } from './helpers.ts';

// Audit D15: the alias bomb was refused with only `error: Excessive alias count indicates a resource exhaustion
// attack` (no file, no line): the loader threw from `toJS` instead of locating it.
const laughs = (extraLines: string) => `${baseJob}${extraLines}`;

describe('YAML alias errors are located (audit D15)', () => {
  it('reports an alias bomb at its file and the line of the alias that exceeds the limit', () => {
    const text = laughs(
      [
        'x-a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        'x-b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
        'x-c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
        'x-d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
        '',
      ].join('\n'),
    );
    const errors = loadErrors(text, 'bomb.yaml');
    expect(errors).toEqual([
      {
        path: '(yaml)',
        line: expect.any(Number),
        detail: expect.stringMatching(
          /^YAML alias \*[a-d]: excessive alias count indicates a resource exhaustion attack/,
        ),
      },
    ]);
    expect(errors[0]!.line).toBeGreaterThanOrEqual(15);
    expect(errors[0]!.line).toBeLessThanOrEqual(18);
  });

  it('names the file in the message apply prints', () => {
    const text =
      `${baseJob}x-a: &a [1,2,3,4,5,6,7,8,9,10]\nx-b: ` + `[${Array.from({ length: 101 }, () => '*a').join(',')}]\n`;
    expect(() => loadManifestSources([{ file: 'bomb.yaml', text }])).toThrow(
      /^bomb\.yaml:16 \(yaml\): YAML alias \*a: excessive alias count/,
    );
  });

  it('reports an alias without its anchor at its line', () => {
    expect(loadErrors('apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: *nowhere\n', 'a.yaml')).toEqual([
      {
        path: '(yaml)',
        line: 4,
        detail: expect.stringMatching(
          /^YAML alias \*nowhere: unresolved alias \(the anchor must be set before the alias\)/,
        ),
      },
    ]);
  });

  it('keeps loading the other documents of the file, so every error is reported at once', () => {
    const text =
      `x-a: &a [1,2,3,4,5,6,7,8,9,10]\nx-b: ` +
      `[${Array.from({ length: 101 }, () => '*a').join(',')}]\n---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  ` +
      `name: Bad_Name\n`;
    const located = loadErrors(text).map((e) => `${e.line} ${e.path}`);
    expect(located[0]).toBe('2 (yaml)');
    expect(located).toContain('7 metadata.name');
  });
});
