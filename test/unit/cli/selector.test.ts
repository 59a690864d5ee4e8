import { describe, expect, it } from 'vitest';
import { JobctlError } from '../../../src/errors.ts';
import { formatSelector, matchesSelector, parseSelector } from '../../../src/cli/selector.ts';

// Cases ported from kubernetes staging/src/k8s.io/apimachinery/pkg/labels/selector_test.go; each table names its
// upstream test. Expected error texts are upstream's (quoted in kubernetes issues and test files).

describe('parseSelector', () => {
  // TestSelectorParse: good strings parse and print back without spaces.
  it.each([
    { input: 'x=a,y=b,z=c', expected: 'x=a,y=b,z=c' },
    { input: '', expected: '' },
    { input: 'x!=a,y=b', expected: 'x!=a,y=b' },
    { input: 'x=', expected: 'x=' },
    { input: 'x= ', expected: 'x=' },
    { input: 'x=,z= ', expected: 'x=,z=' },
    { input: 'x= ,z= ', expected: 'x=,z=' },
    { input: '!x', expected: '!x' },
    { input: 'x>1', expected: 'x>1' },
    { input: 'x>1,z<5', expected: 'x>1,z<5' },
  ])('parses "$input" and prints it back (TestSelectorParse)', ({ input, expected }) => {
    expect(formatSelector(parseSelector(input))).toBe(expected);
  });

  // TestDeterministicParse
  it('sorts requirements by key so equal selectors print the same', () => {
    expect(formatSelector(parseSelector('x=a,a=x'))).toBe(formatSelector(parseSelector('a=x,x=a')));
  });

  // TestSetSelectorParser: valid set-based inputs and the requirements they yield.
  it.each([
    { input: '\rx', expected: [{ key: 'x', operator: 'exists', values: [] }] },
    {
      input: 'this-is-a-dns.domain.com/key-with-dash',
      expected: [{ key: 'this-is-a-dns.domain.com/key-with-dash', operator: 'exists', values: [] }],
    },
    {
      input: 'this-is-another-dns.domain.com/key-with-dash in (so,what)',
      expected: [{ key: 'this-is-another-dns.domain.com/key-with-dash', operator: 'in', values: ['so', 'what'] }],
    },
    {
      input: '0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)',
      expected: [{ key: '0.1.2.domain/99', operator: 'notin', values: ['10.10.100.1', 'tick.tack.clock'] }],
    },
    { input: 'foo  in\t (abc)', expected: [{ key: 'foo', operator: 'in', values: ['abc'] }] },
    { input: 'x notin\n (abc)', expected: [{ key: 'x', operator: 'notin', values: ['abc'] }] },
    { input: 'x  notin\t\t\t(abc,def)', expected: [{ key: 'x', operator: 'notin', values: ['abc', 'def'] }] },
    { input: 'x in (abc,)', expected: [{ key: 'x', operator: 'in', values: ['', 'abc'] }] },
    { input: 'x in ()', expected: [{ key: 'x', operator: 'in', values: [''] }] },
    {
      input: 'x notin (abc,,def),bar,z in (),w',
      expected: [
        { key: 'bar', operator: 'exists', values: [] },
        { key: 'w', operator: 'exists', values: [] },
        { key: 'x', operator: 'notin', values: ['', 'abc', 'def'] },
        { key: 'z', operator: 'in', values: [''] },
      ],
    },
    { input: 'x=a', expected: [{ key: 'x', operator: '=', values: ['a'] }] },
    { input: 'x==a', expected: [{ key: 'x', operator: '==', values: ['a'] }] },
    {
      input: 'x=a,y!=b,z in (h,i,j)',
      expected: [
        { key: 'x', operator: '=', values: ['a'] },
        { key: 'y', operator: '!=', values: ['b'] },
        { key: 'z', operator: 'in', values: ['h', 'i', 'j'] },
      ],
    },
    { input: 'x notin ( )', expected: [{ key: 'x', operator: 'notin', values: [''] }] },
    { input: 'x notin (, a)', expected: [{ key: 'x', operator: 'notin', values: ['', 'a'] }] },
    { input: 'a ', expected: [{ key: 'a', operator: 'exists', values: [] }] },
    // operator words inside a value list are values
    {
      input: 'a in (x,y,notin, z,in)',
      expected: [{ key: 'a', operator: 'in', values: ['in', 'notin', 'x', 'y', 'z'] }],
    },
    { input: 'job-name=hello-27589220', expected: [{ key: 'job-name', operator: '=', values: ['hello-27589220'] }] },
  ])('parses "$input" (TestSetSelectorParser)', ({ input, expected }) => {
    expect(parseSelector(input)).toEqual(expected);
  });

  // TestSelectorParse bad strings and TestSetSelectorParser invalid inputs, with upstream's messages.
  it.each([
    {
      input: 'x=a||y=b',
      expected: new RegExp(
        /^unable to parse requirement: values\[0\]\[x\]: Invalid value: "a\|\|y": a valid label must be an/.source +
          / empty string/.source,
      ),
    },
    { input: 'x==a==b', expected: /^found '==', expected: ',' or 'end of string'$/ },
    { input: '!x=a', expected: /^found '=', expected: ',' or 'end of string'$/ },
    {
      input: 'x<a',
      expected: new RegExp(
        /^unable to parse requirement: values\[0\]: Invalid value: "a": for 'Gt', 'Lt' operators, the value/.source +
          / must be an integer$/.source,
      ),
    },
    { input: 'x,,y', expected: /^found ',', expected: identifier after ','$/ },
    { input: ',x,y', expected: /^found ',', expected: !, identifier, or 'end of string'$/ },
    {
      input: 'x nott in (y)',
      expected: /^unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt$/,
    },
    { input: 'a in (xyz),', expected: /^found '', expected: identifier after ','$/ },
    { input: 'a in (xyz)b notin ()', expected: /^found 'b', expected: ',' or 'end of string'$/ },
    { input: 'a in (xyz abc)', expected: /^unable to parse requirement: found 'abc', expected: ',' or '\)'$/ },
    { input: 'a notin(', expected: /^unable to parse requirement: found '', expected: ',', '\)' or identifier$/ },
    { input: 'a (', expected: /^unable to parse requirement: found '\(', expected: in, notin/ },
    { input: '(', expected: /^found '\(', expected: !, identifier, or 'end of string'$/ },
  ])('rejects "$input" with one clear line', ({ input, expected }) => {
    expect(() => parseSelector(input)).toThrow(expected);
  });

  it('rejects a key with a colon exactly as kubectl does', () => {
    // Message as `kubectl get pods -l "app:monolith"` prints it.
    expect(() => parseSelector('app:monolith')).toThrow(
      new JobctlError(
        'Validation',
        `unable to parse requirement: <nil>: Invalid value: "app:monolith": name part must consist of alphanumeric ` +
          `characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or ` +
          `'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      ),
    );
  });

  it('rejects an upper-case or underscored key prefix with the DNS subdomain rule', () => {
    expect(() => parseSelector('app.kubernetes_io/name=vault')).toThrow(
      `unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io/name": prefix part a lowercase RFC 1123 ` +
        `subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an ` +
        `alphanumeric character (e.g. 'example.com', regex used for validation is ` +
        `'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
  });

  it('throws a Validation JobctlError', () => {
    expect(() => parseSelector('a b')).toThrow(JobctlError);
    try {
      parseSelector('a b');
    } catch (error) {
      expect((error as JobctlError).code).toBe('Validation');
    }
  });
});

describe('matchesSelector', () => {
  const labelset = { foo: 'bar', baz: 'blah' };
  // TestSelectorMatches (expectMatch / expectNoMatch) and TestRequirementSelectorMatching.
  it.each<{ selector: string; labels: Record<string, string>; expected: boolean }>([
    { selector: '', labels: { x: 'y' }, expected: true },
    { selector: 'x=y', labels: { x: 'y' }, expected: true },
    { selector: 'x=y,z=w', labels: { x: 'y', z: 'w' }, expected: true },
    { selector: 'x!=y,z!=w', labels: { x: 'z', z: 'a' }, expected: true },
    { selector: 'notin=in', labels: { notin: 'in' }, expected: true },
    { selector: 'x', labels: { x: 'z' }, expected: true },
    { selector: '!x', labels: { y: 'z' }, expected: true },
    { selector: 'x>1', labels: { x: '2' }, expected: true },
    { selector: 'x<1', labels: { x: '0' }, expected: true },
    { selector: 'x=z', labels: {}, expected: false },
    { selector: 'x=y', labels: { x: 'z' }, expected: false },
    { selector: 'x=y,z=w', labels: { x: 'w', z: 'w' }, expected: false },
    { selector: 'x!=y,z!=w', labels: { x: 'z', z: 'w' }, expected: false },
    { selector: 'x', labels: { y: 'z' }, expected: false },
    { selector: '!x', labels: { x: 'z' }, expected: false },
    { selector: 'x>1', labels: { x: '0' }, expected: false },
    { selector: 'x<1', labels: { x: '2' }, expected: false },
    { selector: 'foo=bar', labels: labelset, expected: true },
    { selector: 'baz=blah', labels: labelset, expected: true },
    { selector: 'foo=bar,baz=blah', labels: labelset, expected: true },
    { selector: 'foo=blah', labels: labelset, expected: false },
    { selector: 'baz=bar', labels: labelset, expected: false },
    { selector: 'foo=bar,foobar=bar,baz=blah', labels: labelset, expected: false },
    { selector: 'x in (foo),y notin (alpha)', labels: { x: 'foo', y: 'baz' }, expected: true },
    { selector: 'x in (foo),y in (alpha)', labels: { x: 'foo', y: 'baz' }, expected: false },
    { selector: 'x notin (),y', labels: { y: '' }, expected: true },
    { selector: '!x,y', labels: { y: '' }, expected: true },
    { selector: 'x notin (),!y', labels: { y: '' }, expected: false },
    { selector: 'x in ()', labels: { y: 'baz' }, expected: false },
    { selector: 'z>1', labels: { z: 'v2' }, expected: false },
    // What jobctl users type: pods of one job.
    {
      selector: 'job-name=hello-27589220',
      labels: { 'job-name': 'hello-27589220', 'controller-uid': 'u' },
      expected: true,
    },
    { selector: 'job-name=hello-27589220', labels: { 'job-name': 'hello-27589221' }, expected: false },
  ])('"$selector" against $labels is $expected', ({ selector, labels, expected }) => {
    expect(matchesSelector(parseSelector(selector), labels)).toBe(expected);
  });
});
