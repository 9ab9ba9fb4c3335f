import {
  classifyPsi,
  DRIFT_BIN_NAN,
  DRIFT_BIN_NEGATIVE_INFINITY,
  DRIFT_BIN_POSITIVE_INFINITY,
  driftBin,
  populationStabilityIndex,
} from './drift';

describe('driftBin', () => {
  // Python: 0 if abs(v) < 1e-6 else copysign(1, v) * (1 + floor(log(abs(v) / 1e-6) / log(1.1)));
  // the two largest in mpmath (the quotient overflows a double there).
  it.each([
    [0, 0],
    [-0, 0],
    [5e-7, 0],
    [-9.99e-7, 0],
    [5e-324, 0],
    [1e-6, 1],
    [-1e-6, -1],
    [1.1e-6, 2],
    [0.5, 138],
    [1, 145],
    [-1, -145],
    [-123.456, -196],
    [1e300, 7393],
    [Number.MAX_VALUE, 7593],
    [-Number.MAX_VALUE, -7593],
  ])('%p → %p', (value, bin) => {
    expect(driftBin(value)).toBe(bin);
  });

  it('puts values that are not finite in bins of their own, past every finite one', () => {
    expect(driftBin(Infinity)).toBe(DRIFT_BIN_POSITIVE_INFINITY);
    expect(driftBin(-Infinity)).toBe(DRIFT_BIN_NEGATIVE_INFINITY);
    expect(driftBin(NaN)).toBe(DRIFT_BIN_NAN);
    expect(DRIFT_BIN_POSITIVE_INFINITY).toBeGreaterThan(driftBin(Number.MAX_VALUE));
    expect(DRIFT_BIN_NEGATIVE_INFINITY).toBeLessThan(driftBin(-Number.MAX_VALUE));
    expect(DRIFT_BIN_NAN).toBeGreaterThan(DRIFT_BIN_POSITIVE_INFINITY);
  });

  it('is monotone and 10 % wide', () => {
    let previous = -Infinity;
    for (let v = 1e-6; v < 1e6; v *= 1.013) {
      expect(driftBin(v)).toBeGreaterThanOrEqual(previous);
      previous = driftBin(v);
    }
    expect(driftBin(1.1e3 * 1.0001)).toBe(driftBin(1e3 * 1.0001) + 1);
  });
});

