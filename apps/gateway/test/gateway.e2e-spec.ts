import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { buildAffine, buildMultiTypeModel } from '@switchyard/onnx/testing';
import { eventually } from '../../../test/support/artifacts';
import { call, expectProblem } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import type { RunningApp } from '../../../test/support/http-app';
import { type ServingStack, startServingStack } from '../../../test/support/serving-stack';
import { uniqueSuffix } from '../../../test/support/test-env';

/** Version v of a test model answers y = x + v, so every response says which version computed it. */
const affine = (bias: number) => buildAffine({ scale: 1, bias, features: 4 });

describe('gateway', () => {
  let stack: ServingStack;
  let registry: RunningApp;
  let gateway: RunningApp;
  let databaseUrl: string;
  let storeUrl: string;

  beforeAll(async () => {
    stack = await startServingStack({ GATEWAY_MAX_ELEMENTS: '1000', GATEWAY_MAX_BODY_BYTES: String(64 * 1024), DEPLOYMENT_POLL_MS: '500' });
    ({ registry, gateway, databaseUrl, storeUrl } = stack);
  });
  afterAll(() => stack.close());

  const predict = (model: string, body: unknown, headers: Record<string, string> = {}) =>
    call(`${gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: body, headers });
  const setAlias = (model: string, alias: string, version: number) =>
    call(`${registry.url}/v1/models/${model}/aliases/${alias}`, { method: 'PUT', json: { version } });
  const setPercent = async (model: string, percent: number) => {
    const { revision } = (await call(`${registry.url}/v1/models/${model}/deployment`)).body;
    return call(`${registry.url}/v1/models/${model}/traffic`, { method: 'PUT', json: { challenger_percent: percent }, headers: { 'if-match': `"${revision}"` } });
  };
  /** Waits until the gateway serves the given champion version for a fresh request. */
  const servedVersion = async (model: string) => (await predict(model, { instances: [[0, 0, 0, 0]] }, { 'x-switchyard-variant': 'champion' })).body.version;

  async function deployedAffine(versions: number): Promise<string> {
    const model = await createModel(registry.url, 'affine');
    for (let v = 1; v <= versions; v++) await uploadReadyVersion(registry.url, model, affine(v), databaseUrl);
    expect((await setAlias(model, 'champion', 1)).status).toBe(200);
    expect(await eventually(() => servedVersion(model), (v) => v === 1)).toBe(1);
    return model;
  }

  it('serves the champion with model, version, variant and request id in headers and body', async () => {
    const model = await deployedAffine(1);
    const answer = await predict(model, { inputs: { x: [[1, 2, 3, 4], [5, 6, 7, 8]] } }, { 'x-request-id': 'req-42' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ outputs: { y: [[2, 3, 4, 5], [6, 7, 8, 9]] }, model, version: 1, variant: 'champion', request_id: 'req-42' });
    expect(Object.fromEntries(['x-switchyard-model', 'x-switchyard-version', 'x-switchyard-variant', 'x-request-id'].map((h) => [h, answer.headers.get(h)]))).toEqual({
      'x-switchyard-model': model,
      'x-switchyard-version': '1',
      'x-switchyard-variant': 'champion',
      'x-request-id': 'req-42',
    });
    const generated = await predict(model, { instances: [[0, 0, 0, 0]] });
    expect(generated.body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.headers.get('x-request-id')).toBe(generated.body.request_id);
  });

  it('handles several inputs of different types: int64 beyond 2^53 as strings, bool, scalars', async () => {
    const model = await createModel(registry.url, 'types');
    await uploadReadyVersion(registry.url, model, buildMultiTypeModel(), databaseUrl);
    await setAlias(model, 'champion', 1);
    await eventually(() => predict(model, {}), (a) => a.status !== 503 && a.status !== 404);
    const answer = await predict(model, {
      inputs: { f: [[1, 2, 3]], i: ['9007199254740993'], b: [true], s: 2.5, d: [[1.5, -2]], n: [7], u: [255] },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.outputs).toEqual({
      f_out: [[2, 4, 6]],
      i_out: ['9007199254740994'],
      b_out: [false],
      s_out: 2.5,
      d_out: [[1.5, -2]],
      n_out: [7],
      u_out: [255],
    });
  });

  it('reads INT64 JSON numbers beyond 2^53 exactly, as Triton does, on every JSON route', async () => {
    const model = await createModel(registry.url, 'types');
    await uploadReadyVersion(registry.url, model, buildMultiTypeModel(), databaseUrl);
    await setAlias(model, 'champion', 1);
    await eventually(() => predict(model, {}), (a) => a.status !== 503 && a.status !== 404);
    // Written as text: JSON.stringify of a JavaScript number would round it before it left the test.
    const rest = '"f": [[1, 2, 3]], "b": [true], "s": 2.5, "d": [[1.5, -2]], "n": [7], "u": [255]';
    const post = (path: string, text: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      call(`${gateway.url}${path}`, { method: 'POST', headers, body: text });

    const v1 = await post(`/v1/models/${model}/predict`, `{"inputs": {"i": [9007199254740993, -9223372036854775807], ${rest}}}`);
    expect({ status: v1.status, i: v1.body.outputs?.i_out }).toEqual({ status: 200, i: ['9007199254740994', '-9223372036854775806'] });
    const kserveV1 = await post(`/v1/models/${model}:predict`, `{"inputs": {"i": [9007199254740993], ${rest}}}`);
    expect(kserveV1.body.outputs?.i_out).toEqual(['9007199254740994']);

    const oipInputs = (i: string) =>
      `[{"name": "i", "shape": [1], "datatype": "INT64", "data": [${i}]}, {"name": "f", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]},` +
      ' {"name": "b", "shape": [1], "datatype": "BOOL", "data": [true]}, {"name": "s", "shape": [], "datatype": "FP32", "data": [2.5]},' +
      ' {"name": "d", "shape": [1, 2], "datatype": "FP64", "data": [1.5, -2]}, {"name": "n", "shape": [1], "datatype": "INT32", "data": [7]},' +
      ' {"name": "u", "shape": [1], "datatype": "UINT8", "data": [255]}]';
    const oip = await post(`/v2/models/${model}/infer`, `{"inputs": ${oipInputs('9223372036854775806')}}`);
    expect(oip.body.outputs?.find((o: any) => o.name === 'i_out')?.data).toEqual(['9223372036854775807']);
    // The binary tensor data extension's JSON part is read the same way (here with no binary input at all).
    const header = `{"inputs": ${oipInputs('9007199254740993')}}`;
    const binary = await post(`/v2/models/${model}/infer`, header, { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(Buffer.byteLength(header)) });
    expect(binary.body.outputs?.find((o: any) => o.name === 'i_out')?.data).toEqual(['9007199254740994']);

    // Beyond INT64 even exactly: refused, naming the element and saying to send a string.
    const tooLarge = await post(`/v1/models/${model}/predict`, `{"inputs": {"i": [9223372036854775808], ${rest}}}`);
    expect(expectProblem(tooLarge, 400).errors).toEqual([{ field: 'inputs.i[0]', message: expect.stringContaining('outside the INT64 range') }]);
  });

  it('splits by weight, sticky per routing key, and honours a variant pin', async () => {
    const model = await deployedAffine(2);
    await setAlias(model, 'challenger', 2);
    await setPercent(model, 100);
    await eventually(() => predict(model, { instances: [[0, 0, 0, 0]] }), (a) => a.body.variant === 'challenger');
    // Both versions are loaded: Triton's repository index lists each as READY (to Triton's client, which posts no body).
    const index = await call(`${gateway.url}/v2/repository/index`, { method: 'POST' });
    expect({ status: index.status, entries: index.body.filter((entry: any) => entry.name === model) }).toEqual({
      status: 200,
      entries: [{ name: model, version: '1', state: 'READY' }, { name: model, version: '2', state: 'READY' }],
    });
    const badIndex = await call(`${gateway.url}/v2/repository/index`, { method: 'POST', json: { ready: 'yes' } });
    expect({ status: badIndex.status, error: badIndex.body.error }).toEqual({ status: 400, error: 'ready: expected true or false' });
    for (let i = 0; i < 20; i++) expect((await predict(model, { instances: [[0, 0, 0, 0]] })).body).toMatchObject({ variant: 'challenger', version: 2 });
    expect((await predict(model, { instances: [[0, 0, 0, 0]] }, { 'x-switchyard-variant': 'champion' })).body).toMatchObject({ variant: 'champion', version: 1 });

    await setPercent(model, 50);
    await eventually(() => call(`${registry.url}/v1/models/${model}/deployment`), (a) => a.body.rollout.some((r: any) => r.serving_revision === a.body.revision));
    const first = await Promise.all(Array.from({ length: 40 }, (_, i) => predict(model, { instances: [[0, 0, 0, 0]] }, { 'x-routing-key': `user-${i}` })));
    const again = await Promise.all(Array.from({ length: 40 }, (_, i) => predict(model, { instances: [[0, 0, 0, 0]] }, { 'x-routing-key': `user-${i}` })));
    expect(again.map((a) => a.body.variant)).toEqual(first.map((a) => a.body.variant));
    expect(new Set(first.map((a) => a.body.variant))).toEqual(new Set(['champion', 'challenger']));

    expectProblem(await predict(model, { instances: [[0, 0, 0, 0]] }, { 'x-switchyard-variant': 'canary' }), 400);
    await call(`${registry.url}/v1/models/${model}/aliases/challenger`, { method: 'DELETE' });
    await eventually(() => predict(model, { instances: [[0, 0, 0, 0]] }, { 'x-switchyard-variant': 'challenger' }), (a) => a.status === 400);
  });

  // How fast is a bench figure (scenario 7); here only that the change arrives by itself.
  it('sees a registry change within seconds and reports what it serves as rollout', async () => {
    const model = await deployedAffine(2);
    await setAlias(model, 'champion', 2);
    await eventually(() => servedVersion(model), (v) => v === 2);
    expect(await servedVersion(model)).toBe(2);
    const deployment = await eventually(
      () => call(`${registry.url}/v1/models/${model}/deployment`),
      (a) => a.body.rollout.length > 0 && a.body.rollout[0].serving_revision === a.body.revision,
    );
    expect(deployment.body.rollout[0]).toMatchObject({ state: 'serving', champion: 2, challenger: null, reason: null });
  });

  it('keeps serving the previous version when a new artifact is corrupt, and says why in the rollout status', async () => {
    const model = await deployedAffine(1);
    // Bytes no other test uploads, so no cached copy (artifacts are cached by sha256) can stand in.
    const version = await uploadReadyVersion(registry.url, model, affine(1000 + Math.random()), databaseUrl);
    await writeFile(path.join(storeUrl.slice('file://'.length), 'models', model, String(version), 'model.onnx'), Buffer.from('corrupted bytes'));
    await setAlias(model, 'champion', version);
    const deployment = await eventually(
      () => call(`${registry.url}/v1/models/${model}/deployment`),
      (a) => a.body.rollout.some((r: any) => r.state === 'failed'),
    );
    expect(deployment.body.rollout[0]).toMatchObject({ state: 'failed', serving_revision: 1, champion: 1, reason: expect.stringContaining('sha256 mismatch') });
    expect(await servedVersion(model)).toBe(1);
    const metrics = await call<string>(`${gateway.url}/metrics`);
    expect(metrics.body).toMatch(new RegExp(`switchyard_model_load_failures_total\\{model="${model}"\\} [1-9]`));
  });

  it('answers 503 with Retry-After while a deployed model has no loaded champion, and is not ready meanwhile', async () => {
    const model = await createModel(registry.url, 'unloadable');
    const version = await uploadReadyVersion(registry.url, model, affine(2000 + Math.random()), databaseUrl);
    await writeFile(path.join(storeUrl.slice('file://'.length), 'models', model, String(version), 'model.onnx'), Buffer.from('not the bytes'));
    await setAlias(model, 'champion', version);
    try {
      // Triton's repository index says LOADING while the gateway fetches and checks the bytes, then
      // UNAVAILABLE with the reason once the check failed, and leaves it out of the ready versions.
      const index = (body?: unknown) => call(`${gateway.url}/v2/repository/index`, { method: 'POST', ...(body === undefined ? {} : { json: body }) });
      const entryOf = async () => (await index()).body.find((entry: any) => entry.name === model);
      const unavailable = await eventually(entryOf, (entry) => entry?.state === 'UNAVAILABLE');
      expect(unavailable).toEqual({ name: model, state: 'UNAVAILABLE', reason: expect.stringContaining('sha256 mismatch') });
      expect((await index({ ready: true })).body.some((entry: any) => entry.name === model)).toBe(false);

      const answer = await predict(model, { instances: [[0, 0, 0, 0]] });
      expect(expectProblem(answer, 503).detail).toContain('not loaded yet');
      expect(answer.headers.get('retry-after')).toBe('5');
      expect((await call(`${gateway.url}/health/ready`)).status).toBe(503);
      expect((await call(`${gateway.url}/v2/health/ready`)).body).toEqual({ ready: false });
      const oip = await call(`${gateway.url}/v2/models/${model}/infer`, { method: 'POST', json: { inputs: [] } });
      expect({ status: oip.status, error: typeof oip.body.error }).toEqual({ status: 503, error: 'string' });
    } finally {
      // Without a champion the model is no longer deployed: the gateway is ready again (and the
      // tests after this one find it so even when an expectation above failed).
      await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'DELETE' });
    }
    await eventually(() => call(`${gateway.url}/health/ready`), (a) => a.status === 200);
    expectProblem(await predict(model, { instances: [[0, 0, 0, 0]] }), 404);
  });

  it('takes instances as objects of input name → value (the row format of TF Serving, KServe v1 and MLflow)', async () => {
    const model = await deployedAffine(1);
    const rows = await predict(model, { instances: [{ x: [1, 2, 3, 4] }, { x: [0, 0, 0, 0] }] });
    expect({ status: rows.status, outputs: rows.body.outputs }).toEqual({ status: 200, outputs: { y: [[2, 3, 4, 5], [1, 1, 1, 1]] } });
    const missing = expectProblem(await predict(model, { instances: [{ x: [1, 2, 3, 4] }, { z: [1, 2, 3, 4] }] }), 400);
    expect(missing.errors).toEqual([
      { field: 'instances[1].z', message: 'not an input of this model; its inputs are x' },
      { field: 'instances[1].x', message: 'missing: every instance gives every input (FP32 [-1, 4])' },
    ]);
  });

  it('refuses bad inputs with problem+json 400 listing each problem, before the runtime', async () => {
    const model = await deployedAffine(1);
    const cases: Array<[unknown, string]> = [
      [{ inputs: { z: [[1, 2, 3, 4]] } }, 'inputs.z'],
      [{ inputs: {} }, 'inputs.x'],
      [{ inputs: { x: [1, 2, 3, 4] } }, 'inputs.x'],
      [{ inputs: { x: [[1, 2, 3]] } }, 'inputs.x'],
      [{ inputs: { x: [[1, 2, 3, 4], [1, 2]] } }, 'inputs.x'],
      [{ inputs: { x: [['a', 2, 3, 4]] } }, 'inputs.x'],
      [{ inputs: { x: Array.from({ length: 300 }, () => [1, 2, 3, 4]) } }, 'inputs'],
      [{ instances: [[1, 2, 3, 4]], inputs: { x: [[1, 2, 3, 4]] } }, ''],
      [[1, 2, 3], ''],
    ];
    for (const [body, field] of cases) {
      const problem = expectProblem(await predict(model, body), 400);
      expect(problem.errors.length).toBeGreaterThan(0);
      if (field) expect(problem.errors.map((e: any) => e.field).join(' ')).toContain(field);
    }
    expectProblem(await predict(`nobody-${uniqueSuffix()}`, { instances: [[1, 2, 3, 4]] }), 404);
    expectProblem(await call(`${gateway.url}/v1/models/${model}/predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }), 415);
    expectProblem(await call(`${gateway.url}/v1/models/${model}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs":' }), 400);
    expectProblem(await predict(model, { inputs: { x: [['1'.repeat(70 * 1024), 2, 3, 4]] } }), 413);
  });

  it('speaks the Open Inference Protocol: health, metadata, infer (flat or nested), id, outputs filter, pinned versions', async () => {
    const model = await deployedAffine(3);
    expect((await call(`${gateway.url}/v2/health/live`)).body).toEqual({ live: true });
    expect((await call(`${gateway.url}/v2/health/ready`)).body).toEqual({ ready: true });
    expect((await call(`${gateway.url}/v2`)).body).toMatchObject({ name: 'switchyard', extensions: ['binary_tensor_data'] });
    expect((await call(`${gateway.url}/v2/models/${model}`)).body).toEqual({
      name: model,
      versions: ['1'],
      platform: 'onnx_onnxv1',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }],
    });
    expect((await call(`${gateway.url}/v2/models/${model}/ready`)).body).toEqual({ name: model, ready: true });

    const flat = await call(`${gateway.url}/v2/models/${model}/infer`, {
      method: 'POST',
      json: { id: 'abc', inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8] }] },
    });
    expect(flat.status).toBe(200);
    expect(flat.body).toEqual({
      model_name: model,
      model_version: '1',
      id: 'abc',
      outputs: [{ name: 'y', datatype: 'FP32', shape: [2, 4], data: [2, 3, 4, 5, 6, 7, 8, 9] }],
    });
    const nested = await call(`${gateway.url}/v2/models/${model}/infer`, {
      method: 'POST',
      json: { inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [[1, 2, 3, 4], [5, 6, 7, 8]] }], outputs: [{ name: 'y' }] },
    });
    expect(nested.body.outputs).toEqual(flat.body.outputs);

    // Version 3 holds no alias: it is loaded on request.
    const pinned = await call(`${gateway.url}/v2/models/${model}/versions/3/infer`, {
      method: 'POST',
      json: { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 0] }] },
    });
    expect(pinned.body).toMatchObject({ model_version: '3', outputs: [{ data: [3, 3, 3, 3] }] });
    expect(pinned.headers.get('x-switchyard-version')).toBe('3');
    expect((await call(`${gateway.url}/v2/models/${model}/versions/3`)).body).toMatchObject({ versions: ['3'] });

    // Triton's model configuration extension: a batching model (free first dimension everywhere) with
    // dims after the batch axis, and as many rows per request as GATEWAY_MAX_ELEMENTS (1000) allows at 4 a row.
    const config = await call(`${gateway.url}/v2/models/${model}/config`);
    expect({ status: config.status, body: config.body }).toEqual({
      status: 200,
      body: {
        name: model,
        platform: 'onnxruntime_onnx',
        backend: 'onnxruntime',
        max_batch_size: 250,
        input: [{ name: 'x', data_type: 'TYPE_FP32', format: 'FORMAT_NONE', dims: [4] }],
        output: [{ name: 'y', data_type: 'TYPE_FP32', dims: [4] }],
      },
    });
    expect((await call(`${gateway.url}/v2/models/${model}/versions/3/config`)).body).toMatchObject({ max_batch_size: 250 });
    const unknownConfig = await call(`${gateway.url}/v2/models/nobody-${uniqueSuffix()}/config`);
    expect({ status: unknownConfig.status, error: typeof unknownConfig.body.error }).toEqual({ status: 404, error: 'string' });

    const oipError = async (url: string, body: unknown, status: number) => {
      const answer = await call(url, { method: 'POST', json: body });
      // Plain application/json, as Triton sends it: KServe's client reads the error only under exactly that type.
      expect({ status: answer.status, type: answer.headers.get('content-type'), error: typeof answer.body.error }).toEqual({ status, type: 'application/json', error: 'string' });
      return answer.body.error as string;
    };
    // Each problem is said once, though the problem behind it lists it in its detail and in its errors.
    expect(await oipError(`${gateway.url}/v2/models/${model}/infer`, { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3] }] }, 400)).toBe('inputs[0].data: has 3 elements, but shape [1, 4] holds 4');
    await oipError(`${gateway.url}/v2/models/${model}/infer`, { inputs: [{ name: 'nope', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, 400);
    await oipError(`${gateway.url}/v2/models/${model}/infer`, { inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }], outputs: [{ name: 'nope' }] }, 400);
    await oipError(`${gateway.url}/v2/models/nobody-${uniqueSuffix()}/infer`, { inputs: [] }, 404);
    await oipError(`${gateway.url}/v2/models/${model}/versions/99/infer`, { inputs: [] }, 404);
    await oipError(`${gateway.url}/v2/models/${model}/versions/abc/infer`, { inputs: [] }, 404);
    const badJson = await call(`${gateway.url}/v2/models/${model}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect({ status: badJson.status, error: typeof badJson.body.error }).toEqual({ status: 400, error: 'string' });

    // Triton's Python client sends an all-JSON request with no Content-Type; some clients say application/octet-stream.
    // Both are read as JSON, as Triton and KServe read them; another type is a 415 naming what to send.
    const request = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 0] }] }));
    const untyped = await call(`${gateway.url}/v2/models/${model}/infer`, { method: 'POST', body: request });
    expect({ status: untyped.status, sent: untyped.body.outputs?.[0]?.shape }).toEqual({ status: 200, sent: [1, 4] });
    const octets = await call(`${gateway.url}/v2/models/${model}/infer`, { method: 'POST', body: request, headers: { 'content-type': 'Application/Octet-Stream; x=1' } });
    expect(octets.status).toBe(200);
    // Optional fields sent as null (a request object serialized whole, as MLServer's schema allows) are absent.
    const nulls = await call(`${gateway.url}/v2/models/${model}/infer`, {
      method: 'POST',
      json: { id: null, parameters: null, inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 0], parameters: null }], outputs: null },
    });
    expect({ status: nulls.status, id: nulls.body.id, outputs: nulls.body.outputs?.length }).toEqual({ status: 200, id: undefined, outputs: 1 });
    // A request built with MLServer's codecs marks its tensors with content_type: "np" is the tensor as sent.
    const mlserver = await call(`${gateway.url}/v2/models/${model}/infer`, {
      method: 'POST',
      json: { parameters: { content_type: 'np' }, inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: [0, 0, 0, 0], parameters: { content_type: 'np' } }] },
    });
    expect(mlserver.status).toBe(200);
    const asText = await call(`${gateway.url}/v2/models/${model}/infer`, { method: 'POST', body: request, headers: { 'content-type': 'text/plain' } });
    expect({ status: asText.status, error: asText.body.error }).toEqual({ status: 415, error: expect.stringContaining('send JSON as application/json') });
    const predictAsForm = await call(`${gateway.url}/v1/models/${model}/predict`, { method: 'POST', body: '{"instances":[[0,0,0,0]]}', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(expectProblem(predictAsForm, 415).detail).toContain('send JSON as application/json');
  });

  it('batches concurrent requests when the model asks for it, each caller getting its own rows back', async () => {
    const model = await deployedAffine(1);
    const patch = (batching: unknown) => call(`${registry.url}/v1/models/${model}`, { method: 'PATCH', json: { batching } });
    expectProblem(await patch({ max_batch_size: 0, max_delay_ms: 5 }), 400);
    expectProblem(await patch({ max_batch_size: 8, max_delay_ms: -1 }), 400);
    expectProblem(await patch({ max_batch_size: 8 }), 400);
    const patched = await patch({ max_batch_size: 16, max_delay_ms: 50 });
    expect(patched.body).toMatchObject({ batching: { max_batch_size: 16, max_delay_ms: 50 }, deployment: { revision: 2 } });
    await eventually(
      () => call(`${registry.url}/v1/models/${model}/deployment`),
      (a) => a.body.rollout.some((r: any) => r.serving_revision === 2),
    );
    expect((await call(`${gateway.url}/v2/models/${model}/config`)).body).toMatchObject({ max_batch_size: 16, dynamic_batching: { max_queue_delay_microseconds: 50_000 } });

    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => predict(model, { instances: [[i, i, i, i]] })));
    expect(answers.map((a) => a.status)).toEqual(Array(16).fill(200));
    expect(answers.map((a) => a.body.outputs.y)).toEqual(Array.from({ length: 16 }, (_, i) => [[i + 1, i + 1, i + 1, i + 1]]));
    const metrics = (await call<string>(`${gateway.url}/metrics`)).body;
    const count = Number(new RegExp(`switchyard_batch_rows_count\\{model="${model}"\\} (\\d+)`).exec(metrics)?.[1]);
    const sum = Number(new RegExp(`switchyard_batch_rows_sum\\{model="${model}"\\} (\\d+)`).exec(metrics)?.[1]);
    expect(sum).toBe(16);
    expect(count).toBeLessThan(16);

    expect((await patch(null)).body).toMatchObject({ batching: null, deployment: { revision: 3 } });
    const audit = (await call(`${registry.url}/v1/models/${model}/audit`)).body.items;
    expect(audit.slice(0, 2).map((e: any) => [e.action, e.after.batching])).toEqual([
      ['batching.set', null],
      ['batching.set', { max_batch_size: 16, max_delay_ms: 50 }],
    ]);
  });

  it('is ready only when every deployed champion is loaded, and publishes per-model metrics', async () => {
    const model = await deployedAffine(1);
    await predict(model, { instances: [[0, 0, 0, 0]] });
    expect((await call(`${gateway.url}/health/ready`)).status).toBe(200);
    const metrics = await call<string>(`${gateway.url}/metrics`);
    expect(metrics.body).toMatch(new RegExp(`switchyard_predictions_total\\{model="${model}",version="1",variant="champion",status="ok"\\} [1-9]`));
    expect(metrics.body).toContain('switchyard_prediction_duration_seconds_bucket');
    expect(metrics.body).toContain('switchyard_model_load_duration_seconds_bucket');
  });

  it('describes the inference routes in its OpenAPI document, with the role they need', async () => {
    const { paths } = (await call(`${gateway.url}/openapi.json`)).body;
    const inference = [
      '/v1/models/{name}/predict',
      '/v1/models/{name}:predict',
      '/v1/models/{name}/versions/{version}:predict',
      '/v2/models/{name}/infer',
      '/v2/models/{name}/versions/{version}/infer',
    ];
    expect(inference.map((route) => [route, paths[route]?.post?.['x-required-role']])).toEqual(inference.map((route) => [route, 'predict']));
    expect(Object.keys(paths['/v1/models/{name}/predict'].post.requestBody.content)).toEqual(['application/json']);
    expect(paths['/v2/models/{name}'].get).toBeDefined();
  });
});
