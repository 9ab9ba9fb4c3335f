import { mulberry32 } from '@switchyard/onnx/testing';
import { welchComparison } from './comparison';
import type { MeanSummary } from './mean';
import { sampleVariance } from './mean';
import { DEFAULT_TAU_IN_STANDARD_DEVIATIONS, mixtureSequentialTest, mixtureSequentialTestForProportions, mixtureSequentialTestOfDifference } from './sequential';

function summaryFromMoments(count: number, mean: number, std: number): MeanSummary {
  return { count, sum: count * mean, sumOfSquares: (count - 1) * std * std + count * mean * mean };
}

function expectRelativelyClose(actual: number, expected: number, tolerance = 1e-10): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(tolerance);
}

// Reference likelihood ratios, computed once in NumPy 1.24 / SciPy 1.10 (Debian):
// - equal sample sizes: the paper's closed form (Johari, Koomen, Pekelis & Walsh, KDD 2017, eq. 11)
//   sqrt(2σ²/(2σ²+nτ²)) * exp(n²τ²d²/(4σ²(2σ²+nτ²))) with σ² the common sample variance;
// - unequal sizes, where the paper gives no closed form: the mixture itself, integrated numerically,
//   scipy.integrate.quad(lambda θ: norm.pdf(d, θ, √V) / norm.pdf(d, 0, √V) * norm.pdf(θ, 0, τ), -inf, inf)
//   with V = s_c²/n_c + s_t²/n_t (it also reproduces the closed form to 1e-15 where both apply).
describe('mixtureSequentialTest', () => {
  it('matches the closed form for equal sample sizes', () => {
    // n = 1000 a side, s = 2 on both, means 10 and 10.3; τ given as 0.2 (also the default: 0.1 · 2)
    const test = mixtureSequentialTest(summaryFromMoments(1000, 10, 2), summaryFromMoments(1000, 10.3, 2), { tau: 0.2 });
    expect(test?.method).toBe('msprt');
    expect(test?.tau).toBe(0.2);
    expect(test?.alpha).toBe(0.05);
    expectRelativelyClose(test?.likelihood_ratio ?? NaN, 44.32816551312291);
    expectRelativelyClose(test?.always_valid_p_value ?? NaN, 0.02255902062321889);
    expect(test?.decision).toBe('treatment_better');
  });

  it('takes τ as a tenth of the pooled standard deviation by default', () => {
    const test = mixtureSequentialTest(summaryFromMoments(1000, 10, 2), summaryFromMoments(1000, 10.3, 2));
    expect(DEFAULT_TAU_IN_STANDARD_DEVIATIONS).toBe(0.1);
    expect(test?.tau).toBeCloseTo(0.2, 14);
    expectRelativelyClose(test?.likelihood_ratio ?? NaN, 44.32816551312291);
  });

  it('continues while the evidence is short of 1/alpha', () => {
    const small = mixtureSequentialTest(summaryFromMoments(1000, 10, 2), summaryFromMoments(1000, 10.05, 2), { tau: 0.2 });
    expectRelativelyClose(small?.likelihood_ratio ?? NaN, 0.46502161003517833);
    expect(small?.always_valid_p_value).toBe(1);
    expect(small?.decision).toBe('continue');
    // A large τ against a small sample: n = 400, τ = 1
    const early = mixtureSequentialTest(summaryFromMoments(400, 10, 2), summaryFromMoments(400, 10.3, 2), { tau: 1 });
    expectRelativelyClose(early?.likelihood_ratio ?? NaN, 1.2712104243132265);
    expectRelativelyClose(early?.always_valid_p_value ?? NaN, 0.7866518248072514);
    // The same evidence as the first test, with a stricter alpha
    expect(mixtureSequentialTest(summaryFromMoments(1000, 10, 2), summaryFromMoments(1000, 10.3, 2), { alpha: 0.01 })?.decision).toBe('continue');
  });

  it('lets the sign of the difference pick the side, and the caller say which side is good', () => {
    const slower = mixtureSequentialTest(summaryFromMoments(1000, 10.3, 2), summaryFromMoments(1000, 10, 2));
    expectRelativelyClose(slower?.likelihood_ratio ?? NaN, 44.32816551312291);
    expect(slower?.decision).toBe('control_better');
    expect(mixtureSequentialTest(summaryFromMoments(1000, 10.3, 2), summaryFromMoments(1000, 10, 2), { better: 'lower' })?.decision).toBe(
      'treatment_better',
    );
  });

  it('matches the integrated mixture for unequal sizes and variances', () => {
    // control n = 800, s = 2; treatment n = 1500, s = 3; difference 0.25; default τ = 0.1 · pooled s
    const test = mixtureSequentialTest(summaryFromMoments(800, 5, 2), summaryFromMoments(1500, 5.25, 3));
    expect(test?.tau).toBeCloseTo(0.2694722948051191, 14);
    expectRelativelyClose(test?.likelihood_ratio ?? NaN, 4.275957324935111, 1e-9);
    expectRelativelyClose(test?.always_valid_p_value ?? NaN, 0.23386575777277557, 1e-9);
    expect(test?.decision).toBe('continue');
  });

  it('is not defined before each side has two observations', () => {
    expect(mixtureSequentialTest({ count: 0, sum: 0, sumOfSquares: 0 }, summaryFromMoments(10, 1, 1))).toBeNull();
    expect(mixtureSequentialTest(summaryFromMoments(10, 1, 1), { count: 1, sum: 3, sumOfSquares: 9 })).toBeNull();
  });

  it('treats outcomes without any spread like welchComparison does', () => {
    const constant = (count: number, value: number): MeanSummary => ({ count, sum: count * value, sumOfSquares: count * value * value });
    expect(mixtureSequentialTest(constant(5, 3), constant(7, 3))).toMatchObject({
      tau: 0,
      likelihood_ratio: 1,
      always_valid_p_value: 1,
      decision: 'continue',
    });
    expect(mixtureSequentialTest(constant(5, 3), constant(7, 4))).toMatchObject({
      likelihood_ratio: Number.MAX_VALUE,
      always_valid_p_value: 0,
      decision: 'treatment_better',
    });
  });

  it('saturates instead of overflowing with overwhelming evidence', () => {
    const test = mixtureSequentialTest(summaryFromMoments(500_000_000, 120_000, 30_000), summaryFromMoments(700_000_000, 100_000, 31_000), {
      better: 'lower',
    });
    expect(test?.likelihood_ratio).toBe(Number.MAX_VALUE);
    expect(test?.always_valid_p_value).toBe(0);
    expect(test?.decision).toBe('treatment_better');
    expect(JSON.parse(JSON.stringify(test))).toEqual(test);
  });

  it('refuses alpha or tau out of range', () => {
    const a = summaryFromMoments(10, 1, 1);
    expect(() => mixtureSequentialTest(a, a, { alpha: 0 })).toThrow(RangeError);
    expect(() => mixtureSequentialTest(a, a, { alpha: 1 })).toThrow(RangeError);
    expect(() => mixtureSequentialTest(a, a, { tau: 0 })).toThrow(RangeError);
    expect(() => mixtureSequentialTest(a, a, { tau: Infinity })).toThrow(RangeError);
  });

  it('keeps its type I error under alpha when an A/A test is watched continuously, where a t-test does not', () => {
    // 200 A/A experiments of up to 2000 N(0, 1) observations a side from a fixed seed (so the counts
    // below are fixed, not flaky), looked at every 100 observations, stopped at the first rejection.
    const random = mulberry32(20240601);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    let msprtRejections = 0;
    let peekingTRejections = 0;
    for (let experiment = 0; experiment < 200; experiment++) {
      const sides: MeanSummary[] = [
        { count: 0, sum: 0, sumOfSquares: 0 },
        { count: 0, sum: 0, sumOfSquares: 0 },
      ];
      let msprtRejected = false;
      let tRejected = false;
      for (let n = 1; n <= 2000; n++) {
        for (const side of sides) {
          const x = normal();
          side.count += 1;
          side.sum += x;
          side.sumOfSquares += x * x;
        }
        if (n % 100 !== 0) continue;
        msprtRejected ||= mixtureSequentialTest(sides[0], sides[1])?.decision !== 'continue';
        tRejected ||= (welchComparison(sides[0], sides[1])?.p_value ?? 1) < 0.05;
      }
      if (msprtRejected) msprtRejections += 1;
      if (tRejected) peekingTRejections += 1;
    }
    // With this seed: 2 of 200 for the mSPRT (alpha 0.05 allows 10), 63 for the peeking t-test.
    expect(msprtRejections).toBeLessThanOrEqual(10);
    expect(peekingTRejections).toBeGreaterThan(30);
  });
});

