import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Clock } from '../common/time/clock';
import { FleetPolicyState, PolicyRegistry, PolicyRefusal } from '../policies/policy.registry';
import { CANDIDATE_FILE, policyIdOf } from '../scoring/policy-loader';

/** A refused file as the public probe shows it: names and counts, never the rules or the problems. */
interface RefusalSummary {
  file: string;
  at: string;
  problems: number;
  /** The version that keeps deciding (for a candidate: keeps running in shadow), or null. */
  keepsServing: string | null;
}

/**
 * Database mode: how long this instance may run another version than the fleet's active one
 * before it is unready. A switch takes a NOTIFY (moments) or one poll (POLICY_POLL_MS); longer
 * means this instance cannot load the version, and it would decide differently from its peers.
 */
export const FLEET_SYNC_GRACE_MS = 10_000;

/**
 * Every policy in the rules folder decides. A refused change of a file whose last good version
 * keeps serving does not make the service unready: it decides as before, and taking it out of
 * rotation would only stop the use cases that work. A policy file present in the folder with
 * no version serving (a new use case whose file was refused) is down: this instance cannot
 * decide a use case it is configured for. A refused shadow candidate is reported, never down:
 * it answers nothing. Details of refusals: GET /v1/policies. With POLICY_SOURCE=database it also
 * reports, per use case, the version running here and the fleet's, down once they have differed
 * for FLEET_SYNC_GRACE_MS.
 */
@Injectable()
export class PoliciesHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly registry: PolicyRegistry,
    private readonly clock: Clock,
  ) {}

  check(): HealthIndicatorResult<'policies'> {
    const session = this.indicators.check('policies');
    const loaded = Object.fromEntries(this.registry.list().map((policy) => [policy.id, policy.version]));
    const refusals = this.registry.refused();
    const entries = refusals.map((refusal) => this.summary(refusal, loaded));
    const refused = entries.map(({ summary }) => summary);
    const unserved = entries
      .filter(({ candidate, summary }, i) => !candidate && summary.keepsServing === null && existsSync(refusals[i].file))
      .map(({ summary }) => summary.file);
    if (Object.keys(loaded).length === 0) return session.down({ loaded, refused, message: 'no policy is loaded' });
    if (unserved.length > 0) return session.down({ loaded, refused, message: `refused, with no version serving: ${unserved.join(', ')}` });
    if (this.registry.source === 'files') return session.up({ loaded, refused });
    const states = this.registry.fleetStates();
    const fleet = Object.fromEntries(states.map((state) => [state.id, { running: state.running, active: state.active.version, revision: state.active.revision }]));
    const now = this.clock.now().getTime();
    const behind = states.filter((state) => state.mismatchSince && now - state.mismatchSince.getTime() >= FLEET_SYNC_GRACE_MS);
    if (behind.length > 0) return session.down({ loaded, refused, fleet, message: behind.map((state) => this.mismatch(state)).join('; ') });
    return session.up({ loaded, refused, fleet });
  }

  private mismatch(state: FleetPolicyState): string {
    return `policy ${state.id}: this instance runs ${state.running ?? 'no version'}, the fleet's active version is ${state.active.version} (revision ${state.active.revision}), since ${state.mismatchSince?.toISOString()}`;
  }

  private summary(refusal: PolicyRefusal, loaded: Record<string, string>): { candidate: boolean; summary: RefusalSummary } {
    const file = basename(refusal.file);
    const candidate = CANDIDATE_FILE.test(file);
    const id = policyIdOf(file);
    const keepsServing = candidate ? (this.registry.candidate(id)?.version ?? null) : (Object.hasOwn(loaded, id) ? loaded[id] : null);
    return { candidate, summary: { file, at: refusal.at, problems: refusal.problems.length, keepsServing } };
  }
}
