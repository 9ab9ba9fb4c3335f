import { Logger } from '@nestjs/common';
import { status } from '@grpc/grpc-js';
import { DOMAIN_ERROR_CODES, DomainError } from './domain-error';
import { grpcStatusOf, toGrpcError } from './grpc-status';
import { problemKindOf } from './problem-details';

describe('grpcStatusOf', () => {
  it('maps the codes a gRPC inference caller meets as the protocol expects', () => {
    expect(grpcStatusOf('VALIDATION_FAILED')).toBe(status.INVALID_ARGUMENT);
    expect(grpcStatusOf('INVALID_VARIANT')).toBe(status.INVALID_ARGUMENT);
    expect(grpcStatusOf('MODEL_NOT_FOUND')).toBe(status.NOT_FOUND);
    expect(grpcStatusOf('VERSION_NOT_FOUND')).toBe(status.NOT_FOUND);
    expect(grpcStatusOf('MODEL_NOT_LOADED')).toBe(status.UNAVAILABLE);
    expect(grpcStatusOf('DEPENDENCY_UNAVAILABLE')).toBe(status.UNAVAILABLE);
    expect(grpcStatusOf('UNAUTHENTICATED')).toBe(status.UNAUTHENTICATED);
    expect(grpcStatusOf('FORBIDDEN')).toBe(status.PERMISSION_DENIED);
    expect(grpcStatusOf('RATE_LIMITED')).toBe(status.RESOURCE_EXHAUSTED);
    expect(grpcStatusOf('VERSION_NOT_READY')).toBe(status.FAILED_PRECONDITION);
  });

  it('agrees with the HTTP table on every code: client errors stay client errors, 503 stays retryable', () => {
    const clientSide = new Set([status.INVALID_ARGUMENT, status.NOT_FOUND, status.ALREADY_EXISTS, status.FAILED_PRECONDITION, status.ABORTED, status.UNIMPLEMENTED,
      status.DEADLINE_EXCEEDED, status.RESOURCE_EXHAUSTED, status.UNAUTHENTICATED, status.PERMISSION_DENIED]);
    for (const code of DOMAIN_ERROR_CODES) {
      const http = problemKindOf(code).status;
      const grpc = grpcStatusOf(code);
      if (http === 503) expect([code, grpc]).toEqual([code, status.UNAVAILABLE]);
      else expect([code, clientSide.has(grpc)]).toEqual([code, true]);
      if (http === 404) expect([code, grpc]).toEqual([code, status.NOT_FOUND]);
    }
  });
});

describe('toGrpcError', () => {
  const logger = new Logger('test');

  it('sends the detail and the fields to fix, as the OIP HTTP routes do', () => {
    const error = new DomainError('VALIDATION_FAILED', 'the request is invalid', { errors: [{ field: 'inputs[0].shape', message: 'expected [1, 4]' }] });
    expect(toGrpcError(error, 'ModelInfer', logger)).toEqual({ code: status.INVALID_ARGUMENT, details: 'the request is invalid (inputs[0].shape: expected [1, 4])' });
  });

  it('answers an unknown error INTERNAL with only a correlation id, and a down dependency UNAVAILABLE', () => {
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const internal = toGrpcError(new Error('secret path /etc/x'), 'ModelInfer', logger);
    expect(internal.code).toBe(status.INTERNAL);
    expect(internal.details).toMatch(/^An unexpected error occurred; quote correlation id [0-9a-f-]{36} when reporting it\.$/);
    expect(toGrpcError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 'ModelInfer', logger).code).toBe(status.UNAVAILABLE);
  });
});
