import { describe, expect, it } from 'vitest';
import { JsonPath, JsonPathError, JsonPathPrinter } from '../../../src/cli/printers/jsonpath.ts';
import { type Node, nodeString, parse } from '../../../src/cli/printers/jsonpath-parser.ts';
import { goFormatFloat, goSharpV, goSprint } from '../../../src/cli/printers/go-format.ts';

// The table-driven tests of k8s.io/client-go/util/jsonpath (jsonpath_test.go, parser_test.go, empty_array_test.go;
// Apache-2.0, Copyright 2015 The Kubernetes Authors), ported case by case with their names. Go's typed inputs
// (structs, typed maps and slices) become JSON objects and arrays with the same field order.

interface JsonPathTest {
  name: string;
  template: string;
  input: unknown;
  expect: string;
  expectError?: boolean;
}

/** `testJSONPath`: a parse error passes only when an error is expected; else the output must match. */
function testJSONPath(tests: JsonPathTest[], allowMissingKeys: boolean): void {
  for (const test of tests) {
    it(test.name, () => {
      const j = new JsonPath(test.name).setAllowMissingKeys(allowMissingKeys);
      if (test.expectError) {
        expect(() => {
          j.parse(test.template);
          j.execute(test.input);
        }).toThrow(JsonPathError);
        return;
      }
      j.parse(test.template);
      expect(j.execute(test.input)).toBe(test.expect);
    });
  }
}

/** `testJSONPathSortOutput`: map order is random in Go, so the words are compared sorted. */
function testJSONPathSortOutput(tests: JsonPathTest[]): void {
  for (const test of tests) {
    it(test.name, () => {
      const j = new JsonPath(test.name);
      j.parse(test.template);
      const words = (text: string) => text.split(/\s+/).filter(Boolean).sort();
      expect(words(j.execute(test.input))).toEqual(words(test.expect));
    });
  }
}

/** `testFailJSONPath`: the template parses, and executing it fails with exactly this message. */
function testFailJSONPath(tests: JsonPathTest[]): void {
  for (const test of tests) {
    it(test.name, () => {
      const j = new JsonPath(test.name);
      j.parse(test.template);
      let out = 'nil';
      try {
        j.execute(test.input);
      } catch (error) {
        out = (error as Error).message;
      }
      expect(out).toBe(test.expect);
    });
  }
}

