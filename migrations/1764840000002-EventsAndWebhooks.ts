import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The event outbox, webhooks, and one delivery row per (webhook, event) with its attempts. */
export class EventsAndWebhooks1764840000002 implements MigrationInterface {
  name = 'EventsAndWebhooks1764840000002';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "events" ("id" BIGSERIAL NOT NULL, "uid" uuid NOT NULL DEFAULT gen_random_uuid(), "type" character varying(40) NOT NULL, "model_name" character varying(63) NOT NULL, "data" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_events_uid" UNIQUE ("uid"), CONSTRAINT "PK_events" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_events_model_id" ON "events" ("model_name", "id") `);
    await queryRunner.query(`CREATE TABLE "webhooks" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "url" text NOT NULL, "events" jsonb NOT NULL, "model" character varying(63), "secret" text NOT NULL, "created_by" character varying(200) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_webhooks" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "webhook_deliveries" ("id" BIGSERIAL NOT NULL, "webhook_id" uuid NOT NULL, "event_id" bigint NOT NULL, "model_name" character varying(63) NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "attempts" integer NOT NULL DEFAULT '0', "attempt_log" jsonb NOT NULL DEFAULT '[]', "delivered_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_webhook_deliveries" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_webhook_deliveries_queue" ON "webhook_deliveries" ("webhook_id", "model_name", "status", "event_id") `);
    await queryRunner.query(`CREATE INDEX "ix_webhook_deliveries_webhook" ON "webhook_deliveries" ("webhook_id", "id") `);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "FK_a0286aeb96db651efd1ae2966f2" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "FK_27d1ee90033bdafe0ffe8f1be6f" FOREIGN KEY ("event_id") REFERENCES "events"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "FK_27d1ee90033bdafe0ffe8f1be6f"`);
    await queryRunner.query(`ALTER TABLE "webhook_deliveries" DROP CONSTRAINT "FK_a0286aeb96db651efd1ae2966f2"`);
    await queryRunner.query(`DROP INDEX "public"."ix_webhook_deliveries_webhook"`);
    await queryRunner.query(`DROP INDEX "public"."ix_webhook_deliveries_queue"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "webhooks"`);
    await queryRunner.query(`DROP INDEX "public"."ix_events_model_id"`);
    await queryRunner.query(`DROP TABLE "events"`);
  }
}
