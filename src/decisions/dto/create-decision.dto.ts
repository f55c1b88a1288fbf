import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { FORBIDDEN_KEYS } from '../../common/http/request-guards';
import { IsBoundedObject, IsCalendarDate, IsPhoneNumber, IsSubjectId, isBoundedObject, Optional, SUBJECT_ID_MAX_LENGTH } from '../../common/http/validators';
import { PHONE_NUMBER_PATTERN } from '../../common/phone/phone-number';
import { isCalendarDate } from '../../common/time/clock';

const USE_CASE_MAX_LENGTH = 64;
const CONTEXT_MAX_BYTES = 4096;
const CONTEXT_MAX_DEPTH = 4;

@ApiSchema({ name: 'DecisionRequest', description: 'What to decide on. Unknown fields are refused.' })
export class CreateDecisionDto {
  /** The policy to decide with: `onboarding`, `p2p_recipient`, `account_recovery`, ... */
  @ApiProperty({
    description: 'The policy to decide with: `onboarding`, `p2p_recipient`, `account_recovery`, or any policy in `rules/`.',
    minLength: 1,
    maxLength: 64,
    example: 'account_recovery',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(USE_CASE_MAX_LENGTH)
  useCase!: string;

  /** E.164, `+` then 5 to 15 digits. Never stored in clear. */
  @ApiProperty({ description: 'E.164. Never stored in clear.', pattern: PHONE_NUMBER_PATTERN.source, example: '+34600000004' })
  @IsPhoneNumber()
  phoneNumber!: string;

  /**
   * `YYYY-MM-DD`, not in the future: when the caller last established that this number belonged
   * to this customer. Number Recycling's specifiedDate.
   */
  @ApiPropertyOptional({
    description:
      'Not in the future: the date the caller last established that this number belonged to this customer (onboarding, a verified OTP). Number Recycling\'s `specifiedDate`.',
    format: 'date',
    example: '2026-10-20',
  })
  @Optional()
  @IsCalendarDate()
  trustedSince?: string;

  /** The caller's own account id, to find its decisions again. */
  @ApiPropertyOptional({ description: "The caller's own account id, to find its decisions again.", minLength: 1, maxLength: 128, example: 'customer-8841' })
  @Optional()
  @IsSubjectId()
  subjectId?: string;

  /** Extra facts for the policy (for example `{ "amount": 120 }`), stored with the decision. */
  @ApiPropertyOptional({
    description: 'Extra facts for the policy, stored with the decision: a JSON object of at most 4096 bytes and 4 levels deep.',
    type: 'object',
    additionalProperties: true,
    example: { amount: 250 },
  })
  @Optional()
  @IsBoundedObject(CONTEXT_MAX_BYTES, CONTEXT_MAX_DEPTH)
  context?: Record<string, unknown>;
}

const FIELDS = new Set(['useCase', 'phoneNumber', 'trustedSince', 'subjectId', 'context']);

/**
 * A decision request the decorators above accept as it is, recognised without class-validator's
 * per-call cost (StrictValidationPipe). Accept-only: whatever it does not recognise (a missing or
 * unknown field, a null, a length class-validator would count differently), the pipe validates
 * in full, and create-decision.dto.spec.ts proves it accepts nothing the decorators refuse.
 */
export function isPlainDecisionRequest(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key of Object.keys(value)) if (!FIELDS.has(key)) return false;
  const { useCase, phoneNumber, trustedSince, subjectId, context } = value as Record<string, unknown>;
  return (
    typeof useCase === 'string' &&
    useCase.length > 0 &&
    useCase.length <= USE_CASE_MAX_LENGTH &&
    typeof phoneNumber === 'string' &&
    PHONE_NUMBER_PATTERN.test(phoneNumber) &&
    (trustedSince === undefined || (typeof trustedSince === 'string' && isCalendarDate(trustedSince))) &&
    (subjectId === undefined || (typeof subjectId === 'string' && subjectId.length > 0 && subjectId.length <= SUBJECT_ID_MAX_LENGTH)) &&
    (context === undefined || (isBoundedObject(context, CONTEXT_MAX_BYTES, CONTEXT_MAX_DEPTH) && !hasObjectMemberKey(context)))
  );
}

/**
 * class-transformer drops the keys of a nested object that name a member of Object.prototype
 * (`toString`, `valueOf`...) or `prototype`: the full pipe decides such a context, so that it is
 * read the same either way. These are the keys the request guards refuse (FORBIDDEN_KEYS): over
 * HTTP such a body never gets here, but the pipe must not depend on that.
 */
function hasObjectMemberKey(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(hasObjectMemberKey);
  return Object.keys(value).some((key) => FORBIDDEN_KEYS.has(key) || hasObjectMemberKey((value as Record<string, unknown>)[key]));
}
