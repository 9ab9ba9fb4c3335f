import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsRegistry } from '@switchyard/http';

/**
 * How a validation job attempt ended:
 * - ready / failed: the version left `pending` for that status;
 * - skipped: the version was no longer pending (or no longer existed), nothing changed;
 * - retry: the attempt failed on a transient error and BullMQ will try again after a backoff;
 * - error: the last attempt failed on an unexpected error; the version stays pending for the sweep.
 */
export type JobOutcome = 'ready' | 'failed' | 'skipped' | 'retry' | 'error';

@Injectable()
export class ValidationMetrics {
  private readonly jobs: Counter<'outcome'>;
  private readonly duration: Histogram<'outcome'>;

  constructor(metrics: MetricsRegistry) {
    this.jobs = new Counter({
      name: 'switchyard_validation_jobs_total',
      help: 'Artifact validation job attempts by outcome',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    this.duration = new Histogram({
      name: 'switchyard_validation_duration_seconds',
      help: 'Time of one validation job attempt (read, verify, load, smoke inference), by outcome',
      labelNames: ['outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [metrics.registry],
    });
  }

  record(outcome: JobOutcome, seconds: number): void {
    this.jobs.inc({ outcome });
    this.duration.observe({ outcome }, seconds);
  }
}
