import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import type { Env } from '@switchyard/config';
import { DomainError } from '@switchyard/errors';
import { MetricsRegistry } from '@switchyard/http';
import { type PredictionEvent, predictionStreamKey, requestIndexKey, STREAM_BATCH_FIELD } from '@switchyard/queues';
import { hashRoutingKey } from '@switchyard/routing';
import { inputSummary } from '@switchyard/tensor';
import { SwitchableProxy } from '../../../../test/support/owned-services';
import { GatewayMetrics } from '../gateway-metrics';
import type { Routed } from '../inference/inference.service';
import { LoadedVersion } from '../sessions/loaded-version';
import type { ModelSessions, Serving } from '../sessions/model-sessions.service';
import { type PredictionContext, PredictionRecorder } from './prediction-recorder.service';
import { configOf, waitFor } from '../../../../test/support/unit';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const FEEDBACK_WINDOW_SECONDS = 86_400;
/** An hour's start, so every event of a test falls in one request-index bucket. */
const RECEIVED_AT = Date.UTC(2026, 0, 1, 12);

/** A served version as the recorder sees it: a model, a version number and the output's name. */
function routedTo(model: string, version = 1): Routed {
  const runner = { offloaded: false, run: async () => ({}), release: async () => undefined };
  const signature = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }] };
  return { version: new LoadedVersion(model, version, 'a'.repeat(64), runner, signature), variant: 'champion' };
}

const feeds = { x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [2, 2]) };
const results = { y: new ort.Tensor('float32', Float32Array.of(0.25, 0.75), [1, 2]) };