describe('mixtureSequentialTestForProportions', () => {
  it('matches the closed form for equal sample sizes, with the pooled variance', () => {
    // 500/5000 against 590/5000: p̄ = 0.109, σ² = p̄(1 − p̄), τ = 0.1σ
    const test = mixtureSequentialTestForProportions({ successes: 500, trials: 5000 }, { successes: 590, trials: 5000 });
    expect(test?.tau).toBeCloseTo(0.031163921447725413, 15);
    expectRelativelyClose(test?.likelihood_ratio ?? NaN, 10.812506216162049);
    expectRelativelyClose(test?.always_valid_p_value ?? NaN, 0.09248549596255906);
    expect(test?.decision).toBe('continue');
    const close = mixtureSequentialTestForProportions({ successes: 500, trials: 5000 }, { successes: 520, trials: 5000 });
    expectRelativelyClose(close?.likelihood_ratio ?? NaN, 0.24193257550383918);
    expect(close?.always_valid_p_value).toBe(1);
  });

  it('matches the integrated mixture for unequal sizes; a higher error rate is worse when told so', () => {
    // errors: 120/3000 (4 %) on the champion, 90/1000 (9 %) on the challenger
    const test = mixtureSequentialTestForProportions(
      { successes: 120, trials: 3000 },
      { successes: 90, trials: 1000 },
      { better: 'lower' },
    );
    expect(test?.tau).toBeCloseTo(0.022303306929690944, 15);
    expectRelativelyClose(test?.likelihood_ratio ?? NaN, 5719031.02818946, 1e-9);
    expectRelativelyClose(test?.always_valid_p_value ?? NaN, 1.7485479534399057e-7, 1e-9);
    expect(test?.decision).toBe('control_better');
  });

  it('is not defined while a side has no trials, and has no evidence without any success', () => {
    expect(mixtureSequentialTestForProportions({ successes: 0, trials: 0 }, { successes: 1, trials: 2 })).toBeNull();
    expect(mixtureSequentialTestForProportions({ successes: 0, trials: 100 }, { successes: 0, trials: 50 })).toMatchObject({
      likelihood_ratio: 1,
      always_valid_p_value: 1,
      decision: 'continue',
    });
  });
});

