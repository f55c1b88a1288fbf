import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsBoundedObject, IsCalendarDate, IsPhoneNumber, IsSubjectId, Optional } from '../../common/http/validators';

export class CreateDecisionDto {
  /** The policy to decide with: `onboarding`, `p2p_recipient`, `account_recovery`, ... */
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  useCase!: string;

  /** E.164, `+` then 5 to 15 digits. Never stored in clear. */
  @IsPhoneNumber()
  phoneNumber!: string;

  /**
   * `YYYY-MM-DD`, not in the future: when the caller last established that this number belonged
   * to this customer. Number Recycling's specifiedDate.
   */
  @Optional()
  @IsCalendarDate()
  trustedSince?: string;

  /** The caller's own account id, to find its decisions again. */
  @Optional()
  @IsSubjectId()
  subjectId?: string;

  /** Extra facts for the policy (for example `{ "amount": 120 }`), stored with the decision. */
  @Optional()
  @IsBoundedObject(4096, 4)
  context?: Record<string, unknown>;
}
