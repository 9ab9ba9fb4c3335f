import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { DomainError } from '@switchyard/errors';
import { MAX_VERSION_NUMBER, parseVersionNumber } from '@switchyard/queues';
import { MODEL_NAME_PATTERN } from '../models/dto/model.dto';

/** `{name}` in a path: a string that cannot be a model name is refused before any lookup. */
@Injectable()
export class ModelNamePipe implements PipeTransform<string, string> {
  transform(value: string, _metadata: ArgumentMetadata): string {
    if (!MODEL_NAME_PATTERN.test(value)) {
      throw new DomainError('VALIDATION_FAILED', `"${value}" is not a valid model name; names match ${MODEL_NAME_PATTERN.source}`, {
        errors: [{ field: 'name', message: `must match ${MODEL_NAME_PATTERN.source}` }],
      });
    }
    return value;
  }
}

/** `{version}` in a path: decimal digits, 1 to 2147483647 (the global ValidationPipe leaves path parameters as sent). */
@Injectable()
export class VersionNumberPipe implements PipeTransform<string, number> {
  transform(value: string, _metadata: ArgumentMetadata): number {
    const version = parseVersionNumber(value);
    if (version === undefined) {
      const message = `must be a decimal integer from 1 to ${MAX_VERSION_NUMBER}`;
      throw new DomainError('VALIDATION_FAILED', `"${value}" is not a version number; versions are decimal integers from 1 to ${MAX_VERSION_NUMBER}`, {
        errors: [{ field: 'version', message }],
      });
    }
    return version;
  }
}

const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** `{alias}` in a path: lowercase, starting with a letter, at most 32 characters. */
@Injectable()
export class AliasNamePipe implements PipeTransform<string, string> {
  transform(value: string, _metadata: ArgumentMetadata): string {
    if (!ALIAS_PATTERN.test(value)) {
      throw new DomainError('VALIDATION_FAILED', `"${value}" is not a valid alias; aliases match ${ALIAS_PATTERN.source}`, {
        errors: [{ field: 'alias', message: `must match ${ALIAS_PATTERN.source}` }],
      });
    }
    return value;
  }
}
