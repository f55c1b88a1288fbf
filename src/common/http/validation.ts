import { ArgumentMetadata, Injectable, PipeTransform, Type, ValidationError, ValidationPipe } from '@nestjs/common';
import { InvalidArgumentError } from '../errors/domain.error';

/**
 * An accept-only check for a DTO: true only for a value class-validator would accept exactly as
 * it is (no field to strip, nothing to convert). Anything else, the full pipe decides, so its
 * error messages stay the only ones.
 */
export type Accepts = (value: unknown) => boolean;

function firstMessages(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith('property ') ? `${message} (unknown field "${path}")` : message,
    );
    return own.concat(firstMessages(error.children ?? [], path));
  });
}

/**
 * Strict validation for every route: unknown fields are refused, not silently dropped, and the
 * error names the field. Registered as APP_PIPE so e2e tests get exactly what main gets.
 *
 * The hottest bodies (a decision request) may register an accept-only check: class-validator
 * and class-transformer cost about 9% of a decision's CPU (docs/benchmarks.md), most of it
 * looking up the same metadata on every call, while the check is a few comparisons. Each check
 * has a property test proving it accepts nothing class-validator refuses and builds the same DTO.
 */
@Injectable()
export class StrictValidationPipe implements PipeTransform {
  readonly full = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => new InvalidArgumentError(firstMessages(errors).join('; ') || 'invalid request'),
  });
  private readonly accepts = new Map<Type<unknown>, Accepts>();

  /** Lets `accepts` take the values of `dto` it recognises past class-validator. */
  register<T>(dto: Type<T>, accepts: Accepts): this {
    this.accepts.set(dto, accepts);
    return this;
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const dto = metadata.metatype as Type<unknown> | undefined;
    const accepts = dto && metadata.type === 'body' ? this.accepts.get(dto) : undefined;
    // The DTO as class-transformer builds it from a value with nothing to convert.
    if (dto && accepts?.(value)) return Object.assign(new dto() as object, value as object);
    return this.full.transform(value, metadata);
  }
}
