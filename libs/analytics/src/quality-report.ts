import type { ModelTask } from '@switchyard/domain';
import {
  aucFromHistograms,
  logLossWithInterval,
  maeWithInterval,
  mixtureSequentialTest,
  mixtureSequentialTestForProportions,
  proportionComparison,
  proportionWithInterval,
  rmseWithInterval,
  welchComparison,
} from '@switchyard/statistics';
import type { QualityComparison, QualityMetric, QualityMetricName, VariantQuality } from './report-sections';
import type { LabelSums } from './rollup-reader';

/**
 * Model quality of one variant from its label sums; null before any label joined a usable prediction.
 * Intervals (95 %): Student-t for MAE and log loss, the t-interval of the MSE through the square root
 * for RMSE, Wilson for accuracy, Hanley–McNeil for AUC (libs/statistics model-quality).
 */
export function variantQuality(task: ModelTask, labels: LabelSums): VariantQuality | null {
  if (labels.count === 0) return null;
  const metrics: Partial<Record<QualityMetricName, QualityMetric>> = {};
  if (task === 'regression') {
    metrics.mae = maeWithInterval(labels.count, labels.absErrorSum, labels.squaredErrorSum);
    metrics.rmse = rmseWithInterval(labels.count, labels.squaredErrorSum, labels.squaredErrorSumSquares);
  } else {
    const accuracy = proportionWithInterval(labels.correct, labels.count);
    metrics.accuracy = { value: accuracy.rate, interval: accuracy.interval };
    if (labels.logLossCount > 0) metrics.log_loss = logLossWithInterval(labels.logLossCount, labels.logLossSum, labels.logLossSumSquares);
    const auc = aucFromHistograms(labels.scoresPositive, labels.scoresNegative);
    if (auc.value !== null) metrics.auc = auc;
  }
  return { task, labelled: labels.count, metrics };
}

/** The primary quality metric: what a promotion on ground truth is decided on. */
export const PRIMARY_QUALITY_METRIC: Record<ModelTask, { metric: QualityMetricName; better: 'higher' | 'lower' }> = {
  regression: { metric: 'mae', better: 'lower' },
  classification: { metric: 'accuracy', better: 'higher' },
};

/**
 * Challenger against champion on the primary quality metric: the difference challenger − champion of
 * the MAE (Welch's t on the absolute errors) or of the accuracy (pooled z with Newcombe's interval), and
 * the always-valid sequential test on it, oriented so that 'treatment_better' means a lower MAE or a
 * higher accuracy. Null until each side has enough labels for a test.
 */
export function qualityComparison(task: ModelTask, control: LabelSums, treatment: LabelSums): QualityComparison | null {
  const { metric, better } = PRIMARY_QUALITY_METRIC[task];
  if (task === 'regression') {
    const c = { count: control.count, sum: control.absErrorSum, sumOfSquares: control.squaredErrorSum };
    const t = { count: treatment.count, sum: treatment.absErrorSum, sumOfSquares: treatment.squaredErrorSum };
    const comparison = welchComparison(c, t);
    return comparison && { ...comparison, metric, better, sequential: mixtureSequentialTest(c, t, { better }) };
  }
  const c = { successes: control.correct, trials: control.count };
  const t = { successes: treatment.correct, trials: treatment.count };
  const comparison = proportionComparison(c, t);
  return comparison && { ...comparison, metric, better, sequential: mixtureSequentialTestForProportions(c, t, { better }) };
}
