import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Action } from '../../scoring/actions';
import { OutcomeMatrix } from '../../scoring/outcome';
import { POLICY_VERSION } from '../../policies/policy.service';
import { ShadowReport } from '../shadow-report.service';

// Response classes for the API document; each implements the type the service returns.

const COUNT = { type: 'integer', minimum: 0 } as const;

@ApiSchema({ name: 'OutcomeCounts', description: 'Decisions per outcome.' })
export class OutcomeCountsResponse implements Record<Action, number> {
  @ApiProperty({ ...COUNT, example: 120 }) ALLOW!: number;
  @ApiProperty({ ...COUNT, example: 3 }) CHALLENGE!: number;
  @ApiProperty({ ...COUNT, example: 1 }) REVIEW!: number;
  @ApiProperty({ ...COUNT, example: 0 }) BLOCK!: number;
}

@ApiSchema({ name: 'OutcomeMatrix', description: 'Outcome answered by the active policy -> outcome the candidate gave -> decisions.' })
export class OutcomeMatrixResponse implements OutcomeMatrix {
  @ApiProperty({ type: OutcomeCountsResponse }) ALLOW!: OutcomeCountsResponse;
  @ApiProperty({ type: OutcomeCountsResponse }) CHALLENGE!: OutcomeCountsResponse;
  @ApiProperty({ type: OutcomeCountsResponse }) REVIEW!: OutcomeCountsResponse;
  @ApiProperty({ type: OutcomeCountsResponse }) BLOCK!: OutcomeCountsResponse;
}

@ApiSchema({ name: 'ShadowCandidate', description: 'How a shadow candidate version would have decided the live traffic.' })
export class ShadowCandidateResponse {
  @ApiProperty({ description: 'The candidate version (content hash).', pattern: POLICY_VERSION.source, example: '9c1d0e5a7b3f2e11' })
  version!: string;

  @ApiProperty({ description: 'Whether it is the candidate running now (others ran earlier).', example: true })
  running!: boolean;

  @ApiProperty({ description: 'Decisions it shadowed in the time range.', ...COUNT, example: 124 })
  decisions!: number;

  @ApiProperty({ description: 'Share of those decisions where it gave the same outcome (1 when there are none).', minimum: 0, maximum: 1, example: 0.967 })
  agreement!: number;

  @ApiProperty({ type: OutcomeMatrixResponse })
  matrix!: OutcomeMatrixResponse;
}

@ApiSchema({ name: 'ShadowReport', description: 'Agreement between the active policy and each of its shadow candidates.' })
export class ShadowReportResponse implements ShadowReport {
  @ApiProperty({ example: 'onboarding' })
  policyId!: string;

  @ApiProperty({ description: 'The active version (content hash).', pattern: POLICY_VERSION.source, example: '602dfb1eceb0c25e' })
  activeVersion!: string;

  @ApiProperty({ type: [ShadowCandidateResponse] })
  candidates!: ShadowCandidateResponse[];
}
