/** One problem in a policy file: where (a JSON path inside the file) and what is wrong. */
export interface PolicyProblem {
  path: string;
  message: string;
}

/** A policy file that cannot be used. The message names the file, each path and each reason. */
export class PolicyInvalidError extends Error {
  constructor(
    readonly file: string,
    readonly problems: PolicyProblem[],
  ) {
    super(`${file}: invalid policy\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'PolicyInvalidError';
  }
}
