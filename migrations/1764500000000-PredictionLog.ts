import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
* The prediction log (raw, kept for the retention period), outcomes that arrived before their
* prediction, per-minute rollups that the statistics read, and each model's task, labels and guardrail.
* switchyard_merge_counts() adds two sparse histograms ({"bucket": count}) in an upsert.
*/
export class PredictionLog1764500000000 implements MigrationInterface {
  name = 'PredictionLog1764500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "prediction_log" ("request_id" character varying(128) NOT NULL, "model_name" character varying(63) NOT NULL, "version" integer NOT NULL, "variant" character varying(16) NOT NULL, "routing_key_hash" character varying(32), "predicted_at" TIMESTAMP WITH TIME ZONE NOT NULL, "latency_us" integer NOT NULL, "status" smallint NOT NULL, "error" character varying(64), "inputs" jsonb, "output" jsonb, "payload" jsonb, "outcome" jsonb, "outcome_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_baee9ecb8b4fe32d3ec3839f233" PRIMARY KEY ("request_id"))`);
    await queryRunner.query(`CREATE INDEX "ix_prediction_log_predicted_at" ON "prediction_log"  ("predicted_at") `);
    await queryRunner.query(`CREATE TABLE "pending_outcomes" ("request_id" character varying(128) NOT NULL, "value" jsonb NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_abf5936a8f5a9de55e9d08b7ffd" PRIMARY KEY ("request_id"))`);
    await queryRunner.query(`CREATE TABLE "prediction_rollups" ("model_name" character varying(63) NOT NULL, "minute" TIMESTAMP WITH TIME ZONE NOT NULL, "variant" character varying(16) NOT NULL, "version" integer NOT NULL, "requests" bigint NOT NULL DEFAULT '0', "errors" bigint NOT NULL DEFAULT '0', "latency_buckets" jsonb NOT NULL DEFAULT '{}', "output_count" bigint NOT NULL DEFAULT '0', "output_sum" double precision NOT NULL DEFAULT '0', "output_sum_squares" double precision NOT NULL DEFAULT '0', "output_labels" jsonb NOT NULL DEFAULT '{}', "outcome_count" bigint NOT NULL DEFAULT '0', "outcome_sum" double precision NOT NULL DEFAULT '0', "outcome_sum_squares" double precision NOT NULL DEFAULT '0', "outcome_correct" bigint NOT NULL DEFAULT '0', CONSTRAINT "PK_f3a5603e819a264d245fcaabd95" PRIMARY KEY ("model_name", "minute", "variant", "version"))`);
    await queryRunner.query(`CREATE TABLE "prediction_input_rollups" ("model_name" character varying(63) NOT NULL, "minute" TIMESTAMP WITH TIME ZONE NOT NULL, "variant" character varying(16) NOT NULL, "input" character varying(160) NOT NULL, "bins" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_1ac199a3a3af923ce9d55e8b444" PRIMARY KEY ("model_name", "minute", "variant", "input"))`);
    await queryRunner.query(`ALTER TABLE "models" ADD "task" character varying(16)`);
    await queryRunner.query(`ALTER TABLE "models" ADD "labels" jsonb`);
    await queryRunner.query(`ALTER TABLE "models" ADD "guardrail" jsonb`);
    await queryRunner.query(`CREATE FUNCTION switchyard_merge_counts(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
          SELECT coalesce(jsonb_object_agg(key, total), '{}'::jsonb)
          FROM (SELECT key, sum(value::numeric) AS total FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) AS both_sides GROUP BY key) AS merged
        $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION switchyard_merge_counts(jsonb, jsonb)`);
    await queryRunner.query(`ALTER TABLE "models" DROP COLUMN "guardrail"`);
    await queryRunner.query(`ALTER TABLE "models" DROP COLUMN "labels"`);
    await queryRunner.query(`ALTER TABLE "models" DROP COLUMN "task"`);
    await queryRunner.query(`DROP TABLE "prediction_input_rollups"`);
    await queryRunner.query(`DROP TABLE "prediction_rollups"`);
    await queryRunner.query(`DROP TABLE "pending_outcomes"`);
    await queryRunner.query(`DROP INDEX "public"."ix_prediction_log_predicted_at"`);
    await queryRunner.query(`DROP TABLE "prediction_log"`);
  }
}
