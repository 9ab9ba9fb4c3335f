import * as path from 'node:path';
import { KeyCache } from '../apps/gateway/src/keys/key-cache.service';
import { buildAffine } from '@switchyard/onnx/testing';
import { eventually } from './support/artifacts';
import { type Answer, call, expectProblem } from './support/client';
import { createModel, uploadReadyVersion } from './support/fixtures';
import { fileStoreEnv, type RunningApp, startGateway, startRegistry } from './support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from './support/isolation';
import { createKey } from './support/keys';
import { AppProcess, Cleanup, SwitchableProxy } from './support/owned-services';
import { testRun, uniqueSuffix } from './support/test-env';

interface AutocannonResult {
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
// autocannon ships no types; it is used as a library, as its README shows (and as bench/ does).
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult>;

const INSTANCES = { instances: [[0, 0, 0, 0]] };

/**
 * Rate limits are each key's own (none unless an admin sets one), and a gateway learns a key's changes
 * (limits, revocation) from the registry itself when Redis is out of its reach.
 */
describe('per-key rate limits and key changes on running gateways', () => {
  const cleanup = new Cleanup();
  let registry: RunningApp;
  let gateway: RunningApp;
  let shared: Record<string, string>;
  let databaseUrl: string;
  let model: string;

  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
    shared = { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix() };
    registry = await startRegistry({ ...fileStoreEnv(), ...shared });
    cleanup.defer(() => registry.close());
    gateway = await startGateway({ ...shared, REGISTRY_URL: registry.url, GATEWAY_CACHE_DIR: cacheDir('gateway'), DEPLOYMENT_POLL_MS: '500' });
    cleanup.defer(() => gateway.close());
    model = await createModel(registry.url, 'limits');
    await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias: 1, features: 4 }), databaseUrl);
    expect((await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
  });
  afterAll(() => cleanup.run());

  const cacheDir = (name: string) => path.join(testRun().workDir, `limits-${name}-${uniqueSuffix()}`);
  const predict = (gatewayUrl: string, key: string) => call(`${gatewayUrl}/v1/models/${model}/predict`, { method: 'POST', json: INSTANCES, key });
  const listed = async (id: string) => ((await call(`${registry.url}/v1/keys`)).body.items as Array<Record<string, unknown>>).find((k) => k.id === id);
  const patch = (id: string, json: unknown) => call(`${registry.url}/v1/keys/${id}`, { method: 'PATCH', json });

  it('creates keys without a limit by default; POST, PATCH and GET carry rate_limit_per_second and burst', async () => {
    const open = await call(`${registry.url}/v1/keys`, { method: 'POST', json: { name: 'open', roles: ['predict'] } });
    expect(open.body).toMatchObject({ rate_limit_per_second: null, burst: null });
    const limited = await call(`${registry.url}/v1/keys`, { method: 'POST', json: { name: 'limited', roles: ['predict'], rate_limit_per_second: 50, burst: 100 } });
    expect(limited.status).toBe(201);
    expect(limited.body).toMatchObject({ rate_limit_per_second: 50, burst: 100 });
    // A rate without a burst gets one second of it.
    const slow = await call(`${registry.url}/v1/keys`, { method: 'POST', json: { name: 'slow', roles: ['predict'], rate_limit_per_second: 2.5 } });
    expect(slow.body).toMatchObject({ rate_limit_per_second: 2.5, burst: 3 });

    const changed = await patch(open.body.id, { rate_limit_per_second: 10, burst: 20 });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: open.body.id, rate_limit_per_second: 10, burst: 20 });
    expect((await patch(open.body.id, { burst: 5 })).body).toMatchObject({ rate_limit_per_second: 10, burst: 5 });
    expect(await listed(open.body.id)).toMatchObject({ rate_limit_per_second: 10, burst: 5 });
    expect((await patch(open.body.id, { rate_limit_per_second: 40 })).body).toMatchObject({ rate_limit_per_second: 40, burst: 5 });
    expect((await patch(open.body.id, { burst: null })).body).toMatchObject({ rate_limit_per_second: 40, burst: 40 });
    expect((await patch(open.body.id, { rate_limit_per_second: null })).body).toMatchObject({ rate_limit_per_second: null, burst: null });
    expect(await listed(open.body.id)).toMatchObject({ rate_limit_per_second: null, burst: null });
    expectProblem(await patch('zzzzzzzzzzzz', { rate_limit_per_second: 1 }), 404);
    // Only an admin changes limits.
    const operator = await createKey(registry.url, ['operator'], { name: 'operator' });
    expectProblem(await call(`${registry.url}/v1/keys/${open.body.id}`, { method: 'PATCH', json: { rate_limit_per_second: 1 }, key: operator.key }), 403);
  });

  describe('refuses a bad limit with 400 naming the field, and changes nothing', () => {
    const bad: Array<[string, Record<string, unknown>, string]> = [
      ['a negative rate', { rate_limit_per_second: -1 }, 'rate_limit_per_second'],
      ['a zero rate', { rate_limit_per_second: 0 }, 'rate_limit_per_second'],
      ['a rate that is not a number', { rate_limit_per_second: 'fast' }, 'rate_limit_per_second'],
      ['a rate given as a numeric string', { rate_limit_per_second: '10' }, 'rate_limit_per_second'],
      ['a zero burst with a rate', { rate_limit_per_second: 10, burst: 0 }, 'burst'],
      ['a negative burst', { rate_limit_per_second: 10, burst: -5 }, 'burst'],
      ['a burst that is not an integer', { rate_limit_per_second: 10, burst: 2.5 }, 'burst'],
      ['a burst that is not a number', { rate_limit_per_second: 10, burst: 'lots' }, 'burst'],
      ['a burst without a rate', { burst: 10 }, 'burst'],
      ['a rate beyond the bound', { rate_limit_per_second: 1e9 }, 'rate_limit_per_second'],
    ];

    it.each(bad)('at POST /v1/keys: %s', async (_what, limit, field) => {
      const before = (await call(`${registry.url}/v1/keys`)).body.items.length;
      const problem = expectProblem(await call(`${registry.url}/v1/keys`, { method: 'POST', json: { name: 'bad-limit', roles: ['predict'], ...limit } }), 400);
      expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect((await call(`${registry.url}/v1/keys`)).body.items.length).toBe(before);
    });

    it.each(bad)('at PATCH /v1/keys/{id}: %s', async (_what, limit, field) => {
      const key = await createKey(registry.url, ['predict'], { name: 'unchanged' });
      const problem = expectProblem(await patch(key.id, limit), 400);
      expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
      expect(await listed(key.id)).toMatchObject({ rate_limit_per_second: null, burst: null });
    });

    it('at PATCH with nothing to change', async () => {
      const key = await createKey(registry.url, ['predict'], { name: 'unchanged', rate_limit_per_second: 3, burst: 4 });
      expect(expectProblem(await patch(key.id, {}), 400).errors.map((e: { field: string }) => e.field)).toContain('rate_limit_per_second');
      expect(await listed(key.id)).toMatchObject({ rate_limit_per_second: 3, burst: 4 });
    });
  });

  it('a key with a limit gets 429 with Retry-After past its burst, on /v1 (problem+json) and /v2 ({"error"}); other keys are unaffected', async () => {
    const busy = await createKey(registry.url, ['predict'], { name: 'busy', rate_limit_per_second: 0.2, burst: 2 });
    // Created after the busy key: once the gateway knows it, it knows the busy key's limit too, and the
    // busy key starts with a full bucket.
    const warmup = await createKey(registry.url, ['predict'], { name: 'warmup' });
    expect((await eventually(() => predict(gateway.url, warmup.key), (a) => a.status === 200, 10_000)).status).toBe(200);
    const answers: Answer[] = [];
    for (let i = 0; i < 3; i++) answers.push(await predict(gateway.url, busy.key));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(expectProblem(answers[2], 429).detail).toContain('retry after 5 s');
    expect(answers[2].headers.get('retry-after')).toBe('5');
    const infer = await call(`${gateway.url}/v2/models/${model}/infer`, {
      method: 'POST',
      json: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [0, 0, 0, 0] }] },
      key: busy.key,
    });
    expect({ status: infer.status, error: typeof infer.body.error, retryAfter: infer.headers.get('retry-after') }).toEqual({ status: 429, error: 'string', retryAfter: '5' });
    // The warm-up key has no limit: never refused, however fast it calls.
    const unlimited = await Promise.all(Array.from({ length: 200 }, () => predict(gateway.url, warmup.key)));
    expect(unlimited.filter((a) => a.status !== 200)).toEqual([]);
    expect((await call(`${gateway.url}/health/live`, { key: null })).status).toBe(200);
  });

  it('PATCH changes a limit on a running gateway: set, raised, removed', async () => {
    const service = await createKey(registry.url, ['predict'], { name: 'patched' });
    expect((await eventually(() => predict(gateway.url, service.key), (a) => a.status === 200, 10_000)).status).toBe(200);
    const burst = await Promise.all(Array.from({ length: 100 }, () => predict(gateway.url, service.key)));
    expect(burst.filter((a) => a.status !== 200)).toEqual([]);

    expect((await patch(service.id, { rate_limit_per_second: 0.01, burst: 1 })).status).toBe(200);
    const limited = await eventually(() => predict(gateway.url, service.key), (a) => a.status === 429, 20_000);
    expect(limited.status).toBe(429);
    // At 0.01 requests/s the next token is up to 100 s away.
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(100);

    expect((await patch(service.id, { rate_limit_per_second: null })).status).toBe(200);
    expect((await eventually(() => predict(gateway.url, service.key), (a) => a.status === 200, 20_000)).status).toBe(200);
  });

  it('a gateway that cannot reach Redis learns a revocation and a new limit from the registry within KEY_REFRESH_MS', async () => {
    const redisUrl = new URL(process.env.REDIS_URL!);
    const proxy = await SwitchableProxy.start(redisUrl.hostname, Number(redisUrl.port || 6379));
    cleanup.defer(() => proxy.close());
    const cut = await startGateway({
      ...shared,
      REDIS_URL: `redis://127.0.0.1:${proxy.port}/0`,
      REGISTRY_URL: registry.url,
      GATEWAY_CACHE_DIR: cacheDir('cut'),
      DEPLOYMENT_POLL_MS: '500',
      KEY_REFRESH_MS: '500',
    });
    cleanup.defer(() => cut.close());
    const [revoked, throttled] = [await createKey(registry.url, ['predict'], { name: 'revoked-in-outage' }), await createKey(registry.url, ['predict'], { name: 'limited-in-outage' })];
    for (const key of [revoked, throttled]) expect((await eventually(() => predict(cut.url, key.key), (a) => a.status === 200, 10_000)).status).toBe(200);

    await proxy.cut();
    expect((await call(`${registry.url}/v1/keys/${revoked.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await patch(throttled.id, { rate_limit_per_second: 0.01, burst: 1 })).status).toBe(200);
    // The registry still reaches Redis here, so its mirror changed; only the registry's own answer
    // (GET /v1/keys/states) reaches this gateway. Documented bound: KEY_REFRESH_MS; the deadline is generous.
    expect((await eventually(() => predict(cut.url, revoked.key), (a) => a.status === 401, 20_000)).status).toBe(401);
    expect((await eventually(() => predict(cut.url, throttled.key), (a) => a.status === 429, 20_000)).status).toBe(429);
    expect(proxy.isOpen).toBe(false);
  });

  it('the key states route serves gateways ids, revocations and limits, never names or secret material', async () => {
    const states = await call(`${registry.url}/v1/keys/states`);
    expect(states.status).toBe(200);
    const text = JSON.stringify(states.body);
    expect(text).not.toMatch(/"(name|key|salt|hash)"/);
    expect(states.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ revoked: expect.any(Boolean), rate_limit_per_second: null, burst: null })]));
    const predictOnly = await createKey(registry.url, ['predict'], { name: 'no-states' });
    expectProblem(await call(`${registry.url}/v1/keys/states`, { key: predictOnly.key }), 403);
    expectProblem(await call(`${registry.url}/v1/keys/states`, { key: null }), 401);
  });
});

/** With N gateways, each holds a key to its share of the limit, so the limit is the fleet's. */
describe('a rate limit across gateway replicas', () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.run());

  it("each of two gateways allows half of a key's burst, and a gateway that leaves gives its share back", async () => {
    const databaseUrl = await createIsolatedDatabase();
    cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
    const shared = { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix() };
    const registry = await startRegistry({ ...fileStoreEnv(), ...shared });
    cleanup.defer(() => registry.close());
    const model = await createModel(registry.url, 'fleet');
    await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias: 1, features: 4 }), databaseUrl);
    expect((await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    const env = { ...shared, REGISTRY_URL: registry.url, DEPLOYMENT_POLL_MS: '500', KEY_REFRESH_MS: '500' };
    const [a, b] = [
      await startGateway({ ...env, GATEWAY_CACHE_DIR: path.join(testRun().workDir, `fleet-a-${uniqueSuffix()}`) }),
      await startGateway({ ...env, GATEWAY_CACHE_DIR: path.join(testRun().workDir, `fleet-b-${uniqueSuffix()}`) }),
    ];
    cleanup.defer(() => a.close());
    const counted = (gateway: RunningApp) => Promise.resolve(gateway.app.get(KeyCache).replicaCount);
    for (const gateway of [a, b]) expect(await eventually(() => counted(gateway), (n) => n === 2, 20_000)).toBe(2);

    const limited = await createKey(registry.url, ['predict'], { name: 'fleet-limited', rate_limit_per_second: 0.01, burst: 4 });
    // Created after the limited key: a gateway that knows it knows the limited key too.
    const warmup = await createKey(registry.url, ['predict'], { name: 'fleet-warmup' });
    const predictOn = (gateway: RunningApp, key: string) => call(`${gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: INSTANCES, key });
    for (const gateway of [a, b]) expect((await eventually(() => predictOn(gateway, warmup.key), (x) => x.status === 200, 10_000)).status).toBe(200);
    const statuses: number[] = [];
    for (const gateway of [a, b]) for (let i = 0; i < 3; i++) statuses.push((await predictOn(gateway, limited.key)).status);
    // A burst of 4 over two replicas: 2 on each, 4 in all.
    expect(statuses).toEqual([200, 200, 429, 200, 200, 429]);

    await b.close();
    expect(await eventually(() => counted(a), (n) => n === 1, 20_000)).toBe(1);
  });
});

