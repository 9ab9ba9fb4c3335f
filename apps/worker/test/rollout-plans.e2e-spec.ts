import { buildAffine, mulberry32 } from '@switchyard/onnx/testing';
import { eventually } from '../../../test/support/artifacts';
import { call } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { type RunningApp, startWorker } from '../../../test/support/http-app';
import { freePort, runNode, type Spawned, stop, waitForHttp } from '../../../test/support/processes';
import { type ServingStack, startServingStack } from '../../../test/support/serving-stack';

/** Standard normal draws (Box–Muller) from a seeded generator, so each run draws the same synthetic outcomes. */
function normalDraws(seed: number): () => number {
  const uniform = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/**
 * Callers of a model through the gateway, each answer followed by a synthetic outcome drawn around
 * its variant's mean (standard deviation 0.5). Bounded in count; stopped by the test.
 */
class Callers {
  answered = 0;
  failed: Array<{ status: number; body: unknown }> = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly gateway: string,
    private readonly model: string,
    private readonly meanOf: Record<string, number>,
    seed: number,
  ) {
    const draw = normalDraws(seed);
    let next = 0;
    this.done = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (this.running && this.answered < 40_000) {
          const answer = await call(`${this.gateway}/v1/models/${this.model}/predict`, {
            method: 'POST',
            json: { instances: [[1]] },
            headers: { 'x-routing-key': `caller-${seed}-${next++}` },
          });
          if (answer.status !== 200) {
            this.failed.push({ status: answer.status, body: answer.body });
            continue;
          }
          this.answered++;
          const value = this.meanOf[answer.body.variant] + 0.5 * draw();
          await call(`${this.gateway}/v1/feedback`, { method: 'POST', json: { request_id: answer.body.request_id, value } });
        }
      }),
    ).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/**
 * Rollout plans end to end: a registry, a gateway serving real callers, and workers that ingest the
 * predictions and outcomes, roll them up, and move the plans on every 300 ms. Steps are seconds long.
 */
