import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { Principal } from '../auth/scopes';
import { ApiErrors } from '../docs/error-responses';
import { POLICY_ID as POLICY_ID_PATTERN } from '../scoring/policy-loader';
import { PolicyActivationResponse, PolicyDetailResponse, PolicyListResponse, PolicyVersionResponse } from './dto/policy.response';
import { ActivatePolicyDto, PublishPolicyDto } from './dto/publish-policy.dto';
import { PolicyPublishService } from './policy-publish.service';
import { PolicyActivation } from './policy-publisher';
import { PolicyRefusal } from './policy.registry';
import { POLICY_VERSION, PolicyDetail, PolicyService, PolicySummary, PolicyVersionView } from './policy.service';

/** The `id` path parameter of every route under /v1/policies/{id}. */
export const POLICY_ID = ApiParam({ name: 'id', description: 'The policy id (the use case).', schema: { type: 'string', pattern: POLICY_ID_PATTERN.source, example: 'onboarding' } });

@ApiTags('policies')
@Controller('v1/policies')
@RequireScope('policies:read')
export class PoliciesController {
  constructor(
    private readonly policies: PolicyService,
    private readonly publishing: PolicyPublishService,
  ) {}

  /** Every loaded policy with its version (content hash) and rule names, and refused file changes. */
  @Get()
  @ApiOperation({
    operationId: 'listPolicies',
    summary: 'List the loaded policies',
    description: 'Each loaded policy with its version and rule names, and the policy file changes refused since start. A key limited to some use cases sees only their policies.',
  })
  @ApiOkResponse({ type: PolicyListResponse, description: 'The policies.' })
  list(@CurrentPrincipal() caller: Principal): { source: 'files' | 'database'; items: PolicySummary[]; refused: PolicyRefusal[] } {
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

  /** Publishes a new version for the whole fleet (POLICY_SOURCE=database): validated, its cases run, stored and activated. */
  @Post(':id/versions')
  @HttpCode(201)
  @RequireScope('admin')
  @ApiOperation({
    operationId: 'publishPolicyVersion',
    summary: 'Publish a policy version to the fleet',
    description:
      'With POLICY_SOURCE=database: validates the policy, runs its cases if given (every case must pass), then stores the version and makes it the active one of every instance (revision + 1), in one step. ' +
      'Nothing changes when it is refused. A new id publishes a new use case.',
  })
  @POLICY_ID
  @ApiCreatedResponse({ type: PolicyActivationResponse, description: 'Published: the version is active for the fleet.' })
  @ApiErrors({
    400: ['An invalid policy or a failing case (each problem named), or a bad body.', 'policy onboarding refused, nothing changed: cases[0] "a new line is reviewed": outcome ALLOW, expected REVIEW'],
    409: ['The service reads its policies from files (POLICY_SOURCE=files).', 'This service reads its policies from RULES_DIR (POLICY_SOURCE=files): change the files there, or run with POLICY_SOURCE=database to publish.'],
  })
  publish(@Param('id') id: string, @Body() body: PublishPolicyDto, @CurrentPrincipal() caller: Principal): Promise<PolicyActivation> {
    return this.publishing.publish(id, body, caller);
  }

  /** Makes a stored version the fleet's active one again: a rollback. */
  @Post(':id/active')
  @HttpCode(200)
  @RequireScope('admin')
  @ApiOperation({
    operationId: 'activatePolicyVersion',
    summary: 'Activate a stored policy version (rollback)',
    description: "With POLICY_SOURCE=database: makes a version stored earlier the active one of every instance (revision + 1).",
  })
  @POLICY_ID
  @ApiOkResponse({ type: PolicyActivationResponse, description: 'Activated.' })
  @ApiErrors({
    404: ['No such stored version of this policy.', 'policy onboarding has no stored version 602dfb1eceb0c25e'],
    409: ['The service reads its policies from files (POLICY_SOURCE=files).', 'This service reads its policies from RULES_DIR (POLICY_SOURCE=files): change the files there, or run with POLICY_SOURCE=database to publish.'],
  })
  activate(@Param('id') id: string, @Body() body: ActivatePolicyDto, @CurrentPrincipal() caller: Principal): Promise<PolicyActivation> {
    return this.publishing.activate(id, body.version, caller);
  }
}
