import { Controller, Get, Param } from '@nestjs/common';
import { PolicyRefusal } from './policy.registry';
import { PolicyDetail, PolicyService, PolicySummary, PolicyVersionView } from './policy.service';

@Controller('v1/policies')
export class PoliciesController {
  constructor(private readonly policies: PolicyService) {}

  /** Every loaded policy with its version (content hash) and rule names, and refused file changes. */
  @Get()
  list(): { items: PolicySummary[]; refused: PolicyRefusal[] } {
    return this.policies.list();
  }

  /** The active version with its text, and every version loaded so far. */
  @Get(':id')
  detail(@Param('id') id: string): Promise<PolicyDetail> {
    return this.policies.detail(id);
  }

  /** Any version ever loaded, with its exact text: `policy.version` of a decision leads here. */
  @Get(':id/versions/:version')
  version(@Param('id') id: string, @Param('version') version: string): Promise<PolicyVersionView> {
    return this.policies.version(id, version);
  }
}
