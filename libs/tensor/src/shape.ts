import { DYNAMIC_DIMENSION, type TensorSpec } from '@switchyard/onnx';

/** Number of elements of a tensor of this shape; 1 for a scalar ([]). */
export function elementCountOf(shape: readonly number[]): number {
  let count = 1;
  for (let i = 0; i < shape.length; i++) count *= shape[i];
  return count;
}

/** Elements per step along each axis of a row-major tensor: [2, 3, 4] → [12, 4, 1]. */
export function rowMajorStrides(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length);
  let stride = 1;
  for (let axis = dims.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= dims[axis];
  }
  return strides;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Why a tensor of shape `dims` cannot be fed to `spec`, or undefined if it can. Open (-1) dimensions
 * take any size of at least 1: onnxruntime runs many models on an empty batch, but a request with
 * no rows predicts nothing, would still count as a prediction in a variant's statistics, and as a
 * nested JSON array (`[]`) cannot even say what its inner dimensions are.
 */
export function shapeMismatch(spec: TensorSpec, dims: readonly number[]): string | undefined {
  const expected = spec.shape;
  if (dims.length !== expected.length) {
    if (expected.length === 0) return `expected a scalar (shape []), got shape ${formatShape(dims)}`;
    return `expected shape ${formatShape(expected)} (rank ${expected.length}), got ${formatShape(dims)} (rank ${dims.length})`;
  }
  for (let axis = 0; axis < expected.length; axis++) {
    if (expected[axis] === DYNAMIC_DIMENSION) {
      if (dims[axis] < 1) {
        return `dimension ${axis} must be at least 1 (shape ${formatShape(expected)}), got ${dims[axis]}`;
      }
    } else if (dims[axis] !== expected[axis]) {
      return `dimension ${axis} must be ${expected[axis]} (shape ${formatShape(expected)}), got ${dims[axis]}`;
    }
  }
  return undefined;
}
