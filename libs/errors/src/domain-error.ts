/**
 * Every failure a caller can act on has a code. Services and libs throw DomainError; each HTTP app
 * maps codes to status and title in one place (problem-details.filter.ts).
 */
export const DOMAIN_ERROR_CODES = [
  'VALIDATION_FAILED',
  'MALFORMED_REQUEST',
  'INVALID_CURSOR',
  'MODEL_NOT_FOUND',
  'MODEL_ALREADY_EXISTS',
  'VERSION_NOT_FOUND',
  'ALIAS_NOT_FOUND',
  'ARTIFACT_MISSING',
  'ARTIFACT_EMPTY',
  'UPLOAD_INCOMPLETE',
  'ARTIFACT_TOO_LARGE',
  'ARTIFACT_NOT_FOUND',
  'UNSUPPORTED_MEDIA_TYPE',
  'PAYLOAD_TOO_LARGE',
  'ROUTE_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'REQUEST_TIMEOUT',
  'HEADERS_TOO_LARGE',
  'VERSION_NOT_READY',
  'VERSION_HOLDS_TRAFFIC',
  'VERSION_HAS_ALIASES',
  'CHAMPION_REQUIRED',
  'SIGNATURE_INCOMPATIBLE',
  'NO_CHALLENGER',
  'NO_SHADOW',
  'NO_PREVIOUS_CHAMPION',
  'NO_CHAMPION',
  'PRECONDITION_REQUIRED',
  'STALE_REVISION',
  'DEPENDENCY_UNAVAILABLE',
  'MODEL_NOT_LOADED',
  'INFERENCE_FAILED',
  'INVALID_VARIANT',
  'PREDICTION_NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'RATE_LIMITED',
  'KEY_NOT_FOUND',
  'LAST_ADMIN_KEY',
  'NO_SHADOW',
  'ROLLOUT_PLAN_NOT_FOUND',
  'ROLLOUT_PLAN_STATE',
  'METRIC_ALREADY_SET',
  'VERSION_NOT_APPROVED',
  'APPROVAL_ALREADY_DECIDED',
  'SELF_APPROVAL',
  'WEBHOOK_NOT_FOUND',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

export interface FieldError {
  field: string;
  message: string;
}

export interface DomainErrorOptions {
  errors?: FieldError[];
  /** Extra members for the problem body, e.g. the differences between two signatures. */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly errors?: FieldError[];
  readonly extensions?: Record<string, unknown>;

  constructor(
    readonly code: DomainErrorCode,
    readonly detail: string,
    options: DomainErrorOptions = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'DomainError';
    this.errors = options.errors;
    this.extensions = options.extensions;
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