/**
 * The figure users asked for: with `npm start`'s defaults (no rate-limit setting anywhere), one predict
 * key through a gateway run from dist/ takes 20,000 predictions from 32 connections with no refusal.
 * Counted, never timed.
 */
describe('one predict key under load, with the defaults', () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.run());

  it('20,000 predictions from 32 connections: 0 non-2xx', async () => {
    const databaseUrl = await createIsolatedDatabase();
    cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
    const shared = { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix() };
    const registry = await startRegistry({ ...fileStoreEnv(), ...shared });
    cleanup.defer(() => registry.close());
    const model = await createModel(registry.url, 'load');
    await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias: 1, features: 4 }), databaseUrl);
    expect((await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    const gateway = await AppProcess.gateway({ ...shared, REGISTRY_URL: registry.url, GATEWAY_CACHE_DIR: path.join(testRun().workDir, `load-${uniqueSuffix()}`) });
    cleanup.defer(() => gateway.stop());
    const service = await createKey(registry.url, ['predict'], { name: 'product-service' });
    const ready = await eventually(() => call(`${gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: INSTANCES, key: service.key }), (a) => a.status === 200, 20_000);
    expect(ready.status).toBe(200);

    const result = await autocannon({
      url: `${gateway.url}/v1/models/${model}/predict`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${service.key}` },
      body: JSON.stringify(INSTANCES),
      connections: 32,
      pipelining: 1,
      amount: 20_000,
      timeout: 60,
    });
    expect({ ok: result['2xx'], non2xx: result.non2xx, errors: result.errors, timeouts: result.timeouts, statuses: Object.keys(result.statusCodeStats) }).toEqual({
      ok: 20_000,
      non2xx: 0,
      errors: 0,
      timeouts: 0,
      statuses: ['200'],
    });
  }, 300_000);
});
