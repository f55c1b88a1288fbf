import { ApiProperty, ApiPropertyOptional, ApiSchema, SchemaObject } from '@nestjs/swagger';
import type { HealthCheckResult, HealthCheckStatus, HealthIndicatorResult } from '@nestjs/terminus';

// The response class of the probes for the API document. The body is terminus's, not CAMARA's.

/** One component: `up` or `down`, with what the probe tells about it (provider, message, ...). */
const COMPONENT: SchemaObject = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['up', 'down'] } },
  additionalProperties: true,
};
const COMPONENTS = { type: 'object' as const, additionalProperties: COMPONENT };

@ApiSchema({ name: 'Health', description: 'The probe result, component by component.' })
export class HealthResponse implements HealthCheckResult {
  @ApiProperty({ description: '`ok`, `error` (a component is down) or `shutting_down`.', enum: ['ok', 'error', 'shutting_down'], example: 'ok' })
  status!: HealthCheckStatus;

  @ApiPropertyOptional({ ...COMPONENTS, description: 'The components that are up.', example: { database: { status: 'up', provider: 'sqlite' } } })
  info?: HealthIndicatorResult;

  @ApiPropertyOptional({ ...COMPONENTS, description: 'The components that are down.', example: {} })
  error?: HealthIndicatorResult;

  @ApiProperty({ ...COMPONENTS, description: 'Every component checked.', example: { database: { status: 'up', provider: 'sqlite' } } })
  details!: HealthIndicatorResult;
}
