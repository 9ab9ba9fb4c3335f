import { createHash } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import {
  buildAffine,
  buildModelWithCustomDomain,
  buildModelWithDeclaredSize,
  buildModelWithExternalData,
  buildModelWithOpset,
  buildModelWithSequenceInput,
  buildModelThatAllocates,
  buildModelThatLoops,
  buildMlp,
  buildMovingSum,
  buildMultiTypeModel,
  buildReflectPad,
  buildReshapeThatNeverFits,
  buildRowsOf,
  seededBytes,
} from '@switchyard/onnx/testing';
import { dropDatabase } from '@switchyard/persistence';
import { VALIDATE_VERSION_JOB, VALIDATION_JOB_OPTIONS, validationJobId } from '@switchyard/queues';
import { eventually } from '../../../test/support/artifacts';
import { call, uploadForm } from '../../../test/support/client';
import { fileStoreEnv, type RunningApp, s3StoreEnv } from '../../../test/support/http-app';
import { freePort } from '../../../test/support/processes';
import { testRun } from '../../../test/support/test-env';
import { TcpProxy } from './tcp-proxy';
import { createIsolatedDatabase } from '../../../test/support/isolation';
import { metricValue, ValidationStack } from './validation-stack';

const RUNTIME = `onnxruntime-node ${ort.env.versions.node}`;
const jobs = (outcome: string) => `switchyard_validation_jobs_total{outcome="${outcome}"}`;

/** Where the file store keeps a version's bytes. */
function storedPath(version: Record<string, any>, storeEnv: Record<string, string>): string {
  return `${storeEnv.ARTIFACT_STORE_URL.slice('file://'.length)}/models/${version.model}/${version.version}/model.onnx`;
}

