import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '@switchyard/http';
import { WorkerModule } from './worker.module';

/** The worker's HTTP side is only health and metrics; its work comes from BullMQ queues. */
export async function createWorkerApp(): Promise<NestFastifyApplication> {
  return createHttpApp(WorkerModule.forRoot(), {
    app: 'worker',
    title: 'Switchyard worker',
    description: 'Health and metrics of the background worker.',
  });
}
