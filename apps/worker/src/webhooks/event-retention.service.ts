import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TypedConfig } from '@switchyard/config';
import { PeriodicTask } from '../periodic-task';

const SWEEP_EVERY_MS = 60 * 60_000;
/** Deleted in chunks so the tables are never locked for long. */
const CHUNK = 5_000;

/**
 * Events (the outbox every change writes) and their webhook delivery logs live EVENTS_RETENTION_DAYS:
 * without it both tables grew with every change for ever, and the webhook sweep reads the delivery
 * log. An event whose delivery is still pending is kept until it is delivered or failed. The audit log
 * is not touched: it is the record. The same hourly sweep forgets the signing secrets rotations
 * replaced once their overlap is over: no delivery uses them, and a secret not kept cannot leak.
 */
@Injectable()
export class EventRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EventRetention.name);
  private readonly task = new PeriodicTask(
    SWEEP_EVERY_MS,
    async () => {
      await this.expire();
      await this.forgetReplacedSecrets();
    },
    (error) => this.logger.warn(`event retention failed: ${(error as Error).message}`),
  );

  constructor(
    private readonly config: TypedConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  /** Deletes the expired events, and their deliveries with them (ON DELETE CASCADE); returns how many events. */
  async expire(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.get('EVENTS_RETENTION_DAYS') * 86_400_000);
    let total = 0;
    for (;;) {
      const [, deleted] = (await this.dataSource.query(
        `DELETE FROM events WHERE id = ANY(ARRAY(
           SELECT e.id FROM events e
           WHERE e.created_at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
           ORDER BY e.id LIMIT ${CHUNK}))`,
        [cutoff.toISOString()],
      )) as [unknown, number];
      total += deleted;
      if (deleted < CHUNK) break;
    }
    if (total > 0) this.logger.log(`deleted ${total} event(s) older than ${cutoff.toISOString()} with their delivery logs`);
    return total;
  }

  /** Clears the secrets rotations replaced whose overlap has ended; returns how many webhooks held one. */
  async forgetReplacedSecrets(now = new Date()): Promise<number> {
    const [, cleared] = (await this.dataSource.query(
      `UPDATE webhooks SET previous_secret = NULL, previous_secret_expires_at = NULL WHERE previous_secret_expires_at <= $1`,
      [now.toISOString()],
    )) as [unknown, number];
    return cleared;
  }
}
