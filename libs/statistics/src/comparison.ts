import { normalQuantile, studentTQuantile, studentTTail, twoSidedNormalPValue } from './distributions';
import { assertConfidence, assertMeanSummary, sampleVariance, type Interval, type MeanSummary } from './mean';
import { assertCounts, wilsonInterval } from './proportion';

/** Treatment (challenger) against control (champion); difference = treatment − control. */
export interface Comparison {
  difference: number;
  interval: Interval;
  p_value: number;
  method: string;
}

export interface Counts {
  successes: number;
  trials: number;
}

/**
 * Welch's unequal-variances t-test (Welch 1947) with Welch–Satterthwaite degrees of freedom. A
 * challenger rarely has the champion's variance (a faster model often has a tighter latency
 * distribution too), and Welch loses almost nothing against Student's test when they are equal.
 *
 * Null when either side has fewer than 2 observations (no variance). When both variances are 0 the
 * difference is known exactly: the interval is [d, d] and p is 1 if d = 0, else 0 (SciPy gives NaN
 * there; a dashboard needs an answer, and two constant outcomes that differ do differ).
 */
export function welchComparison(control: MeanSummary, treatment: MeanSummary, confidence = 0.95): Comparison | null {
  assertMeanSummary(control);
  assertMeanSummary(treatment);
  assertConfidence(confidence);
  if (control.count < 2 || treatment.count < 2) return null;
  const method = 'welch_t_test';
  const difference = treatment.sum / treatment.count - control.sum / control.count;
  const controlShare = sampleVariance(control) / control.count;
  const treatmentShare = sampleVariance(treatment) / treatment.count;
  const squaredError = controlShare + treatmentShare;
  if (squaredError === 0) {
    return { difference, interval: { low: difference, high: difference }, p_value: difference === 0 ? 1 : 0, method };
  }
  // Welch–Satterthwaite, written with shares of the total so neither squaring overflows nor underflows.
  const c = controlShare / squaredError;
  const t = treatmentShare / squaredError;
  const df = 1 / ((c * c) / (control.count - 1) + (t * t) / (treatment.count - 1));
  const standardError = Math.sqrt(squaredError);
  const halfWidth = studentTQuantile((1 + confidence) / 2, df) * standardError;
  return {
    difference,
    interval: { low: difference - halfWidth, high: difference + halfWidth },
    p_value: Math.min(1, 2 * studentTTail(difference / standardError, df)),
    method,
  };
}

/**
 * Two rates: the p-value of the two-sided pooled z-test (the textbook test of equal rates, pooled
 * because the null hypothesis says the rates are equal), and Newcombe's hybrid score interval for the
 * difference (Newcombe 1998, "Interval estimation for the difference between independent
 * proportions", method 10), built from the two Wilson intervals so it keeps its coverage near 0 and 1
 * where the Wald interval collapses. Near the boundary of significance the two can disagree, as any
 * test and interval not derived from each other can.
 *
 * Null when either side has no trials. With no variation at all (every outcome a success, or none)
 * the rates are equal and p is 1.
 */
export function proportionComparison(control: Counts, treatment: Counts, confidence = 0.95): Comparison | null {
  assertCounts(control.successes, control.trials);
  assertCounts(treatment.successes, treatment.trials);
  assertConfidence(confidence);
  if (control.trials === 0 || treatment.trials === 0) return null;
  const controlRate = control.successes / control.trials;
  const treatmentRate = treatment.successes / treatment.trials;
  const difference = treatmentRate - controlRate;

  const pooled = (control.successes + treatment.successes) / (control.trials + treatment.trials);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / control.trials + 1 / treatment.trials));
  const pValue = standardError === 0 ? 1 : twoSidedNormalPValue(difference / standardError);

  const z = normalQuantile((1 + confidence) / 2);
  const c = wilsonInterval(control.successes, control.trials, z);
  const t = wilsonInterval(treatment.successes, treatment.trials, z);
  const low = difference - Math.hypot(treatmentRate - t.low, c.high - controlRate);
  const high = difference + Math.hypot(t.high - treatmentRate, controlRate - c.low);
  return { difference, interval: { low, high }, p_value: pValue, method: 'pooled_z_test_newcombe_interval' };
}
