import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JobctlError } from '../../../src/errors.ts';
import { renderJinja2 } from '../../../src/expand/jinja2.ts';

// The template of the Kubernetes task "Parallel Processing using Expansions", copied verbatim.
const seedTemplate = readFileSync(new URL('../../../examples/expansion/job.yaml.jinja2', import.meta.url), 'utf8');

/** One document as the task's Jinja2 template writes it. */
const seedJob = (name: string, url: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: jobexample-${name}
  labels:
    jobgroup: jobexample
spec:
  template:
    metadata:
      name: jobexample
      labels:
        jobgroup: jobexample
    spec:
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "echo Processing URL ${url} && sleep 5"]
      restartPolicy: Never`;

describe('renderJinja2', () => {
  it("renders the task's template exactly as jinja2.Template(...).render() does", () => {
    // Python: Template(sys.stdin.read()).render() gave these three documents, each after "\n---\n", with no newline at
    // the end (`print` adds one): the trailing comma of its dict literals and its `{%-` whitespace control both hold.
    const expected = [
      seedJob('apple', 'http://dbpedia.org/resource/Apple'),
      seedJob('banana', 'http://dbpedia.org/resource/Banana'),
      seedJob('cherry', 'http://dbpedia.org/resource/Cherry'),
    ]
      .map((doc) => `\n---\n${doc}`)
      .join('');

    expect(renderJinja2(seedTemplate, {}, 'job.yaml.jinja2')).toBe(expected);
  });

  it('fails on an undefined variable, naming it and its line', () => {
    const template = 'metadata:\n  name: jobexample-{{ nmae }}\n';

    expect(() => renderJinja2(template, { name: 'apple' }, 'job.yaml.jinja2')).toThrow(
      new JobctlError(
        'Validation',
        'job.yaml.jinja2:2:20: undefined variable "nmae": define it with --var NAME=VALUE or --params FILE, or give ' +
          'it a default with "| default(...)"',
      ),
    );
  });

  it('fails on a missing field of a parameter', () => {
    expect(() =>
      renderJinja2('{% for p in params %}{{ p.ulr }}{% endfor %}', { params: [{ url: 'u' }] }, 't.j2'),
    ).toThrow(/^t\.j2:1:\d+: undefined variable "p\.ulr"/);
  });

  it('reports a syntax error at its line', () => {
    expect(() => renderJinja2('a\n{% if %}\n', {}, 't.j2')).toThrow(/^t\.j2:2:\d+: unexpected token: %}/);
  });

  it.each([
    {
      name: 'keeps the newline after a block tag (trim_blocks=False)',
      template: '{% if true %}\nx\n{% endif %}\n',
      expected: '\nx\n',
    },
    {
      name: 'keeps the indentation before a block tag (lstrip_blocks=False)',
      template: '  {% if true %}x{% endif %}',
      expected: '  x',
    },
    { name: 'does not escape HTML (autoescape=False)', template: '{{ v }}', expected: '<a & "b">' },
    { name: 'drops one trailing newline (keep_trailing_newline=False)', template: 'x\n\n', expected: 'x\n' },
    {
      name: 'reads True, None and dict.items()',
      template: '{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ None is none }}',
      expected: 'a=1;true',
    },
    {
      name: 'accepts trailing commas in list and dict literals',
      template: '{{ [1, 2, ] | length }}{{ {"a": 1, }["a"] }}',
      expected: '21',
    },
    {
      name: "has tojson, with Python's separators and sorted keys",
      template: '{{ cmd | tojson }} {{ d2 | tojson }}',
      expected: '["echo", "a: b"] {"a": 1, "b": "\\u003cx\\u0027\\u00e9"}',
    },
    { name: 'reads a field named like a dict method', template: '{{ p["values"] }}', expected: 'V' },
  ])('$name', ({ template, expected }) => {
    expect(
      renderJinja2(
        template,
        { v: '<a & "b">', d: { a: 1 }, cmd: ['echo', 'a: b'], p: { values: 'V' }, d2: { b: "<x'é", a: 1 } },
        't.j2',
      ),
    ).toBe(expected);
  });
});
