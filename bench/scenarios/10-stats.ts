import { Client } from 'pg';
import { ms, percentile } from '../figures';
import { call } from '../http';
import { check, type ScenarioRecord, verdictOf } from '../record';
import type { Bench, Scenario } from '../runner';

/**
 * The rollups of 10 million predictions over 7 days (two variants, every minute), written straight
 * into PostgreSQL, then the stats API asked about the whole week: the answer reads rollups only.
 */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const { system } = bench;
  const model = `stats-${Date.now()}`;
  const pg = new Client({ connectionString: system.databaseUrl });
  await pg.connect();
  const minutes = 7 * 24 * 60;
  const perMinute = Math.round(10_000_000 / minutes);
  const seeded = performance.now();
  try {
    await call(`${system.registryUrl}/v1/models`, 'POST', { name: model });
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    // Each variant-minute: its share of requests, a latency histogram over ~40 log buckets, two inputs.
    await pg.query(
      `INSERT INTO prediction_rollups (model_name, minute, variant, version, requests, errors, latency_buckets, output_count, output_sum, output_sum_squares, output_labels, outcome_count, outcome_sum, outcome_sum_squares, outcome_correct)
       SELECT $1, to_timestamp(($2::bigint - m * 60000) / 1000.0), v.variant, v.version, v.requests, v.requests / 100, lat.hist, v.requests, v.requests * 0.5, v.requests * 0.3, '{}', v.requests / 10, v.requests / 10 * 1.5, v.requests / 10 * 2.5, 0
       FROM generate_series(1, $3::int) AS m
       CROSS JOIN (VALUES ('champion', 1, $4::int - $4::int / 10), ('challenger', 2, $4::int / 10)) AS v(variant, version, requests)
       CROSS JOIN LATERAL (SELECT jsonb_object_agg(b::text, greatest(1, v.requests / 40)) AS hist FROM generate_series(340 + (m % 3), 379 + (m % 3)) AS b) AS lat`,
      [model, end, minutes, perMinute],
    );
    await pg.query(
      `INSERT INTO prediction_input_rollups (model_name, minute, variant, input, bins)
       SELECT $1, to_timestamp(($2::bigint - m * 60000) / 1000.0), v.variant, i.input, jsonb_build_object('120', 10, '121', 20, (122 + m % 4)::text, 30)
       FROM generate_series(1, $3::int) AS m
       CROSS JOIN (VALUES ('champion'), ('challenger')) AS v(variant)
       CROSS JOIN (VALUES ('x[0]'), ('x[1]')) AS i(input)`,
      [model, end, minutes],
    );
    const seedSeconds = (performance.now() - seeded) / 1_000;
    const from = new Date(end - minutes * 60_000).toISOString();
    const to = new Date(end + 60_000).toISOString();
    const timings: number[] = [];
    let requests = 0;
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const answer = await call(`${system.registryUrl}/v1/models/${model}/stats?from=${from}&to=${to}`, 'GET');
      const elapsed = performance.now() - t0;
      if (answer.status !== 200) {
        record.failures.push(`scenario 10: stats answered ${answer.status}`);
        break;
      }
      // The first call warms the registry's code paths and PostgreSQL's cache; it is reported, not counted.
      if (i > 0) timings.push(elapsed);
      requests = (answer.body.variants as Array<{ requests: number }>).reduce((sum, v) => sum + v.requests, 0);
    }
    const worst = timings.length ? Math.max(...timings) : null;
    const target = check('slowest stats answer (ms)', worst, '<=', 1_000);
    record.checks.push(target);
    record.extra = { predictions: requests, rollup_rows: minutes * 2, seed_seconds: Number(seedSeconds.toFixed(1)), answer_ms: timings.map((t) => Number(t.toFixed(1))) };
    record.rows.push({
      id: '10',
      scenario: `stats over ${(requests / 1e6).toFixed(1)} M predictions, 7 days, 2 variants`,
      figure: worst === null ? '—' : `${worst.toFixed(0)} ms`,
      p50: ms(percentile(timings, 50)),
      p99: '—',
      non2xx: '—',
      errors: '—',
      cpu: '',
      ratio: `${minutes * 2} rollup rows`,
      target: '< 1 s',
      verdict: verdictOf([target]),
    });
  } finally {
    await pg.query('DELETE FROM prediction_rollups WHERE model_name = $1', [model]).catch(() => undefined);
    await pg.query('DELETE FROM prediction_input_rollups WHERE model_name = $1', [model]).catch(() => undefined);
    await pg.end();
  }
}

export const statsQuery: Scenario = { id: 10, name: 'stats', title: 'stats over 10 million logged predictions', needsSystem: true, run };
