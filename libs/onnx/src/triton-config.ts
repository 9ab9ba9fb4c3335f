import { DYNAMIC_DIMENSION, type ModelSignature, type TensorSpec } from './signature';

/**
 * Triton's model configuration (`GET /v2/models/{name}/config`, its own extension of the protocol) as
 * Triton writes it for an ONNX model: enough for the clients that read it — Triton's example clients
 * and perf_analyzer take `max_batch_size` and each tensor's `data_type` and `dims` from it.
 */
export interface TritonModelConfig {
  name: string;
  platform: 'onnxruntime_onnx';
  backend: 'onnxruntime';
  /** 0: the model takes no batch axis of its own; above 0, every `dims` leaves the batch axis out. */
  max_batch_size: number;
  input: Array<{ name: string; data_type: string; format: 'FORMAT_NONE'; dims: number[] }>;
  output: Array<{ name: string; data_type: string; dims: number[] }>;
  dynamic_batching?: { max_queue_delay_microseconds: number };
}

export interface TritonConfigLimits {
  /** The model's batching, when the gateway gathers its requests into batches. */
  batching: { max_batch_size: number; max_delay_ms: number } | null;
  /** Most elements one request may carry over all its inputs (GATEWAY_MAX_ELEMENTS). */
  maxElements: number;
}

/** Triton's name for a datatype: TYPE_ and the protocol's name, except that BYTES is TYPE_STRING. */
export function tritonDataType(datatype: string): string {
  return datatype === 'BYTES' ? 'TYPE_STRING' : `TYPE_${datatype}`;
}

/**
 * As Triton does, a model whose every input and output has a free first dimension is a batching
 * model: `max_batch_size` is then the rows it takes in one request (its batching's max_batch_size,
 * else as many rows as GATEWAY_MAX_ELEMENTS allows, a free inner dimension counted as 1: an upper
 * bound, as the body limit may hold fewer), and `dims`
 * leave that axis out. Any other model has `max_batch_size` 0 and its shapes whole.
 */
export function tritonModelConfig(name: string, signature: ModelSignature, limits: TritonConfigLimits): TritonModelConfig {
  const tensors = [...signature.inputs, ...signature.outputs];
  const batched = signature.inputs.length > 0 && tensors.every((spec) => spec.shape.length > 0 && spec.shape[0] === DYNAMIC_DIMENSION);
  const dims = (spec: TensorSpec) => (batched ? spec.shape.slice(1) : [...spec.shape]);
  return {
    name,
    platform: 'onnxruntime_onnx',
    backend: 'onnxruntime',
    max_batch_size: batched ? maxRows(signature, limits) : 0,
    input: signature.inputs.map((spec) => ({ name: spec.name, data_type: tritonDataType(spec.datatype), format: 'FORMAT_NONE', dims: dims(spec) })),
    output: signature.outputs.map((spec) => ({ name: spec.name, data_type: tritonDataType(spec.datatype), dims: dims(spec) })),
    ...(batched && limits.batching && { dynamic_batching: { max_queue_delay_microseconds: limits.batching.max_delay_ms * 1_000 } }),
  };
}

function maxRows(signature: ModelSignature, { batching, maxElements }: TritonConfigLimits): number {
  if (batching) return batching.max_batch_size;
  const elementsPerRow = signature.inputs.reduce((sum, spec) => sum + spec.shape.slice(1).reduce((product, size) => product * Math.max(size, 1), 1), 0);
  return Math.max(1, Math.floor(maxElements / elementsPerRow));
}
