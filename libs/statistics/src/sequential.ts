import { assertMeanSummary, sampleVariance, type MeanSummary } from './mean';
import { assertCounts } from './proportion';
import type { Counts } from './comparison';

/**
 * An always-valid test of champion (control) against challenger (treatment): the dashboard shows it
 * on every refresh, and people stop experiments when it looks good. A fixed-horizon p-value checked
 * like that rejects a true null far more often than alpha; this one does not, at any stopping time.
 */
export interface SequentialTest {
  method: 'msprt';
  tau: number;
  alpha: number;
  likelihood_ratio: number;
  always_valid_p_value: number;
  decision: 'treatment_better' | 'control_better' | 'continue';
}

export interface SequentialOptions {
  /** Type I error bound over the whole experiment, however often it is looked at. Default 0.05. */
  alpha?: number;
  /** Standard deviation of the normal mixture over the difference, in the outcome's unit. */
  tau?: number;
  /** Which direction of the difference is good: 'lower' for latency or error rates. Default 'higher'. */
  better?: 'higher' | 'lower';
}

/**
 * Default mixture scale, in pooled standard deviations of the outcome.
 *
 * The mSPRT is most powerful against effects of about the size of τ and degrades slowly (roughly
 * logarithmically in the sample size) for effects far from it (Johari, Pekelis & Walsh, §4). With no
 * history of past experiments to fit τ to, as the paper recommends, we take a tenth of a standard
 * deviation: the smallest effect a model swap is usually run to find (half of Cohen's "small" effect).
 * A larger τ would make small effects wait much longer; a smaller one buys little, since larger effects
 * are found quickly anyway. Measured in standard deviations, the test does not depend on the unit (µs
 * or ms) of the outcome. The scale is estimated from the same data, a plug-in like the variance.
 */
export const DEFAULT_TAU_IN_STANDARD_DEVIATIONS = 0.1;

const DEFAULT_ALPHA = 0.05;
const LOG_MAX_VALUE = Math.log(Number.MAX_VALUE);

/**
 * Mixture sequential probability ratio test for a difference of means (Johari, Pekelis & Walsh,
 * "Always valid inference: continuous monitoring of A/B tests", arXiv:1512.04922, 2017, §4, and
 * Johari, Koomen, Pekelis & Walsh, "Peeking at A/B tests", KDD 2017, eq. (11)).
 *
 * With a normal mixture N(0, τ²) over the difference θ and the estimate d = x̄_t − x̄_c of variance
 * V = s_c²/n_c + s_t²/n_t, the likelihood ratio against θ = 0 is
 *   Λ = √(V / (V + τ²)) · exp(τ² d² / (2V(V + τ²))),
 * which for n_c = n_t = n and a common σ² is the paper's √(2σ²/(2σ²+nτ²)) ·
 * exp(n²τ²d²/(4σ²(2σ²+nτ²))). The variances are plug-in estimates, as the paper does for data whose
 * variance is unknown. By Ville's inequality P(sup Λ ≥ 1/α) ≤ α under the null, so min(1, 1/Λ) is a
 * p-value valid at any stopping time; the running minimum over past snapshots is one too and never
 * larger, for a caller that keeps history.
 *
 * Null when either side has fewer than 2 observations. When neither side varies at all, a difference
 * is certain (Λ saturates) and no difference is no evidence (Λ = 1), as in welchComparison.
 */
export function mixtureSequentialTest(control: MeanSummary, treatment: MeanSummary, options: SequentialOptions = {}): SequentialTest | null {
  assertMeanSummary(control);
  assertMeanSummary(treatment);
  if (control.count < 2 || treatment.count < 2) return null;
  const controlVariance = sampleVariance(control);
  const treatmentVariance = sampleVariance(treatment);
  const pooledVariance =
    ((control.count - 1) * controlVariance + (treatment.count - 1) * treatmentVariance) / (control.count + treatment.count - 2);
  return mixtureTest(
    treatment.sum / treatment.count - control.sum / control.count,
    controlVariance / control.count + treatmentVariance / treatment.count,
    Math.sqrt(pooledVariance),
    options,
  );
}

/**
 * The same test for two rates, through the normal approximation of the difference of rates (as the
 * paper does for conversion rates). The variance is the pooled p̄(1 − p̄)(1/n_c + 1/n_t), estimated
 * under the null hypothesis the ratio is computed against, like the pooled z-test; the default τ is a
 * tenth of the pooled standard deviation √(p̄(1 − p̄)) of one outcome.
 *
 * Null when either side has no trials.
 */
export function mixtureSequentialTestForProportions(
  control: Counts,
  treatment: Counts,
  options: SequentialOptions = {},
): SequentialTest | null {
  assertCounts(control.successes, control.trials);
  assertCounts(treatment.successes, treatment.trials);
  if (control.trials === 0 || treatment.trials === 0) return null;
  const pooled = (control.successes + treatment.successes) / (control.trials + treatment.trials);
  const outcomeVariance = pooled * (1 - pooled);
  return mixtureTest(
    treatment.successes / treatment.trials - control.successes / control.trials,
    outcomeVariance * (1 / control.trials + 1 / treatment.trials),
    Math.sqrt(outcomeVariance),
    options,
  );
}

/**
 * The same test from an estimate already made elsewhere: a difference (treatment − control), its
 * variance, and the pooled standard deviation of one observation that scales the default τ. For
 * metrics whose sufficient statistics are not a sum and a sum of squares (MAE, log loss, AUC).
 */
export function mixtureSequentialTestOfDifference(difference: number, variance: number, pooledStd: number, options: SequentialOptions = {}): SequentialTest {
  if (!Number.isFinite(difference) || !(variance >= 0) || !(pooledStd >= 0)) {
    throw new RangeError(`need a finite difference and non-negative variance and standard deviation, got ${difference}, ${variance}, ${pooledStd}`);
  }
  return mixtureTest(difference, variance, pooledStd, options);
}

function mixtureTest(difference: number, variance: number, pooledStd: number, options: SequentialOptions): SequentialTest {
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);
  if (options.tau !== undefined && !(options.tau > 0 && Number.isFinite(options.tau))) {
    throw new RangeError(`tau must be a positive number, got ${options.tau}`);
  }
  const tau = options.tau ?? DEFAULT_TAU_IN_STANDARD_DEVIATIONS * pooledStd;
  const logRatio = logLikelihoodRatio(difference, variance, tau);
  // Saturated rather than Infinity, so that the value survives JSON.
  const likelihoodRatio = logRatio >= LOG_MAX_VALUE ? Number.MAX_VALUE : Math.exp(logRatio);
  const treatmentAhead = (options.better ?? 'higher') === 'higher' ? difference > 0 : difference < 0;
  return {
    method: 'msprt',
    tau,
    alpha,
    likelihood_ratio: likelihoodRatio,
    always_valid_p_value: Math.min(1, Math.exp(-logRatio)),
    decision: likelihoodRatio >= 1 / alpha && difference !== 0 ? (treatmentAhead ? 'treatment_better' : 'control_better') : 'continue',
  };
}

/** ln Λ = ½ [z² τ²/(V + τ²) − ln(1 + τ²/V)] with z² = d²/V: no ratio of huge or tiny numbers is formed. */
function logLikelihoodRatio(difference: number, variance: number, tau: number): number {
  if (variance === 0) return difference === 0 ? 0 : Infinity;
  const tau2 = tau * tau;
  const z2 = (difference * difference) / variance;
  return 0.5 * (z2 * (tau2 / (variance + tau2)) - Math.log1p(tau2 / variance));
}
