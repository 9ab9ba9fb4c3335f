import type * as ort from 'onnxruntime-node';

/** What the sandbox child sends its parent: the model loaded (with what it reads and returns), a run done, or a failure. */
export type ChildMessage =
  | { kind: 'loaded'; loadMs: number; inputs: readonly ort.InferenceSession.ValueMetadata[]; outputs: readonly ort.InferenceSession.ValueMetadata[] }
  | { kind: 'ran'; inferenceMs: number }
  | { kind: 'failed'; step: 'load' | 'inference'; message: string };

/** One set of feeds for the child to run the model on, tensors as plain {type, dims, data}. */
export interface RunRequest {
  feeds: Record<string, { type: ort.Tensor.Type; dims: readonly number[]; data: ort.Tensor.DataType }>;
}
