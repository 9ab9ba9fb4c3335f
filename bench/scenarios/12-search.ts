import { Client } from 'pg';
import { ms, percentile } from '../figures';
import { call } from '../http';
import { check, type ScenarioRecord, verdictOf } from '../record';
import type { Bench, Scenario } from '../runner';

const VERSIONS = 10_000;
/** A filtered, ordered page: ready, one team's, under an RMSE bound, best RMSE first. */
const SEARCH = 'status=ready&tag.team=risk&metric.rmse_lt=0.3&order_by=metric.rmse&order=asc&limit=50';

/**
 * One model with 10,000 versions (written straight into PostgreSQL: a quarter of them tagged `risk`,
 * nine in ten ready, RMSE spread over 0–1), then `GET /v1/models/{name}/versions` with a filter and a
 * metric ordering, and the same ordered by creation time, each 10 times after a warm-up.
 */
async function run(bench: Bench, record: ScenarioRecord): Promise<void> {
  const { system } = bench;
  const model = `search-${Date.now()}`;
  const pg = new Client({ connectionString: system.databaseUrl });
  await pg.connect();
  const seeded = performance.now();
  try {
    await call(`${system.registryUrl}/v1/models`, 'POST', { name: model });
    await pg.query(
      `INSERT INTO model_versions (model_id, version, status, sha256, size_bytes, artifact_uri, metadata, created_by, created_at)
       SELECT m.id, n, CASE WHEN n % 10 = 0 THEN 'failed' ELSE 'ready' END, repeat('0', 64), 1, 'file:///nowhere',
              jsonb_build_object('tags', jsonb_build_object('team', CASE WHEN n % 4 = 0 THEN 'risk' ELSE 'growth' END, 'run', n::text),
                                 'metrics', jsonb_build_object('rmse', ((n * 7919) % 10000) / 10000.0, 'auc', 0.5 + (n % 500) / 1000.0)),
              'bench', now() - make_interval(secs => $2::int - n)
       FROM models m CROSS JOIN generate_series(1, $2::int) AS n WHERE m.name = $1`,
      [model, VERSIONS],
    );
    await pg.query('UPDATE models SET last_version = $2 WHERE name = $1', [model, VERSIONS]);
    await pg.query('ANALYZE model_versions');
    const seedSeconds = (performance.now() - seeded) / 1_000;
    const time = async (query: string): Promise<{ timings: number[]; items: number }> => {
      const timings: number[] = [];
      let items = 0;
      for (let i = 0; i < 11; i++) {
        const t0 = performance.now();
        const answer = await call(`${system.registryUrl}/v1/models/${model}/versions?${query}`, 'GET');
        const elapsed = performance.now() - t0;
        if (answer.status !== 200) throw new Error(`search answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        // The first call warms the registry's code paths and PostgreSQL's cache; it is reported, not counted.
        if (i > 0) timings.push(elapsed);
        items = (answer.body.items as unknown[]).length;
      }
      return { timings, items };
    };
    const byMetric = await time(SEARCH);
    const byTime = await time('status=ready&tag.team=risk&order_by=created_at&limit=50');
    const p50 = percentile(byMetric.timings, 50);
    const target = check('filtered, metric-ordered page of 10,000 versions, p50 (ms)', p50, '<=', 100);
    record.checks.push(target);
    record.extra = {
      versions: VERSIONS,
      query: SEARCH,
      seed_seconds: Number(seedSeconds.toFixed(1)),
      metric_order_ms: byMetric.timings.map((t) => Number(t.toFixed(1))),
      created_order_ms: byTime.timings.map((t) => Number(t.toFixed(1))),
    };
    record.rows.push({
      id: '12',
      scenario: `version search, ${VERSIONS} versions of one model, filtered and ordered by a metric`,
      figure: p50 === null ? '—' : `${p50.toFixed(1)} ms`,
      p50: ms(p50),
      p99: ms(percentile(byMetric.timings, 99)),
      non2xx: '—',
      errors: '—',
      cpu: '',
      ratio: `by created_at: p50 ${ms(percentile(byTime.timings, 50))} ms`,
      target: '< 100 ms',
      verdict: verdictOf([target]),
    });
  } finally {
    await pg.query('DELETE FROM models WHERE name = $1', [model]).catch(() => undefined);
    await pg.end();
  }
}

export const versionSearch: Scenario = { id: 12, name: 'search', title: 'version search over 10,000 versions', needsSystem: true, run };