describe('TestTypesInput', () => {
  const types = {
    bools: [true, false, true, false],
    integers: [1, 2, 3, 4],
    floats: [1.0, 2.2, 3.3, 4.0],
    strings: ['one', 'two', 'three', 'four'],
    interfaces: [true, 'one', 1, 1.1],
    maps: [
      { name: 'one', value: 1 },
      { name: 'two', value: 2.02 },
      { name: 'three', value: 3.03 },
      { name: 'four', value: 4.04 },
    ],
    structs: [
      { name: 'one', value: 1, type: 'integer' },
      { name: 'two', value: 2.002, type: 'float' },
      { name: 'three', value: 3, type: 'integer' },
      { name: 'four', value: 4.004, type: 'float' },
    ],
  };
  const t = (name: string, template: string, expect: string): JsonPathTest => ({
    name,
    template,
    input: types,
    expect,
  });
  testJSONPath(
    [
      // boolean slice tests
      t('boolSlice', '{ .bools }', '[true,false,true,false]'),
      t('boolSliceIndex', '{ .bools[0] }', 'true'),
      t('boolSliceIndex', '{ .bools[-1] }', 'false'),
      t('boolSubSlice', '{ .bools[0:2] }', 'true false'),
      t('boolSubSliceFirst2', '{ .bools[:2] }', 'true false'),
      t('boolSubSliceStep2', '{ .bools[:4:2] }', 'true true'),
      // integer slice tests
      t('integerSlice', '{ .integers }', '[1,2,3,4]'),
      t('integerSliceIndex', '{ .integers[0] }', '1'),
      t('integerSliceIndexReverse', '{ .integers[-2] }', '3'),
      t('integerSubSliceFirst2', '{ .integers[0:2] }', '1 2'),
      t('integerSubSliceFirst2Alt', '{ .integers[:2] }', '1 2'),
      t('integerSubSliceStep2', '{ .integers[:4:2] }', '1 3'),
      // float slice tests
      t('floatSlice', '{ .floats }', '[1,2.2,3.3,4]'),
      t('floatSliceIndex', '{ .floats[0] }', '1'),
      t('floatSliceIndexReverse', '{ .floats[-2] }', '3.3'),
      t('floatSubSliceFirst2', '{ .floats[0:2] }', '1 2.2'),
      t('floatSubSliceFirst2Alt', '{ .floats[:2] }', '1 2.2'),
      t('floatSubSliceStep2', '{ .floats[:4:2] }', '1 3.3'),
      // strings slice tests
      t('stringSlice', '{ .strings }', '["one","two","three","four"]'),
      t('stringSliceIndex', '{ .strings[0] }', 'one'),
      t('stringSliceIndexReverse', '{ .strings[-2] }', 'three'),
      t('stringSubSliceFirst2', '{ .strings[0:2] }', 'one two'),
      t('stringSubSliceFirst2Alt', '{ .strings[:2] }', 'one two'),
      t('stringSubSliceStep2', '{ .strings[:4:2] }', 'one three'),
      // interfaces slice tests
      t('interfaceSlice', '{ .interfaces }', '[true,"one",1,1.1]'),
      t('interfaceSliceIndex', '{ .interfaces[0] }', 'true'),
      t('interfaceSliceIndexReverse', '{ .interfaces[-2] }', '1'),
      t('interfaceSubSliceFirst2', '{ .interfaces[0:2] }', 'true one'),
      t('interfaceSubSliceFirst2Alt', '{ .interfaces[:2] }', 'true one'),
      t('interfaceSubSliceStep2', '{ .interfaces[:4:2] }', 'true 1'),
      // maps slice tests
      t(
        'mapSlice',
        '{ .maps }',
        '[{"name":"one","value":1},{"name":"two","value":2.02},{"name":"three","value":3.03},' +
          '{"name":"four","value":4.04}]',
      ),
      t('mapSliceIndex', '{ .maps[0] }', '{"name":"one","value":1}'),
      t('mapSliceIndexReverse', '{ .maps[-2] }', '{"name":"three","value":3.03}'),
      t('mapSubSliceFirst2', '{ .maps[0:2] }', '{"name":"one","value":1} {"name":"two","value":2.02}'),
      t('mapSubSliceFirst2Alt', '{ .maps[:2] }', '{"name":"one","value":1} {"name":"two","value":2.02}'),
      t('mapSubSliceStepOdd', '{ .maps[::2] }', '{"name":"one","value":1} {"name":"three","value":3.03}'),
      t('mapSubSliceStepEven', '{ .maps[1::2] }', '{"name":"two","value":2.02} {"name":"four","value":4.04}'),
      // structs slice tests
      t(
        'structSlice',
        '{ .structs }',
        '[{"name":"one","value":1,"type":"integer"},{"name":"two","value":2.002,"type":"float"},' +
          '{"name":"three","value":3,"type":"integer"},{"name":"four","value":4.004,"type":"float"}]',
      ),
      t('structSliceIndex', '{ .structs[0] }', '{"name":"one","value":1,"type":"integer"}'),
      t('structSliceIndexReverse', '{ .structs[-2] }', '{"name":"three","value":3,"type":"integer"}'),
      t(
        'structSubSliceFirst2',
        '{ .structs[0:2] }',
        '{"name":"one","value":1,"type":"integer"} {"name":"two","value":2.002,"type":"float"}',
      ),
      t(
        'structSubSliceFirst2Alt',
        '{ .structs[:2] }',
        '{"name":"one","value":1,"type":"integer"} {"name":"two","value":2.002,"type":"float"}',
      ),
      t(
        'structSubSliceStepOdd',
        '{ .structs[::2] }',
        '{"name":"one","value":1,"type":"integer"} {"name":"three","value":3,"type":"integer"}',
      ),
      t(
        'structSubSliceStepEven',
        '{ .structs[1::2] }',
        '{"name":"two","value":2.002,"type":"float"} {"name":"four","value":4.004,"type":"float"}',
      ),
    ],
    false,
  );
});