describe('mixtureSequentialTestOfDifference', () => {
  it('gives what the test over the summaries gives, from their difference, variance and pooled standard deviation', () => {
    const control: MeanSummary = { count: 400, sum: 400, sumOfSquares: 800 };
    const treatment: MeanSummary = { count: 300, sum: 360, sumOfSquares: 732 };
    const [vc, vt] = [sampleVariance(control), sampleVariance(treatment)];
    const pooled = Math.sqrt((399 * vc + 299 * vt) / 698);
    const fromSummaries = mixtureSequentialTest(control, treatment, { alpha: 0.01 })!;
    const fromEstimate = mixtureSequentialTestOfDifference(1.2 - 1, vc / 400 + vt / 300, pooled, { alpha: 0.01 });
    expect(fromEstimate.decision).toBe(fromSummaries.decision);
    expect(fromEstimate.always_valid_p_value).toBeCloseTo(fromSummaries.always_valid_p_value, 12);
    expect(fromEstimate.tau).toBeCloseTo(fromSummaries.tau, 12);
  });

  it('refuses a negative variance or a difference that is not a number', () => {
    expect(() => mixtureSequentialTestOfDifference(0.1, -1, 1)).toThrow(RangeError);
    expect(() => mixtureSequentialTestOfDifference(NaN, 1, 1)).toThrow(RangeError);
  });
});
