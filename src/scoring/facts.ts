import { SignalName } from '../signals/signal.types';

/**
 * The facts a policy can test: LineTrust's vocabulary for policy authors. Signal facts take the
 * threshold of the rule as the parameter of the operator query, so "line younger than 30 days"
 * asks KYC Tenure with tenureDate = today - 30 days, and "SIM swapped in the last 24 h" asks
 * SIM Swap with maxAge 24.
 *
 * Every signal fact's value has `status` (see SIGNAL_STATUSES); the answer's fields are present
 * only when status is OK. A policy that reads a signal must also test its status, or the
 * policy is refused: an unknown answer never silently counts as "no risk".
 */
export interface SignalFactSpec {
  signal: SignalName;
  /** Paths a condition may read in the fact's value. */
  paths: readonly string[];
  description: string;
}

export const SIGNAL_FACTS = {
  /** params `{ days }`: has the current holder held the line for at least `days` days? */
  tenure: {
    signal: 'tenure',
    paths: ['$.status', '$.tenureDateCheck', '$.contractType'],
    description: 'KYC Tenure for tenureDate = today - days: tenureDateCheck, contractType (PAYG, PAYM, Business)',
  },
  /**
   * params `{}`: has the holder changed since the request's trustedSince?
   * params `{ days }`: ... since today - days? Without trustedSince the first form is MISSING_INPUT.
   */
  numberRecycling: {
    signal: 'numberRecycling',
    paths: ['$.status', '$.phoneNumberRecycled'],
    description: 'Number Recycling for specifiedDate = trustedSince (or today - days): phoneNumberRecycled',
  },
  /** params `{ maxAge }` (hours, 1..2400): was the SIM changed in the last maxAge hours? */
  simSwap: {
    signal: 'simSwap',
    paths: ['$.status', '$.swapped'],
    description: 'SIM Swap check with maxAge hours: swapped',
  },
  /** params `{ maxAge }` (hours, 1..2400): was the device changed in the last maxAge hours? */
  deviceSwap: {
    signal: 'deviceSwap',
    paths: ['$.status', '$.swapped'],
    description: 'Device Swap check with maxAge hours: swapped',
  },
} as const satisfies Record<string, SignalFactSpec>;

export type SignalFactName = keyof typeof SIGNAL_FACTS;

/**
 * Facts from the request itself. `context` is the caller's object of extra facts (read it with
 * a path such as `$.amount`); `trustedSince` is the date or null; `useCase` the policy id.
 */
export const REQUEST_FACTS = ['context', 'trustedSince', 'useCase'] as const;
export type RequestFactName = (typeof REQUEST_FACTS)[number];

export function isSignalFact(name: string): name is SignalFactName {
  return Object.prototype.hasOwnProperty.call(SIGNAL_FACTS, name);
}

export function isRequestFact(name: string): name is RequestFactName {
  return (REQUEST_FACTS as readonly string[]).includes(name);
}