describe('TestStructInput', () => {
  const storeData = {
    Book: [
      { Category: 'reference', Author: 'Nigel Rees', Title: 'Sayings of the Centurey', Price: 8.95 },
      { Category: 'fiction', Author: 'Evelyn Waugh', Title: 'Sword of Honour', Price: 12.99 },
      { Category: 'fiction', Author: 'Herman Melville', Title: 'Moby Dick', Price: 8.99 },
    ],
    Bicycle: [
      { Color: 'red', Price: 19.95, IsNew: true },
      { Color: 'green', Price: 20.01, IsNew: false },
    ],
    Name: 'jsonpath',
    Labels: { engieer: 10, 'web/html': 15, 'k8s-app': 20 },
    Employees: { jason: 'manager', dan: 'clerk' },
  };
  const t = (name: string, template: string, input: unknown, expect: string, expectError = false) => ({
    name,
    template,
    input,
    expect,
    expectError,
  });
  testJSONPath(
    [
      t('plain', 'hello jsonpath', null, 'hello jsonpath'),
      t('recursive', '{..}', [1, 2, 3], '[1,2,3]'),
      t('filter', '{[?(@<5)]}', [2, 6, 3, 7], '2 3'),
      t('quote', '{"{"}', null, '{'),
      t('union', '{[1,3,4]}', [0, 1, 2, 3, 4], '1 3 4'),
      t('array', '{[0:2]}', ['Monday', 'Tudesday'], 'Monday Tudesday'),
      t('variable', 'hello {.Name}', storeData, 'hello jsonpath'),
      t('dict/', '{$.Labels.web/html}', storeData, '15'),
      t('dict/', '{$.Employees.jason}', storeData, 'manager'),
      t('dict/', '{$.Employees.dan}', storeData, 'clerk'),
      t('dict-', '{.Labels.k8s-app}', storeData, '20'),
      t('nest', '{.Bicycle[*].Color}', storeData, 'red green'),
      t('allarray', '{.Book[*].Author}', storeData, 'Nigel Rees Evelyn Waugh Herman Melville'),
      t(
        'allfields',
        '{range .Bicycle[*]}{ "{" }{ @.* }{ "} " }{end}',
        storeData,
        '{red 19.95 true} {green 20.01 false} ',
      ),
      t('recurfields', '{..Price}', storeData, '8.95 12.99 8.99 19.95 20.01'),
      t('recurdotfields', '{...Price}', storeData, '8.95 12.99 8.99 19.95 20.01'),
      t('superrecurfields', `{${'.'.repeat(60)}Price}`, storeData, '', true),
      t(
        'allstructsSlice',
        '{.Bicycle}',
        storeData,
        '[{"Color":"red","Price":19.95,"IsNew":true},{"Color":"green","Price":20.01,"IsNew":false}]',
      ),
      t(
        'allstructs',
        '{range .Bicycle[*]}{ @ }{ " " }{end}',
        storeData,
        '{"Color":"red","Price":19.95,"IsNew":true} {"Color":"green","Price":20.01,"IsNew":false} ',
      ),
      t(
        'lastarray',
        '{.Book[-1:]}',
        storeData,
        '{"Category":"fiction","Author":"Herman Melville","Title":"Moby Dick","Price":8.99}',
      ),
      t(
        'recurarray',
        '{..Book[2]}',
        storeData,
        '{"Category":"fiction","Author":"Herman Melville","Title":"Moby Dick","Price":8.99}',
      ),
      t('bool', '{.Bicycle[?(@.IsNew==true)]}', storeData, '{"Color":"red","Price":19.95,"IsNew":true}'),
    ],
    false,
  );

  describe('missing keys allowed', () => {
    testJSONPath([t('nonexistent field', '{.hello}', storeData, '')], true);
  });

  describe('failures', () => {
    testFailJSONPath([
      t('invalid identifier', '{hello}', storeData, 'unrecognized identifier hello'),
      t('nonexistent field', '{.hello}', storeData, 'hello is not found'),
      // Upstream's map[string]int: kubectl's objects are unstructured, so the map type is map[string]interface {}.
      t('invalid array', '{.Labels[0]}', storeData, 'map[string]interface {} is not array or slice'),
      t('invalid filter operator', '{.Book[?(@.Price<>10)]}', storeData, 'unrecognized filter operator <>'),
      t('redundant end', '{range .Labels.*}{@}{end}{end}', storeData, 'not in range, nothing to end'),
    ]);
  });
});

