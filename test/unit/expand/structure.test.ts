import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expandTemplate, expansionText, type ExpansionRequest } from '../../../src/expand/expand.ts';
import { parseParams } from '../../../src/expand/params.ts';
import { errorsOf } from '../../support/errors-of.ts';

// Audit D12: expansion spliced values into the template's text, so a parameter value could close a quote and add
// fields or whole documents (an extra CronJob running `id`, an `env: LD_PRELOAD`). Each value is now text: a render
// whose documents, keys, list lengths or node kinds differ from the template rendered with harmless placeholders is
// an error naming the value, unless `raw` (`--raw`) asks for the old text splice.
const example = (name: string) => readFileSync(new URL(`../../../examples/expansion/${name}`, import.meta.url), 'utf8');
const expected = (name: string) => readFileSync(new URL(`./seed-renders/${name}.expected`, import.meta.url), 'utf8');

const render = (request: ExpansionRequest) => expansionText(expandTemplate(request));

/** The audit's D12 repro: p.json's second entry closes the command's quote and adds a CronJob and a Job. */
const injection =
  'http://x"]\n      restartPolicy: Never\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: ' +
  'injected}\nspec:\n  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          ' +
  'containers: [{name: c, image: x, command: ["sh", "-c", "id"]}]\n          restartPolicy: ' +
  'Never\n---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: tail-x}\nspec:\n  template:\n    spec:\n      ' +
  'containers:\n      - name: c\n        image: busybox\n        command: ["sh", "-c", "';
const auditParams = {
  value: [
    { name: 'apple', url: 'http://dbpedia.org/resource/Apple' },
    { name: 'evil', url: injection },
  ],
  file: 'p.json',
};

