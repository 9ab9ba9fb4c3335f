import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '@switchyard/http';

@Injectable()
export class IngestionMetrics {
  readonly ingested: Counter;
  readonly duplicates: Counter;
  readonly rejected: Counter;
  readonly refused: Counter<'stream'>;
  readonly outcomes: Counter<'result'>;
  readonly labels: Counter<'result'>;
  readonly batchSeconds: Histogram;
  readonly retentionDeleted: Counter;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.ingested = new Counter({ name: 'switchyard_prediction_log_ingested_total', help: 'Prediction events written to PostgreSQL', registers });
    this.duplicates = new Counter({ name: 'switchyard_prediction_log_duplicates_total', help: 'Prediction events already in PostgreSQL (redelivered or a repeated request id)', registers });
    this.rejected = new Counter({ name: 'switchyard_prediction_log_rejected_total', help: 'Stream events that could not be read and were left out', registers });
    this.refused = new Counter({
      name: 'switchyard_prediction_log_refused_total',
      help: 'Events PostgreSQL refused (a value it cannot store, a constraint): set aside on the refused-events stream instead of stopping ingestion',
      labelNames: ['stream'],
      registers,
    });
    this.outcomes = new Counter({
      name: 'switchyard_outcomes_total',
      help: 'Feedback outcomes: applied to their prediction, pending (prediction not ingested yet) or duplicate (the prediction already had one)',
      labelNames: ['result'],
      registers,
    });
    this.labels = new Counter({
      name: 'switchyard_labels_total',
      help: 'Ground-truth labels: applied to their prediction, pending (prediction not ingested yet) or duplicate (the prediction already had one)',
      labelNames: ['result'],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'switchyard_prediction_log_batch_seconds',
      help: 'Time of one ingestion transaction',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.retentionDeleted = new Counter({ name: 'switchyard_prediction_log_expired_total', help: 'Raw prediction rows deleted by the retention setting', registers });
  }
}
