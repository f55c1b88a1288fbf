import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { CircuitState } from '../resilience/circuit-breaker';
import { SignalsStatus } from '../signal-gateway';
import { SIGNAL_NAMES, SignalName, SignalStatus } from '../signal.types';

// Response classes for the API document; each implements the type the service returns.

const COUNT = { type: 'integer', minimum: 0 } as const;

@ApiSchema({ name: 'AnswersByStatus', description: 'Answers since start by status (a status never seen is absent).' })
export class AnswersByStatusResponse implements Partial<Record<SignalStatus, number>> {
  @ApiPropertyOptional({ ...COUNT, example: 1520 }) OK?: number;
  @ApiPropertyOptional({ ...COUNT, example: 12 }) NOT_SUBSCRIBER?: number;
  @ApiPropertyOptional({ ...COUNT, example: 4 }) NOT_APPLICABLE?: number;
  @ApiPropertyOptional({ ...COUNT, example: 0 }) OUT_OF_RANGE?: number;
  @ApiPropertyOptional({ ...COUNT, example: 2 }) UNAVAILABLE?: number;
  @ApiPropertyOptional({ ...COUNT, example: 30 }) MISSING_INPUT?: number;
  @ApiPropertyOptional({ ...COUNT, example: 3 }) NO_COVERAGE?: number;
  @ApiPropertyOptional({ ...COUNT, example: 1 }) CONSENT_PENDING?: number;
  @ApiPropertyOptional({ ...COUNT, example: 0 }) CONSENT_REFUSED?: number;
}

@ApiSchema({ name: 'GatewayCircuit', description: "One gateway's circuit breaker for this API." })
export class GatewayCircuitResponse {
  @ApiProperty({ description: 'The gateway id of the gateways file (`default` without one).', example: 'telefonica' })
  gateway!: string;

  @ApiProperty({ enum: ['closed', 'open', 'half-open'], example: 'closed' })
  circuit!: CircuitState;
}

@ApiSchema({ name: 'SignalStatusItem', description: 'One signal since start.' })
export class SignalStatusItemResponse {
  @ApiProperty({ enum: SIGNAL_NAMES, enumName: 'SignalName', example: 'simSwap' })
  signal!: SignalName;

  @ApiProperty({
    description: 'Where answers come from: `built-in sandbox`, `http <apiRoot>`, or `http gateways <id>, ...` with a gateways file.',
    example: 'built-in sandbox',
  })
  provider!: string;

  @ApiProperty({
    description: "The API's circuit: `open` when any gateway's breaker is open, `half-open` when any is, else `closed`.",
    enum: ['closed', 'open', 'half-open'],
    example: 'closed',
  })
  circuit!: CircuitState;

  @ApiProperty({ type: [GatewayCircuitResponse], description: 'Each gateway that serves this API, with its own breaker.' })
  gateways!: GatewayCircuitResponse[];

  @ApiProperty({ description: 'Calls made to the operator, retries included: what is billed.', ...COUNT, example: 1490 })
  calls!: number;

  @ApiProperty({ description: 'Answers served from the cross-request cache.', ...COUNT, example: 98 })
  cacheHits!: number;

  @ApiProperty({ type: AnswersByStatusResponse })
  byStatus!: AnswersByStatusResponse;
}

@ApiSchema({ name: 'SignalsStatus', description: 'Operator signal usage since start.' })
export class SignalsStatusResponse implements SignalsStatus {
  @ApiProperty({ type: [SignalStatusItemResponse] })
  items!: SignalStatusItemResponse[];
}
