import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators';
import { SignalsStatusResponse } from './dto/signals-status.response';
import { SignalGateway, SignalsStatus } from './signal-gateway';

@ApiTags('signals')
@Controller('v1/signals')
export class SignalsController {
  constructor(private readonly gateway: SignalGateway) {}

  /**
   * Per signal since start: where it comes from, operator calls (what is billed), cache hits,
   * answers by status, and the state of its circuit breaker.
   */
  @Get()
  @RequireScope('admin')
  @ApiOperation({
    operationId: 'getSignalsStatus',
    summary: 'Signal usage since start',
    description: 'Per signal: its provider, the state of its circuit breaker, the operator calls made (what is billed, retries included), the cache hits, and the answers by status.',
  })
  @ApiOkResponse({ type: SignalsStatusResponse, description: 'The status of each signal.' })
  status(): SignalsStatus {
    return this.gateway.status();
  }
}
