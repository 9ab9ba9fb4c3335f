import type { DomainErrorCode, FieldError } from './domain-error';

/** RFC 9457 problem details, as every /v1 error body is shaped. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/**
 * The Open Inference Protocol's `{"error"}` bodies go as plain `application/json`, as Triton sends them:
 * RFC 8259 defines no charset parameter for JSON, and KServe's client reads the error message only from a
 * response whose Content-Type is exactly this (with `; charset=utf-8` it reported an empty reason).
 */
export const OIP_ERROR_CONTENT_TYPE = 'application/json';

interface ProblemKind {
  status: number;
  title: string;
}

/** The single table from domain code to HTTP. The switch is exhaustive: a new code fails to compile. */
export function problemKindOf(code: DomainErrorCode): ProblemKind {
  switch (code) {
    case 'VALIDATION_FAILED':
      return { status: 400, title: 'Invalid request' };
    case 'MALFORMED_REQUEST':
      return { status: 400, title: 'Malformed request' };
    case 'INVALID_CURSOR':
      return { status: 400, title: 'Invalid cursor' };
    case 'ARTIFACT_MISSING':
      return { status: 400, title: 'Artifact missing' };
    case 'ARTIFACT_EMPTY':
      return { status: 400, title: 'Artifact empty' };
    case 'UPLOAD_INCOMPLETE':
      return { status: 400, title: 'Upload incomplete' };
    case 'INFERENCE_FAILED':
      return { status: 400, title: 'Inference failed' };
    case 'MODEL_NOT_FOUND':
      return { status: 404, title: 'Model not found' };
    case 'VERSION_NOT_FOUND':
      return { status: 404, title: 'Version not found' };
    case 'ALIAS_NOT_FOUND':
      return { status: 404, title: 'Alias not found' };
    case 'ARTIFACT_NOT_FOUND':
      return { status: 404, title: 'Artifact not found' };
    case 'ROUTE_NOT_FOUND':
      return { status: 404, title: 'Not found' };
    case 'METHOD_NOT_ALLOWED':
      return { status: 405, title: 'Method not allowed' };
    case 'REQUEST_TIMEOUT':
      return { status: 408, title: 'Request timeout' };
    case 'HEADERS_TOO_LARGE':
      return { status: 431, title: 'Request header fields too large' };
    case 'MODEL_ALREADY_EXISTS':
      return { status: 409, title: 'Model already exists' };
    case 'VERSION_NOT_READY':
      return { status: 409, title: 'Version not ready' };
    case 'VERSION_HOLDS_TRAFFIC':
      return { status: 409, title: 'Version holds traffic' };
    case 'VERSION_HAS_ALIASES':
      return { status: 409, title: 'Version has aliases' };
    case 'CHAMPION_REQUIRED':
      return { status: 409, title: 'Champion required' };
    case 'SIGNATURE_INCOMPATIBLE':
      return { status: 409, title: 'Signature incompatible' };
    case 'NO_CHALLENGER':
      return { status: 409, title: 'No challenger' };
    case 'NO_SHADOW':
      return { status: 409, title: 'No shadow' };
    case 'NO_PREVIOUS_CHAMPION':
      return { status: 409, title: 'No previous champion' };
    case 'NO_CHAMPION':
      return { status: 409, title: 'No champion' };
    case 'NO_SHADOW':
      return { status: 409, title: 'No shadow' };
    case 'ROLLOUT_PLAN_NOT_FOUND':
      return { status: 404, title: 'Rollout plan not found' };
    case 'ROLLOUT_PLAN_STATE':
      return { status: 409, title: 'Rollout plan in another state' };
    case 'STALE_REVISION':
      return { status: 412, title: 'Stale revision' };
    case 'ARTIFACT_TOO_LARGE':
      return { status: 413, title: 'Artifact too large' };
    case 'PAYLOAD_TOO_LARGE':
      return { status: 413, title: 'Payload too large' };
    case 'UNSUPPORTED_MEDIA_TYPE':
      return { status: 415, title: 'Unsupported media type' };
    case 'PRECONDITION_REQUIRED':
      return { status: 428, title: 'Precondition required' };
    case 'INVALID_VARIANT':
      return { status: 400, title: 'Invalid variant' };
    case 'PREDICTION_NOT_FOUND':
      return { status: 404, title: 'Prediction not found' };
    case 'UNAUTHENTICATED':
      return { status: 401, title: 'Unauthenticated' };
    case 'FORBIDDEN':
      return { status: 403, title: 'Forbidden' };
    case 'KEY_NOT_FOUND':
      return { status: 404, title: 'API key not found' };
    case 'LAST_ADMIN_KEY':
      return { status: 409, title: 'Last admin key' };
    case 'METRIC_ALREADY_SET':
      return { status: 409, title: 'Metric already set' };
    case 'VERSION_NOT_APPROVED':
      return { status: 409, title: 'Version not approved' };
    case 'APPROVAL_ALREADY_DECIDED':
      return { status: 409, title: 'Approval already decided' };
    case 'SELF_APPROVAL':
      return { status: 403, title: 'Self approval' };
    case 'WEBHOOK_NOT_FOUND':
      return { status: 404, title: 'Webhook not found' };
    case 'RATE_LIMITED':
      return { status: 429, title: 'Too many requests' };
    case 'MODEL_NOT_LOADED':
      return { status: 503, title: 'Model not loaded' };
    case 'DEPENDENCY_UNAVAILABLE':
      return { status: 503, title: 'Service unavailable' };
    default: {
      const unhandled: never = code;
      throw new Error(`unmapped domain error code ${String(unhandled)}`);
    }
  }
}

/** A stable, documented type URI per code (see docs/errors.md). */
export function problemTypeOf(code: DomainErrorCode): string {
  return `/problems/${code.toLowerCase().replace(/_/g, '-')}`;
}
