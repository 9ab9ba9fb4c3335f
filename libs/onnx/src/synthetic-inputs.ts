import * as ort from 'onnxruntime-node';
import { ortTypeFromOip } from './datatypes';
import { DYNAMIC_DIMENSION, type ModelSignature } from './signature';

/**
 * The sizes tried for each dynamic dimension, smallest first. 1 is the cheapest request a model must
 * accept; many need more along an open axis (a reflect Pad needs more rows than it pads, a Conv at
 * least its kernel, a Reshape to [-1, 4] a multiple of 4): 16 covers kernels, pads and small divisors,
 * 512 the frame and window sizes of audio and sequence models.
 */
export const SYNTHETIC_SIZES: readonly number[] = [1, 16, 512];

/**
 * A synthetic input larger than this (all inputs together) is not tried: a guess must never be what
 * exhausts the validator's memory (a [batch, 3, height, width] image at 512 everywhere is 400M values).
 */
export const SYNTHETIC_MAX_ELEMENTS = 1 << 20;

/**
 * What fills the tensors. `zeros` is 0, false and "" (0 is a valid index along any axis); `ones` is
 * 1, true and "a", for integer, boolean and string inputs that stand for counts, masks or tokens
 * where zero or empty is refused. Float inputs are only ever zeros.
 */
export type SyntheticFill = 'zeros' | 'ones';

/** One guess at a request the model accepts: each input's shape, open dimensions resolved, and its fill. */
export interface SyntheticInput {
  shapes: Record<string, number[]>;
  fill: SyntheticFill;
}

const FLOAT_DATATYPES = new Set(['FP16', 'FP32', 'FP64']);

/**
 * The guesses to try in order, cheapest first: for each size in SYNTHETIC_SIZES, first with the
 * leading (batch) axis at 1 and the other open axes at that size, then with every open axis at that
 * size; each shape with zeros, then (for a model with a non-float input) with ones. Shapes already
 * listed, and larger ones past SYNTHETIC_MAX_ELEMENTS, are left out. A model without open dimensions has one shape.
 */
export function syntheticInputs(signature: ModelSignature): SyntheticInput[] {
  const fills: SyntheticFill[] = signature.inputs.every((input) => FLOAT_DATATYPES.has(input.datatype)) ? ['zeros'] : ['zeros', 'ones'];
  const seen = new Set<string>();
  const guesses: SyntheticInput[] = [];
  for (const size of SYNTHETIC_SIZES) {
    for (const leading of [1, size]) {
      const shapes = Object.fromEntries(
        signature.inputs.map((input) => [
          input.name,
          input.shape.map((dimension, axis) => (dimension !== DYNAMIC_DIMENSION ? dimension : axis === 0 ? leading : size)),
        ]),
      );
      const key = JSON.stringify(shapes);
      if (seen.has(key)) continue;
      seen.add(key);
      const elements = Object.values(shapes).reduce((total, dims) => total + elementCount(dims), 0);
      // The first shape (open axes at 1) is the cheapest request there is: kept whatever its size.
      if (elements > SYNTHETIC_MAX_ELEMENTS && guesses.length > 0) continue;
      for (const fill of fills) guesses.push({ shapes, fill });
    }
  }
  return guesses;
}

/** "x [16, 4], mask [16] (ones)": what a guess was, for reasons and warnings. */
export function describeSyntheticInput(input: SyntheticInput): string {
  const shapes = Object.entries(input.shapes).map(([name, dims]) => `${name} [${dims.join(', ')}]`);
  return `${shapes.join(', ') || 'no inputs'} (${input.fill})`;
}

/** The tensors of a guess. */
export function syntheticFeeds(signature: ModelSignature, input: SyntheticInput): Record<string, ort.Tensor> {
  return Object.fromEntries(signature.inputs.map((spec) => [spec.name, filledTensor(spec.datatype, input.shapes[spec.name], input.fill)]));
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dimension) => product * dimension, 1);
}

function filledTensor(datatype: string, dims: number[], fill: SyntheticFill): ort.Tensor {
  const count = elementCount(dims);
  const one = fill === 'ones' && !FLOAT_DATATYPES.has(datatype);
  const type = ortTypeFromOip(datatype);
  switch (type) {
    case 'string':
      return new ort.Tensor(type, new Array<string>(count).fill(one ? 'a' : ''), dims);
    // All-zero bytes read as false for bool and as +0.0 for float16 (stored as raw Uint16 bits in
    // Node 20, which has no Float16Array; onnxruntime refuses a plain number[] for float16).
    case 'bool':
      return new ort.Tensor(type, new Uint8Array(count).fill(one ? 1 : 0), dims);
    case 'float16':
      return new ort.Tensor(type, new Uint16Array(count), dims);
    case 'int64':
      return new ort.Tensor(type, new BigInt64Array(count).fill(one ? 1n : 0n), dims);
    case 'uint64':
      return new ort.Tensor(type, new BigUint64Array(count).fill(one ? 1n : 0n), dims);
    default:
      return new ort.Tensor(type, new Array<number>(count).fill(one ? 1 : 0), dims);
  }
}
