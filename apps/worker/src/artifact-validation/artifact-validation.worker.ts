import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { performance } from 'node:perf_hooks';
import { TypedConfig } from '@switchyard/config';
import { ARTIFACT_VALIDATION_QUEUE, closeWorkerWithin, VALIDATE_VERSION_JOB, type ValidateVersionPayload } from '@switchyard/queues';
import { ArtifactValidationService, type ValidationOutcome } from './artifact-validation.service';
import { ValidationMetrics } from './validation-metrics';

/**
 * Consumes the artifact-validation queue. The BullMQ Worker is created here rather than through
 * @nestjs/bullmq's @Processor because that decorator takes worker options when the class is defined,
 * before the environment is validated, while lock duration and concurrency are configuration
 * (VALIDATION_LOCK_MS, VALIDATION_CONCURRENCY).
 */
/** How long shutdown waits for a validation in progress before it closes the worker by force. */
const SHUTDOWN_GRACE_MS = 10_000;

@Injectable()
export class ArtifactValidationWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ArtifactValidationWorker.name);
  private worker?: Worker<ValidateVersionPayload, ValidationOutcome>;

  constructor(
    private readonly config: TypedConfig,
    private readonly validation: ArtifactValidationService,
    private readonly metrics: ValidationMetrics,
  ) {}

  /** Started once every module is ready, so no job runs before the database connection exists. */
  onApplicationBootstrap(): void {
    const lockDuration = this.config.get('VALIDATION_LOCK_MS');
    this.worker = new Worker<ValidateVersionPayload, ValidationOutcome>(ARTIFACT_VALIDATION_QUEUE, (job) => this.process(job), {
      // Its own connection: a worker blocks on Redis and must retry commands forever (BullMQ's requirement).
      connection: { url: this.config.get('REDIS_URL'), maxRetriesPerRequest: null },
      prefix: this.config.get('REDIS_PREFIX'),
      concurrency: this.config.get('VALIDATION_CONCURRENCY'),
      lockDuration,
      // A dead worker's job goes back to the queue at the first check after its lock expired. BullMQ
      // checks every 30 s by default whatever the lock, so the check follows the lock instead.
      stalledInterval: lockDuration,
    });
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'artifact-validation worker error'));
  }

  /**
   * Runs before the database and queue connections close (they close on application shutdown), and
   * waits for a job in progress so none is left half done, for at most SHUTDOWN_GRACE_MS (see
   * closeWorkerWithin); validating a version that is no longer pending is a no-op, so a job retaken
   * after a forced close is safe.
   */
  async onModuleDestroy(): Promise<void> {
    if (!this.worker || (await closeWorkerWithin(this.worker, SHUTDOWN_GRACE_MS))) return;
    this.logger.warn(`validation worker did not stop within ${SHUTDOWN_GRACE_MS} ms; dropped its connections (a job in progress is retried elsewhere)`);
  }

  private async process(job: Job<ValidateVersionPayload, ValidationOutcome>): Promise<ValidationOutcome> {
    if (job.name !== VALIDATE_VERSION_JOB) throw new UnrecoverableError(`unknown job "${job.name}" on ${ARTIFACT_VALIDATION_QUEUE}`);
    // attemptsMade counts the attempts that ended before this one.
    const attempt = { number: job.attemptsMade + 1, of: job.opts.attempts ?? 1 };
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    try {
      const outcome = await this.validation.validate(job.data.versionId, attempt);
      this.metrics.record(outcome, elapsed());
      return outcome;
    } catch (error) {
      const retried = attempt.number < attempt.of;
      this.metrics.record(retried ? 'retry' : 'error', elapsed());
      this.logger.warn({ err: error, versionId: job.data.versionId, attempt }, retried ? 'validation attempt failed; it will be retried' : 'validation failed on its last attempt');
      throw error;
    }
  }
}
