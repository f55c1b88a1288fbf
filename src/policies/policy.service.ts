import { Injectable } from '@nestjs/common';
import { assertUseCase, mayUseCase, Principal } from '../auth/scopes';
import { NotFoundError } from '../common/errors/domain.error';
import { POLICY_ID, policyIdOf } from '../scoring/policy-loader';
import { PolicyRefusal, PolicyRegistry } from './policy.registry';
import { PolicyVersionRepository } from './policy-version.repository';

export interface PolicySummary {
  id: string;
  version: string;
  description?: string;
  rules: string[];
}

export interface PolicyDetail extends PolicySummary {
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
  list(caller: Principal): { items: PolicySummary[]; refused: PolicyRefusal[] } {
    const visible = (id: string) => mayUseCase(caller, id);
    return {
      items: this.registry.list().filter((policy) => visible(policy.id)).map((policy) => ({
        id: policy.id,
        version: policy.version,
        description: policy.document.description,
        rules: [...policy.ruleNames],
      })),
      refused: this.registry.refused().filter((refusal) => visible(policyIdOf(refusal.file))),
    };
  }

  async detail(id: string, caller: Principal): Promise<PolicyDetail> {
    assertUseCase(caller, id);
    const policy = this.registry.requireActive(id);
    const history = await this.versions.history(id);
    const refused = this.registry.refused().find((r) => r.file === policy.file);
    return {
      id,
      version: policy.version,
      description: policy.document.description,
      rules: [...policy.ruleNames],
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
