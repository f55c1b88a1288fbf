import { Injectable } from '@nestjs/common';
import { assertUseCase, mayUseCase, Principal } from '../auth/scopes';
import { NotFoundError } from '../common/errors/domain.error';
import { CompiledPolicy } from '../scoring/compiled-policy';
import { POLICY_ID, policyIdOf } from '../scoring/policy-loader';
import { ContextDeclaration } from '../scoring/policy.types';
import { PolicyRefusal, PolicyRegistry } from './policy.registry';
import { PolicyVersionRepository } from './policy-version.repository';

/** Database mode: the version the whole fleet should run, from the ActivePolicy table. */
export interface FleetActiveVersion {
  version: string;
  revision: number;
  activatedAt: string;
  activatedBy: string;
}

export interface PolicySummary {
  id: string;
  /** The version this instance decides with. */
  version: string;
  description?: string;
  rules: string[];
  /** Whether `version` is the fleet's active one (always true with POLICY_SOURCE=files). */
  inSync: boolean;
  fleet?: FleetActiveVersion;
}

export interface PolicyDetail extends PolicySummary {
  /** What a request's `context` must hold for this use case: the JSON Schema requests are checked with. */
  inputs: { context: ContextDeclaration };
  /** The active version's exact text. */
  content: string;
  /** Every version loaded so far, newest first. */
  history: { version: string; firstLoadedAt: string }[];
  refused?: PolicyRefusal;
}

export interface PolicyVersionView {
  id: string;
  version: string;
  firstLoadedAt: string;
  active: boolean;
  content: string;
}

/** A policy version: the first 16 hex digits of the file's SHA-256 (see CompiledPolicy). */
export const POLICY_VERSION = /^[0-9a-f]{16}$/;

@Injectable()
export class PolicyService {
  constructor(
    private readonly registry: PolicyRegistry,
    private readonly versions: PolicyVersionRepository,
  ) {}

  /** The policies the caller may see (an API key limited to some use cases sees only theirs). */
  list(caller: Principal): { source: 'files' | 'database'; items: PolicySummary[]; refused: PolicyRefusal[] } {
    const visible = (id: string) => mayUseCase(caller, id);
    return {
      source: this.registry.source,
      items: this.registry.list().filter((policy) => visible(policy.id)).map((policy) => this.summary(policy)),
      refused: this.registry.refused().filter((refusal) => visible(policyIdOf(refusal.file))),
    };
  }

  private summary(policy: CompiledPolicy): PolicySummary {
    const fleet = this.registry.fleetStates().find((state) => state.id === policy.id)?.active;
    return {
      id: policy.id,
      version: policy.version,
      description: policy.document.description,
      rules: [...policy.ruleNames],
      inSync: this.registry.source === 'files' || fleet?.version === policy.version,
      ...(fleet
        ? { fleet: { version: fleet.version, revision: fleet.revision, activatedAt: fleet.activatedAt.toISOString(), activatedBy: fleet.activatedBy } }
        : {}),
    };
  }

  async detail(id: string, caller: Principal): Promise<PolicyDetail> {
    assertUseCase(caller, id);
    const policy = this.registry.requireActive(id);
    const history = await this.versions.history(id);
    const refused = this.registry.refused().find((r) => r.file === policy.file);
    return {
      ...this.summary(policy),
      inputs: { context: policy.inputs.schema },
      content: policy.text,
      history: history.map((h) => ({ version: h.version, firstLoadedAt: h.firstLoadedAt.toISOString() })),
      ...(refused ? { refused } : {}),
    };
  }

  /** The exact text of any version that was ever loaded: what a stored decision was made with. */
  async version(id: string, version: string, caller: Principal): Promise<PolicyVersionView> {
    assertUseCase(caller, id);
    const stored = POLICY_ID.test(id) && POLICY_VERSION.test(version) ? await this.versions.find(id, version) : undefined;
    if (!stored) throw new NotFoundError(`policy version not found`);
    const active = this.registry.list().find((p) => p.id === id)?.version === version;
    return { id, version, firstLoadedAt: stored.firstLoadedAt.toISOString(), active, content: stored.content };
  }
}
