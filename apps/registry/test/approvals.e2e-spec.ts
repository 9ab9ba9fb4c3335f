import { authHeaders, call, expectProblem } from '../../../test/support/client';
import { modelWithVersions, setVersionStatus } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startRegistry } from '../../../test/support/http-app';
import { createKey, type TestKey } from '../../../test/support/keys';

describe('approval before production', () => {
  let registry: RunningApp;
  let publisher: TestKey;
  let operator: TestKey;
  let approver: TestKey;
  beforeAll(async () => {
    registry = await startRegistry(fileStoreEnv());
    publisher = await createKey(registry.url, ['publisher'], { name: 'pat' });
    operator = await createKey(registry.url, ['operator'], { name: 'olga' });
    approver = await createKey(registry.url, ['approver'], { name: 'ada' });
  });
  afterAll(() => registry.close());

  const url = (model: string, path = '') => `${registry.url}/v1/models/${model}${path}`;
  const decide = (model: string, version: number, decision: 'approve' | 'reject', json: unknown, key: TestKey | null) =>
    call(url(model, `/versions/${version}/${decision}`), { method: 'POST', json, headers: authHeaders(key?.key ?? undefined) });
  const setAlias = (model: string, alias: string, version: number) =>
    call(url(model, `/aliases/${alias}`), { method: 'PUT', json: { version }, headers: authHeaders(operator.key) });
  const audit = async (model: string) => (await call(url(model, '/audit?limit=200'))).body.items;

  /** A model requiring approval whose versions 1..n were uploaded by `uploader` (the publisher key) and are ready. */
  async function gatedModel(count: number, uploader: TestKey = publisher): Promise<string> {
    const model = await modelWithVersions(registry.url, 0, 'gated');
    expect((await call(url(model), { method: 'PATCH', json: { require_approval: true }, headers: authHeaders(operator.key) })).body.require_approval).toBe(true);
    for (let v = 1; v <= count; v++) {
      const form = new FormData();
      form.append('artifact', new Blob([new TextEncoder().encode(`v${v} of ${model}`)]), 'model.onnx');
      expect((await call(url(model, '/versions'), { method: 'POST', body: form, headers: authHeaders(uploader.key) })).status).toBe(201);
      await setVersionStatus(model, v, 'ready');
    }
    return model;
  }

  /** A refused request leaves the deployment, the version and the audit log as they were. */
  async function expectRefused(model: string, request: () => Promise<any>, status: number): Promise<Record<string, any>> {
    const before = [(await call(url(model, '/deployment'))).body.revision, (await call(url(model, '/versions?limit=200'))).body, (await audit(model)).length];
    const problem = expectProblem(await request(), status);
    const after = [(await call(url(model, '/deployment'))).body.revision, (await call(url(model, '/versions?limit=200'))).body, (await audit(model)).length];
    expect(after).toEqual(before);
    return problem;
  }

  it('lets no unapproved version take champion, challenger or shadow, then lets the approved one, audited', async () => {
    const model = await gatedModel(3);
    for (const alias of ['champion']) {
      const problem = await expectRefused(model, () => setAlias(model, alias, 1), 409);
      expect(problem).toMatchObject({ type: '/problems/version-not-approved', errors: [{ field: 'version', message: 'version 1 is not approved' }] });
    }
    // A label is not gated.
    expect((await setAlias(model, 'candidate', 1)).status).toBe(200);

    const approved = await decide(model, 1, 'approve', { reason: 'metrics reviewed' }, approver);
    expect(approved.status).toBe(200);
    expect(approved.body.approval).toEqual({ status: 'approved', by: `key:${approver.id} (ada)`, reason: 'metrics reviewed', at: expect.any(String) });
    expect((await setAlias(model, 'champion', 1)).status).toBe(200);

    await expectRefused(model, () => setAlias(model, 'challenger', 2), 409);
    await expectRefused(model, () => setAlias(model, 'shadow', 2), 409);
    const rejected = await decide(model, 2, 'reject', { reason: 'recall dropped' }, operator);
    expect(rejected.body.approval).toMatchObject({ status: 'rejected', reason: 'recall dropped' });
    const refused = await expectRefused(model, () => setAlias(model, 'challenger', 2), 409);
    expect(refused.detail).toContain('was rejected (recall dropped)');

    expect((await decide(model, 3, 'approve', {}, operator)).status).toBe(200);
    expect((await setAlias(model, 'challenger', 3)).status).toBe(200);
    expect((await setAlias(model, 'shadow', 3)).status).toBe(200);

    const entries = await audit(model);
    expect(entries.filter((e: any) => e.scope === 'version').map((e: any) => [e.action, e.version, e.reason])).toEqual([
      ['version.approve', 3, null],
      ['version.reject', 2, 'recall dropped'],
      ['version.approve', 1, 'metrics reviewed'],
    ]);
    expect((await call(url(model, '/versions?approval=approved&order=asc'))).body.items.map((v: any) => v.version)).toEqual([1, 3]);
    expect((await call(url(model, '/versions?approval=rejected,none'))).body.items.map((v: any) => v.version)).toEqual([2]);
  });

  it('gates a promote of an unapproved challenger but lets a rollback return to an unapproved champion', async () => {
    const model = await modelWithVersions(registry.url, 3, 'late-gate');
    for (const v of [1, 2, 3]) await setVersionStatus(model, v, 'ready');
    expect((await setAlias(model, 'champion', 1)).status).toBe(200);
    expect((await setAlias(model, 'champion', 2)).status).toBe(200);
    expect((await setAlias(model, 'challenger', 3)).status).toBe(200);
    await call(url(model), { method: 'PATCH', json: { require_approval: true }, headers: authHeaders(operator.key) });
    await expectRefused(model, () => call(url(model, '/promote'), { method: 'POST', json: {}, headers: authHeaders(operator.key) }), 409);
    const rollback = await call(url(model, '/rollback'), { method: 'POST', json: {}, headers: authHeaders(operator.key) });
    expect(rollback.status).toBe(200);
    expect(rollback.body.champion).toMatchObject({ version: 1 });
  });

  it('refuses approving one\'s own upload (403), a failed or pending version (409), a reject without a reason (400), naming the field', async () => {
    // An operator may approve, but not what it uploaded itself.
    const model = await gatedModel(3, operator);
    const own = await expectRefused(model, () => decide(model, 1, 'approve', {}, operator), 403);
    expect(own).toMatchObject({ type: '/problems/self-approval', errors: [{ field: 'version', message: 'uploaded by the key that is reviewing it' }] });
    await setVersionStatus(model, 2, 'failed');
    const failed = await expectRefused(model, () => decide(model, 2, 'approve', {}, approver), 409);
    expect(failed.errors).toEqual([{ field: 'version', message: 'is failed, not ready' }]);
    await setVersionStatus(model, 3, 'pending');
    expect((await expectRefused(model, () => decide(model, 3, 'approve', {}, approver), 409)).errors).toEqual([{ field: 'version', message: 'is pending, not ready' }]);
    expect((await expectRefused(model, () => decide(model, 1, 'reject', {}, approver), 400)).errors).toEqual([expect.objectContaining({ field: 'reason' })]);
    const badReason = await expectRefused(model, () => decide(model, 1, 'approve', { reason: 5 }, approver), 400);
    expect(new Set(badReason.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['reason']));
    expectProblem(await decide(model, 9, 'approve', {}, approver), 404);
    // A publisher may not review at all; an approver may not deploy.
    expect((await expectRefused(model, () => decide(model, 1, 'approve', {}, publisher), 403)).required_role).toBe('approver');
    const deploy = await call(url(model, '/aliases/champion'), { method: 'PUT', json: { version: 1 }, headers: authHeaders(approver.key) });
    expectProblem(deploy, 403);
  });

  it('keeps exactly one of 50 concurrent approve and reject calls', async () => {
    const model = await gatedModel(1);
    const reviewers = [approver, operator, await createKey(registry.url, ['approver'], { name: 'ari' })];
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 ? decide(model, 1, 'approve', { reason: `approve ${i}` }, reviewers[i % 3]) : decide(model, 1, 'reject', { reason: `reject ${i}` }, reviewers[i % 3]),
      ),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of answers.filter((a) => a.status !== 200)) {
      expect(expectProblem(loser, 409).type).toBe('/problems/approval-already-decided');
    }
    const stored = (await call(url(model, '/versions/1'))).body.approval;
    expect(stored).toEqual(winners[0].body.approval);
    const decisions = (await audit(model)).filter((e: any) => e.scope === 'version');
    expect(decisions).toHaveLength(1);
    expect(decisions[0].reason).toBe(stored.reason);
  });
});
