import type { Logger } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { DomainError, type DomainErrorCode } from './domain-error';
import { oipErrorOf, toProblem } from './problem-details.filter';

/**
 * The single table from domain code to gRPC status, beside the HTTP one (problemKindOf), following
 * the meanings google.rpc.Code gives them. The switch is exhaustive: a new code fails to compile.
 */
export function grpcStatusOf(code: DomainErrorCode): status {
  switch (code) {
    case 'VALIDATION_FAILED':
    case 'MALFORMED_REQUEST':
    case 'INVALID_CURSOR':
    case 'ARTIFACT_MISSING':
    case 'ARTIFACT_EMPTY':
    case 'UPLOAD_INCOMPLETE':
    case 'INFERENCE_FAILED':
    case 'INVALID_VARIANT':
    case 'UNSUPPORTED_MEDIA_TYPE':
      return status.INVALID_ARGUMENT;
    case 'MODEL_NOT_FOUND':
    case 'VERSION_NOT_FOUND':
    case 'ALIAS_NOT_FOUND':
    case 'ARTIFACT_NOT_FOUND':
    case 'ROUTE_NOT_FOUND':
    case 'PREDICTION_NOT_FOUND':
    case 'KEY_NOT_FOUND':
    case 'ROLLOUT_PLAN_NOT_FOUND':
    case 'WEBHOOK_NOT_FOUND':
      return status.NOT_FOUND;
    case 'MODEL_ALREADY_EXISTS':
      return status.ALREADY_EXISTS;
    case 'METHOD_NOT_ALLOWED':
      return status.UNIMPLEMENTED;
    case 'REQUEST_TIMEOUT':
      return status.DEADLINE_EXCEEDED;
    case 'ARTIFACT_TOO_LARGE':
    case 'PAYLOAD_TOO_LARGE':
    case 'HEADERS_TOO_LARGE':
    case 'RATE_LIMITED':
      return status.RESOURCE_EXHAUSTED;
    // A state the caller must change first (a version not ready, a missing alias): retrying as is will not help.
    case 'VERSION_NOT_READY':
    case 'VERSION_HOLDS_TRAFFIC':
    case 'VERSION_HAS_ALIASES':
    case 'CHAMPION_REQUIRED':
    case 'SIGNATURE_INCOMPATIBLE':
    case 'NO_CHALLENGER':
    case 'NO_SHADOW':
    case 'NO_PREVIOUS_CHAMPION':
    case 'NO_CHAMPION':
    case 'PRECONDITION_REQUIRED':
    case 'ROLLOUT_PLAN_STATE':
    case 'LAST_ADMIN_KEY':
    case 'METRIC_ALREADY_SET':
    case 'VERSION_NOT_APPROVED':
    case 'APPROVAL_ALREADY_DECIDED':
    case 'SELF_APPROVAL':
      return status.FAILED_PRECONDITION;
    // A concurrent change won: read again and retry, as gRPC's guidance has ABORTED.
    case 'STALE_REVISION':
      return status.ABORTED;
    // Retrying later helps: the model is still loading, or a dependency is down.
    case 'DEPENDENCY_UNAVAILABLE':
    case 'MODEL_NOT_LOADED':
      return status.UNAVAILABLE;
    case 'UNAUTHENTICATED':
      return status.UNAUTHENTICATED;
    case 'FORBIDDEN':
      return status.PERMISSION_DENIED;
  }
}

/** A gRPC error as grpc-js sends it from a unary handler: status code and message. */
export interface GrpcError {
  code: status;
  details: string;
}

/**
 * Turns any error into a gRPC status with the same message the OIP HTTP routes send in `{"error"}`
 * (the detail and the fields to fix). A down dependency is UNAVAILABLE; anything unknown is INTERNAL
 * with only a correlation id, the whole error going to the log (toProblem), as over HTTP.
 */
export function toGrpcError(error: unknown, method: string, logger: Logger): GrpcError {
  const problem = toProblem(error, method, logger);
  const details = oipErrorOf(problem).body.error;
  if (error instanceof DomainError) return { code: grpcStatusOf(error.code), details };
  return { code: problem.status === 503 ? status.UNAVAILABLE : status.INTERNAL, details };
}