describe('TestJSONInput', () => {
  const pointsData = [
    { id: 'i1', x: 4, y: -5 },
    { id: 'i2', x: -2, y: -5, z: 1 },
    { id: 'i3', x: 8, y: 3 },
    { id: 'i4', x: -6, y: -1 },
    { id: 'i5', x: 0, y: 2, z: 1 },
    { id: 'i6', x: 1, y: 4 },
  ];
  testJSONPath(
    [
      { name: 'exists filter', template: '{[?(@.z)].id}', input: pointsData, expect: 'i2 i5' },
      { name: 'bracket key', template: "{[0]['id']}", input: pointsData, expect: 'i1' },
    ],
    false,
  );
});

describe('TestKubernetes', () => {
  const nodesData = {
    kind: 'List',
    items: [
      {
        kind: 'None',
        metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
        status: {
          capacity: { cpu: '4' },
          ready: true,
          addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }],
        },
      },
      {
        kind: 'None',
        metadata: { name: '127.0.0.2', labels: { 'kubernetes.io/hostname': '127.0.0.2' } },
        status: {
          capacity: { cpu: '8' },
          ready: false,
          addresses: [
            { type: 'LegacyHostIP', address: '127.0.0.2' },
            { type: 'another', address: '127.0.0.3' },
          ],
        },
      },
    ],
    users: [
      { name: 'myself', user: {} },
      { name: 'e2e', user: { username: 'admin', password: 'secret' } },
    ],
  };
  const t = (name: string, template: string, expect: string) => ({ name, template, input: nodesData, expect });
  testJSONPath(
    [
      t('range item', '{range .items[*]}{.metadata.name}, {end}{.kind}', '127.0.0.1, 127.0.0.2, List'),
      t('range item with quote', '{range .items[*]}{.metadata.name}{"\\t"}{end}', '127.0.0.1\t127.0.0.2\t'),
      t('range addresss', '{.items[*].status.addresses[*].address}', '127.0.0.1 127.0.0.2 127.0.0.3'),
      t(
        'double range',
        '{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}',
        '127.0.0.1, 127.0.0.2, 127.0.0.3, ',
      ),
      t('item name', '{.items[*].metadata.name}', '127.0.0.1 127.0.0.2'),
      t(
        'union nodes capacity',
        "{.items[*]['metadata.name', 'status.capacity']}",
        '127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}',
      ),
      t(
        'range nodes capacity',
        '{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}',
        '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ',
      ),
      t('user password', '{.users[?(@.name=="e2e")].user.password}', 'secret'),
      t('hostname', '{.items[0].metadata.labels.kubernetes\\.io/hostname}', '127.0.0.1'),
      t('hostname filter', '{.items[?(@.metadata.labels.kubernetes\\.io/hostname=="127.0.0.1")].kind}', 'None'),
      t('bool item', '{.items[?(@..ready==true)].metadata.name}', '127.0.0.1'),
    ],
    false,
  );
  describe('random print order', () => {
    testJSONPathSortOutput([t('recursive name', '{..name}', '127.0.0.1 127.0.0.2 myself e2e')]);
  });
});

describe('TestEmptyRange', () => {
  const emptyList = { items: [] };
  testJSONPath(
    [
      { name: 'empty range', template: '{range .items[*]}{.metadata.name}{end}', input: emptyList, expect: '' },
      {
        name: 'empty nested range',
        template: '{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}',
        input: emptyList,
        expect: '',
      },
    ],
    true,
  );
});

