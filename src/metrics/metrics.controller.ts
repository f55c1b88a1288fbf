import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Public } from '../auth/auth.decorators';
import { MetricsService } from './metrics.service';

/**
 * Prometheus scrapes without an API key (Prometheus is not a LineTrust client): protect
 * /metrics at the network level. It carries counts and states, no phone number or policy text.
 */
@ApiTags('metrics')
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('content-type', Registry.PROMETHEUS_CONTENT_TYPE)
  @ApiOperation({ operationId: 'getMetrics', summary: 'Prometheus metrics', description: 'Counters and states in the Prometheus text format. Protect it at the network level.' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The metrics, in the Prometheus text exposition format 0.0.4.', schema: { type: 'string', example: 'linetrust_decisions_total{use_case="onboarding",outcome="ALLOW"} 12\n' } })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
