import { Controller, Get, Param } from '@nestjs/common';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { assertUseCase, mayUseCase, Principal } from '../auth/scopes';
import { PolicyRefusal } from './policy.registry';
import { PolicyDetail, PolicyService, PolicySummary, PolicyVersionView } from './policy.service';

@Controller('v1/policies')
@RequireScope('policies:read')
export class PoliciesController {
  constructor(private readonly policies: PolicyService) {}

  /** Every loaded policy with its version (content hash) and rule names, and refused file changes. */
  @Get()
  list(@CurrentPrincipal() caller: Principal): { items: PolicySummary[]; refused: PolicyRefusal[] } {
    return this.policies.list((id) => mayUseCase(caller, id));
  }

  /** The active version with its text, and every version loaded so far. */
  @Get(':id')
  detail(@Param('id') id: string, @CurrentPrincipal() caller: Principal): Promise<PolicyDetail> {
    assertUseCase(caller, id);
    return this.policies.detail(id);
  }

  /** Any version ever loaded, with its exact text: `policy.version` of a decision leads here. */
  @Get(':id/versions/:version')
  version(@Param('id') id: string, @Param('version') version: string, @CurrentPrincipal() caller: Principal): Promise<PolicyVersionView> {
    assertUseCase(caller, id);
    return this.policies.version(id, version);
  }
}
