import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A shadow's answer is logged beside the caller's prediction under the same (model, request id), told
 * apart by `shadow`; shadow_rollups hold, per minute and shadow version, the shadow against the
 * champion (agreement, output differences, errors, latency, outcomes), apart from the callers' rollups.
 */
export class ShadowPredictions1764820000000 implements MigrationInterface {
  name = 'ShadowPredictions1764820000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "shadow_rollups" ("model_name" character varying(63) NOT NULL, "minute" TIMESTAMP WITH TIME ZONE NOT NULL, "version" integer NOT NULL, "requests" bigint NOT NULL DEFAULT '0', "errors" bigint NOT NULL DEFAULT '0', "latency_buckets" jsonb NOT NULL DEFAULT '{}', "compared" bigint NOT NULL DEFAULT '0', "agreements" bigint NOT NULL DEFAULT '0', "difference_count" bigint NOT NULL DEFAULT '0', "difference_sum" double precision NOT NULL DEFAULT '0', "difference_abs_sum" double precision NOT NULL DEFAULT '0', "difference_abs_buckets" jsonb NOT NULL DEFAULT '{}', "outcome_count" bigint NOT NULL DEFAULT '0', "outcome_correct" bigint NOT NULL DEFAULT '0', "outcome_error_count" bigint NOT NULL DEFAULT '0', "outcome_abs_error_sum" double precision NOT NULL DEFAULT '0', "outcome_squared_error_sum" double precision NOT NULL DEFAULT '0', CONSTRAINT "PK_de3644d65fa245b9d5b838cc77a" PRIMARY KEY ("model_name", "minute", "version"))`);
    await queryRunner.query(`ALTER TABLE "prediction_log" ADD "shadow" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "prediction_log" DROP CONSTRAINT "PK_f13648ffbfb7ecf621af09aadf3"`);
    await queryRunner.query(`ALTER TABLE "prediction_log" ADD CONSTRAINT "PK_a603b65b997cc03f89f2d1187dd" PRIMARY KEY ("model_name", "request_id", "shadow")`);
  }

  /** Going back drops the shadows' rows and rollups: the older key has room for one prediction per request id. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "prediction_log" WHERE "shadow"`);
    await queryRunner.query(`ALTER TABLE "prediction_log" DROP CONSTRAINT "PK_a603b65b997cc03f89f2d1187dd"`);
    await queryRunner.query(`ALTER TABLE "prediction_log" ADD CONSTRAINT "PK_f13648ffbfb7ecf621af09aadf3" PRIMARY KEY ("model_name", "request_id")`);
    await queryRunner.query(`ALTER TABLE "prediction_log" DROP COLUMN "shadow"`);
    await queryRunner.query(`DROP TABLE "shadow_rollups"`);
  }
}
