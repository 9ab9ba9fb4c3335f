import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { TypedConfig } from '@switchyard/config';
import { ARTIFACT_VALIDATION_QUEUE, WEBHOOK_DELIVERY_QUEUE } from './queue-contract';

/**
 * BullMQ on its own Redis connection (BullMQ requires maxRetriesPerRequest: null), with every key
 * under REDIS_PREFIX. Producers fail fast while Redis is down (no offline queue) rather than hang a
 * request; the worker's pending-version sweep re-enqueues what could not be queued.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [TypedConfig],
      useFactory: (config: TypedConfig) => ({
        connection: { url: config.get('REDIS_URL'), maxRetriesPerRequest: null, enableOfflineQueue: false },
        prefix: config.get('REDIS_PREFIX'),
      }),
    }),
    BullModule.registerQueue({ name: ARTIFACT_VALIDATION_QUEUE }, { name: WEBHOOK_DELIVERY_QUEUE }),
  ],
  exports: [BullModule],
})
export class QueuesModule {}
