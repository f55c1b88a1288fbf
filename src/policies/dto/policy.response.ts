import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { PolicyProblem } from '../../scoring/policy-invalid.error';
import { PolicyRefusal } from '../policy.registry';
import type { PolicyActivation } from '../policy-publisher';
import { type FleetActiveVersion, POLICY_VERSION, type PolicyDetail, type PolicyService, type PolicySummary, type PolicyVersionView } from '../policy.service';

// Response classes for the API document; each implements the type the service returns.

const VERSION = { description: 'Content hash of the policy file.', pattern: POLICY_VERSION.source, example: '602dfb1eceb0c25e' };

@ApiSchema({ name: 'PolicyProblem', description: 'One reason a policy file was refused.' })
export class PolicyProblemResponse implements PolicyProblem {
  @ApiProperty({ description: 'JSON path of the problem inside the file (a lone $ for the whole file).', example: '$.rules[2].event.type' })
  path!: string;

  @ApiProperty({ description: 'What is wrong there.', example: 'must be equal to one of the allowed values' })
  message!: string;
}

@ApiSchema({ name: 'PolicyRefusal', description: 'A policy file change that was refused: the last good version keeps serving.' })
export class PolicyRefusalResponse implements PolicyRefusal {
  @ApiProperty({ description: 'The refused file.', example: 'rules/onboarding.json' })
  file!: string;

  @ApiProperty({ description: 'When it was refused.', format: 'date-time', example: '2026-11-22T03:25:20.596Z' })
  at!: string;

  @ApiProperty({ type: [PolicyProblemResponse] })
  problems!: PolicyProblemResponse[];
}

@ApiSchema({ name: 'FleetActiveVersion', description: "The fleet's active version of a policy (POLICY_SOURCE=database): the ActivePolicy table." })
export class FleetActiveVersionResponse implements FleetActiveVersion {
  @ApiProperty({ ...VERSION, description: 'The version every instance should decide with.' })
  version!: string;

  @ApiProperty({ description: 'Grows by one at every publish or activation.', type: 'integer', minimum: 1, example: 3 })
  revision!: number;

  @ApiProperty({ format: 'date-time', example: '2026-11-22T03:25:20.596Z' })
  activatedAt!: string;

  @ApiProperty({ description: 'Who activated it: `key:<API key id>`, `cli`, or `seed` (the first start, from RULES_DIR).', example: 'key:3f9c2e1a7b6d4c80' })
  activatedBy!: string;
}

@ApiSchema({ name: 'PolicySummary', description: 'A loaded policy.' })
export class PolicySummaryResponse implements PolicySummary {
  @ApiProperty({ description: 'The policy id: the use case it decides.', example: 'onboarding' })
  id!: string;

  @ApiProperty({ ...VERSION, description: 'The active version: content hash of the policy file.' })
  version!: string;

  @ApiPropertyOptional({ description: "The policy's own description.", example: 'New customer onboarding' })
  description?: string;

  @ApiProperty({ description: 'The names of its rules.', type: [String], example: ['new-line', 'tenure-unknown'] })
  rules!: string[];

  @ApiProperty({ description: "Whether `version` is the fleet's active version (always true with POLICY_SOURCE=files).", example: true })
  inSync!: boolean;

  @ApiPropertyOptional({ description: "The fleet's active version (POLICY_SOURCE=database only).", type: FleetActiveVersionResponse })
  fleet?: FleetActiveVersionResponse;
}

@ApiSchema({ name: 'PolicyList', description: 'The loaded policies, and the policy file changes refused since start.' })
export class PolicyListResponse implements ReturnType<PolicyService['list']> {
  @ApiProperty({ description: 'Where the policies come from: `files` (RULES_DIR, per instance) or `database` (one active version per use case for the fleet).', enum: ['files', 'database'], example: 'files' })
  source!: 'files' | 'database';

  @ApiProperty({ type: [PolicySummaryResponse] })
  items!: PolicySummaryResponse[];

  @ApiProperty({ type: [PolicyRefusalResponse] })
  refused!: PolicyRefusalResponse[];
}

@ApiSchema({ name: 'PolicyHistoryEntry', description: 'A version of the policy and when it was first loaded.' })
export class PolicyHistoryEntryResponse {
  @ApiProperty(VERSION)
  version!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-22T03:25:20.596Z' })
  firstLoadedAt!: string;
}

@ApiSchema({ name: 'PolicyDetail', description: 'The active version of a policy with its exact text, and its history.' })
export class PolicyDetailResponse extends PolicySummaryResponse implements PolicyDetail {
  @ApiProperty({
    description:
      "What a request's `context` must hold for this use case: `inputs.context` is the JSON Schema requests are checked with (fields not declared are refused unless it sets `additionalProperties: true`).",
    type: 'object',
    additionalProperties: true,
    example: { context: { type: 'object', properties: { amount: { type: 'integer', minimum: 1, 'x-unit': 'minor units of the currency' } }, required: ['amount'], additionalProperties: false } },
  })
  inputs!: PolicyDetail['inputs'];

  @ApiProperty({ description: "The active version's exact text (a JSON policy document).", example: '{\n  "id": "onboarding",\n  "rules": []\n}\n' })
  content!: string;

  @ApiProperty({ description: 'Every version loaded so far, newest first.', type: [PolicyHistoryEntryResponse] })
  history!: PolicyHistoryEntryResponse[];

  @ApiPropertyOptional({ description: 'The last change of the file, when it was refused.', type: PolicyRefusalResponse })
  refused?: PolicyRefusalResponse;
}

@ApiSchema({ name: 'PolicyVersion', description: 'A version of a policy, active or not, with its exact text.' })
export class PolicyVersionResponse implements PolicyVersionView {
  @ApiProperty({ example: 'onboarding' })
  id!: string;

  @ApiProperty(VERSION)
  version!: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-22T03:25:20.596Z' })
  firstLoadedAt!: string;

  @ApiProperty({ description: 'Whether this is the version deciding now.', example: true })
  active!: boolean;

  @ApiProperty({ description: 'The exact text of this version.', example: '{\n  "id": "onboarding",\n  "rules": []\n}\n' })
  content!: string;
}

@ApiSchema({ name: 'PolicyActivation', description: 'The version now active for the whole fleet.' })
export class PolicyActivationResponse implements PolicyActivation {
  @ApiProperty({ example: 'onboarding' })
  policyId!: string;

  @ApiProperty(VERSION)
  version!: string;

  @ApiProperty({ description: 'The activation revision: grows by one at every publish or activation.', type: 'integer', minimum: 1, example: 4 })
  revision!: number;
}
