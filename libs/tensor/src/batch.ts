import * as ort from 'onnxruntime-node';

type TensorData = ort.Tensor['data'];

function rowSize(dims: readonly number[]): number {
  let size = 1;
  for (let i = 1; i < dims.length; i++) size *= dims[i];
  return size;
}

/**
 * Joins tensors of the same type and trailing shape along the first (batch) dimension, as a dynamic
 * batcher does with the requests it gathered. Typed data is copied once into one preallocated array.
 */
export function concatAlongBatch(tensors: ort.Tensor[]): ort.Tensor {
  const [first] = tensors;
  if (tensors.length === 1) return first;
  const rows = tensors.reduce((sum, t) => sum + t.dims[0], 0);
  const dims = [rows, ...first.dims.slice(1)];
  if (Array.isArray(first.data)) {
    return new ort.Tensor(first.type, tensors.flatMap((t) => t.data as string[]), dims);
  }
  const Typed = (first.data as Exclude<TensorData, string[]>).constructor as new (length: number) => Exclude<TensorData, string[]>;
  const joined = new Typed(rows * rowSize(first.dims));
  let offset = 0;
  for (const tensor of tensors) {
    (joined as Float32Array).set(tensor.data as Float32Array, offset);
    offset += (tensor.data as Float32Array).length;
  }
  return new ort.Tensor(first.type, joined as Float32Array, dims);
}

/** Cuts a batched output back into one tensor per request (views of the typed data, no copy). */
export function splitAlongBatch(tensor: ort.Tensor, rowCounts: number[]): ort.Tensor[] {
  const perRow = rowSize(tensor.dims);
  const tail = tensor.dims.slice(1);
  let offset = 0;
  return rowCounts.map((rows) => {
    const length = rows * perRow;
    const data = Array.isArray(tensor.data)
      ? (tensor.data as string[]).slice(offset, offset + length)
      : (tensor.data as Float32Array).subarray(offset, offset + length);
    offset += length;
    return new ort.Tensor(tensor.type, data as Float32Array, [rows, ...tail]);
  });
}
