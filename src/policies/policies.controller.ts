import { Controller, Get } from '@nestjs/common';
import { PolicyRefusal, PolicyRegistry } from './policy.registry';

export interface PolicySummary {
  id: string;
  version: string;
  description?: string;
  rules: string[];
}

@Controller('v1/policies')
export class PoliciesController {
  constructor(private readonly registry: PolicyRegistry) {}

  /** Every loaded policy with its version (content hash) and rule names, and refused file changes. */
  @Get()
  list(): { items: PolicySummary[]; refused: PolicyRefusal[] } {
    return {
      items: this.registry.list().map((policy) => ({
        id: policy.id,
        version: policy.version,
        description: policy.document.description,
        rules: [...policy.ruleNames],
      })),
      refused: this.registry.refused(),
    };
  }
}
