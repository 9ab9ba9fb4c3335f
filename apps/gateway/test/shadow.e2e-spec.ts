import { Client } from 'pg';
import * as path from 'node:path';
import { buildAffine, buildLinearClassifier, buildModelThatLoops, buildReshapeThatNeverFits } from '@switchyard/onnx/testing';
import { series } from '../../../bench/gateway-metrics';
import { eventually } from '../../../test/support/artifacts';
import { type Answer, call, expectProblem, uploadForm } from '../../../test/support/client';
import { createModel, setVersionStatus, uploadReadyVersion } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startGateway, startRegistry, startWorker } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';
import { Cleanup } from '../../../test/support/owned-services';
import { testRun, uniqueSuffix } from '../../../test/support/test-env';

/**
 * A shadow gets copies of the champion's requests after the callers have their answers: callers see
 * only the champion, every copy is either logged (variant shadow, under the champion's request id) or
 * counted as dropped, and a shadow that fails or crawls changes nothing for callers.
 */
describe('shadow traffic through the gateway', () => {
  jest.setTimeout(240_000);
  const cleanup = new Cleanup();
  let databaseUrl: string;
  let registry: RunningApp;
  let gateway: RunningApp;

  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
    const shared = { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix(), ...fileStoreEnv() };
    registry = await startRegistry(shared);
    cleanup.defer(() => registry.close());
    gateway = await startGateway({
      ...shared,
      REGISTRY_URL: registry.url,
      GATEWAY_CACHE_DIR: path.join(testRun().workDir, `gateway-cache-${uniqueSuffix()}`),
      PREDICTION_LOG_FLUSH_MS: '50',
      DEPLOYMENT_POLL_MS: '300',
      GATEWAY_SHADOW_QUEUE_SIZE: '8',
      GATEWAY_SHADOW_CONCURRENCY: '1',
    });
    cleanup.defer(() => gateway.close());
    const worker = await startWorker({ ...shared, PREDICTION_LOG_CLAIM_IDLE_MS: '1000' });
    cleanup.defer(() => worker.close());
  });
  afterAll(() => cleanup.run());

  const modelUrl = (model: string, suffix = '') => `${registry.url}/v1/models/${model}${suffix}`;

  async function query<T>(sql: string, params: unknown[]): Promise<T[]> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** A model with the given versions, champion 1, shadow 2 at `percent`; resolves once the gateway serves that deployment. */
  async function shadowedModel(prefix: string, champion: Uint8Array, shadow: Uint8Array, percent = 100): Promise<string> {
    const model = await createModel(registry.url, prefix);
    await uploadReadyVersion(registry.url, model, champion, databaseUrl);
    await uploadReadyVersion(registry.url, model, shadow, databaseUrl);
    expect((await call(modelUrl(model, '/aliases/champion'), { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    expect((await call(modelUrl(model, '/aliases/shadow'), { method: 'PUT', json: { version: 2 } })).status).toBe(200);
    const traffic = await call(modelUrl(model, '/traffic'), { method: 'PUT', json: { shadow_percent: percent }, headers: { 'if-match': '"2"' } });
    expect(traffic.body).toMatchObject({ shadow: { version: 2 }, shadow_percent: percent, revision: 3 });
    await eventually(
      () => call(modelUrl(model, '/deployment')),
      (answer) => answer.body.rollout?.some((replica: { serving_revision: number }) => replica.serving_revision === 3),
      60_000,
    );
    return model;
  }

  const predict = (model: string, instances: unknown[], headers: Record<string, string> = {}) =>
    call(`${gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: { instances }, headers });
  const infer = (model: string, values: number[]) =>
    call(`${gateway.url}/v2/models/${model}/infer`, {
      method: 'POST',
      json: { inputs: [{ name: 'x', datatype: 'FP32', shape: [values.length, 1], data: values }] },
    });

  /** Shadow copies the gateway ran (ok + error) and dropped for a model, from its metrics. */
  async function shadowCounts(model: string): Promise<{ ok: number; error: number; dropped: number }> {
    const text = (await call<string>(`${gateway.url}/metrics`)).body;
    const sum = (name: string, status?: string) =>
      series(text, name)
        .filter((s) => s.labels.model === model && (status === undefined || s.labels.status === status))
        .reduce((total, s) => total + s.value, 0);
    return { ok: sum('switchyard_shadow_copies_total', 'ok'), error: sum('switchyard_shadow_copies_total', 'error'), dropped: sum('switchyard_shadow_dropped_total') };
  }

  /** Waits until every sampled copy has run or been dropped, then until the log holds every row the gateway wrote. */
  async function settled(model: string, callers: number): Promise<{ logged: number; dropped: number; copies: { ok: number; error: number } }> {
    const counts = await eventually(
      () => shadowCounts(model),
      (c) => c.ok + c.error + c.dropped === callers,
      120_000,
    );
    const ran = counts.ok + counts.error;
    const rows = await eventually(
      () => query<{ shadow: boolean; n: string }>(`SELECT shadow, count(*) AS n FROM prediction_log WHERE model_name = $1 GROUP BY shadow`, [model]),
      (found) => found.reduce((total, row) => total + Number(row.n), 0) === callers + ran,
      120_000,
    );
    expect(Number(rows.find((row) => !row.shadow)?.n)).toBe(callers);
    return { logged: Number(rows.find((row) => row.shadow)?.n ?? 0), dropped: counts.dropped, copies: { ok: counts.ok, error: counts.error } };
  }

  /** Sends `count` requests, `parallel` at a time, through /v1 and /v2 alternately; returns every answer with the value it sent. */
  async function load(model: string, count: number, parallel: number): Promise<Array<{ sent: number; answer: Answer; protocol: 'v1' | 'v2' }>> {
    const results: Array<{ sent: number; answer: Answer; protocol: 'v1' | 'v2' }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < count) {
          const i = next++;
          const sent = i / 10;
          const protocol = i % 4 === 3 ? 'v2' : 'v1';
          results.push({ sent, protocol, answer: protocol === 'v1' ? await predict(model, [[sent]]) : await infer(model, [sent]) });
        }
      }),
    );
    return results;
  }

  /** The champion here is y = x + 1: every caller must get exactly that, from the champion. */
  function expectChampionAnswers(results: Array<{ sent: number; answer: Answer; protocol: 'v1' | 'v2' }>): void {
    const failed = results.filter((r) => r.answer.status !== 200);
    expect(failed.map((r) => r.answer.body)).toEqual([]);
    for (const { sent, answer, protocol } of results) {
      expect(answer.headers.get('x-switchyard-variant')).toBe('champion');
      expect(answer.headers.get('x-switchyard-version')).toBe('1');
      const value = protocol === 'v1' ? (answer.body.outputs.y as number[][])[0][0] : (answer.body.outputs[0].data as number[])[0];
      expect(value).toBeCloseTo(sent + 1, 5);
    }
  }

  it('at 100 % answers callers with the champion only, logs every copy it ran beside the champion, counts the rest as dropped, and reports the difference', async () => {
    const model = await shadowedModel('shadow-reg', buildAffine({ scale: 1, bias: 1, features: 1 }), buildAffine({ scale: 1, bias: 1.5, features: 1 }));
    const results = await load(model, 400, 8);
    expectChampionAnswers(results);

    const { logged, dropped, copies } = await settled(model, results.length);
    expect(copies.error).toBe(0);
    expect(logged).toBe(copies.ok);
    expect(logged).toBe(results.length - dropped);

    // Each shadow row sits under a champion request id; the caller's rows are all champion traffic.
    const [orphans] = await query<{ n: string }>(
      `SELECT count(*) AS n FROM prediction_log s WHERE s.model_name = $1 AND s.shadow AND NOT EXISTS (SELECT 1 FROM prediction_log c WHERE c.model_name = s.model_name AND c.request_id = s.request_id AND NOT c.shadow AND c.variant = 'champion')`,
      [model],
    );
    expect(Number(orphans.n)).toBe(0);

    const stats = await eventually(
      () => call(modelUrl(model, '/stats')),
      (answer) => answer.body.shadow?.requests === logged && answer.body.variants?.[0]?.requests === results.length,
      60_000,
    );
    expect(stats.body.variants.map((v: { variant: string }) => v.variant)).toEqual(['champion']);
    expect(stats.body.shadow).toMatchObject({ version: 2, requests: logged, errors: 0, error_rate: 0, agreement: null, quality: null });
    expect(stats.body.shadow.output_difference).toMatchObject({ compared: logged, mean: expect.closeTo(0.5, 5), mean_absolute: expect.closeTo(0.5, 5) });
    expect(stats.body.shadow.output_difference.p95_absolute).toBeCloseTo(0.5, 2);

    // Feedback for a request id reaches both rows: the shadow is off by |x + 1.5 − outcome|.
    const [copied] = await query<{ request_id: string }>(`SELECT request_id FROM prediction_log WHERE model_name = $1 AND shadow LIMIT 1`, [model]);
    const [champion] = await query<{ output: { value: number } }>(`SELECT output FROM prediction_log WHERE model_name = $1 AND request_id = $2 AND NOT shadow`, [model, copied.request_id]);
    const outcome = champion.output.value + 2;
    expect((await call(`${gateway.url}/v1/feedback`, { method: 'POST', json: { request_id: copied.request_id, value: outcome } })).status).toBe(202);
    const judged = await eventually(
      () => call(modelUrl(model, '/stats')),
      (answer) => answer.body.shadow?.quality?.labelled === 1,
      60_000,
    );
    expect(judged.body.shadow.quality.metrics.mae.value).toBeCloseTo(1.5, 4);
    const outcomes = await query<{ shadow: boolean; outcome: number }>(`SELECT shadow, outcome FROM prediction_log WHERE model_name = $1 AND request_id = $2 ORDER BY shadow`, [model, copied.request_id]);
    expect(outcomes).toEqual([
      { shadow: false, outcome: expect.closeTo(outcome, 5) },
      { shadow: true, outcome: expect.closeTo(outcome, 5) },
    ]);
  });

  it('reports the agreement of two classifiers whose answers differ on a known share of inputs', async () => {
    // Two logistic regressions on one feature: "high" when x > 0 (champion) or x > 0.5 (shadow).
    const classifier = (threshold: number) =>
      buildLinearClassifier({ offset: [0], scale: [1], coefficients: [[-1], [1]], intercepts: [threshold, -threshold], classLabels: ['low', 'high'], postTransform: 'LOGISTIC', zipMap: false });
    const model = await shadowedModel('shadow-cls', classifier(0), classifier(0.5));
    // x = −0.975, −0.925, …, 0.975: they disagree exactly on x in (0, 0.5), 10 of 40 inputs, and no input sits on a boundary.
    const inputs = Array.from({ length: 40 }, (_, i) => -0.975 + i * 0.05);
    // One at a time, so the shadow's queue never fills and every copy is compared.
    for (const x of inputs) {
      const answer = await predict(model, [[x]]);
      expect(answer.status).toBe(200);
      expect(answer.body.variant).toBe('champion');
    }
    const { logged, dropped } = await settled(model, inputs.length);
    expect(dropped).toBe(0);
    expect(logged).toBe(40);
    const stats = await eventually(
      () => call(modelUrl(model, '/stats')),
      (answer) => answer.body.shadow?.requests === 40,
      60_000,
    );
    expect(stats.body.task).toBe('classification');
    expect(stats.body.shadow.agreement).toMatchObject({ rate: 0.75, compared: 40 });
    expect(stats.body.shadow.agreement.interval.low).toBeLessThan(0.75);
    expect(stats.body.shadow.agreement.interval.high).toBeGreaterThan(0.75);
    expect(stats.body.shadow.output_difference).toBeNull();
  });

  it('a shadow that fails on every copy never fails a caller: its errors are logged as the shadow\'s', async () => {
    // Loads and fits the champion's inputs, but no input ever runs (a Reshape to a fixed 3 × 5).
    const model = await shadowedModel('shadow-err', buildAffine({ scale: 1, bias: 1, features: 4 }), buildReshapeThatNeverFits());
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => predict(model, [[i, i, i, i]])));
    expect(answers.filter((a) => a.status !== 200).map((a) => a.body)).toEqual([]);
    answers.forEach((answer, i) => expect(answer.body.outputs.y[0]).toEqual([i + 1, i + 1, i + 1, i + 1]));
    const { logged, dropped, copies } = await settled(model, answers.length);
    expect(copies.ok).toBe(0);
    expect(logged).toBe(answers.length - dropped);
    const stats = await eventually(
      () => call(modelUrl(model, '/stats')),
      (answer) => answer.body.shadow?.requests === logged && answer.body.variants?.[0]?.requests === answers.length,
      60_000,
    );
    expect(stats.body.shadow).toMatchObject({ errors: logged, error_rate: 1 });
    expect(stats.body.variants[0]).toMatchObject({ variant: 'champion', errors: 0 });
  });

  it('a very slow shadow never fails or holds up callers: its copies queue, and those that do not fit are dropped and counted', async () => {
    const model = await shadowedModel('shadow-slow', buildAffine({ scale: 1, bias: 1, features: 1 }), buildModelThatLoops(100_000));
    const results = await load(model, 120, 12);
    expectChampionAnswers(results);
    const { logged, dropped, copies } = await settled(model, results.length);
    expect(copies.error).toBe(0);
    expect(logged).toBe(results.length - dropped);
  });

  it('copies nothing at 0 %, and nothing once the shadow is cleared', async () => {
    const model = await shadowedModel('shadow-off', buildAffine({ scale: 1, bias: 1, features: 1 }), buildAffine({ scale: 2, bias: 0, features: 1 }), 0);
    expect((await load(model, 20, 2)).every((r) => r.answer.status === 200)).toBe(true);
    await call(modelUrl(model, '/traffic'), { method: 'PUT', json: { shadow_percent: 100 }, headers: { 'if-match': '"3"' } });
    expect((await call(modelUrl(model, '/aliases/shadow'), { method: 'DELETE' })).body).toMatchObject({ shadow: null, shadow_percent: 0, revision: 5 });
    await eventually(
      () => call(modelUrl(model, '/deployment')),
      (answer) => answer.body.rollout?.some((replica: { serving_revision: number }) => replica.serving_revision === 5),
      60_000,
    );
    expect((await load(model, 20, 2)).every((r) => r.answer.status === 200)).toBe(true);
    const callerRows = await eventually(
      () => query<{ n: string }>(`SELECT count(*) AS n FROM prediction_log WHERE model_name = $1 AND NOT shadow`, [model]),
      ([row]) => Number(row.n) === 40,
      60_000,
    );
    expect(Number(callerRows[0].n)).toBe(40);
    expect(await shadowCounts(model)).toEqual({ ok: 0, error: 0, dropped: 0 });
    const [shadowRows] = await query<{ n: string }>(`SELECT count(*) AS n FROM prediction_log WHERE model_name = $1 AND shadow`, [model]);
    expect(Number(shadowRows.n)).toBe(0);
  });

  it('serves without a shadow that cannot load, and says so in the rollout report', async () => {
    const model = await createModel(registry.url, 'shadow-unloadable');
    await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias: 1, features: 4 }), databaseUrl);
    // Its input example cannot run (the Reshape never fits), so the gateway's warm-up refuses it.
    const example = JSON.stringify({ input_example: { inputs: { x: [[1, 2, 3, 4]] } } });
    const uploaded = await call(modelUrl(model, '/versions'), { method: 'POST', body: uploadForm(buildReshapeThatNeverFits(), example) });
    expect(uploaded.status).toBe(201);
    // Validation runs the same example and fails the version; once it has, stand in for a validator that passed it.
    await eventually(() => call(modelUrl(model, `/versions/${uploaded.body.version}`)), (answer) => answer.body.status === 'failed', 60_000);
    await setVersionStatus(model, uploaded.body.version, 'ready', { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [3, 5] }] }, databaseUrl);
    expect((await call(modelUrl(model, '/aliases/champion'), { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    expect((await call(modelUrl(model, '/aliases/shadow'), { method: 'PUT', json: { version: uploaded.body.version } })).status).toBe(200);
    expect((await call(modelUrl(model, '/traffic'), { method: 'PUT', json: { shadow_percent: 100 }, headers: { 'if-match': '"2"' } })).status).toBe(200);
    const reported = await eventually(
      () => call(modelUrl(model, '/deployment')),
      (answer) => answer.body.rollout?.some((replica: { serving_revision: number }) => replica.serving_revision === 3),
      60_000,
    );
    expect(reported.body.shadow).toMatchObject({ version: uploaded.body.version });
    expect(reported.body.rollout[0]).toMatchObject({ state: 'serving', champion: 1, shadow: null });
    const answers = await Promise.all(Array.from({ length: 10 }, () => predict(model, [[1, 1, 1, 1]])));
    expect(answers.map((a) => a.status)).toEqual(new Array(10).fill(200));
    const metrics = (await call<string>(`${gateway.url}/metrics`)).body;
    expect(metrics).toMatch(new RegExp(`switchyard_model_load_failures_total\\{model="${model}"\\} [1-9]`));
    expect(await shadowCounts(model)).toEqual({ ok: 0, error: 0, dropped: 0 });
  });

  describe('X-Switchyard-Version on /v1', () => {
    it('pins any ready version, logged as pinned, and refuses a bad, unknown or unready one naming the header', async () => {
      const model = await createModel(registry.url, 'pin');
      for (const bias of [1, 2, 3]) await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias, features: 1 }), databaseUrl);
      // Bytes that are no model: validation marks the version failed.
      const failed = await call(modelUrl(model, '/versions'), { method: 'POST', body: uploadForm(new TextEncoder().encode('not a model')) });
      expect(failed.status).toBe(201);
      await eventually(() => call(modelUrl(model, `/versions/${failed.body.version}`)), (answer) => answer.body.status === 'failed', 60_000);
      expect((await call(modelUrl(model, '/aliases/champion'), { method: 'PUT', json: { version: 1 } })).status).toBe(200);
      await eventually(() => predict(model, [[0]]), (answer) => answer.status === 200, 60_000);

      const pinned = await predict(model, [[10]], { 'x-switchyard-version': '3' });
      expect(pinned.status).toBe(200);
      expect(pinned.body).toMatchObject({ version: 3, variant: 'pinned', outputs: { y: [[13]] } });
      expect(pinned.headers.get('x-switchyard-version')).toBe('3');
      expect((await predict(model, [[10]], { 'x-switchyard-version': '1' })).body).toMatchObject({ version: 1, variant: 'pinned' });

      for (const bad of ['abc', '0', '-1', '1.5', '01', '99999999999']) {
        const problem = expectProblem(await predict(model, [[1]], { 'x-switchyard-version': bad }), 400);
        expect(problem.errors).toEqual([{ field: 'X-Switchyard-Version', message: expect.any(String) }]);
      }
      let problem = expectProblem(await predict(model, [[1]], { 'x-switchyard-version': '42' }), 404);
      expect(problem.errors).toEqual([{ field: 'X-Switchyard-Version', message: 'no version 42' }]);
      problem = expectProblem(await predict(model, [[1]], { 'x-switchyard-version': String(failed.body.version) }), 409);
      expect(problem.errors[0].field).toBe('X-Switchyard-Version');

      const logged = await eventually(
        () => query<{ variant: string; version: number }>(`SELECT variant, version FROM prediction_log WHERE model_name = $1 AND variant = 'pinned' ORDER BY version`, [model]),
        (rows) => rows.length === 2,
        60_000,
      );
      expect(logged).toEqual([{ variant: 'pinned', version: 1 }, { variant: 'pinned', version: 3 }]);
    });
  });
});
