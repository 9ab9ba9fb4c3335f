import type * as ort from 'onnxruntime-node';
import { DomainError } from '@switchyard/errors';
import type { ModelSignature } from '@switchyard/onnx';
import { columnarOutputs, type DecodeLimits, decodePredictRequest, describeJsonValue, decodeWithExactIntegers, encodeOutputsAsNested, isJsonObject, predictionRows, TensorDecodeError } from '@switchyard/tensor';
import type { DecodedRequest, InferenceCodec } from '../inference/inference-codec';

/** The one signature TensorFlow Serving clients name by default; an ONNX model has no other. */
export const SERVING_DEFAULT = 'serving_default';

/** The answer: `predictions` to the row format (`instances`), `outputs` to the columnar one (`inputs`). */
export type V1ProtocolAnswer = { predictions: unknown[] } | { outputs: unknown };

interface V1ProtocolDecoded extends DecodedRequest {
  /** The number of rows of a row-format request (instances, or MLflow's dataframes); undefined for the columnar format. */
  instances: number | undefined;
}

/**
 * How many rows a decoded body in a row format sent (undefined for the columnar `inputs`): every row
 * format (instances, MLflow's dataframes) stacks its rows along a new first axis of each input, so the
 * first input's first dimension counts them.
 */
function rowsSent(body: unknown, feeds: Record<string, ort.Tensor>, signature: ModelSignature): number | undefined {
  if (!isJsonObject(body) || Object.hasOwn(body, 'inputs') || signature.inputs.length === 0) return undefined;
  return feeds[signature.inputs[0].name].dims[0];
}

/**
 * The body without `signature_name`, which TensorFlow Serving's clients send and which names nothing
 * in an ONNX model but its one signature. Only a body that carries it is copied.
 */
function withoutSignatureName(body: unknown): unknown {
  if (!isJsonObject(body) || !Object.hasOwn(body, 'signature_name')) return body;
  const { signature_name: name, ...rest } = body;
  if (name !== SERVING_DEFAULT) {
    const message = `an ONNX model has one signature, "${SERVING_DEFAULT}"; got ${describeJsonValue(name)}`;
    throw new DomainError('VALIDATION_FAILED', `signature_name: ${message}`, { errors: [{ field: 'signature_name', message }] });
  }
  return rest;
}

/** The /v1 predict body, once TensorFlow Serving's signature_name is checked and set aside. */
function decodeV1Body(body: unknown, signature: ModelSignature, limits: DecodeLimits): Record<string, ort.Tensor> {
  return decodePredictRequest(withoutSignatureName(body), signature, limits);
}

/**
 * KServe's v1 protocol and TensorFlow Serving's REST predict API (`POST /v1/models/{name}:predict`):
 * the same request body as /v1 predict (`instances` rows, MLflow's dataframes, or `inputs` by name or,
 * for one input, bare), answered as those servers answer (MLflow's dataframes as rows, with predictions), with nothing else in the body (the routing facts go in headers).
 */
export const V1_PROTOCOL: InferenceCodec<unknown, V1ProtocolDecoded, V1ProtocolAnswer> = {
  decode(request, version, limits) {
    const { body } = request;
    try {
      const feeds = decodeWithExactIntegers(decodeV1Body, body, request.json, version.signature, limits);
      return { feeds, instances: rowsSent(body, feeds, version.signature) };
    } catch (error) {
      if (error instanceof TensorDecodeError) {
        throw new DomainError('VALIDATION_FAILED', `the inputs do not fit model "${request.model}": ${error.message}`, { errors: error.problems });
      }
      throw error;
    }
  },
  encode(outcome, decoded) {
    const outputs = encodeOutputsAsNested(outcome.results);
    if (decoded.instances === undefined) return { outputs: columnarOutputs(outputs) };
    const predictions = predictionRows(outputs, decoded.instances);
    if ('rows' in predictions) return { predictions: predictions.rows };
    const names = predictions.unbatched.join(', ');
    throw new DomainError(
      'VALIDATION_FAILED',
      `the outputs ${names} of model "${outcome.version.model}" have no row per instance, so they cannot be answered as predictions; send the request as {"inputs": …} to get every output whole`,
      { errors: predictions.unbatched.map((name) => ({ field: `outputs.${name}`, message: `no row per instance (${decoded.instances} sent)` })) },
    );
  },
  logged: (request, answer) => ({ request: request.body, response: answer }),
};
