import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deliveries by event: the foreign key's ON DELETE CASCADE looks up each deleted event's deliveries,
 * and without this index every event the retention deletes cost a scan of the whole delivery log.
 */
export class DeliveriesByEvent1764840000003 implements MigrationInterface {
  name = 'DeliveriesByEvent1764840000003';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "ix_webhook_deliveries_event" ON "webhook_deliveries" ("event_id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_webhook_deliveries_event"`);
  }
}
