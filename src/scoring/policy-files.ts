import { basename } from 'node:path';

/** Policy ids and file names: shared by the loader and the validator (which the loader imports). */
const ID = '[a-z][a-z0-9_]{0,63}';
/** A policy id (its use case); only a well-formed id is echoed back in an error message. */
export const POLICY_ID = new RegExp(`^${ID}$`);
/** `<policy id>.json`; ids have no dots, so `onboarding.cases.json` (its tests) is not a policy. */
export const POLICY_FILE = new RegExp(`^${ID}\\.json$`);
/** `<policy id>.candidate.json`: a candidate run in shadow beside the active policy. */
export const CANDIDATE_FILE = new RegExp(`^${ID}\\.candidate\\.json$`);

/** The policy id a file speaks for: a shadow candidate (`onboarding.candidate.json`) is a version of the same policy. */
export function policyIdOf(file: string): string {
  return basename(file).replace(/(\.candidate)?\.json$/, '');
}
