import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { Principal } from '../auth/scopes';
import { ApiErrors } from '../docs/error-responses';
import { ErasureDto } from './dto/erasure.dto';
import { ErasureResponse } from './dto/erasure.response';
import { ErasureReport, PrivacyService } from './privacy.service';

@ApiTags('privacy')
@Controller('v1/erasures')
@RequireScope('admin')
export class ErasuresController {
  constructor(private readonly privacy: PrivacyService) {}

  /** Removes every decision of a phone number or a subjectId; answers what was removed. */
  @Post()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'createErasure',
    summary: "Erase a person's decisions",
    description:
      'Deletes every stored decision of a phone number or of a `subjectId`, with the Idempotency-Key records that point at them, and answers how many. ' +
      'Erasing what is already gone answers zero counts. Each erasure is logged with the API key id and the masked number or the subjectId.',
  })
  @ApiOkResponse({ type: ErasureResponse, description: 'What was removed.' })
  @ApiErrors({ 400: ['Neither or both of `phoneNumber` and `subjectId`, a malformed number, or an unknown field.', 'give exactly one of phoneNumber or subjectId'] })
  async erase(@Body() body: ErasureDto, @CurrentPrincipal() caller: Principal): Promise<{ erased: ErasureReport }> {
    return { erased: await this.privacy.erase(body, `API key ${caller.keyId}`) };
  }
}
