import { describe, expect, it } from 'vitest';
import { expandVars } from '../../../src/engine/expand-vars.ts';

// Cases from kubernetes third_party/forked/golang/expansion/expand_test.go (TestMapReference / TestMapping).
const env = new Map([
  ['VAR_A', 'A'],
  ['VAR_B', 'B'],
  ['VAR_EMPTY', ''],
]);

describe('expandVars', () => {
  it.each([
    { name: 'whole string', input: '$(VAR_A)', expected: 'A' },
    { name: 'repeat', input: '$(VAR_A)-$(VAR_A)', expected: 'A-A' },
    { name: 'beginning', input: '$(VAR_A)-1', expected: 'A-1' },
    { name: 'middle', input: '___$(VAR_B)___', expected: '___B___' },
    { name: 'empty value', input: 'x$(VAR_EMPTY)y', expected: 'xy' },
    { name: 'undefined stays', input: '$(VAR_NOPE)', expected: '$(VAR_NOPE)' },
    { name: 'escaped', input: '$$(VAR_A)', expected: '$(VAR_A)' },
    { name: 'double escape then ref', input: '$$$(VAR_A)', expected: '$A' },
    { name: 'unterminated', input: '$(VAR_A', expected: '$(VAR_A' },
    { name: 'lone dollar at end', input: 'cost$', expected: 'cost$' },
    { name: 'dollar then other', input: '$VAR_A', expected: '$VAR_A' },
  ])('expands $name', ({ input, expected }) => {
    expect(expandVars(input, env)).toBe(expected);
  });
});
