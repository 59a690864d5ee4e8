import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mergePatch, PatchError, strategicMerge } from '../../../src/spec/strategic-merge.ts';

// Strategic merge patch and JSON merge patch as the API server applies them (KUBECTL-API.md §9).
//
// Cases named "upstream: …" are ported from kubernetes/kubernetes
// staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch_test.go: the patch (`twoWay`, or `threeWay` when
// the case is named "… (three-way)") applied to `original` (or `current`) must give `modified` (or `result`). The
// upstream test struct's fields are renamed to the Kubernetes fields with the same patch strategy that jobctl knows:
//   mergingList (merge key name)        → containers; nested in it → env
//   mergeItemPtr (merge key name)       → volumes
//   retainKeysMergingList (merge, name) → volumes
//   mergingIntList (merged as a set)    → finalizers
//   nonMergingList, nonMergingIntList   → tolerations, args (replaced whole)
//   simpleMap, retainKeysMap            → kept (maps merge alike whatever their name)
// Left out: the three-way "add map and delete map from merging list (with conflict)" results, where upstream's order
// of server-only elements comes from Go slices aliased while deleting; and "delete map from nested map", where
// upstream leaves `{}` (which a typed object's omitempty map then drops) and jobctl drops the key at once.

interface Case {
  readonly name: string;
  readonly original: string;
  readonly patch: string;
  readonly expected: string;
}

const y = (text: string): unknown => parse(text) ?? {};

/** Applies `patch` to `original`, checking that neither is changed. */
function apply(original: unknown, patch: unknown): unknown {
  const before = structuredClone({ original, patch });
  const result = strategicMerge(original, patch);
  expect({ original, patch }).toEqual(before);
  return result;
}

