import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '@switchyard/http';
import type { StreamBacklog } from './stream-backlog';

/** One read of the streams' backlogs serves both gauges of a scrape. */
const BACKLOG_READ_REUSE_MS = 1_000;
/** A Redis that accepts the connection but does not answer must not hold /metrics (and `up`) with it. */
export const BACKLOG_READ_TIMEOUT_MS = 1_000;

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
  private backlogSource?: () => Promise<Record<string, StreamBacklog>>;
  private lastBacklogRead?: { at: number; backlogs: Promise<Record<string, StreamBacklog> | null> };

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
    // Both gauges come from one read (readBacklogs), each taking its field of every stream's backlog.
    const backlogGauge = (name: string, help: string, field: keyof StreamBacklog) => {
      const backlogs = () => this.readBacklogs();
      new Gauge({
        name,
        help,
        labelNames: ['stream'],
        registers,
        async collect() {
          const read = await backlogs();
          this.reset();
          for (const [stream, backlog] of Object.entries(read ?? {})) this.set({ stream }, backlog[field]);
        },
      });
    };
    backlogGauge(
      'switchyard_prediction_log_waiting_entries',
      'Stream entries the worker has not yet written to PostgreSQL (a predictions entry holds up to 500 events); read at scrape',
      'entries',
    );
    backlogGauge(
      'switchyard_prediction_log_oldest_waiting_seconds',
      'Age of the oldest stream entry not yet written to PostgreSQL, 0 when none waits: how late statistics, feedback and guardrails are; read at scrape',
      'oldestSeconds',
    );
  }

  /** Where the backlog gauges read from (the ingestion, which knows the streams); unset, they export nothing. */
  observeBacklog(read: () => Promise<Record<string, StreamBacklog>>): void {
    this.backlogSource = read;
  }

  /** null when Redis could not be read: the gauges then export no series rather than a stale value. */
  private readBacklogs(): Promise<Record<string, StreamBacklog> | null> {
    const source = this.backlogSource;
    if (!source) return Promise.resolve(null);
    const now = Date.now();
    if (!this.lastBacklogRead || now - this.lastBacklogRead.at >= BACKLOG_READ_REUSE_MS) {
      this.lastBacklogRead = { at: now, backlogs: withinTimeout(source(), BACKLOG_READ_TIMEOUT_MS) };
    }
    return this.lastBacklogRead.backlogs;
  }
}

/** The read's result, or null if it fails or takes longer than `ms`. */
function withinTimeout<T>(read: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
    timer.unref();
  });
  return Promise.race([read.catch(() => null), late]).finally(() => clearTimeout(timer));
}
