import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { buildAffine, buildEveryDatatypeModel } from '@switchyard/onnx/testing';
import { eventually } from '../../../test/support/artifacts';
import { call } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { type RunningApp, startWorker } from '../../../test/support/http-app';
import { type ClientAnswer, type ClientInput, type ClientRequest, type Datatype, encodeRequest, inferBinary, tensorBytes } from '../../../test/support/oip-binary-client';
import { type ServingStack, startServingStack } from '../../../test/support/serving-stack';

/**
 * The binary tensor data extension on /v2 infer, driven by a client written from the extension's
 * description (test/support/oip-binary-client.ts), not by the gateway's own codec.
 */
describe('OIP binary tensor data extension', () => {
  jest.setTimeout(90_000);
  let stack: ServingStack;
  let gateway: RunningApp;
  let registry: RunningApp;
  let worker: RunningApp;
  let everyType: string;
  let affine: string;

  const BODY_LIMIT = 256 * 1024;

  beforeAll(async () => {
    stack = await startServingStack({ GATEWAY_MAX_BODY_BYTES: String(BODY_LIMIT), DEPLOYMENT_POLL_MS: '500', PREDICTION_LOG_FLUSH_MS: '50', PREDICTION_LOG_PAYLOAD_SAMPLE_RATE: '1' });
    ({ gateway, registry } = stack);
    worker = await startWorker({ DATABASE_URL: stack.databaseUrl, REDIS_PREFIX: stack.redisPrefix, ARTIFACT_STORE_URL: stack.storeUrl });

    everyType = await createModel(registry.url, 'every-type');
    await uploadReadyVersion(registry.url, everyType, buildEveryDatatypeModel(), stack.databaseUrl);
    // Version v answers y = x + v, so every answer says which version computed it.
    affine = await createModel(registry.url, 'bin-affine');
    for (const bias of [1, 2, 3]) await uploadReadyVersion(registry.url, affine, buildAffine({ scale: 1, bias, features: 4 }), stack.databaseUrl);
    for (const [model, alias, version] of [[everyType, 'champion', 1], [affine, 'champion', 1], [affine, 'challenger', 2]] as const) {
      expect((await call(`${registry.url}/v1/models/${model}/aliases/${alias}`, { method: 'PUT', json: { version } })).status).toBe(200);
    }
    await setPercent(50);
    for (const model of [everyType, affine]) await eventually(() => call(`${gateway.url}/v2/models/${model}/ready`), (a) => a.status === 200);
    await eventually(() => call(`${registry.url}/v1/models/${affine}/deployment`), (a) => a.body.rollout.some((r: any) => r.serving_revision === a.body.revision));
  });
  afterAll(async () => {
    await worker?.close();
    await stack?.close();
  });

  async function setPercent(percent: number) {
    const { revision } = (await call(`${registry.url}/v1/models/${affine}/deployment`)).body;
    expect((await call(`${registry.url}/v1/models/${affine}/traffic`, { method: 'PUT', json: { challenger_percent: percent }, headers: { 'if-match': `"${revision}"` } })).status).toBe(200);
  }

  const inferUrl = (model: string) => `${gateway.url}/v2/models/${model}/infer`;
  const affineInput = (values: number[], binary = true): ClientInput => ({ name: 'x', datatype: 'FP32', shape: [1, 4], elements: values, binary });
  const affineRequest = (values = [0, 0, 0, 0]): ClientRequest => ({ inputs: [affineInput(values)], parameters: { binary_data_output: true } });

  /** Values that reach each end of every datatype's range, two per tensor ([1, 2]); FP16 as bits. */
  const EVERY: Array<{ datatype: Datatype; elements: ClientInput['elements'] }> = [
    { datatype: 'BOOL', elements: [true, false] },
    { datatype: 'UINT8', elements: [0, 255] },
    { datatype: 'UINT16', elements: [1, 65535] },
    { datatype: 'UINT32', elements: [0, 4294967295] },
    { datatype: 'UINT64', elements: [0n, 2n ** 64n - 1n] },
    { datatype: 'INT8', elements: [-128, 127] },
    { datatype: 'INT16', elements: [-32768, 32767] },
    { datatype: 'INT32', elements: [-2147483648, 2147483647] },
    { datatype: 'INT64', elements: [-(2n ** 63n), 2n ** 63n - 1n] },
    { datatype: 'FP16', elements: [0x3c00, 0xc100] }, // 1 and -2.5
    { datatype: 'FP32', elements: [1.5, -3.4028234663852886e38] },
    { datatype: 'FP64', elements: [0.1, -1e300] },
    { datatype: 'BYTES', elements: ['héllo', ''] },
  ];
  const everyInputs = (binary: (datatype: Datatype) => boolean = () => true): ClientInput[] =>
    EVERY.map(({ datatype, elements }) => ({ name: datatype.toLowerCase(), datatype, shape: [1, 2], elements, binary: binary(datatype) }));

  const expectError = (answer: ClientAnswer, status: number, ...phrases: string[]) => {
    expect({ status: answer.status, type: answer.headers.get('content-type'), error: typeof answer.json.error }).toEqual({ status, type: expect.stringContaining('application/json'), error: 'string' });
    for (const phrase of phrases) expect(answer.json.error).toContain(phrase);
  };

  it('lists binary_tensor_data in server metadata', async () => {
    expect((await call(`${gateway.url}/v2`)).body.extensions).toEqual(['binary_tensor_data']);
  });

  it('carries every datatype as binary data both ways, with the extension\'s framing and headers', async () => {
    const answer = await inferBinary(inferUrl(everyType), { id: 'every', inputs: everyInputs(), parameters: { binary_data_output: true } }, { contentType: 'application/octet-stream' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/octet-stream');
    expect(Number(answer.headers.get('inference-header-content-length'))).toBeGreaterThan(0);
    expect(answer.json).toMatchObject({ model_name: everyType, model_version: '1', id: 'every' });
    expect(answer.outputs).toEqual(
      EVERY.map(({ datatype, elements }) => ({ name: `${datatype.toLowerCase()}_out`, datatype, shape: [1, 2], elements, binary: true })),
    );
    expect(answer.json.outputs[12].parameters).toEqual({ binary_data_size: tensorBytes('BYTES', ['héllo', '']).length });
  });

  it('mixes JSON and binary inputs and outputs in one request; an output\'s binary_data overrides binary_data_output', async () => {
    const request: ClientRequest = {
      inputs: everyInputs((datatype) => datatype === 'FP16' || datatype === 'INT32' || datatype === 'BYTES'),
      outputs: [{ name: 'fp16_out', binary_data: true }, { name: 'int64_out' }, { name: 'bytes_out', binary_data: true }, { name: 'bool_out', binary_data: false }],
      parameters: { binary_data_output: true },
    };
    // Triton's and KServe's clients send such bodies with no Content-Type, application/octet-stream, or application/json.
    for (const contentType of [undefined, 'application/octet-stream', 'application/json']) {
      const answer = await inferBinary(inferUrl(everyType), request, { contentType });
      expect({ contentType, status: answer.status }).toEqual({ contentType, status: 200 });
      expect(answer.outputs).toEqual([
        { name: 'fp16_out', datatype: 'FP16', shape: [1, 2], elements: [0x3c00, 0xc100], binary: true },
        { name: 'int64_out', datatype: 'INT64', shape: [1, 2], elements: [-(2n ** 63n), 2n ** 63n - 1n], binary: true },
        { name: 'bytes_out', datatype: 'BYTES', shape: [1, 2], elements: ['héllo', ''], binary: true },
        { name: 'bool_out', datatype: 'BOOL', shape: [1, 2], elements: [true, false], binary: false },
      ]);
    }
  });

  it('answers a JSON request that asks for binary outputs in binary, and one that asks for none in JSON', async () => {
    const asked = await inferBinary(inferUrl(affine), { inputs: [affineInput([1, 2, 3, 4], false)], outputs: [{ name: 'y', binary_data: true }] }, { headers: { 'x-switchyard-variant': 'champion' } });
    expect(asked.headers.get('content-type')).toBe('application/octet-stream');
    expect(asked.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: [1, 4], elements: [2, 3, 4, 5], binary: true }]);
    // A binary request whose outputs are all JSON gets a plain JSON answer.
    const json = await inferBinary(inferUrl(affine), { inputs: [affineInput([1, 2, 3, 4])] }, { headers: { 'x-switchyard-variant': 'champion' } });
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(json.headers.get('inference-header-content-length')).toBeNull();
    expect(json.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: [1, 4], elements: [2, 3, 4, 5], binary: false }]);
  });

  it('routes as JSON does: the same variant per routing key, pins, an explicit version, and the routing headers', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `caller-${i}`);
    const viaJson = await Promise.all(
      keys.map((key) =>
        call(inferUrl(affine), { method: 'POST', json: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [0, 0, 0, 0] }] }, headers: { 'x-routing-key': key } }),
      ),
    );
    const viaBinary = await Promise.all(keys.map((key) => inferBinary(inferUrl(affine), affineRequest(), { headers: { 'x-routing-key': key } })));
    const variants = (answers: Array<{ headers: Headers }>) => answers.map((a) => a.headers.get('x-switchyard-variant'));
    expect(variants(viaBinary)).toEqual(variants(viaJson));
    expect(new Set(variants(viaBinary))).toEqual(new Set(['champion', 'challenger']));
    // What each answer computed agrees with the version its headers name.
    for (const answer of viaBinary) {
      const version = Number(answer.headers.get('x-switchyard-version'));
      expect(answer.outputs[0].elements).toEqual([version, version, version, version]);
      expect(answer.json.model_version).toBe(String(version));
      expect(answer.headers.get('x-switchyard-model')).toBe(affine);
    }

    const pinned = await inferBinary(inferUrl(affine), affineRequest(), { headers: { 'x-switchyard-variant': 'challenger', 'x-request-id': 'bin-pin-1' } });
    expect([pinned.headers.get('x-switchyard-variant'), pinned.headers.get('x-switchyard-version'), pinned.headers.get('x-request-id')]).toEqual(['challenger', '2', 'bin-pin-1']);
    expectError(await inferBinary(inferUrl(affine), affineRequest(), { headers: { 'x-switchyard-variant': 'canary' } }), 400);
    // Version 3 holds no alias: it is loaded on request.
    const version3 = await inferBinary(`${gateway.url}/v2/models/${affine}/versions/3/infer`, affineRequest());
    expect(version3.outputs[0].elements).toEqual([3, 3, 3, 3]);
    expect(version3.headers.get('x-switchyard-version')).toBe('3');
  });

  it('batches concurrent binary requests when the model asks for it, each caller getting its own rows back', async () => {
    const model = await createModel(registry.url, 'bin-batch');
    await uploadReadyVersion(registry.url, model, buildAffine({ scale: 1, bias: 1, features: 4 }), stack.databaseUrl);
    expect((await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    expect((await call(`${registry.url}/v1/models/${model}`, { method: 'PATCH', json: { batching: { max_batch_size: 8, max_delay_ms: 200 } } })).status).toBe(200);
    await eventually(() => call(`${registry.url}/v1/models/${model}/deployment`), (a) => a.body.rollout.some((r: any) => r.serving_revision === a.body.revision && r.state === 'serving'));
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => inferBinary(inferUrl(model), affineRequest([i, i, i, i]))));
    expect(answers.map((a) => a.outputs[0].elements)).toEqual(Array.from({ length: 8 }, (_, i) => [i + 1, i + 1, i + 1, i + 1]));
    const metrics = (await call<string>(`${gateway.url}/metrics`)).body;
    const count = Number(new RegExp(`switchyard_batch_rows_count\\{model="${model}"\\} (\\d+)`).exec(metrics)?.[1]);
    const sum = Number(new RegExp(`switchyard_batch_rows_sum\\{model="${model}"\\} (\\d+)`).exec(metrics)?.[1]);
    expect(sum).toBe(8);
    expect(count).toBeLessThan(8);
  });

  it('records binary predictions in the prediction log and the metrics, as JSON ones', async () => {
    const requestId = `bin-log-${Date.now()}`;
    const answer = await inferBinary(inferUrl(affine), affineRequest([1, 1, 1, 1]), { headers: { 'x-request-id': requestId, 'x-switchyard-variant': 'champion' } });
    expect(answer.status).toBe(200);
    const client = new Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      const rows = await eventually(
        async () => (await client.query('SELECT model_name, version, variant, status, payload FROM prediction_log WHERE request_id = $1', [requestId])).rows,
        (found) => found.length === 1,
      );
      expect(rows[0]).toMatchObject({ model_name: affine, version: 1, variant: 'champion' });
      expect(rows[0].payload.request.inputs[0]).toEqual({ name: 'x', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } });
      expect(rows[0].payload.response.outputs[0]).toEqual({ name: 'y', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } });
    } finally {
      await client.end();
    }
    const metrics = (await call<string>(`${gateway.url}/metrics`)).body;
    expect(metrics).toMatch(new RegExp(`switchyard_predictions_total\\{model="${affine}",version="1",variant="champion",status="ok"\\} [1-9]`));
    expect(metrics).toMatch(new RegExp(`switchyard_predictions_total\\{model="${everyType}",version="1",variant="[a-z]+",status="ok"\\} [1-9]`));
  });

  it('takes bodies compressed as Triton\'s client sends them (gzip, deflate), binary and JSON, on /v2 and /v1 alike', async () => {
    const request = affineRequest([1, 2, 3, 4]);
    // The whole body is compressed, JSON part and tensors; Inference-Header-Content-Length counts the JSON as sent before compression.
    const { body } = encodeRequest(request);
    for (const [coding, compress] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
      const binary = await inferBinary(inferUrl(affine), request, { body: compress(body), headers: { 'content-encoding': coding, 'x-switchyard-variant': 'champion' } });
      expect([coding, binary.status, binary.outputs[0]?.elements]).toEqual([coding, 200, [2, 3, 4, 5]]);
    }
    const json = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] });
    const oip = await call(inferUrl(affine), { method: 'POST', body: deflateSync(json), headers: { 'content-type': 'application/json', 'content-encoding': 'deflate', 'x-switchyard-variant': 'champion' } });
    expect([oip.status, oip.body.outputs?.[0]?.data]).toEqual([200, [2, 3, 4, 5]]);
    const predict = await call(`${gateway.url}/v1/models/${affine}/predict`, {
      method: 'POST',
      body: gzipSync(JSON.stringify({ instances: [[1, 2, 3, 4]] })),
      headers: { 'content-type': 'application/json', 'content-encoding': 'GZIP', 'x-switchyard-variant': 'champion' },
    });
    expect([predict.status, predict.body.outputs?.y]).toEqual([200, [[2, 3, 4, 5]]]);
  });

  it('refuses a coding it does not decode (415), a body that does not decode (400) and one that inflates past the limit (413)', async () => {
    const { body } = encodeRequest(affineRequest());
    expectError(await inferBinary(inferUrl(affine), affineRequest(), { body, headers: { 'content-encoding': 'compress' } }), 415, 'Content-Encoding "compress"', 'gzip, deflate or br');
    expectError(await inferBinary(inferUrl(affine), affineRequest(), { body, headers: { 'content-encoding': 'gzip' } }), 400, 'does not decode as gzip');
    // 16 times the limit of zeros compresses to a few KiB: refused once decoding passes the limit.
    const bomb = gzipSync(Buffer.alloc(BODY_LIMIT * 16));
    expect(bomb.length).toBeLessThan(BODY_LIMIT);
    expectError(await inferBinary(inferUrl(affine), affineRequest(), { body: bomb, headers: { 'content-encoding': 'gzip' } }), 413, 'decoded from gzip', String(BODY_LIMIT));
    const predict = await call(`${gateway.url}/v1/models/${affine}/predict`, { method: 'POST', body: '{"instances": [[0, 0, 0, 0]]}', headers: { 'content-type': 'application/json', 'content-encoding': 'zstd' } });
    expect([predict.status, predict.headers.get('content-type'), predict.body.detail]).toEqual([415, expect.stringContaining('application/problem+json'), expect.stringContaining('Content-Encoding "zstd"')]);
    expect((await inferBinary(inferUrl(affine), affineRequest())).status).toBe(200);
  });

  it('answers bad input with a 400 naming what to fix, and serves the next request', async () => {
    const url = inferUrl(everyType);
    const good = everyInputs();
    const withInput = (datatype: Datatype, change: Partial<ClientInput>) => good.map((input) => (input.datatype === datatype ? { ...input, ...change } : input));
    const asBinary = { binary_data_output: true };

    // binary_data_size that does not match shape × datatype size.
    expectError(await inferBinary(url, { inputs: withInput('FP32', { rawBytes: new Uint8Array(12) }), parameters: asBinary }), 400, 'inputs[10].parameters.binary_data_size', '12 bytes', '8 bytes');
    // A header length past the end of the body, or not a number.
    const { body } = encodeRequest({ inputs: good, parameters: asBinary });
    expectError(await inferBinary(url, { inputs: good }, { body, headerLength: String(body.length + 1) }), 400, 'Inference-Header-Content-Length', 'past the end');
    expectError(await inferBinary(url, { inputs: good }, { body, headerLength: 'abc' }), 400, 'Inference-Header-Content-Length');
    // A missing binary part: the JSON alone, its inputs still claiming bytes.
    const jsonOnly = body.subarray(0, encodeRequest({ inputs: good, parameters: asBinary }).headerLength);
    expectError(await inferBinary(url, { inputs: good }, { body: jsonOnly, headerLength: String(jsonOnly.length) }), 400, 'binary_data_size', 'only 0 remain');
    // The same JSON sent as plain JSON, with no binary part at all.
    expectError(await inferBinary(url, { inputs: good }, { body: jsonOnly, headerLength: null, contentType: 'application/json' }), 400, 'this request has no binary part', 'Inference-Header-Content-Length');
    // BYTES lengths that run past the end of the tensor.
    const overlong = Buffer.concat([tensorBytes('BYTES', ['ab']), Buffer.from([200, 0, 0, 0, 1])]);
    expectError(await inferBinary(url, { inputs: withInput('BYTES', { rawBytes: overlong }), parameters: asBinary }), 400, 'BYTES element 1', '200 bytes');
    // A NUL in a BYTES element, binary or JSON: onnxruntime would cut the string there, so it is refused, not served cut.
    const nul = ['ok', 'a\u0000b'];
    expectError(await inferBinary(url, { inputs: withInput('BYTES', { elements: nul }), parameters: asBinary }), 400, 'inputs[12]', 'BYTES element 1 holds a NUL character');
    expectError(await inferBinary(url, { inputs: withInput('BYTES', { elements: nul, binary: false }), parameters: asBinary }), 400, 'inputs[12].data[1]', 'holds a NUL character');
    // FP16 as JSON, in (data) and out (not asked for as binary).
    expectError(await inferBinary(url, { inputs: withInput('FP16', { binary: false }), parameters: asBinary }), 400, 'inputs[9].data', 'FP16', 'binary');
    expectError(await inferBinary(url, { inputs: good }), 400, 'output "fp16_out" is FP16', 'binary_data');
    // Unknown parameters, in a binary request and in a JSON one.
    expectError(await inferBinary(url, { inputs: good, parameters: { ...asBinary, priority: 1 } }), 400, 'parameters.priority', 'unknown parameter');
    const jsonUnknown = await call(inferUrl(affine), { method: 'POST', json: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [0, 0, 0, 0], parameters: { shared_memory_region: 'r' } }] } });
    expect({ status: jsonUnknown.status, error: jsonUnknown.body.error }).toEqual({ status: 400, error: expect.stringContaining('inputs[0].parameters.shared_memory_region: unknown parameter') });
    // A malformed JSON part, and a body over the limit (refused while reading, before it is held whole).
    expectError(await inferBinary(url, { inputs: good }, { body: Buffer.from('{"inputs": [\x00\x01'), headerLength: '13' }), 400);
    expectError(await inferBinary(url, { inputs: [{ name: 'fp32', datatype: 'FP32', shape: [1, BODY_LIMIT], elements: new Array(BODY_LIMIT).fill(0) }] }), 413);

    const after = await inferBinary(url, { inputs: good, parameters: asBinary });
    expect(after.status).toBe(200);
    expect(after.outputs.map((output) => output.elements)).toEqual(EVERY.map(({ elements }) => elements));
  });
});
