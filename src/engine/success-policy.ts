import type { SuccessPolicy } from '../spec/types.ts';
import { countIndexes, type IndexInterval, parseIndexes } from './indexes.ts';

/**
 * Kubernetes `matchSuccessPolicy` (pkg/controller/job/success_policy.go): the message of the first rule an Indexed
 * Job's succeeded indexes meet (`Matched rules at index <i>`), or undefined.
 * - `succeededIndexes` (with or without `succeededCount`): met when every index of the rule has succeeded, or at least
 *   `succeededCount` of them have; a rule whose indexes do not parse is skipped;
 * - `succeededCount` alone: met when at least that many indexes have succeeded.
 * Nothing is met before the first index succeeds.
 *
 * @example
 * matchSuccessPolicy({ rules: [{ succeededIndexes: '0' }] }, 4, [{ first: 0, last: 0 }]); // 'Matched rules at index 0'
 */
export function matchSuccessPolicy(
  policy: SuccessPolicy | undefined,
  completions: number,
  succeededIndexes: readonly IndexInterval[],
): string | undefined {
  if (policy === undefined || succeededIndexes.length === 0) return undefined;
  for (const [index, rule] of policy.rules.entries()) {
    if (rule.succeededIndexes !== undefined) {
      const required = parseIndexes(rule.succeededIndexes, completions);
      if (required.length === 0) continue;
      if (matchSucceededIndexesRule(required, succeededIndexes, rule.succeededCount)) {
        return `Matched rules at index ${index}`;
      }
    } else if (rule.succeededCount !== undefined && countIndexes(succeededIndexes) >= rule.succeededCount) {
      return `Matched rules at index ${index}`;
    }
  }
  return undefined;
}

/** Kubernetes `matchSucceededIndexesRule`: how many of the rule's indexes have succeeded, walking both lists once. */
function matchSucceededIndexesRule(
  ruleIndexes: readonly IndexInterval[],
  succeededIndexes: readonly IndexInterval[],
  succeededCount: number | undefined,
): boolean {
  let contains = 0;
  let s = 0;
  let r = 0;
  while (r < ruleIndexes.length && s < succeededIndexes.length) {
    const rule = ruleIndexes[r] as IndexInterval;
    const succeeded = succeededIndexes[s] as IndexInterval;
    const overlap = Math.min(rule.last, succeeded.last) - Math.max(rule.first, succeeded.first) + 1;
    if (overlap > 0) contains += overlap;
    if (succeeded.last < rule.last) s++;
    else if (succeeded.last > rule.last) r++;
    else {
      s++;
      r++;
    }
  }
  return contains === countIndexes(ruleIndexes) || (succeededCount !== undefined && contains >= succeededCount);
}
