import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, Matches } from 'class-validator';
import { POLICY_VERSION } from '../policy.service';

/** POST /v1/policies/{id}/versions. */
export class PublishPolicyDto {
  /** The policy document, as in `rules/<id>.json`; its `id` must be the path's. */
  @ApiProperty({
    description: 'The policy document (the content of `rules/<id>.json`); its `id` must equal the path id. Stored as JSON with a two-space indent: the version is the hash of that text.',
    type: 'object',
    additionalProperties: true,
    example: { id: 'onboarding', description: 'New customer onboarding', rules: [] },
  })
  @IsObject()
  policy!: Record<string, unknown>;

  /** Its cases document (`rules/<id>.cases.json`): every case must pass, or nothing is published. */
  @ApiPropertyOptional({
    description: 'The policy\'s cases document (the content of `rules/<id>.cases.json`): every case must pass, or nothing is published.',
    type: 'object',
    additionalProperties: true,
    example: { policy: 'onboarding', cases: [{ name: 'a line held for 10 days, prepaid, is reviewed', request: {}, line: { subscriberSince: '-10d', contractType: 'PAYG' }, expect: { outcome: 'REVIEW' } }] },
  })
  @IsOptional()
  @IsObject()
  cases?: Record<string, unknown>;
}

/** POST /v1/policies/{id}/active. */
export class ActivatePolicyDto {
  /** A stored version of the policy (GET /v1/policies/{id} lists them in `history`). */
  @ApiProperty({ description: 'A stored version of the policy (see `history` in GET /v1/policies/{id}).', pattern: POLICY_VERSION.source, example: '602dfb1eceb0c25e' })
  @Matches(POLICY_VERSION, { message: `version must match ${POLICY_VERSION.source}` })
  version!: string;
}
