import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { eventually, storedKeys } from '../../../test/support/artifacts';
import { authHeaders, call, expectProblem, testAdminKey, uploadForm } from '../../../test/support/client';
import { type RunningApp, startRegistry } from '../../../test/support/http-app';
import { uniqueSuffix } from '../../../test/support/test-env';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Folders under the model's folder of a file store (the model's folder itself as '.') that hold no
 * file, however deep. An object store has no folders.
 */
async function emptyFolders(storeUrl: string, model: string): Promise<string[]> {
  if (!storeUrl.startsWith('file://')) return [];
  const root = path.join(storeUrl.slice('file://'.length), 'models', model);
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  const folders = [root, ...entries.filter((e) => e.isDirectory()).map((e) => path.join(e.parentPath, e.name))];
  return folders.filter((folder) => !files.some((file) => file.startsWith(folder + path.sep))).map((folder) => path.relative(root, folder) || '.');
}

interface RawAnswer {
  status: number;
  head: string;
  body: any;
}

/**
 * Sends a request head and `body` on a plain socket and keeps the socket open, as a client whose
 * body never finishes would; resolves with the first response, rejects if none comes in `deadlineMs`.
 */
function sendAndHold(url: string, requestPath: string, headers: Record<string, string>, body: Buffer, deadlineMs = 30_000): Promise<RawAnswer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = Buffer.alloc(0);
    const finish = (outcome: () => void) => {
      clearTimeout(deadline);
      socket.destroy();
      outcome();
    };
    const deadline = setTimeout(() => finish(() => reject(new Error(`no answer within ${deadlineMs} ms`))), deadlineMs);
    socket.on('error', (error) => finish(() => reject(error)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = received.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (received.length < end + 4 + length) return;
      const text = received.subarray(end + 4, end + 4 + length).toString('utf8');
      finish(() => resolve({ status: Number(head.split(' ')[1]), head, body: text ? JSON.parse(text) : text }));
    });
    socket.on('close', () => finish(() => reject(new Error(`the connection closed without a whole answer: ${received.toString('latin1')}`))));
    const lines = Object.entries({ host: '127.0.0.1', authorization: `Bearer ${testAdminKey()}`, ...headers }).map(([k, v]) => `${k}: ${v}\r\n`);
    socket.write(`POST ${requestPath} HTTP/1.1\r\n${lines.join('')}\r\n`);
    socket.write(body);
  });
}

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
      const metadataAfter = uploadForm(randomBytes(10), 'not json');
      expectProblem(await upload(model, metadataAfter), 400);
      expect((await call(`${registry.url}/v1/models/${model}/versions`)).body.items).toEqual([]);
      expect(await eventually(() => storedKeys(storeUrl, model), (keys) => keys.length === 0)).toEqual([]);
      expect(await emptyFolders(storeUrl, model)).toEqual([]);
    });

    it('refuses a metadata part over 64 KiB with 413 naming the limit, as a field, typed JSON or a file; 64 KiB is accepted', async () => {
      const model = await newModel();
      const sized = (bytes: number) => JSON.stringify({ description: 'd'.repeat(bytes - '{"description":""}'.length) });
      const tooLarge = sized(64 * 1024 + 1);
      const asField = uploadForm(randomBytes(100), tooLarge);
      const asTypedField = new FormData();
      asTypedField.append('metadata', new Blob([tooLarge], { type: 'application/json' }));
      asTypedField.append('artifact', new Blob([randomBytes(100)]), 'model.onnx');
      const asFile = new FormData();
      asFile.append('artifact', new Blob([randomBytes(100)]), 'model.onnx');
      asFile.append('metadata', new Blob([tooLarge], { type: 'application/json' }), 'meta.json');
      for (const form of [asField, asTypedField, asFile]) {
        const refused = expectProblem(await upload(model, form), 413);
        expect(refused.detail).toContain('65536 bytes');
        expect(refused.errors).toEqual([{ field: 'metadata', message: 'at most 65536 bytes' }]);
      }
      expect((await call(`${registry.url}/v1/models/${model}/versions`)).body.items).toEqual([]);
      expect(await eventually(() => storedKeys(storeUrl, model), (keys) => keys.length === 0)).toEqual([]);
      expect(await emptyFolders(storeUrl, model)).toEqual([]);

      const atLimit = await upload(model, uploadForm(randomBytes(100), sized(64 * 1024)));
      expect(atLimit.status).toBe(201);
      expect(atLimit.body.metadata.description).toHaveLength(64 * 1024 - '{"description":""}'.length);
    });

    it('keeps every stored version when uploads to the same model fail alongside, and leaves no empty folder', async () => {
      const model = await newModel();
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          // Every other upload is refused after its artifact is stored (metadata that is not JSON).
          upload(model, uploadForm(randomBytes(1000 + i), i % 2 ? 'not json' : '{}')),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([...Array(8).fill(201), ...Array(8).fill(400)]);
      const created = answers.filter((a) => a.status === 201).map((a) => a.body.version as number);
      for (const version of created) {
        const download = await fetch(`${registry.url}/v1/models/${model}/versions/${version}/artifact`, { headers: authHeaders() });
        expect(download.status).toBe(200);
      }
      expect(await eventually(() => storedKeys(storeUrl, model), (keys) => keys.length === created.length)).toHaveLength(created.length);
      expect(await emptyFolders(storeUrl, model)).toEqual([]);

      for (const version of created) {
        expect((await call(`${registry.url}/v1/models/${model}/versions/${version}`, { method: 'DELETE' })).status).toBe(204);
      }
      expect(await storedKeys(storeUrl, model)).toEqual([]);
      expect(await emptyFolders(storeUrl, model)).toEqual([]);
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
      expect(await eventually(() => emptyFolders(storeUrl, model), (folders) => folders.length === 0)).toEqual([]);
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
      expect(await emptyFolders(storeUrl, model)).toEqual([]);

      const atLimit = await call(`${registry.url}/v1/models/${model}/versions`, {
        method: 'POST',
        body: uploadForm(randomBytes(100_000)),
      });
      expect(atLimit.status).toBe(201);
    });
  });

  describe(`unfinished bodies (${storeName} store)`, () => {
    let registry: RunningApp;
    let storeUrl: string;
    const boundary = 'switchyard-unfinished';
    const artifactHead = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="artifact"; filename="model.onnx"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const metadataPart = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{"source":"ci"}\r\n`);

    beforeAll(async () => {
      // Short, so a stalled body is answered soon; the test waits for the answer with a generous deadline.
      const env: Record<string, string> = { ...storeEnv(), UPLOAD_IDLE_TIMEOUT_MS: '1000' };
      storeUrl = env.ARTIFACT_STORE_URL;
      registry = await startRegistry(env);
    });
    afterAll(() => registry.close());

    async function newModel(): Promise<string> {
      const name = `m-${uniqueSuffix()}`;
      expect((await call(`${registry.url}/v1/models`, { method: 'POST', json: { name } })).status).toBe(201);
      return name;
    }

    async function expectNothingLeft(model: string): Promise<void> {
      expect((await call(`${registry.url}/v1/models/${model}/versions`)).body.items).toEqual([]);
      expect(await eventually(() => storedKeys(storeUrl, model), (keys) => keys.length === 0)).toEqual([]);
      expect(await eventually(() => emptyFolders(storeUrl, model), (folders) => folders.length === 0)).toEqual([]);
    }

    it.each([
      ['inside the artifact', Buffer.concat([metadataPart, artifactHead, randomBytes(70_000)])],
      ['right after the artifact part begins', artifactHead],
      ['inside the metadata part', metadataPart.subarray(0, metadataPart.length - 8)],
      ['after a whole artifact part', Buffer.concat([artifactHead, randomBytes(1000), Buffer.from('\r\n')])],
      [
        'it used another boundary than its Content-Type declares',
        Buffer.concat([Buffer.from(artifactHead.toString('latin1').replace(boundary, 'another'), 'latin1'), randomBytes(1000), Buffer.from('\r\n--another--\r\n')]),
      ],
    ])('answers 400 to a body that ends without its closing boundary (%s), the socket left open', async (_label, body) => {
      const model = await newModel();
      const answer = await sendAndHold(
        registry.url,
        `/v1/models/${model}/versions`,
        { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(body.length) },
        body,
      );
      expect(answer.status).toBe(400);
      expect(answer.head).toMatch(/content-type: application\/problem\+json/i);
      expect(answer.body).toMatchObject({ type: '/problems/upload-incomplete', status: 400, detail: expect.stringContaining('closing boundary') });
      await expectNothingLeft(model);
    });

    it.each([
      ['declares more bytes than it sends', { 'content-length': String(10_000_000) }, Buffer.concat([artifactHead, randomBytes(70_000)])],
      [
        'sends chunks and never the last one',
        { 'transfer-encoding': 'chunked' },
        Buffer.concat([Buffer.from(`${(artifactHead.length + 5).toString(16)}\r\n`), artifactHead, Buffer.from('bytes\r\n')]),
      ],
      ['stops inside the metadata part', { 'content-length': String(10_000) }, metadataPart.subarray(0, 60)],
    ])('answers 400 and closes the connection when a client that %s falls silent (UPLOAD_IDLE_TIMEOUT_MS)', async (_label, headers, body) => {
      const model = await newModel();
      const answer = await sendAndHold(
        registry.url,
        `/v1/models/${model}/versions`,
        { 'content-type': `multipart/form-data; boundary=${boundary}`, ...headers },
        body,
      );
      expect(answer.status).toBe(400);
      expect(answer.head).toMatch(/\r\nconnection: close/i);
      expect(answer.body).toMatchObject({ type: '/problems/upload-incomplete', status: 400, detail: expect.stringContaining('UPLOAD_IDLE_TIMEOUT_MS') });
      await expectNothingLeft(model);
      // The model still takes uploads.
      expect((await call(`${registry.url}/v1/models/${model}/versions`, { method: 'POST', body: uploadForm(randomBytes(10)) })).status).toBe(201);
    });

    it('does not cut off a large upload while the store, not the client, is the slower side', async () => {
      const model = await newModel();
      // Several times the idle timeout's worth of bytes, sent as fast as they go: never idle.
      const created = await call(`${registry.url}/v1/models/${model}/versions`, { method: 'POST', body: uploadForm(randomBytes(40_000_000)) });
      expect(created.status).toBe(201);
    });
  });
}