describe('TestNestedRanges', () => {
  const another = [{ name: 'value1' }, { name: 'value2' }];
  const data = {
    items: [
      {
        metadata: { name: 'pod1' },
        spec: {
          containers: [
            { name: 'foo', another },
            { name: 'bar', another },
          ],
        },
      },
      { metadata: { name: 'pod2' }, spec: { containers: [{ name: 'baz', another }] } },
    ],
  };
  testJSONPath(
    [
      {
        name: 'nested range with a trailing newline',
        template: '{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}',
        input: data,
        expect: 'pod1:foo,bar,+pod2:baz,+',
      },
      {
        name: 'nested range with a trailing character within another nested range with a trailing newline',
        template:
          '{range .items[*]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}' +
          '{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}',
        input: data,
        expect: 'pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,value2,+#',
      },
      {
        name: 'two nested ranges at the same level with a trailing newline',
        template:
          '{range .items[*]}{.metadata.name}{"\\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\\t"}' +
          '{range @.spec.containers[*]}{.name}{" "}{end}{"\\n"}{end}',
        input: data,
        expect: 'pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n',
      },
    ],
    false,
  );
});

describe('TestFilterPartialMatchesSometimesMissingAnnotations', () => {
  const pod = (name: string, color?: string) => ({
    kind: 'Pod',
    metadata: color ? { name, annotations: { color } } : { name },
  });
  const data = { kind: 'List', items: [pod('pod1', 'blue'), pod('pod2'), pod('pod3', 'green'), pod('pod4', 'blue')] };
  const template = '{.items[?(@.metadata.annotations.color=="blue")].metadata.name}';
  testJSONPath(
    [
      {
        name: "filter, should only match a subset, some items don't have annotations, tolerate missing items",
        template,
        input: data,
        expect: 'pod1 pod4',
      },
    ],
    true,
  );
  testJSONPath(
    [
      {
        name: "filter, should only match a subset, some items don't have annotations, error on missing items",
        template,
        input: data,
        expect: '',
        expectError: true,
      },
    ],
    false,
  );
});

const containers = (n: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  spec: {
    containers: Array.from({ length: n }, (_, i) => ({ image: 'radial/busyboxplus:curl', name: `fake${i}` })),
  },
});

describe('TestNegativeIndex', () => {
  const data = containers(4);
  const t = (name: string, template: string, expect: string, expectError = false) => ({
    name,
    template,
    input: data,
    expect,
    expectError,
  });
  testJSONPath(
    [
      t('test containers[0], it equals containers[0]', '{.spec.containers[0].name}', 'fake0'),
      t('test containers[0:0], it equals the empty set', '{.spec.containers[0:0].name}', ''),
      t('test containers[0:-1], it equals containers[0:3]', '{.spec.containers[0:-1].name}', 'fake0 fake1 fake2'),
      t('test containers[-1:0], expect error', '{.spec.containers[-1:0].name}', '', true),
      t('test containers[-1], it equals containers[3]', '{.spec.containers[-1].name}', 'fake3'),
      t('test containers[-1:], it equals containers[3:]', '{.spec.containers[-1:].name}', 'fake3'),
      t('test containers[-2], it equals containers[2]', '{.spec.containers[-2].name}', 'fake2'),
      t('test containers[-2:], it equals containers[2:]', '{.spec.containers[-2:].name}', 'fake2 fake3'),
      t('test containers[-3], it equals containers[1]', '{.spec.containers[-3].name}', 'fake1'),
      t('test containers[-4], it equals containers[0]', '{.spec.containers[-4].name}', 'fake0'),
      t('test containers[-4:], it equals containers[0:]', '{.spec.containers[-4:].name}', 'fake0 fake1 fake2 fake3'),
      t('test containers[-5], expect a error cause it out of bounds', '{.spec.containers[-5].name}', '', true),
      t('test containers[5:5], expect empty set', '{.spec.containers[5:5].name}', ''),
      t('test containers[-5:-5], expect empty set', '{.spec.containers[-5:-5].name}', ''),
      t(
        'test containers[3:1], expect a error cause start index is greater than end index',
        '{.spec.containers[3:1].name}',
        '',
        true,
      ),
      t(
        'test containers[-1:-2], it equals containers[3:2], expect a error cause start index is greater than end index',
        '{.spec.containers[-1:-2].name}',
        '',
        true,
      ),
    ],
    false,
  );
});

