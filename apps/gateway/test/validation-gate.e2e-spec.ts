import { buildMlp, buildMovingSum, buildReflectPad, buildReshapeThatNeverFits, buildRowsOf } from '@switchyard/onnx/testing';
import { eventually } from '../../../test/support/artifacts';
import { call, uploadForm } from '../../../test/support/client';
import { createModel } from '../../../test/support/fixtures';
import { type RunningApp, startWorker } from '../../../test/support/http-app';
import { type ServingStack, startServingStack } from '../../../test/support/serving-stack';

/**
 * Uploads that nobody on the project shaped for the old gate (models whose dynamic dimensions need a
 * size above 1, a model no synthetic input fits, uploads with an input example) go through the real
 * validation job and are then served by a gateway: from upload to prediction, nothing set by hand.
 */
describe('validation gate to gateway', () => {
  let stack: ServingStack;
  let registry: RunningApp;
  let gateway: RunningApp;
  let worker: RunningApp;

  beforeAll(async () => {
    stack = await startServingStack({ DEPLOYMENT_POLL_MS: '500' });
    ({ registry, gateway } = stack);
    worker = await startWorker({
      DATABASE_URL: stack.databaseUrl,
      REDIS_PREFIX: stack.redisPrefix,
      ARTIFACT_STORE_URL: stack.storeUrl,
      PENDING_SWEEP_INTERVAL_MS: '3600000',
    });
  });
  afterAll(async () => {
    await worker.close();
    await stack.close();
  });

  /** Uploads, waits for validation, makes the version champion and waits until the gateway serves that revision. */
  async function deploy(bytes: Uint8Array, metadata?: Record<string, unknown>): Promise<{ model: string; version: Record<string, any> }> {
    const model = await createModel(registry.url, 'gate');
    const uploaded = await call(`${registry.url}/v1/models/${model}/versions`, {
      method: 'POST',
      body: uploadForm(bytes, metadata === undefined ? undefined : JSON.stringify(metadata)),
    });
    expect(uploaded.status).toBe(201);
    const version = (
      await eventually(
        () => call(`${registry.url}/v1/models/${model}/versions/1`),
        (answer) => answer.body.status !== 'pending',
        30_000,
      )
    ).body;
    expect(version.status).toBe('ready');
    expect((await call(`${registry.url}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
    const deployment = await eventually(
      () => call(`${registry.url}/v1/models/${model}/deployment`),
      (answer) => answer.body.rollout?.some((replica: any) => replica.serving_revision === answer.body.revision || replica.state === 'failed'),
      30_000,
    );
    expect(deployment.body.rollout[0]).toMatchObject({ state: 'serving', champion: 1, reason: null });
    return { model, version };
  }

  const predict = (model: string, body: unknown) => call(`${gateway.url}/v1/models/${model}/predict`, { method: 'POST', json: body });

  it.each([
    ['a reflect Pad of 2 over a dynamic length', () => buildReflectPad(2), { inputs: { x: [[1, 2, 3]] } }, { y: [[3, 2, 1, 2, 3, 2, 1]] }],
    ['a Conv with kernel 3 over a dynamic length', () => buildMovingSum(3), { inputs: { x: [[[1, 2, 3, 4]]] } }, { y: [[[6, 9]]] }],
    ['a Reshape of a dynamic length to [-1, 4]', () => buildRowsOf(4), { instances: [1, 2, 3, 4, 5, 6, 7, 8] }, { y: [[1, 2, 3, 4], [5, 6, 7, 8]] }],
  ])('validates and serves %s, with its signature', async (_case, build, request, outputs) => {
    const { model, version } = await deploy(build());
    expect(version.signature.inputs[0]).toMatchObject({ name: 'x', datatype: 'FP32' });
    expect(version.validation.warnings).toEqual([]);
    const answer = await predict(model, request);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ outputs, version: 1, variant: 'champion' });
  });

  it('hands the input example to the gateway, which warms the version with it and serves it', async () => {
    const input_example = { inputs: { x: [[5, 6, 7, 8, 9]] } };
    const { model, version } = await deploy(buildReflectPad(2), { input_example });
    expect(version).toMatchObject({ metadata: { input_example }, validation: { smoke_input: 'input_example' } });
    const deployments = (await call(`${registry.url}/v1/deployments`)).body;
    const listed = (deployments.items ?? deployments).find((item: any) => item.model === model);
    expect(listed.champion.input_example).toEqual(input_example);
    expect((await predict(model, input_example)).body.outputs).toEqual({ y: [[7, 6, 5, 6, 7, 8, 9, 8, 7]] });
  });

  it('serves a version validated ready with warnings (it loads, no synthetic input ran), unwarmed', async () => {
    const { model, version } = await deploy(buildReshapeThatNeverFits());
    expect(version.validation.warnings.length).toBeGreaterThan(0);
    expect(version.signature.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [-1, 4] }]);
    // Inputs that fit the signature but not the model are the caller's to fix: a 400 naming the node,
    // on /v1 as problem+json and on /v2 as the protocol's {"error"}; never a 500.
    const refused = await predict(model, { instances: [[1, 2, 3, 4]] });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: '/problems/inference-failed', detail: expect.stringContaining('the Reshape node') });
    const infer = await call(`${gateway.url}/v2/models/${model}/infer`, {
      method: 'POST',
      json: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
    });
    expect(infer.status).toBe(400);
    expect(infer.body.error).toContain('could not run on these inputs: the Reshape node');
  });

  it('keeps an ordinary MLP with a dynamic batch at the first, smallest guess', async () => {
    const { model, version } = await deploy(buildMlp({ layers: [8, 16, 2], seed: 11 }));
    expect(version.validation.smoke_input).toBe('input [1, 8] (zeros)');
    expect((await predict(model, { instances: [[0, 0, 0, 0, 0, 0, 0, 0]] })).status).toBe(200);
  });

  it('documents input_example and validation.warnings in the registry\'s OpenAPI', async () => {
    const schemas = (await call(`${registry.url}/openapi.json`)).body.components.schemas;
    expect(schemas.VersionResponse.properties.metadata.$ref).toBe('#/components/schemas/VersionMetadataResponse');
    expect(schemas.VersionMetadataResponse.properties.input_example).toMatchObject({ type: 'object' });
    expect(schemas.ValidationResponse.properties.warnings).toMatchObject({ type: 'array', items: { type: 'string' } });
    expect(schemas.ValidationResponse.properties.smoke_input).toMatchObject({ type: 'string', nullable: true });
    expect(schemas.LoadableVersion.properties.input_example).toMatchObject({ type: 'object', nullable: true });
  });
});
