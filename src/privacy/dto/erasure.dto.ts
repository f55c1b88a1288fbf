import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { PHONE_NUMBER_PATTERN } from '../../common/phone/phone-number';
import { IsPhoneNumber, IsSubjectId, Optional } from '../../common/http/validators';

/** Whose decisions to erase: exactly one of the two (the service refuses none or both). */
@ApiSchema({ name: 'ErasureRequest', description: 'Exactly one of `phoneNumber` or `subjectId`.' })
export class ErasureDto {
  /** E.164: every decision made about this number (found by its keyed hash) is removed. */
  @ApiPropertyOptional({
    description: 'E.164: every decision about this number is removed (found by its keyed hash).',
    pattern: PHONE_NUMBER_PATTERN.source,
    example: '+34600000001',
  })
  @Optional()
  @IsPhoneNumber()
  phoneNumber?: string;

  /** The caller's account id given with the decisions: every decision with it is removed. */
  @ApiPropertyOptional({ description: 'Every decision sent with this `subjectId` is removed, whatever its number.', minLength: 1, maxLength: 128, example: 'customer-8841' })
  @Optional()
  @IsSubjectId()
  subjectId?: string;
}
