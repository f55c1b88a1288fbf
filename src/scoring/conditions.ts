import { isSignalFact } from './facts';
import { Condition, LeafCondition } from './policy.types';

/** The conditions directly under an `all`, `any` or `not`; none under a leaf. */
export function children(condition: Condition): Condition[] {
  if ('fact' in condition) return [];
  if ('all' in condition) return condition.all;
  if ('any' in condition) return condition.any;
  return [condition.not];
}

/** Every leaf of a condition tree, in file order. */
export function* leaves(condition: Condition): Generator<LeafCondition> {
  if ('fact' in condition) {
    yield condition;
    return;
  }
  for (const child of children(condition)) yield* leaves(child);
}

/** The leaves that read an operator signal (the ones that cost a query). */
export function* signalLeaves(condition: Condition): Generator<LeafCondition> {
  for (const leaf of leaves(condition)) if (isSignalFact(leaf.fact)) yield leaf;
}

/** Every leaf with its JSON path in the policy file (`$.rules[0].conditions.all[1]`), in file order. */
export function* leavesAt(condition: Condition, path: string): Generator<[LeafCondition, string]> {
  if ('fact' in condition) {
    yield [condition, path];
    return;
  }
  if ('all' in condition) for (const [i, c] of condition.all.entries()) yield* leavesAt(c, `${path}.all[${i}]`);
  else if ('any' in condition) for (const [i, c] of condition.any.entries()) yield* leavesAt(c, `${path}.any[${i}]`);
  else yield* leavesAt(condition.not, `${path}.not`);
}
