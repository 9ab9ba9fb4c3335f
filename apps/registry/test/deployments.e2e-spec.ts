import { Redis } from 'ioredis';
import { authHeaders, call, expectProblem } from '../../../test/support/client';
import { createKey, type TestKey } from '../../../test/support/keys';
import { FP32_SIGNATURE, modelWithVersions, setVersionStatus } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startRegistry } from '../../../test/support/http-app';
import { testRun } from '../../../test/support/test-env';

describe('aliases, traffic, promote, rollback and audit', () => {
  let registry: RunningApp;
  beforeAll(async () => {
    registry = await startRegistry(fileStoreEnv());
  });
  afterAll(() => registry.close());

  const url = (model: string, path = '') => `${registry.url}/v1/models/${model}${path}`;
  const setAlias = (model: string, alias: string, body: unknown, headers: Record<string, string> = {}) =>
    call(url(model, `/aliases/${alias}`), { method: 'PUT', json: body, headers });
  const setTraffic = (model: string, body: unknown, headers: Record<string, string> = {}) =>
    call(url(model, '/traffic'), { method: 'PUT', json: body, headers });
  /** The deployment as operators set it; `rollout` is left out because gateways keep re-reporting into it. */
  const deployment = async (model: string) => {
    const { rollout: _rollout, ...state } = (await call(url(model, '/deployment'))).body;
    return state;
  };
  const auditCount = async (model: string) => (await call(url(model, '/audit?limit=200'))).body.items.length;

  /** A model whose versions 1..n are ready, with champion 1 (and challenger 2 when asked). */
  async function deployedModel(versions: number, withChallenger: boolean): Promise<string> {
    const model = await modelWithVersions(registry.url, versions);
    for (let v = 1; v <= versions; v++) await setVersionStatus(model, v, 'ready');
    expect((await setAlias(model, 'champion', { version: 1 })).status).toBe(200);
    if (withChallenger) expect((await setAlias(model, 'challenger', { version: 2 })).status).toBe(200);
    return model;
  }

  /** Runs a request that must be refused, and checks that it changed neither the deployment nor the audit log. */
  async function expectRefusedWithoutChange(model: string, request: () => Promise<any>, status: number): Promise<Record<string, any>> {
    const before = await deployment(model);
    const entries = await auditCount(model);
    const problem = expectProblem(await request(), status);
    expect(await deployment(model)).toEqual(before);
    expect(await auditCount(model)).toBe(entries);
    return problem;
  }

  it('runs an A/B test end to end: champion, challenger, traffic, promote, rollback — each audited with its key', async () => {
    const people: Record<string, TestKey> = {};
    for (const name of ['alice', 'bob', 'carol', 'dave']) people[name] = await createKey(registry.url, ['operator'], { name });
    const as = (name: string) => authHeaders(people[name].key);
    const actor = (name: string) => `key:${people[name].id} (${name})`;
    const model = await modelWithVersions(registry.url, 3);
    for (const v of [1, 2, 3]) await setVersionStatus(model, v, 'ready');

    const champion = await setAlias(model, 'champion', { version: 1 }, as('alice'));
    expect(champion.status).toBe(200);
    expect(champion.headers.get('etag')).toBe('"1"');
    expect(champion.body).toMatchObject({ champion: { version: 1 }, challenger: null, challenger_percent: 0, revision: 1 });

    await setAlias(model, 'challenger', { version: 2 }, as('alice'));
    const shifted = await setTraffic(model, { challenger_percent: 12.5 }, { 'if-match': '"2"', ...as('bob') });
    expect(shifted.status).toBe(200);
    expect(shifted.body).toMatchObject({ champion: { version: 1 }, challenger: { version: 2 }, challenger_percent: 12.5, revision: 3, updated_by: actor('bob') });

    const read = await call(url(model, '/deployment'));
    expect(read.headers.get('etag')).toBe('"3"');

    const promoted = await call(url(model, '/promote'), { method: 'POST', json: { reason: 'wins on accuracy' }, headers: as('carol') });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ champion: { version: 2 }, challenger: null, challenger_percent: 0, previous_champion: { version: 1 }, revision: 4 });

    const rolledBack = await call(url(model, '/rollback'), { method: 'POST', headers: as('dave') });
    expect(rolledBack.body).toMatchObject({ champion: { version: 1 }, challenger: null, previous_champion: { version: 2 }, revision: 5 });

    const modelView = (await call(url(model))).body;
    expect(modelView.aliases).toEqual({ champion: 1 });
    expect(modelView.deployment).toMatchObject({ champion: { version: 1 }, revision: 5 });

    const audit = (await call(url(model, '/audit'))).body.items;
    expect(audit.map((e: any) => [e.action, e.actor])).toEqual([
      ['rollback', actor('dave')],
      ['promote', actor('carol')],
      ['traffic.set', actor('bob')],
      ['alias.set', actor('alice')],
      ['alias.set', actor('alice')],
    ]);
    expect(audit[1]).toMatchObject({
      reason: 'wins on accuracy',
      before: { champion: 1, challenger: 2, challenger_percent: 12.5, revision: 3 },
      after: { champion: 2, challenger: null, challenger_percent: 0, revision: 4 },
    });
  });

  it('answers which version was champion at a past time from the audit log', async () => {
    const model = await deployedModel(2, false);
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    await setAlias(model, 'champion', { version: 2 });
    expect((await call(url(model, `/deployment?at=${between}`))).body).toMatchObject({ champion: 1, revision: 1, at: between });
    expect((await call(url(model, `/deployment?at=${new Date().toISOString()}`))).body).toMatchObject({ champion: 2, revision: 2 });
    expect((await call(url(model, '/deployment?at=2000-01-01T00:00:00Z'))).body).toMatchObject({ champion: null, revision: 0 });
    expectProblem(await call(url(model, '/deployment?at=yesterday')), 400);
  });

  it('lets only ready versions take champion or challenger; labels may point anywhere', async () => {
    const model = await modelWithVersions(registry.url, 3);
    await setVersionStatus(model, 2, 'failed');
    let problem = await expectRefusedWithoutChange(model, () => setAlias(model, 'champion', { version: 1 }), 409);
    expect(problem.detail).toContain('pending');
    problem = await expectRefusedWithoutChange(model, () => setAlias(model, 'champion', { version: 2 }), 409);
    expect(problem.detail).toContain('failed');
    await setVersionStatus(model, 3, 'ready');
    expect((await setAlias(model, 'champion', { version: 3 })).status).toBe(200);
    await expectRefusedWithoutChange(model, () => setAlias(model, 'challenger', { version: 1 }), 409);
    expect((await setAlias(model, 'staging', { version: 1 })).status).toBe(200);
    expect((await call(url(model))).body.aliases).toEqual({ champion: 3, staging: 1 });
  });

  it('refuses a challenger whose inputs differ from the champion\'s, listing the differences, unless forced', async () => {
    const model = await deployedModel(2, false);
    await setVersionStatus(model, 2, 'ready', {
      inputs: [
        { name: 'x', datatype: 'INT64', shape: [-1, 4] },
        { name: 'extra', datatype: 'FP32', shape: [-1] },
      ],
      outputs: FP32_SIGNATURE.outputs,
    });
    const problem = await expectRefusedWithoutChange(model, () => setAlias(model, 'challenger', { version: 2 }), 409);
    expect(problem.differences).toEqual(['input "x": datatype FP32 → INT64', 'input "extra": not an input of champion']);
    expect((await setAlias(model, 'challenger', { version: 2, force: true })).body).toMatchObject({ challenger: { version: 2 } });
  });

  it('lets exactly one of 50 concurrent traffic changes with the same If-Match through, and audits only that one', async () => {
    const model = await deployedModel(2, true);
    const { revision } = await deployment(model);
    const entries = await auditCount(model);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => setTraffic(model, { challenger_percent: i + 1 }, { 'if-match': `"${revision}"` })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(49);
    const winner = answers.find((a) => a.status === 200)!;
    expect(await deployment(model)).toMatchObject({ revision: revision + 1, challenger_percent: winner.body.challenger_percent });
    expect(await auditCount(model)).toBe(entries + 1);
    const loser = answers.find((a) => a.status === 412)!;
    expect(loser.body).toMatchObject({ current_revision: revision + 1 });
  });

  it.each([
    ['below 0', { challenger_percent: -1 }],
    ['above 100', { challenger_percent: 100.01 }],
    ['a string', { challenger_percent: 'abc' }],
    ['"NaN"', { challenger_percent: 'NaN' }],
    ['null', { challenger_percent: null }],
    ['missing', {}],
    ['three decimals', { challenger_percent: 12.345 }],
    ['with an unknown field', { challenger_percent: 5, weight: 5 }],
  ])('refuses a percent that is %s with 400 and changes nothing', async (_label, body) => {
    const model = await deployedModel(2, true);
    const { revision } = await deployment(model);
    const problem = await expectRefusedWithoutChange(model, () => setTraffic(model, body, { 'if-match': `"${revision}"` }), 400);
    expect(problem.errors.length).toBeGreaterThan(0);
  });

  it('demands If-Match (428), refuses a stale or malformed one (412 / 400), and accepts 0 and 100 exactly', async () => {
    const model = await deployedModel(2, true);
    await expectRefusedWithoutChange(model, () => setTraffic(model, { challenger_percent: 10 }), 428);
    await expectRefusedWithoutChange(model, () => setTraffic(model, { challenger_percent: 10 }, { 'if-match': '"1"' }), 412);
    await expectRefusedWithoutChange(model, () => setTraffic(model, { challenger_percent: 10 }, { 'if-match': 'banana' }), 400);
    const { revision } = await deployment(model);
    expect((await setTraffic(model, { challenger_percent: 100 }, { 'if-match': `"${revision}"` })).body.challenger_percent).toBe(100);
    expect((await setTraffic(model, { challenger_percent: 0 }, { 'if-match': `"${revision + 1}"` })).body.challenger_percent).toBe(0);
    await expectRefusedWithoutChange(model, () => setAlias(model, 'champion', { version: 2 }, { 'if-match': `"${revision}"` }), 412);
  });

  it('refuses unknown targets, versions of another model and malformed alias names, changing nothing', async () => {
    const model = await deployedModel(2, false);
    const other = await modelWithVersions(registry.url, 3);
    await setVersionStatus(other, 3, 'ready');
    await expectRefusedWithoutChange(model, () => setAlias(model, 'champion', { version: 3 }), 404);
    await expectRefusedWithoutChange(model, () => setAlias(model, 'champion', { version: 0 }), 400);
    await expectRefusedWithoutChange(model, () => setAlias(model, 'champion', { version: '1' }), 400);
    for (const alias of ['Champion', '1st', 'a'.repeat(33), 'has.dot', encodeURIComponent('../x'), 'x%00']) {
      await expectRefusedWithoutChange(model, () => setAlias(model, alias, { version: 1 }), 400);
    }
    expectProblem(await setAlias(`nobody-${Date.now()}`, 'champion', { version: 1 }), 404);
  });

  it('refuses promote without a challenger, rollback without a previous champion, traffic without a challenger', async () => {
    const model = await deployedModel(2, false);
    await expectRefusedWithoutChange(model, () => call(url(model, '/promote'), { method: 'POST' }), 409);
    await expectRefusedWithoutChange(model, () => call(url(model, '/rollback'), { method: 'POST' }), 409);
    const { revision } = await deployment(model);
    await expectRefusedWithoutChange(model, () => setTraffic(model, { challenger_percent: 5 }, { 'if-match': `"${revision}"` }), 409);
    const fresh = await modelWithVersions(registry.url, 1);
    await setVersionStatus(fresh, 1, 'ready');
    expectProblem(await setAlias(fresh, 'challenger', { version: 1 }), 409);
  });

  it('removing the challenger sends all traffic to the champion; the champion cannot go while a challenger stays', async () => {
    const model = await deployedModel(2, true);
    const { revision } = await deployment(model);
    await setTraffic(model, { challenger_percent: 30 }, { 'if-match': `"${revision}"` });
    await expectRefusedWithoutChange(model, () => call(url(model, '/aliases/champion'), { method: 'DELETE' }), 409);
    const removed = await call(url(model, '/aliases/challenger'), { method: 'DELETE' });
    expect(removed.body).toMatchObject({ challenger: null, challenger_percent: 0 });
    await expectRefusedWithoutChange(model, () => call(url(model, '/aliases/challenger'), { method: 'DELETE' }), 404);
  });

  it('refuses to delete a version that holds traffic or an alias; deletes others without reusing their number', async () => {
    const model = await deployedModel(3, true);
    await setAlias(model, 'staging', { version: 3 });
    expectProblem(await call(url(model, '/versions/1'), { method: 'DELETE' }), 409);
    expectProblem(await call(url(model, '/versions/2'), { method: 'DELETE' }), 409);
    expect(expectProblem(await call(url(model, '/versions/3'), { method: 'DELETE' }), 409).aliases).toEqual(['staging']);
    await call(url(model, '/aliases/staging'), { method: 'DELETE' });
    expect((await call(url(model, '/versions/3'), { method: 'DELETE' })).status).toBe(204);
    expectProblem(await call(url(model, '/versions/3')), 404);
    expectProblem(await call(url(model, '/versions/3/artifact')), 404);
    const next = await call(url(model, '/versions'), { method: 'POST', body: (() => { const f = new FormData(); f.append('artifact', new Blob(['x'])); return f; })() });
    expect(next.body.version).toBe(4);
  });

  it('publishes {model, revision} after each change and lists what gateways need at /v1/deployments', async () => {
    const subscriber = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
    const messages: unknown[] = [];
    try {
      await subscriber.subscribe(`${testRun().redisPrefix}:deployments`);
      subscriber.on('message', (_channel, message) => messages.push(JSON.parse(message)));
      const model = await deployedModel(2, true);
      const { revision } = await deployment(model);
      await setTraffic(model, { challenger_percent: 40 }, { 'if-match': `"${revision}"` });
      const deadline = Date.now() + 5000;
      while (messages.filter((m: any) => m.model === model).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(messages.filter((m: any) => m.model === model)).toEqual([
        { model, revision: 1 },
        { model, revision: 2 },
        { model, revision: 3 },
      ]);

      const listed = (await call(`${registry.url}/v1/deployments`)).body.items.find((d: any) => d.model === model);
      const version1 = (await call(url(model, '/versions/1'))).body;
      expect(listed).toMatchObject({
        model,
        revision: 3,
        challenger_percent: 40,
        salt: expect.stringMatching(/^[0-9a-f]{16}$/),
        champion: { version: 1, sha256: version1.sha256, size_bytes: version1.size_bytes, signature: FP32_SIGNATURE, artifact_url: `/v1/models/${model}/versions/1/artifact`, artifact_uri: expect.stringMatching(/^file:\/\/.*\/models\/.*\/1\/model\.onnx$/) },
        challenger: { version: 2 },
      });
    } finally {
      subscriber.disconnect();
    }
  });
});
