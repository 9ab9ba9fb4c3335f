import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TypedConfig } from '@switchyard/config';
import { PeriodicTask } from '../periodic-task';
import { IngestionMetrics } from './ingestion-metrics';

const SWEEP_EVERY_MS = 10 * 60_000;
/** Deleted in chunks so the table is never locked for long. */
const CHUNK = 10_000;

/**
 * Raw prediction rows live PREDICTION_LOG_RETENTION_DAYS; the rollups the statistics read are kept.
 * Outcomes still waiting for a prediction after the feedback window will never be matched.
 */
@Injectable()
export class PredictionRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PredictionRetention.name);
  private readonly task = new PeriodicTask(
    SWEEP_EVERY_MS,
    async () => void (await this.expire()),
    (error) => this.logger.warn(`prediction log retention failed: ${(error as Error).message}`),
  );

  constructor(
    private readonly config: TypedConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: IngestionMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** Returns the raw rows deleted. */
  async expire(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.get('PREDICTION_LOG_RETENTION_DAYS') * 86_400_000);
    let total = 0;
    for (;;) {
      const [, deleted] = (await this.dataSource.query(
        `DELETE FROM prediction_log WHERE ctid = ANY(ARRAY(SELECT ctid FROM prediction_log WHERE predicted_at < $1 LIMIT ${CHUNK}))`,
        [cutoff.toISOString()],
      )) as [unknown, number];
      total += deleted;
      if (deleted < CHUNK) break;
    }
    const outcomeCutoff = new Date(now.getTime() - (this.config.get('FEEDBACK_WINDOW_SECONDS') + 3_600) * 1_000);
    await this.dataSource.query(`DELETE FROM pending_outcomes WHERE received_at < $1`, [outcomeCutoff.toISOString()]);
    await this.dataSource.query(`DELETE FROM pending_labels WHERE received_at < $1`, [outcomeCutoff.toISOString()]);
    this.metrics.retentionDeleted.inc(total);
    return total;
  }
}
