import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Counts } from './prediction-rollup.entity';

const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string | number) => Number(value),
};

/**
 * Per model, minute and shadow version: the shadow's answers against the champion's for the same
 * requests. Kept apart from prediction_rollups so that copies never count as champion or challenger
 * traffic (the split, its sample-ratio check and the comparison read only callers' predictions).
 */
@Entity({ name: 'shadow_rollups' })
export class ShadowRollupEntity {
  @PrimaryColumn({ name: 'model_name', type: 'varchar', length: 63 })
  modelName: string;

  @PrimaryColumn({ type: 'timestamptz' })
  minute: Date;

  @PrimaryColumn({ type: 'integer' })
  version: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  requests: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  errors: number;

  /** The shadow's own run time, in latency buckets (libs/statistics latencyBucket). */
  @Column({ name: 'latency_buckets', type: 'jsonb', default: {} })
  latencyBuckets: Counts;

  /** Classification: answers where both gave a class, and those where the classes were equal. */
  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  compared: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  agreements: number;

  /** Regression: shadow − champion over answers where both gave a value. */
  @Column({ name: 'difference_count', type: 'bigint', default: 0, transformer: bigintAsNumber })
  differenceCount: number;

  @Column({ name: 'difference_sum', type: 'double precision', default: 0 })
  differenceSum: number;

  @Column({ name: 'difference_abs_sum', type: 'double precision', default: 0 })
  differenceAbsSum: number;

  /** |shadow − champion| in log buckets of millionths (bucket 0: below one millionth). */
  @Column({ name: 'difference_abs_buckets', type: 'jsonb', default: {} })
  differenceAbsBuckets: Counts;

  /** Shadow answers whose request got feedback; for classes, those whose class was the outcome. */
  @Column({ name: 'outcome_count', type: 'bigint', default: 0, transformer: bigintAsNumber })
  outcomeCount: number;

  @Column({ name: 'outcome_correct', type: 'bigint', default: 0, transformer: bigintAsNumber })
  outcomeCorrect: number;

  /** Regression: how far the shadow's value was from a numeric outcome (count, |error| sum, error² sum). */
  @Column({ name: 'outcome_error_count', type: 'bigint', default: 0, transformer: bigintAsNumber })
  outcomeErrorCount: number;

  @Column({ name: 'outcome_abs_error_sum', type: 'double precision', default: 0 })
  outcomeAbsErrorSum: number;

  @Column({ name: 'outcome_squared_error_sum', type: 'double precision', default: 0 })
  outcomeSquaredErrorSum: number;
}
