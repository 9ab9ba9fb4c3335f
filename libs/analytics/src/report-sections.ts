import type { Comparison, Interval, SequentialTest } from '@switchyard/statistics';

/**
 * Sections of the stats report that the rollout plan's gates, the CLI and the console read. Declared
 * here, apart from how they are computed, so that each reader depends on the shape only.
 */

/** A model-quality metric over the labelled predictions of one variant (ground truth joined by request id). */
export interface QualityMetric {
  value: number | null;
  interval: Interval | null;
}

/**
 * Model quality from ground-truth labels: MAE and RMSE for regression; accuracy, log loss (when
 * probabilities are served) and AUC (two classes) for classification. Null metrics had no data.
 */
export interface VariantQuality {
  task: 'regression' | 'classification';
  /** Predictions of this variant with a label joined. */
  labelled: number;
  metrics: Partial<Record<QualityMetricName, QualityMetric>>;
}

export type QualityMetricName = 'mae' | 'rmse' | 'accuracy' | 'log_loss' | 'auc';

/** Challenger against champion on the primary quality metric (MAE for regression, accuracy for classification). */
export interface QualityComparison extends Comparison {
  metric: QualityMetricName;
  /** Which direction is good for this metric: 'lower' for MAE, RMSE and log loss. */
  better: 'higher' | 'lower';
  sequential: SequentialTest | null;
}

/**
 * The shadow against the champion, over the champion's requests that were copied to the shadow. The
 * shadow's answers are never returned to callers; `dropped` copies were shed under pressure.
 */
export interface ShadowReport {
  version: number | null;
  /** Shadow answers logged in the window (each under the champion's request id). */
  requests: number;
  errors: number;
  error_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
  /** Classification: share of copied requests where the shadow's class equals the champion's. */
  agreement: { rate: number | null; interval: Interval | null; compared: number } | null;
  /** Regression: shadow output − champion output over copied requests. */
  output_difference: { compared: number; mean: number | null; mean_absolute: number | null; p50_absolute: number | null; p95_absolute: number | null } | null;
  /** Model quality of the shadow's answers when labels arrived for those request ids. */
  quality: VariantQuality | null;
}
