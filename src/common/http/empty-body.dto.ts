import { ApiSchema } from '@nestjs/swagger';
import { IsEmpty } from 'class-validator';

/**
 * The body of an operation that takes no fields. The request guards want a JSON object on every
 * POST, so such an operation is sent `{}`, and documented so; a field sent is refused like any
 * unknown field.
 */
@ApiSchema({ name: 'EmptyRequest', description: 'An empty JSON object, `{}`: the operation takes no fields.' })
export class EmptyBodyDto {
  // The strict validation pipe (forbidUnknownValues) refuses a class without a single rule:
  // this one makes the class known, and holds nothing (it is not in the API document).
  @IsEmpty({ message: 'this operation takes no fields' })
  private readonly none?: never;
}
