import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { eventually, storedKeys } from '../../../test/support/artifacts';
import { authHeaders, call, expectProblem, uploadForm } from '../../../test/support/client';
import { type RunningApp, startRegistry } from '../../../test/support/http-app';
import { uniqueSuffix } from '../../../test/support/test-env';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The same upload contract, run once per artifact store. */
export function describeVersionUploads(storeName: string, storeEnv: () => Record<string, string>): void {
  describe(`version uploads (${storeName} store)`, () => {
    let registry: RunningApp;
    let storeUrl: string;

    beforeAll(async () => {
      const env = storeEnv();
      storeUrl = env.ARTIFACT_STORE_URL;
      registry = await startRegistry(env);
    });
    afterAll(() => registry.close());

    async function newModel(): Promise<string> {
      const name = `m-${uniqueSuffix()}`;
      expect((await call(`${registry.url}/v1/models`, { method: 'POST', json: { name } })).status).toBe(201);
      return name;
    }

    const upload = (model: string, form: FormData) =>
      call(`${registry.url}/v1/models/${model}/versions`, { method: 'POST', body: form });

    it('stores a version, lists it and serves the artifact byte-identical with ETag = sha256', async () => {
      const model = await newModel();
      const bytes = randomBytes(300_000);
      const created = await upload(model, uploadForm(bytes, '{"metrics":{"rmse":0.31},"source":"ci"}'));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ version: 1, status: 'pending', sha256: sha256(bytes), size_bytes: bytes.length });
      expect(created.headers.get('location')).toBe(`/v1/models/${model}/versions/1`);

      const read = await call(`${registry.url}/v1/models/${model}/versions/1`);
      expect(read.body).toMatchObject({ model, version: 1, metadata: { metrics: { rmse: 0.31 }, source: 'ci' }, status_reason: null });

      const download = await fetch(`${registry.url}/v1/models/${model}/versions/1/artifact`, { headers: authHeaders() });
      expect(download.status).toBe(200);
      expect(download.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
      expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);

      const cached = await fetch(`${registry.url}/v1/models/${model}/versions/1/artifact`, {
        headers: { ...authHeaders(), 'if-none-match': `"${sha256(bytes)}"` },
      });
      expect(cached.status).toBe(304);
      expect(await storedKeys(storeUrl, model)).toHaveLength(1);
    });

    it('accepts metadata sent as a file part (curl -F metadata=@meta.json)', async () => {
      const model = await newModel();
      const form = new FormData();
      form.append('metadata', new Blob(['{"metrics":{"auc":0.9}}'], { type: 'application/json' }), 'meta.json');
      form.append('artifact', new Blob([randomBytes(100)]), 'model.onnx');
      const created = await upload(model, form);
      expect(created.status).toBe(201);
      expect(created.body.metadata).toEqual({ metrics: { auc: 0.9 } });
      const bad = new FormData();
      bad.append('metadata', new Blob(['not json']), 'meta.json');
      bad.append('artifact', new Blob([randomBytes(100)]), 'model.onnx');
      expectProblem(await upload(model, bad), 400);
    });

    it('accepts a metadata field typed application/json (curl -F "metadata={…};type=application/json")', async () => {
      const model = await newModel();
      const boundary = 'switchyard-typed-field';
      const body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\nContent-Type: application/json\r\n\r\n{"source":"ci"}\r\n`),
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="artifact"; filename="m.onnx"\r\nContent-Type: application/octet-stream\r\n\r\n`),
        randomBytes(64),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const created = await call(`${registry.url}/v1/models/${model}/versions`, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
      });
      expect(created.status).toBe(201);
      expect(created.body.metadata).toEqual({ source: 'ci' });
    });

    it('numbers 20 concurrent uploads 1..20 with no gap and no duplicate', async () => {
      const model = await newModel();
      const payloads = Array.from({ length: 20 }, (_, i) => randomBytes(2000 + i));
      const answers = await Promise.all(payloads.map((bytes) => upload(model, uploadForm(bytes))));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
      expect(answers.map((a) => a.body.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      // Each number holds the bytes of the upload that was told that number.
      for (const answer of answers) {
        const bytes = payloads.find((p) => sha256(p) === answer.body.sha256)!;
        const download = await fetch(`${registry.url}/v1/models/${model}/versions/${answer.body.version}/artifact`, { headers: authHeaders() });
        expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
      }
    });

    it('pages through versions newest first with a cursor', async () => {
      const model = await newModel();
      for (let i = 0; i < 5; i++) expect((await upload(model, uploadForm(randomBytes(100)))).status).toBe(201);
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await call(`${registry.url}/v1/models/${model}/versions?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((v: { version: number }) => v.version));
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(seen).toEqual([5, 4, 3, 2, 1]);
    });

    it('refuses a missing, empty or duplicated artifact part and leaves nothing behind', async () => {
      const model = await newModel();
      expect(expectProblem(await upload(model, uploadForm(null, '{}')), 400).errors).toEqual([
        { field: 'artifact', message: 'required' },
      ]);
      expectProblem(await upload(model, uploadForm(new Uint8Array(0))), 400);
      const twice = uploadForm(randomBytes(10));
      twice.append('artifact', new Blob([randomBytes(10)]), 'second.onnx');
      expectProblem(await upload(model, twice), 400);
      const unknown = uploadForm(randomBytes(10));
      unknown.append('comment', 'hi');
      expectProblem(await upload(model, unknown), 400);
      expect((await call(`${registry.url}/v1/models/${model}/versions`)).body.items).toEqual([]);
      expect(await eventually(() => storedKeys(storeUrl, model), (keys) => keys.length === 0)).toEqual([]);
    });

    it.each([
      ['not JSON', 'not json'],
      ['an array', '[1]'],
      ['a string', '"x"'],
      ['metrics that are not numbers', '{"metrics":{"rmse":"low"}}'],
    ])('refuses metadata that is %s, before or after the artifact, storing nothing', async (_label, metadata) => {
      const model = await newModel();
      expectProblem(await upload(model, uploadForm(randomBytes(50_000), metadata)), 400);
      const metadataFirst = new FormData();
      metadataFirst.append('metadata', metadata);
      metadataFirst.append('artifact', new Blob([randomBytes(50_000)]), 'model.onnx');
      expectProblem(await upload(model, metadataFirst), 400);
      expect((await call(`${registry.url}/v1/models/${model}/versions`)).body.items).toEqual([]);
      expect(await storedKeys(storeUrl, model)).toEqual([]);
    });

    it('refuses a body that is not multipart with 415', async () => {
      const model = await newModel();
      expectProblem(await call(`${registry.url}/v1/models/${model}/versions`, { method: 'POST', json: { artifact: 'x' } }), 415);
      expectProblem(
        await call(`${registry.url}/v1/models/${model}/versions`, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream' },
          body: randomBytes(10),
        }),
        415,
      );
    });

    it('answers 404 for an unknown model or version, 400 for a version that is not a number', async () => {
      const model = await newModel();
      expectProblem(await upload(`nobody-${uniqueSuffix()}`, uploadForm(randomBytes(10))), 404);
      expectProblem(await call(`${registry.url}/v1/models/${model}/versions/7`), 404);
      expectProblem(await call(`${registry.url}/v1/models/${model}/versions/7/artifact`), 404);
      expectProblem(await call(`${registry.url}/v1/models/${model}/versions/abc`), 400);
      expectProblem(await call(`${registry.url}/v1/models/${model}/versions?cursor=%%%`), 400);
      expectProblem(await call(`${registry.url}/v1/models/${model}/versions?cursor=eyJ4IjoxfQ`), 400);
    });

    it('leaves neither a row nor an object when the client is cut off midway', async () => {
      const model = await newModel();
      const { port } = new URL(registry.url);
      const boundary = 'switchyard-cut-off';
      const request = http.request({
        host: '127.0.0.1',
        port: Number(port),
        method: 'POST',
        path: `/v1/models/${model}/versions`,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(50_000_000) },
      });
      request.on('error', () => undefined);
      request.write(
        `--${boundary}\r\nContent-Disposition: form-data; name="artifact"; filename="model.onnx"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      );
      request.write(randomBytes(12_000_000));
      await new Promise((r) => setTimeout(r, 500));
      request.destroy();

      expect(await eventually(() => storedKeys(storeUrl, model), (keys) => keys.length === 0)).toEqual([]);
      expect((await call(`${registry.url}/v1/models/${model}/versions`)).body.items).toEqual([]);
      // The registry still takes uploads for the model afterwards.
      expect((await upload(model, uploadForm(randomBytes(10)))).status).toBe(201);
    });
  });

  describe(`artifact size limit (${storeName} store)`, () => {
    let registry: RunningApp;
    let storeUrl: string;

    beforeAll(async () => {
      const env: Record<string, string> = { ...storeEnv(), MAX_ARTIFACT_BYTES: '100000' };
      storeUrl = env.ARTIFACT_STORE_URL;
      registry = await startRegistry(env);
    });
    afterAll(() => registry.close());

    it('answers 413 above MAX_ARTIFACT_BYTES and stores nothing; at the limit it is accepted', async () => {
      const model = `m-${uniqueSuffix()}`;
      await call(`${registry.url}/v1/models`, { method: 'POST', json: { name: model } });
      const tooLarge = await call(`${registry.url}/v1/models/${model}/versions`, {
        method: 'POST',
        body: uploadForm(randomBytes(100_001)),
      });
      expect(expectProblem(tooLarge, 413).detail).toContain('100000');
      expect((await call(`${registry.url}/v1/models/${model}/versions`)).body.items).toEqual([]);
      expect(await eventually(() => storedKeys(storeUrl, model), (keys) => keys.length === 0)).toEqual([]);

      const atLimit = await call(`${registry.url}/v1/models/${model}/versions`, {
        method: 'POST',
        body: uploadForm(randomBytes(100_000)),
      });
      expect(atLimit.status).toBe(201);
    });
  });
}
