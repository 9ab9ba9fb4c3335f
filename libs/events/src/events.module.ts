import { Module } from '@nestjs/common';
import { WebhookDispatcher } from './webhook-dispatcher';

/** The producer side of events: the dispatcher that wakes deliveries (the queue comes from the global QueuesModule). */
@Module({ providers: [WebhookDispatcher], exports: [WebhookDispatcher] })
export class EventsModule {}
