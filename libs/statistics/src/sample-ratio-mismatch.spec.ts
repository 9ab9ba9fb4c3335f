import { DEFAULT_SRM_ALPHA, sampleRatioMismatch } from './sample-ratio-mismatch';

// Reference values: scipy.stats.chisquare(observed, f_exp=expected) (SciPy 1.10.1); the p-values
// agree with mpmath.gammainc(k/2, χ²/2, inf, regularized=True) to the digits given.
describe('sampleRatioMismatch', () => {
  it("reproduces Mendel's peas against 9:3:3:1 (χ² = 0.470, 3 df, p = 0.925)", () => {
    const result = sampleRatioMismatch([315, 108, 101, 32], [9, 3, 3, 1]);
    expect(result?.chi_square).toBeCloseTo(0.4700239808153477, 13);
    expect(result?.degrees_of_freedom).toBe(3);
    expect(result?.p_value).toBeCloseTo(0.92542589510361595, 13);
    expect(result?.mismatch).toBe(false);
    expect(result?.expected).toEqual([312.75, 104.25, 104.25, 34.75]);
  });

  it('flags the SRM of Fabijan et al. (KDD 2019): 821,588 vs 815,482 on a 50/50 split, p = 1.8e-6', () => {
    const result = sampleRatioMismatch([821_588, 815_482], [5000, 5000]);
    expect(result?.chi_square).toBeCloseTo(22.77436884189436, 10);
    expect(result?.p_value).toBeCloseTo(1.821792872619186e-6, 17);
    expect(result?.mismatch).toBe(true);
    expect(result?.expected).toEqual([818_535, 818_535]);
  });

  it.each([
    [[50_000, 49_000], [1, 1], 10.1010101010101, 0.0014818807747203886, false],
    [[9000, 1050], [9, 1], 2.2388059701492535, 0.13458487139107692, false],
    [[4000, 3000, 3050], [0.4, 0.3, 0.3], 0.5804311774461028, 0.74810226777935867, false],
    [[5_000_100_000, 5_000_000_000], [1, 1], 0.999990000099999, 0.31731292755806079, false],
  ])('%j against weights %j: χ² = %p, p = %p', (observed, weights, chiSquare, pValue, mismatch) => {
    const result = sampleRatioMismatch(observed, weights);
    expect(result?.chi_square).toBeCloseTo(chiSquare, 9);
    expect(result?.p_value).toBeCloseTo(pValue, 12);
    expect(result?.mismatch).toBe(mismatch);
  });

  it('uses alpha 0.001 by default and honours another', () => {
    expect(DEFAULT_SRM_ALPHA).toBe(0.001);
    // p = 0.00148: not a mismatch at 0.001, a mismatch at 0.01
    expect(sampleRatioMismatch([50_000, 49_000], [1, 1], 0.01)?.mismatch).toBe(true);
  });

  it('gives p = 1 for a perfect split', () => {
    expect(sampleRatioMismatch([10, 10], [1, 1])).toEqual({ chi_square: 0, degrees_of_freedom: 1, p_value: 1, mismatch: false, expected: [10, 10] });
  });

  it('counts requests served by a zero-weight variant as a certain mismatch', () => {
    expect(sampleRatioMismatch([900, 100, 1], [9, 1, 0])).toEqual({
      chi_square: Number.MAX_VALUE,
      degrees_of_freedom: 1,
      p_value: 0,
      mismatch: true,
      expected: [expect.closeTo(900.9, 12), expect.closeTo(100.1, 12), 0],
    });
    // a challenger at 0 % that still receives traffic
    expect(sampleRatioMismatch([1000, 3], [1, 0])).toMatchObject({ p_value: 0, mismatch: true, degrees_of_freedom: 0 });
  });

  it('ignores a zero-weight variant without requests', () => {
    const result = sampleRatioMismatch([9000, 1050, 0], [9, 1, 0]);
    expect(result?.degrees_of_freedom).toBe(1);
    expect(result?.p_value).toBeCloseTo(0.13458487139107692, 12);
    expect(result?.expected).toEqual([9045, 1005, 0]);
  });

  it('has nothing to test without requests or with one weighted variant', () => {
    expect(sampleRatioMismatch([0, 0], [1, 1])).toBeNull();
    expect(sampleRatioMismatch([500, 0], [1, 0])).toBeNull();
    expect(sampleRatioMismatch([], [])).toBeNull();
  });

  it('refuses inputs that cannot be counts or weights', () => {
    expect(() => sampleRatioMismatch([1, 2], [1])).toThrow(RangeError);
    expect(() => sampleRatioMismatch([1, -2], [1, 1])).toThrow(RangeError);
    expect(() => sampleRatioMismatch([1, 2.5], [1, 1])).toThrow(RangeError);
    expect(() => sampleRatioMismatch([1, 2], [1, NaN])).toThrow(RangeError);
    expect(() => sampleRatioMismatch([1, 2], [1, 1], 0)).toThrow(RangeError);
  });
});
