import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError, type FieldError } from './domain-error';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * Leaves path parameters as the client sent them, for their own pipes to parse: the stock pipe
 * converts a parameter typed `number` with `+value`, which reads `0x1`, `1.0` and `1e0` as 1.
 */
class StrictParamsValidationPipe extends ValidationPipe {
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }
}

/** DTO validation: unknown fields are refused, and every problem is reported per field. */
export function createValidationPipe(): ValidationPipe {
  return new StrictParamsValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const fieldErrors = flatten(errors);
      return new DomainError(
        'VALIDATION_FAILED',
        fieldErrors.map((e) => `${e.field}: ${e.message}`).join('; '),
        { errors: fieldErrors },
      );
    },
  });
}