describe('TestStep', () => {
  const data = containers(6);
  const t = (name: string, template: string, expect: string, expectError = false) => ({
    name,
    template,
    input: data,
    expect,
    expectError,
  });
  const all = 'fake0 fake1 fake2 fake3 fake4 fake5';
  testJSONPath(
    [
      t('test containers[0:], it equals containers[0:6:1]', '{.spec.containers[0:].name}', all),
      t('test containers[0:6:], it equals containers[0:6:1]', '{.spec.containers[0:6:].name}', all),
      t('test containers[0:6:1]', '{.spec.containers[0:6:1].name}', all),
      t('test containers[0:6:0], it errors', '{.spec.containers[0:6:0].name}', '', true),
      t('test containers[0:6:-1], it errors', '{.spec.containers[0:6:-1].name}', '', true),
      t('test containers[1:4:2]', '{.spec.containers[1:4:2].name}', 'fake1 fake3'),
      t('test containers[1:4:3]', '{.spec.containers[1:4:3].name}', 'fake1'),
      t('test containers[1:4:4]', '{.spec.containers[1:4:4].name}', 'fake1'),
      t('test containers[0:6:2]', '{.spec.containers[0:6:2].name}', 'fake0 fake2 fake4'),
      t('test containers[0:6:3]', '{.spec.containers[0:6:3].name}', 'fake0 fake3'),
      t('test containers[0:6:5]', '{.spec.containers[0:6:5].name}', 'fake0 fake5'),
      t('test containers[0:6:6]', '{.spec.containers[0:6:6].name}', 'fake0'),
    ],
    false,
  );
});

describe('TestEmptyArrayDoesNotStopFollowingInputs', () => {
  const t = (name: string, input: string[][], template: string, expect: string) => ({ name, template, input, expect });
  testJSONPath(
    [
      t('empty first', [[], ['second']], '{[*][*]}', 'second'),
      t('empty middle', [['first'], [], ['third']], '{[*][*]}', 'first third'),
      t('empty last', [['first'], []], '{[*][:]}', 'first'),
      t('all empty', [[], []], '{[*][*]}', ''),
      t('empty negative slice', [['first'], ['second', 'third']], '{[*][0:-1]}', 'second'),
      t('no empty slices', [['first'], ['second']], '{[*][*]}', 'first second'),
    ],
    false,
  );
});

