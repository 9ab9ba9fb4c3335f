import { DomainError } from '@switchyard/errors';

/**
 * Parses an If-Match header holding a deployment revision: `"7"`, `W/"7"`, `7`, or `*` (any revision).
 * Returns undefined when the header is absent, 'any' for `*`.
 */
export function parseRevisionPrecondition(header: string | undefined): number | 'any' | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (value === '*') return 'any';
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(value);
  if (!match) {
    throw new DomainError('VALIDATION_FAILED', `If-Match must be the deployment's revision as its ETag gives it, e.g. "3"; got ${JSON.stringify(value)}`, {
      errors: [{ field: 'If-Match', message: 'not a revision' }],
    });
  }
  return Number(match[1]);
}
