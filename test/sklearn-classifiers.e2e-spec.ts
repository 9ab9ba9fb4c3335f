/**
 * scikit-learn classifiers as skl2onnx exports them by default end in a ZipMap (a sequence of maps),
 * which onnxruntime-node cannot return. Uploaded to Switchyard as a user runs it (`npm start`): the
 * worker validates them as `ready`, the signature shows the probability tensor with its class labels,
 * and the gateway answers on /v1 and /v2 with the labels and probabilities the model computes —
 * computed here independently, from the pipeline's parameters.
 */
import { createHash } from 'node:crypto';
import {
  buildLinearClassifier,
  buildModelWithSequenceOutput,
  buildTreeStumpClassifier,
  type LinearClassifierOptions,
} from '@switchyard/onnx/testing';
import { eventually } from './support/artifacts';
import { type Answer, call, uploadForm } from './support/client';
import { type RunningSystem, startSystem } from './support/running-system';
import { uniqueSuffix } from './support/test-env';

/** StandardScaler + multinomial LogisticRegression over 3 features and 3 classes, with integer labels as in iris. */
const PIPELINE: LinearClassifierOptions = {
  offset: [5.8, 3.0, 3.7],
  scale: [1 / 0.8, 1 / 0.4, 1 / 1.7],
  coefficients: [
    [-1.0, 1.1, -1.8],
    [0.5, -0.9, -0.1],
    [0.5, -0.2, 1.9],
  ],
  intercepts: [-0.2, 1.9, -1.7],
  classLabels: [0, 1, 2],
  postTransform: 'SOFTMAX',
};
const ROWS = [
  [5.1, 3.5, 1.4],
  [6.4, 2.9, 4.3],
  [7.7, 2.8, 6.7],
  [5.7, 2.6, 3.5],
];

/** softmax(((x - mean) / std) · Wᵀ + b), then L1-normalized, in float64 — what the exported graph computes. */
function expected(rows: number[][]): { labels: number[]; probabilities: number[][] } {
  const probabilities = rows.map((row) => {
    const scaled = row.map((value, j) => (value - PIPELINE.offset[j]) * PIPELINE.scale[j]);
    const exps = PIPELINE.coefficients.map((weights, k) => Math.exp(weights.reduce((sum, w, j) => sum + w * scaled[j], PIPELINE.intercepts[k])));
    const total = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / total);
  });
  return { labels: probabilities.map((p) => p.indexOf(Math.max(...p))), probabilities };
}

function expectClose(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((value, k) => expect({ row: i, column: k, close: Math.abs(value - want[i][k]) < 1e-5 }).toEqual({ row: i, column: k, close: true })));
}

