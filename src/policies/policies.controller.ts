import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { Principal } from '../auth/scopes';
import { ApiErrors } from '../docs/error-responses';
import { POLICY_ID as POLICY_ID_PATTERN } from '../scoring/policy-loader';
import { PolicyDetailResponse, PolicyListResponse, PolicyVersionResponse } from './dto/policy.response';
import { PolicyRefusal } from './policy.registry';
import { POLICY_VERSION, PolicyDetail, PolicyService, PolicySummary, PolicyVersionView } from './policy.service';

/** The `id` path parameter of every route under /v1/policies/{id}. */
export const POLICY_ID = ApiParam({ name: 'id', description: 'The policy id (the use case).', schema: { type: 'string', pattern: POLICY_ID_PATTERN.source, example: 'onboarding' } });

@ApiTags('policies')
@Controller('v1/policies')
@RequireScope('policies:read')
export class PoliciesController {
  constructor(private readonly policies: PolicyService) {}

  /** Every loaded policy with its version (content hash) and rule names, and refused file changes. */
  @Get()
  @ApiOperation({
    operationId: 'listPolicies',
    summary: 'List the loaded policies',
    description: 'Each loaded policy with its version and rule names, and the policy file changes refused since start. A key limited to some use cases sees only their policies.',
  })
  @ApiOkResponse({ type: PolicyListResponse, description: 'The policies.' })
  list(@CurrentPrincipal() caller: Principal): { items: PolicySummary[]; refused: PolicyRefusal[] } {
    return this.policies.list(caller);
  }

  /** The active version with its text, and every version loaded so far. */
  @Get(':id')
  @ApiOperation({ operationId: 'getPolicy', summary: 'Read a policy', description: 'The active version with its exact text, and the history of every version loaded so far, newest first.' })
  @POLICY_ID
  @ApiOkResponse({ type: PolicyDetailResponse, description: 'The policy.' })
  @ApiErrors({ 404: ['No policy with this id.', 'policy onboarding not found'] })
  detail(@Param('id') id: string, @CurrentPrincipal() caller: Principal): Promise<PolicyDetail> {
    return this.policies.detail(id, caller);
  }

  /** Any version ever loaded, with its exact text: `policy.version` of a decision leads here. */
  @Get(':id/versions/:version')
  @ApiOperation({
    operationId: 'getPolicyVersion',
    summary: 'Read any version of a policy',
    description: 'Any version ever loaded, with its exact text: the `policy` of a decision leads here.',
  })
  @POLICY_ID
  @ApiParam({ name: 'version', description: 'The version (content hash).', schema: { type: 'string', pattern: POLICY_VERSION.source, example: '602dfb1eceb0c25e' } })
  @ApiOkResponse({ type: PolicyVersionResponse, description: 'The version.' })
  @ApiErrors({ 404: ['No such policy or version.', 'policy version not found'] })
  version(@Param('id') id: string, @Param('version') version: string, @CurrentPrincipal() caller: Principal): Promise<PolicyVersionView> {
    return this.policies.version(id, version, caller);
  }
}