describe('rollout plans (end to end)', () => {
  // A plan walks several steps of seconds each, beside ingestion, on a machine shared with other suites.
  jest.setTimeout(300_000);
  let stack: ServingStack;
  let worker: RunningApp;
  const spawned: Spawned[] = [];
  const workerEnv = () => ({ DATABASE_URL: stack.databaseUrl, REDIS_PREFIX: stack.redisPrefix, ROLLOUT_INTERVAL_MS: '300', PREDICTION_LOG_CLAIM_IDLE_MS: '1000' });

  beforeAll(async () => {
    stack = await startServingStack({ PREDICTION_LOG_FLUSH_MS: '50', DEPLOYMENT_POLL_MS: '500' });
    worker = await startWorker(workerEnv());
  });
  afterAll(async () => {
    for (const child of spawned) await stop(child, 'SIGKILL');
    await worker.close();
    await stack.close();
  });

  const url = (model: string, path = '') => `${stack.registry.url}/v1/models/${model}${path}`;
  const plan = async (model: string) => (await call(url(model, '/rollout-plan'))).body;
  const deployment = async (model: string) => (await call(url(model, '/deployment'))).body;
  const audit = async (model: string): Promise<Array<Record<string, any>>> => (await call(url(model, '/audit?limit=200'))).body.items.reverse();

  /** Champion v1 and challenger v2 (no traffic yet), both loaded by the gateway. */
  async function abModel(): Promise<string> {
    const registry = stack.registry.url;
    const model = await createModel(registry, 'plan');
    for (const bias of [1, 2]) await uploadReadyVersion(registry, model, buildAffine({ scale: 1, bias, features: 1 }), stack.databaseUrl);
    expect((await call(url(model, '/aliases/champion'), { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    expect((await call(url(model, '/aliases/challenger'), { method: 'PUT', json: { version: 2 } })).status).toBe(200);
    const predict = (variant: string) =>
      call(`${stack.gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: { instances: [[1]] }, headers: { 'x-switchyard-variant': variant } });
    await eventually(() => predict('challenger'), (answer) => answer.status === 200 && answer.body.version === 2, 30_000);
    return model;
  }

  async function spawnWorker(): Promise<Spawned> {
    const port = await freePort();
    const child = runNode('apps/worker/src/main.js', { ...workerEnv(), WORKER_PORT: String(port), LOG_LEVEL: 'warn' });
    spawned.push(child);
    await waitForHttp(`http://127.0.0.1:${port}/health/live`);
    return child;
  }

  it('walks a better challenger through every step, each an audited change by rollout-plan with its figures, and promotes it', async () => {
    const model = await abModel();
    const callers = new Callers(stack.gateway.url, model, { champion: 1, challenger: 1.5 }, 1);
    try {
      const set = await call(url(model, '/rollout-plan'), {
        method: 'PUT',
        json: {
          steps: [{ challenger_percent: 10 }, { challenger_percent: 25 }, { challenger_percent: 50 }],
          min_duration_seconds: 2,
          min_requests: 30,
          min_outcomes: 15,
          gates: { max_error_rate_increase: 0.05, max_p99_latency_ratio: null, outcome_margin: 0 },
          end: 'promote',
        },
      });
      expect(set.status).toBe(200);
      const done = await eventually(() => plan(model), (p) => p.state !== 'active', 150_000);
      expect(done).toMatchObject({ state: 'completed', current_step: 2, reason: expect.stringContaining('promoted the challenger') });
      expect(done.evidence).toMatchObject({ decision: 'promote', outcome: { decision: 'at_least_as_good' } });
    } finally {
      await callers.stop();
    }
    expect(callers.failed).toEqual([]);
    expect(await deployment(model)).toMatchObject({ champion: { version: 2 }, challenger: null, challenger_percent: 0, previous_champion: { version: 1 } });
    const byPlan = (await audit(model)).filter((entry) => entry.actor === 'rollout-plan');
    expect(byPlan.map((entry) => [entry.action, entry.after.challenger_percent])).toEqual([
      ['rollout.step', 10],
      ['rollout.step', 25],
      ['rollout.step', 50],
      ['promote', 0],
    ]);
    // Each move after the first says what justified it.
    for (const entry of byPlan.slice(1)) expect(entry.reason).toMatch(/met its minimums with the gates holding \(challenger \d+ requests, \d+ outcomes, error rate/);
    expect(byPlan[3].reason).toMatch(/mean outcome difference \+0\.\d+/);
  });

  it('aborts a worse challenger at its first gate: challenger back to 0 %, the reason recorded, no caller request failed', async () => {
    const model = await abModel();
    const callers = new Callers(stack.gateway.url, model, { champion: 1, challenger: 0.5 }, 2);
    try {
      const set = await call(url(model, '/rollout-plan'), {
        method: 'PUT',
        json: {
          steps: [{ challenger_percent: 20 }, { challenger_percent: 50 }],
          // Long enough that only a gate can end the first step within the test.
          min_duration_seconds: 600,
          gates: { outcome_margin: 0.1, max_p99_latency_ratio: null },
          end: 'promote',
        },
      });
      expect(set.status).toBe(200);
      const done = await eventually(() => plan(model), (p) => p.state !== 'active', 150_000);
      expect(done).toMatchObject({ state: 'aborted', current_step: 0, reason: expect.stringContaining('worse than the champion\'s by more than the margin 0.1') });
      expect(done.evidence).toMatchObject({ decision: 'abort', outcome: { decision: 'worse_than_margin', margin: 0.1 } });
      // Callers keep being answered (by the champion) after the abort.
      const answeredAtAbort = callers.answered;
      await eventually(async () => callers.answered, (n) => n >= answeredAtAbort + 50, 30_000);
    } finally {
      await callers.stop();
    }
    expect(callers.failed).toEqual([]);
    expect(await deployment(model)).toMatchObject({ champion: { version: 1 }, challenger: { version: 2 }, challenger_percent: 0 });
    const byPlan = (await audit(model)).filter((entry) => entry.actor === 'rollout-plan');
    expect(byPlan.map((entry) => [entry.action, entry.after.challenger_percent])).toEqual([
      ['rollout.step', 20],
      ['rollout.abort', 0],
    ]);
    expect(byPlan[1].reason).toMatch(/^rollout plan aborted at step 1 of 2 \(challenger 20 %\)/);
  });

  it('applies a shadow step as a copy share with the challenger at 0 %, and waits while the shadow has no samples', async () => {
    const model = await abModel();
    expect((await call(url(model, '/aliases/shadow'), { method: 'PUT', json: { version: 2 } })).status).toBe(200);
    const set = await call(url(model, '/rollout-plan'), {
      method: 'PUT',
      json: { steps: [{ shadow_percent: 100 }, { challenger_percent: 10 }], min_duration_seconds: 1, min_requests: 5 },
    });
    expect(set.status).toBe(200);
    // No caller sends the champion anything here, so the shadow gets no copies: the step must wait.
    const waiting = await eventually(() => plan(model), (p) => p.evidence?.step === 0 && p.evidence.decision === 'wait', 60_000);
    expect(waiting).toMatchObject({ state: 'active', current_step: 0, samples: { requests: 0, outcomes: 0 } });
    expect(waiting.evidence).toMatchObject({ variant: 'shadow', candidate: null, detail: expect.stringContaining('shadow: no samples yet') });
    const [step] = (await audit(model)).filter((entry) => entry.actor === 'rollout-plan');
    expect(step).toMatchObject({ action: 'rollout.step', after: { shadow: 2, shadow_percent: 100, challenger_percent: 0 } });
    expect((await call(url(model, '/rollout-plan'), { method: 'DELETE' })).body).toMatchObject({ state: 'cancelled' });
  });

  it('resumes a plan whose worker was killed mid-plan, with every step applied exactly once beside a second worker', async () => {
    const model = await abModel();
    const callers = new Callers(stack.gateway.url, model, { champion: 1, challenger: 1 }, 3);
    const steps = [5, 10, 20, 40];
    try {
      const killed = await spawnWorker();
      const set = await call(url(model, '/rollout-plan'), {
        method: 'PUT',
        json: {
          steps: steps.map((challenger_percent) => ({ challenger_percent })),
          min_duration_seconds: 2,
          min_requests: 10,
          min_outcomes: 5,
          gates: { max_p99_latency_ratio: null, outcome_margin: null },
          end: 'hold',
        },
      });
      expect(set.status).toBe(200);
      await eventually(() => plan(model), (p) => p.current_step >= 1, 90_000);
      killed.child.kill('SIGKILL');
      expect(await killed.exited).toBeNull();
      await spawnWorker();
      const done = await eventually(() => plan(model), (p) => p.state !== 'active', 150_000);
      expect(done).toMatchObject({ state: 'held', current_step: 3, reason: expect.stringContaining('held for a person') });
    } finally {
      await callers.stop();
    }
    expect(callers.failed).toEqual([]);
    const byPlan = (await audit(model)).filter((entry) => entry.actor === 'rollout-plan');
    expect(byPlan.map((entry) => [entry.action, entry.after.challenger_percent])).toEqual([...steps.map((percent) => ['rollout.step', percent]), ['rollout.hold', 40]]);
    expect(await deployment(model)).toMatchObject({ champion: { version: 1 }, challenger: { version: 2 }, challenger_percent: 40 });
  });
});