describe('scikit-learn classifiers exported with a ZipMap', () => {
  let system: RunningSystem;

  beforeAll(async () => {
    system = await startSystem();
  }, 120_000);

  afterAll(async () => {
    await system?.close();
  });

  /** Registers a model, uploads the artifact, waits for the worker's verdict, and returns the version as described. */
  async function validated(prefix: string, artifact: Uint8Array): Promise<{ model: string; version: Answer }> {
    const model = `${prefix}-${uniqueSuffix()}`;
    expect((await call(`${system.registry}/v1/models`, { method: 'POST', json: { name: model } })).status).toBe(201);
    const uploaded = await call(`${system.registry}/v1/models/${model}/versions`, { method: 'POST', body: uploadForm(artifact) });
    expect(uploaded.status).toBe(201);
    const version = await eventually(() => call(`${system.registry}/v1/models/${model}/versions/1`), (answer) => answer.body.status !== 'pending', 60_000);
    return { model, version };
  }

  async function deployed(model: string, probe: unknown): Promise<void> {
    expect((await call(`${system.registry}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    const served = await eventually(() => call(`${system.gateway}/v1/models/${model}/predict`, { method: 'POST', json: probe }), (answer) => answer.status === 200, 60_000);
    expect({ status: served.status, body: served.status === 200 ? 'served' : served.body }).toEqual({ status: 200, body: 'served' });
  }

  it('validates a StandardScaler + LogisticRegression pipeline as ready, with the probability tensor and its class labels in the signature', async () => {
    const artifact = buildLinearClassifier(PIPELINE);
    const { model, version } = await validated('pipeline', artifact);
    expect(version.body).toMatchObject({
      status: 'ready',
      status_reason: null,
      sha256: createHash('sha256').update(artifact).digest('hex'),
      size_bytes: artifact.length,
      signature: {
        inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 3] }],
        outputs: [
          { name: 'output_label', datatype: 'INT64', shape: [-1] },
          { name: 'output_probability', datatype: 'FP32', shape: [-1, 3], class_labels: [0, 1, 2] },
        ],
      },
      validation: { graph_changes: [expect.stringContaining('output "output_probability" is the FP32 [N, 3] probability tensor that feeds the model\'s ZipMap')], warnings: [] },
    });
    // The stored artifact is the upload, byte for byte.
    const stored = await fetch(`${system.registry}/v1/models/${model}/versions/1/artifact`, { headers: { authorization: `Bearer ${process.env.SWITCHYARD_BOOTSTRAP_ADMIN_KEY}` } });
    expect(Buffer.from(await stored.arrayBuffer()).equals(Buffer.from(artifact))).toBe(true);

    await deployed(model, { instances: [ROWS[0]] });
    const want = expected(ROWS);
    // The rows do not all fall in one class, so the labels say something.
    expect(new Set(want.labels).size).toBeGreaterThan(1);

    const v1 = await call(`${system.gateway}/v1/models/${model}/predict`, { method: 'POST', json: { inputs: { float_input: ROWS } } });
    expect(v1.status).toBe(200);
    expect(Object.keys(v1.body.outputs)).toEqual(['output_label', 'output_probability']);
    expect(v1.body.outputs.output_label).toEqual(want.labels);
    expectClose(v1.body.outputs.output_probability, want.probabilities);

    // The Open Inference Protocol's metadata lists the outputs as served.
    expect((await call(`${system.gateway}/v2/models/${model}`)).body.outputs).toEqual([
      { name: 'output_label', datatype: 'INT64', shape: [-1] },
      { name: 'output_probability', datatype: 'FP32', shape: [-1, 3] },
    ]);
    const v2 = await call(`${system.gateway}/v2/models/${model}/infer`, {
      method: 'POST',
      json: { inputs: [{ name: 'float_input', shape: [ROWS.length, 3], datatype: 'FP32', data: ROWS.flat() }] },
    });
    expect(v2.status).toBe(200);
    const outputs = Object.fromEntries((v2.body.outputs as Array<{ name: string; datatype: string; shape: number[]; data: number[] }>).map((o) => [o.name, o]));
    expect(outputs.output_label).toEqual({ name: 'output_label', datatype: 'INT64', shape: [ROWS.length], data: want.labels });
    expect(outputs.output_probability).toMatchObject({ datatype: 'FP32', shape: [ROWS.length, 3] });
    const flat = outputs.output_probability.data;
    expectClose(ROWS.map((_, i) => flat.slice(i * 3, i * 3 + 3)), want.probabilities);
  });

  it("describes class_labels, graph_changes and warnings in the registry's OpenAPI", async () => {
    const { schemas } = (await call(`${system.registry}/openapi.json`)).body.components;
    expect(schemas.TensorSpecResponse.properties.class_labels).toMatchObject({ type: 'array', items: { oneOf: [{ type: 'integer' }, { type: 'string' }] } });
    expect(schemas.TensorSpecResponse.properties.class_labels.description).toContain('ZipMap');
    expect(schemas.ValidationResponse.properties).toMatchObject({ graph_changes: { type: 'array' }, warnings: { type: 'array' } });
  });

  it('keeps serving an ai.onnx.ml tree ensemble, with string class labels', async () => {
    const artifact = buildTreeStumpClassifier({ feature: 1, threshold: 0.5, features: 2, leaves: [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], classLabels: ['low', 'mid', 'high'] });
    const { model, version } = await validated('tree', artifact);
    expect(version.body).toMatchObject({
      status: 'ready',
      signature: { outputs: [{ name: 'output_label', datatype: 'BYTES' }, { name: 'output_probability', datatype: 'FP32', shape: [-1, 3], class_labels: ['low', 'mid', 'high'] }] },
    });
    await deployed(model, { instances: [[0, 0]] });
    const answer = await call(`${system.gateway}/v1/models/${model}/predict`, { method: 'POST', json: { instances: [[1, 2], [3, 0]] } });
    expect(answer.body.outputs.output_label).toEqual(['high', 'low']);
    expectClose(answer.body.outputs.output_probability, [
      [0.1, 0.3, 0.6],
      [0.7, 0.2, 0.1],
    ]);
  });

  it('serves the tensor outputs of a model with an output it cannot return, and says so at validation', async () => {
    const { model, version } = await validated('sequence', buildModelWithSequenceOutput());
    expect(version.body).toMatchObject({
      status: 'ready',
      signature: { outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }] },
      validation: { graph_changes: [], warnings: [expect.stringContaining('output "copies" (a sequence of tensors) cannot be returned by onnxruntime-node')] },
    });
    expect(version.body.validation.warnings[0]).toContain('"zipmap": False');
    await deployed(model, { instances: [[0]] });
    const answer = await call(`${system.gateway}/v1/models/${model}/predict`, { method: 'POST', json: { instances: [[2.5]] } });
    expect(answer.body.outputs).toEqual({ y: [[2.5]] });
  });
});