describe('artifact validation (worker)', () => {
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
  });
  afterAll(() => dropDatabase(databaseUrl));

  describe.each([
    ['file', fileStoreEnv],
    ['s3', s3StoreEnv],
  ])('a loadable model (%s store)', (_store, storeEnv) => {
    let stack: ValidationStack;
    let worker: RunningApp;
    beforeAll(async () => {
      stack = await ValidationStack.start(databaseUrl, storeEnv());
      worker = await stack.startWorker();
    });
    afterAll(() => stack.close());

    it('becomes ready with its signature and what the runtime measured, and is counted', async () => {
      const startedAt = Date.now();
      const uploaded = await stack.upload(buildMlp({ layers: [4, 8, 3], seed: 7 }));
      const version = await stack.settled(uploaded);
      expect(version).toMatchObject({
        status: 'ready',
        status_reason: null,
        signature: {
          inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
          outputs: [{ name: 'output', datatype: 'FP32', shape: [-1, 3] }],
        },
        validation: { runtime: RUNTIME, load_ms: expect.any(Number), inference_ms: expect.any(Number), smoke_input: 'input [1, 4] (zeros)' },
      });
      expect(version.validation.warnings).toEqual([]);
      expect(version.validation.load_ms).toBeGreaterThan(0);
      expect(version.validation.inference_ms).toBeGreaterThan(0);
      const validatedAt = Date.parse(version.validation.validated_at);
      expect(validatedAt).toBeGreaterThanOrEqual(startedAt - 1000);
      expect(validatedAt).toBeLessThanOrEqual(Date.now());

      expect(await metricValue(worker, jobs('ready'))).toBe(1);
      expect(await metricValue(worker, 'switchyard_validation_duration_seconds_count{outcome="ready"}')).toBe(1);
      // A completed job is removed (VALIDATION_JOB_OPTIONS), so nothing is left to run it again.
      expect(await stack.jobState(uploaded.jobId)).toBe('absent');
    });

    it('reads every datatype, dynamic dimension and scalar the runtime reports', async () => {
      const version = await stack.settled(await stack.upload(buildMultiTypeModel()));
      expect(version.status).toBe('ready');
      expect(version.signature.inputs).toEqual([
        { name: 'f', datatype: 'FP32', shape: [-1, 3] },
        { name: 'i', datatype: 'INT64', shape: [-1] },
        { name: 'b', datatype: 'BOOL', shape: [-1] },
        { name: 's', datatype: 'FP32', shape: [] },
        { name: 'd', datatype: 'FP64', shape: [-1, 2] },
        { name: 'n', datatype: 'INT32', shape: [-1] },
        { name: 'u', datatype: 'UINT8', shape: [-1] },
      ]);
      expect(version.signature.outputs.map((o: { name: string }) => o.name)).toEqual(['f_out', 'i_out', 'b_out', 's_out', 'd_out', 'n_out', 'u_out']);
    });
  });

  describe('a model that cannot be served', () => {
    let stack: ValidationStack;
    let worker: RunningApp;
    beforeAll(async () => {
      stack = await ValidationStack.start(databaseUrl, fileStoreEnv());
      worker = await stack.startWorker();
    });
    afterAll(() => stack.close());

    it.each([
      // Random-looking bytes from a fixed seed: these declare a length past the end of the file.
      ['garbage bytes', () => seededBytes(4096, 1), expect.stringMatching(/^not an ONNX model: a length declared in the file runs past its end/)],
      ['opset 99', () => buildModelWithOpset(99), 'opset 99 is not supported by this runtime (it supports ai.onnx up to opset 26)'],
      ['a custom operator', buildModelWithCustomDomain, 'uses operator com.example.custom:Frobnicate, which this runtime does not provide'],
      ['a sequence input', buildModelWithSequenceInput, 'input "items" is not a tensor; only tensor inputs and outputs are supported'],
      [
        'external data',
        () => buildModelWithExternalData('weights.bin'),
        'the model keeps weights in external data files (tensor "w" in the graph points at "weights.bin"); upload a self-contained .onnx file (weights embedded)',
      ],
      [
        'external data that points outside (../../etc/passwd)',
        () => buildModelWithExternalData('../../etc/passwd'),
        'the model keeps weights in external data files (tensor "w" in the graph points at "../../etc/passwd"); upload a self-contained .onnx file (weights embedded)',
      ],
      [
        'a protobuf bomb (a tensor declaring 10^10 floats, carrying one)',
        () => buildModelWithDeclaredSize([100_000, 100_000]),
        'tensor "w" in the graph declares 10000000000 elements ([100000, 100000]) but carries 1: a corrupt or crafted file',
      ],
      [
        'a truncated file',
        () => buildAffine({ scale: 1, bias: 1, features: 4 }).subarray(0, 60),
        'not an ONNX model: a length declared in the file runs past its end (60 bytes); the file is truncated or crafted',
      ],
    ])('fails %s at once, with a reason, and finishes the job without retry', async (_case, build, reason) => {
      const failedBefore = await metricValue(worker, jobs('failed'));
      const uploaded = await stack.upload(build());
      const version = await stack.settled(uploaded);
      expect(version).toMatchObject({ status: 'failed', status_reason: reason, signature: null, validation: null });
      // Retried, the job would sit delayed (backoff) or failed; finished, it is gone.
      expect(await stack.jobState(uploaded.jobId)).toBe('absent');
      expect(await metricValue(worker, jobs('failed'))).toBe(failedBefore + 1);
      expect(await metricValue(worker, jobs('retry'))).toBe(0);
    });
  });

  describe('a model whose dynamic dimensions need a size above 1', () => {
    let stack: ValidationStack;
    beforeAll(async () => {
      stack = await ValidationStack.start(databaseUrl, fileStoreEnv());
      await stack.startWorker();
    });
    afterAll(() => stack.close());

    it.each([
      [
        'a reflect Pad of 2 over a dynamic length',
        () => buildReflectPad(2),
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, -1] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, -1] }] },
        'x [1, 16] (zeros)',
      ],
      [
        'a Conv with kernel 3 over a dynamic length',
        () => buildMovingSum(3),
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1, -1] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1, -1] }] },
        'x [1, 1, 16] (zeros)',
      ],
      [
        'a Reshape of a dynamic length to [-1, 4]',
        () => buildRowsOf(4),
        { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }] },
        'x [16] (zeros)',
      ],
    ])('is ready with its signature: %s runs once the length grows', async (_case, build, signature, smokeInput) => {
      const version = await stack.settled(await stack.upload(build()));
      expect(version).toMatchObject({ status: 'ready', status_reason: null, signature, validation: { smoke_input: smokeInput, inference_ms: expect.any(Number) } });
      expect(version.validation.warnings).toEqual([]);
    });

    it('is ready with warnings, and its signature, when it loads but no synthetic input runs', async () => {
      const version = await stack.settled(await stack.upload(buildReshapeThatNeverFits()));
      expect(version).toMatchObject({
        status: 'ready',
        status_reason: null,
        signature: { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [3, 5] }] },
        validation: { runtime: RUNTIME, load_ms: expect.any(Number), inference_ms: null, smoke_input: null },
      });
      expect(version.validation.warnings).toEqual([
        'the model loads and its signature is recorded, but none of 3 synthetic inputs ran (each dynamic dimension at 1, 16 and 512, up to 1048576 values), so its inference was not checked',
        'x [1, 4] (zeros): the Reshape node "Reshape:y" failed: The input tensor cannot be reshaped to the requested shape. Input shape:{1,4}, requested shape:{3,5}',
        'x [16, 4] (zeros): the Reshape node "Reshape:y" failed: The input tensor cannot be reshaped to the requested shape. Input shape:{16,4}, requested shape:{3,5}',
        'x [512, 4] (zeros): the Reshape node "Reshape:y" failed: The input tensor cannot be reshaped to the requested shape. Input shape:{512,4}, requested shape:{3,5}',
        'to have it checked, and warmed by each gateway before it takes traffic, upload it with a real request as metadata.input_example, in the form of a predict body: {"inputs": {"x": [...]}}',
      ]);
    });
  });

  describe('an upload with an input example', () => {
    let stack: ValidationStack;
    const storeEnv = fileStoreEnv();
    beforeAll(async () => {
      stack = await ValidationStack.start(databaseUrl, storeEnv);
      await stack.startWorker();
    });
    afterAll(() => stack.close());

    it('is smoke-run on its example, which the version shows', async () => {
      const input_example = { inputs: { x: [[1, 2, 3, 4, 5]] } };
      const version = await stack.settled(await stack.upload(buildReflectPad(2), undefined, { description: 'pads', input_example }));
      expect(version).toMatchObject({
        status: 'ready',
        metadata: { description: 'pads', input_example },
        validation: { smoke_input: 'input_example', inference_ms: expect.any(Number) },
      });
    });

    it('is failed with the example\'s error when the example fails at inference, its signature recorded', async () => {
      const version = await stack.settled(await stack.upload(buildReflectPad(2), undefined, { input_example: { instances: [[1]] } }));
      expect(version).toMatchObject({
        status: 'failed',
        signature: { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, -1] }] },
        validation: { inference_ms: null, smoke_input: null },
      });
      expect(version.status_reason).toMatch(/^metadata\.input_example \(x \[1, 1\]\) failed at inference: the Pad node "Pad:y" failed: /);
    });

    it('is failed naming the input when the example does not fit the signature', async () => {
      const version = await stack.settled(await stack.upload(buildMlp({ layers: [4, 3], seed: 8 }), undefined, { input_example: { inputs: { features: [[1, 2, 3, 4]] } } }));
      expect(version).toMatchObject({
        status: 'failed',
        status_reason:
          'metadata.input_example does not fit the model\'s signature: metadata.input_example.inputs.features: not an input of this model; its inputs are input; metadata.input_example.inputs.input: missing: the model requires it (FP32 [-1, 4])',
        signature: { inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }] },
      });
    });

    it.each([
      ['not an object', [[1, 2, 3]], 'metadata.input_example'],
      ['neither inputs nor instances', { rows: [[1]] }, 'metadata.input_example.rows'],
      ['a value that is not an array', { inputs: { x: { values: [1] } } }, 'metadata.input_example.inputs.x'],
    ])('is refused with 400 when the example is %s, and nothing is stored', async (_case, input_example, field) => {
      const name = await stack.createModel();
      const body = uploadForm(buildReflectPad(2), JSON.stringify({ input_example }));
      const answer = await call(`${stack.registry.url}/v1/models/${name}/versions`, { method: 'POST', body });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect((await call(`${stack.registry.url}/v1/models/${name}/versions`)).body.items).toEqual([]);
      await expect(stat(storedPath({ model: name, version: 1 }, storeEnv))).rejects.toThrow(/ENOENT/);
    });
  });

  describe('a model built to exhaust the validator (limits on time and memory)', () => {
    let stack: ValidationStack;
    let worker: RunningApp;
    beforeAll(async () => {
      stack = await ValidationStack.start(databaseUrl, fileStoreEnv());
      // The deadline counts from the child's spawn (Node and onnxruntime starting, the model loading),
      // which takes seconds beside CPU burners: the small models below must finish well within it.
      worker = await stack.startWorker({ VALIDATION_MEMORY_LIMIT_MB: '256', VALIDATION_TIMEOUT_MS: '10000' });
    });
    afterAll(() => stack.close());

    it('fails a model whose first inference needs 1 GiB, under a 256 MiB limit, saying so', async () => {
      const uploaded = await stack.upload(buildModelThatAllocates(2 ** 28));
      const version = await stack.settled(uploaded);
      // It loaded, so what it reads and returns is recorded; it never ran.
      expect(version).toMatchObject({
        status: 'failed',
        signature: { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 1] }] },
        validation: { runtime: RUNTIME, inference_ms: null, smoke_input: null },
      });
      expect(version.status_reason).toMatch(/^the model needs more memory than validation allows \(VALIDATION_MEMORY_LIMIT_MB=256\): /);
      expect(await stack.jobState(uploaded.jobId)).toBe('absent');
    });

    it('fails a model whose first inference never ends (a Loop of 10^12 trips) at the deadline, saying so', async () => {
      const uploaded = await stack.upload(buildModelThatLoops(1e12));
      const version = await stack.settled(uploaded, 60_000);
      expect(version).toMatchObject({
        status: 'failed',
        status_reason: 'validation did not finish within 10000 ms (VALIDATION_TIMEOUT_MS): it was still running the model on x [1, 1] (zeros)',
      });
      expect(await stack.jobState(uploaded.jobId)).toBe('absent');
    });

    it('keeps validating after both: the same kinds of model, small, become ready', async () => {
      for (const artifact of [buildModelThatAllocates(1000), buildModelThatLoops(1000)]) {
        const version = await stack.settled(await stack.upload(artifact));
        expect(version).toMatchObject({ status: 'ready', status_reason: null });
      }
      expect(await metricValue(worker, jobs('failed'))).toBe(2);
    });
  });

  describe('a model that crashed or hung the validator before', () => {
    let stack: ValidationStack;
    beforeAll(async () => {
      stack = await ValidationStack.start(databaseUrl, fileStoreEnv());
    });
    afterAll(() => stack.close());

    it('is failed with the reason once its starts reach VALIDATION_MAX_ATTEMPTS, not handed out forever', async () => {
      // Uploaded while no worker runs; then recorded as started twice by workers that never finished.
      const uploaded = await stack.upload(buildAffine({ scale: 1, bias: 2, features: 4 }));
      await stack.db.query('UPDATE model_versions SET validation_attempts = 2 WHERE id = $1', [uploaded.id]);
      await stack.startWorker({ VALIDATION_MAX_ATTEMPTS: '2' });
      expect(await stack.settled(uploaded)).toMatchObject({
        status: 'failed',
        status_reason: 'validation was started 2 times without finishing (the validator crashed, hung or was stopped on this model); it is not retried',
      });
      expect(await stack.jobState(uploaded.jobId)).toBe('absent');
    });
  });

  describe('stored bytes that are not the uploaded ones', () => {
    let stack: ValidationStack;
    const storeEnv = fileStoreEnv();
    beforeAll(async () => {
      stack = await ValidationStack.start(databaseUrl, storeEnv);
    });
    afterAll(() => stack.close());

    it('fails a version whose bytes were altered in the store (sha256 mismatch) or removed from it', async () => {
      const altered = await stack.upload(buildMlp({ layers: [4, 3], seed: 1 }));
      const alteredPath = storedPath(altered, storeEnv);
      const bytes = await readFile(alteredPath);
      bytes[bytes.length - 1] ^= 0xff;
      await writeFile(alteredPath, bytes);
      const alteredSha = createHash('sha256').update(bytes).digest('hex');

      const removed = await stack.upload(buildMlp({ layers: [4, 3], seed: 2 }));
      await rm(storedPath(removed, storeEnv));

      const worker = await stack.startWorker();
      expect(await stack.settled(altered)).toMatchObject({
        status: 'failed',
        status_reason: `sha256 mismatch: expected ${altered.sha256}, stored bytes hash to ${alteredSha}`,
      });
      expect(await stack.settled(removed)).toMatchObject({
        status: 'failed',
        status_reason: `artifact missing from the store (no artifact is stored at models/${removed.model}/1/model.onnx)`,
      });
      expect(await metricValue(worker, jobs('retry'))).toBe(0);
    });
  });

  describe('job bookkeeping', () => {
    let stack: ValidationStack;
    beforeAll(async () => {
      stack = await ValidationStack.start(databaseUrl, fileStoreEnv());
    });
    afterAll(() => stack.close());

    it('validates a version once when its job is enqueued again while it waits (one job id per version)', async () => {
      const uploaded = await stack.upload(buildMlp({ layers: [4, 3], seed: 3 }));
      expect(uploaded.jobId).toBe(validationJobId(uploaded.id));
      const again = await stack.queue.add(VALIDATE_VERSION_JOB, { versionId: uploaded.id }, { ...VALIDATION_JOB_OPTIONS, jobId: uploaded.jobId });
      expect(again.id).toBe(uploaded.jobId);
      expect(await stack.queue.getJobCounts('waiting')).toEqual({ waiting: 1 });

      const worker = await stack.startWorker();
      // Stopped even when an expectation fails: a worker left running would take jobs (and counts) from the next test's.
      try {
        expect((await stack.settled(uploaded)).status).toBe('ready');
        expect(await metricValue(worker, jobs('ready'))).toBe(1);
        expect(await metricValue(worker, 'switchyard_validation_duration_seconds_count{outcome="ready"}')).toBe(1);
      } finally {
        await stack.stopWorker(worker);
      }
    });

    it('completes a job for a version no longer pending, or no longer there, without changing anything', async () => {
      const uploaded = await stack.upload(buildMlp({ layers: [4, 3], seed: 4 }));
      expect(await stack.queue.remove(uploaded.jobId)).toBe(1);
      await stack.db.query(`UPDATE model_versions SET status = 'failed', status_reason = 'set by the test' WHERE id = $1`, [uploaded.id]);
      const rowBefore = (await stack.db.query('SELECT * FROM model_versions WHERE id = $1', [uploaded.id])).rows[0];

      // Kept once completed, so the test can read what the job returned.
      const keep = { ...VALIDATION_JOB_OPTIONS, removeOnComplete: false };
      await stack.queue.add(VALIDATE_VERSION_JOB, { versionId: uploaded.id }, { ...keep, jobId: uploaded.jobId });
      const goneId = '00000000-0000-4000-8000-000000000000';
      await stack.queue.add(VALIDATE_VERSION_JOB, { versionId: goneId }, { ...keep, jobId: validationJobId(goneId) });

      const worker = await stack.startWorker();
      try {
        for (const jobId of [uploaded.jobId, validationJobId(goneId)]) {
          expect(await eventually(() => stack.jobState(jobId), (state) => state === 'completed')).toBe('completed');
          expect((await stack.queue.getJob(jobId))!.returnvalue).toBe('skipped');
        }
        expect((await stack.db.query('SELECT * FROM model_versions WHERE id = $1', [uploaded.id])).rows[0]).toEqual(rowBefore);
        expect(await metricValue(worker, jobs('skipped'))).toBe(2);
      } finally {
        await stack.stopWorker(worker);
      }
    });
  });

  describe('an artifact store that cannot be reached', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await TcpProxy.start(testRun().s3Endpoint, 'refuse');
    });
    afterAll(() => proxy.close());

    it('is retried with backoff, and the version validated once the store answers again', async () => {
      const stack = await ValidationStack.start(databaseUrl, s3StoreEnv());
      try {
        const worker = await stack.startWorker({ S3_ENDPOINT: proxy.url });
        const uploaded = await stack.upload(buildMlp({ layers: [4, 3], seed: 5 }));
        // Two attempts failed (after the 1 s backoff the second one did too): the job waits out 2 s
        // more, then 4 s after a third. Read together, so a slow read cannot see a retry the state predates.
        const waiting = await eventually(
          async () => ({ retries: await metricValue(worker, jobs('retry')), state: await stack.jobState(uploaded.jobId) }),
          ({ retries, state }) => retries >= 2 && state === 'delayed',
        );
        expect(waiting).toEqual({ retries: expect.any(Number), state: 'delayed' });
        expect(waiting.retries).toBeGreaterThanOrEqual(2);
        expect((await stack.version(uploaded)).status).toBe('pending');

        proxy.mode = 'forward';
        const version = await stack.settled(uploaded);
        expect(version).toMatchObject({ status: 'ready', status_reason: null });
        expect(await metricValue(worker, jobs('ready'))).toBe(1);
      } finally {
        proxy.mode = 'refuse';
        await stack.close();
      }
    });

    it('fails the version when every attempt failed, saying so, after exponential backoff (1+2+4+8 s)', async () => {
      const stack = await ValidationStack.start(databaseUrl, s3StoreEnv());
      try {
        const nobody = `http://127.0.0.1:${await freePort()}`;
        const worker = await stack.startWorker({ S3_ENDPOINT: nobody });
        const started = Date.now();
        const uploaded = await stack.upload(buildMlp({ layers: [4, 3], seed: 6 }));
        const version = await stack.settled(uploaded, 40_000);
        const elapsed = Date.now() - started;

        expect(version.status).toBe('failed');
        expect(version.status_reason).toMatch(/^the artifact store could not be read after 5 attempts: .*ECONNREFUSED/);
        expect(elapsed).toBeGreaterThanOrEqual(15_000);
        expect(await metricValue(worker, jobs('retry'))).toBe(4);
        expect(await metricValue(worker, jobs('failed'))).toBe(1);
        expect(await stack.jobState(uploaded.jobId)).toBe('absent');
      } finally {
        await stack.close();
      }
    }, 60_000);
  });
});
