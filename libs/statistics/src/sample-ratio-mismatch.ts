import { chiSquareSurvival } from './distributions';

export interface SampleRatioMismatch {
  chi_square: number;
  degrees_of_freedom: number;
  p_value: number;
  mismatch: boolean;
  expected: number[];
}

/**
 * Default threshold: SRM checks run on every dashboard refresh of every experiment, so a 5 % false
 * alarm rate would cry wolf constantly; a real mismatch (a variant that crashes and never logs, a
 * bot filter hitting one side) is usually overwhelming. 0.001 is the threshold Fabijan et al.
 * ("Diagnosing Sample Ratio Mismatch in Online Controlled Experiments", KDD 2019) and Kohavi, Tang &
 * Xu ("Trustworthy Online Controlled Experiments", 2020, ch. 21) use.
 */
export const DEFAULT_SRM_ALPHA = 0.001;

/**
 * Sample ratio mismatch: Pearson's chi-square goodness of fit of the observed requests per variant
 * to the configured weights. A mismatch means the split itself is broken, so no comparison of the
 * variants can be trusted.
 *
 * Categories with weight 0 get no expected requests and no degree of freedom; a single request in
 * one (a challenger at 0 % still being served) is a certain mismatch: p 0, and chi_square saturated
 * at Number.MAX_VALUE (mathematically infinite; saturated so that it survives JSON). That is reported
 * even when only one category has a positive weight. Otherwise null when there is nothing to test:
 * no requests, or fewer than 2 categories with a positive weight.
 */
export function sampleRatioMismatch(observed: number[], expectedWeights: number[], alpha = DEFAULT_SRM_ALPHA): SampleRatioMismatch | null {
  if (observed.length !== expectedWeights.length) {
    throw new RangeError(`${observed.length} observed counts but ${expectedWeights.length} weights`);
  }
  if (observed.some((count) => !Number.isInteger(count) || count < 0)) throw new RangeError('observed counts must be non-negative integers');
  if (expectedWeights.some((weight) => !Number.isFinite(weight) || weight < 0)) throw new RangeError('weights must be finite and non-negative');
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);

  const total = observed.reduce((sum, count) => sum + count, 0);
  const totalWeight = expectedWeights.reduce((sum, weight) => sum + weight, 0);
  const weighted = expectedWeights.filter((weight) => weight > 0).length;
  const leaked = observed.some((count, i) => count > 0 && expectedWeights[i] === 0);
  if (total === 0 || (weighted < 2 && !leaked)) return null;

  const expected = expectedWeights.map((weight) => (total * weight) / totalWeight);
  const degreesOfFreedom = weighted - 1;
  if (leaked) return { chi_square: Number.MAX_VALUE, degrees_of_freedom: degreesOfFreedom, p_value: 0, mismatch: true, expected };
  const chiSquare = observed.reduce((sum, count, i) => (expected[i] > 0 ? sum + (count - expected[i]) ** 2 / expected[i] : sum), 0);
  const pValue = chiSquareSurvival(chiSquare, degreesOfFreedom);
  return { chi_square: chiSquare, degrees_of_freedom: degreesOfFreedom, p_value: pValue, mismatch: pValue < alpha, expected };
}
