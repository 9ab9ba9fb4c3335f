import { type ElementCodec, isRoundedInteger, type TensorData } from './element-codec';
import { describeJsonValue } from './json-value';
import { rowMajorStrides } from './shape';
import type { ProblemList } from './tensor-decode-error';

/**
 * The shape nested arrays claim, read down the first element at each depth: [[1, 2, 3], [4, 5, 6]]
 * → [2, 3], a bare value → []. Whether every other row agrees is for `writeNested` to check.
 *
 * `at(0)`, not `[0]`: one indexed load that sees both an array of rows and a row of numbers (which
 * JSON.parse stores unboxed, as doubles) is optimized by V8 into a conversion of the row to boxed
 * numbers before the load, on every request: 64 heap numbers allocated and a slower row for the
 * codec to read (measured: `--trace-elements-transitions` showed one per prediction). `at` reads
 * either kind as it is.
 */
export function inferNestedShape(value: unknown): number[] {
  const dims: number[] = [];
  let node = value;
  while (Array.isArray(node)) {
    dims.push(node.length);
    if (node.length === 0) break;
    node = node.at(0);
  }
  return dims;
}

interface Walk {
  readonly dims: readonly number[];
  /** Elements per step along each axis (row-major strides). */
  readonly strides: readonly number[];
  readonly codec: ElementCodec;
  readonly target: TensorData;
  readonly field: string;
  readonly problems: ProblemList;
  /** The index taken at each depth on the way down, turned into a field path only on the error path. */
  readonly indices: number[];
}

/**
 * Writes `value`, nested arrays of shape `dims` (a bare value when `dims` is []), into `target` in
 * row-major order, in a single walk: one call per row of the innermost axis, whose elements the
 * codec writes in a tight loop. Ragged rows and refused elements are added to `problems` with their
 * path (`inputs.x[3]`, `inputs.x[3][1]`); the walk stops once `problems` is full.
 */
export function writeNested(
  value: unknown,
  dims: readonly number[],
  codec: ElementCodec,
  target: TensorData,
  field: string,
  problems: ProblemList,
): void {
  const strides = rowMajorStrides(dims);
  const walk: Walk = { dims, strides, codec, target, field, problems, indices: new Array<number>(dims.length).fill(0) };
  if (dims.length === 0) writeRow(walk, [value], 0, 0);
  else walkAxis(walk, value, 0, 0);
}

function walkAxis(walk: Walk, node: unknown, depth: number, offset: number): void {
  const expected = walk.dims[depth];
  if (!Array.isArray(node)) {
    walk.problems.add(pathTo(walk, depth), `expected an array of ${elements(expected)}, got ${describeJsonValue(node)}`);
    return;
  }
  if (node.length !== expected) {
    walk.problems.add(pathTo(walk, depth), `expected ${elements(expected)}, got ${node.length}`);
    return;
  }
  if (depth === walk.dims.length - 1) {
    writeRow(walk, node, offset, depth);
    return;
  }
  const stride = walk.strides[depth];
  for (let i = 0; i < expected && !walk.problems.full; i++) {
    walk.indices[depth] = i;
    walkAxis(walk, node[i], depth + 1, offset + i * stride);
  }
}

function writeRow(walk: Walk, row: readonly unknown[], offset: number, depth: number): void {
  let refused = walk.codec.writeRow(walk.target, offset, row, 0);
  while (refused >= 0 && !walk.problems.full) {
    walk.indices[depth] = refused;
    // A scalar (rank 0) has no index to show: its path is the field itself.
    const field = walk.dims.length === 0 ? walk.field : pathTo(walk, depth + 1);
    const value = row[refused];
    if (typeof value === 'number' && isRoundedInteger(walk.codec, value)) walk.problems.roundedIntegers = true;
    walk.problems.add(field, walk.codec.refusal(value));
    refused = walk.codec.writeRow(walk.target, offset, row, refused + 1);
  }
}

const elements = (count: number) => (count === 1 ? '1 element' : `${count} elements`);

function pathTo(walk: Walk, depth: number): string {
  let path = walk.field;
  for (let axis = 0; axis < depth; axis++) path += `[${walk.indices[axis]}]`;
  return path;
}

/** Tensor data as nested arrays following `dims`; a bare value for a scalar ([]). */
export function readNested(codec: ElementCodec, data: TensorData, dims: readonly number[]): unknown {
  if (dims.length === 0) return codec.readRow(data, 0, 1)[0];
  return readAxis(codec, data, dims, rowMajorStrides(dims), 0, 0);
}

function readAxis(
  codec: ElementCodec,
  data: TensorData,
  dims: readonly number[],
  strides: readonly number[],
  depth: number,
  offset: number,
): unknown[] {
  if (depth === dims.length - 1) return codec.readRow(data, offset, dims[depth]);
  const rows: unknown[] = [];
  for (let i = 0; i < dims[depth]; i++) rows.push(readAxis(codec, data, dims, strides, depth + 1, offset + i * strides[depth]));
  return rows;
}
