import { Module } from '@nestjs/common';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Webhook subscriptions and their delivery log; the events are written where changes happen, the worker delivers. */
@Module({ controllers: [WebhooksController], providers: [WebhooksService] })
export class WebhooksModule {}
