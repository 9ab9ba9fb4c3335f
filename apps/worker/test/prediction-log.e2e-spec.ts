import { Redis } from 'ioredis';
import { Client } from 'pg';
import { buildAffine } from '@switchyard/onnx/testing';
import { feedbackStreamKey, predictionStreamKey, type PredictionEvent, refusedEventStreamKey } from '@switchyard/queues';
import { hashRoutingKey } from '@switchyard/routing';
import { driftBin } from '@switchyard/statistics';
import { eventually } from '../../../test/support/artifacts';
import { call, expectProblem } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { type RunningApp, startWorker } from '../../../test/support/http-app';
import { freePort, runNode, type Spawned, stop, waitForHttp } from '../../../test/support/processes';
import { type ServingStack, startServingStack } from '../../../test/support/serving-stack';
import { PredictionRetention } from '../src/prediction-log/prediction-retention.service';
import { uniqueSuffix } from '../../../test/support/test-env';
import { metricValue } from './validation-stack';

/** Version v answers y = x + v: every outcome can be checked against what the variant predicted. */
const affine = (bias: number) => buildAffine({ scale: 1, bias, features: 1 });

async function query<T>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

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

describe('prediction log, feedback and statistics', () => {
  let stack: ServingStack;
  let worker: RunningApp | undefined;
  const workerEnv = () => ({ DATABASE_URL: stack.databaseUrl, REDIS_PREFIX: stack.redisPrefix, PREDICTION_LOG_CLAIM_IDLE_MS: '1000' });

  beforeAll(async () => {
    stack = await startServingStack({ PREDICTION_LOG_FLUSH_MS: '50', PREDICTION_LOG_PAYLOAD_SAMPLE_RATE: '1', DEPLOYMENT_POLL_MS: '500' });
    worker = await startWorker(workerEnv());
  });
  afterAll(async () => {
    await worker?.close();
    await stack.close();
  });

  const predict = (model: string, x: number, headers: Record<string, string> = {}) =>
    call(`${stack.gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: { instances: [[x]] }, headers });
  const feedback = (body: unknown) => call(`${stack.gateway.url}/v1/feedback`, { method: 'POST', json: body });
  const stats = (model: string, params = '') => call(`${stack.registry.url}/v1/models/${model}/stats${params}`);
  const rowCount = async (model: string) => Number((await query<{ n: string }>(stack.databaseUrl, 'SELECT count(*) AS n FROM prediction_log WHERE model_name = $1', [model]))[0].n);

  /** A model with champion v1 (y = x + 1) and challenger v2 (y = x + 2) on `percent` % of traffic, served by the gateway. */
  async function abTest(percent: number): Promise<string> {
    const registry = stack.registry.url;
    const model = await createModel(registry, 'ab');
    await uploadReadyVersion(registry, model, affine(1), stack.databaseUrl);
    await uploadReadyVersion(registry, model, affine(2), stack.databaseUrl);
    await call(`${registry}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } });
    await call(`${registry}/v1/models/${model}/aliases/challenger`, { method: 'PUT', json: { version: 2 } });
    const { revision } = (await call(`${registry}/v1/models/${model}/deployment`)).body;
    await call(`${registry}/v1/models/${model}/traffic`, { method: 'PUT', json: { challenger_percent: percent }, headers: { 'if-match': `"${revision}"` } });
    await eventually(() => predict(model, 0, { 'x-switchyard-variant': 'challenger' }), (answer) => answer.status === 200 && answer.body.version === 2);
    return model;
  }

  it('logs every prediction once, with its variant, and rolls them up per minute', async () => {
    const model = await abTest(30);
    const keys = Array.from({ length: 400 }, (_, i) => `caller-${i}`);
    const answers = await pool(keys, 16, (key) => predict(model, 1, { 'x-routing-key': key }));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const bad = await pool([1, 2, 3], 3, () => call(`${stack.gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: { instances: [[1, 2, 3]] } }));
    expect(bad.map((a) => a.status)).toEqual([400, 400, 400]);
    // One pinned warm-up request came before the split was measured.
    const expected = answers.length + bad.length + 1;

    await eventually(() => rowCount(model), (n) => n >= expected, 20_000);
    expect(await rowCount(model)).toBe(expected);
    const rollups = await query<{ variant: string; requests: string; errors: string }>(
      stack.databaseUrl,
      'SELECT variant, sum(requests) AS requests, sum(errors) AS errors FROM prediction_rollups WHERE model_name = $1 GROUP BY variant ORDER BY variant',
      [model],
    );
    const byVariant = Object.fromEntries(rollups.map((r) => [r.variant, { requests: Number(r.requests), errors: Number(r.errors) }]));
    const challengerAnswers = answers.filter((a) => a.body.variant === 'challenger').length;
    // The refused requests were split by weight too: count the challenger's successes.
    expect(byVariant.challenger.requests - byVariant.challenger.errors).toBe(challengerAnswers + 1);
    expect(byVariant.champion.requests + byVariant.challenger.requests).toBe(expected);
    expect(byVariant.champion.errors + byVariant.challenger.errors).toBe(3);

    const [row] = await query<{ routing_key_hash: string; output: unknown; inputs: unknown; payload: { request: unknown } | null; status: number }>(
      stack.databaseUrl,
      'SELECT routing_key_hash, output, inputs, payload, status FROM prediction_log WHERE request_id = $1',
      [answers[0].body.request_id],
    );
    // The key's pseudonym, never the key: the first answer was for keys[0].
    expect(row.routing_key_hash).toBe(hashRoutingKey(keys[0]));
    expect(row.output).toEqual({ value: 1 + answers[0].body.version });
    expect(row.inputs).toEqual({ x: 1 });
    expect(row.payload?.request).toEqual({ instances: [[1]] });
    expect(row.status).toBe(200);
  });

  it("logs a table's column means, which the gateway sends packed, per column: in the row and in the drift rollups", async () => {
    const registry = stack.registry.url;
    const model = await createModel(registry, 'table');
    await uploadReadyVersion(registry, model, buildAffine({ scale: 1, bias: 0, features: 3 }), stack.databaseUrl);
    await call(`${registry}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } });
    const answer = await eventually(
      () => call(`${stack.gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: { instances: [[1, 2.5, -4], [3, 0.5, 4]] } }),
      (reply) => reply.status === 200,
    );
    expect(answer.status).toBe(200);

    const rows = await eventually(
      () => query<{ inputs: unknown }>(stack.databaseUrl, 'SELECT inputs FROM prediction_log WHERE request_id = $1', [answer.body.request_id]),
      (found) => found.length === 1,
      20_000,
    );
    expect(rows[0].inputs).toEqual({ 'x[0]': 2, 'x[1]': 1.5, 'x[2]': 0 });
    const rollups = await query<{ input: string; bins: Record<string, number> }>(
      stack.databaseUrl,
      'SELECT input, bins FROM prediction_input_rollups WHERE model_name = $1 ORDER BY input',
      [model],
    );
    expect(rollups).toEqual([
      { input: 'x[0]', bins: { [driftBin(2)]: 1 } },
      { input: 'x[1]', bins: { [driftBin(1.5)]: 1 } },
      { input: 'x[2]', bins: { [driftBin(0)]: 1 } },
    ]);
  });

  it('joins outcomes to their predictions, once, and refuses feedback it cannot use', async () => {
    const model = await abTest(50);
    const answers = await pool(Array.from({ length: 60 }, (_, i) => i), 8, (i) => predict(model, i, { 'x-routing-key': `k${i}` }));
    await eventually(() => rowCount(model), (n) => n >= 61, 20_000);
    // Every request is known to the gateway once its row is in: feedback needs no retry from here.
    // Outcomes around 10 for the champion's callers and 11 for the challenger's.
    const outcomeOf = (answer: (typeof answers)[number], i: number) => (answer.body.variant === 'champion' ? 10 : 11) + (i % 3) / 10;
    const sent = await pool(answers.map((a, i) => ({ a, i })), 8, ({ a, i }) => feedback({ request_id: a.body.request_id, value: outcomeOf(a, i) }));
    expect(sent.map((a) => a.status)).toEqual(answers.map(() => 202));
    // A second outcome for the same request is accepted by the gateway but does not count twice.
    expect((await feedback({ request_id: answers[0].body.request_id, value: 1e6 })).status).toBe(202);

    expectProblem(await feedback({ request_id: `never-${uniqueSuffix()}`, value: 1 }), 404);
    const wrongKind = expectProblem(await feedback({ request_id: answers[1].body.request_id, value: 'spam' }), 400);
    expect(wrongKind.errors).toEqual([{ field: 'value', message: expect.stringContaining('regression') }]);
    expectProblem(await feedback({ request_id: answers[1].body.request_id }), 400);
    expectProblem(await feedback({ value: 1 }), 400);

    const outcomes = async () =>
      query<{ variant: string; n: string; total: string }>(
        stack.databaseUrl,
        'SELECT variant, sum(outcome_count) AS n, sum(outcome_sum) AS total FROM prediction_rollups WHERE model_name = $1 GROUP BY variant ORDER BY variant',
        [model],
      );
    await eventually(outcomes, (rows) => rows.reduce((n, r) => n + Number(r.n), 0) >= 60, 20_000);
    const expectedSum = (variant: string) => answers.reduce((sum, a, i) => (a.body.variant === variant ? sum + outcomeOf(a, i) : sum), 0);
    const rows = Object.fromEntries((await outcomes()).map((r) => [r.variant, { n: Number(r.n), total: Number(r.total) }]));
    expect(rows.champion.n + rows.challenger.n).toBe(60);
    expect(rows.champion.total).toBeCloseTo(expectedSum('champion'), 6);
    expect(rows.challenger.total).toBeCloseTo(expectedSum('challenger'), 6);

    const report = await stats(model);
    expect(report.status).toBe(200);
    const champion = report.body.variants.find((v: { variant: string }) => v.variant === 'champion');
    expect(champion.outcome.count).toBe(rows.champion.n);
    expect(champion.outcome.mean).toBeCloseTo(rows.champion.total / rows.champion.n, 9);
    expect(report.body.comparison.metric).toBe('mean');
    expect(report.body.comparison.outcome.difference).toBeGreaterThan(0);
    expect(typeof report.body.verdict.summary).toBe('string');
  });

  it('matches outcomes that reach the worker before their prediction', async () => {
    const model = await abTest(0);
    await worker!.close();
    worker = undefined;
    const answers = await pool(Array.from({ length: 20 }, (_, i) => i), 5, (i) => predict(model, i));
    const ids = answers.map((a) => a.body.request_id as string);
    const ingested = async () => Number((await query<{ n: string }>(stack.databaseUrl, 'SELECT count(*) AS n FROM prediction_log WHERE request_id = ANY($1)', [ids]))[0].n);
    // Started again even when an expectation fails: every later test of this file needs the worker.
    try {
      // The gateway knows these requests once its buffer is flushed (the index goes with the events),
      // though no row exists yet.
      for (const answer of answers) {
        const accepted = await eventually(() => feedback({ request_id: answer.body.request_id, value: 1 }), (a) => a.status !== 404);
        expect(accepted.status).toBe(202);
      }
      expect(await ingested()).toBe(0);
    } finally {
      worker = await startWorker(workerEnv());
    }
    const outcomes = () => query<{ n: string }>(stack.databaseUrl, 'SELECT coalesce(sum(outcome_count), 0) AS n FROM prediction_rollups WHERE model_name = $1', [model]);
    const [{ n }] = await eventually(outcomes, ([row]) => Number(row.n) >= 20, 20_000);
    expect(Number(n)).toBe(20);
    expect(await ingested()).toBe(20);
  });

  it("joins an older gateway's feedback, which names no model, by its request id: at once, or by the pending sweep", async () => {
    const model = await createModel(stack.registry.url, 'legacy');
    const prediction = (id: string): PredictionEvent => ({
      request_id: `${model}-${id}`, model, version: 1, variant: 'champion', routing_key_hash: null, at: Date.now(), latency_us: 100, status: 200, error: null,
      inputs: { x: 1 }, output: { value: 1 }, payload: null,
    });
    const pendingCount = async (table: 'pending_outcomes' | 'pending_labels', requestId: string) =>
      Number((await query<{ n: string }>(stack.databaseUrl, `SELECT count(*) AS n FROM ${table} WHERE request_id = $1 AND model_name = ''`, [requestId]))[0].n);
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      const feedbackEvent = (body: object) => redis.xadd(feedbackStreamKey(stack.redisPrefix), '*', 'event', JSON.stringify({ ...body, at: Date.now() }));
      // "early": its outcome and label come first, and wait for the prediction.
      await feedbackEvent({ request_id: `${model}-early`, value: 3 });
      await feedbackEvent({ request_id: `${model}-early`, label: 2 });
      await eventually(async () => (await pendingCount('pending_outcomes', `${model}-early`)) + (await pendingCount('pending_labels', `${model}-early`)), (n) => n === 2, 20_000);
      // "now": its prediction is in when its outcome and label come.
      await redis.xadd(predictionStreamKey(stack.redisPrefix), '*', 'batch', JSON.stringify([prediction('now')]));
      await eventually(() => rowCount(model), (n) => n === 1, 20_000);
      await feedbackEvent({ request_id: `${model}-now`, value: 5 });
      await feedbackEvent({ request_id: `${model}-now`, label: 1 });
      await redis.xadd(predictionStreamKey(stack.redisPrefix), '*', 'batch', JSON.stringify([prediction('early')]));
    } finally {
      redis.disconnect();
    }
    const rows = await eventually(
      () => query<{ request_id: string; outcome: unknown; label: unknown }>(stack.databaseUrl, 'SELECT request_id, outcome, label FROM prediction_log WHERE model_name = $1 ORDER BY request_id', [model]),
      (found) => found.length === 2 && found.every((row) => row.outcome !== null && row.label !== null),
      20_000,
    );
    expect(rows).toEqual([
      { request_id: `${model}-early`, outcome: 3, label: 2 },
      { request_id: `${model}-now`, outcome: 5, label: 1 },
    ]);
    const [rollup] = await query<{ outcomes: string }>(stack.databaseUrl, 'SELECT sum(outcome_count) AS outcomes FROM prediction_rollups WHERE model_name = $1', [model]);
    expect(Number(rollup.outcomes)).toBe(2);
    expect(await pendingCount('pending_outcomes', `${model}-early`)).toBe(0);
  });

  it("gives a shadow's answer the outcome that committed beside its batch", async () => {
    const model = await createModel(stack.registry.url, 'shadow-race');
    const requestId = `${model}-r`;
    const event = (variant: string, version: number, extra: Partial<PredictionEvent> = {}): PredictionEvent => ({
      request_id: requestId, model, version, variant, routing_key_hash: null, at: Date.now(), latency_us: 100, status: 200, error: null,
      inputs: null, output: { value: version }, payload: null, ...extra,
    });
    const waiting = async (condition: string) =>
      Number((await query<{ n: string }>(stack.databaseUrl, `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND ${condition}`))[0].n);
    const shadowRows = () => query<{ outcome: unknown }>(stack.databaseUrl, 'SELECT outcome FROM prediction_log WHERE model_name = $1 AND shadow', [model]);
    const redis = new Redis(process.env.REDIS_URL!);
    // Holds the champion's rollup row, so the outcome's transaction stops after its UPDATE, uncommitted.
    const holder = new Client({ connectionString: stack.databaseUrl });
    await holder.connect();
    try {
      await redis.xadd(predictionStreamKey(stack.redisPrefix), '*', 'batch', JSON.stringify([event('champion', 1)]));
      await eventually(() => rowCount(model), (n) => n === 1, 20_000);
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM prediction_rollups WHERE model_name = $1 FOR UPDATE', [model]);
      await redis.xadd(feedbackStreamKey(stack.redisPrefix), '*', 'event', JSON.stringify({ request_id: requestId, model, value: 7, at: Date.now() }));
      expect(await eventually(() => waiting(`wait_event_type = 'Lock' AND query LIKE '%INSERT INTO prediction_rollups%'`), (n) => n === 1, 20_000)).toBe(1);
      // The shadow's answer arrives while that outcome is applied but not committed: its batch either
      // waits for the outcome's commit, or (the race) commits first, copying no outcome.
      await redis.xadd(predictionStreamKey(stack.redisPrefix), '*', 'batch', JSON.stringify([event('shadow', 2, { champion_output: { value: 1 } })]));
      expect(await eventually(async () => (await shadowRows()).length + (await waiting(`wait_event = 'advisory'`)), (n) => n >= 1, 20_000)).toBeGreaterThanOrEqual(1);
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
      redis.disconnect();
    }
    const rows = await eventually(shadowRows, (found) => found.length === 1 && found[0].outcome !== null, 20_000);
    expect(rows).toEqual([{ outcome: 7 }]);
    const [rollup] = await query<{ n: string }>(stack.databaseUrl, 'SELECT coalesce(sum(outcome_count), 0) AS n FROM shadow_rollups WHERE model_name = $1 AND version = 2', [model]);
    expect(Number(rollup.n)).toBe(1);
  });

  it('stores NUL characters in payloads, outputs and outcomes as U+FFFD, and ingests what follows them', async () => {
    // PostgreSQL's jsonb refuses \u0000: one such event used to fail its batch, retried before anything
    // newer, so ingestion stopped for every model.
    const model = `nul-${uniqueSuffix()}`;
    const event = (id: string, fields: Partial<PredictionEvent>): PredictionEvent => ({
      request_id: `${model}-${id}`, model, version: 1, variant: 'champion', routing_key_hash: null, at: Date.now(), latency_us: 100, status: 200, error: null,
      inputs: { x: 1 }, output: { value: 1 }, payload: null, ...fields,
    });
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      await redis.xadd(predictionStreamKey(stack.redisPrefix), '*', 'batch', JSON.stringify([
        event('a', { inputs: { 'x\u0000': 2 }, payload: { request: { instances: [['a\u0000b']], 'k\u0000': 1 }, response: null } }),
        event('b', { output: { label: 'cat\u0000' } }),
        // A text column cannot hold a NUL at all: an event with one in its request id is left out and counted.
        event('c\u0000', {}),
      ]));
      await redis.xadd(predictionStreamKey(stack.redisPrefix), '*', 'batch', JSON.stringify([event('d', {})]));
      await redis.xadd(feedbackStreamKey(stack.redisPrefix), '*', 'event', JSON.stringify({ request_id: `${model}-d`, model, value: 'won\u0000', at: Date.now() }));
    } finally {
      redis.disconnect();
    }
    const rows = await eventually(
      () => query<{ request_id: string; inputs: unknown; payload: unknown; output: unknown; outcome: unknown }>(stack.databaseUrl, 'SELECT request_id, inputs, payload, output, outcome FROM prediction_log WHERE model_name = $1 ORDER BY request_id', [model]),
      (found) => found.length === 3 && found[2].outcome !== null,
      20_000,
    );
    expect(rows).toEqual([
      { request_id: `${model}-a`, inputs: { 'x\uFFFD': 2 }, payload: { request: { instances: [['a\uFFFDb']], 'k\uFFFD': 1 }, response: null }, output: { value: 1 }, outcome: null },
      { request_id: `${model}-b`, inputs: { x: 1 }, payload: null, output: { label: 'cat\uFFFD' }, outcome: null },
      { request_id: `${model}-d`, inputs: { x: 1 }, payload: null, output: { value: 1 }, outcome: 'won\uFFFD' },
    ]);
    const inputNames = await query<{ input: string }>(stack.databaseUrl, 'SELECT DISTINCT input FROM prediction_input_rollups WHERE model_name = $1 ORDER BY input', [model]);
    expect(inputNames.map((row) => row.input)).toEqual(['x', 'x\uFFFD']);
  });

  it('stores request ids, times to the millisecond, and JSON with quotes, backslashes, tabs, line breaks, commas and braces exactly as sent', async () => {
    // The rows reach PostgreSQL as COPY text, where a backslash, a tab, a newline or a return must be
    // escaped (and a batch that fails its copy as array literals, where a quote or a backslash must be).
    const model = `quoted-${uniqueSuffix()}`;
    const ids = ['say "hi"', 'C:\\dir\\', '{a,b}', 'NULL', "it's", '\\N'].map((id) => `${model}-${id}`);
    const payload = { request: { instances: [['"quoted"', 'back\\slash', '{,}', 'NULL', 'tab\there', 'line\r\nbreak']] }, response: { note: 'a "b" \\ c' } };
    const events: PredictionEvent[] = ids.map((id, i) => ({
      request_id: id, model, version: 1, variant: 'champion', routing_key_hash: null, at: Date.now() - 1_000_003 * i, latency_us: 100 + i, status: 200, error: null,
      inputs: { 'x"1': i }, output: { label: `cat "${i}" \\` }, payload: i === 0 ? payload : null,
    }));
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      await redis.xadd(predictionStreamKey(stack.redisPrefix), '*', 'batch', JSON.stringify(events));
    } finally {
      redis.disconnect();
    }
    const rows = await eventually(
      () => query<{ request_id: string; predicted_at: Date; latency_us: number; inputs: unknown; output: unknown; payload: unknown }>(stack.databaseUrl, 'SELECT request_id, predicted_at, latency_us, inputs, output, payload FROM prediction_log WHERE model_name = $1 ORDER BY latency_us', [model]),
      (found) => found.length === ids.length,
      20_000,
    );
    expect(rows).toEqual(events.map((e) => ({ request_id: e.request_id, predicted_at: new Date(e.at), latency_us: e.latency_us, inputs: e.inputs, output: e.output, payload: e.payload })));
  });

  it('sets aside an event PostgreSQL refuses and writes the rest of its batch, and of the stream behind it', async () => {
    // A refusal the worker's own checks cannot foresee, made here with a constraint on this run's
    // database: before, the batch failed, was retried before anything newer, and ingestion stopped.
    const model = `refused-${uniqueSuffix()}`;
    const event = (id: string): PredictionEvent => ({
      request_id: `${model}-${id}`, model, version: 1, variant: 'champion', routing_key_hash: null, at: Date.now(), latency_us: 100, status: 200, error: null,
      inputs: { x: 1 }, output: { value: 1 }, payload: null,
    });
    const refusedBefore = await metricValue(worker!, 'switchyard_prediction_log_refused_total{stream="predictions"}');
    await query(stack.databaseUrl, `ALTER TABLE prediction_log ADD CONSTRAINT e2e_refuses_poison CHECK (request_id NOT LIKE '%-poison%') NOT VALID`);
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      await redis.xadd(predictionStreamKey(stack.redisPrefix), '*', 'batch', JSON.stringify(['a', 'poison-1', 'b', 'c', 'd', 'poison-2', 'e'].map(event)));
      await redis.xadd(predictionStreamKey(stack.redisPrefix), '*', 'batch', JSON.stringify([event('f')]));
      const rows = await eventually(
        () => query<{ request_id: string }>(stack.databaseUrl, 'SELECT request_id FROM prediction_log WHERE model_name = $1 ORDER BY request_id', [model]),
        (found) => found.length === 6,
        20_000,
      );
      expect(rows.map((row) => row.request_id)).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => `${model}-${id}`));
      // The rollups count what was written, and only that.
      const [rollup] = await query<{ requests: string }>(stack.databaseUrl, 'SELECT sum(requests) AS requests FROM prediction_rollups WHERE model_name = $1', [model]);
      expect(Number(rollup.requests)).toBe(6);

      const refused = await eventually(
        async () => ((await redis.xrange(refusedEventStreamKey(stack.redisPrefix), '-', '+')) as [string, string[]][]).map(([, fields]) => fields),
        (found) => found.filter((fields) => fields.join(' ').includes(model)).length === 2,
        10_000,
      );
      const mine = refused.filter((fields) => fields.join(' ').includes(model)).map((fields) => Object.fromEntries(fields.reduce<string[][]>((pairs, v, i) => (i % 2 ? pairs : [...pairs, [v, fields[i + 1]]]), [])));
      expect(mine.map((entry) => ({ stream: entry.stream, id: JSON.parse(entry.event).request_id, sqlstate: entry.sqlstate }))).toEqual([
        { stream: 'predictions', id: `${model}-poison-1`, sqlstate: '23514' },
        { stream: 'predictions', id: `${model}-poison-2`, sqlstate: '23514' },
      ]);
      expect(mine[0].error).toContain('e2e_refuses_poison');
      // Counted once each stream entry is written; read until then (the stream and /metrics are two connections).
      const refusedCount = () => metricValue(worker!, 'switchyard_prediction_log_refused_total{stream="predictions"}');
      expect(await eventually(refusedCount, (count) => count === refusedBefore + 2, 10_000)).toBe(refusedBefore + 2);
    } finally {
      redis.disconnect();
      await query(stack.databaseUrl, 'ALTER TABLE prediction_log DROP CONSTRAINT IF EXISTS e2e_refuses_poison');
    }
  });

  it('counts an event delivered twice, or repeated within one batch, once: in the log and in the rollups', async () => {
    const model = `repeated-${uniqueSuffix()}`;
    const at = Date.now();
    const event = (id: string, value: number): PredictionEvent => ({
      request_id: `${model}-${id}`,
      model,
      version: 1,
      variant: 'champion',
      routing_key_hash: null,
      at,
      latency_us: 100,
      status: 200,
      error: null,
      inputs: { x: value },
      output: { value },
      payload: null,
    });
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      await redis.xadd(predictionStreamKey(stack.redisPrefix), '*', 'batch', JSON.stringify([event('a', 1), event('b', 2)]));
      await eventually(() => rowCount(model), (n) => n === 2, 20_000);
      // b again (a redelivery), then c twice in the same batch: the first c is the one that counts.
      await redis.xadd(predictionStreamKey(stack.redisPrefix), '*', 'batch', JSON.stringify([event('b', 20), event('c', 3), event('c', 30), event('d', 4)]));
      await eventually(() => rowCount(model), (n) => n === 4, 20_000);
    } finally {
      redis.disconnect();
    }
    const rows = await query<{ request_id: string; output: { value: number } }>(stack.databaseUrl, 'SELECT request_id, output FROM prediction_log WHERE model_name = $1 ORDER BY request_id', [model]);
    expect(rows.map((row) => [row.request_id.slice(model.length + 1), row.output.value])).toEqual([['a', 1], ['b', 2], ['c', 3], ['d', 4]]);
    // The second batch's rollup is written in the same transaction as its rows, so it is there now.
    const [sums] = await query<{ requests: string; outputs: string; output_sum: number }>(
      stack.databaseUrl,
      'SELECT sum(requests) AS requests, sum(output_count) AS outputs, sum(output_sum) AS output_sum FROM prediction_rollups WHERE model_name = $1',
      [model],
    );
    expect({ requests: Number(sums.requests), outputs: Number(sums.outputs), sum: sums.output_sum }).toEqual({ requests: 4, outputs: 4, sum: 10 });
  });

  it('answers stats questions it cannot answer with a problem', async () => {
    const model = await createModel(stack.registry.url, 'stats');
    const empty = await stats(model);
    expect(empty.status).toBe(200);
    expect(empty.body.variants).toEqual([]);
    expect(empty.body.verdict.decision).toBe('no_data');
    expectProblem(await stats(model, '?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z'), 400);
    expectProblem(await stats(model, '?from=yesterday'), 400);
    expectProblem(await stats(model, '?to=2026-13-01T00:00:00Z'), 400);
    expectProblem(await stats(model, '?reference_from=2026-11-01T00:00:00Z'), 400);
    expectProblem(await stats(model, '?step=90'), 400);
    expectProblem(await stats(`nope-${uniqueSuffix()}`), 404);
  });

  it('deletes raw rows older than PREDICTION_LOG_RETENTION_DAYS and keeps the rollups the stats read', async () => {
    const model = await createModel(stack.registry.url, 'retention');
    const day = 86_400_000;
    const old = new Date(Date.now() - 31 * day);
    const recent = new Date(Date.now() - 29 * day);
    for (const [id, at] of [[`${model}-old-1`, old], [`${model}-old-2`, old], [`${model}-recent`, recent]] as const) {
      await query(
        stack.databaseUrl,
        `INSERT INTO prediction_log (request_id, model_name, version, variant, routing_key_hash, predicted_at, latency_us, status, error, inputs, output, payload)
         VALUES ($1, $2, 1, 'champion', NULL, $3, 100, 200, NULL, NULL, '{"value": 1}', NULL)`,
        [id, model, at],
      );
    }
    const minute = new Date(Math.floor(old.getTime() / 60_000) * 60_000);
    await query(
      stack.databaseUrl,
      `INSERT INTO prediction_rollups (model_name, minute, variant, version, requests, errors, latency_buckets, output_count, output_sum, output_sum_squares, output_labels)
       VALUES ($1, $2, 'champion', 1, 2, 0, '{"350": 2}', 2, 2, 2, '{}')`,
      [model, minute],
    );
    const window = `?from=${new Date(old.getTime() - day).toISOString()}&to=${new Date(old.getTime() + day).toISOString()}`;
    const before = (await stats(model, window)).body;

    // The default retention is 30 days; the sweep runs every 10 minutes, so the test calls it.
    if (!worker) throw new Error('the worker of this suite is not running');
    await worker.app.get(PredictionRetention).expire();

    const left = await query<{ request_id: string }>(stack.databaseUrl, 'SELECT request_id FROM prediction_log WHERE model_name = $1', [model]);
    expect(left.map((row) => row.request_id)).toEqual([`${model}-recent`]);
    const after = (await stats(model, window)).body;
    expect(after.variants).toEqual(before.variants);
    expect(after.variants[0]).toMatchObject({ variant: 'champion', requests: 2 });
  });
});

describe('a worker killed while ingesting a backlog', () => {
  let stack: ServingStack;
  beforeAll(async () => {
    stack = await startServingStack();
  });
  afterAll(() => stack.close());

  async function spawnWorker(): Promise<Spawned> {
    const port = await freePort();
    const worker = runNode('apps/worker/src/main.js', {
      DATABASE_URL: stack.databaseUrl,
      REDIS_PREFIX: stack.redisPrefix,
      WORKER_PORT: String(port),
      LOG_LEVEL: 'warn',
      PREDICTION_LOG_CLAIM_IDLE_MS: '1000',
    });
    await waitForHttp(`http://127.0.0.1:${port}/health/live`);
    return worker;
  }

  it('loses nothing and counts nothing twice', async () => {
    const model = `killed-${uniqueSuffix()}`;
    const total = 60_000;
    const redis = new Redis(process.env.REDIS_URL!);
    const at = Date.now();
    try {
      // A backlog of 120 gateway flushes, waiting for a worker.
      for (let entry = 0; entry < total / 500; entry++) {
        const events: PredictionEvent[] = Array.from({ length: 500 }, (_, i) => ({
          request_id: `${model}-${entry * 500 + i}`,
          model,
          version: 1,
          variant: i % 10 === 0 ? 'challenger' : 'champion',
          routing_key_hash: null,
          at: at + i,
          latency_us: 100 + i,
          status: 200,
          error: null,
          inputs: { x: i },
          output: { value: i },
          payload: null,
        }));
        await redis.xadd(predictionStreamKey(stack.redisPrefix), '*', 'batch', JSON.stringify(events));
      }
    } finally {
      redis.disconnect();
    }
    const first = await spawnWorker();
    await eventually(() => rowCount(), (n) => n > 0, 20_000);
    await stop(first, 'SIGKILL');
    const afterKill = await rowCount();
    expect(afterKill).toBeLessThan(total);

    const second = await spawnWorker();
    try {
      await eventually(() => rowCount(), (n) => n >= total, 60_000);
      const [sums] = await query<{ requests: string; outputs: string }>(
        stack.databaseUrl,
        'SELECT sum(requests) AS requests, sum(output_count) AS outputs FROM prediction_rollups WHERE model_name = $1',
        [model],
      );
      expect(await rowCount()).toBe(total);
      expect(Number(sums.requests)).toBe(total);
      expect(Number(sums.outputs)).toBe(total);
    } finally {
      await stop(second);
    }

    async function rowCount() {
      return Number((await query<{ n: string }>(stack.databaseUrl, 'SELECT count(*) AS n FROM prediction_log WHERE model_name = $1', [model]))[0].n);
    }
  });
});
