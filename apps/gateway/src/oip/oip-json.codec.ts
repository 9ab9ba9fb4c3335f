import { DomainError } from '@switchyard/errors';
import { decodeInferRequest, decodeWithExactIntegers, encodeInferResponse, type InferRequest, type InferResponse, TensorDecodeError } from '@switchyard/tensor';
import type { InferenceCodec } from '../inference/inference-codec';

/** The Open Inference Protocol's JSON body (KServe V2 / Triton REST). */
export const OIP_JSON: InferenceCodec<unknown, InferRequest, InferResponse> = {
  decode(request, version, limits) {
    try {
      return decodeWithExactIntegers(decodeInferRequest, request.body, request.json, version.signature, limits);
    } catch (error) {
      if (error instanceof TensorDecodeError) throw new DomainError('VALIDATION_FAILED', error.message, { errors: error.problems });
      throw error;
    }
  },
  encode(outcome, decoded, request) {
    return encodeInferResponse({
      modelName: request.model,
      modelVersion: String(outcome.version.version),
      id: decoded.id,
      results: outcome.results,
      requestedOutputs: decoded.requestedOutputs,
    });
  },
  logged: (request, answer) => ({ request: request.body, response: answer }),
};
