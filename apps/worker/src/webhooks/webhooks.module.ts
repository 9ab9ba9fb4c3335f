import { Module } from '@nestjs/common';
import { EventsModule } from '@switchyard/events';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { WebhookSweep } from './webhook-sweep';

/** Delivers events to webhooks: the BullMQ consumer of the webhook-delivery queue and the sweep that re-enqueues lost jobs. */
@Module({ imports: [EventsModule], providers: [WebhookDeliveryService, WebhookDeliveryWorker, WebhookSweep] })
export class WebhooksModule {}
