import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Label } from '../../scoring/backtest';
import { Action, ACTIONS } from '../../scoring/actions';
import { Reason } from '../../scoring/policy.types';
import { SignalRecord } from '../../scoring/signal-collector';
import { SIGNAL_NAMES, SIGNAL_STATUSES, SignalName, SignalStatus } from '../../signals/signal.types';
import { POLICY_VERSION } from '../../policies/policy.service';
import type { DecisionService } from '../decision.service';
import { DecisionView } from '../decision.types';

// Response classes for the API document (swagger reads classes, not interfaces). Each one
// implements the interface the service returns, so a field added there without being
// documented here fails to compile.

@ApiSchema({ name: 'Reason', description: 'A policy rule that fired, and what it says.' })
export class ReasonResponse implements Reason {
  @ApiProperty({ description: 'The stable name of the rule in the policy.', example: 'device-swap-unknown' })
  rule!: string;

  @ApiProperty({ description: 'The reason code, for programs.', example: 'DEVICE_SWAP_UNVERIFIED' })
  code!: string;

  @ApiProperty({ description: 'What the rule asks for.', enum: ACTIONS, enumName: 'Action', example: 'CHALLENGE' })
  action!: Action;

  @ApiProperty({ description: 'The reason, for people.', example: 'Recent device changes could not be checked with the operator.' })
  message!: string;
}

@ApiSchema({ name: 'SignalQuery', description: 'One operator query the decision made: its answer, or the status saying why there is none.' })
export class SignalQueryResponse implements SignalRecord {
  @ApiProperty({ description: 'The CAMARA API asked.', enum: SIGNAL_NAMES, enumName: 'SignalName', example: 'deviceSwap' })
  signal!: SignalName;

  @ApiProperty({ description: 'The operation of the API: `checkTenure` for KYC Tenure, `check` for the others.', example: 'check' })
  operation!: string;

  @ApiProperty({
    description: "The query's parameters, without the phone number (for example `tenureDate`, `specifiedDate`, `maxAge` in hours).",
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    example: { maxAge: 24 },
  })
  query!: Record<string, string | number>;

  @ApiProperty({
    description:
      '`OK`: the operator answered. `NOT_SUBSCRIBER`: not a subscriber of this operator (404). `NOT_APPLICABLE`: the operator has no such data for the line (422). ' +
      '`OUT_OF_RANGE`: outside the operator\'s window. `UNAVAILABLE`: a failure, a timeout or an open circuit. `MISSING_INPUT`: the request lacks what the query needs, nothing was asked. `NO_COVERAGE`: no configured gateway serves the number, nothing was asked. `CONSENT_PENDING`: the subscriber\'s 3-legged token flow is still waiting for the holder. `CONSENT_REFUSED`: the holder refused it (denied, opted out).',
    enum: SIGNAL_STATUSES,
    enumName: 'SignalStatus',
    example: 'NOT_APPLICABLE',
  })
  status!: SignalStatus;

  @ApiPropertyOptional({
    description: "The operator's answer (status `OK` only), as the CAMARA API gives it.",
    type: 'object',
    additionalProperties: true,
    example: { swapped: false },
  })
  answer?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Why there is no answer (any status but `OK`).', example: '422 SERVICE_NOT_APPLICABLE: The service is not available for the provided phone number' })
  reason?: string;

  @ApiProperty({ description: 'Served from the cross-request cache.', example: false })
  cached!: boolean;

  @ApiPropertyOptional({ description: 'How old the cached answer was, in milliseconds (cached answers only).', minimum: 0, example: 1200 })
  cacheAgeMs?: number;

  @ApiProperty({ description: 'Calls made to the operator, retries included (0 when cached or not asked).', type: 'integer', minimum: 0, example: 1 })
  attempts!: number;

  @ApiProperty({ description: 'From the query to its answer, in milliseconds.', minimum: 0, example: 1.5 })
  durationMs!: number;
}

@ApiSchema({ name: 'PolicyRef', description: 'The policy version that made the decision: `GET /v1/policies/{id}/versions/{version}` gives its text.' })
export class PolicyRefResponse {
  @ApiProperty({ description: 'The policy id (the use case).', example: 'account_recovery' })
  id!: string;

