import { Logger } from '@nestjs/common';
import { InvalidArgumentError, NotFoundError } from '../common/errors/domain.error';
import { Clock } from '../common/time/clock';
import { CompiledPolicy } from '../scoring/compiled-policy';
import { PolicyCaseFile, runCaseFile } from '../scoring/policy-cases';
import { PolicyInvalidError, PolicyProblem } from '../scoring/policy-invalid.error';
import { POLICY_ID } from '../scoring/policy-loader';
import { validatePolicyText } from '../scoring/policy-validator';
import { ActivePolicyRepository } from './active-policy.repository';

/** What a publish or an activation did: the version now active for the fleet, and its revision. */
export interface PolicyActivation {
  policyId: string;
  version: string;
  revision: number;
}

/** A publish refused: the policy is invalid or a case fails. 400, listing every problem. */
export class PolicyPublishRefusedError extends InvalidArgumentError {
  constructor(
    policyId: string,
    readonly problems: PolicyProblem[],
  ) {
    super(`policy ${policyId} refused, nothing changed: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  }
}

/**
 * Publishing and rolling back the fleet's policies (POLICY_SOURCE=database), shared by the API
 * and the CLI. A version is published only once it is valid and its cases pass; it is then
 * stored and activated in one step, which every instance hears of.
 */
export class PolicyPublisher {
  private readonly logger = new Logger(PolicyPublisher.name);

  constructor(
    private readonly actives: ActivePolicyRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * `text` is the policy file's exact text (its hash is the version). `cases` is its cases
   * document (`<id>.cases.json`), run against it first. `by`: `key:<id>` or `cli`.
   */
  async publish(policyId: string, text: string, cases: unknown, by: string): Promise<PolicyActivation> {
    if (!POLICY_ID.test(policyId)) throw new InvalidArgumentError(`id must be a policy id matching ${POLICY_ID.source}`);
    const file = `${policyId}.json`;
    let policy: CompiledPolicy;
    try {
      policy = new CompiledPolicy(validatePolicyText(text, file), file, text);
    } catch (error) {
      if (error instanceof PolicyInvalidError) throw new PolicyPublishRefusedError(policyId, error.problems);
      throw error;
    }
    if (cases !== undefined) {
      const problems = await caseProblems(policy, cases);
      if (problems.length > 0) throw new PolicyPublishRefusedError(policyId, problems);
    }
    const revision = await this.actives.activate({ policyId, version: policy.version, content: text, by, at: this.clock.now() });
    if (revision === undefined) throw new Error(`version ${policy.version} was not stored`);
    this.logger.log(`policy ${policyId} version ${policy.version} published and activated by ${by} (revision ${revision})`);
    return { policyId, version: policy.version, revision };
  }

  /** Makes a stored version the active one again (a rollback). 404 for a version never stored. */
  async activate(policyId: string, version: string, by: string): Promise<PolicyActivation> {
    const revision = POLICY_ID.test(policyId) ? await this.actives.activate({ policyId, version, by, at: this.clock.now() }) : undefined;
    if (revision === undefined) throw new NotFoundError(POLICY_ID.test(policyId) && /^[0-9a-f]{16}$/.test(version) ? `policy ${policyId} has no stored version ${version}` : 'policy version not found');
    this.logger.log(`policy ${policyId} version ${version} activated by ${by} (revision ${revision})`);
    return { policyId, version, revision };
  }
}

/** Runs the cases document against the policy; each failing case is a problem naming it. */
async function caseProblems(policy: CompiledPolicy, cases: unknown): Promise<PolicyProblem[]> {
  const document = cases as PolicyCaseFile;
  if (typeof document !== 'object' || document === null || typeof document.policy !== 'string' || !Array.isArray(document.cases)) {
    return [{ path: 'cases', message: 'expected { "policy": "<id>", "cases": [ ... ] }' }];
  }
  if (document.policy !== policy.id) return [{ path: 'cases.policy', message: `tests "${document.policy}", not ${policy.id}` }];
  const results = await runCaseFile(policy, document);
  return results.flatMap((result, index) => (result.passed ? [] : [{ path: `cases[${index}] "${result.name}"`, message: result.problems.join(', ') }]));
}
