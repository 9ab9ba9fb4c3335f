import { proportionComparison, welchComparison } from './comparison';
import type { MeanSummary } from './mean';

function summaryOf(values: number[]): MeanSummary {
  return { count: values.length, sum: values.reduce((a, b) => a + b, 0), sumOfSquares: values.reduce((a, b) => a + b * b, 0) };
}

function summaryFromMoments(count: number, mean: number, std: number): MeanSummary {
  return { count, sum: count * mean, sumOfSquares: (count - 1) * std * std + count * mean * mean };
}

function expectRelativelyClose(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tolerance);
}

describe('welchComparison', () => {
  // References: the Welch formulas evaluated in mpmath at 40 digits, the t quantile and tail from
  // mpmath.betainc (see distributions.spec.ts); the p-values agree with
  // scipy.stats.ttest_ind(treatment, control, equal_var=False) to 1e-14 and the intervals with
  // statsmodels CompareMeans(...).tconfint_diff(usevar='unequal') to 1e-12 (SciPy's t.ppf).
  it("reproduces R's t.test on Student's sleep data", () => {
    // R: t.test(extra ~ group, data = sleep) → t = -1.8608, df = 17.776, p-value = 0.07939,
    // 95 percent confidence interval -3.3654832 0.2054832 (group 1 − group 2).
    const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const comparison = welchComparison(summaryOf(group2), summaryOf(group1));
    expect(comparison?.method).toBe('welch_t_test');
    expect(comparison?.difference).toBeCloseTo(-1.58, 13);
    expect(comparison?.p_value).toBeCloseTo(0.079394140187358138, 13);
    expect(comparison?.interval.low).toBeCloseTo(-3.3654832307117106, 12);
    expect(comparison?.interval.high).toBeCloseTo(0.20548323071171059, 12);
  });

  // Wikipedia, "Welch's t-test", examples 1 and 2 (t = −2.46, ν ≈ 25.0, p = 0.021; t = −1.57,
  // ν ≈ 9.9, p = 0.149; there A1 − A2, here treatment A2 − control A1).
  const A1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
  const A2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
  const B1 = [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8];
  const B2 = [21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8];

  it.each([
    ['example 1', A1, A2, 0.95, 2.1666666666666667, 0.021378001462867032, 0.34923706619240561, 3.9840962671409277],
    ['example 2', B1, B2, 0.95, 1.525, 0.14884169660532799, -0.64842132537516487, 3.6984213253751649],
    ['example 2 at 99 %', B1, B2, 0.99, 1.525, 0.14884169660532799, -1.5690783299026444, 4.6190783299026444],
  ])('Wikipedia %s', (_, control, treatment, confidence, difference, pValue, low, high) => {
    const comparison = welchComparison(summaryOf(control), summaryOf(treatment), confidence);
    expect(comparison?.difference).toBeCloseTo(difference, 12);
    expect(comparison?.p_value).toBeCloseTo(pValue, 13);
    expect(comparison?.interval.low).toBeCloseTo(low, 11);
    expect(comparison?.interval.high).toBeCloseTo(high, 11);
  });

  it('handles one constant side (the other carries all the variance)', () => {
    // control always 5; Welch–Satterthwaite df = n_t − 1 = 4
    const comparison = welchComparison(summaryOf([5, 5, 5, 5]), summaryOf([4, 6, 5, 7, 3.5]));
    expect(comparison?.difference).toBeCloseTo(0.1, 14);
    expect(comparison?.p_value).toBeCloseTo(0.88346106714672959, 13);
    expect(comparison?.interval.low).toBeCloseTo(-1.6777922946993787, 12);
    expect(comparison?.interval.high).toBeCloseTo(1.8777922946993787, 12);
  });

  it('takes two constant sides at their word: equal is p = 1, different is p = 0', () => {
    expect(welchComparison(summaryOf([5, 5, 5]), summaryOf([5, 5]))).toEqual({
      difference: 0,
      interval: { low: 0, high: 0 },
      p_value: 1,
      method: 'welch_t_test',
    });
    expect(welchComparison(summaryOf([5, 5]), summaryOf([0.1, 0.1, 0.1]))).toEqual({
      difference: -4.9,
      interval: { low: -4.9, high: -4.9 },
      p_value: 0,
      method: 'welch_t_test',
    });
  });

  it('is not defined before each side has two observations', () => {
    expect(welchComparison(summaryOf([]), summaryOf([1, 2, 3]))).toBeNull();
    expect(welchComparison(summaryOf([1, 2, 3]), summaryOf([4]))).toBeNull();
  });

  it('stays accurate with hundreds of millions of observations', () => {
    // mean 120000 µs ± 30000 (5e8 requests) against 119990 ± 31000 (7e8): df ≈ 1.0975e9.
    // scipy.stats.ttest_ind_from_stats(119990, 31000, 7e8, 120000, 30000, 5e8, equal_var=False)
    // → p = 1.976677963877126e-08
    const comparison = welchComparison(summaryFromMoments(500_000_000, 120_000, 30_000), summaryFromMoments(700_000_000, 119_990, 31_000));
    expect(comparison?.difference).toBeCloseTo(-10, 8);
    expectRelativelyClose(comparison?.p_value ?? NaN, 1.9766779638771416e-8, 1e-6);
    expect(comparison?.interval.low).toBeCloseTo(-13.491188921429774, 6);
    expect(comparison?.interval.high).toBeCloseTo(-6.5088110785702256, 6);
  });

  it('always gives a p-value in [0, 1] and an interval around the difference', () => {
    for (const [control, treatment] of [
      [summaryOf([1, 2]), summaryOf([1, 2])],
      [summaryOf([1, 2]), summaryOf([1e9, 1e9 + 1])],
      [summaryOf([0, 0, 0, 1]), summaryOf([1e-300, 2e-300])],
    ]) {
      const comparison = welchComparison(control, treatment);
      expect(comparison?.p_value).toBeGreaterThanOrEqual(0);
      expect(comparison?.p_value).toBeLessThanOrEqual(1);
      expect(comparison?.interval.low).toBeLessThanOrEqual(comparison?.difference ?? NaN);
      expect(comparison?.interval.high).toBeGreaterThanOrEqual(comparison?.difference ?? NaN);
    }
  });
});