const upstream: Case[] = [
  // customStrategicMergePatchTestCaseData
  {
    name: 'upstream: unique scalars when merging lists',
    original: 'finalizers: [1, 2]',
    patch: 'finalizers: [2, 3]',
    expected: 'finalizers: [1, 2, 3]',
  },
  {
    name: 'upstream: delete all items from merging list',
    original: 'containers: [{name: 1}, {name: 2}]',
    patch: 'containers: [{$patch: replace}]',
    expected: 'containers: []',
  },
  {
    name: 'upstream: merge empty merging lists',
    original: 'containers: []',
    patch: 'containers: []',
    expected: 'containers: []',
  },
  {
    name: 'upstream: delete all keys from map',
    original: '{name: 1, value: 1}',
    patch: '$patch: replace',
    expected: '{}',
  },
  {
    name: 'upstream: add key and delete all keys from map',
    original: '{name: 1, value: 1}',
    patch: '{other: a, $patch: replace}',
    expected: '{other: a}',
  },
  {
    name: 'upstream: de-duplicate entries in a merging list',
    original: 'containers: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]',
    patch: 'containers: [{name: 1, $patch: delete}, {name: 3, $patch: delete}]',
    expected: 'containers: [{name: 1}, {name: 2, value: a}, {name: 3}]',
  },
  {
    name: 'upstream: delete all duplicate entries in a merging list',
    original: 'containers: [{name: 1}, {name: 1}, {name: 2, value: a}, {name: 3}, {name: 3}]',
    patch: `containers:
      - {name: 1, $patch: delete}
      - {name: 1, $patch: delete}
      - {name: 3, $patch: delete}
      - {name: 3, $patch: delete}`,
    expected: 'containers: [{name: 2, value: a}]',
  },
  {
    name: 'upstream: retainKeys map can add a field when no retainKeys directive present',
    original: 'retainKeysMap: {name: foo}',
    patch: 'retainKeysMap: {value: bar}',
    expected: 'retainKeysMap: {name: foo, value: bar}',
  },
  {
    name: 'upstream: retainKeys map can delete a field when no retainKeys directive present',
    original: 'retainKeysMap: {name: foo, value: a}',
    patch: 'retainKeysMap: {value: null}',
    expected: 'retainKeysMap: {name: foo}',
  },
  {
    name: 'upstream: retainKeys map merge an empty map',
    original: 'retainKeysMap: {name: foo, value: a}',
    patch: 'retainKeysMap: {}',
    expected: 'retainKeysMap: {name: foo, value: a}',
  },
  {
    name: 'upstream: retainKeys list can change a field when no retainKeys directive present',
    original: 'volumes: [{name: bar}, {name: foo, value: a}]',
    patch: 'volumes: [{name: foo, value: b}]',
    expected: 'volumes: [{name: bar}, {name: foo, value: b}]',
  },
  {
    name: 'upstream: preserve the order from the patch in a merging list',
    original: 'containers: [{name: 1}, {name: 2, value: b}, {name: 3}]',
    patch: 'containers: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]',
    expected: 'containers: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, value: b, other: x}]',
  },
  {
    name: 'upstream: preserve the order from the patch in a merging list 2',
    original: 'containers: [{name: 1}, {name: 2, value: b}, {name: 3}]',
    patch: 'containers: [{name: 3, value: c}, {name: 1, value: a}]',
    expected: 'containers: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]',
  },
  {
    name: 'upstream: preserve the order from the patch in a merging int list',
    original: 'finalizers: [1, 2, 3]',
    patch: 'finalizers: [3, 1, 2]',
    expected: 'finalizers: [3, 1, 2]',
  },
  {
    name: 'upstream: preserve the order from the patch in a merging int list (2)',
    original: 'finalizers: [1, 2, 3]',
    patch: 'finalizers: [3, 1]',
    expected: 'finalizers: [2, 3, 1]',
  },
  {
    name: 'upstream: $setElementOrder contains item that is not present in the list to be merged',
    original: 'containers: [{name: 1}, {name: 3}]',
    patch: `
      $setElementOrder/containers: [{name: 3}, {name: 2}, {name: 1}]
      containers: [{name: 3, value: 3}, {name: 1, value: 1}]`,
    expected: 'containers: [{name: 3, value: 3}, {name: 1, value: 1}]',
  },
  {
    name: 'upstream: $setElementOrder contains item that is not present in the int list to be merged',
    original: 'finalizers: [1, 3]',
    patch: '$setElementOrder/finalizers: [3, 2, 1]',
    expected: 'finalizers: [3, 1]',
  },
  // createStrategicMergePatchTestCaseData (upstream sorts these lists by name before comparing)
  {
    name: 'upstream: nil original',
    original: '{}',
    patch: '{name: 1, value: 1}',
    expected: '{name: 1, value: 1}',
  },
  {
    name: 'upstream: add field and delete field from map',
    original: '{name: 1}',
    patch: '{name: null, value: 1}',
    expected: '{value: 1}',
  },
  {
    name: 'upstream: delete field from nested map (three-way)',
    original: 'simpleMap: {key1: 1, key2: 1, other: a}',
    patch: 'simpleMap: {key2: null}',
    expected: 'simpleMap: {key1: 1, other: a}',
  },
  {
    name: 'upstream: replace list of scalars',
    original: 'args: [1, 2]',
    patch: 'args: [2, 3]',
    expected: 'args: [2, 3]',
  },
  {
    name: 'upstream: delete all maps from merging list with conflict (three-way)',
    original: 'containers: [{name: 1, other: a}, {name: 2, other: b}]',
    patch: 'containers: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]',
    expected: 'containers: []',
  },
  {
    name: 'upstream: delete all maps from empty merging list (three-way)',
    original: 'containers: []',
    patch: 'containers: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]',
    expected: 'containers: []',
  },
  {
    name: 'upstream: defined null values should propagate removing original fields (three-way)',
    original: '{name: original-name, value: original-value, other: current-other}',
    patch: '{name: modified-name, value: null}',
    expected: '{name: modified-name, other: current-other}',
  },
  // strategicMergePatchRawTestCases
  {
    name: 'upstream: delete items in lists of scalars (three-way)',
    original: 'finalizers: [1, 2, 3, 4]',
    patch: `
      $setElementOrder/finalizers: [1, 2]
      $deleteFromPrimitiveList/finalizers: [3]`,
    expected: 'finalizers: [1, 2, 4]',
  },
  {
    name: 'upstream: delete all duplicate items in lists of scalars (three-way)',
    original: 'finalizers: [1, 2, 3, 3, 4]',
    patch: `
      $setElementOrder/finalizers: [1, 2]
      $deleteFromPrimitiveList/finalizers: [3]`,
    expected: 'finalizers: [1, 2, 4]',
  },
  {
    name: 'upstream: add and delete items in lists of scalars',
    original: 'finalizers: [1, 2, 3]',
    patch: `
      $setElementOrder/finalizers: [1, 2, 4]
      $deleteFromPrimitiveList/finalizers: [3]
      finalizers: [4]`,
    expected: 'finalizers: [1, 2, 4]',
  },
  {
    name: 'upstream: merge lists of maps (three-way)',
    original: 'containers: [{name: 1, other: a}, {name: 2, value: 2, other: b}]',
    patch: `
      $setElementOrder/containers: [{name: 4}, {name: 1}, {name: 2}, {name: 3}]
      containers: [{name: 4, value: 4}, {name: 3, value: 3}]`,
    expected:
      'containers: [{name: 4, value: 4}, {name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]',
  },
  {
    name: 'upstream: add field to map in merging list with conflict (three-way)',
    original: 'containers: [{name: 1, other: a}, {name: 3, value: 2, other: b}]',
    patch: `
      $setElementOrder/containers: [{name: 1}, {name: 2}]
      containers: [{name: 1, value: 1}, {name: 2, value: 2}]`,
    expected: 'containers: [{name: 1, value: 1, other: a}, {name: 2, value: 2}, {name: 3, value: 2, other: b}]',
  },
  {
    name: 'upstream: de-duplicate field in merging list',
    original: 'containers: [{name: 1}, {name: 1}]',
    patch: `
      $setElementOrder/containers: [{name: 1}]
      containers: [{$patch: delete, name: 1}]`,
    expected: 'containers: [{name: 1}]',
  },
  {
    name: 'upstream: replace map field value in merging list (three-way)',
    original: 'containers: [{name: 1, value: 1, other: a}, {name: 2, value: 2, other: b}]',
    patch: `
      $setElementOrder/containers: [{name: 1}, {name: 2}]
      containers: [{name: 1, value: a}]`,
    expected: 'containers: [{name: 1, value: a, other: a}, {name: 2, value: 2, other: b}]',
  },
  {
    name: 'upstream: delete map from merging list (three-way)',
    original: 'containers: [{name: 1}, {name: 2, other: b}]',
    patch: `
      $setElementOrder/containers: [{name: 2}]
      containers: [{name: 1, $patch: delete}]`,
    expected: 'containers: [{name: 2, other: b}]',
  },
  {
    name: 'upstream: delete missing map from merging list with conflict (three-way)',
    original: 'containers: [{name: 3, other: a}]',
    patch: `
      $setElementOrder/containers: [{name: 2}]
      containers: [{name: 2}, {name: 1, $patch: delete}]`,
    expected: 'containers: [{name: 2}, {name: 3, other: a}]',
  },
  {
    name: 'upstream: add map and delete map from merging list',
    original: 'containers: [{name: 1}, {name: 2}]',
    patch: `
      $setElementOrder/containers: [{name: 2}, {name: 3}]
      containers: [{name: 3}, {name: 1, $patch: delete}]`,
    expected: 'containers: [{name: 2}, {name: 3}]',
  },
  {
    name: 'upstream: delete field from map in merging list (three-way)',
    original: 'containers: [{name: 1, value: 1, other: a}, {name: 2, value: 2, other: b}]',
    patch: `
      $setElementOrder/containers: [{name: 1}, {name: 2}]
      containers: [{name: 1, value: null}]`,
    expected: 'containers: [{name: 1, other: a}, {name: 2, value: 2, other: b}]',
  },
  {
    name: 'upstream: replace non merging list nested in merging list (three-way)',
    original: `containers:
      - {name: 1, other: a, tolerations: [{name: 1}, {name: 2, value: 2}]}
      - {name: 2, other: b}`,
    patch: `
      $setElementOrder/containers: [{name: 1}, {name: 2}]
      containers: [{name: 1, tolerations: [{name: 1, value: 1}]}]`,
    expected: `containers:
      - {name: 1, other: a, tolerations: [{name: 1, value: 1}]}
      - {name: 2, other: b}`,
  },
  {
    name: 'upstream: add field to map in merging list nested in merging list with value conflict (three-way)',
    original: `containers:
      - {name: 1, other: a, env: [{name: 1, value: a, other: c}, {name: 2, value: b, other: d}]}
      - {name: 2, other: b}`,
    patch: `
      $setElementOrder/containers: [{name: 1}, {name: 2}]
      containers:
        - $setElementOrder/env: [{name: 1}, {name: 2}]
          name: 1
          env: [{name: 1, value: 1}, {name: 2, value: 2}]`,
    expected: `containers:
      - {name: 1, other: a, env: [{name: 1, value: 1, other: c}, {name: 2, value: 2, other: d}]}
      - {name: 2, other: b}`,
  },
  {
    name: 'upstream: add field to map in merging list nested in merging list with deletion conflict (three-way)',
    original: `containers:
      - {name: 1, other: a, env: [{name: 2, value: 2, other: d}]}
      - {name: 2, other: b}`,
    patch: `
      $setElementOrder/containers: [{name: 1}, {name: 2}]
      containers:
        - $setElementOrder/env: [{name: 2}, {name: 1}]
          name: 1
          env: [{name: 1, value: 1}]`,
    expected: `containers:
      - {name: 1, other: a, env: [{name: 2, value: 2, other: d}, {name: 1, value: 1}]}
      - {name: 2, other: b}`,
  },
  {
    name: 'upstream: add map to merging list by pointer (three-way)',
    original: 'volumes: [{name: 1, other: a}, {name: 3}]',
    patch: `
      $setElementOrder/volumes: [{name: 1}, {name: 2}]
      volumes: [{name: 2}]`,
    expected: 'volumes: [{name: 1, other: a}, {name: 2}, {name: 3}]',
  },
  {
    name: 'upstream: merge lists of scalars (three-way)',
    original: 'finalizers: [1, 2, 4]',
    patch: `
      $setElementOrder/finalizers: [1, 2, 3]
      finalizers: [3]`,
    expected: 'finalizers: [1, 2, 3, 4]',
  },
  {
    name: 'upstream: add an item in a list of primitives and preserve order (three-way)',
    original: 'finalizers: [1, 4, 2]',
    patch: `
      $setElementOrder/finalizers: [3, 1, 2]
      finalizers: [3]`,
    expected: 'finalizers: [3, 1, 4, 2]',
  },
  {
    name: 'upstream: delete an item in a list of primitives and preserve order',
    original: 'finalizers: [1, 2, 3]',
    patch: `
      $setElementOrder/finalizers: [2, 1]
      $deleteFromPrimitiveList/finalizers: [3]`,
    expected: 'finalizers: [2, 1]',
  },
  {
    name: 'upstream: add an item in a list and preserve order (three-way)',
    original: 'containers: [{name: 1, other: a}, {name: 2, value: 2, other: b}]',
    patch: `
      $setElementOrder/containers: [{name: 3}, {name: 1}, {name: 2}]
      containers: [{name: 3, value: 3}]`,
    expected: 'containers: [{name: 3, value: 3}, {name: 1, other: a}, {name: 2, value: 2, other: b}]',
  },
  {
    name: 'upstream: add multiple items in a list and preserve order',
    original: 'containers: [{name: 1}, {name: 2, value: 2}]',
    patch: `
      $setElementOrder/containers: [{name: 1}, {name: 4}, {name: 2}, {name: 3}]
      containers: [{name: 4, value: 4}, {name: 3, value: 3}]`,
    expected: 'containers: [{name: 1}, {name: 4, value: 4}, {name: 2, value: 2}, {name: 3, value: 3}]',
  },
  {
    name: 'upstream: delete an item in a list and preserve order (three-way)',
    original: 'containers: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]',
    patch: `
      $setElementOrder/containers: [{name: 2}, {name: 1}]
      containers: [{name: 3, $patch: delete}]`,
    expected: 'containers: [{name: 2, value: 2, other: b}, {name: 1, other: a}]',
  },
  {
    name: 'upstream: change an item in a list and preserve order',
    original: 'containers: [{name: 1}, {name: 3, value: 3}, {name: 2, value: 2}]',
    patch: `
      $setElementOrder/containers: [{name: 2}, {name: 3}, {name: 1}]
      containers: [{name: 3, value: x}]`,
    expected: 'containers: [{name: 2, value: 2}, {name: 3, value: x}, {name: 1}]',
  },
  {
    name: 'upstream: add and delete an item in a list and preserve order (three-way)',
    original: 'containers: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]',
    patch: `
      $setElementOrder/containers: [{name: 4}, {name: 2}, {name: 1}]
      containers: [{name: 4, value: 4}, {name: 3, $patch: delete}]`,
    expected: 'containers: [{name: 4, value: 4}, {name: 2, value: 2, other: b}, {name: 1, other: a}]',
  },
  {
    name: 'upstream: set elements order in a list',
    original: 'containers: [{name: 1}, {name: 3, value: 3}, {name: 4, value: 4}, {name: 2, value: 2}]',
    patch: '$setElementOrder/containers: [{name: 4}, {name: 2}, {name: 3}, {name: 1}]',
    expected: 'containers: [{name: 4, value: 4}, {name: 2, value: 2}, {name: 3, value: 3}, {name: 1}]',
  },
  {
    name: 'upstream: set elements order in a list with server-only items 2 (three-way)',
    original:
      'containers: [{name: 1, other: a}, {name: 2, value: 2}, {name: 9}, {name: 3, value: 3}, {name: 4, value: 4}]',
    patch: '$setElementOrder/containers: [{name: 2}, {name: 1}, {name: 4}, {name: 3}]',
    expected:
      'containers: [{name: 2, value: 2}, {name: 1, other: a}, {name: 9}, {name: 4, value: 4}, {name: 3, value: 3}]',
  },
  {
    name: 'upstream: set elements order in a int list with server-only items 3 (three-way)',
    original: 'finalizers: [1, 2, 7, 9, 8, 3, 4]',
    patch: '$setElementOrder/finalizers: [2, 1, 4, 3]',
    expected: 'finalizers: [2, 1, 7, 9, 8, 4, 3]',
  },
  {
    name: 'upstream: behavior of set element order for a merging list with duplicate',
    original: 'containers: [{name: 1}, {name: 2, value: dup1}, {name: 3}, {name: 2, value: dup2}, {name: 4}]',
    patch: '$setElementOrder/containers: [{name: 2}, {name: 1}, {name: 4}, {name: 3}, {name: 2}]',
    expected: 'containers: [{name: 2, value: dup1}, {name: 2, value: dup2}, {name: 1}, {name: 4}, {name: 3}]',
  },
  {
    name: 'upstream: behavior of set element order for a merging int list with duplicate',
    original: 'finalizers: [1, 2, 3, 2, 4]',
    patch: '$setElementOrder/finalizers: [2, 1, 4, 3, 2]',
    expected: 'finalizers: [2, 2, 1, 4, 3]',
  },
  {
    name: 'upstream: retainKeys map should clear defaulted field (three-way)',
    original: 'retainKeysMap: {value: foo}',
    patch: 'retainKeysMap: {$retainKeys: [other], other: bar}',
    expected: 'retainKeysMap: {other: bar}',
  },
  {
    name: 'upstream: retainKeys map should clear defaulted field with conflict (discriminated union) (three-way)',
    original: 'retainKeysMap: {name: type1, value: foo}',
    patch: 'retainKeysMap: {$retainKeys: [name, other], name: type2, other: bar}',
    expected: 'retainKeysMap: {name: type2, other: bar}',
  },
  {
    name: 'upstream: retainKeys map adds a field and clear a field (three-way)',
    original: 'retainKeysMap: {name: foo, other: a}',
    patch: 'retainKeysMap: {$retainKeys: [name, value], value: bar}',
    expected: 'retainKeysMap: {name: foo, value: bar}',
  },
  {
    name: 'upstream: retainKeys map deletes a field and clears a field (three-way)',
    original: 'retainKeysMap: {name: foo, value: bar, other: a}',
    patch: 'retainKeysMap: {$retainKeys: [name], value: null}',
    expected: 'retainKeysMap: {name: foo}',
  },
  {
    name: 'upstream: retainKeys map adds a field in a nested map (three-way)',
    original: 'retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key3: c}}',
    patch: 'retainKeysMap: {$retainKeys: [name, simpleMap, value], simpleMap: {key2: b}}',
    expected: 'retainKeysMap: {name: foo, value: bar, simpleMap: {key1: a, key2: b, key3: c}}',
  },
  {
    name: 'upstream: retainKeys map deletes nested non-merging list (three-way)',
    original: 'retainKeysMap: {name: foo, tolerations: [{name: a}, {name: b}]}',
    patch: 'retainKeysMap: {$retainKeys: [name, value], value: bar, tolerations: null}',
    expected: 'retainKeysMap: {name: foo, value: bar}',
  },
  {
    name: 'upstream: retainKeys map adds an item in nested merging int list (three-way)',
    original: 'retainKeysMap: {name: foo, finalizers: [1, 2, 3]}',
    patch: `retainKeysMap:
      $setElementOrder/finalizers: [1, 2, 4]
      $retainKeys: [finalizers, name]
      finalizers: [4]`,
    expected: 'retainKeysMap: {name: foo, finalizers: [1, 2, 4, 3]}',
  },
  {
    name: 'upstream: retainKeys map adds an item and deletes an item in nested merging int list (three-way)',
    original: 'retainKeysMap: {name: foo, finalizers: [1, 2, 3, 4]}',
    patch: `retainKeysMap:
      $retainKeys: [finalizers, name]
      finalizers: [5]
      $deleteFromPrimitiveList/finalizers: [2]
      $setElementOrder/finalizers: [1, 3, 5]`,
    expected: 'retainKeysMap: {name: foo, finalizers: [1, 3, 5, 4]}',
  },
  {
    name: 'upstream: retainKeys map deletes an item in nested merging list (three-way)',
    original: 'retainKeysMap: {name: foo, containers: [{name: a}, {name: b}, {name: x}]}',
    patch: `retainKeysMap:
      $retainKeys: [containers, name]
      $setElementOrder/containers: [{name: a}]
      containers: [{name: b, $patch: delete}]`,
    expected: 'retainKeysMap: {name: foo, containers: [{name: a}, {name: x}]}',
  },
  {
    name: 'upstream: retainKeys list of maps clears a field (three-way)',
    original: 'volumes: [{name: bar}, {name: foo, value: a, other: x}]',
    patch: `
      $setElementOrder/volumes: [{name: bar}, {name: foo}]
      volumes: [{$retainKeys: [name, value], name: foo}]`,
    expected: 'volumes: [{name: bar}, {name: foo, value: a}]',
  },
  {
    name: 'upstream: retainKeys list of maps changes a field and clear a field (three-way)',
    original: 'volumes: [{name: bar}, {name: foo, value: old, other: x}]',
    patch: `
      $setElementOrder/volumes: [{name: bar}, {name: foo}]
      volumes: [{$retainKeys: [name, value], name: foo, value: new}]`,
    expected: 'volumes: [{name: bar}, {name: foo, value: new}]',
  },
  {
    name: 'upstream: delete and reorder in one list, reorder in another',
    original: `
      containers: [{name: a, value: a}, {name: b, value: b}]
      volumes: [{name: c, value: c}, {name: d, value: d}]`,
    patch: `
      $setElementOrder/containers: [{name: b}]
      $setElementOrder/volumes: [{name: d}, {name: c}]
      containers: [{$patch: delete, name: a}]`,
    expected: `
      containers: [{name: b, value: b}]
      volumes: [{name: d, value: d}, {name: c, value: c}]`,
  },
  // replaceRawExtensionPatchTestCases: upstream's replacingItem has patchStrategy "replace"; jobctl knows no such
  // field, so the patch says it with `$patch: replace`.
  {
    name: 'upstream: replace RawExtension field and merge list (three-way)',
    original: `
      name: my-object
      containers: [{name: 1}, {name: 3}]
      replacingItem: {Some: Generic, Yaml: Inside, The: RawExtension, Field: Period}`,
    patch: `
      $setElementOrder/containers: [{name: 1}, {name: 2}]
      containers: [{name: 2}]
      replacingItem: {$patch: replace, Newly: Modified, Yaml: Inside, The: RawExtension}`,
    expected: `
      name: my-object
      containers: [{name: 1}, {name: 2}, {name: 3}]
      replacingItem: {Newly: Modified, Yaml: Inside, The: RawExtension}`,
  },
];

