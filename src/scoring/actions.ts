/** Actions in order of severity: the outcome of a decision is the most severe one that applies. */
export const ACTIONS = ['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'] as const;
export type Action = (typeof ACTIONS)[number];

export function severity(action: Action): number {
  return ACTIONS.indexOf(action);
}

export function mostSevere(actions: Iterable<Action>): Action {
  let worst: Action = 'ALLOW';
  for (const action of actions) if (severity(action) > severity(worst)) worst = action;
  return worst;
}

export function isAction(value: unknown): value is Action {
  return typeof value === 'string' && (ACTIONS as readonly string[]).includes(value);
}