describe('PredictionRecorder', () => {
  let redis: Redis;
  let prefix: string;
  let metrics: GatewayMetrics;
  /** What each model serves, as far as the recorder asks (the meaning of its outputs). */
  let servings: Map<string, Pick<Serving, 'task' | 'labels'>>;
  const recorders: PredictionRecorder[] = [];
  const proxies: SwitchableProxy[] = [];

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(() => {
    redis = new Redis(REDIS_URL);
    prefix = `${process.env.REDIS_PREFIX ?? 'sy'}-log-${randomUUID().slice(0, 8)}`;
    metrics = new GatewayMetrics(new MetricsRegistry());
    servings = new Map();
  });

  afterEach(async () => {
    for (const recorder of recorders.splice(0)) await recorder.onApplicationShutdown();
    for (const proxy of proxies.splice(0)) await proxy.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  /** A started recorder whose timer never fires during a test: the tests flush when they mean to. */
  function recorder(overrides: Partial<Env> = {}): PredictionRecorder {
    const config = configOf({
      PREDICTION_LOG_ENABLED: true,
      PREDICTION_LOG_BUFFER_EVENTS: 10_000,
      PREDICTION_LOG_FLUSH_MS: 3_600_000,
      PREDICTION_LOG_PAYLOAD_SAMPLE_RATE: 0,
      REDIS_PREFIX: prefix,
      REDIS_URL,
      FEEDBACK_WINDOW_SECONDS,
      ...overrides,
    });
    const sessions = { serving: (model: string) => servings.get(model) } as unknown as ModelSessions;
    const started = new PredictionRecorder(config, metrics, sessions);
    started.onModuleInit();
    recorders.push(started);
    return started;
  }

  async function shutDown(log: PredictionRecorder): Promise<void> {
    recorders.splice(recorders.indexOf(log), 1);
    await log.onApplicationShutdown();
  }

  async function redisDown(): Promise<string> {
    const proxy = await SwitchableProxy.start(new URL(REDIS_URL).hostname, Number(new URL(REDIS_URL).port || 6379));
    proxies.push(proxy);
    await proxy.cut();
    return `redis://127.0.0.1:${proxy.port}`;
  }

  const context = (requestId: string, model = 'm', extra: Partial<PredictionContext> = {}): PredictionContext => ({
    requestId,
    routed: routedTo(model),
    receivedAt: RECEIVED_AT,
    startedAt: performance.now(),
    ...extra,
  });

  const payload = () => ({ request: { instances: [[1, 2]] }, response: { predictions: [[0.25, 0.75]] } });

  /** Every stream entry's events, entry by entry. */
  async function streamEntries(): Promise<PredictionEvent[][]> {
    const entries = await redis.xrange(predictionStreamKey(prefix), '-', '+');
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf(STREAM_BATCH_FIELD) + 1]) as PredictionEvent[]);
  }

  async function dropped(reason: string): Promise<number> {
    return (await metrics.logDropped.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
  }

  /**
   * Flushes until the buffer is empty: the recorder's connection may not be ready yet (it fails fast
   * rather than queueing), and a flush that fails keeps its events for the next.
   */
  async function flushed(log: PredictionRecorder): Promise<void> {
    await waitFor(async () => {
      await log.flush();
      return log.pending === 0;
    }, 'a flush succeeds');
  }

  it('buffers without waiting on Redis, then writes the events in order with what they summarize', async () => {
    const log = recorder();
    log.recordSuccess(context('req-1', 'm', { routingKey: 'user-42' }), feeds, results, payload);
    log.recordSuccess(context('req-2'), feeds, results, payload);
    log.recordSuccess(context('req-3'), feeds, results, payload);

    expect(log.pending).toBe(3);
    expect(await redis.exists(predictionStreamKey(prefix))).toBe(0);

    await flushed(log);

    expect(log.pending).toBe(0);
    const [entry, ...others] = await streamEntries();
    expect(others).toEqual([]);
    expect(entry.map((e) => e.request_id)).toEqual(['req-1', 'req-2', 'req-3']);
    expect(entry[0]).toMatchObject({
      model: 'm',
      version: 1,
      variant: 'champion',
      at: RECEIVED_AT,
      status: 200,
      error: null,
      inputs: null,
      output: { value: 0.5 },
      payload: null,
    });
    // The table's column means travel packed; the worker reads them back as these.
    expect(inputSummary(entry[0].inputs, entry[0].input_columns)).toEqual({ 'x[0]': 2, 'x[1]': 3 });
    expect(entry[0].latency_us).toBeGreaterThanOrEqual(0);
    expect(entry[0].routing_key_hash).toBe(hashRoutingKey('user-42'));
    expect(JSON.stringify(entry)).not.toContain('user-42');
    expect(entry[1].routing_key_hash).toBeNull();
    expect((await metrics.logFlushed.get()).values[0].value).toBe(3);
  });

  it("summarizes a classifier's output as the label the model serves, with its probabilities", async () => {
    servings.set('c', { task: 'classification', labels: ['no', 'yes'] });
    const log = recorder();
    log.recordSuccess(context('req-1', 'c'), feeds, results, payload);

    await flushed(log);

    expect((await streamEntries())[0][0].output).toEqual({ label: 'yes', probabilities: [0.25, 0.75] });
  });

  it('records a failure with the status and problem code the caller got', async () => {
    const log = recorder();
    log.recordFailure(context('req-1'), new DomainError('MODEL_NOT_FOUND', 'no model named "m"'));
    log.recordFailure(context('req-2'), new Error('a bug'));

    await flushed(log);

    expect((await streamEntries())[0]).toEqual([
      expect.objectContaining({ request_id: 'req-1', status: 404, error: 'MODEL_NOT_FOUND', inputs: null, output: null, payload: null }),
      expect.objectContaining({ request_id: 'req-2', status: 500, error: 'INTERNAL' }),
    ]);
    // No table, no packed column means: the field is left out rather than written as null.
    expect((await streamEntries())[0][0]).not.toHaveProperty('input_columns');
  });

  it('drops new events once its buffer is full, and counts them', async () => {
    const log = recorder({ PREDICTION_LOG_BUFFER_EVENTS: 3 });
    for (let i = 1; i <= 5; i++) log.recordSuccess(context(`req-${i}`), feeds, results, payload);

    expect(log.pending).toBe(3);
    expect(await dropped('buffer_full')).toBe(2);
    await flushed(log);
    expect((await streamEntries()).flat().map((e) => e.request_id)).toEqual(['req-1', 'req-2', 'req-3']);
  });

  it('writes at most 500 events per stream entry, in order', async () => {
    const log = recorder();
    for (let i = 0; i < 1_200; i++) log.recordSuccess(context(`req-${i}`), feeds, results, payload);

    await flushed(log);

    const entries = await streamEntries();
    expect(entries.map((events) => events.length)).toEqual([500, 500, 200]);
    expect(entries.flat().map((e) => e.request_id)).toEqual(Array.from({ length: 1_200 }, (_, i) => `req-${i}`));
  });

  it('starts a flush without waiting for its timer once a backlog builds up', async () => {
    const log = recorder();
    log.recordSuccess(context('first'), feeds, results, payload);
    await flushed(log);
    for (let i = 0; i < 2_000; i++) log.recordSuccess(context(`req-${i}`), feeds, results, payload);

    await waitFor(async () => (await streamEntries()).flat().length === 2_001, 'the backlog is written');
    expect(log.pending).toBe(0);
  });

  it('indexes each request id with the models that used it, first one first, for as long as feedback is accepted', async () => {
    const log = recorder();
    log.recordSuccess(context('shared'), feeds, results, payload);
    log.recordSuccess(context('own', 'other'), feeds, results, payload);
    // Any visible ASCII is a request id, Lua's pattern characters too.
    log.recordSuccess(context('%a+.*[x]^$-?(%S)', 'other'), feeds, results, payload);
    await flushed(log);
    log.recordSuccess(context('shared', 'other'), feeds, results, payload);
    log.recordSuccess(context('shared'), feeds, results, payload);
    await flushed(log);

    const index = requestIndexKey(prefix, RECEIVED_AT);
    expect(await redis.hgetall(index)).toEqual({ shared: 'm other', own: 'other', '%a+.*[x]^$-?(%S)': 'other' });
    const ttl = await redis.ttl(index);
    expect(ttl).toBeGreaterThan(FEEDBACK_WINDOW_SECONDS);
    expect(ttl).toBeLessThanOrEqual(FEEDBACK_WINDOW_SECONDS + 3_600);
  });

  it('indexes each request id in the hash of the hour its request arrived in, when one flush spans hours', async () => {
    const log = recorder();
    const nextHour = RECEIVED_AT + 3_600_000;
    // Out of order too: an event can reach the buffer after a later one (a slow request).
    log.recordSuccess(context('early-1'), feeds, results, payload);
    log.recordSuccess(context('late-1', 'm', { receivedAt: nextHour + 5 }), feeds, results, payload);
    log.recordSuccess(context('early-2', 'other', { receivedAt: nextHour - 1 }), feeds, results, payload);
    log.recordSuccess(context('late-2', 'other', { receivedAt: nextHour }), feeds, results, payload);
    await flushed(log);

    expect(await redis.hgetall(requestIndexKey(prefix, RECEIVED_AT))).toEqual({ 'early-1': 'm', 'early-2': 'other' });
    expect(await redis.hgetall(requestIndexKey(prefix, nextHour))).toEqual({ 'late-1': 'm', 'late-2': 'other' });
  });

  it('samples payloads at the configured rate and never keeps an oversized one', async () => {
    const never = recorder();
    const unsampled = jest.fn(payload);
    never.recordSuccess(context('req-0'), feeds, results, unsampled);
    expect(unsampled).not.toHaveBeenCalled();
    await flushed(never);

    const always = recorder({ PREDICTION_LOG_PAYLOAD_SAMPLE_RATE: 1 });
    always.recordSuccess(context('req-1'), feeds, results, payload);
    always.recordSuccess(context('req-2'), feeds, results, () => ({ request: 'x'.repeat(300 * 1024), response: null }));
    await flushed(always);

    expect((await streamEntries()).flat().map((e) => e.payload)).toEqual([null, payload(), null]);
  });

  it('keeps the events of a failed flush for the next as far as there is room, counts the rest, and writes them in order once Redis is back', async () => {
    const log = recorder({ REDIS_URL: await redisDown(), PREDICTION_LOG_BUFFER_EVENTS: 4 });
    for (let i = 1; i <= 3; i++) log.recordSuccess(context(`req-${i}`), feeds, results, payload);

    const failing = log.flush();
    // Requests keep coming while the flush fails: the buffer has room for one of its three events.
    log.recordSuccess(context('req-4'), feeds, results, payload);
    log.recordSuccess(context('req-5'), feeds, results, payload);
    log.recordSuccess(context('req-6'), feeds, results, payload);
    await failing;

    expect(log.pending).toBe(4);
    expect(await dropped('redis_unavailable')).toBe(2);
    await proxies[0].restore();
    await flushed(log);
    expect((await streamEntries()).flat().map((e) => e.request_id)).toEqual(['req-1', 'req-4', 'req-5', 'req-6']);
  });

  it('keeps the whole entries of failed flushes as they were, and writes them, indexed, ahead of the events recorded since', async () => {
    const log = recorder({ REDIS_URL: await redisDown() });
    for (let i = 0; i < 1_200; i++) log.recordSuccess(context(`req-${i}`), feeds, results, payload);
    await log.flush();
    await log.flush();
    expect(log.pending).toBe(1_200);

    log.recordSuccess(context('after'), feeds, results, payload);
    await proxies[0].restore();
    await flushed(log);

    const entries = await streamEntries();
    expect(entries.map((events) => events.length)).toEqual([500, 500, 200, 1]);
    expect(entries.flat().map((e) => e.request_id)).toEqual([...Array.from({ length: 1_200 }, (_, i) => `req-${i}`), 'after']);
    expect(Object.keys(await redis.hgetall(requestIndexKey(prefix, RECEIVED_AT)))).toHaveLength(1_201);
    expect(await dropped('redis_unavailable')).toBe(0);
  });

  it('flushes what it holds at shutdown', async () => {
    const log = recorder();
    log.recordSuccess(context('req-1'), feeds, results, payload);
    await flushed(log);
    log.recordSuccess(context('req-2'), feeds, results, payload);

    await shutDown(log);

    expect((await streamEntries()).flat().map((e) => e.request_id)).toEqual(['req-1', 'req-2']);
    expect(await dropped('shutdown')).toBe(0);
  });

  it('never throws at callers while Redis is down, and counts what it could not write by shutdown', async () => {
    const log = recorder({ REDIS_URL: await redisDown() });
    log.recordSuccess(context('req-1'), feeds, results, payload);
    log.recordFailure(context('req-2'), new Error('a bug'));
    await log.flush();
    expect(log.pending).toBe(2);

    await shutDown(log);

    expect(await dropped('shutdown')).toBe(2);
    expect(log.pending).toBe(2);
  });

  it('records nothing when the prediction log is off', async () => {
    const log = recorder({ PREDICTION_LOG_ENABLED: false });
    log.recordSuccess(context('req-1'), feeds, results, payload);
    log.recordFailure(context('req-2'), new Error('a bug'));

    expect(log.pending).toBe(0);
    await log.flush();
    expect(await redis.exists(predictionStreamKey(prefix))).toBe(0);
  });
});
