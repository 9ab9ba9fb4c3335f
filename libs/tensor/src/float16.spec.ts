import { FLOAT16_MAX, fromFloat16Bits, toFloat16Bits } from './float16';

describe('toFloat16Bits', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [0.1, 0x2e66],
    [FLOAT16_MAX, 0x7bff],
    [-FLOAT16_MAX, 0xfbff],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [1023 * 2 ** -24, 0x03ff], // largest subnormal
  ])('encodes %d as 0x%s', (value, bits) => {
    expect(toFloat16Bits(value)).toBe(bits);
  });

  it('rounds to nearest, ties to even, in normal and subnormal ranges and across the subnormal edge', () => {
    const step = 2 ** -10; // one ulp at 1
    expect(toFloat16Bits(1 + step / 2)).toBe(0x3c00); // tie, 0x3c00 is even
    expect(toFloat16Bits(1 + (3 * step) / 2)).toBe(0x3c02); // tie, 0x3c01 is odd
    expect(toFloat16Bits(1 + step / 2 + 2 ** -30)).toBe(0x3c01); // just past the tie
    expect(toFloat16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and the smallest subnormal
    expect(toFloat16Bits(3 * 2 ** -25)).toBe(0x0002);
    expect(toFloat16Bits(2 ** -14 - 2 ** -26)).toBe(0x0400); // rounds up into the smallest normal
    expect(toFloat16Bits(2 - 2 ** -12)).toBe(0x4000); // mantissa carries into the exponent
    expect(toFloat16Bits(1e-10)).toBe(0x0000);
  });

  it('refuses what would not be finite in half precision', () => {
    expect(toFloat16Bits(65519.99)).toBe(0x7bff);
    expect(toFloat16Bits(65520)).toBe(-1);
    expect(toFloat16Bits(-70000)).toBe(-1);
    expect(toFloat16Bits(Infinity)).toBe(-1);
    expect(toFloat16Bits(NaN)).toBe(-1);
  });

  it('inverts fromFloat16Bits for every finite half-precision value', () => {
    const mismatches: number[] = [];
    for (let bits = 0; bits <= 0xffff; bits++) {
      if (((bits >> 10) & 0x1f) === 0x1f) continue; // infinities and NaNs
      if (toFloat16Bits(fromFloat16Bits(bits)) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('fromFloat16Bits', () => {
  it('decodes normals, subnormals, zeros, infinities and NaN', () => {
    expect(fromFloat16Bits(0x3c00)).toBe(1);
    expect(fromFloat16Bits(0x2e66)).toBe(0.0999755859375);
    expect(fromFloat16Bits(0x7bff)).toBe(65504);
    expect(fromFloat16Bits(0x0001)).toBe(2 ** -24);
    expect(Object.is(fromFloat16Bits(0x8000), -0)).toBe(true);
    expect(fromFloat16Bits(0x7c00)).toBe(Infinity);
    expect(fromFloat16Bits(0xfc00)).toBe(-Infinity);
    expect(fromFloat16Bits(0x7e00)).toBeNaN();
  });
});
