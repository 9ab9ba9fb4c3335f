import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Sparse histogram: bucket index (as a string) → count. Merged in SQL by switchyard_merge_counts(). */
export type Counts = Record<string, number>;

const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string | number) => Number(value),
};

/**
 * Per model, minute, variant and version: the sufficient statistics of everything the stats API
 * reports, so a question over months of traffic reads rollups, never the raw log.
 */
@Entity({ name: 'prediction_rollups' })
export class PredictionRollupEntity {
  @PrimaryColumn({ name: 'model_name', type: 'varchar', length: 63 })
  modelName: string;

  @PrimaryColumn({ type: 'timestamptz' })
  minute: Date;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  variant: string;

  @PrimaryColumn({ type: 'integer' })
  version: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  requests: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  errors: number;

  /** Latency histogram in log buckets (libs/statistics latencyBucket). */
  @Column({ name: 'latency_buckets', type: 'jsonb', default: {} })
  latencyBuckets: Counts;

  /** Regression outputs: count, sum and sum of squares. */
  @Column({ name: 'output_count', type: 'bigint', default: 0, transformer: bigintAsNumber })
  outputCount: number;

  @Column({ name: 'output_sum', type: 'double precision', default: 0 })
  outputSum: number;

  @Column({ name: 'output_sum_squares', type: 'double precision', default: 0 })
  outputSumSquares: number;

  /** Classification outputs: label → count. */
  @Column({ name: 'output_labels', type: 'jsonb', default: {} })
  outputLabels: Counts;

  @Column({ name: 'outcome_count', type: 'bigint', default: 0, transformer: bigintAsNumber })
  outcomeCount: number;

  @Column({ name: 'outcome_sum', type: 'double precision', default: 0 })
  outcomeSum: number;

  @Column({ name: 'outcome_sum_squares', type: 'double precision', default: 0 })
  outcomeSumSquares: number;

  /** Classification: outcomes equal to the predicted label. */
  @Column({ name: 'outcome_correct', type: 'bigint', default: 0, transformer: bigintAsNumber })
  outcomeCorrect: number;

  /** Predictions with a ground-truth label joined (regression and classification). */
  @Column({ name: 'label_count', type: 'bigint', default: 0, transformer: bigintAsNumber })
  labelCount: number;

  /** Regression: Σ|prediction − label|, Σ(prediction − label)² and Σ(prediction − label)⁴ (MAE, RMSE and their intervals). */
  @Column({ name: 'label_abs_error_sum', type: 'double precision', default: 0 })
  labelAbsErrorSum: number;

  @Column({ name: 'label_squared_error_sum', type: 'double precision', default: 0 })
  labelSquaredErrorSum: number;

  @Column({ name: 'label_squared_error_sum_squares', type: 'double precision', default: 0 })
  labelSquaredErrorSumSquares: number;

  /** Classification: labels equal to the predicted class. */
  @Column({ name: 'label_correct', type: 'bigint', default: 0, transformer: bigintAsNumber })
  labelCorrect: number;

  /** Classification with probabilities served: count, Σ and Σ² of −ln p(true class). */
  @Column({ name: 'label_log_loss_count', type: 'bigint', default: 0, transformer: bigintAsNumber })
  labelLogLossCount: number;

  @Column({ name: 'label_log_loss_sum', type: 'double precision', default: 0 })
  labelLogLossSum: number;

  @Column({ name: 'label_log_loss_sum_squares', type: 'double precision', default: 0 })
  labelLogLossSumSquares: number;

  /** Two classes: histograms (libs/statistics scoreBin) of p(class 1) for true class 1 and true class 0 (AUC). */
  @Column({ name: 'label_scores_positive', type: 'jsonb', default: {} })
  labelScoresPositive: Counts;

  @Column({ name: 'label_scores_negative', type: 'jsonb', default: {} })
  labelScoresNegative: Counts;
}

/** Per model, minute, variant and input: a histogram on the fixed drift grid (libs/statistics driftBin). */
@Entity({ name: 'prediction_input_rollups' })
export class PredictionInputRollupEntity {
  @PrimaryColumn({ name: 'model_name', type: 'varchar', length: 63 })
  modelName: string;

  @PrimaryColumn({ type: 'timestamptz' })
  minute: Date;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  variant: string;

  @PrimaryColumn({ type: 'varchar', length: 160 })
  input: string;

  @Column({ type: 'jsonb', default: {} })
  bins: Counts;
}
