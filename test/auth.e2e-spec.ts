import * as path from 'node:path';
import { issueKey } from '@switchyard/auth';
import { buildAffine } from '@switchyard/onnx/testing';
import { eventually } from './support/artifacts';
import { call, expectProblem } from './support/client';
import { createModel, uploadReadyVersion } from './support/fixtures';
import { fileStoreEnv, type RunningApp, startGateway, startRegistry } from './support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from './support/isolation';
import { createKey, type TestKey } from './support/keys';
import { AppProcess, Cleanup } from './support/owned-services';
import { testRun, uniqueSuffix } from './support/test-env';

const UNAUTHENTICATED = 'this route needs a valid API key: send "Authorization: Bearer <key>" (an admin creates keys with POST /v1/keys)';

describe('API keys, roles and limits', () => {
  const cleanup = new Cleanup();
  let registry: RunningApp;
  let gateway: RunningApp;
  let databaseUrl: string;
  let shared: Record<string, string>;
  let cacheDir: string;
  let model: string;
  let otherModel: string;

  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
    shared = { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix() };
    registry = await startRegistry({ ...fileStoreEnv(), ...shared });
    cleanup.defer(() => registry.close());
    cacheDir = path.join(testRun().workDir, `auth-cache-${uniqueSuffix()}`);
    gateway = await startGateway({ ...shared, REGISTRY_URL: registry.url, GATEWAY_CACHE_DIR: cacheDir, DEPLOYMENT_POLL_MS: '500' });
    cleanup.defer(() => gateway.close());
    [model, otherModel] = [await createModel(registry.url, 'auth'), await createModel(registry.url, 'auth-other')];
    for (const name of [model, otherModel]) {
      await uploadReadyVersion(registry.url, name, buildAffine({ scale: 1, bias: 1, features: 4 }), databaseUrl);
      expect((await call(`${registry.url}/v1/models/${name}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    }
  });
  afterAll(() => cleanup.run());

  const predict = (gatewayUrl: string, name: string, key: string | null) =>
    call(`${gatewayUrl}/v1/models/${name}/predict`, { method: 'POST', json: { instances: [[0, 0, 0, 0]] }, key });
  /** The deployment as operators set it; `rollout` is left out because gateways keep re-reporting into it. */
  const deployment = async (name: string) => {
    const { rollout: _rollout, ...state } = (await call(`${registry.url}/v1/models/${name}/deployment`)).body;
    return state;
  };
  const auditCount = async (name: string) => (await call(`${registry.url}/v1/models/${name}/audit?limit=200`)).body.items.length;

  it('refuses to revoke the last admin key, so nobody is locked out', async () => {
    const keys = (await call(`${registry.url}/v1/keys`)).body.items;
    expect(keys).toEqual([expect.objectContaining({ name: 'bootstrap', roles: ['admin'], revoked_at: null })]);
    expectProblem(await call(`${registry.url}/v1/keys/${keys[0].id}`, { method: 'DELETE' }), 409);
  });

  it('shows a key once; lists keys without secrets, salts or hashes', async () => {
    const created = await call(`${registry.url}/v1/keys`, { method: 'POST', json: { name: 'ci', roles: ['publisher'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'ci', roles: ['publisher'], models: null, revoked_at: null, key: expect.stringMatching(/^sy_/) });
    expect(created.body.key).toContain(created.body.id);
    const listed = await call(`${registry.url}/v1/keys`);
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(created.body.key.slice(16));
    expect(text).not.toMatch(/"(key|salt|hash)"/);
    expect(listed.body.items.map((k: { id: string }) => k.id)).toContain(created.body.id);
  });

  it.each([
    [{ name: 'x', roles: ['root'] }, 'roles'],
    [{ name: 'x', roles: [] }, 'roles'],
    [{ name: 'x', roles: ['admin'], models: ['a'] }, 'models'],
    [{ name: '', roles: ['viewer'] }, 'name'],
  ])('refuses to create %j (400 naming %s)', async (json, field) => {
    const problem = expectProblem(await call(`${registry.url}/v1/keys`, { method: 'POST', json }), 400);
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('answers 404 for revoking a key that does not exist', async () => {
    expectProblem(await call(`${registry.url}/v1/keys/zzzzzzzzzzzz`, { method: 'DELETE' }), 404);
  });

  describe('401 without a valid key, the same answer whatever is wrong with it', () => {
    let revoked: TestKey;
    beforeAll(async () => {
      revoked = await createKey(registry.url, ['admin'], { name: 'revoked' });
      expect((await call(`${registry.url}/v1/keys/${revoked.id}`, { method: 'DELETE' })).status).toBe(204);
    });

    const wrongKeys = (): Array<[string, string | null]> => [
      ['no key', null],
      ['a malformed key', 'not-a-key'],
      ['an unknown key', issueKey().key],
      ['a revoked key', revoked.key],
      ['a known id with the wrong secret', `${revoked.key.slice(0, 16)}${issueKey().key.slice(16)}`],
    ];

    it('on the registry: problem+json, WWW-Authenticate, nothing changed', async () => {
      const before = await deployment(model);
      const entries = await auditCount(model);
      for (const [, key] of wrongKeys()) {
        const answer = await call(`${registry.url}/v1/models/${model}/aliases/label`, { method: 'PUT', json: { version: 1 }, key });
        expect(expectProblem(answer, 401).detail).toBe(UNAUTHENTICATED);
        expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
      expect(await deployment(model)).toEqual(before);
      expect(await auditCount(model)).toBe(entries);
    });

    it('on the gateway: problem+json on /v1, {"error"} on /v2', async () => {
      await eventually(() => predict(gateway.url, model, revoked.key), (a) => a.status === 401, 5_000);
      for (const [, key] of wrongKeys()) {
        expect(expectProblem(await predict(gateway.url, model, key), 401).detail).toBe(UNAUTHENTICATED);
        const infer = await call(`${gateway.url}/v2/models/${model}/infer`, {
          method: 'POST',
          json: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [0, 0, 0, 0] }] },
          key,
        });
        expect({ status: infer.status, body: infer.body }).toEqual({ status: 401, body: { error: UNAUTHENTICATED } });
      }
    });
  });

  it('403 names the role a request would need, and a refused change changes nothing', async () => {
    const viewer = await createKey(registry.url, ['viewer'], { name: 'viewer' });
    const publisher = await createKey(registry.url, ['publisher'], { name: 'publisher' });
    const before = await deployment(model);
    const entries = await auditCount(model);
    const traffic = expectProblem(
      await call(`${registry.url}/v1/models/${model}/traffic`, { method: 'PUT', json: { challenger_percent: 0 }, headers: { 'if-match': `"${before.revision}"` }, key: viewer.key }),
      403,
    );
    expect(traffic).toMatchObject({ required_role: 'operator', detail: expect.stringContaining('needs the "operator" role') });
    const champion = expectProblem(await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 }, key: publisher.key }), 403);
    expect(champion.required_role).toBe('operator');
    expect(expectProblem(await predict(gateway.url, model, viewer.key), 403).required_role).toBe('predict');
    expect(await deployment(model)).toEqual(before);
    expect(await auditCount(model)).toBe(entries);

    // The same publisher may move a label, and the audit log names its key.
    const label = await call(`${registry.url}/v1/models/${model}/aliases/staging`, { method: 'PUT', json: { version: 1 }, key: publisher.key });
    expect(label.status).toBe(200);
    expect((await call(`${registry.url}/v1/models/${model}/audit`)).body.items[0]).toMatchObject({ action: 'alias.set', actor: `key:${publisher.id} (publisher)` });
  });

  it('limits a key to its models: 403 on any other, and listings show only its own', async () => {
    const scopedPredict = await createKey(registry.url, ['predict'], { name: 'scoped-predict', models: [model] });
    const scopedViewer = await createKey(registry.url, ['viewer'], { name: 'scoped-viewer', models: [model] });
    expect((await eventually(() => predict(gateway.url, model, scopedPredict.key), (a) => a.status === 200, 5_000)).status).toBe(200);
    expect(expectProblem(await predict(gateway.url, otherModel, scopedPredict.key), 403).detail).toContain(`limited to the models ${model}`);
    expect((await call(`${registry.url}/v1/models/${model}`, { key: scopedViewer.key })).status).toBe(200);
    expectProblem(await call(`${registry.url}/v1/models/${otherModel}/audit`, { key: scopedViewer.key }), 403);
    expectProblem(await call(`${registry.url}/v1/models`, { method: 'POST', json: { name: `new-${uniqueSuffix()}` }, key: scopedViewer.key }), 403);
    expect((await call(`${registry.url}/v1/models`, { key: scopedViewer.key })).body.items.map((m: { name: string }) => m.name)).toEqual([model]);
    expect((await call(`${registry.url}/v1/deployments`, { key: scopedViewer.key })).body.items.map((d: { model: string }) => d.model)).toEqual([model]);
  });

  // The bound is generous (docs/api.md states about a second, 2 s without the notice): this checks
  // that revocation reaches the gateway by itself, the bench-free way; machines here are shared.
  it('a gateway refuses a revoked key within seconds (the Redis notice; KEY_REFRESH_MS if it is lost)', async () => {
    const service = await createKey(registry.url, ['predict'], { name: 'service' });
    expect((await eventually(() => predict(gateway.url, model, service.key), (a) => a.status === 200, 5_000)).status).toBe(200);
    expect((await call(`${registry.url}/v1/keys/${service.id}`, { method: 'DELETE' })).status).toBe(204);
    const answer = await eventually(() => predict(gateway.url, model, service.key), (a) => a.status === 401, 5_000);
    expect(answer.status).toBe(401);
  });

  it('a gateway that cannot reach Redis checks keys against its last copy on disk', async () => {
    const service = await createKey(registry.url, ['predict'], { name: 'before-outage' });
    await eventually(() => predict(gateway.url, model, service.key), (a) => a.status === 200, 5_000);
    const offline = await startGateway({ ...shared, REDIS_URL: 'redis://127.0.0.1:1/0', REGISTRY_URL: registry.url, GATEWAY_CACHE_DIR: cacheDir });
    try {
      const served = await eventually(() => predict(offline.url, model, service.key), (a) => a.status === 200, 10_000);
      expect(served.status).toBe(200);
      expect(expectProblem(await predict(offline.url, model, issueKey().key), 401).detail).toBe(UNAUTHENTICATED);
    } finally {
      await offline.close();
    }
  });
  // Rate limits (each key's own): test/key-limits.e2e-spec.ts.
});

describe('keys never reach the logs; auth off is loud', () => {
  const cleanup = new Cleanup();
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
  });
  afterAll(() => cleanup.run());

  it('logs requests with the Authorization header redacted, for good and bad keys alike', async () => {
    const registry = await AppProcess.registry({ ...fileStoreEnv(), DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix(), LOG_LEVEL: 'info' });
    cleanup.defer(() => registry.stop());
    const stranger = issueKey().key;
    const good = await createKey(registry.url, ['viewer'], { name: 'logged' });
    expect((await call(`${registry.url}/v1/models`, { key: good.key })).status).toBe(200);
    expect((await call(`${registry.url}/v1/models`, { key: stranger })).status).toBe(401);
    // A key sent in the wrong place is refused, and hidden from the log like the right place.
    expect((await call(`${registry.url}/v1/models?api_key=${good.key}&limit=5`, { key: null })).status).toBe(401);
    expect((await call(`${registry.url}/v1/models`, { key: null, headers: { 'x-api-key': good.key } })).status).toBe(401);
    expect((await call(`${registry.url}/v1/models/m?token=${stranger}`, { key: null, headers: { 'x-forwarded-authorization': `Bearer ${stranger}` } })).status).toBe(401);
    await registry.stop();
    const output = registry.output();
    // The refused requests were logged, with the key's id and not its secret.
    expect(output).toContain(`"url":"/v1/models?api_key=sy_${good.id}_[Redacted]&limit=5"`);
    expect(output).toContain(`"x-api-key":"sy_${good.id}_[Redacted]"`);
    const requests = output.split('\n').filter((line) => line.includes('"url":"/v1/models"'));
    expect(requests.map((line) => (JSON.parse(line) as { res: { statusCode: number } }).res.statusCode)).toEqual(expect.arrayContaining([200, 401]));
    expect(output).toContain('[Redacted]');
    for (const key of [good.key, stranger, process.env.SWITCHYARD_BOOTSTRAP_ADMIN_KEY!]) {
      // The secret: everything after sy_<12-character id>_.
      expect(output).not.toContain(key.slice(16));
    }
  });

  it('the gateway logs a refused or failed prediction (key redacted) and leaves successful ones to the prediction log', async () => {
    const redisPrefix = isolatedRedisPrefix();
    const registry = await AppProcess.registry({ ...fileStoreEnv(), DATABASE_URL: databaseUrl, REDIS_PREFIX: redisPrefix });
    cleanup.defer(() => registry.stop());
    const name = await createModel(registry.url, 'logged');
    await uploadReadyVersion(registry.url, name, buildAffine({ scale: 1, bias: 1, features: 4 }), databaseUrl);
    expect((await call(`${registry.url}/v1/models/${name}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    const gateway = await AppProcess.gateway({
      DATABASE_URL: databaseUrl,
      REDIS_PREFIX: redisPrefix,
      REGISTRY_URL: registry.url,
      GATEWAY_CACHE_DIR: path.join(testRun().workDir, `logged-cache-${uniqueSuffix()}`),
      LOG_LEVEL: 'info',
    });
    cleanup.defer(() => gateway.stop());
    const caller = await createKey(registry.url, ['predict'], { name: 'logged-caller' });
    const predictOnce = (instances: unknown, id: string) =>
      call(`${gateway.url}/v1/models/${name}/predict`, { method: 'POST', json: { instances }, key: caller.key, headers: { 'x-request-id': id } });
    expect((await eventually(() => predictOnce([[0, 0, 0, 0]], 'logged-ok-0'), (a) => a.status === 200)).status).toBe(200);
    expect((await predictOnce([[1, 2, 3, 4]], 'logged-ok-1')).status).toBe(200);
    expect((await predictOnce([[1, 2]], 'logged-bad')).status).toBe(400);
    const misplaced = await call(`${gateway.url}/v1/models/${name}/predict?api_key=${caller.key}`, {
      method: 'POST',
      json: { instances: [[0, 0, 0, 0]] },
      key: null,
      headers: { 'x-api-key': caller.key, 'x-request-id': 'logged-misplaced' },
    });
    expect(misplaced.status).toBe(401);
    expect((await call(`${gateway.url}/v1/feedback?api_key=${caller.key}`, { method: 'POST', json: {}, key: null, headers: { 'x-api-key': caller.key } })).status).toBe(401);
    await gateway.stop();
    const lines = gateway
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
    // pino-http names the request id req.id; the gateway's own failure line, reqId.
    const about = (id: string) => lines.filter((line) => line.reqId === id || line.req?.id === id);
    expect(about('logged-ok-1')).toEqual([]);
    expect(about('logged-bad')).toEqual([
      expect.objectContaining({ msg: 'request refused', level: 40, status: 400, method: 'POST', url: `/v1/models/${name}/predict` }),
    ]);
    expect(about('logged-misplaced')).toEqual([
      expect.objectContaining({ msg: 'request refused', status: 401, url: `/v1/models/${name}/predict?api_key=sy_${caller.id}_[Redacted]` }),
    ]);
    expect(gateway.output()).toContain(`"x-api-key":"sy_${caller.id}_[Redacted]"`);
    expect(gateway.output()).not.toContain(caller.key.slice(16));
  });

  it('AUTH_ENABLED=false: a warning at start, no key needed, X-Actor names the actor', async () => {
    const registry = await AppProcess.registry({ ...fileStoreEnv(), DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix(), AUTH_ENABLED: 'false' });
    cleanup.defer(() => registry.stop());
    expect(registry.output()).toContain('AUTH_ENABLED=false');
    const name = `open-${uniqueSuffix()}`;
    const created = await call(`${registry.url}/v1/models`, { method: 'POST', json: { name }, key: null, headers: { 'x-actor': 'alice' } });
    expect(created.status).toBe(201);
    expect(created.body.created_by).toBe('alice');
  });
});
