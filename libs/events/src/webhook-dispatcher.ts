import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  DELIVER_WEBHOOK_JOB,
  type DeliverWebhookPayload,
  WEBHOOK_DELIVERY_QUEUE,
  WEBHOOK_JOB_OPTIONS,
  webhookJobId,
} from '@switchyard/queues';
import type { DeliveryQueueKey } from './event-outbox';

/**
 * Wakes the worker's delivery of (webhook, model) queues after the change that recorded their events
 * committed. Never throws: with Redis down the change still stands, its deliveries are durable rows,
 * and the worker's sweep enqueues them later.
 */
@Injectable()
export class WebhookDispatcher {
  private readonly logger = new Logger(WebhookDispatcher.name);

  constructor(@InjectQueue(WEBHOOK_DELIVERY_QUEUE) private readonly queue: Queue<DeliverWebhookPayload>) {}

  async notify(keys: DeliveryQueueKey[]): Promise<void> {
    const unique = new Map(keys.map((key) => [webhookJobId(key.webhookId, key.modelName), key]));
    for (const [jobId, key] of unique) {
      try {
        await this.queue.add(DELIVER_WEBHOOK_JOB, key, { ...WEBHOOK_JOB_OPTIONS, jobId });
      } catch (error) {
        this.logger.warn({ err: error, ...key }, 'could not enqueue a webhook delivery; the worker\'s sweep will');
      }
    }
  }
}
