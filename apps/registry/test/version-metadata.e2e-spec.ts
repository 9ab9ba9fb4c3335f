import { call, expectProblem } from '../../../test/support/client';
import { modelWithVersions } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startRegistry } from '../../../test/support/http-app';
import { uniqueSuffix } from '../../../test/support/test-env';

describe('editable metadata: PATCH a version and a model, audited', () => {
  let registry: RunningApp;
  beforeAll(async () => {
    registry = await startRegistry(fileStoreEnv());
  });
  afterAll(() => registry.close());

  const url = (model: string, path = '') => `${registry.url}/v1/models/${model}${path}`;
  const patchVersion = (model: string, version: number | string, json: unknown) => call(url(model, `/versions/${version}`), { method: 'PATCH', json });
  const audit = async (model: string) => (await call(url(model, '/audit?limit=200'))).body.items;

  /** A refused request leaves the version and the audit log as they were. */
  async function expectRefused(model: string, request: () => Promise<any>, status: number): Promise<Record<string, any>> {
    const before = (await call(url(model, '/versions/1'))).body;
    const entries = (await audit(model)).length;
    const problem = expectProblem(await request(), status);
    expect((await call(url(model, '/versions/1'))).body).toEqual(before);
    expect((await audit(model)).length).toBe(entries);
    return problem;
  }

  it('edits description, tags and metrics, keeps the artifact, and audits before and after', async () => {
    const model = await modelWithVersions(registry.url, 1);
    const original = (await call(url(model, '/versions/1'))).body;
    const first = await patchVersion(model, 1, { description: 'baseline', tags: { team: 'risk', stage: 'dev' }, metrics: { rmse: 0.31 } });
    expect(first.status).toBe(200);
    expect(first.body.metadata).toEqual({ description: 'baseline', tags: { team: 'risk', stage: 'dev' }, metrics: { rmse: 0.31 } });
    const second = await patchVersion(model, 1, { tags: { stage: null, owner: 'ana' }, metrics: { mae: 0.2 } });
    expect(second.body.metadata).toEqual({ description: 'baseline', tags: { team: 'risk', owner: 'ana' }, metrics: { rmse: 0.31, mae: 0.2 } });
    expect(second.body).toMatchObject({ sha256: original.sha256, size_bytes: original.size_bytes, created_by: original.created_by });

    const entries = await audit(model);
    expect(entries.slice(0, 2)).toEqual([
      expect.objectContaining({
        action: 'version.update',
        scope: 'version',
        version: 1,
        before: { tags: { team: 'risk', stage: 'dev' }, metrics: { rmse: 0.31 } },
        after: { tags: { team: 'risk', owner: 'ana' }, metrics: { rmse: 0.31, mae: 0.2 } },
      }),
      expect.objectContaining({ action: 'version.update', before: { description: '', tags: {}, metrics: {} } }),
    ]);
    // The deployment's history ignores metadata entries.
    const at = await call(url(model, `/deployment?at=${encodeURIComponent(new Date().toISOString())}`));
    expect(at.body).toMatchObject({ champion: null, revision: 0 });
  });

  it('writes no audit entry for an edit that changes nothing', async () => {
    const model = await modelWithVersions(registry.url, 1);
    await patchVersion(model, 1, { metrics: { auc: 0.9 } });
    const entries = (await audit(model)).length;
    expect((await patchVersion(model, 1, { metrics: { auc: 0.9 }, tags: {} })).status).toBe(200);
    expect((await audit(model)).length).toBe(entries);
  });

  it('refuses to rewrite a metric with 409 naming it, changing nothing', async () => {
    const model = await modelWithVersions(registry.url, 1);
    await patchVersion(model, 1, { metrics: { rmse: 0.3 } });
    const problem = await expectRefused(model, () => patchVersion(model, 1, { description: 'sneaky', metrics: { rmse: 0.1 } }), 409);
    expect(problem.errors).toEqual([{ field: 'metrics.rmse', message: 'already set to 0.3' }]);
  });

  it.each([
    ['an empty body', {}, 'body'],
    ['a metric that is not a number', { metrics: { rmse: 'low' } }, 'metrics'],
    ['a non-finite metric', { metrics: { rmse: null } }, 'metrics'],
    ['tags that are not strings', { tags: { team: 5 } }, 'tags'],
    ['an immutable field', { sha256: 'ab' }, 'sha256'],
    ['the source', { source: 'elsewhere' }, 'source'],
  ])('refuses %s with 400 naming the field', async (_label, body, field) => {
    const model = await modelWithVersions(registry.url, 1);
    const problem = await expectRefused(model, () => patchVersion(model, 1, body), 400);
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it('answers 404 for a version or model that does not exist', async () => {
    const model = await modelWithVersions(registry.url, 1);
    expectProblem(await patchVersion(model, 9, { description: 'x' }), 404);
    expectProblem(await patchVersion(`nobody-${uniqueSuffix()}`, 1, { description: 'x' }), 404);
  });

  it('audits model description and tag edits with before and after', async () => {
    const model = await modelWithVersions(registry.url, 0);
    const patched = await call(url(model), { method: 'PATCH', json: { description: 'scores', tags: { team: 'risk' } } });
    expect(patched.body).toMatchObject({ description: 'scores', tags: { team: 'risk' } });
    expect((await audit(model))[0]).toMatchObject({
      action: 'model.update',
      scope: 'model',
      version: null,
      before: { description: '', tags: {} },
      after: { description: 'scores', tags: { team: 'risk' } },
    });
  });
});
