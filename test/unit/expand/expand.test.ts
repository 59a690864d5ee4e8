import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { expandTemplate, expansionText, templateEngineOf, type ExpansionRequest } from '../../../src/expand/expand.ts';
import { parseParams } from '../../../src/expand/params.ts';
import { errorsOf } from '../../support/errors-of.ts';

const example = (name: string) => readFileSync(new URL(`../../../examples/expansion/${name}`, import.meta.url), 'utf8');
// The Kubernetes task's two templates, verbatim, and its three fruits as a CSV file.
const jobTmpl = example('job-tmpl.yaml');
const jinjaTmpl = example('job.yaml.jinja2');
const paramsCsv = example('params.csv');

const subst = (request: Partial<ExpansionRequest>) =>
  expandTemplate({ template: jobTmpl, file: 'job-tmpl.yaml', ...request });

describe('expandTemplate: $ITEM templates', () => {
  it("renders the task's job-tmpl.yaml once per item, as its sed loop does", () => {
    const manifests = subst({ items: ['apple', 'banana', 'cherry'] });

    expect(manifests.map((m) => [m.label, m.kind, m.name])).toEqual([
      ['item "apple"', 'Job', 'process-item-apple'],
      ['item "banana"', 'Job', 'process-item-banana'],
      ['item "cherry"', 'Job', 'process-item-cherry'],
    ]);
    // Byte for byte what `sed "s/\$ITEM/$i/"` writes into ./jobs/job-$i.yaml.
    expect(manifests[1]!.text).toBe(jobTmpl.replaceAll('$ITEM', 'banana'));
    expect(manifests[1]!.text).toContain('command: ["sh", "-c", "echo Processing item banana && sleep 5"]');
  });

  it('joins the manifests into one multi-document stream for apply -f -', () => {
    const text = expansionText(subst({ items: ['apple', 'banana'] }));

    expect(parseAllDocuments(text).map((d) => d.getIn(['metadata', 'name']))).toEqual([
      'process-item-apple',
      'process-item-banana',
    ]);
    expect(text).toBe(`${jobTmpl.replaceAll('$ITEM', 'apple')}---\n${jobTmpl.replaceAll('$ITEM', 'banana')}`);
  });

  it('fills ${NAME} and --var placeholders in every manifest', () => {
    const template = jobTmpl.replace('image: busybox', 'image: ${IMAGE}').replace('sleep 5', 'sleep $SECONDS_TO_SLEEP');

    const [apple] = subst({ template, items: ['apple'], vars: { IMAGE: 'busybox:1.36', SECONDS_TO_SLEEP: '1' } });

    expect(apple!.text).toContain('image: busybox:1.36');
    expect(apple!.text).toContain('"echo Processing item apple && sleep 1"');
  });

  it.each([
    { format: 'CSV', file: 'params.csv', text: paramsCsv },
    {
      format: 'JSON',
      file: 'params.json',
      text:
        '[{"name": "apple", "url": "http://dbpedia.org/resource/Apple"}, {"name": "banana", "url": ' +
        '"http://dbpedia.org/resource/Banana"}, {"name": "cherry", "url": "http://dbpedia.org/resource/Cherry"}]',
    },
    {
      format: 'YAML',
      file: 'params.yaml',
      text:
        '- {name: apple, url: "http://dbpedia.org/resource/Apple"}\n- {name: banana, url: ' +
        '"http://dbpedia.org/resource/Banana"}\n- {name: cherry, url: "http://dbpedia.org/resource/Cherry"}\n',
    },
  ])('takes rows from --params $format: each column by name, the first column also as ITEM', ({ file, text }) => {
    const template = jobTmpl.replace('Processing item $ITEM', 'Processing URL $url for $name');

    const manifests = subst({ template, params: { value: parseParams(text, file), file } });

    expect(manifests.map((m) => m.name)).toEqual(['process-item-apple', 'process-item-banana', 'process-item-cherry']);
    expect(manifests[0]!.text).toContain(
      '"echo Processing URL http://dbpedia.org/resource/Apple for apple && sleep 5"',
    );
  });

  it('takes a list of strings from --params as items', () => {
    const manifests = subst({ params: { value: ['apple', 'banana'], file: 'items.json' } });

    expect(manifests.map((m) => m.name)).toEqual(['process-item-apple', 'process-item-banana']);
  });

  it("names the item whose manifest is invalid, with the loader's rule, and every such item at once", () => {
    const errors = errorsOf(() => subst({ items: ['apple', 'Apple Pie', 'a_b'] }));

    expect(errors).toEqual([
      'item "Apple Pie": job-tmpl.yaml:4 metadata.name: Invalid value: "process-item-Apple Pie": a lowercase RFC ' +
        "1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with " +
        "an alphanumeric character (e.g. 'example.com', regex used for validation is " +
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      expect.stringMatching(
        new RegExp(
          /^item "a_b": job-tmpl\.yaml:4 metadata\.name: Invalid value: "process-item-a_b": a lowercase RFC/.source +
            / 1123 subdomain/.source,
        ),
      ),
    ]);
  });

  it('names the item whose value breaks the YAML', () => {
    expect(errorsOf(() => subst({ items: ['apple', 'x"y'] }))).toEqual([
      expect.stringMatching(/^item "x\\"y": job-tmpl\.yaml:17 \(yaml\): YAML syntax error: /),
    ]);
  });

  it('rejects two items that render the same Job name', () => {
    const template = jobTmpl
      .replace('process-item-$ITEM', 'process-item-${ITEM}')
      .replace('name: process-item-${ITEM}', 'name: process-item');

    expect(errorsOf(() => subst({ template, items: ['apple', 'banana'] }))).toEqual([
      'item "banana": job-tmpl.yaml:4 metadata.name: Duplicate value: "process-item": item "apple" renders a Job of ' +
        'the same name; use the item in metadata.name',
    ]);
  });

  it('rejects an item given twice', () => {
    expect(errorsOf(() => subst({ items: ['apple', 'banana', 'apple'] }))).toEqual([
      'item "apple": job-tmpl.yaml:4 metadata.name: Duplicate value: "process-item-apple": item "apple" renders a ' +
        'Job of the same name; use the item in metadata.name',
    ]);
  });

  it.each<{ name: string; request: Partial<ExpansionRequest>; error: string }>([
    {
      name: 'no items',
      request: {},
      error:
        'job-tmpl.yaml: no items: pass --items a,b,c, --items-file FILE or --params FILE (one manifest is rendered ' +
        'per item)',
    },
    {
      name: 'a --var the template does not use',
      request: { items: ['apple'], vars: { IMAGEE: 'x' } },
      error: '--var IMAGEE: the template job-tmpl.yaml has no $IMAGEE or ${IMAGEE}',
    },
    {
      name: 'a --var that is not a name',
      request: { items: ['apple'], vars: { 'A-B': 'x' } },
      error: '--var A-B: invalid name "A-B": use letters, digits and _, not starting with a digit',
    },
    {
      name: "a template without the items' placeholder",
      request: { template: jobTmpl.replaceAll('$ITEM', 'apple'), items: ['apple', 'banana'] },
      error:
        'job-tmpl.yaml: no placeholder for the items: use $ITEM (or ${NAME}) where each manifest differs, e.g. name: ' +
        'process-item-$ITEM',
    },
  ])('rejects $name before rendering', ({ request, error }) => {
    expect(errorsOf(() => subst(request))).toEqual([error]);
  });
});

describe('expandTemplate: Jinja2 templates', () => {
  it("renders the task's job.yaml.jinja2 unchanged into its three Jobs", () => {
    const manifests = expandTemplate({ template: jinjaTmpl, file: 'job.yaml.jinja2' });

    expect(manifests.map((m) => [m.label, m.name])).toEqual([
      ['document 1', 'jobexample-apple'],
      ['document 2', 'jobexample-banana'],
      ['document 3', 'jobexample-cherry'],
    ]);
    expect(manifests[0]!.text).toMatch(/^apiVersion: batch\/v1\nkind: Job\n/);
    expect(manifests[0]!.text).toContain(
      'command: ["sh", "-c", "echo Processing URL http://dbpedia.org/resource/Apple && sleep 5"]',
    );
    expect(manifests[2]!.text).toContain('Processing URL http://dbpedia.org/resource/Cherry');
  });

  it('exposes --params as params and --var as variables', () => {
    const template = example('job-params.yaml.jinja2').replace('image: busybox', 'image: {{ IMAGE }}');

    const manifests = expandTemplate({
      template,
      file: 'job-params.yaml.jinja2',
      params: { value: parseParams(paramsCsv, 'params.csv'), file: 'params.csv' },
      vars: { IMAGE: 'busybox:1.36' },
    });

    expect(manifests.map((m) => m.name)).toEqual(['jobexample-apple', 'jobexample-banana', 'jobexample-cherry']);
    expect(manifests[1]!.text).toContain('Processing URL http://dbpedia.org/resource/Banana');
    expect(manifests[1]!.text).toContain('image: busybox:1.36');
  });

  it('exposes --items as items', () => {
    const template = `{% for i in items %}\n---\n${jobTmpl.replaceAll('$ITEM', '{{ i }}')}{% endfor %}`;

    expect(expandTemplate({ template, file: 't.j2', items: ['apple', 'banana'] }).map((m) => m.name)).toEqual([
      'process-item-apple',
      'process-item-banana',
    ]);
  });

  it('fails on an undefined variable rather than rendering an empty value', () => {
    const template = example('job-params.yaml.jinja2');

    expect(
      errorsOf(() =>
        expandTemplate({
          template,
          file: 'job-params.yaml.jinja2',
          params: { value: [{ name: 'apple' }], file: 'p.yaml' },
        }),
      ),
    ).toEqual([
      'job-params.yaml.jinja2:21:52: undefined variable "p.url": define it with --var NAME=VALUE or --params FILE, ' +
        'or give it a default with "| default(...)"',
    ]);
  });

  it('names the rendered document that is invalid', () => {
    const template = jinjaTmpl.replace('"name": "banana"', '"name": "Banana"');

    expect(errorsOf(() => expandTemplate({ template, file: 'job.yaml.jinja2' }))).toEqual([
      expect.stringMatching(
        new RegExp(
          /^document 2: job\.yaml\.jinja2 \(rendered\):25 metadata\.name: Invalid value: "jobexample-Banana": a/
            .source + / lowercase RFC 1123 subdomain/.source,
        ),
      ),
    ]);
  });

  it('rejects a template that renders nothing', () => {
    expect(
      errorsOf(() =>
        expandTemplate({
          template: '{% for p in params %}{% endfor %}',
          file: 't.j2',
          params: { value: [], file: 'p.json' },
        }),
      ),
    ).toEqual(['t.j2: the template rendered no manifests']);
  });
});

describe('templateEngineOf', () => {
  it('picks Jinja2 for .jinja2 and .j2 files and substitution otherwise', () => {
    expect(['job.yaml.jinja2', 'job.j2', 'job.jinja', 'job-tmpl.yaml', '<stdin>'].map(templateEngineOf)).toEqual([
      'jinja2',
      'jinja2',
      'jinja2',
      'subst',
      'subst',
    ]);
  });
});
