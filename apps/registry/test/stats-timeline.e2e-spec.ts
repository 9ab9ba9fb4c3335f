import { Client } from 'pg';
import { buildAffine } from '@switchyard/onnx/testing';
import { call } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startRegistry } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';

const MINUTE = 60_000;

/**
 * The stats across a promotion and a weight step inside the window: the sample ratio check weighs each
 * minute by the weights then in force, and the comparison reads only the minutes when the current
 * champion and challenger were both live. Rollups and the audit history are seeded with past times.
 */
describe('stats over a window with a promotion and a weight step', () => {
  let registry: RunningApp;
  let databaseUrl: string;
  let db: Client;
  let model: string;
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const minute = (ago: number) => new Date(now - ago * MINUTE);

  /** Moves the audit entries written since `sinceId` (the changes just made through the API) back to `at`. */
  async function backdate(sinceId: number, at: Date): Promise<number> {
    await db.query(`UPDATE audit_log SET created_at = $2 WHERE id > $1`, [sinceId, at.toISOString()]);
    const [{ max }] = (await db.query(`SELECT coalesce(max(id), 0)::int AS max FROM audit_log`)).rows as { max: number }[];
    return max;
  }

  async function rollup(at: Date, variant: string, version: number, requests: number, outcomeMean: number): Promise<void> {
    await db.query(
      `INSERT INTO prediction_rollups (model_name, minute, variant, version, requests, errors, latency_buckets, outcome_count, outcome_sum, outcome_sum_squares)
       VALUES ($1, $2, $3, $4, $5, 0, '{}', $5, $6, $7)`,
      [model, at.toISOString(), variant, version, requests, requests * outcomeMean, requests * (outcomeMean * outcomeMean + 1)],
    );
  }

  const deploymentUrl = () => `${registry.url}/v1/models/${model}/deployment`;
  const revision = async () => `"${(await call(deploymentUrl())).body.revision as number}"`;

  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    registry = await startRegistry({ ...fileStoreEnv(), DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix() });
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    model = await createModel(registry.url, 'timeline');
    for (const bias of [1, 2, 3]) await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias, features: 1 }), databaseUrl);

    // 90 min ago: v1 champion, v2 challenger at 10 %. 60 min ago: v2 at 50 %. 30 min ago: v2 promoted, v3 challenger at 20 %.
    await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } });
    await call(`${registry.url}/v1/models/${model}/aliases/challenger`, { method: 'PUT', json: { version: 2 } });
    await call(`${registry.url}/v1/models/${model}/traffic`, { method: 'PUT', json: { challenger_percent: 10 }, headers: { 'if-match': await revision() } });
    let last = await backdate(0, minute(90));
    await call(`${registry.url}/v1/models/${model}/traffic`, { method: 'PUT', json: { challenger_percent: 50 }, headers: { 'if-match': await revision() } });
    last = await backdate(last, minute(60));
    expect((await call(`${registry.url}/v1/models/${model}/promote`, { method: 'POST', json: {}, headers: { 'if-match': await revision() } })).status).toBe(200);
    await call(`${registry.url}/v1/models/${model}/aliases/challenger`, { method: 'PUT', json: { version: 3 } });
    await call(`${registry.url}/v1/models/${model}/traffic`, { method: 'PUT', json: { challenger_percent: 20 }, headers: { 'if-match': await revision() } });
    await backdate(last, minute(30));

    // Exactly the configured split in every minute. Before the promotion both sides had mean outcome 0
    // (v1) and 100 (v2): that old traffic would swamp the comparison of v2 with v3 (means 5 and 6).
    for (let ago = 80; ago > 60; ago--) {
      await rollup(minute(ago), 'champion', 1, 90, 0);
      await rollup(minute(ago), 'challenger', 2, 10, 100);
    }
    for (let ago = 60; ago > 30; ago--) {
      await rollup(minute(ago), 'champion', 1, 50, 0);
      await rollup(minute(ago), 'challenger', 2, 50, 100);
    }
    for (let ago = 30; ago > 0; ago--) {
      await rollup(minute(ago), 'champion', 2, 80, 5);
      await rollup(minute(ago), 'challenger', 3, 20, 6);
    }
  });

  afterAll(async () => {
    await db?.end();
    await registry?.close();
    await dropIsolatedDatabase(databaseUrl);
  });

  it("gives each variant the latency of all of the window's steps together, and each step its own", async () => {
    const latencyModel = await createModel(registry.url, 'latency');
    const seed = (at: Date, variant: string, buckets: Record<string, number>) =>
      db.query(
        `INSERT INTO prediction_rollups (model_name, minute, variant, version, requests, errors, latency_buckets) VALUES ($1, $2, $3, 1, $4, 0, $5)`,
        [latencyModel, at.toISOString(), variant, Object.values(buckets).reduce((sum, n) => sum + n, 0), JSON.stringify(buckets)],
      );
    // Early: 60 fast answers; late: 40 slow ones. Together the median is fast and the 99th percentile slow,
    // which neither step alone gives.
    await seed(minute(100), 'champion', { '300': 60 });
    await seed(minute(10), 'champion', { '400': 40 });
    await seed(minute(10), 'challenger', { '350': 7 });
    const { status, body } = await call(`${registry.url}/v1/models/${latencyModel}/stats?from=${minute(120).toISOString()}&to=${new Date(now).toISOString()}`);
    expect(status).toBe(200);
    type Point = { at: string; variant: string; latency_p50_ms: number; latency_p99_ms: number };
    const points = body.series.points as Point[];
    const champion = points.filter((p) => p.variant === 'champion');
    expect(champion).toHaveLength(2);
    const [early, late] = champion;
    expect(early.latency_p50_ms).toBeLessThan(late.latency_p50_ms);
    const latencyOf = (variant: string) => (body.variants as { variant: string; latency_ms: { p50: number; p99: number } }[]).find((v) => v.variant === variant)!.latency_ms;
    expect(latencyOf('champion')).toMatchObject({ p50: early.latency_p50_ms, p99: late.latency_p99_ms });
    const challenger = points.find((p) => p.variant === 'challenger')!;
    expect(latencyOf('challenger')).toMatchObject({ p50: challenger.latency_p50_ms, p99: challenger.latency_p99_ms });
  });

  it('finds no sample ratio mismatch and compares v2 with v3 on their 30 shared minutes only', async () => {
    const from = minute(120).toISOString();
    const to = new Date(now).toISOString();
    const { status, body } = await call(`${registry.url}/v1/models/${model}/stats?from=${from}&to=${to}`);
    expect(status).toBe(200);
    expect(body.deployment).toEqual({ champion: 2, challenger: 3, challenger_percent: 20 });
    // The variants still describe the whole window, whatever version served.
    expect(body.variants.map((v: { variant: string; versions: number[]; requests: number }) => [v.variant, v.versions, v.requests])).toEqual([
      ['champion', [1, 2], 20 * 90 + 30 * 50 + 30 * 80],
      ['challenger', [2, 3], 20 * 10 + 30 * 50 + 30 * 20],
    ]);
    expect(body.comparison.window).toEqual({ from: minute(30).toISOString(), to, minutes: 30 });
    expect(body.comparison.sample_ratio).toMatchObject({ mismatch: false, chi_square: 0, expected: [2_400, 600] });
    expect(body.comparison.outcome.difference).toBeCloseTo(1, 9);
    expect(body.verdict.decision).not.toBe('sample_ratio_mismatch');
    expect(body.verdict.summary).toContain('when champion v2 and challenger v3 were both live');
  });

  it('raises the alarm when the shared minutes are skewed against the weights then in force', async () => {
    // An extra 200 challenger requests in one minute of the 80/20 period: the split is off.
    await db.query(`UPDATE prediction_rollups SET requests = requests + 200 WHERE model_name = $1 AND minute = $2 AND variant = 'challenger'`, [model, minute(5).toISOString()]);
    const { body } = await call(`${registry.url}/v1/models/${model}/stats?from=${minute(120).toISOString()}&to=${new Date(now).toISOString()}`);
    expect(body.comparison.sample_ratio.mismatch).toBe(true);
    expect(body.verdict.decision).toBe('sample_ratio_mismatch');
  });
});
