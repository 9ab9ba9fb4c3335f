import { DomainError } from '@switchyard/errors';
import { decodeInferRequest, decodeWithExactIntegers, encodeBinaryInferResponse, frameBinaryBody, type InferRequest, type InferResponse, TensorDecodeError } from '@switchyard/tensor';
import type { InferenceCodec } from '../inference/inference-codec';
import { BinaryInferBody } from './binary-infer-bodies';

/** What the route sends: the body as it is, and the headers that say how to read it. */
export interface OipBinaryAnswer {
  response: Buffer | InferResponse;
  headers: Record<string, string>;
  /** The JSON part, for the prediction log (the bytes are not JSON-safe). */
  header: InferResponse;
}

/**
 * The Open Inference Protocol's binary tensor data extension (KServe/Triton "Binary Tensor Data
 * Extension"): a body of JSON then tensor bytes (BinaryInferBody), or a JSON body that asks for binary
 * outputs. Outputs asked for as binary come after the JSON header, with `Inference-Header-Content-Length`
 * and `application/octet-stream`; an answer with none is plain JSON, as the extension has it.
 */
export const OIP_BINARY: InferenceCodec<BinaryInferBody | unknown, InferRequest, OipBinaryAnswer> = {
  decode(request, version, limits) {
    const { body } = request;
    try {
      return body instanceof BinaryInferBody
        ? decodeWithExactIntegers(decodeInferRequest, body.json, body.jsonBytes, version.signature, limits, body.binary)
        : decodeWithExactIntegers(decodeInferRequest, body, request.json, version.signature, limits);
    } catch (error) {
      if (error instanceof TensorDecodeError) throw new DomainError('VALIDATION_FAILED', error.message, { errors: error.problems });
      throw error;
    }
  },
  encode(outcome, decoded, request): OipBinaryAnswer {
    const { header, parts } = encodeBinaryInferResponse({
      modelName: request.model,
      modelVersion: String(outcome.version.version),
      id: decoded.id,
      results: outcome.results,
      requestedOutputs: decoded.requestedOutputs,
      binaryOutputs: decoded.binaryOutputs,
    });
    if (parts.length === 0) return { response: header, headers: {}, header };
    const { body, headerLength } = frameBinaryBody(header, parts);
    return { response: body, headers: { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(headerLength) }, header };
  },
  logged: (request, answer) => ({ request: request.body instanceof BinaryInferBody ? request.body.json : request.body, response: answer.header }),
};