  @ApiProperty({ description: 'Content hash of the policy file.', pattern: POLICY_VERSION.source, example: '602dfb1eceb0c25e' })
  version!: string;
}

@ApiSchema({ name: 'Decision', description: 'A decision with its explanation: the same shape from POST and GET.' })
export class DecisionResponse implements DecisionView {
  @ApiProperty({ description: 'The decision id (UUID v7: time-ordered).', format: 'uuid', example: '01a20149-7354-70d1-94a1-d52bc3b0c889' })
  id!: string;

  @ApiProperty({ description: 'The use case (policy) it was decided with.', example: 'account_recovery' })
  useCase!: string;

  @ApiProperty({ description: 'The decision: the most severe action of the fired rules and the score thresholds.', enum: ACTIONS, enumName: 'Action', example: 'CHALLENGE' })
  outcome!: Action;

  @ApiProperty({ description: 'Points of the fired rules, summed and capped at 100.', type: 'integer', minimum: 0, maximum: 100, example: 10 })
  score!: number;

  @ApiProperty({ description: 'The rules that fired.', type: [ReasonResponse] })
  reasons!: ReasonResponse[];

  @ApiProperty({ description: 'Every operator query the decision made, in the order they were asked.', type: [SignalQueryResponse] })
  signals!: SignalQueryResponse[];

  @ApiProperty({ type: PolicyRefResponse })
  policy!: PolicyRefResponse;

  @ApiProperty({ description: 'The phone number, masked: it is never stored in clear.', example: '+34******004' })
  phoneNumber!: string;

  @ApiPropertyOptional({ description: "The caller's account id, as given.", maxLength: 128, example: 'customer-8841' })
  subjectId?: string;

  @ApiPropertyOptional({ description: 'As given with the request.', format: 'date', example: '2026-10-20' })
  trustedSince?: string;

  @ApiPropertyOptional({ description: 'The extra facts given with the request.', type: 'object', additionalProperties: true, example: { amount: 250 } })
  context?: Record<string, unknown>;

  @ApiProperty({ description: 'The `x-correlator` of the request that made the decision.', example: 'b4333c46-49c0-4f62-80d7-f0ef930f1c46' })
  correlator!: string;

  @ApiProperty({ description: 'When the decision was made.', format: 'date-time', example: '2026-11-22T03:25:20.596Z' })
  createdAt!: string;

  @ApiPropertyOptional({
    description: 'What the decision turned out to be, once labelled (`POST /v1/decisions/{id}/feedback`, or a review case resolved as fraud or legitimate). Absent until then.',
    enum: ['fraud', 'legitimate'],
    enumName: 'Label',
    example: 'fraud',
  })
  label?: Label;

  @ApiPropertyOptional({ description: 'When the label was recorded (with `label` only).', format: 'date-time', example: '2026-11-23T09:12:00.000Z' })
  labeledAt?: string;
}

@ApiSchema({ name: 'DecisionPage', description: 'A page of decisions, newest first.' })
export class DecisionPageResponse implements Awaited<ReturnType<DecisionService['list']>> {
  @ApiProperty({ type: [DecisionResponse] })
  items!: DecisionResponse[];

  @ApiProperty({
    description: 'Pass it back as `cursor` for the next page; `null` on the last page.',
    type: 'string',
    format: 'uuid',
    nullable: true,
    example: '01a20149-7354-70d1-94a1-d52bc3b0c889',
  })
  nextCursor!: string | null;
}

@ApiSchema({ name: 'FeedbackResult', description: 'The label recorded on a decision.' })
export class FeedbackResponse implements Awaited<ReturnType<DecisionService['label']>> {
  @ApiProperty({ description: 'The decision id.', format: 'uuid', example: '01a20149-7354-70d1-94a1-d52bc3b0c889' })
  id!: string;

  @ApiProperty({ description: 'What the decision turned out to be.', enum: ['fraud', 'legitimate'], enumName: 'Label', example: 'fraud' })
  label!: Label;

  @ApiProperty({ description: 'When the label was recorded.', format: 'date-time', example: '2026-11-23T09:12:00.000Z' })
  labeledAt!: string;
}
