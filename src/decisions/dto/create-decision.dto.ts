import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsBoundedObject, IsCalendarDate, IsPhoneNumber, IsSubjectId, Optional } from '../../common/http/validators';
import { PHONE_NUMBER_PATTERN } from '../../common/phone/phone-number';

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
  @MaxLength(64)
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
  @IsBoundedObject(4096, 4)
  context?: Record<string, unknown>;
}
