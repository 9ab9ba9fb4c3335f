/**
 * IEEE 754 binary16 conversion. Node 20 has no Float16Array, so onnxruntime keeps float16 tensor data
 * as the raw bits in a Uint16Array and leaves the conversion to us.
 */

/** The largest finite half-precision value. */
export const FLOAT16_MAX = 65504;
/** Halfway between FLOAT16_MAX and the next step (65536): from here on, rounding gives infinity. */
const OVERFLOW_THRESHOLD = 65520;
const MIN_NORMAL = 2 ** -14;

/**
 * The binary16 bits nearest to `value` (round half to even, as hardware does), or -1 when the
 * result would not be finite: NaN, ±Infinity, or a magnitude of OVERFLOW_THRESHOLD or more.
 * Values too small for a subnormal round to ±0, as in any float conversion.
 */
export function toFloat16Bits(value: number): number {
  const magnitude = Math.abs(value);
  if (!(magnitude < OVERFLOW_THRESHOLD)) return -1;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  // Subnormals count in steps of 2^-24; a result of 1024 is exactly the bits of the smallest normal.
  if (magnitude < MIN_NORMAL) return sign | roundHalfToEven(magnitude * 2 ** 24);
  let exponent = Math.floor(Math.log2(magnitude));
  // Math.log2 may be off by one right next to a power of two.
  if (2 ** exponent > magnitude) exponent--;
  else if (2 ** (exponent + 1) <= magnitude) exponent++;
  // Dividing by a power of two, subtracting 1 from [1, 2) and scaling by 1024 are all exact in a double.
  const mantissa = roundHalfToEven((magnitude / 2 ** exponent - 1) * 1024);
  // Adding (not or-ing) lets a mantissa that rounded up to 1024 carry into the exponent.
  return sign | (((exponent + 15) << 10) + mantissa);
}

export function fromFloat16Bits(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

function roundHalfToEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
