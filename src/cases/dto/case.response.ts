import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { DecisionResponse } from '../../decisions/dto/decision.response';
import { ACTIONS } from '../../scoring/actions';
import { CASE_ACTIONS, CASE_STATUSES, CaseStatus, Disposition, DISPOSITIONS } from '../case-rows';
import { CaseDetail, CaseEventView, CaseView } from '../case.types';

// Response classes for the API document; each implements the type the service returns.

const UUID = '01a20149-7354-70d1-94a1-d52bc3b0c889';
const AT = '2026-11-22T03:25:20.596Z';

@ApiSchema({ name: 'Case', description: 'A review case: a decision whose outcome the policy sends to people.' })
export class CaseResponse implements CaseView {
  @ApiProperty({ format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ description: 'The decision under review.', format: 'uuid', example: UUID })
  decisionId!: string;

  @ApiProperty({ example: 'account_recovery' })
  useCase!: string;

  @ApiProperty({ description: 'The outcome that opened the case.', enum: ACTIONS, enumName: 'Action', example: 'REVIEW' })
  outcome!: string;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 100, example: 60 })
  score!: number;

  @ApiProperty({ enum: CASE_STATUSES, enumName: 'CaseStatus', example: 'open' })
  status!: CaseStatus;

  @ApiProperty({ description: 'The id of the API key that claimed (or resolved) it; `null` while unclaimed.', type: 'string', nullable: true, example: null })
  assignee!: string | null;

  @ApiProperty({ description: 'How it was resolved; `null` until then.', type: 'string', enum: [...DISPOSITIONS, null], nullable: true, example: null })
  disposition!: Disposition | null;

  @ApiProperty({ format: 'date-time', example: AT })
  createdAt!: string;

  @ApiProperty({ description: "When it is due: opened + the use case's review SLA (`review.slaHours` of the policy, 24 h by default).", format: 'date-time', example: AT })
  dueAt!: string;

  @ApiProperty({ description: 'Unresolved and past `dueAt`.', example: false })
  overdue!: boolean;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null })
  claimedAt!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null })
  resolvedAt!: string | null;
}

@ApiSchema({ name: 'CaseEvent', description: "One entry of a case's audit trail." })
export class CaseEventResponse implements CaseEventView {
  @ApiProperty({ format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ format: 'date-time', example: AT })
  at!: string;

  @ApiProperty({ enum: CASE_ACTIONS, enumName: 'CaseAction', example: 'claimed' })
  action!: string;

  @ApiProperty({ description: 'The API key that acted; `null` for the service (a case opened by a decision).', type: 'string', nullable: true, example: '0123456789abcdef' })
  apiKeyId!: string | null;

  @ApiProperty({ type: 'string', nullable: true, example: null })
  note!: string | null;

  @ApiProperty({ type: 'string', enum: [...DISPOSITIONS, null], nullable: true, example: null })
  disposition!: string | null;
}

@ApiSchema({ name: 'CaseDetail', description: 'A case with its audit trail, oldest first, and the decision it reviews.' })
export class CaseDetailResponse extends CaseResponse implements CaseDetail {
  @ApiProperty({ type: [CaseEventResponse] })
  events!: CaseEventResponse[];

  @ApiProperty({ type: DecisionResponse })
  decision!: DecisionResponse;
}

@ApiSchema({ name: 'CasePage', description: 'A page of the review queue, oldest first.' })
export class CasePageResponse {
  @ApiProperty({ type: [CaseResponse] })
  items!: CaseResponse[];

  @ApiProperty({ description: 'Pass it back as `cursor` for the next page; `null` on the last page.', type: 'string', format: 'uuid', nullable: true, example: UUID })
  nextCursor!: string | null;
}
