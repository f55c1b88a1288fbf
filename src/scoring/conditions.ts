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