describe('expand: values cannot change the structure of the documents (audit D12)', () => {
  it.each([
    {
      name: 'job-tmpl.yaml with --items',
      expect: 'job-tmpl.items',
      request: { template: example('job-tmpl.yaml'), file: 'job-tmpl.yaml', items: ['apple', 'banana', 'cherry'] },
    },
    {
      name: 'job-tmpl.yaml with --params params.csv',
      expect: 'job-tmpl.params-csv',
      request: {
        template: example('job-tmpl.yaml'),
        file: 'job-tmpl.yaml',
        params: { value: parseParams(example('params.csv'), 'params.csv'), file: 'params.csv' },
      },
    },
    {
      name: 'job.yaml.jinja2',
      expect: 'job.jinja2',
      request: { template: example('job.yaml.jinja2'), file: 'job.yaml.jinja2' },
    },
    {
      name: 'job-params.yaml.jinja2 with --params params.csv',
      expect: 'job-params.jinja2.params-csv',
      request: {
        template: example('job-params.yaml.jinja2'),
        file: 'job-params.yaml.jinja2',
        params: { value: parseParams(example('params.csv'), 'params.csv'), file: 'params.csv' },
      },
    },
  ])("renders the seed's $name byte for byte as before", ({ expect: name, request }) => {
    expect(render(request)).toBe(expected(name));
    expect(render({ ...request, raw: true })).toBe(expected(name));
  });

  it("refuses the audit's injection through a Jinja2 template, naming the value and what it adds", () => {
    const request = {
      template: example('job-params.yaml.jinja2'),
      file: 'job-params.yaml.jinja2',
      params: auditParams,
    };
    const errors = errorsOf(() => render(request));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(
        /^job-params\.yaml\.jinja2 \(rendered\):\d+ \(document\): params\[1\]\.url/.source +
          / "http:\/\/x\\"\]\\n {6}restartPolicy: Never\\n---\\napiVe…" changes the structure of the documents:/
            .source +
          / it renders 4 documents where the template renders 2 \(adds CronJob "injected", Job "tail-x"\)/.source,
      ),
    );
    expect(errors[0]!.length).toBeLessThan(500);
  });

  it("splices the same values as text with raw, as the seed's sed did", () => {
    const request = {
      template: example('job-params.yaml.jinja2'),
      file: 'job-params.yaml.jinja2',
      params: auditParams,
      raw: true,
    };
    expect(expandTemplate(request).map((m) => `${m.kind} ${m.name}`)).toEqual([
      'Job jobexample-apple',
      'Job jobexample-evil',
      'CronJob injected',
      'Job tail-x',
    ]);
  });

  it('accepts the same value quoted with tojson, as one string', () => {
    const template = example('job-params.yaml.jinja2').replace(
      'command: ["sh", "-c", "echo Processing URL {{ p.url }} && sleep 5"]',
      'command: ["sh", "-c", {{ ("echo Processing URL " ~ p.url) | tojson }}]',
    );
    const manifests = expandTemplate({ template, file: 'job-params.yaml.jinja2', params: auditParams });
    expect(manifests.map((m) => m.name)).toEqual(['jobexample-apple', 'jobexample-evil']);
  });

  it('refuses a CSV $url that adds an env var, naming the item by index and a short quote', () => {
    const template = example('job-tmpl.yaml')
      .replace('name: process-item-$ITEM', 'name: process-$name')
      .replace('echo Processing item $ITEM', 'echo Processing URL $url');
    const csv =
      'name,url\napple,http://dbpedia.org/resource/Apple\nevil,"x""]\n        env: [{name: LD_PRELOAD, value: ' +
      '/tmp/evil.so}]\n        args: [""y"\n';
    const errors = errorsOf(() =>
      render({
        template,
        file: 'job-tmpl.yaml',
        params: { value: parseParams(csv, 'params.csv'), file: 'params.csv' },
      }),
    );
    expect(errors).toEqual([
      expect.stringMatching(
        new RegExp(
          /^item 2 "evil": job-tmpl\.yaml:15 spec\.template\.spec\.containers\[0\]: \$url "x\\"\]\\n {8}env:/.source +
            / \[\{name: LD_PRELOAD, value: \/tm…" changes the structure of the manifest: it adds the key "env"/.source,
        ),
      ),
    ]);
  });

  it.each([
    {
      name: 'adds a list item',
      template: 'command: ["sh", "-c", "echo $ITEM"]',
      item: 'a", "b',
      change:
        /command: \$ITEM "a\\", \\"b" changes the structure of the manifest: it has 4 items where the template has 3/,
    },
    {
      name: 'turns a scalar into a map',
      template: 'command: ["sh", "-c", $ITEM]',
      item: '{a: b}',
      change: new RegExp(
        /command\[2\]: \$ITEM "\{a: b\}" changes the structure of the manifest: it is a map where the/.source +
          / template has a scalar/.source,
      ),
    },
    {
      name: 'adds a tag',
      template: 'command: ["sh", "-c", $ITEM]',
      item: '!!binary aGk=',
      change: new RegExp(
        /command\[2\]: \$ITEM "!!binary aGk=" changes the structure of the manifest: it has the tag/.source +
          / tag:yaml\.org,2002:binary, which the template does not/.source,
      ),
    },
    { name: 'adds an alias', template: 'command: ["sh", "-c", $ITEM]', item: '*x', change: /YAML syntax error|alias/ },
  ])('refuses a value that $name', ({ template, item, change }) => {
    const text = example('job-tmpl.yaml')
      .replace('command: ["sh", "-c", "echo Processing item $ITEM && sleep 5"]', template)
      .replace('name: process-item-$ITEM', 'name: process-item');
    expect(errorsOf(() => render({ template: text, file: 'job-tmpl.yaml', items: [item] }))).toEqual([
      expect.stringMatching(change),
    ]);
  });

  it('accepts values in keys, numbers and empty values, which keep the structure', () => {
    const template = example('job-tmpl.yaml')
      .replace('    jobgroup: jobexample\nspec:', '    jobgroup: jobexample\n    $KEY: x\nspec:')
      .replace('spec:\n  template:', 'spec:\n  parallelism: $N\n  template:');
    const manifests = expandTemplate({
      template,
      file: 'job-tmpl.yaml',
      params: {
        value: [
          { ITEM: 'a', KEY: 'team', N: '2' },
          { ITEM: 'b', KEY: 'owner', N: '' },
        ],
        file: 'p.yaml',
      },
    });
    expect(manifests.map((m) => m.name)).toEqual(['process-item-a', 'process-item-b']);
  });

  it('names a --var whose value changes the structure', () => {
    const template = example('job-tmpl.yaml').replace('image: busybox', 'image: $IMAGE');
    expect(
      errorsOf(() =>
        render({
          template,
          file: 'job-tmpl.yaml',
          items: ['apple'],
          vars: { IMAGE: 'busybox\n        privileged: true' },
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        new RegExp(
          /^item 1 "apple": job-tmpl\.yaml:\d+ spec\.template\.spec\.containers\[0\]: --var IMAGE/.source +
            / "busybox\\n {8}privileged: true" changes the structure of the manifest: it adds the key/.source +
            / "privileged"/.source,
        ),
      ),
    ]);
  });

  it('names a Jinja2 --var and an items entry by where they come from', () => {
    const template =
      '{% for i in items %}---\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job-{{ loop.index }}\nspec:\n  ' +
      'template:\n    spec:\n      containers:\n      - name: c\n        image: {{ image }}\n        command: ' +
      '["echo", "{{ i }}"]\n      restartPolicy: Never\n{% endfor %}';
    expect(
      errorsOf(() =>
        render({ template, file: 't.j2', items: ['a', 'b"]\n        args: ["c'], vars: { image: 'busybox' } }),
      ),
    ).toEqual([
      expect.stringMatching(
        new RegExp(
          /^t\.j2 \(rendered\):\d+ spec\.template\.spec\.containers\[0\]: items\[1\] "b\\"\]\\n {8}args:/.source +
            / \[\\"c" changes the structure of the documents: it adds the key "args"/.source,
        ),
      ),
    ]);
    expect(
      errorsOf(() => render({ template, file: 't.j2', items: ['a'], vars: { image: 'x\n        workingDir: /' } })),
    ).toEqual([
      expect.stringMatching(
        / image "x\\n {8}workingDir: \/" changes the structure of the documents: it adds the key "workingDir"/,
      ),
    ]);
  });
});

describe('expand: a Jinja2 render that is not a manifest is not echoed (audit D15)', () => {
  it('quotes at most a few hundred characters of a runaway render', () => {
    const errors = errorsOf(() => render({ template: '{% for i in range(200000) %}x{% endfor %}', file: 'loop.j2' }));
    expect(errors).toEqual([
      expect.stringMatching(
        new RegExp(
          /^document 1: loop\.j2 \(rendered\):1 \(root\): Invalid value: "xxxx.*… \(200000 characters\)": a/.source +
            / manifest document must be a Kubernetes object/.source,
        ),
      ),
    ]);
    expect(errors[0]!.length).toBeLessThan(500);
  });

  it('reports a render that is not YAML in one short line', () => {
    const errors = errorsOf(() =>
      render({ template: '{% for i in range(5000) %}a: b: c{% endfor %}', file: 'bad.j2' }),
    );
    expect(errors.join('\n').length).toBeLessThan(500);
  });
});
