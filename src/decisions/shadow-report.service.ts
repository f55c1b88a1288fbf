import { Injectable } from '@nestjs/common';
import { assertUseCase, Principal } from '../auth/scopes';
import { PolicyRegistry } from '../policies/policy.registry';
import { ACTIONS, Action } from '../scoring/actions';
import { emptyMatrix, OutcomeMatrix } from '../scoring/outcome';
import { DecisionRepository } from './decision.repository';

export interface ShadowReport {
  policyId: string;
  activeVersion: string;
  candidates: { version: string; running: boolean; decisions: number; agreement: number; matrix: OutcomeMatrix }[];
}

/** How a shadow candidate would have decided the live traffic, against what was answered. */
@Injectable()
export class ShadowReportService {
  constructor(
    private readonly decisions: DecisionRepository,
    private readonly policies: PolicyRegistry,
  ) {}

  async report(policyId: string, caller: Principal, from?: Date, to?: Date): Promise<ShadowReport> {
    assertUseCase(caller, policyId);
    const active = this.policies.requireActive(policyId);
    const running = this.policies.candidate(policyId)?.version;
    const byVersion = new Map<string, OutcomeMatrix>();
    for (const row of await this.decisions.shadowCounts(policyId, from, to)) {
      const matrix = byVersion.get(row.version) ?? emptyMatrix();
      matrix[row.outcome as Action][row.shadowOutcome as Action] += row.count;
      byVersion.set(row.version, matrix);
    }
    if (running && !byVersion.has(running)) byVersion.set(running, emptyMatrix());
    const candidates = [...byVersion].map(([version, matrix]) => {
      const decisions = ACTIONS.reduce((sum, a) => sum + ACTIONS.reduce((s, b) => s + matrix[a][b], 0), 0);
      const same = ACTIONS.reduce((sum, a) => sum + matrix[a][a], 0);
      return { version, running: version === running, decisions, agreement: decisions ? same / decisions : 1, matrix };
    });
    return { policyId, activeVersion: active.version, candidates };
  }
}
