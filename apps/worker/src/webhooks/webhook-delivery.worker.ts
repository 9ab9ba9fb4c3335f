import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { TypedConfig } from '@switchyard/config';
import { closeWorkerWithin, DELIVER_WEBHOOK_JOB, type DeliverWebhookPayload, WEBHOOK_DELIVERY_QUEUE } from '@switchyard/queues';
import { DeliveryPostponedError, WebhookDeliveryService } from './webhook-delivery.service';

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Consumes the webhook-delivery queue. One job per (webhook, model), so BullMQ never runs two
 * deliveries of one queue at once; a postponed queue's job is retried after the delay its head
 * delivery asked for (backoff by that delivery's attempts, not the job's).
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDeliveryWorker.name);
  private worker?: Worker<DeliverWebhookPayload, number>;

  constructor(
    private readonly config: TypedConfig,
    private readonly delivery: WebhookDeliveryService,
  ) {}

  onApplicationBootstrap(): void {
    this.worker = new Worker<DeliverWebhookPayload, number>(WEBHOOK_DELIVERY_QUEUE, (job) => this.process(job), {
      connection: { url: this.config.get('REDIS_URL'), maxRetriesPerRequest: null },
      prefix: this.config.get('REDIS_PREFIX'),
      concurrency: this.config.get('WEBHOOK_CONCURRENCY'),
      // A receiver may take WEBHOOK_TIMEOUT_MS per event; the lock is renewed while the job runs.
      lockDuration: Math.max(30_000, 2 * this.config.get('WEBHOOK_TIMEOUT_MS')),
      settings: {
        backoffStrategy: (_attemptsMade: number, _type?: string, error?: Error) =>
          error instanceof DeliveryPostponedError ? error.delayMs : this.config.get('WEBHOOK_RETRY_BASE_MS'),
      },
    });
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'webhook-delivery worker error'));
  }

  async onModuleDestroy(): Promise<void> {
    if (!this.worker || (await closeWorkerWithin(this.worker, SHUTDOWN_GRACE_MS))) return;
    this.logger.warn(`webhook worker did not stop within ${SHUTDOWN_GRACE_MS} ms; dropped its connections (the job is retaken after its lock expires)`);
  }

  private async process(job: Job<DeliverWebhookPayload, number>): Promise<number> {
    if (job.name !== DELIVER_WEBHOOK_JOB) throw new UnrecoverableError(`unknown job "${job.name}" on ${WEBHOOK_DELIVERY_QUEUE}`);
    return this.delivery.drain(job.data.webhookId, job.data.modelName);
  }
}
