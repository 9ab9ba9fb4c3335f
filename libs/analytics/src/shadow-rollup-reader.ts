import type { EntityManager } from 'typeorm';
import type { Counts } from '@switchyard/persistence';
import type { Window } from './rollup-reader';

/** What shadow_rollups hold about one shadow version over a window. */
export interface ShadowAggregate {
  version: number;
  requests: number;
  errors: number;
  latency: Counts;
  compared: number;
  agreements: number;
  differenceCount: number;
  differenceSum: number;
  differenceAbsSum: number;
  differenceAbsBuckets: Counts;
  outcomeCount: number;
  outcomeCorrect: number;
  outcomeErrorCount: number;
  outcomeAbsErrorSum: number;
  outcomeSquaredErrorSum: number;
}

const num = (value: unknown) => Number(value ?? 0);

/** Reads the shadow's per-minute rollups for a model and window, one aggregate per shadow version. */
export async function readShadowAggregates(manager: EntityManager, model: string, window: Window): Promise<ShadowAggregate[]> {
  const params = [model, window.from.toISOString(), window.to.toISOString()];
  const where = `model_name = $1 AND minute >= $2 AND minute < $3`;
  const histogram = async (column: string) => {
    const rows = (await manager.query(
      `SELECT version, b.key, sum(b.value::bigint) AS count FROM shadow_rollups CROSS JOIN LATERAL jsonb_each_text(${column}) AS b WHERE ${where} GROUP BY version, b.key`,
      params,
    )) as { version: number; key: string; count: string }[];
    const byVersion = new Map<number, Counts>();
    for (const row of rows) {
      let counts = byVersion.get(row.version);
      if (!counts) byVersion.set(row.version, (counts = {}));
      counts[row.key] = num(row.count);
    }
    return byVersion;
  };
  const [totals, latency, differences] = await Promise.all([
    manager.query(
      `SELECT version, sum(requests) AS requests, sum(errors) AS errors, sum(compared) AS compared, sum(agreements) AS agreements,
              sum(difference_count) AS difference_count, sum(difference_sum) AS difference_sum, sum(difference_abs_sum) AS difference_abs_sum,
              sum(outcome_count) AS outcome_count, sum(outcome_correct) AS outcome_correct, sum(outcome_error_count) AS outcome_error_count,
              sum(outcome_abs_error_sum) AS outcome_abs_error_sum, sum(outcome_squared_error_sum) AS outcome_squared_error_sum
       FROM shadow_rollups WHERE ${where} GROUP BY version ORDER BY version`,
      params,
    ) as Promise<Record<string, unknown>[]>,
    histogram('latency_buckets'),
    histogram('difference_abs_buckets'),
  ]);
  return totals.map((row) => {
    const version = num(row.version);
    return {
      version,
      requests: num(row.requests),
      errors: num(row.errors),
      latency: latency.get(version) ?? {},
      compared: num(row.compared),
      agreements: num(row.agreements),
      differenceCount: num(row.difference_count),
      differenceSum: num(row.difference_sum),
      differenceAbsSum: num(row.difference_abs_sum),
      differenceAbsBuckets: differences.get(version) ?? {},
      outcomeCount: num(row.outcome_count),
      outcomeCorrect: num(row.outcome_correct),
      outcomeErrorCount: num(row.outcome_error_count),
      outcomeAbsErrorSum: num(row.outcome_abs_error_sum),
      outcomeSquaredErrorSum: num(row.outcome_squared_error_sum),
    };
  });
}
