import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ErasureReport } from '../privacy.service';

// Response classes for the API document (swagger reads classes, not interfaces).

@ApiSchema({ name: 'ErasedCounts', description: 'What an erasure removed.' })
export class ErasedCountsResponse implements ErasureReport {
  @ApiProperty({ description: 'Decisions deleted.', type: 'integer', minimum: 0, example: 3 })
  decisions!: number;

  @ApiProperty({ description: 'Idempotency-Key records deleted with them.', type: 'integer', minimum: 0, example: 1 })
  idempotencyKeys!: number;
}

@ApiSchema({ name: 'Erasure', description: 'The answer of an erasure.' })
export class ErasureResponse {
  @ApiProperty({ type: ErasedCountsResponse })
  erased!: ErasedCountsResponse;
}