// Expected PSIs: numpy.sum((c - r) * numpy.log(c / r)) over the shares named in each test
// (NumPy 1.24), with the bins worked out by hand from the rule in drift.ts.
describe('populationStabilityIndex', () => {
  it('is 0 for identical distributions, whatever the sample sizes', () => {
    const result = populationStabilityIndex({ '1': 10, '2': 30, '5': 60 }, { '5': 120, '1': 20, '2': 60 });
    expect(result).toEqual({
      psi: 0,
      bins: [
        { upper_bin: 1, reference_share: 0.1, current_share: 0.1 },
        { upper_bin: 2, reference_share: 0.3, current_share: 0.3 },
        { upper_bin: 5, reference_share: 0.6, current_share: 0.6 },
      ],
      reference_count: 100,
      current_count: 200,
    });
  });

  const uniformReference = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [String(i + 1), 5]));
  const lowerHalf = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i + 1), 10]));

  it('merges the grid into deciles of the reference and smooths bins empty on the current side', () => {
    // reference: 20 grid bins × 5 → 10 bins of 2 grid bins, 0.1 each; current: all in grid bins 1–10,
    // so 0.2 in each of the first five bins and 0 (→ 1e-4) in the last five.
    // r = [0.1]*10, c = [0.2]*5 + [1e-4]*5
    const result = populationStabilityIndex(uniformReference, lowerHalf);
    expect(result?.bins.map((bin) => bin.upper_bin)).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(result?.bins.map((bin) => bin.current_share)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2, 0, 0, 0, 0, 0]);
    expect(result?.psi).toBeCloseTo(3.7969973521315503, 13);
    expect(classifyPsi(result?.psi ?? NaN)).toBe('significant');
  });

  it('honours the bins and epsilon options', () => {
    // c = [0.2]*5 + [1e-3]*5
    expect(populationStabilityIndex(uniformReference, lowerHalf, { epsilon: 1e-3 })?.psi).toBeCloseTo(2.6261328323440774, 13);
    // 4 bins of 5 grid bins: r = [0.25]*4, c = [0.5, 0.5, 0, 0]
    const quarters = populationStabilityIndex(uniformReference, lowerHalf, { bins: 4 });
    expect(quarters?.bins.map((bin) => bin.upper_bin)).toEqual([5, 10, 15, 20]);
    expect(quarters?.psi).toBeCloseTo(2 * 0.25 * Math.log(2) + 2 * (1e-4 - 0.25) * Math.log(1e-4 / 0.25), 13);
  });

  it('counts current values outside the reference range in the outer bins', () => {
    // reference bins [≤10], [>10]; current 5 → first, 15 and 25 → second: r = [0.5, 0.5], c = [0.3, 0.7]
    const result = populationStabilityIndex({ '10': 50, '20': 50 }, { '5': 30, '15': 30, '25': 40 }, { bins: 2 });
    expect(result?.bins).toEqual([
      { upper_bin: 10, reference_share: 0.5, current_share: 0.3 },
      { upper_bin: 20, reference_share: 0.5, current_share: 0.7 },
    ]);
    expect(result?.psi).toBeCloseTo(0.16945957207744072, 14);
    expect(classifyPsi(result?.psi ?? NaN)).toBe('moderate');
  });

  it('gives a grid bin heavier than a decile a bin of its own, and so fewer bins', () => {
    // half the reference is exactly 0 (drift bin 0): r = [0.5, 0.1 × 5], c = [0.25, 0.15 × 5]
    const result = populationStabilityIndex(
      { '0': 50, '1': 10, '2': 10, '3': 10, '4': 10, '5': 10 },
      { '0': 25, '1': 15, '2': 15, '3': 15, '4': 15, '5': 15 },
    );
    expect(result?.bins.map((bin) => bin.upper_bin)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(result?.psi).toBeCloseTo(0.27465307216702733, 14);
  });

  it('puts NaN after every value, in the top bin', () => {
    // r = [0.5, 0.5], c = [0.4, 0.6]: the NaNs join the values above the reference median
    const result = populationStabilityIndex({ '1': 5, '2': 5 }, { '1': 4, '2': 5, [String(driftBin(NaN))]: 1 }, { bins: 2 });
    expect(result?.bins.map((bin) => bin.current_share)).toEqual([0.4, 0.6]);
    expect(result?.psi).toBeCloseTo(0.04054651081081642, 14);
    expect(classifyPsi(result?.psi ?? NaN)).toBe('stable');
  });

  it('is null when either side is empty', () => {
    expect(populationStabilityIndex({}, { '1': 3 })).toBeNull();
    expect(populationStabilityIndex({ '1': 3 }, { '2': 0 })).toBeNull();
  });

  it('refuses bins and epsilon out of range', () => {
    expect(() => populationStabilityIndex({ '1': 1 }, { '1': 1 }, { bins: 0 })).toThrow(RangeError);
    expect(() => populationStabilityIndex({ '1': 1 }, { '1': 1 }, { bins: 2.5 })).toThrow(RangeError);
    expect(() => populationStabilityIndex({ '1': 1 }, { '1': 1 }, { epsilon: 0 })).toThrow(RangeError);
  });
});

describe('classifyPsi', () => {
  it.each([
    [0, 'stable'],
    [0.0999, 'stable'],
    [0.1, 'moderate'],
    [0.2499, 'moderate'],
    [0.25, 'significant'],
    [4, 'significant'],
  ])('%p is %s', (psi, level) => {
    expect(classifyPsi(psi)).toBe(level);
  });

  it('refuses what cannot be a PSI', () => {
    expect(() => classifyPsi(-0.1)).toThrow(RangeError);
    expect(() => classifyPsi(NaN)).toThrow(RangeError);
  });
});
