import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TypedConfig } from '@switchyard/config';
import { WebhookDispatcher } from '@switchyard/events';
import { PeriodicTask } from '../periodic-task';

/**
 * Makes sure no pending delivery waits forever: its event was committed but the job that delivers it
 * may never have been enqueued (Redis down after the commit), or was added while the queue's job was
 * finishing. Every WEBHOOK_SWEEP_INTERVAL_MS this enqueues each (webhook, model) with pending
 * deliveries; a job already waiting, retrying or running absorbs the add (same job id).
 */
@Injectable()
export class WebhookSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookSweep.name);
  private readonly task: PeriodicTask;

  constructor(
    config: TypedConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly dispatcher: WebhookDispatcher,
  ) {
    this.task = new PeriodicTask(
      config.get('WEBHOOK_SWEEP_INTERVAL_MS'),
      () => this.sweep(),
      (error) => this.logger.error({ err: error }, 'webhook sweep failed; it runs again next interval'),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  async sweep(): Promise<void> {
    const queues = (await this.dataSource.query(
      `SELECT DISTINCT webhook_id, model_name FROM webhook_deliveries WHERE status = 'pending'`,
    )) as Array<{ webhook_id: string; model_name: string }>;
    await this.dispatcher.notify(queues.map((q) => ({ webhookId: q.webhook_id, modelName: q.model_name })));
  }
}