describe('TestParser', () => {
  const list = 'NodeList';
  const field = (name: string) => `NodeField: ${name}`;
  const text = (value: string) => `NodeText: ${value}`;
  const filter = (op: string) => `NodeFilter: NodeList ${op} NodeList`;
  const array = (...p: [number, boolean, boolean][]) =>
    `NodeArray: [${p.map(([v, known, derived]) => `{${v} ${known} ${derived}}`).join(' ')}]`;
  const osImage = [list, filter('=='), list, field('status'), field('nodeInfo'), field('osImage'), list];
  const parserTests: { name: string; text: string; nodes: string[]; shouldError?: boolean }[] = [
    { name: 'plain', text: 'hello jsonpath', nodes: [text('hello jsonpath')] },
    { name: 'variable', text: 'hello {.jsonpath}', nodes: [text('hello '), list, field('jsonpath')] },
    { name: 'arrayfiled', text: "hello {['jsonpath']}", nodes: [text('hello '), list, field('jsonpath')] },
    { name: 'quote', text: '{"{"}', nodes: [list, text('{')] },
    { name: 'array', text: '{[1:3]}', nodes: [list, array([1, true, false], [3, true, false], [0, false, false])] },
    {
      name: 'allarray',
      text: '{.book[*].author}',
      nodes: [list, field('book'), array([0, false, false], [0, false, false], [0, false, false]), field('author')],
    },
    { name: 'wildcard', text: '{.bicycle.*}', nodes: [list, field('bicycle'), 'NodeWildcard'] },
    {
      name: 'filter',
      text: '{[?(@.price<3)]}',
      nodes: [list, filter('<'), list, field('price'), list, 'NodeInt: 3'],
    },
    { name: 'recursive', text: '{..}', nodes: [list, 'NodeRecursive'] },
    { name: 'recurField', text: '{..price}', nodes: [list, 'NodeRecursive', field('price')] },
    { name: 'arraydict', text: "{['book.price']}", nodes: [list, field('book'), field('price')] },
    {
      name: 'union',
      text: "{['bicycle.price', 3, 'book.price']}",
      nodes: [
        list,
        'NodeUnion',
        list,
        field('bicycle'),
        field('price'),
        list,
        array([3, true, false], [4, true, true], [0, false, false]),
        list,
        field('book'),
        field('price'),
      ],
    },
    {
      name: 'range',
      text: '{range .items}{.name},{end}',
      nodes: [
        list,
        'NodeIdentifier: range',
        field('items'),
        list,
        field('name'),
        text(','),
        list,
        'NodeIdentifier: end',
      ],
    },
    { name: 'malformat input', text: '{\\\\\\}', nodes: [], shouldError: true },
    {
      name: 'paired parentheses in quotes',
      text: '{[?(@.status.nodeInfo.osImage == "()")]}',
      nodes: [...osImage, text('()')],
    },
    {
      name: 'paired parentheses in double quotes and with double quotes escape',
      text: '{[?(@.status.nodeInfo.osImage == "(\\"\\")")]}',
      nodes: [...osImage, text('("")')],
    },
    {
      name: 'unregular parentheses in double quotes',
      text: '{[?(@.test == "())(")]}',
      nodes: [list, filter('=='), list, field('test'), list, text('())(')],
    },
    {
      name: 'plain text in single quotes',
      text: "{[?(@.status.nodeInfo.osImage == 'Linux')]}",
      nodes: [...osImage, text('Linux')],
    },
    {
      name: 'test filter suffix',
      text: '{[?(@.status.nodeInfo.osImage == "{[()]}")]}',
      nodes: [...osImage, text('{[()]}')],
    },
    {
      name: 'double inside single',
      text: `{[?(@.status.nodeInfo.osImage == "''")]}`,
      nodes: [...osImage, text("''")],
    },
    {
      name: 'single inside double',
      text: `{[?(@.status.nodeInfo.osImage == '""')]}`,
      nodes: [...osImage, text('""')],
    },
    {
      name: 'single containing escaped single',
      text: "{[?(@.status.nodeInfo.osImage == '\\\\\\'')]}",
      nodes: [...osImage, text("\\'")],
    },
    {
      name: 'negative index slice, equals a[len-5] to a[len-1]',
      text: '{[-5:]}',
      nodes: [list, array([-5, true, false], [0, false, false], [0, false, false])],
    },
    {
      name: 'negative index slice, equals a[len-1]',
      text: '{[-1]}',
      nodes: [list, array([-1, true, false], [0, true, true], [0, false, false])],
    },
    {
      name: 'negative index slice, equals a[1] to a[len-1]',
      text: '{[1:-1]}',
      nodes: [list, array([1, true, false], [-1, true, false], [0, false, false])],
    },
  ];

  /** `collectNode`: depth first, a filter's left then right operands, a union's lists. */
  function collectNode(nodes: Node[], cur: Node): Node[] {
    nodes.push(cur);
    if (cur.type === 'NodeList') for (const node of cur.nodes) collectNode(nodes, node);
    if (cur.type === 'NodeFilter') {
      collectNode(nodes, cur.left);
      collectNode(nodes, cur.right);
    }
    if (cur.type === 'NodeUnion') for (const node of cur.nodes) collectNode(nodes, node);
    return nodes;
  }

  for (const test of parserTests) {
    it(test.name, () => {
      if (test.shouldError) {
        expect(() => parse(test.name, test.text)).toThrow(JsonPathError);
        return;
      }
      const result = collectNode([], parse(test.name, test.text).root).slice(1);
      expect(result.map(nodeString)).toEqual(test.nodes);
    });
  }
});

describe('TestFailParser', () => {
  const failParserTests = [
    { name: 'unclosed action', text: '{.hello', err: 'unclosed action' },
    { name: 'unrecognized character', text: '{*}', err: "unrecognized character in action: U+002A '*'" },
    { name: 'invalid number', text: '{+12.3.0}', err: 'cannot parse number +12.3.0' },
    { name: 'unterminated array', text: '{[1}', err: 'unterminated array' },
    { name: 'unterminated filter', text: '{[?(.price]}', err: 'unterminated filter' },
    { name: 'invalid multiple recursive descent', text: '{........}', err: 'invalid multiple recursive descent' },
  ];
  for (const test of failParserTests) {
    it(test.name, () => {
      expect(() => parse(test.name, test.text)).toThrow(new JsonPathError(test.err));
    });
  }
});

