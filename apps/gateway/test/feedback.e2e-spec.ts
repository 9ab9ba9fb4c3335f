import { Client } from 'pg';
import * as path from 'node:path';
import { buildAffine } from '@switchyard/onnx/testing';
import { eventually } from '../../../test/support/artifacts';
import { type Answer, call, expectProblem } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startGateway, startRegistry, startWorker } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';
import { createKey, type TestKey } from '../../../test/support/keys';
import { Cleanup, OwnedRedis } from '../../../test/support/owned-services';
import { testRun, uniqueSuffix } from '../../../test/support/test-env';

/**
 * Feedback names a prediction by a request id the client may have chosen: one caller must not be able
 * to claim, move or report on another caller's prediction with it, the id follows one rule wherever it
 * appears, and a Redis outage is never mistaken for an unknown prediction.
 */
describe('feedback and request ids', () => {
  jest.setTimeout(90_000);
  const cleanup = new Cleanup();
  let redis: OwnedRedis;
  let databaseUrl: string;
  let registry: RunningApp;
  let gateway: RunningApp;
  let modelA: string;
  let modelB: string;
  let keyA: TestKey;
  let keyB: TestKey;

  beforeAll(async () => {
    redis = await OwnedRedis.start();
    cleanup.defer(() => redis.stop());
    databaseUrl = await createIsolatedDatabase();
    cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
    // The worker validates what the registry stores: both see one artifact store.
    const shared = { DATABASE_URL: databaseUrl, REDIS_URL: redis.url, REDIS_PREFIX: isolatedRedisPrefix(), ...fileStoreEnv() };
    registry = await startRegistry(shared);
    cleanup.defer(() => registry.close());
    gateway = await startGateway({
      ...shared,
      REGISTRY_URL: registry.url,
      GATEWAY_CACHE_DIR: path.join(testRun().workDir, `gateway-cache-${uniqueSuffix()}`),
      PREDICTION_LOG_FLUSH_MS: '50',
      DEPLOYMENT_POLL_MS: '300',
    });
    cleanup.defer(() => gateway.close());
    const worker = await startWorker({ ...shared, PREDICTION_LOG_CLAIM_IDLE_MS: '1000' });
    cleanup.defer(() => worker.close());

    [modelA, modelB] = [await createModel(registry.url, 'fb-a'), await createModel(registry.url, 'fb-b')];
    for (const [model, bias] of [[modelA, 1], [modelB, 2]] as const) {
      await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias, features: 1 }), databaseUrl);
      expect((await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    }
    keyA = await createKey(registry.url, ['predict'], { name: 'only-a', models: [modelA] });
    keyB = await createKey(registry.url, ['predict'], { name: 'only-b', models: [modelB] });
    // The gateway has loaded both models and learnt both keys.
    for (const [model, key] of [[modelA, keyA], [modelB, keyB]] as const) {
      expect((await eventually(() => predict(model, key.key), (answer) => answer.status === 200, 20_000)).status).toBe(200);
    }
  });
  afterAll(() => cleanup.run());

  const predict = (model: string, key: string, requestId?: string) =>
    call(`${gateway.url}/v1/models/${model}/predict`, {
      method: 'POST',
      json: { instances: [[1]] },
      key,
      headers: requestId === undefined ? {} : { 'x-request-id': requestId },
    });
  const feedback = (body: unknown, key?: string) => call(`${gateway.url}/v1/feedback`, { method: 'POST', json: body, key });

  async function query<T>(sql: string, params: unknown[]): Promise<T[]> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }
  const logged = (requestId: string) =>
    query<{ model_name: string; outcome: unknown }>('SELECT model_name, outcome FROM prediction_log WHERE request_id = $1 ORDER BY model_name', [requestId]);

  it('keeps a client-chosen request id to the model that used it, and feedback to keys allowed on that model', async () => {
    const id = `order-${uniqueSuffix()}`;
    expect((await predict(modelB, keyB.key, id)).status).toBe(200);
    // The index is written with the log, in one transaction: once the row is in, feedback can find it.
    await eventually(() => logged(id), (rows) => rows.length === 1, 20_000);

    // A key limited to A cannot report on B's prediction, named or not: as if the id were unknown.
    expect(expectProblem(await feedback({ request_id: id, value: 999 }, keyA.key), 404).detail).toContain(id);
    expectProblem(await feedback({ request_id: id, value: 999, model: modelB }, keyA.key), 404);

    // A later prediction on A with the same id is A's own prediction; it takes nothing from B.
    expect((await predict(modelA, keyA.key, id)).status).toBe(200);
    await eventually(() => logged(id), (rows) => rows.length === 2, 20_000);
    const fromA = await feedback({ request_id: id, value: 5 }, keyA.key);
    expect({ status: fromA.status, model: fromA.body.model }).toEqual({ status: 202, model: modelA });
    const fromB = await feedback({ request_id: id, value: 7 }, keyB.key);
    expect({ status: fromB.status, model: fromB.body.model }).toEqual({ status: 202, model: modelB });

    // A key allowed on both must say which prediction it means.
    const ambiguous = expectProblem(await feedback({ request_id: id, value: 1 }), 400);
    expect(ambiguous.errors).toEqual([expect.objectContaining({ field: 'model' })]);
    expect((await feedback({ request_id: id, value: 1, model: modelB })).status).toBe(202);

    // Each prediction got its own outcome; B's is the one its own caller reported first.
    const joined = await eventually(() => logged(id), (rows) => rows.every((row) => row.outcome !== null), 20_000);
    expect(joined).toEqual(
      [
        { model_name: modelA, outcome: 5 },
        { model_name: modelB, outcome: 7 },
      ].sort((x, y) => x.model_name.localeCompare(y.model_name)),
    );
  });

  it('refuses an X-Request-Id outside the rule (1–128 visible ASCII characters) on every route, as feedback does', async () => {
    const refusedOn = async (answer: Answer, sent: string) => {
      expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.headers.get('x-request-id')).not.toBe(sent);
    };
    for (const sent of ['x'.repeat(12_000), 'y'.repeat(129), 'order 1001', 'caf\u00e9']) {
      const headers = { 'x-request-id': sent };
      const answer = await call(`${gateway.url}/v1/models/${modelA}/predict`, { method: 'POST', json: { instances: [[1]] }, key: keyA.key, headers });
      const problem = expectProblem(answer, 400);
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'X-Request-Id' })]);
      await refusedOn(answer, sent);

      const oip = await call(`${gateway.url}/v2/models/${modelA}/infer`, {
        method: 'POST',
        json: { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }] },
        key: keyA.key,
        headers,
      });
      expect({ status: oip.status, error: typeof oip.body.error }).toEqual({ status: 400, error: 'string' });
      expect(oip.body.error).toContain('X-Request-Id');
      await refusedOn(oip, sent);
    }
    expectProblem(await call(`${gateway.url}/v1/feedback`, { method: 'POST', json: { request_id: 'z'.repeat(129), value: 1 }, key: keyA.key }), 400);
    expectProblem(await call(`${registry.url}/v1/models`, { headers: { 'x-request-id': 'x'.repeat(12_000) } }), 400);

    // The longest id the rule allows is echoed and names its prediction for feedback.
    const longest = `${uniqueSuffix()}:`.padEnd(128, 'k');
    const answer = await predict(modelA, keyA.key, longest);
    expect({ status: answer.status, echoed: answer.headers.get('x-request-id'), body: answer.body.request_id }).toEqual({ status: 200, echoed: longest, body: longest });
    const accepted = await eventually(() => feedback({ request_id: longest, value: 1 }, keyA.key), (a) => a.status !== 404, 20_000);
    expect(accepted.status).toBe(202);
  });

  it('answers feedback with 503 and Retry-After, not 404, while the request-id index cannot be read', async () => {
    const id = `outage-${uniqueSuffix()}`;
    expect((await predict(modelB, keyB.key, id)).status).toBe(200);
    await eventually(() => logged(id), (rows) => rows.length === 1, 20_000);

    await redis.stop();
    try {
      const answer = await feedback({ request_id: id, value: 3 }, keyB.key);
      expectProblem(answer, 503);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      // Back on its port, so the apps reconnect and close cleanly.
      await redis.start();
    }
  });
});
