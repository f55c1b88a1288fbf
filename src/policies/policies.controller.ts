import { Controller, Get } from '@nestjs/common';
import { PolicyRegistry } from './policy.registry';

export interface PolicySummary {
  id: string;
  version: string;
  description?: string;
  rules: string[];
}

@Controller('v1/policies')
export class PoliciesController {
  constructor(private readonly registry: PolicyRegistry) {}

  /** Every loaded policy with its version (content hash) and rule names. */
  @Get()
  list(): { items: PolicySummary[] } {
    return {
      items: this.registry.list().map((policy) => ({
        id: policy.id,
        version: policy.version,
        description: policy.document.description,
        rules: [...policy.ruleNames],
      })),
    };
  }
}
