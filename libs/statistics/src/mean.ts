import { studentTQuantile } from './distributions';

/**
 * Sufficient statistics of one variant's numeric outcome (latency, score…), summed in SQL so the
 * dashboard never reads raw rows, and merged across time windows by plain addition.
 */
export interface MeanSummary {
  count: number;
  sum: number;
  sumOfSquares: number;
}

export interface Interval {
  low: number;
  high: number;
}

export interface MeanEstimate {
  count: number;
  mean: number | null;
  std: number | null;
  interval: Interval | null;
}

/**
 * Sample variance (n − 1 denominator) from sum and sum of squares.
 *
 * Σx² − (Σx)²/n cancels digits when the mean is large against the spread, so the result is only as
 * good as the inputs. A float8 SUM over n rows is exact to about n·ε·Σx² (Higham, "Accuracy and
 * Stability of Numerical Algorithms", §4.2); a centred sum of squares below that is rounding noise,
 * not spread, and counts as 0 — so identical outcomes give exactly zero variance, and a tiny negative
 * result never reaches a square root. Requires count ≥ 2.
 */
export function sampleVariance(summary: MeanSummary): number {
  assertMeanSummary(summary);
  const { count, sum, sumOfSquares } = summary;
  if (count < 2) throw new RangeError(`sample variance needs at least 2 observations, got ${count}`);
  // sum * (sum / count) rather than sum² / count: the square of a large sum could overflow.
  const centred = sumOfSquares - sum * (sum / count);
  if (centred <= count * Number.EPSILON * sumOfSquares) return 0;
  return centred / (count - 1);
}

/**
 * Mean, sample standard deviation and the Student-t confidence interval mean ± t(1 − α/2, n − 1)·s/√n.
 * Fields that are not defined are null: no mean without observations, no spread from one.
 */
export function meanWithInterval(summary: MeanSummary, confidence = 0.95): MeanEstimate {
  assertMeanSummary(summary);
  assertConfidence(confidence);
  const { count, sum } = summary;
  if (count === 0) return { count, mean: null, std: null, interval: null };
  const mean = sum / count;
  if (count === 1) return { count, mean, std: null, interval: null };
  const std = Math.sqrt(sampleVariance(summary));
  const halfWidth = studentTQuantile((1 + confidence) / 2, count - 1) * (std / Math.sqrt(count));
  return { count, mean, std, interval: { low: mean - halfWidth, high: mean + halfWidth } };
}

export function assertMeanSummary({ count, sum, sumOfSquares }: MeanSummary): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
  if (!Number.isFinite(sum) || !Number.isFinite(sumOfSquares) || sumOfSquares < 0) {
    throw new RangeError(`sum (${sum}) must be finite and sum of squares (${sumOfSquares}) finite and non-negative`);
  }
}

export function assertConfidence(confidence: number): void {
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1, got ${confidence}`);
}
