import { Action } from './actions';
import { decideOutcome, thresholdAction } from './outcome';
import { PolicyRule, ScoreThresholds } from './policy.types';

/** A fired rule: only the name, the action and the points matter to the outcome. */
function rule(name: string, type: Action, score?: number): PolicyRule {
  return {
    name,
    conditions: { all: [{ fact: 'useCase', operator: 'equal', value: 'demo' }] },
    event: { type, params: { code: name.toUpperCase().replace(/-/g, '_'), message: `${name} fired`, ...(score === undefined ? {} : { score }) } },
  };
}

const THRESHOLDS: ScoreThresholds = { CHALLENGE: 30, REVIEW: 60, BLOCK: 90 };

describe('decideOutcome', () => {
  it('is ALLOW with score 0 and no reasons when no rule fired', () => {
    expect(decideOutcome([], THRESHOLDS)).toEqual({ outcome: 'ALLOW', score: 0, reasons: [] });
    expect(decideOutcome([])).toEqual({ outcome: 'ALLOW', score: 0, reasons: [] });
  });

  it.each<[string, PolicyRule[], ScoreThresholds | undefined, Action, number]>([
    ['an ALLOW rule alone stays ALLOW', [rule('a', 'ALLOW', 10)], THRESHOLDS, 'ALLOW', 10],
    ['a rule action above the threshold action wins', [rule('a', 'REVIEW', 10)], THRESHOLDS, 'REVIEW', 10],
    ['a BLOCK rule with no points still blocks', [rule('a', 'BLOCK', 0)], THRESHOLDS, 'BLOCK', 0],
    ['the threshold action above the rule actions wins', [rule('a', 'ALLOW', 40), rule('b', 'CHALLENGE', 25)], THRESHOLDS, 'REVIEW', 65],
    ['points of ALLOW rules alone can reach BLOCK', [rule('a', 'ALLOW', 50), rule('b', 'ALLOW', 40)], THRESHOLDS, 'BLOCK', 90],
    ['the most severe of several rule actions wins', [rule('a', 'CHALLENGE', 0), rule('b', 'BLOCK', 0), rule('c', 'REVIEW', 0)], THRESHOLDS, 'BLOCK', 0],
    ['without thresholds only rule actions count', [rule('a', 'ALLOW', 100)], undefined, 'ALLOW', 100],
    ['a rule without score adds no points', [rule('a', 'CHALLENGE'), rule('b', 'ALLOW', 20)], THRESHOLDS, 'CHALLENGE', 20],
    ['only the thresholds the policy sets apply', [rule('a', 'ALLOW', 70)], { BLOCK: 70 }, 'BLOCK', 70],
    ['an unset threshold is never reached', [rule('a', 'ALLOW', 100)], { CHALLENGE: 30 }, 'CHALLENGE', 100],
  ])('%s', (_title, fired, thresholds, outcome, score) => {
    const result = decideOutcome(fired, thresholds);
    expect(result.outcome).toBe(outcome);
    expect(result.score).toBe(score);
  });

  it.each<[string, number[], number]>([
    ['sums the points of fired rules', [10, 20, 5], 35],
    ['caps the sum at 100', [60, 60], 100],
    ['keeps exactly 100', [50, 50], 100],
    ['caps many rules at 100', [40, 40, 40, 40], 100],
  ])('score %s', (_title, points, score) => {
    const fired = points.map((p, i) => rule(`r${i}`, 'ALLOW', p));
    expect(decideOutcome(fired).score).toBe(score);
  });

  it('reaches BLOCK at 100 when the capped score equals a threshold of 100', () => {
    const fired = [rule('a', 'ALLOW', 80), rule('b', 'CHALLENGE', 70)];
    expect(decideOutcome(fired, { CHALLENGE: 30, REVIEW: 60, BLOCK: 100 })).toMatchObject({ outcome: 'BLOCK', score: 100 });
  });

  it.each<[number, Action]>([
    [0, 'ALLOW'],
    [29, 'ALLOW'],
    [30, 'CHALLENGE'],
    [59, 'CHALLENGE'],
    [60, 'REVIEW'],
    [89, 'REVIEW'],
    [90, 'BLOCK'],
    [100, 'BLOCK'],
  ])('a score of %i under thresholds 30/60/90 gives %s', (score, outcome) => {
    expect(decideOutcome([rule('points', 'ALLOW', score)], THRESHOLDS).outcome).toBe(outcome);
    expect(thresholdAction(score, THRESHOLDS)).toBe(outcome);
  });

  it('lists reasons most severe first, then in file order, each with rule, code, action and message', () => {
    const fired = [
      rule('allow-first', 'ALLOW', 0),
      rule('challenge-first', 'CHALLENGE', 0),
      rule('block-only', 'BLOCK', 0),
      rule('challenge-second', 'CHALLENGE', 0),
      rule('review-only', 'REVIEW', 0),
      rule('allow-second', 'ALLOW', 0),
    ];
    expect(decideOutcome(fired, THRESHOLDS).reasons).toEqual([
      { rule: 'block-only', code: 'BLOCK_ONLY', action: 'BLOCK', message: 'block-only fired' },
      { rule: 'review-only', code: 'REVIEW_ONLY', action: 'REVIEW', message: 'review-only fired' },
      { rule: 'challenge-first', code: 'CHALLENGE_FIRST', action: 'CHALLENGE', message: 'challenge-first fired' },
      { rule: 'challenge-second', code: 'CHALLENGE_SECOND', action: 'CHALLENGE', message: 'challenge-second fired' },
      { rule: 'allow-first', code: 'ALLOW_FIRST', action: 'ALLOW', message: 'allow-first fired' },
      { rule: 'allow-second', code: 'ALLOW_SECOND', action: 'ALLOW', message: 'allow-second fired' },
    ]);
  });

  it('keeps file order among reasons of the same action, whatever their points', () => {
    const fired = [rule('low', 'REVIEW', 5), rule('high', 'REVIEW', 50), rule('mid', 'REVIEW', 20)];
    expect(decideOutcome(fired).reasons.map((r) => r.rule)).toEqual(['low', 'high', 'mid']);
  });

  it('does not reorder the fired rules it was given', () => {
    const fired = [rule('a', 'ALLOW', 0), rule('b', 'BLOCK', 0)];
    decideOutcome(fired);
    expect(fired.map((r) => r.name)).toEqual(['a', 'b']);
  });
});
