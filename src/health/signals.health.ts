import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';
import { providerKind, SignalGateway } from '../signals/signal-gateway';

/**
 * One component per signal, `signal:<name>`, with its circuit state. An operator API whose
 * circuit is open has its queries refused, and decisions fall back on the policy's unknown
 * handling: the instance still decides, so it stays up (`degraded: true`) unless
 * READY_REQUIRES_CLOSED_CIRCUITS asks for it to be taken out of rotation. Half-open is up: the next query is the probe that can close the circuit, and an instance taken out of
 * rotation would never send it. The built-in sandbox is always up. The API's URL is not shown
 * (the route is public); GET /v1/signals has it.
 */
@Injectable()
export class SignalsHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly gateway: SignalGateway,
    private readonly config: AppConfig,
  ) {}

  check(): HealthIndicatorResult {
    const components = this.gateway.status().items.map((item) => {
      const session = this.indicators.check(`signal:${item.signal}`);
      const provider = providerKind(item.provider);
      if (provider === 'sandbox') return session.up({ provider });
      if (item.circuit !== 'open') return session.up({ provider, circuit: item.circuit });
      const details = { provider, circuit: item.circuit, degraded: true };
      return this.config.READY_REQUIRES_CLOSED_CIRCUITS ? session.down(details) : session.up(details);
    });
    return Object.assign({}, ...components) as HealthIndicatorResult;
  }
}
