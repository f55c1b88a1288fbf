import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InvalidArgumentError } from '../common/errors/domain.error';
import { AppConfig } from '../config/app-config';
import { CompiledPolicy } from '../scoring/compiled-policy';
import { loadPolicyFolder } from '../scoring/policy-loader';

/** The loaded policies, one per use case. A broken policy file stops start-up. */
@Injectable()
export class PolicyRegistry implements OnModuleInit {
  private readonly logger = new Logger(PolicyRegistry.name);
  private policies = new Map<string, CompiledPolicy>();

  constructor(private readonly config: AppConfig) {}

  onModuleInit(): void {
    this.policies = loadPolicyFolder(this.config.RULES_DIR);
    for (const policy of this.policies.values()) {
      this.logger.log(`policy ${policy.id} version ${policy.version}: ${policy.ruleNames.length} rules`);
    }
  }

  list(): CompiledPolicy[] {
    return [...this.policies.values()];
  }

  /** The policy of a use case; an unknown use case is the caller's error, naming the field. */
  get(useCase: string): CompiledPolicy {
    const policy = this.policies.get(useCase);
    if (!policy) {
      throw new InvalidArgumentError(`useCase must be one of ${[...this.policies.keys()].join(', ')} (got "${useCase}")`);
    }
    return policy;
  }
}
