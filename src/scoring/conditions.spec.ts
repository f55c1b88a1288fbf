import { children, leaves, leavesAt, signalLeaves } from './conditions';
import { Condition, LeafCondition } from './policy.types';

const amount: LeafCondition = { fact: 'context', path: '$.amount', operator: 'greaterThan', value: 1000 };
const useCase: LeafCondition = { fact: 'useCase', operator: 'equal', value: 'onboarding' };
const simStatus: LeafCondition = { fact: 'simSwap', params: { maxAge: 24 }, path: '$.status', operator: 'notEqual', value: 'OK' };
const swapped: LeafCondition = { fact: 'simSwap', params: { maxAge: 24 }, path: '$.swapped', operator: 'equal', value: true };
const newLine: LeafCondition = { fact: 'tenure', params: { days: 30 }, path: '$.tenureDateCheck', operator: 'equal', value: false };

/** One of each kind of group, nested, with request and signal facts mixed. */
const TREE: Condition = {
  all: [amount, { any: [simStatus, { not: swapped }] }, { not: { all: [useCase, newLine] } }],
};

describe('children', () => {
  it.each<[string, Condition, Condition[]]>([
    ['a leaf has none', amount, []],
    ['all', { all: [amount, useCase] }, [amount, useCase]],
    ['any', { any: [swapped, amount] }, [swapped, amount]],
    ['not', { not: swapped }, [swapped]],
  ])('%s', (_name, condition, expected) => {
    expect(children(condition)).toEqual(expected);
  });
});

describe('leaves', () => {
  it('lists every leaf of a tree in file order', () => {
    expect([...leaves(TREE)]).toEqual([amount, simStatus, swapped, useCase, newLine]);
  });

  it('lists a leaf alone as itself', () => {
    expect([...leaves(amount)]).toEqual([amount]);
  });
});

describe('signalLeaves', () => {
  it('lists only the leaves that read an operator signal, in file order', () => {
    expect([...signalLeaves(TREE)]).toEqual([simStatus, swapped, newLine]);
  });

  it('lists none in a condition on request facts only', () => {
    expect([...signalLeaves({ any: [amount, { not: useCase }] })]).toEqual([]);
  });
});

describe('leavesAt', () => {
  it('gives each leaf with its JSON path in the policy file, through all, any and not', () => {
    expect([...leavesAt(TREE, '$.rules[2].conditions')]).toEqual([
      [amount, '$.rules[2].conditions.all[0]'],
      [simStatus, '$.rules[2].conditions.all[1].any[0]'],
      [swapped, '$.rules[2].conditions.all[1].any[1].not'],
      [useCase, '$.rules[2].conditions.all[2].not.all[0]'],
      [newLine, '$.rules[2].conditions.all[2].not.all[1]'],
    ]);
  });

  it('gives a leaf at the path it was given', () => {
    expect([...leavesAt(amount, '$.rules[0].conditions.all[3]')]).toEqual([[amount, '$.rules[0].conditions.all[3]']]);
  });
});
