import { DataSource } from 'typeorm';
import { call, expectProblem } from '../../../test/support/client';
import { modelWithVersions, setVersionStatus } from '../../../test/support/fixtures';
import { fileStoreEnv, type RunningApp, startRegistry } from '../../../test/support/http-app';

/**
 * The rollout plan's API in the registry alone (no worker runs here, so a set plan stays at its first
 * step, not yet applied): what is refused and why, preconditions on the plan's revision, and the
 * moves an operator makes (pause, resume, cancel, or a manual traffic change that pauses the plan).
 */
describe('rollout plans (registry)', () => {
  let registry: RunningApp;
  beforeAll(async () => {
    registry = await startRegistry(fileStoreEnv());
  });
  afterAll(() => registry.close());

  const url = (model: string, path = '') => `${registry.url}/v1/models/${model}${path}`;
  const plan = { steps: [{ challenger_percent: 1 }, { challenger_percent: 5 }, { challenger_percent: 25 }], min_duration_seconds: 60, end: 'promote' };
  const putPlan = (model: string, body: unknown, headers: Record<string, string> = {}) => call(url(model, '/rollout-plan'), { method: 'PUT', json: body, headers });
  const getPlan = (model: string) => call(url(model, '/rollout-plan'));
  const deployment = async (model: string) => {
    const { rollout: _rollout, ...state } = (await call(url(model, '/deployment'))).body;
    return state;
  };
  const audit = async (model: string): Promise<Array<Record<string, any>>> => (await call(url(model, '/audit?limit=200'))).body.items;

  /** A model with ready versions 1..n, champion 1, and (when asked) challenger 2 and shadow 3. */
  async function deployedModel({ challenger = true, shadow = false } = {}): Promise<string> {
    const model = await modelWithVersions(registry.url, 3);
    for (const v of [1, 2, 3]) await setVersionStatus(model, v, 'ready');
    expect((await call(url(model, '/aliases/champion'), { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    if (challenger) expect((await call(url(model, '/aliases/challenger'), { method: 'PUT', json: { version: 2 } })).status).toBe(200);
    if (shadow) expect((await call(url(model, '/aliases/shadow'), { method: 'PUT', json: { version: 3 } })).status).toBe(200);
    return model;
  }

  /** Runs a request that must be refused, and checks it changed neither the deployment, the plan, nor the audit log. */
  async function expectRefusedWithoutChange(model: string, request: () => Promise<any>, status: number): Promise<Record<string, any>> {
    const [before, planBefore, entries] = await Promise.all([deployment(model), getPlan(model), audit(model)]);
    const problem = expectProblem(await request(), status);
    expect(await deployment(model)).toEqual(before);
    expect((await getPlan(model)).body).toEqual(planBefore.body);
    expect(await audit(model)).toHaveLength(entries.length);
    return problem;
  }

  it('sets a plan with defaults filled in, audited, and shows it with its revision as the ETag', async () => {
    const model = await deployedModel();
    expectProblem(await getPlan(model), 404);
    const set = await putPlan(model, plan);
    expect(set.status).toBe(200);
    expect(set.headers.get('etag')).toBe('"1"');
    expect(set.body).toEqual({
      model,
      state: 'active',
      steps: plan.steps.map((step) => ({ ...step, min_duration_seconds: 60, min_requests: 500, min_outcomes: 100 })),
      current_step: 0,
      step_started_at: null,
      samples: { requests: 0, outcomes: 0, elapsed_seconds: null },
      gates: { max_error_rate_increase: 0.01, max_p99_latency_ratio: 1.5, outcome_margin: 0 },
      end: 'promote',
      alpha: 0.05,
      evidence: null,
      reason: null,
      revision: 1,
      updated_at: expect.any(String),
      updated_by: expect.any(String),
    });
    const read = await getPlan(model);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(read.body).toEqual(set.body);
    const [entry] = await audit(model);
    expect(entry).toMatchObject({ action: 'rollout_plan.set', reason: 'rollout plan: challenger 1 % → challenger 5 % → challenger 25 %, then promote' });
    // Setting a plan moves no traffic: the worker applies each step.
    expect(await deployment(model)).toMatchObject({ challenger_percent: 0 });
  });

  it.each([
    ['steps that do not increase', { steps: [{ challenger_percent: 5 }, { challenger_percent: 5 }] }, 'steps.1.challenger_percent'],
    ['steps that go down', { steps: [{ challenger_percent: 10 }, { challenger_percent: 50 }, { challenger_percent: 25 }] }, 'steps.2.challenger_percent'],
    ['a shadow step after a challenger step', { steps: [{ challenger_percent: 5 }, { shadow_percent: 100 }] }, 'steps.1.shadow_percent'],
    ['a percentage above 100', { steps: [{ challenger_percent: 150 }] }, 'steps.0.challenger_percent'],
    ['a negative percentage', { steps: [{ challenger_percent: -5 }] }, 'steps.0.challenger_percent'],
    ['a 0 % step', { steps: [{ challenger_percent: 0 }] }, 'steps.0.challenger_percent'],
    ['a step with both shares', { steps: [{ challenger_percent: 5, shadow_percent: 100 }] }, 'steps.0'],
    ['a step with neither share', { steps: [{ min_requests: 10 }] }, 'steps.0'],
    ['no steps', { steps: [] }, 'steps'],
    ['a negative duration', { ...plan, min_duration_seconds: -1 }, 'min_duration_seconds'],
    ['a negative step duration', { steps: [{ challenger_percent: 5, min_duration_seconds: -30 }] }, 'steps.0.min_duration_seconds'],
    ['negative minimum outcomes', { ...plan, min_outcomes: -1 }, 'min_outcomes'],
    ['an unknown gate', { ...plan, gates: { max_cpu: 0.5 } }, 'gates.max_cpu'],
    ['an error-rate gate above 1', { ...plan, gates: { max_error_rate_increase: 2 } }, 'gates.max_error_rate_increase'],
    ['a latency ratio below 1', { ...plan, gates: { max_p99_latency_ratio: 0.5 } }, 'gates.max_p99_latency_ratio'],
    ['a negative outcome margin', { ...plan, gates: { outcome_margin: -0.1 } }, 'gates.outcome_margin'],
    ['an unknown field', { ...plan, speed: 'fast' }, 'speed'],
    ['an unknown step field', { steps: [{ challenger_percent: 5, weight: 3 }] }, 'steps.0.weight'],
    ['alpha of 0', { ...plan, alpha: 0 }, 'alpha'],
    ['an unknown end', { ...plan, end: 'celebrate' }, 'end'],
    ['a promotion after a shadow step only', { steps: [{ shadow_percent: 100 }], end: 'promote' }, 'end'],
  ])('refuses %s with 400 naming the field, and changes nothing', async (_label, body, field) => {
    const model = await deployedModel({ shadow: true });
    const problem = await expectRefusedWithoutChange(model, () => putPlan(model, body), 400);
    expect(problem.errors.map((e: { field: string }) => e.field)).toContain(field);
    expectProblem(await getPlan(model), 404);
  });

  it('refuses a plan for a model without a challenger or champion, or a shadow step without a shadow alias (409), and changes nothing', async () => {
    const noChallenger = await deployedModel({ challenger: false });
    let problem = await expectRefusedWithoutChange(noChallenger, () => putPlan(noChallenger, plan), 409);
    expect(problem).toMatchObject({ type: '/problems/no-challenger', errors: [{ field: 'challenger' }] });

    const noChampion = await modelWithVersions(registry.url, 1);
    problem = await expectRefusedWithoutChange(noChampion, () => putPlan(noChampion, plan), 409);
    expect(problem).toMatchObject({ type: '/problems/no-champion', errors: [{ field: 'champion' }] });

    const noShadow = await deployedModel();
    problem = await expectRefusedWithoutChange(noShadow, () => putPlan(noShadow, { steps: [{ shadow_percent: 100 }, { challenger_percent: 5 }] }), 409);
    expect(problem).toMatchObject({ type: '/problems/no-shadow', errors: [{ field: 'steps.0.shadow_percent' }] });
  });

  it('replaces a plan only with If-Match on its revision: 428 without, 412 when stale, 412 for If-None-Match: *', async () => {
    const model = await deployedModel();
    expectProblem(await putPlan(model, plan, { 'if-match': '"1"' }), 412);
    expect((await putPlan(model, plan, { 'if-none-match': '*' })).status).toBe(200);
    await expectRefusedWithoutChange(model, () => putPlan(model, plan), 428);
    const stale = await expectRefusedWithoutChange(model, () => putPlan(model, plan, { 'if-match': '"7"' }), 412);
    expect(stale).toMatchObject({ current_revision: 1 });
    await expectRefusedWithoutChange(model, () => putPlan(model, plan, { 'if-none-match': '*' }), 412);
    await expectRefusedWithoutChange(model, () => putPlan(model, plan, { 'if-none-match': '"1"' }), 400);
    const replaced = await putPlan(model, { ...plan, end: 'hold' }, { 'if-match': '"1"' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ revision: 2, end: 'hold', state: 'active', current_step: 0 });
  });

  it('lets exactly one of two concurrent plan changes with the same If-Match through (412 for the other), and audits only that one', async () => {
    const model = await deployedModel();
    expect((await putPlan(model, plan)).status).toBe(200);
    const entries = (await audit(model)).length;
    const answers = await Promise.all([
      putPlan(model, { ...plan, end: 'hold' }, { 'if-match': '"1"' }),
      putPlan(model, { ...plan, alpha: 0.01 }, { 'if-match': '"1"' }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
    const winner = answers.find((a) => a.status === 200)!;
    expect((await getPlan(model)).body).toEqual({ ...winner.body, updated_at: expect.any(String) });
    expect(answers.find((a) => a.status === 412)!.body).toMatchObject({ current_revision: 2 });
    expect(await audit(model)).toHaveLength(entries + 1);

    const created = await deployedModel();
    const firsts = await Promise.all([putPlan(created, plan, { 'if-none-match': '*' }), putPlan(created, plan, { 'if-none-match': '*' })]);
    expect(firsts.map((a) => a.status).sort()).toEqual([200, 412]);
  });

  it('pauses, resumes and cancels, each audited, refusing a move from the wrong state with 409', async () => {
    const model = await deployedModel();
    expect((await putPlan(model, plan)).status).toBe(200);
    await expectRefusedWithoutChange(model, () => call(url(model, '/rollout-plan/resume'), { method: 'POST' }), 409);
    await expectRefusedWithoutChange(model, () => call(url(model, '/rollout-plan/pause'), { method: 'POST', headers: { 'if-match': '"9"' } }), 412);
    const paused = await call(url(model, '/rollout-plan/pause'), { method: 'POST', json: { reason: 'weekend' }, headers: { 'if-match': '"1"' } });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused', revision: 2, reason: expect.stringContaining('weekend') });
    expect(paused.headers.get('etag')).toBe('"2"');
    await expectRefusedWithoutChange(model, () => call(url(model, '/rollout-plan/pause'), { method: 'POST' }), 409);
    const resumed = await call(url(model, '/rollout-plan/resume'), { method: 'POST' });
    expect(resumed.body).toMatchObject({ state: 'active', revision: 3, reason: null, step_started_at: null });
    const cancelled = await call(url(model, '/rollout-plan'), { method: 'DELETE' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ state: 'cancelled', revision: 4 });
    await expectRefusedWithoutChange(model, () => call(url(model, '/rollout-plan'), { method: 'DELETE' }), 409);
    expect((await audit(model)).slice(0, 4).map((e) => e.action)).toEqual(['rollout_plan.cancel', 'rollout_plan.resume', 'rollout_plan.pause', 'rollout_plan.set']);
    // A finished plan can be replaced by a new one, with If-Match as ever.
    expect((await putPlan(model, plan, { 'if-match': '"4"' })).body).toMatchObject({ state: 'active', revision: 5 });
  });

  it("pauses an active plan when an operator moves the challenger's traffic, naming who and what", async () => {
    const model = await deployedModel();
    expect((await putPlan(model, plan)).status).toBe(200);
    const { revision } = await deployment(model);
    expect((await call(url(model, '/traffic'), { method: 'PUT', json: { challenger_percent: 30 }, headers: { 'if-match': `"${revision}"` } })).status).toBe(200);
    const paused = (await getPlan(model)).body;
    expect(paused).toMatchObject({ state: 'paused', revision: 2, reason: expect.stringMatching(/^paused: .* changed challenger_percent \(traffic\.set\) while the plan was running/) });
    // A change that moves no traffic (a label alias) leaves a running plan alone.
    await call(url(model, '/rollout-plan/resume'), { method: 'POST' });
    expect((await call(url(model, '/aliases/staging'), { method: 'PUT', json: { version: 3 } })).status).toBe(200);
    expect((await getPlan(model)).body).toMatchObject({ state: 'active' });
  });

  it('completes a held plan when a person promotes the challenger', async () => {
    const model = await deployedModel();
    expect((await putPlan(model, { ...plan, end: 'hold' })).status).toBe(200);
    // The worker holds a plan after its last step; here the row is put there directly (no worker runs).
    await registry.app.get(DataSource).query(`UPDATE rollout_plans p SET state = 'held' FROM models m WHERE m.id = p.model_id AND m.name = $1`, [model]);
    expect((await call(url(model, '/promote'), { method: 'POST' })).status).toBe(200);
    expect((await getPlan(model)).body).toMatchObject({ state: 'completed', revision: 2, reason: expect.stringMatching(/^completed: .* promoted the challenger$/) });
  });
});
