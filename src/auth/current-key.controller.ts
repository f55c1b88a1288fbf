import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AnyKey, CurrentPrincipal } from './auth.decorators';
import { CurrentKeyResponse } from './dto/current-key.response';
import { Principal } from './scopes';

/** What a key may do, asked by the key itself: a client (the explorer) shows only what it can use. */
@ApiTags('keys')
@Controller('v1/keys')
export class CurrentKeyController {
  @Get('me')
  @AnyKey()
  @ApiOperation({
    operationId: 'getCurrentApiKey',
    summary: 'Describe the API key of the request',
    description: 'Its id (the `assignee` of the review cases it claims), label, scopes and use cases; never its secret.',
  })
  @ApiOkResponse({ type: CurrentKeyResponse, description: 'The key.' })
  me(@CurrentPrincipal() caller: Principal): CurrentKeyResponse {
    return { id: caller.keyId, label: caller.label, scopes: [...caller.scopes], useCases: caller.useCases === null ? null : [...caller.useCases] };
  }
}
