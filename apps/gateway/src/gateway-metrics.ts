import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { BoundCounter, BoundHistogram, MetricsRegistry } from '@switchyard/http';

/** What one model's rollout looks like on this replica, read when Prometheus scrapes. */
export interface RolloutObservation {
  model: string;
  state: 'loading' | 'serving' | 'failed';
  targetRevision: number;
  servingRevision: number;
  /** The share the serving deployment gives the challenger (0 without one). */
  challengerPercent: number;
}

const ROLLOUT_STATES = ['loading', 'serving', 'failed'] as const;

/** The gateway's own series, beside the per-route HTTP histogram every app has. */
@Injectable()
export class GatewayMetrics {
  /** Bound series (see BoundHistogram): every prediction counts in both. */
  readonly predictions: BoundCounter<'model' | 'version' | 'variant' | 'status'>;
  readonly predictionDuration: BoundHistogram<'model' | 'version' | 'variant'>;
  readonly loadDuration: Histogram<'model'>;
  readonly loadFailures: Counter<'model'>;
  readonly offloaded: Gauge<'model' | 'version'>;
  readonly batchRows: Histogram<'model'>;
  readonly logFlushed: Counter;
  readonly logDropped: Counter<'reason'>;
  readonly shadowCopies: Counter<'model' | 'status'>;
  readonly shadowDropped: Counter<'model'>;
  private readonly registers: Registry[];
  private readonly logBuffers: Array<() => number> = [];

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.registers = registers;
    this.predictions = new BoundCounter({
      name: 'switchyard_predictions_total',
      help: 'Predictions served, by model, version, variant and outcome',
      labelNames: ['model', 'version', 'variant', 'status'],
      registry: metrics.registry,
    });
    this.predictionDuration = new BoundHistogram({
      name: 'switchyard_prediction_duration_seconds',
      help: 'Time from decoded request to encoded response, by model, version and variant',
      labelNames: ['model', 'version', 'variant'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registry: metrics.registry,
    });
    this.loadDuration = new Histogram({
      name: 'switchyard_model_load_duration_seconds',
      help: 'Fetch, session creation and warm-up of a version',
      labelNames: ['model'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.loadFailures = new Counter({
      name: 'switchyard_model_load_failures_total',
      help: 'Deployments that could not be loaded (the previous one kept serving)',
      labelNames: ['model'],
      registers,
    });
    this.batchRows = new Histogram({
      name: 'switchyard_batch_rows',
      help: 'Rows per dynamically batched inference',
      labelNames: ['model'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    });
    this.logFlushed = new Counter({
      name: 'switchyard_prediction_log_flushed_total',
      help: 'Prediction log events written to Redis',
      registers,
    });
    this.logDropped = new Counter({
      name: 'switchyard_prediction_log_dropped_total',
      help: 'Prediction log events dropped: buffer_full, redis_unavailable (a failed flush with no room to retry) or shutdown',
      labelNames: ['reason'],
      registers,
    });
    const logBuffers = this.logBuffers;
    new Gauge({
      name: 'switchyard_prediction_log_buffered',
      help: 'Prediction log events waiting in this replica',
      registers,
      collect() {
        this.set(logBuffers.reduce((events, read) => events + read(), 0));
      },
    });
    this.shadowCopies = new Counter({
      name: 'switchyard_shadow_copies_total',
      help: "Copies of champion requests the shadow ran (never returned to callers), by model and outcome (ok, error)",
      labelNames: ['model', 'status'],
      registers,
    });
    this.shadowDropped = new Counter({
      name: 'switchyard_shadow_dropped_total',
      help: "Copies of champion requests sampled for the shadow but dropped: its queue was full (GATEWAY_SHADOW_QUEUE_SIZE), or the shadow was swapped out before the copy ran",
      labelNames: ['model'],
      registers,
    });
    this.offloaded = new Gauge({
      name: 'switchyard_version_offloaded',
      help: '1 when a loaded version runs in inference threads (heavy), 0 when on the event loop',
      labelNames: ['model', 'version'],
      // Over a gateway's workers (GATEWAY_WORKERS, libs/http cluster-metrics.ts): 1 if any worker offloaded it.
      aggregator: 'max',
      registers,
    });
  }

  /**
   * Counts a buffer of prediction log events in switchyard_prediction_log_buffered, read when
   * Prometheus scrapes rather than set on every prediction. Called by the recorder that holds it.
   */
  observeLogBuffer(read: () => number): void {
    this.logBuffers.push(read);
  }

  /**
   * Exports each model's rollout on this replica (its state, the revision it loads and the one it
   * serves, the challenger's share), so dashboards and alerts see a load stuck or failing without
   * asking the registry. Called once, by the sessions that hold the state.
   */
  observeRollouts(read: () => RolloutObservation[]): void {
    const registers = this.registers;
    new Gauge({
      name: 'switchyard_rollout_state',
      help: "1 for the state of each model's rollout on this replica (loading, serving, failed), 0 for the others",
      labelNames: ['model', 'state'],
      registers,
      // Over a gateway's workers: 1 for each state some worker is in (a worker still loading shows).
      aggregator: 'max',
      collect() {
        this.reset();
        for (const rollout of read()) for (const state of ROLLOUT_STATES) this.set({ model: rollout.model, state }, rollout.state === state ? 1 : 0);
      },
    });
    new Gauge({
      name: 'switchyard_deployment_revision',
      help: 'Deployment revision per model on this replica: the one it is loading or last tried (target) and the one it serves',
      labelNames: ['model', 'revision'],
      registers,
      // Over a gateway's workers: the one furthest behind, so a rollout counts as done when all are.
      aggregator: 'min',
      collect() {
        this.reset();
        for (const rollout of read()) {
          this.set({ model: rollout.model, revision: 'target' }, rollout.targetRevision);
          this.set({ model: rollout.model, revision: 'serving' }, rollout.servingRevision);
        }
      },
    });
    new Gauge({
      name: 'switchyard_challenger_percent',
      help: "The challenger's share of traffic (0-100) in the deployment this replica serves",
      labelNames: ['model'],
      registers,
      // Over a gateway's workers: the smallest share any of them serves (they differ only mid-rollout).
      aggregator: 'min',
      collect() {
        this.reset();
        for (const rollout of read()) this.set({ model: rollout.model }, rollout.challengerPercent);
      },
    });
  }
}
