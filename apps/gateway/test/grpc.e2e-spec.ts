import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { Client as GrpcClient, credentials, loadPackageDefinition, makeGenericClientConstructor, Metadata, type ServiceDefinition, type ServiceError, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';
import { buildAffine, buildEveryDatatypeModel, buildMultiTypeModel } from '@switchyard/onnx/testing';
import { eventually } from '../../../test/support/artifacts';
import { call } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { type RunningApp, startWorker } from '../../../test/support/http-app';
import { createKey } from '../../../test/support/keys';
import { freePort } from '../../../test/support/processes';
import { type ServingStack, startServingStack } from '../../../test/support/serving-stack';

/**
 * The gateway's gRPC Open Inference Protocol, driven as Triton's and KServe's gRPC clients drive it:
 * stubs loaded with @grpc/proto-loader from the committed .proto, raw contents written here with
 * DataView, never with the server's codec.
 */
const PROTO = path.join(__dirname, '..', 'proto', 'open_inference_grpc.proto');
const MAX_BODY = 64 * 1024;

interface Reply {
  response?: any;
  error?: ServiceError;
  headers: Record<string, string>;
}

function le32(values: number[]): Buffer {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return Buffer.from(view.buffer);
}

function readLe32(bytes: Buffer): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

describe('gRPC Open Inference Protocol', () => {
  jest.setTimeout(120_000);
  let stack: ServingStack;
  let worker: RunningApp;
  let stub: any;
  let affine: string;
  let grpcPort: number;

  beforeAll(async () => {
    grpcPort = await freePort();
    stack = await startServingStack({
      GATEWAY_GRPC_PORT: String(grpcPort),
      GATEWAY_MAX_BODY_BYTES: String(MAX_BODY),
      GATEWAY_MAX_ELEMENTS: '1000',
      DEPLOYMENT_POLL_MS: '300',
      PREDICTION_LOG_FLUSH_MS: '50',
      PREDICTION_LOG_PAYLOAD_SAMPLE_RATE: '1',
    });
    worker = await startWorker({ DATABASE_URL: stack.databaseUrl, REDIS_PREFIX: stack.redisPrefix, ARTIFACT_STORE_URL: stack.storeUrl, PREDICTION_LOG_CLAIM_IDLE_MS: '1000' });
    const definition = loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    const inference = (loadPackageDefinition(definition) as any).inference;
    stub = new inference.GRPCInferenceService(`127.0.0.1:${grpcPort}`, credentials.createInsecure());

    affine = await createModel(stack.registry.url, 'grpc-affine');
    for (const bias of [1, 2]) await uploadReadyVersion(stack.registry.url, affine, buildAffine({ scale: 1, bias, features: 4 }), stack.databaseUrl);
    await setAlias(affine, 'champion', 1);
    await eventually(() => rpc('ModelReady', { name: affine }), (reply) => reply.response?.ready === true, 30_000);
  });
  afterAll(async () => {
    stub?.close();
    await worker?.close();
    await stack?.close();
  });

  const setAlias = async (model: string, alias: string, version: number) =>
    expect((await call(`${stack.registry.url}/v1/models/${model}/aliases/${alias}`, { method: 'PUT', json: { version } })).status).toBe(200);

  /** One unary call with metadata; the admin key unless `key` says otherwise (null: none). */
  function rpc(method: string, request: unknown, options: { key?: string | null; metadata?: Record<string, string> } = {}): Promise<Reply> {
    const metadata = new Metadata();
    const key = options.key === undefined ? process.env.SWITCHYARD_BOOTSTRAP_ADMIN_KEY : options.key;
    if (key !== null && key !== undefined) metadata.set('authorization', `Bearer ${key}`);
    for (const [name, value] of Object.entries(options.metadata ?? {})) metadata.set(name, value);
    return new Promise((resolve) => {
      const headers: Record<string, string> = {};
      const collect = (received: Metadata) => {
        for (const [name, value] of Object.entries(received.getMap())) headers[name] = String(value);
      };
      const pending = stub[method](request, metadata, (error: ServiceError | null, response: unknown) => {
        if (error) collect(error.metadata);
        resolve(error ? { error, headers } : { response, headers });
      });
      pending.on('metadata', collect);
    });
  }

  const typedX = (rows: number[][]) => ({ name: 'x', datatype: 'FP32', shape: [rows.length, 4], contents: { fp32_contents: rows.flat() } });
  const infer = (request: Record<string, unknown>, options?: Parameters<typeof rpc>[2]) => rpc('ModelInfer', { model_name: affine, ...request }, options);
  const expectStatus = (reply: Reply, code: status, message: RegExp | string) => {
    expect(reply.error?.code).toBe(code);
    if (typeof message === 'string') expect(reply.error?.details).toContain(message);
    else expect(reply.error?.details).toMatch(message);
  };
  const served = async () => {
    const reply = await infer({ inputs: [typedX([[0, 0, 0, 0]])] });
    expect(reply.response?.outputs?.[0]?.contents?.fp32_contents).toHaveLength(4);
  };

  it('answers ServerLive, ServerReady and ServerMetadata without a key, ModelReady and ModelMetadata with one', async () => {
    expect((await rpc('ServerLive', {}, { key: null })).response).toEqual({ live: true });
    expect((await eventually(() => rpc('ServerReady', {}, { key: null }), (reply) => reply.response?.ready === true)).response).toEqual({ ready: true });
    expect((await rpc('ServerMetadata', {}, { key: null })).response).toEqual({ name: 'switchyard', version: '0.1.0', extensions: ['binary_tensor_data'] });
    expect((await rpc('ModelReady', { name: affine, version: '2' })).response).toEqual({ ready: true });
    const metadata = (await rpc('ModelMetadata', { name: affine })).response;
    expect(metadata).toEqual({
      name: affine,
      versions: ['1'],
      platform: 'onnx_onnxv1',
      inputs: [{ name: 'x', datatype: 'FP32', shape: ['-1', '4'] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: ['-1', '4'] }],
      properties: {},
    });
    expectStatus(await rpc('ModelMetadata', { name: 'no-such-model' }), status.NOT_FOUND, 'no-such-model');
    expectStatus(await rpc('ModelReady', { name: affine, version: '9' }), status.NOT_FOUND, 'no version 9');
  });

  it("serves gRPC's standard health service without a key: SERVING once every champion is loaded, NOT_FOUND for another service", async () => {
    const Health = makeGenericClientConstructor(healthService as ServiceDefinition, 'Health');
    const health = new Health(`127.0.0.1:${grpcPort}`, credentials.createInsecure()) as any;
    try {
      const check = (service: string) =>
        new Promise<{ status?: string; code?: number }>((resolve) =>
          health.check({ service }, (error: ServiceError | null, response: { status: string }) => resolve(error ? { code: error.code } : { status: response.status })),
        );
      expect(await eventually(() => check(''), (answer) => answer.status === 'SERVING')).toEqual({ status: 'SERVING' });
      expect(await check('inference.GRPCInferenceService')).toEqual({ status: 'SERVING' });
      expect(await check('no.such.Service')).toEqual({ code: status.NOT_FOUND });
    } finally {
      health.close();
    }
  });

  it('infers with typed contents and answers typed, with model, version, variant and request id as metadata', async () => {
    const reply = await infer({ id: 'call-1', inputs: [typedX([[1, 2, 3, 4], [5, 6, 7, 8]])] }, { metadata: { 'x-request-id': 'grpc-req-1' } });
    expect(reply.response).toMatchObject({
      model_name: affine,
      model_version: '1',
      id: 'call-1',
      outputs: [{ name: 'y', datatype: 'FP32', shape: ['2', '4'], contents: { fp32_contents: [2, 3, 4, 5, 6, 7, 8, 9] } }],
      raw_output_contents: [],
    });
    expect(reply.headers).toMatchObject({ 'x-switchyard-model': affine, 'x-switchyard-version': '1', 'x-switchyard-variant': 'champion', 'x-request-id': 'grpc-req-1' });
  });

  it('infers with raw_input_contents and answers raw_output_contents', async () => {
    const reply = await infer({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [le32([0.5, -1, 2, 3])] });
    expect(reply.response.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: ['1', '4'], parameters: {}, contents: null }]);
    expect(reply.response.raw_output_contents).toHaveLength(1);
    expect(readLe32(reply.response.raw_output_contents[0])).toEqual([1.5, 0, 3, 4]);
  });

  it('carries every typed contents field: int64 beyond 2^53 exactly, bool, double, int32, uint8 and a scalar', async () => {
    const model = await createModel(stack.registry.url, 'grpc-types');
    await uploadReadyVersion(stack.registry.url, model, buildMultiTypeModel(), stack.databaseUrl);
    await setAlias(model, 'champion', 1);
    await eventually(() => rpc('ModelReady', { name: model }), (reply) => reply.response?.ready === true);
    const reply = await rpc('ModelInfer', {
      model_name: model,
      inputs: [
        { name: 'f', datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [1, 2, 3] } },
        { name: 'i', datatype: 'INT64', shape: [1], contents: { int64_contents: ['9007199254740993'] } },
        { name: 'b', datatype: 'BOOL', shape: [1], contents: { bool_contents: [true] } },
        { name: 's', datatype: 'FP32', shape: [], contents: { fp32_contents: [2.5] } },
        { name: 'd', datatype: 'FP64', shape: [1, 2], contents: { fp64_contents: [1.5, -2] } },
        { name: 'n', datatype: 'INT32', shape: [1], contents: { int_contents: [7] } },
        { name: 'u', datatype: 'UINT8', shape: [1], contents: { uint_contents: [255] } },
      ],
    });
    const outputs = Object.fromEntries(reply.response.outputs.map((o: any) => [o.name, [o.datatype, o.shape, Object.entries(o.contents).find(([, v]) => (v as unknown[]).length > 0)]]));
    expect(outputs).toEqual({
      f_out: ['FP32', ['1', '3'], ['fp32_contents', [2, 4, 6]]],
      i_out: ['INT64', ['1'], ['int64_contents', ['9007199254740994']]],
      b_out: ['BOOL', ['1'], ['bool_contents', [false]]],
      s_out: ['FP32', [], ['fp32_contents', [2.5]]],
      d_out: ['FP64', ['1', '2'], ['fp64_contents', [1.5, -2]]],
      n_out: ['INT32', ['1'], ['int_contents', [7]]],
      u_out: ['UINT8', ['1'], ['uint_contents', [255]]],
    });
  });

  it('carries BYTES elements unchanged as raw contents, and refuses one a string tensor would alter (not UTF-8, a NUL)', async () => {
    const model = await createModel(stack.registry.url, 'grpc-bytes');
    await uploadReadyVersion(stack.registry.url, model, buildEveryDatatypeModel(), stack.databaseUrl);
    await setAlias(model, 'champion', 1);
    await eventually(() => rpc('ModelReady', { name: model }), (reply) => reply.response?.ready === true);
    const framed = (...elements: Buffer[]) => Buffer.concat(elements.flatMap((element) => [Buffer.from(Uint32Array.of(element.length).buffer), element]));
    // Every input [1, 2], zeros but for BYTES (raw contents go for all inputs or none).
    const SIZES: Record<string, number> = { BOOL: 1, UINT8: 1, UINT16: 2, UINT32: 4, UINT64: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8, FP16: 2, FP32: 4, FP64: 8 };
    const inferBytes = (bytes: Buffer) =>
      rpc('ModelInfer', {
        model_name: model,
        inputs: [...Object.keys(SIZES), 'BYTES'].map((datatype) => ({ name: datatype.toLowerCase(), datatype, shape: [1, 2] })),
        raw_input_contents: [...Object.values(SIZES).map((size) => Buffer.alloc(2 * size)), bytes],
      });
    const answered = await inferBytes(framed(Buffer.from('\uFEFFhé'), Buffer.from('')));
    const bytesOut = answered.response.outputs.findIndex((output: any) => output.name === 'bytes_out');
    expect(answered.response.raw_output_contents[bytesOut]).toEqual(framed(Buffer.from('\uFEFFhé'), Buffer.from('')));
    expectStatus(await inferBytes(framed(Buffer.from('ok'), Buffer.from([0x61, 0xff]))), status.INVALID_ARGUMENT, 'element 1 is not UTF-8 text');
    expectStatus(await inferBytes(framed(Buffer.from('a\u0000b'), Buffer.from(''))), status.INVALID_ARGUMENT, 'element 0 holds a NUL character (U+0000)');
  });

  it('routes as over HTTP: sticky x-routing-key, x-switchyard-variant pin, model_version, and names what served', async () => {
    const model = await createModel(stack.registry.url, 'grpc-routing');
    for (const bias of [1, 2]) await uploadReadyVersion(stack.registry.url, model, buildAffine({ scale: 1, bias, features: 4 }), stack.databaseUrl);
    await setAlias(model, 'champion', 1);
    await setAlias(model, 'challenger', 2);
    const { revision } = (await call(`${stack.registry.url}/v1/models/${model}/deployment`)).body;
    expect((await call(`${stack.registry.url}/v1/models/${model}/traffic`, { method: 'PUT', json: { challenger_percent: 50 }, headers: { 'if-match': `"${revision}"` } })).status).toBe(200);
    const ask = (metadata: Record<string, string>, version?: string) =>
      rpc('ModelInfer', { model_name: model, model_version: version ?? '', inputs: [typedX([[0, 0, 0, 0]])] }, { metadata });
    // A pinned challenger answers as soon as the challenger's revision (still at 0 %) serves: wait for
    // the revision with the 50 % split, or a key's requests below could straddle the swap to it.
    await eventually(
      () => call(`${stack.registry.url}/v1/models/${model}/deployment`),
      (answer) => answer.body.rollout.some((replica: any) => replica.serving_revision === answer.body.revision),
    );
    await eventually(() => ask({ 'x-switchyard-variant': 'challenger' }), (reply) => reply.headers['x-switchyard-variant'] === 'challenger');

    const pinned = await ask({ 'x-switchyard-variant': 'challenger' });
    expect([pinned.response.model_version, pinned.headers['x-switchyard-version'], pinned.response.outputs[0].contents.fp32_contents]).toEqual(['2', '2', [2, 2, 2, 2]]);
    const byVersion = await ask({}, '1');
    expect([byVersion.headers['x-switchyard-version'], byVersion.headers['x-switchyard-variant']]).toEqual(['1', 'pinned']);
    // The same routing key gets the same variant every time, and over HTTP the same one as over gRPC.
    for (const key of ['alice', 'bob', 'carol']) {
      const variants = new Set<string>();
      for (let i = 0; i < 5; i++) variants.add((await ask({ 'x-routing-key': key })).headers['x-switchyard-variant']);
      const http = await call(`${stack.gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: { instances: [[0, 0, 0, 0]] }, headers: { 'x-routing-key': key } });
      expect([key, [...variants]]).toEqual([key, [http.body.variant]]);
    }
    expectStatus(await ask({ 'x-switchyard-variant': 'nobody' }), status.INVALID_ARGUMENT, 'X-Switchyard-Variant');
    expectStatus(await ask({}, '9'), status.NOT_FOUND, 'no version 9');
    expectStatus(await ask({}, 'latest'), status.NOT_FOUND, 'has no version "latest"');
  });

  it('records each prediction in the prediction log and the metrics, as for HTTP', async () => {
    const requestId = `grpc-log-${Date.now()}`;
    const reply = await infer({ inputs: [typedX([[1, 1, 1, 1]])] }, { metadata: { 'x-request-id': requestId } });
    expect(reply.error).toBeUndefined();
    const client = new Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      const rows = await eventually(
        async () => (await client.query('SELECT model_name, variant, status, payload FROM prediction_log WHERE request_id = $1', [requestId])).rows,
        (found) => found.length === 1,
      );
      expect(rows[0]).toMatchObject({ model_name: affine, variant: 'champion', status: 200 });
      expect(rows[0].payload.response.outputs[0].contents.fp32_contents).toEqual([2, 2, 2, 2]);
    } finally {
      await client.end();
    }
    const metrics = await call<string>(`${stack.gateway.url}/metrics`);
    expect(metrics.body).toMatch(new RegExp(`switchyard_predictions_total\\{model="${affine}",version="1",variant="champion",status="ok"\\} [1-9]`));
  });

  it('takes the same keys as HTTP: none or a bad one is UNAUTHENTICATED, a wrong role or model PERMISSION_DENIED', async () => {
    const predictor = await createKey(stack.registry.url, ['predict'], { models: [affine] });
    const viewer = await createKey(stack.registry.url, ['viewer']);
    const elsewhere = await createKey(stack.registry.url, ['predict'], { models: ['some-other-model'] });
    const request = { inputs: [typedX([[0, 0, 0, 0]])] };
    // The gateway reads the registry's whole key mirror at once: once it knows the last key made, it knows all three.
    await eventually(() => infer(request, { key: elsewhere.key }), (reply) => reply.error?.code === status.PERMISSION_DENIED);

    const anonymous = await infer(request, { key: null });
    expectStatus(anonymous, status.UNAUTHENTICATED, 'Authorization: Bearer <key>');
    expect(anonymous.headers['www-authenticate']).toBe('Bearer');
    expectStatus(await infer(request, { key: `${predictor.key.slice(0, -2)}xx` }), status.UNAUTHENTICATED, 'valid API key');
    expectStatus(await infer(request, { key: viewer.key }), status.PERMISSION_DENIED, 'needs the "predict" role');
    expectStatus(await infer(request, { key: elsewhere.key }), status.PERMISSION_DENIED, `may not act on "${affine}"`);
    expectStatus(await rpc('ModelMetadata', { name: affine }, { key: elsewhere.key }), status.PERMISSION_DENIED, `may not act on "${affine}"`);
    expect((await rpc('ModelMetadata', { name: affine }, { key: predictor.key })).response.name).toBe(affine);
  });

  it('shares a key rate limit with HTTP: past the burst, RESOURCE_EXHAUSTED with retry-after', async () => {
    const busy = await createKey(stack.registry.url, ['predict'], { rate_limit_per_second: 0.2, burst: 2 });
    // Created after the busy key: once the gateway knows it, it knows the busy key's limit too.
    const warmup = await createKey(stack.registry.url, ['predict']);
    await eventually(() => infer({ inputs: [typedX([[0, 0, 0, 0]])] }, { key: warmup.key }), (reply) => reply.response !== undefined);
    const http = await call(`${stack.gateway.url}/v1/models/${affine}/predict`, { method: 'POST', json: { instances: [[0, 0, 0, 0]] }, key: busy.key });
    expect(http.status).toBe(200);
    expect((await infer({ inputs: [typedX([[0, 0, 0, 0]])] }, { key: busy.key })).error).toBeUndefined();
    const limited = await infer({ inputs: [typedX([[0, 0, 0, 0]])] }, { key: busy.key });
    expectStatus(limited, status.RESOURCE_EXHAUSTED, 'over its rate limit');
    expect(limited.headers['retry-after']).toBe('5');
  });

  it('refuses bad inputs with INVALID_ARGUMENT naming what to fix, and serves the next request', async () => {
    const x = { name: 'x', datatype: 'FP32', shape: [1, 4] };
    const cases: [string, Record<string, unknown>, string][] = [
      ['raw bytes not matching shape × datatype', { inputs: [x], raw_input_contents: [le32([1, 2, 3])] }, 'raw_input_contents[0]: has 12 bytes, but input "x" (FP32 [1, 4]) takes 4 × 4 = 16 bytes'],
      ['a missing input', { inputs: [] }, 'inputs: missing input "x" (FP32 [-1, 4])'],
      ['an input the model lacks', { inputs: [typedX([[0, 0, 0, 0]]), { ...x, name: 'z', contents: { fp32_contents: [0, 0, 0, 0] } }] }, 'inputs[1].name: "z" is not an input of this model; its inputs are x'],
      ['a typed count not matching the shape', { inputs: [{ ...x, contents: { fp32_contents: [1, 2] } }] }, 'inputs[0].contents.fp32_contents: has 2 elements, but shape [1, 4] holds 4'],
      ['the wrong contents field', { inputs: [{ ...x, contents: { fp64_contents: [1, 2, 3, 4] } }] }, 'its elements go in fp32_contents, not fp64_contents'],
      ['a wrong datatype', { inputs: [{ ...x, datatype: 'INT32', contents: { int_contents: [1, 2, 3, 4] } }] }, 'inputs[0].datatype: input "x" is FP32, not INT32'],
      ['a wrong shape', { inputs: [{ ...x, shape: [1, 3], contents: { fp32_contents: [1, 2, 3] } }] }, 'inputs[0].shape: input "x": dimension 1 must be 4'],
      ['an unknown parameter', { inputs: [typedX([[0, 0, 0, 0]])], parameters: { binary_data_output: { bool_param: true } } }, 'parameters.binary_data_output: "binary_data_output" is not a parameter this server knows; remove it'],
      ['more raw entries than inputs', { inputs: [x], raw_input_contents: [le32([1, 2, 3, 4]), le32([1])] }, 'raw_input_contents: has 2 entries for 1 inputs'],
      ['too many elements', { inputs: [typedX(Array.from({ length: 300 }, () => [0, 0, 0, 0]))] }, '1200 elements in all exceed the limit of 1000'],
    ];
    for (const [what, request, message] of cases) {
      const reply = await infer(request);
      expect([what, reply.error?.code, reply.error?.details]).toEqual([what, status.INVALID_ARGUMENT, expect.stringContaining(message)]);
      await served();
    }
    expectStatus(await rpc('ModelInfer', { model_name: 'no-such-model', inputs: [typedX([[0, 0, 0, 0]])] }), status.NOT_FOUND, 'no-such-model');
    const badId = await infer({ inputs: [typedX([[0, 0, 0, 0]])] }, { metadata: { 'x-request-id': 'has space' } });
    expectStatus(badId, status.INVALID_ARGUMENT, 'x-request-id metadata must be');
    expect(badId.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // Past GATEWAY_MAX_BODY_BYTES, grpc-js refuses the message before anything decodes it.
    const huge = await infer({ inputs: [x], raw_input_contents: [Buffer.alloc(MAX_BODY + 1)] });
    expect(huge.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    await served();
  });

  it('refuses a message that is not valid protobuf with INVALID_ARGUMENT, a string cut short at its end too', async () => {
    const method = stub.constructor.service.ModelInfer;
    const client = new GrpcClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    const send = (bytes: Buffer, key: string | null = process.env.SWITCHYARD_BOOTSTRAP_ADMIN_KEY!): Promise<Reply> =>
      new Promise((resolve) => {
        const metadata = new Metadata();
        if (key !== null) metadata.set('authorization', `Bearer ${key}`);
        client.makeUnaryRequest(method.path, (raw: Buffer) => raw, method.responseDeserialize, bytes, metadata, (error: ServiceError | null, response: unknown) =>
          resolve(error ? { error, headers: {} } : { response, headers: {} }),
        );
      });
    try {
      const valid = method.requestSerialize({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [le32([0, 0, 0, 0])] }) as Buffer;
      // model_name (field 1, length-delimited) declaring 5 bytes more than the message holds.
      const cut = Buffer.concat([valid, Buffer.from([0x0a, affine.length + 5]), Buffer.from(affine)]);
      const whole = Buffer.concat([valid, Buffer.from([0x0a, affine.length]), Buffer.from(affine)]);
      expect((await send(whole)).response?.model_name).toBe(affine);
      const cutShort = await send(cut);
      expect([cutShort.error?.code, cutShort.error?.details]).toEqual([status.INVALID_ARGUMENT, expect.stringMatching(/^the request is not a valid ModelInferRequest message \(index out of range/)]);
      // Field 15 with wire type 7, which does not exist.
      const garbage = await send(Buffer.from([0x7f, 0x01]));
      expect([garbage.error?.code, garbage.error?.details]).toEqual([status.INVALID_ARGUMENT, expect.stringContaining('not a valid ModelInferRequest message (invalid wire type 7')]);
      // The key is checked first, as over HTTP, where the body is read after authentication.
      expect((await send(cut, null)).error?.code).toBe(status.UNAUTHENTICATED);
      await served();
    } finally {
      client.close();
    }
  });
});

const TLS = path.join(__dirname, 'fixtures', 'tls');
const pem = (name: string) => readFileSync(path.join(TLS, name));

/**
 * A serving stack whose gRPC port serves TLS with the gateway's test certificate (and `env` on top),
 * started before the calling describe's tests and closed after them. `unary` makes one call without a
 * key through a client with the given credentials: its response, or the status code it failed with.
 */
function tlsGateway(env: Record<string, string> = {}) {
  let stack: ServingStack | undefined;
  let grpcPort = 0;
  let inference: any;
  beforeAll(async () => {
    grpcPort = await freePort();
    stack = await startServingStack({
      GATEWAY_GRPC_PORT: String(grpcPort),
      GATEWAY_GRPC_TLS_CERT: path.join(TLS, 'localhost.cert.pem'),
      GATEWAY_GRPC_TLS_KEY: path.join(TLS, 'localhost.key.pem'),
      ...env,
    });
    inference = (loadPackageDefinition(loadSync(PROTO, { keepCase: true, defaults: true })) as any).inference;
  });
  afterAll(() => stack?.close());
  return {
    unary(channel: ReturnType<typeof credentials.createInsecure>, method: string, request: unknown): Promise<{ response?: any; code?: status }> {
      const stub = new inference.GRPCInferenceService(`127.0.0.1:${grpcPort}`, channel);
      return new Promise((resolve) =>
        stub[method](request, new Metadata(), { deadline: Date.now() + 10_000 }, (error: ServiceError | null, response: any) => {
          stub.close();
          resolve(error ? { code: error.code } : { response });
        }),
      );
    },
  };
}

describe('gRPC over TLS (GATEWAY_GRPC_TLS_CERT, GATEWAY_GRPC_TLS_KEY)', () => {
  jest.setTimeout(120_000);
  const gateway = tlsGateway();

  /** ServerLive through a client with these credentials: its answer, or the error it got. */
  async function serverLive(channel: ReturnType<typeof credentials.createInsecure>): Promise<{ live?: boolean; code?: status }> {
    const reply = await gateway.unary(channel, 'ServerLive', {});
    return reply.code !== undefined ? { code: reply.code } : { live: reply.response.live };
  }

  it('answers a client that trusts its certificate, and no plaintext client', async () => {
    const trusted = credentials.createSsl(pem('localhost.cert.pem'));
    expect(await serverLive(trusted)).toEqual({ live: true });
    expect(await serverLive(credentials.createInsecure())).toEqual({ code: status.UNAVAILABLE });
  });

  it('is not answered by a client that trusts another authority', async () => {
    // The system's roots: the self-signed certificate is not among them.
    expect(await serverLive(credentials.createSsl())).toEqual({ code: status.UNAVAILABLE });
  });
});

describe('gRPC over mutual TLS (GATEWAY_GRPC_TLS_CLIENT_CA)', () => {
  jest.setTimeout(120_000);
  const { unary } = tlsGateway({ GATEWAY_GRPC_TLS_CLIENT_CA: path.join(TLS, 'client-ca.cert.pem') });
  /** Trusts the gateway's self-signed certificate; presents the client certificate `name`, if any. */
  const client = (name?: string) => (name === undefined ? credentials.createSsl(pem('localhost.cert.pem')) : credentials.createSsl(pem('localhost.cert.pem'), pem(`${name}.key.pem`), pem(`${name}.cert.pem`)));

  it('answers a client presenting a certificate the client CA signed, and still asks it for an API key', async () => {
    const ready = await eventually(() => unary(client('client'), 'ServerReady', {}), (reply) => reply.response?.ready === true);
    expect(ready).toEqual({ response: { ready: true } });
    // The certificate opens the connection only: what a call may do is still the API key's to decide.
    expect(await unary(client('client'), 'ModelMetadata', { name: 'any-model' })).toEqual({ code: status.UNAUTHENTICATED });
  });

  it('refuses at the handshake a client presenting no certificate, or one another CA signed', async () => {
    expect(await unary(client(), 'ServerReady', {})).toEqual({ code: status.UNAVAILABLE });
    expect(await unary(client('other-client'), 'ServerReady', {})).toEqual({ code: status.UNAVAILABLE });
  });
});