describe('proportionComparison', () => {
  // Newcombe (1998), "Interval estimation for the difference between independent proportions:
  // comparison of eleven methods", Stat Med 17:873–890, Table II, method 10 (hybrid score), to the
  // four printed decimals; the full digits are statsmodels 0.13.5
  // confint_proportions_2indep(a, m, b, n, method='newcomb', compare='diff'), and the p-values
  // proportions_ztest([a, b], [m, n]) (pooled). Newcombe's a/m is our treatment, b/n our control.
  it.each([
    [56, 70, 48, 80, 0.0524, 0.3339, 0.05243147240236498, 0.33387265403690614, 0.00804508136819656],
    [9, 10, 3, 10, 0.1705, 0.809, 0.1705227239345029, 0.809017973535488, 0.006169899320544151],
    [6, 7, 2, 7, 0.0582, 0.8062, 0.05822792748231209, 0.8062496375242278, 0.030753561259274524],
    [5, 56, 0, 29, -0.0381, 0.1926, -0.038137147903536936, 0.19256001385511165, 0.09718656817057973],
    [10, 10, 0, 20, 0.6791, 1, 0.6790860371419145, 1.0, 4.320463057827506e-8],
    [10, 10, 0, 10, 0.6075, 1, 0.6075093504305241, 1.0, 7.74421643104407e-6],
  ])('%i/%i − %i/%i → [%p, %p]', (a, m, b, n, printedLow, printedHigh, low, high, pValue) => {
    const comparison = proportionComparison({ successes: b, trials: n }, { successes: a, trials: m });
    expect(comparison?.method).toBe('pooled_z_test_newcombe_interval');
    expect(comparison?.difference).toBeCloseTo(a / m - b / n, 15);
    expect(comparison?.interval.low).toBeCloseTo(printedLow, 4);
    expect(comparison?.interval.high).toBeCloseTo(printedHigh, 4);
    expect(comparison?.interval.low).toBeCloseTo(low, 13);
    expect(comparison?.interval.high).toBeCloseTo(high, 13);
    expectRelativelyClose(comparison?.p_value ?? NaN, pValue, 1e-12);
  });

  it('gives p = 1 when no side has any success (statsmodels gives NaN)', () => {
    // Table II rows (e) and (f): 0/10 − 0/20 → [−0.1611, 0.2775], 0/10 − 0/10 → [−0.2775, 0.2775]
    const none = proportionComparison({ successes: 0, trials: 20 }, { successes: 0, trials: 10 });
    expect(none?.difference).toBe(0);
    expect(none?.p_value).toBe(1);
    expect(none?.interval.low).toBeCloseTo(-0.1611251580528194, 13);
    expect(none?.interval.high).toBeCloseTo(0.27753279986288926, 13);
    expect(proportionComparison({ successes: 10, trials: 10 }, { successes: 10, trials: 10 })?.interval).toEqual({
      low: expect.closeTo(-0.27753279986288926, 13),
      high: expect.closeTo(0.27753279986288926, 13),
    });
  });

  it('keeps its digits with fifty million trials a side', () => {
    // confint_proportions_2indep(1010000, 5e7, 1000000, 5e7, method='newcomb'); proportions_ztest
    const comparison = proportionComparison({ successes: 1_000_000, trials: 50_000_000 }, { successes: 1_010_000, trials: 50_000_000 });
    expect(comparison?.difference).toBeCloseTo(0.0002, 15);
    expect(comparison?.interval.low).toBeCloseTo(0.00014498687187426395, 14);
    expect(comparison?.interval.high).toBeCloseTo(0.0002550133604900003, 14);
    expectRelativelyClose(comparison?.p_value ?? NaN, 1.0375607340949077e-12, 1e-9);
  });

  it('is not defined while a side has no trials', () => {
    expect(proportionComparison({ successes: 0, trials: 0 }, { successes: 3, trials: 10 })).toBeNull();
    expect(proportionComparison({ successes: 3, trials: 10 }, { successes: 0, trials: 0 })).toBeNull();
  });

  it('refuses impossible counts', () => {
    expect(() => proportionComparison({ successes: 11, trials: 10 }, { successes: 3, trials: 10 })).toThrow(RangeError);
  });
});
