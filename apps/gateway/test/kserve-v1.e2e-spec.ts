import { buildAffine, buildLinearClassifier, buildRowsOf } from '@switchyard/onnx/testing';
import { eventually } from '../../../test/support/artifacts';
import { type Answer, call } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { createKey } from '../../../test/support/keys';
import type { RunningApp } from '../../../test/support/http-app';
import { type ServingStack, startServingStack } from '../../../test/support/serving-stack';
import { uniqueSuffix } from '../../../test/support/test-env';

/**
 * KServe's v1 protocol and TensorFlow Serving's REST predict API, as their clients call them:
 * `POST /v1/models/{name}:predict` with `instances` or `inputs`, `GET /v1/models/{name}` for readiness,
 * `GET /v1/models`, liveness at `/`; errors `{"error": "..."}` as plain application/json.
 */
describe('KServe v1 protocol', () => {
  let stack: ServingStack;
  let registry: RunningApp;
  let gateway: RunningApp;
  let databaseUrl: string;

  beforeAll(async () => {
    stack = await startServingStack({ DEPLOYMENT_POLL_MS: '500' });
    ({ registry, gateway, databaseUrl } = stack);
  });
  afterAll(() => stack.close());

  /** As KServe's REST client posts: the JSON bytes and no Content-Type (fetch adds none for bytes). */
  const predict = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(`${gateway.url}${path}`, { method: 'POST', body: Buffer.from(JSON.stringify(body)), headers });

  async function deployed(prefix: string, ...artifacts: Uint8Array[]): Promise<string> {
    const model = await createModel(registry.url, prefix);
    for (const artifact of artifacts) await uploadReadyVersion(registry.url, model, artifact, databaseUrl);
    expect((await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    await eventually(() => call(`${gateway.url}/v1/models/${model}`), (a) => a.status === 200);
    return model;
  }

  const expectError = (answer: Answer, status: number): string => {
    // KServe's client reads the message only under exactly application/json (as from /v2).
    expect({ status: answer.status, type: answer.headers.get('content-type'), error: typeof answer.body.error }).toEqual({ status, type: 'application/json', error: 'string' });
    return answer.body.error;
  };

  it('answers liveness, the model list and model readiness', async () => {
    const model = await deployed('v1-ready', buildAffine({ scale: 1, bias: 1, features: 4 }));
    expect((await call(`${gateway.url}/`, { key: null })).body).toEqual({ status: 'alive' });
    expect((await call(`${gateway.url}/v1/models`)).body.models).toContain(model);
    expect((await call(`${gateway.url}/v1/models/${model}`)).body).toEqual({ name: model, ready: true });
    expect(expectError(await call(`${gateway.url}/v1/models/nobody-${uniqueSuffix()}`), 404)).toMatch(/no model named "nobody-.*" is deployed/);
  });

  it('answers instances with predictions and inputs with outputs, with the routing facts in headers only', async () => {
    const model = await deployed('v1-affine', buildAffine({ scale: 1, bias: 1, features: 4 }), buildAffine({ scale: 1, bias: 2, features: 4 }));
    const rows = await predict(`/v1/models/${model}:predict`, { instances: [[1, 2, 3, 4], [0, 0, 0, 0]] }, { 'x-request-id': 'v1-req' });
    expect(rows.status).toBe(200);
    expect(rows.body).toEqual({ predictions: [[2, 3, 4, 5], [1, 1, 1, 1]] });
    expect(['x-switchyard-model', 'x-switchyard-version', 'x-switchyard-variant', 'x-request-id'].map((h) => rows.headers.get(h))).toEqual([model, '1', 'champion', 'v1-req']);
    // TensorFlow Serving's columnar format, by name or bare for a one-input model, and its signature_name.
    expect((await predict(`/v1/models/${model}:predict`, { inputs: { x: [[1, 1, 1, 1]] } })).body).toEqual({ outputs: [[2, 2, 2, 2]] });
    expect((await predict(`/v1/models/${model}:predict`, { signature_name: 'serving_default', inputs: [[1, 1, 1, 1]] })).body).toEqual({ outputs: [[2, 2, 2, 2]] });
    // TensorFlow Serving's version path: any ready version answers, as OIP's /versions/{v}.
    const pinned = await predict(`/v1/models/${model}/versions/2:predict`, { instances: [[0, 0, 0, 0]] });
    expect({ body: pinned.body, version: pinned.headers.get('x-switchyard-version'), variant: pinned.headers.get('x-switchyard-variant') }).toEqual({
      body: { predictions: [[2, 2, 2, 2]] },
      version: '2',
      variant: 'pinned',
    });
  });

  it("takes MLflow's dataframe_split and dataframe_records as rows, on :predict and on /v1 predict", async () => {
    const model = await deployed('v1-dataframe', buildAffine({ scale: 1, bias: 1, features: 4 }));
    const split = { dataframe_split: { columns: ['a', 'b', 'c', 'd'], index: [10, 11], data: [[1, 2, 3, 4], [0, 0, 0, 0]] } };
    expect((await predict(`/v1/models/${model}:predict`, split)).body).toEqual({ predictions: [[2, 3, 4, 5], [1, 1, 1, 1]] });
    expect((await predict(`/v1/models/${model}:predict`, { dataframe_records: [{ a: 1, b: 2, c: 3, d: 4 }] })).body).toEqual({ predictions: [[2, 3, 4, 5]] });
    const own = await call(`${gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: split });
    expect({ status: own.status, y: own.body.outputs?.y }).toEqual({ status: 200, y: [[2, 3, 4, 5], [1, 1, 1, 1]] });
    const ragged = await predict(`/v1/models/${model}:predict`, { dataframe_split: { columns: ['a', 'b', 'c', 'd'], data: [[1, 2, 3]] } });
    expect(expectError(ragged, 400)).toContain('dataframe_split.data[0]: expected a row of 4 values, one per column');
  });

  it("gives one object per instance for a model with several outputs (skl2onnx's classifier)", async () => {
    const classifier = buildLinearClassifier({ offset: [0], scale: [1], coefficients: [[-1], [1]], intercepts: [0, 0], classLabels: [0, 1], postTransform: 'LOGISTIC', zipMap: false });
    const model = await deployed('v1-classifier', classifier);
    const answer = await predict(`/v1/models/${model}:predict`, { instances: [[5], [-5]] });
    expect(answer.status).toBe(200);
    expect(answer.body.predictions).toHaveLength(2);
    expect(answer.body.predictions.map((row: any) => Object.keys(row))).toEqual([['output_label', 'output_probability'], ['output_label', 'output_probability']]);
    expect(answer.body.predictions.map((row: any) => row.output_label)).toEqual([1, 0]);
    expect(answer.body.predictions[0].output_probability[1]).toBeGreaterThan(0.99);
  });

  it('refuses what does not fit with {"error"} naming what to fix', async () => {
    const model = await deployed('v1-errors', buildAffine({ scale: 1, bias: 1, features: 4 }));
    expect(expectError(await predict(`/v1/models/${model}:predict`, { instances: [[1, 2, 3]] }), 400)).toContain('dimension 1 must be 4');
    expect(expectError(await predict(`/v1/models/${model}:predict`, { signature_name: 'predict', instances: [[1, 2, 3, 4]] }), 400)).toBe(
      'signature_name: an ONNX model has one signature, "serving_default"; got string "predict"',
    );
    expect(expectError(await predict(`/v1/models/${model}:predict`, { rows: [] }), 400)).toContain('rows: unknown field');
    expect(expectError(await predict(`/v1/models/nobody-${uniqueSuffix()}:predict`, { instances: [] }), 404)).toMatch(/is deployed/);
    expect(expectError(await predict(`/v1/models/${model}/versions/99:predict`, { instances: [] }), 404)).toContain('version');
    expect(expectError(await predict(`/v1/models/${model}/versions/abc:predict`, { instances: [] }), 404)).toContain('"abc"');
    // KServe's :explain, and a segment with no verb at all, are routes this gateway does not serve.
    expect(expectError(await predict(`/v1/models/${model}:explain`, { instances: [] }), 404)).toContain('served as POST /v1/models/{name}:predict');
    expectError(await predict(`/v1/models/${model}`, { instances: [] }), 404);
    const badJson = await call(`${gateway.url}/v1/models/${model}:predict`, { method: 'POST', body: Buffer.from('{') });
    expectError(badJson, 400);
    // A model whose output has no row per instance cannot answer the row format; the columnar one gets it whole.
    const reshaper = await deployed('v1-rows-of', buildRowsOf(2));
    expect(expectError(await predict(`/v1/models/${reshaper}:predict`, { instances: [1, 2, 3, 4] }), 400)).toContain('send the request as {"inputs": …}');
    expect((await predict(`/v1/models/${reshaper}:predict`, { inputs: [1, 2, 3, 4] })).body).toEqual({ outputs: [[1, 2], [3, 4]] });
  });

  it("lists to a key limited to some models only those, and refuses it the others' predictions", async () => {
    const mine = await deployed('v1-mine', buildAffine({ scale: 1, bias: 1, features: 4 }));
    const theirs = await deployed('v1-theirs', buildAffine({ scale: 1, bias: 1, features: 4 }));
    const { key } = await createKey(registry.url, ['predict'], { models: [mine] });
    const listed = await eventually(() => call(`${gateway.url}/v1/models`, { key }), (a) => a.status === 200);
    expect(listed.body.models).toEqual([mine]);
    expect((await call(`${gateway.url}/v1/models/${mine}:predict`, { method: 'POST', json: { instances: [[0, 0, 0, 0]] }, key })).status).toBe(200);
    expectError(await call(`${gateway.url}/v1/models/${theirs}:predict`, { method: 'POST', json: { instances: [[0, 0, 0, 0]] }, key }), 403);
    expectError(await call(`${gateway.url}/v1/models/${mine}`, { key: null }), 401);
  });
});
