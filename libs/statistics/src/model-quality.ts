import { normalQuantile } from './distributions';
import { assertConfidence, type Interval, meanWithInterval } from './mean';

/**
 * Model-quality metrics from ground-truth labels, each from sums that per-minute rollups can add up:
 * the rollups never keep one row per labelled prediction.
 */

export interface QualityEstimate {
  value: number | null;
  interval: Interval | null;
}

/**
 * Mean absolute error with the Student-t interval of a mean (the absolute errors are the observations;
 * Σ|e|² = Σe², so the squared-error sum doubles as their sum of squares).
 */
export function maeWithInterval(count: number, absoluteErrorSum: number, squaredErrorSum: number, confidence = 0.95): QualityEstimate {
  const { mean, interval } = meanWithInterval({ count, sum: absoluteErrorSum, sumOfSquares: squaredErrorSum }, confidence);
  return { value: mean, interval: interval && { low: Math.max(0, interval.low), high: interval.high } };
}

/**
 * Root mean squared error. The interval is the Student-t interval of the mean squared error (from Σe²
 * and Σe⁴) carried through the square root: a monotone map keeps the coverage, and unlike the delta
 * method's symmetric interval it cannot reach below 0.
 */
export function rmseWithInterval(count: number, squaredErrorSum: number, squaredErrorSumOfSquares: number, confidence = 0.95): QualityEstimate {
  const { mean, interval } = meanWithInterval({ count, sum: squaredErrorSum, sumOfSquares: squaredErrorSumOfSquares }, confidence);
  if (mean === null) return { value: null, interval: null };
  return { value: Math.sqrt(mean), interval: interval && { low: Math.sqrt(Math.max(0, interval.low)), high: Math.sqrt(Math.max(0, interval.high)) } };
}

/** Mean log loss −ln p(true class), with the Student-t interval of a mean. */
export function logLossWithInterval(count: number, logLossSum: number, logLossSumOfSquares: number, confidence = 0.95): QualityEstimate {
  const { mean, interval } = meanWithInterval({ count, sum: logLossSum, sumOfSquares: logLossSumOfSquares }, confidence);
  return { value: mean, interval: interval && { low: Math.max(0, interval.low), high: interval.high } };
}

/** Probabilities are clipped here before the logarithm, as scikit-learn's log_loss does (eps = 1e-15). */
export const LOG_LOSS_EPSILON = 1e-15;

export function logLoss(probabilityOfTrueClass: number): number {
  return -Math.log(Math.min(1, Math.max(LOG_LOSS_EPSILON, probabilityOfTrueClass)));
}

/** Scores are histogrammed in this many equal bins of [0, 1] for the AUC. */
export const SCORE_BINS = 200;

/** The bin of a score in [0, 1] (a score outside is clamped to the nearest end). */
export function scoreBin(score: number): number {
  return Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(score * SCORE_BINS)));
}

/**
 * Area under the ROC curve from score histograms per true class: the Mann–Whitney probability that a
 * positive scores above a negative, a tie (same bin) counting one half — exact for the binned scores,
 * and off from the unbinned AUC by at most the share of pairs that fall in one bin. The interval is
 * Hanley & McNeil's (Radiology 1982) normal interval with their exponential-model standard error,
 * clipped to [0, 1]. Null without both a positive and a negative.
 */
export function aucFromHistograms(positive: Record<string, number>, negative: Record<string, number>, confidence = 0.95): QualityEstimate {
  assertConfidence(confidence);
  const bins = (counts: Record<string, number>) => {
    const dense = new Array<number>(SCORE_BINS).fill(0);
    for (const [bin, count] of Object.entries(counts)) dense[Math.min(SCORE_BINS - 1, Math.max(0, Number(bin)))] += count;
    return dense;
  };
  const pos = bins(positive);
  const neg = bins(negative);
  const nPositive = pos.reduce((a, b) => a + b, 0);
  const nNegative = neg.reduce((a, b) => a + b, 0);
  if (nPositive === 0 || nNegative === 0) return { value: null, interval: null };
  let negativesBelow = 0;
  let wins = 0;
  for (let bin = 0; bin < SCORE_BINS; bin++) {
    wins += pos[bin] * (negativesBelow + neg[bin] / 2);
    negativesBelow += neg[bin];
  }
  const auc = wins / (nPositive * nNegative);
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const variance = (auc * (1 - auc) + (nPositive - 1) * (q1 - auc * auc) + (nNegative - 1) * (q2 - auc * auc)) / (nPositive * nNegative);
  const halfWidth = normalQuantile((1 + confidence) / 2) * Math.sqrt(Math.max(0, variance));
  return { value: auc, interval: { low: Math.max(0, auc - halfWidth), high: Math.min(1, auc + halfWidth) } };
}
