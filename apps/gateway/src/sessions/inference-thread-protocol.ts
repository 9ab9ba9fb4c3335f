import type * as ort from 'onnxruntime-node';

/** A tensor as it crosses to and from an inference thread: its buffer is transferred, not copied. */
export interface WireTensor {
  type: ort.Tensor.Type;
  dims: readonly number[];
  data: ort.Tensor.DataType;
}

/** What the gateway asks an inference thread; sessions are keyed by the version's sha256 and a counter. */
export type ThreadRequest =
  | { kind: 'load'; key: string; bytes: Buffer }
  | { kind: 'run'; key: string; feeds: Record<string, WireTensor>; outputNames?: string[] }
  | { kind: 'release'; key: string };

/** Each request carries an id its reply answers to. */
export type ThreadMessage = ThreadRequest & { id: number };

export type ThreadReply = { id: number; ok: true; outputs?: Record<string, WireTensor> } | { id: number; ok: false; error: string };
