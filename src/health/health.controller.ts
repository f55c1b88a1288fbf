import { Controller, Get, UseFilters } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators';
import { DatabaseHealthIndicator } from './database.health';
import { HealthResponse } from './dto/health.response';
import { HealthCheckFailedFilter } from './health-check-failed.filter';
import { PoliciesHealthIndicator } from './policies.health';
import { SignalsHealthIndicator } from './signals.health';

/**
 * Probes for orchestrators and load balancers, which call without an API key. Both answer 503
 * while the application shuts down.
 */
@ApiTags('health')
@Controller('health')
@Public()
@UseFilters(HealthCheckFailedFilter)
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly policies: PoliciesHealthIndicator,
    private readonly signals: SignalsHealthIndicator,
  ) {}

  /** The process runs and serves HTTP: nothing else is checked, so a restart cannot fix what this reports. */
  @Get('live')
  @HealthCheck()
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness probe', description: 'The process runs and serves HTTP; no dependency is checked.' })
  @ApiOkResponse({ type: HealthResponse, description: 'Alive.' })
  @ApiServiceUnavailableResponse({ type: HealthResponse, description: 'Shutting down (`status: shutting_down`).' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Whether to send it decisions: database, policies and each signal API's circuit, per component. */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    operationId: 'getReadiness',
    summary: 'Readiness probe',
    description: 'Whether to send it decisions: the database, the policies and the circuit of each signal API, component by component.',
  })
  @ApiOkResponse({ type: HealthResponse, description: 'Ready: every component is up.' })
  @ApiServiceUnavailableResponse({ type: HealthResponse, description: 'Not ready (a component is down, listed in `error`), or shutting down.' })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([() => this.database.check(), () => this.policies.check(), () => this.signals.check()]);
  }
}
