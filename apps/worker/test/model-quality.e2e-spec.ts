import { Client } from 'pg';
import { buildAffine, buildLinearClassifier } from '@switchyard/onnx/testing';
import { eventually } from '../../../test/support/artifacts';
import { type Answer, call, expectProblem } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { type RunningApp, startWorker } from '../../../test/support/http-app';
import { type ServingStack, startServingStack } from '../../../test/support/serving-stack';
import { uniqueSuffix } from '../../../test/support/test-env';

/** Runs `task` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]);
      }
    }),
  );
  return results;
}

/** A fixed spread in [−0.5, 0.5]: the label generator's noise, the same on every run. */
const noise = (i: number) => (((i * 7) % 11) - 5) / 10;

/**
 * Ground truth from a known generator through the real gateway, worker, PostgreSQL and Redis: the
 * better model's quality interval excludes the worse one's, and the always-valid test decides for it.
 */
describe('model quality from ground-truth labels', () => {
  jest.setTimeout(180_000);
  let stack: ServingStack;
  let worker: RunningApp;

  beforeAll(async () => {
    stack = await startServingStack({ PREDICTION_LOG_FLUSH_MS: '50', DEPLOYMENT_POLL_MS: '500' });
    worker = await startWorker({ DATABASE_URL: stack.databaseUrl, REDIS_PREFIX: stack.redisPrefix, PREDICTION_LOG_CLAIM_IDLE_MS: '1000' });
  });
  afterAll(async () => {
    await worker?.close();
    await stack?.close();
  });

  const predict = (model: string, instances: number[][], key: string) =>
    call(`${stack.gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: { instances }, headers: { 'x-routing-key': key } });
  const feedback = (body: unknown) => call(`${stack.gateway.url}/v1/feedback`, { method: 'POST', json: body });
  const stats = (model: string) => call(`${stack.registry.url}/v1/models/${model}/stats`);

  async function labelled(model: string): Promise<number> {
    const client = new Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      return Number((await client.query(`SELECT coalesce(sum(label_count), 0) AS n FROM prediction_rollups WHERE model_name = $1`, [model])).rows[0].n);
    } finally {
      await client.end();
    }
  }

  /** Champion `champion` and challenger `challenger` (ready versions built in code) at 50 %, served. */
  async function abTest(prefix: string, champion: Uint8Array, challenger: Uint8Array, probe: number[][]): Promise<string> {
    const registry = stack.registry.url;
    const model = await createModel(registry, prefix);
    await uploadReadyVersion(registry, model, champion, stack.databaseUrl);
    await uploadReadyVersion(registry, model, challenger, stack.databaseUrl);
    await call(`${registry}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } });
    await call(`${registry}/v1/models/${model}/aliases/challenger`, { method: 'PUT', json: { version: 2 } });
    const { revision } = (await call(`${registry}/v1/models/${model}/deployment`)).body;
    await call(`${registry}/v1/models/${model}/traffic`, { method: 'PUT', json: { challenger_percent: 50 }, headers: { 'if-match': `"${revision}"` } });
    await eventually(
      () => call(`${stack.gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: { instances: probe }, headers: { 'x-switchyard-variant': 'challenger' } }),
      (answer) => answer.status === 200 && answer.body.version === 2,
      60_000,
    );
    return model;
  }

  /** Sends each label once the gateway knows the request (its index is flushed with the log). */
  async function sendLabels(answers: Answer[], labelOf: (i: number) => number | string): Promise<void> {
    const sent = await pool(answers.map((answer, i) => ({ answer, i })), 8, ({ answer, i }) =>
      eventually(() => feedback({ request_id: answer.body.request_id, label: labelOf(i) }), (a) => a.status !== 404, 30_000),
    );
    expect(sent.map((a) => a.status)).toEqual(answers.map(() => 202));
  }

  it('finds the regression with the smaller error better on MAE, with intervals apart and the sequential test decided', async () => {
    // Truth: y = x + 1 + noise. The champion predicts x + 2 (bias 1), the challenger x + 1 (no bias).
    const model = await abTest('mae', buildAffine({ scale: 1, bias: 2, features: 1 }), buildAffine({ scale: 1, bias: 1, features: 1 }), [[0]]);
    const n = 240;
    const xs = Array.from({ length: n }, (_, i) => (i % 40) / 4);
    const answers = await pool(xs.map((x, i) => ({ x, i })), 8, ({ x, i }) => predict(model, [[x]], `patient-${i}`));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await sendLabels(answers, (i) => xs[i] + 1 + noise(i));
    await eventually(() => labelled(model), (count) => count >= n, 60_000);
    expect(await labelled(model)).toBe(n);

    const report = (await stats(model)).body;
    const [champion, challenger] = report.variants;
    expect([champion.variant, challenger.variant]).toEqual(['champion', 'challenger']);
    // Each variant's MAE is the mean of |prediction − label| over its own labelled requests.
    const expectedMae = (variant: string, bias: number) => {
      const errors = answers.flatMap((a, i) => (a.body.variant === variant ? [Math.abs(bias - noise(i))] : []));
      return errors.reduce((s, e) => s + e, 0) / errors.length;
    };
    expect(champion.quality.metrics.mae.value).toBeCloseTo(expectedMae('champion', 1), 4);
    expect(challenger.quality.metrics.mae.value).toBeCloseTo(expectedMae('challenger', 0), 4);
    expect(champion.quality.labelled + challenger.quality.labelled).toBe(n);
    expect(challenger.quality.metrics.rmse.value).toBeLessThan(champion.quality.metrics.rmse.value);
    // The better model's MAE interval lies wholly below the worse one's.
    expect(challenger.quality.metrics.mae.interval.high).toBeLessThan(champion.quality.metrics.mae.interval.low);
    expect(report.comparison.quality).toMatchObject({ metric: 'mae', better: 'lower', sequential: { decision: 'treatment_better' } });
    expect(report.comparison.quality.interval.high).toBeLessThan(0);
    expect(report.verdict.decision).toBe('challenger_better');
    expect(report.verdict.summary).toContain('MAE');
  });

  it('finds the classifier with the right boundary better on accuracy, and reports log loss and AUC', async () => {
    // Truth: class 1 when x > 0. skl2onnx's binary logistic regression: scores (−z, z), sigmoid each.
    const classifier = (intercept: number) =>
      buildLinearClassifier({ offset: [0], scale: [1], coefficients: [[-3], [3]], intercepts: [-intercept, intercept], classLabels: [0, 1], postTransform: 'LOGISTIC', zipMap: false });
    // The champion's boundary is at x = 1.5 (wrong for 0 < x < 1.5); the challenger's at 0.
    const model = await abTest('acc', classifier(-4.5), classifier(0), [[0]]);
    const n = 240;
    const xs = Array.from({ length: n }, (_, i) => ((i % 48) - 24) / 8 + 1 / 16);
    const truth = (i: number) => (xs[i] > 0 ? 1 : 0);
    const answers = await pool(xs.map((x, i) => ({ x, i })), 8, ({ x, i }) => predict(model, [[x]], `caller-${i}`));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // Labels as class indices for some, class names for others: both name the same class.
    await sendLabels(answers, (i) => (i % 2 === 0 ? truth(i) : String(truth(i))));
    await eventually(() => labelled(model), (count) => count >= n, 60_000);

    const report = (await stats(model)).body;
    const [champion, challenger] = report.variants;
    expect(challenger.quality.metrics.accuracy.value).toBe(1);
    const championCorrect = answers.filter((a, i) => a.body.variant === 'champion' && (xs[i] > 1.5 || xs[i] < 0)).length;
    expect(champion.quality.metrics.accuracy.value).toBeCloseTo(championCorrect / champion.quality.labelled, 12);
    expect(challenger.quality.metrics.accuracy.interval.low).toBeGreaterThan(champion.quality.metrics.accuracy.interval.high);
    expect(challenger.quality.metrics.log_loss.value).toBeLessThan(champion.quality.metrics.log_loss.value);
    // Both rank the cases the same way (one feature, one direction): the AUC is near 1 for both.
    expect(challenger.quality.metrics.auc.value).toBeGreaterThan(0.95);
    expect(report.comparison.quality).toMatchObject({ metric: 'accuracy', better: 'higher', sequential: { decision: 'treatment_better' } });
    expect(report.verdict.decision).toBe('challenger_better');
    // A label that is no class at all, or that could not be stored (PostgreSQL's text holds no NUL).
    for (const label of [2.5, -1, '', '1\u0000']) {
      expect(expectProblem(await feedback({ request_id: answers[0].body.request_id, label }), 400).errors).toEqual([{ field: 'label', message: expect.stringContaining('classifier') }]);
    }
  });

  it('joins labels sent while the worker was down, whichever stream it reads first', async () => {
    const model = await abTest('early', buildAffine({ scale: 1, bias: 1, features: 1 }), buildAffine({ scale: 1, bias: 2, features: 1 }), [[0]]);
    await worker.close();
    // Started again even when an expectation fails: the next test needs the worker.
    try {
      const answers = await pool(Array.from({ length: 20 }, (_, i) => i), 5, (i) => predict(model, [[i]], `k-${i}`));
      await sendLabels(answers, (i) => i + 1);
    } finally {
      worker = await startWorker({ DATABASE_URL: stack.databaseUrl, REDIS_PREFIX: stack.redisPrefix, PREDICTION_LOG_CLAIM_IDLE_MS: '1000' });
    }
    await eventually(() => labelled(model), (count) => count >= 20, 60_000);
    expect(await labelled(model)).toBe(20);
    const [champion] = (await stats(model)).body.variants;
    // The champion predicts x + 1, exactly the label: no error at all.
    expect(champion.quality.metrics.mae).toEqual({ value: 0, interval: { low: 0, high: 0 } });
  });

  it('refuses feedback it cannot use, naming the field', async () => {
    const model = await abTest('bad', buildAffine({ scale: 1, bias: 1, features: 1 }), buildAffine({ scale: 1, bias: 2, features: 1 }), [[0]]);
    const answer = await predict(model, [[1]], 'someone');
    const id = answer.body.request_id as string;
    await eventually(() => feedback({ request_id: id, label: 1 }), (a) => a.status !== 404, 30_000);
    expect(expectProblem(await feedback({ request_id: id, value: 1, label: 2 }), 400).errors).toEqual([{ field: 'label', message: expect.stringContaining('not both') }]);
    expect(expectProblem(await feedback({ request_id: id }), 400).errors).toEqual([{ field: 'value', message: expect.stringContaining('value or label is required') }]);
    expect(expectProblem(await feedback({ request_id: id, label: 'tall' }), 400).errors).toEqual([{ field: 'label', message: expect.stringContaining('regression') }]);
    expectProblem(await feedback({ request_id: `never-${uniqueSuffix()}`, label: 1 }), 404);
    // Only the one good label counted.
    await eventually(() => labelled(model), (count) => count >= 1, 30_000);
    expect(await labelled(model)).toBe(1);
  });
});
