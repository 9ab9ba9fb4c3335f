import { call, expectProblem } from '../../../test/support/client';
import { FP32_SIGNATURE, modelWithVersions, setVersionStatus } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startRegistry } from '../../../test/support/http-app';

describe('the shadow alias and its share', () => {
  let registry: RunningApp;
  beforeAll(async () => {
    registry = await startRegistry(fileStoreEnv());
  });
  afterAll(() => registry.close());

  const url = (model: string, path = '') => `${registry.url}/v1/models/${model}${path}`;
  const setAlias = (model: string, alias: string, body: unknown) => call(url(model, `/aliases/${alias}`), { method: 'PUT', json: body });
  const removeAlias = (model: string, alias: string) => call(url(model, `/aliases/${alias}`), { method: 'DELETE' });
  const setTraffic = (model: string, body: unknown, revision: number | null) =>
    call(url(model, '/traffic'), { method: 'PUT', json: body, headers: revision === null ? {} : { 'if-match': `"${revision}"` } });
  const deployment = async (model: string) => {
    const { rollout: _rollout, ...state } = (await call(url(model, '/deployment'))).body;
    return state;
  };
  const audit = async (model: string) => (await call(url(model, '/audit?limit=200'))).body.items as any[];

  /** Versions 1..n ready, champion 1. */
  async function deployedModel(versions: number): Promise<string> {
    const model = await modelWithVersions(registry.url, versions);
    for (let v = 1; v <= versions; v++) await setVersionStatus(model, v, 'ready');
    expect((await setAlias(model, 'champion', { version: 1 })).status).toBe(200);
    return model;
  }

  async function expectRefusedWithoutChange(model: string, request: () => Promise<any>, status: number): Promise<Record<string, any>> {
    const before = await deployment(model);
    const entries = (await audit(model)).length;
    const problem = expectProblem(await request(), status);
    expect(await deployment(model)).toEqual(before);
    expect((await audit(model)).length).toBe(entries);
    return problem;
  }

  it('sets a shadow and its share, shows both, audits each change, lists the shadow for gateways, and clears it', async () => {
    const model = await deployedModel(3);
    const set = await setAlias(model, 'shadow', { version: 3 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ champion: { version: 1 }, shadow: { version: 3, status: 'ready' }, shadow_percent: 0, revision: 2 });

    const shared = await setTraffic(model, { shadow_percent: 37.5 }, 2);
    expect(shared.status).toBe(200);
    expect(shared.body).toMatchObject({ shadow: { version: 3 }, shadow_percent: 37.5, challenger_percent: 0, revision: 3 });

    // Both shares in one change; one left out stays.
    await setAlias(model, 'challenger', { version: 2 });
    const both = await setTraffic(model, { challenger_percent: 10, shadow_percent: 100 }, 4);
    expect(both.body).toMatchObject({ challenger_percent: 10, shadow_percent: 100, revision: 5 });
    const onlyChallenger = await setTraffic(model, { challenger_percent: 20 }, 5);
    expect(onlyChallenger.body).toMatchObject({ challenger_percent: 20, shadow_percent: 100 });

    const listed = (await call(`${registry.url}/v1/deployments`)).body.items.find((d: any) => d.model === model);
    expect(listed).toMatchObject({
      shadow_percent: 100,
      shadow: { version: 3, artifact_url: `/v1/models/${model}/versions/3/artifact`, signature: FP32_SIGNATURE },
    });
    expect(listed.shadow.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(listed.shadow).toHaveProperty('input_example');

    const entries = await audit(model);
    expect(entries.map((e) => e.action)).toEqual(['traffic.set', 'traffic.set', 'alias.set', 'traffic.set', 'alias.set', 'alias.set']);
    expect(entries[3]).toMatchObject({ before: { shadow: 3, shadow_percent: 0 }, after: { shadow: 3, shadow_percent: 37.5 } });

    const cleared = await removeAlias(model, 'shadow');
    expect(cleared.body).toMatchObject({ shadow: null, shadow_percent: 0, challenger_percent: 20 });
    expect((await audit(model))[0]).toMatchObject({ action: 'alias.delete', before: { shadow: 3, shadow_percent: 100 }, after: { shadow: null, shadow_percent: 0 } });
    const relisted = (await call(`${registry.url}/v1/deployments`)).body.items.find((d: any) => d.model === model);
    expect(relisted).toMatchObject({ shadow: null, shadow_percent: 0 });
  });

  it('refuses a shadow that is not ready, whose inputs differ from the champion\'s, or without a champion — naming what is wrong', async () => {
    const bare = await modelWithVersions(registry.url, 1);
    await setVersionStatus(bare, 1, 'ready');
    let problem = await expectRefusedWithoutChange(bare, () => setAlias(bare, 'shadow', { version: 1 }), 409);
    expect(problem.detail).toContain('champion');

    const model = await deployedModel(4);
    await setVersionStatus(model, 2, 'failed');
    problem = await expectRefusedWithoutChange(model, () => setAlias(model, 'shadow', { version: 2 }), 409);
    expect(problem.errors).toEqual([{ field: 'version', message: expect.stringContaining('failed') }]);

    await setVersionStatus(model, 3, 'ready', {
      inputs: [
        { name: 'x', datatype: 'INT64', shape: [-1, 4] },
        { name: 'extra', datatype: 'FP32', shape: [-1] },
      ],
      outputs: FP32_SIGNATURE.outputs,
    });
    problem = await expectRefusedWithoutChange(model, () => setAlias(model, 'shadow', { version: 3 }), 409);
    expect(problem.differences).toEqual(['input "x": datatype FP32 → INT64', 'input "extra": not an input of champion']);
    expect(problem.errors[0].field).toBe('version');
    // No force for shadows: the flag changes nothing.
    await expectRefusedWithoutChange(model, () => setAlias(model, 'shadow', { version: 3, force: true }), 409);

    await expectRefusedWithoutChange(model, () => setAlias(model, 'shadow', { version: 99 }), 404);
    await expectRefusedWithoutChange(model, () => setAlias(model, 'shadow', { version: 'two' }), 400);
  });

  it('refuses bad shares without changing anything: outside 0–100, too many decimals, none sent, no shadow, no If-Match', async () => {
    const model = await deployedModel(2);
    const { revision } = await deployment(model);
    for (const body of [{ shadow_percent: -1 }, { shadow_percent: 100.5 }, { shadow_percent: 12.345 }, { shadow_percent: '50' }]) {
      const problem = await expectRefusedWithoutChange(model, () => setTraffic(model, body, revision), 400);
      expect(problem.errors.map((e: any) => e.field)).toContain('shadow_percent');
    }
    let problem = await expectRefusedWithoutChange(model, () => setTraffic(model, {}, revision), 400);
    expect(problem.detail).toContain('shadow_percent');
    problem = await expectRefusedWithoutChange(model, () => setTraffic(model, { shadow_percent: 5 }, revision), 409);
    expect(problem.errors).toEqual([{ field: 'shadow_percent', message: 'the model has no shadow' }]);
    await expectRefusedWithoutChange(model, () => setTraffic(model, { shadow_percent: 5 }, null), 428);
    // A valid shadow share beside an impossible challenger share: the whole change is refused.
    await setAlias(model, 'shadow', { version: 2 });
    const current = (await deployment(model)).revision;
    problem = await expectRefusedWithoutChange(model, () => setTraffic(model, { shadow_percent: 50, challenger_percent: 5 }, current), 409);
    expect(problem.errors[0].field).toBe('challenger_percent');
    await expectRefusedWithoutChange(model, () => setTraffic(model, { shadow_percent: 50 }, current - 1), 412);
    // 0 needs no shadow: turning copies off is always allowed.
    expect((await setTraffic(model, { shadow_percent: 0 }, current)).status).toBe(200);
  });

  it('keeps the champion feeding its shadow: no champion whose inputs the shadow cannot take, no champion removal while a shadow stays', async () => {
    const model = await deployedModel(3);
    await setAlias(model, 'shadow', { version: 2 });
    await setVersionStatus(model, 3, 'ready', { inputs: [{ name: 'other', datatype: 'FP32', shape: [-1, 4] }], outputs: FP32_SIGNATURE.outputs });
    const problem = await expectRefusedWithoutChange(model, () => setAlias(model, 'champion', { version: 3 }), 409);
    expect(problem.detail).toContain('shadow');
    await expectRefusedWithoutChange(model, () => removeAlias(model, 'champion'), 409);
    expect((await removeAlias(model, 'shadow')).status).toBe(200);
    expect((await removeAlias(model, 'champion')).status).toBe(200);
  });
});