// Beyond the upstream tables: what kubectl's printers add around the engine, and Go's number formatting.
describe('kubectl jsonpath printing', () => {
  const list = {
    apiVersion: 'v1',
    items: [
      { metadata: { labels: { app: 'web', tier: 'a' }, name: 'a' }, status: { succeeded: 1 } },
      { metadata: { name: 'b' }, status: { active: 1 } },
    ],
    kind: 'List',
    metadata: { resourceVersion: '' },
  };
  const print = (template: string, options: { allowMissingKeys?: boolean; asJson?: boolean } = {}) =>
    new JsonPathPrinter(template, {
      allowMissingKeys: options.allowMissingKeys ?? true,
      asJson: !!options.asJson,
    }).print(list);

  it('prints several results space-separated, maps as compact JSON, missing keys as nothing', () => {
    expect(print('{.items[*].metadata.name}')).toBe('a b');
    expect(print('{.items..metadata.name}')).toBe('a b');
    expect(print('{.items[0].metadata.labels}')).toBe('{"app":"web","tier":"a"}');
    expect(print('{.items[*].status.succeeded}')).toBe('1');
    expect(print('{range .items[*]}{.metadata.name}{"\\t"}{.status.succeeded}{"\\n"}{end}')).toBe('a\t1\nb\t\n');
    expect(print('{.items[?(@.status.succeeded==1)].metadata.name}')).toBe('a');
    expect(print('{.items[?(@.status.active)].metadata.name}')).toBe('b');
    expect(print('{.items[?(@.metadata.name!="a")].metadata.name}')).toBe('b');
    expect(print('{.items[-1].metadata.name}')).toBe('b');
    expect(print("{.items[0].metadata.labels['app']}")).toBe('web');
    expect(print('{.kind}{"/"}{.apiVersion}')).toBe('List/v1');
  });

  it('prints each result list as an indented JSON array with jsonpath-as-json', () => {
    expect(print('{.items[*].metadata.name}', { asJson: true })).toBe('[\n    "a",\n    "b"\n]\n');
    expect(print('{.items[*].nothing}', { asJson: true })).toBe('[]\n');
  });

  it("reports a parse error with the template, as kubectl's print flags do", () => {
    expect(() => print('{.a')).toThrow('error: error parsing jsonpath {.a, unclosed action');
    expect(() => print('{.items[0}')).toThrow('error: error parsing jsonpath {.items[0}, unterminated array');
  });

  it('reports an execution error with the template and the object, as cli-runtime does', () => {
    const data = { kind: 'List', n: 1.5, items: [] as unknown[] };
    let message = '';
    try {
      new JsonPathPrinter('{.missing}', { allowMissingKeys: false, asJson: false }).print(data);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      'error: error executing jsonpath "{.missing}": Error executing template: missing is not found. ' +
        'Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.missing}\n' +
        '\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{"items":[]interface {}{}, ' +
        '"kind":"List", "n":1.5}\n\n',
    );
    expect(() => print('{.items[5]}')).toThrow(/Error executing template: array index out of bounds: index 5/);
  });

  it('compares like Go templates: an int and a float are incompatible, strings compare by code point', () => {
    const j = new JsonPath('t');
    j.parse('{[?(@.x>1.0)].x}');
    expect(() => j.execute([{ x: 2 }])).toThrow('incompatible types for comparison');
    j.parse('{[?(@.x>1.0)].x}');
    expect(j.execute([{ x: 2.5 }, { x: 0.5 }])).toBe('2.5');
    j.parse('{[?(@<"b")]}');
    expect(j.execute(['a', 'c', 'B'])).toBe('a B');
  });

  it('formats numbers and values as Go fmt does', () => {
    expect(goFormatFloat(1234567.5)).toBe('1.2345675e+06');
    expect(goFormatFloat(0.00001)).toBe('1e-05');
    expect(goFormatFloat(123456.5)).toBe('123456.5');
    expect(goSprint({ b: [1, 'x'], a: null })).toBe('map[a:<nil> b:[1 x]]');
    expect(goSharpV({ b: 'q"', a: [true] })).toBe('map[string]interface {}{"a":[]interface {}{true}, "b":"q\\""}');
  });
});
