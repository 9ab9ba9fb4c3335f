import { DomainError } from '@switchyard/errors';
import { decodePredictRequest, decodeWithExactIntegers, encodeOutputsAsNested, TensorDecodeError } from '@switchyard/tensor';
import type { DecodedRequest, InferenceCodec } from '../inference/inference-codec';

export interface PredictAnswer {
  outputs: Record<string, unknown>;
  model: string;
  version: number;
  variant: string;
  request_id: string;
}

/** `/v1/models/{name}/predict`: Switchyard's own JSON (`inputs` by name, or `instances` rows). */
export const PREDICT_JSON: InferenceCodec<unknown, DecodedRequest, PredictAnswer> = {
  decode(request, version, limits) {
    try {
      return { feeds: decodeWithExactIntegers(decodePredictRequest, request.body, request.json, version.signature, limits) };
    } catch (error) {
      if (error instanceof TensorDecodeError) {
        throw new DomainError('VALIDATION_FAILED', `the inputs do not fit model "${request.model}": ${error.message}`, { errors: error.problems });
      }
      throw error;
    }
  },
  encode(outcome, _decoded, request) {
    return {
      outputs: encodeOutputsAsNested(outcome.results),
      model: request.model,
      version: outcome.version.version,
      variant: outcome.variant,
      request_id: request.requestId,
    };
  },
  logged: (request, answer) => ({ request: request.body, response: answer }),
};
