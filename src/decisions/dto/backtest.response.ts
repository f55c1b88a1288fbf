import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Action, ACTIONS } from '../../scoring/actions';
import { POLICY_VERSION } from '../../policies/policy.service';
import { BacktestReport } from '../../scoring/backtest';
import { OutcomeMatrixResponse } from './shadow-report.response';

// Response classes for the API document; each implements the type the service returns.

const COUNT = { type: 'integer', minimum: 0 } as const;
const SHARE = { type: 'number', minimum: 0, maximum: 1, nullable: true } as const;

@ApiSchema({ name: 'BacktestRule', description: 'How often a rule of the candidate fired, before (as decided) and after (replayed).' })
export class BacktestRuleResponse {
  @ApiProperty({ example: 'new-line' }) rule!: string;
  @ApiProperty({ ...COUNT, description: 'Replayable decisions where the rule fired when they were made.', example: 12 }) before!: number;
  @ApiProperty({ ...COUNT, description: 'Replayable decisions where the candidate rule fires.', example: 15 }) after!: number;
  @ApiProperty({ ...COUNT, description: 'Decisions the rule could not be replayed on (a query it needs was not asked then).', example: 2 }) notReplayable!: number;
}

@ApiSchema({ name: 'ChangedDecision', description: 'A decision whose outcome the candidate changes.' })
export class ChangedDecisionResponse {
  @ApiProperty({ format: 'uuid', example: '01a20149-7354-70d1-94a1-d52bc3b0c889' }) id!: string;
  @ApiProperty({ enum: ACTIONS, enumName: 'Action', description: 'The outcome answered.', example: 'ALLOW' }) before!: Action;
  @ApiProperty({ enum: ACTIONS, enumName: 'Action', description: 'The outcome of the candidate.', example: 'REVIEW' }) after!: Action;
}

@ApiSchema({ name: 'InputsRefusedDecision', description: "A stored decision whose context the candidate's declared inputs refuse." })
export class InputsRefusedDecisionResponse {
  @ApiProperty({ format: 'uuid', example: '01a20149-7354-70d1-94a1-d52bc3b0c889' }) id!: string;
  @ApiProperty({ type: [String], description: 'The context fields the candidate refuses.', example: ['context.currency'] }) fields!: string[];
}

@ApiSchema({ name: 'InputsRefused', description: "Stored decisions the candidate would have refused (400) for their context: not replayed." })
export class InputsRefusedResponse {
  @ApiProperty({ ...COUNT, description: 'How many.', example: 3 }) count!: number;
  @ApiProperty({ type: [InputsRefusedDecisionResponse], description: 'The first 20.' }) examples!: InputsRefusedDecisionResponse[];
}

@ApiSchema({ name: 'OutcomeQuality', description: 'An outcome measured against the feedback labels.' })
export class OutcomeQualityResponse {
  @ApiProperty({ ...COUNT, description: 'Labelled decisions with this outcome.', example: 40 }) decisions!: number;
  @ApiProperty({ ...COUNT, description: 'Of them, labelled fraud.', example: 6 }) fraud!: number;
  @ApiProperty({ ...SHARE, description: "Share of this outcome's labelled decisions that were fraud; null without any.", example: 0.15 }) precision!: number | null;
  @ApiProperty({ ...SHARE, description: 'Share of all labelled fraud that got this outcome; null without any fraud label.', example: 0.6 }) recall!: number | null;
}

@ApiSchema({ name: 'OutcomeQualities', description: 'Each outcome measured against the feedback labels.' })
export class OutcomeQualitiesResponse {
  @ApiProperty({ type: OutcomeQualityResponse }) ALLOW!: OutcomeQualityResponse;
  @ApiProperty({ type: OutcomeQualityResponse }) CHALLENGE!: OutcomeQualityResponse;
  @ApiProperty({ type: OutcomeQualityResponse }) REVIEW!: OutcomeQualityResponse;
  @ApiProperty({ type: OutcomeQualityResponse }) BLOCK!: OutcomeQualityResponse;
}

@ApiSchema({ name: 'BacktestLabels', description: 'Precision and recall of each outcome, as decided and as the candidate decides.' })
export class BacktestLabelsResponse {
  @ApiProperty({ ...COUNT, description: 'Decisions with a feedback label.', example: 60 }) labelled!: number;
  @ApiProperty({ type: OutcomeQualitiesResponse }) before!: OutcomeQualitiesResponse;
  @ApiProperty({ type: OutcomeQualitiesResponse }) after!: OutcomeQualitiesResponse;
}

@ApiSchema({ name: 'BacktestReport', description: 'The stored decisions of a time range replayed against the candidate, on the signals they were made with.' })
export class BacktestReportResponse implements BacktestReport {
  @ApiProperty({ example: 'onboarding' }) policyId!: string;
  @ApiProperty({ description: 'The candidate version (content hash).', pattern: POLICY_VERSION.source, example: '9c1d0e5a7b3f2e11' }) candidateVersion!: string;
  @ApiProperty({ ...COUNT, description: 'Decisions replayed.', example: 240 }) decisions!: number;
  @ApiProperty({ ...COUNT, description: 'Decisions every rule of the candidate could be replayed on.', example: 236 }) replayable!: number;
  @ApiProperty({ type: InputsRefusedResponse, description: "Decisions whose stored context the candidate's declared inputs refuse: reported, not replayed." }) inputsRefused!: InputsRefusedResponse;
  @ApiProperty({ type: OutcomeMatrixResponse }) matrix!: OutcomeMatrixResponse;
  @ApiProperty({ type: [BacktestRuleResponse] }) rules!: BacktestRuleResponse[];
  @ApiProperty({ type: [ChangedDecisionResponse], description: 'Decisions whose outcome changes (the first 1000).' }) changed!: ChangedDecisionResponse[];
  @ApiProperty({ ...COUNT, description: 'All decisions whose outcome changes.', example: 8 }) changedCount!: number;
  @ApiPropertyOptional({ type: BacktestLabelsResponse, description: 'Present when some decisions have feedback labels.' }) labels?: BacktestLabelsResponse;
}