describe('strategicMerge: cases ported from upstream patch_test.go', () => {
  it.each(upstream)('$name', ({ original, patch, expected }) => {
    expect(apply(y(original), y(patch))).toEqual(y(expected));
  });

  it('upstream: missing merge key should error out', () => {
    expect(() => apply(y('containers: [{name: 1, value: a}]'), y('containers: [{value: b}]'))).toThrow(PatchError);
  });
});

/** The CronJob `kubectl apply -f` created: its pod template as the server holds it, defaults filled in. */
const liveCronJob = () => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'hello', namespace: 'default', finalizers: ['a/x', 'b/y'] },
  spec: {
    schedule: '*/1 * * * *',
    concurrencyPolicy: 'Allow',
    jobTemplate: {
      spec: {
        template: {
          spec: {
            restartPolicy: 'OnFailure',
            containers: [
              {
                name: 'hello',
                image: 'busybox:1.28',
                imagePullPolicy: 'IfNotPresent',
                command: ['/bin/sh', '-c', 'date; echo Hello from the Kubernetes cluster'],
                args: ['one', 'two'],
                env: [
                  { name: 'A', value: '1' },
                  { name: 'B', value: '2' },
                ],
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
                terminationMessagePath: '/dev/termination-log',
              },
              { name: 'sidecar', image: 'busybox:1.28', imagePullPolicy: 'Always' },
            ],
            volumes: [{ name: 'data', emptyDir: {} }],
            tolerations: [{ key: 'k1', operator: 'Exists' }],
            nodeSelector: { disk: 'ssd', zone: 'a' },
          },
        },
      },
    },
  },
});

