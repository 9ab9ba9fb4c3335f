import { meanWithInterval, sampleVariance, type MeanSummary } from './mean';

function summaryOf(values: number[]): MeanSummary {
  return { count: values.length, sum: values.reduce((a, b) => a + b, 0), sumOfSquares: values.reduce((a, b) => a + b * b, 0) };
}

/** The summary SQL would return for n values with this mean and sample standard deviation. */
function summaryFromMoments(count: number, mean: number, std: number): MeanSummary {
  return { count, sum: count * mean, sumOfSquares: (count - 1) * std * std + count * mean * mean };
}

// Group 2 of Student's sleep data (Cushny & Peebles; R's `sleep` data set).
const SLEEP_GROUP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe('meanWithInterval', () => {
  it('gives the Student-t interval', () => {
    // mean ± t(0.975, 9)·s/√n in mpmath (40 digits; t from mpmath.betainc, as in distributions.spec.ts).
    // scipy.stats.t.interval agrees to 1e-10, the accuracy of its t.ppf.
    const estimate = meanWithInterval(summaryOf(SLEEP_GROUP_2));
    expect(estimate.count).toBe(10);
    expect(estimate.mean).toBeCloseTo(2.33, 12);
    expect(estimate.std).toBeCloseTo(2.002248735796829, 12);
    expect(estimate.interval?.low).toBeCloseTo(0.89767753937670546, 12);
    expect(estimate.interval?.high).toBeCloseTo(3.7623224606232945, 12);
  });

  it('honours the confidence level', () => {
    // mean ± t(0.995, 9)·s/√n in mpmath
    const { interval } = meanWithInterval(summaryOf(SLEEP_GROUP_2), 0.99);
    expect(interval?.low).toBeCloseTo(0.27231253420233667, 12);
    expect(interval?.high).toBeCloseTo(4.3876874657976633, 12);
  });

  it('uses t with one degree of freedom for two observations', () => {
    // 4 ± t(0.975, 1)·√2/√2, t(0.975, 1) = 12.706204736174693
    expect(meanWithInterval(summaryOf([3, 5]))).toEqual({
      count: 2,
      mean: 4,
      std: Math.SQRT2,
      interval: { low: expect.closeTo(-8.7062047361746933, 12), high: expect.closeTo(16.706204736174693, 12) },
    });
  });

  it('has nothing to say without traffic', () => {
    expect(meanWithInterval({ count: 0, sum: 0, sumOfSquares: 0 })).toEqual({ count: 0, mean: null, std: null, interval: null });
  });

  it('gives a mean but no spread for one observation', () => {
    expect(meanWithInterval({ count: 1, sum: 42, sumOfSquares: 1764 })).toEqual({ count: 1, mean: 42, std: null, interval: null });
  });

  it('gives a zero-width interval when all outcomes are equal, despite rounding in the sums', () => {
    const estimate = meanWithInterval(summaryOf(new Array<number>(1000).fill(0.1)));
    expect(estimate.std).toBe(0);
    expect(estimate.interval).toEqual({ low: estimate.mean, high: estimate.mean });
    expect(estimate.mean).toBeCloseTo(0.1, 14);
  });

  it('stays finite and accurate with a billion observations', () => {
    // 120000 ± t(0.975, n − 1)·30000/√n in mpmath, n = 5e8
    const estimate = meanWithInterval(summaryFromMoments(500_000_000, 120_000, 30_000));
    expect(estimate.std).toBeCloseTo(30_000, 6);
    expect(estimate.interval?.low).toBeCloseTo(119997.3704323719, 6);
    expect(estimate.interval?.high).toBeCloseTo(120002.6295676281, 6);
  });

  it('refuses impossible summaries and confidence levels', () => {
    expect(() => meanWithInterval({ count: -1, sum: 0, sumOfSquares: 0 })).toThrow(RangeError);
    expect(() => meanWithInterval({ count: 1.5, sum: 0, sumOfSquares: 0 })).toThrow(RangeError);
    expect(() => meanWithInterval({ count: 2, sum: NaN, sumOfSquares: 0 })).toThrow(RangeError);
    expect(() => meanWithInterval({ count: 2, sum: 1, sumOfSquares: -1 })).toThrow(RangeError);
    expect(() => meanWithInterval(summaryOf([1, 2]), 1)).toThrow(RangeError);
  });
});

describe('sampleVariance', () => {
  it('clamps a slightly negative centred sum of squares to 0', () => {
    // 3 · 0.1² summed in floating point is a hair below (0.3)²/3's rounding of Σx.
    expect(sampleVariance({ count: 3, sum: 0.30000000000000004, sumOfSquares: 0.03 })).toBe(0);
  });

  it('keeps a small spread around a large mean', () => {
    // values 1e6 + {−1, 0, 1}: variance 1
    expect(sampleVariance(summaryOf([1e6 - 1, 1e6, 1e6 + 1]))).toBeCloseTo(1, 6);
  });

  it('needs two observations', () => {
    expect(() => sampleVariance({ count: 1, sum: 1, sumOfSquares: 1 })).toThrow(RangeError);
  });
});
