import { DomainError } from '@switchyard/errors';
import {
  decodeGrpcInferRequest,
  encodeGrpcInferResponse,
  type GrpcDecodedRequest,
  type GrpcInferRequest,
  type GrpcInferResponse,
  TensorDecodeError,
} from '@switchyard/tensor';
import type { InferenceCodec } from '../inference/inference-codec';

/**
 * A message as JSON, the way the protobuf JSON mapping writes bytes (base64), for the prediction log's
 * sampled payloads; numbers, strings and booleans are already JSON.
 */
function asJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(asJson);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, asJson(inner)]));
  return value;
}

/** The Open Inference Protocol's gRPC ModelInfer messages (typed or raw contents). */
export const OIP_GRPC: InferenceCodec<GrpcInferRequest, GrpcDecodedRequest, GrpcInferResponse> = {
  decode(request, version, limits) {
    try {
      return decodeGrpcInferRequest(request.body, version.signature, limits);
    } catch (error) {
      // The status message lists the problems (toGrpcError), so the detail only says what they are about.
      if (error instanceof TensorDecodeError) {
        const more = error.truncated ? ', and further problems not listed' : '';
        throw new DomainError('VALIDATION_FAILED', `the request does not fit model "${request.model}"${more}`, { errors: error.problems });
      }
      throw error;
    }
  },
  encode(outcome, decoded, request) {
    return encodeGrpcInferResponse({
      modelName: request.model,
      modelVersion: String(outcome.version.version),
      id: decoded.id,
      results: outcome.results,
      requestedOutputs: decoded.requestedOutputs,
      raw: decoded.raw,
    });
  },
  logged: (request, answer) => ({ request: asJson(request.body), response: asJson(answer) }),
};