type Live = ReturnType<typeof liveCronJob>;
const podSpecOf = (o: unknown) => (o as Live).spec.jobTemplate.spec.template.spec;
const podSpecPatch = (spec: Record<string, unknown>) => ({ spec: { jobTemplate: { spec: { template: { spec } } } } });

describe('strategicMerge: what kubectl sends for the fields jobctl supports', () => {
  it('the second kubectl apply of KUBECTL-API.md §9 changes one container and keeps its other fields', () => {
    const command = ['/bin/sh', '-c', 'date; echo hi'];
    const patch = podSpecPatch({
      '$setElementOrder/containers': [{ name: 'hello' }, { name: 'sidecar' }],
      containers: [{ name: 'hello', image: 'busybox:1.36', command }],
    });
    const spec = podSpecOf(apply(liveCronJob(), patch));
    const before = podSpecOf(liveCronJob());
    expect(spec.containers).toEqual([
      { ...before.containers[0], image: 'busybox:1.36', command },
      before.containers[1],
    ]);
    expect(spec.containers[0]!.imagePullPolicy).toBe('IfNotPresent');
    // The directive is applied, never stored.
    expect(JSON.stringify(spec)).not.toContain('$setElementOrder');
    expect({ ...spec, containers: before.containers }).toEqual(before);
  });

  const cases: Array<{ name: string; patch: Record<string, unknown>; check: (spec: Live['spec']) => void }> = [
    {
      name: '$patch: delete removes a list element by its merge key',
      patch: podSpecPatch({ containers: [{ name: 'sidecar', $patch: 'delete' }] }),
      check: (s) => expect(s.jobTemplate.spec.template.spec.containers.map((c) => c.name)).toEqual(['hello']),
    },
    {
      name: '$patch: delete removes a map',
      patch: podSpecPatch({ nodeSelector: { $patch: 'delete' } }),
      check: (s) => expect(s.jobTemplate.spec.template.spec).not.toHaveProperty('nodeSelector'),
    },
    {
      name: '$patch: replace on a map replaces it whole',
      patch: podSpecPatch({ nodeSelector: { $patch: 'replace', gpu: 'yes' } }),
      check: (s) => expect(s.jobTemplate.spec.template.spec.nodeSelector).toEqual({ gpu: 'yes' }),
    },
    {
      name: '$patch: replace on a list replaces it whole',
      patch: podSpecPatch({ containers: [{ name: 'only', image: 'alpine' }, { $patch: 'replace' }] }),
      check: (s) => expect(s.jobTemplate.spec.template.spec.containers).toEqual([{ name: 'only', image: 'alpine' }]),
    },
    {
      name: '$setElementOrder reorders the list',
      patch: podSpecPatch({ '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'hello' }] }),
      check: (s) =>
        expect(s.jobTemplate.spec.template.spec.containers.map((c) => c.name)).toEqual(['sidecar', 'hello']),
    },
    {
      name: '$retainKeys drops the keys it does not list',
      patch: podSpecPatch({ volumes: [{ name: 'data', $retainKeys: ['name', 'hostPath'], hostPath: { path: '/x' } }] }),
      check: (s) =>
        expect(s.jobTemplate.spec.template.spec.volumes).toEqual([{ name: 'data', hostPath: { path: '/x' } }]),
    },
    {
      name: 'env is merged by name, new entries appended',
      patch: podSpecPatch({
        containers: [
          {
            name: 'hello',
            env: [
              { name: 'B', value: '20' },
              { name: 'C', value: '3' },
            ],
          },
        ],
      }),
      check: (s) =>
        expect(s.jobTemplate.spec.template.spec.containers[0]!.env).toEqual([
          { name: 'A', value: '1' },
          { name: 'B', value: '20' },
          { name: 'C', value: '3' },
        ]),
    },
    {
      name: 'volumeMounts are merged by mountPath',
      patch: podSpecPatch({ containers: [{ name: 'hello', volumeMounts: [{ mountPath: '/data', readOnly: true }] }] }),
      check: (s) =>
        expect(s.jobTemplate.spec.template.spec.containers[0]!.volumeMounts).toEqual([
          { name: 'data', mountPath: '/data', readOnly: true },
        ]),
    },
    {
      name: 'command and args are replaced whole',
      patch: podSpecPatch({ containers: [{ name: 'hello', command: ['echo'], args: ['three'] }] }),
      check: (s) => {
        const [c] = s.jobTemplate.spec.template.spec.containers;
        expect([c!.command, c!.args]).toEqual([['echo'], ['three']]);
      },
    },
    {
      name: 'tolerations are replaced whole',
      patch: podSpecPatch({ tolerations: [{ key: 'k2', operator: 'Exists' }] }),
      check: (s) => expect(s.jobTemplate.spec.template.spec.tolerations).toEqual([{ key: 'k2', operator: 'Exists' }]),
    },
    {
      name: 'null deletes a key',
      patch: podSpecPatch({ nodeSelector: { zone: null }, containers: [{ name: 'hello', imagePullPolicy: null }] }),
      check: (s) => {
        expect(s.jobTemplate.spec.template.spec.nodeSelector).toEqual({ disk: 'ssd' });
        expect(s.jobTemplate.spec.template.spec.containers[0]).not.toHaveProperty('imagePullPolicy');
      },
    },
  ];
  it.each(cases)('$name', ({ patch, check }) => {
    check((apply(liveCronJob(), patch) as Live).spec);
  });

  it('finalizers merge as a set, and $deleteFromPrimitiveList/finalizers removes one', () => {
    const merged = apply(liveCronJob(), { metadata: { finalizers: ['b/y', 'c/z'] } }) as Live;
    expect(merged.metadata.finalizers).toEqual(['a/x', 'b/y', 'c/z']);
    const removed = apply(liveCronJob(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a/x'] } }) as Live;
    expect(removed.metadata.finalizers).toEqual(['b/y']);
  });

  it('a plain merge patch would lose the container fields the strategic one keeps', () => {
    const patch = podSpecPatch({ containers: [{ name: 'hello', image: 'busybox:1.36' }] });
    expect(podSpecOf(mergePatch(liveCronJob(), patch)).containers).toEqual([{ name: 'hello', image: 'busybox:1.36' }]);
    expect(podSpecOf(apply(liveCronJob(), patch)).containers[0]!.imagePullPolicy).toBe('IfNotPresent');
  });

  it('refuses an unknown directive', () => {
    expect(() => apply(liveCronJob(), { spec: { $patch: 'shuffle' } })).toThrow(/unknown patch directive "shuffle"/);
  });
});

describe('mergePatch: RFC 7386 appendix A', () => {
  // Every example of https://www.rfc-editor.org/rfc/rfc7386#appendix-A: original, patch, result.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j = %j', (original, patch, result) => {
    const before = structuredClone(original);
    expect(mergePatch(original, patch)).toEqual(result);
    expect(original).toEqual(before);
  });
});
