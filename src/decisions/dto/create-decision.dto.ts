import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsBoundedObject, IsCalendarDate } from '../../common/http/validators';
import { PHONE_NUMBER_PATTERN } from '../../common/phone/phone-number';

export class CreateDecisionDto {
  /** The policy to decide with: `onboarding`, `p2p_recipient`, `account_recovery`, ... */
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  useCase!: string;

  /** E.164, `+` then 5 to 15 digits. Never stored in clear. */
  @IsString()
  @Matches(PHONE_NUMBER_PATTERN, { message: 'phoneNumber must be E.164, matching ^\\+[1-9][0-9]{4,14}$' })
  phoneNumber!: string;

  /**
   * `YYYY-MM-DD`, not in the future: when the caller last established that this number belonged
   * to this customer. Number Recycling's specifiedDate.
   */
  @IsOptional()
  @IsCalendarDate()
  trustedSince?: string;

  /** The caller's own account id, to find its decisions again. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  subjectId?: string;

  /** Extra facts for the policy (for example `{ "amount": 120 }`), stored with the decision. */
  @IsOptional()
  @IsBoundedObject(4096, 4)
  context?: Record<string, unknown>;
}
