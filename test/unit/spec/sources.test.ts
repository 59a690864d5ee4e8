import { describe, expect, it } from 'vitest';
import { JobctlError, ValidationErrors } from '../../../src/errors.ts';
import { loadManifestSources } from '../../../src/spec/index.ts';

const job = (name: string, restartPolicy = 'Never') => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
  template:
    spec:
      containers: [{ name: main, image: busybox, command: ["true"] }]
      restartPolicy: ${restartPolicy}
`;

describe('loadManifestSources', () => {
  it('returns every object of every source when all are valid', () => {
    const { objects } = loadManifestSources([
      { file: 'a.yaml', text: job('a') },
      { file: 'b.yaml', text: job('b') },
    ]);

    expect(objects.map((o) => o.metadata.name)).toEqual(['a', 'b']);
  });

  it('reports the errors of every source at once, each at its file and line', () => {
    const error = (() => {
      try {
        loadManifestSources([
          { file: 'a.yaml', text: job('a', 'Always') },
          { file: 'ok.yaml', text: job('ok') },
          { file: 'b.yaml', text: job('B') },
        ]);
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(ValidationErrors);
    expect((error as ValidationErrors).errors.map((e) => `${e.file}:${e.line} ${e.path}`)).toEqual([
      'a.yaml:9 spec.template.spec.restartPolicy',
      'b.yaml:4 metadata.name',
    ]);
  });

  it('rejects an object defined in two sources', () => {
    expect(() =>
      loadManifestSources([
        { file: 'a.yaml', text: job('same') },
        { file: 'b.yaml', text: job('same') },
      ]),
    ).toThrow(new JobctlError('Validation', 'Job default/same is defined in both a.yaml and b.yaml'));
  });
});
