import { Module } from '@nestjs/common';
import { EventsModule } from '@switchyard/events';
import { EventRetention } from './event-retention.service';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookSweep } from './webhook-sweep';

/**
 * Delivers events to webhooks: the BullMQ consumer of the webhook-delivery queue, the sweep that
 * re-enqueues lost jobs, and the retention of events and their delivery logs.
 */
@Module({ imports: [EventsModule], providers: [WebhookDeliveryService, WebhookDeliveryWorker, WebhookSweep, EventRetention] })
export class WebhooksModule {}
