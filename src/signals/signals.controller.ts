import { Controller, Get } from '@nestjs/common';
import { RequireScope } from '../auth/auth.decorators';
import { SignalGateway, SignalsStatus } from './signal-gateway';

@Controller('v1/signals')
export class SignalsController {
  constructor(private readonly gateway: SignalGateway) {}

  /**
   * Per signal since start: where it comes from, operator calls (what is billed), cache hits,
   * answers by status, and the state of its circuit breaker.
   */
  @Get()
  @RequireScope('admin')
  status(): SignalsStatus {
    return this.gateway.status();
  }
}
