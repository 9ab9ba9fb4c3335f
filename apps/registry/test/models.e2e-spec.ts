import { gzipSync } from 'node:zlib';
import { authHeaders, call, expectProblem, uploadForm } from '../../../test/support/client';
import { createKey } from '../../../test/support/keys';
import { fileStoreEnv, type RunningApp, startRegistry } from '../../../test/support/http-app';
import { uniqueSuffix } from '../../../test/support/test-env';

describe('models', () => {
  let registry: RunningApp;
  beforeAll(async () => {
    registry = await startRegistry(fileStoreEnv());
  });
  afterAll(() => registry.close());

  const create = (json: unknown, headers: Record<string, string> = {}) =>
    call(`${registry.url}/v1/models`, { method: 'POST', json, headers });

  it('registers a model and reads it back with its actor, the key that created it', async () => {
    const name = `fraud-${uniqueSuffix()}`;
    const alice = await createKey(registry.url, ['publisher'], { name: 'alice' });
    const created = await create({ name, description: 'scores transactions', tags: { team: 'risk' } }, authHeaders(alice.key));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name, description: 'scores transactions', tags: { team: 'risk' }, created_by: `key:${alice.id} (alice)`, latest_version: 0 });
    const read = await call(`${registry.url}/v1/models/${name}`);
    expect(read.body).toMatchObject({ name, aliases: {}, deployment: { champion: null, challenger: null, challenger_percent: 0, revision: 0 } });
  });

  it('refuses a duplicate name with 409', async () => {
    const name = `dup-${uniqueSuffix()}`;
    expect((await create({ name })).status).toBe(201);
    expect(expectProblem(await create({ name }), 409).errors).toEqual([{ field: 'name', message: 'already taken' }]);
  });

  it.each([
    ['uppercase', 'Fraud'],
    ['a path', '../etc'],
    ['a quote', "a'; DROP TABLE models; --"],
    ['a NUL', 'a\u0000b'],
    ['empty', ''],
    ['too long', 'a'.repeat(64)],
    ['a leading dash', '-a'],
  ])('refuses a name that is %s with 400 naming the field', async (_label, name) => {
    expect(expectProblem(await create({ name }), 400).errors).toEqual([expect.objectContaining({ field: 'name' })]);
  });

  it('refuses bodies of the wrong shape', async () => {
    expectProblem(await create({}), 400);
    expectProblem(await create({ name: 'ok-name', tags: ['a'] }), 400);
    expectProblem(await create({ name: 'ok-name', tags: { a: 1 } }), 400);
    expectProblem(await create({ name: 'ok-name', owner: 'x' }), 400);
    expectProblem(await create([1, 2]), 400);
    expectProblem(await call(`${registry.url}/v1/models`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' }), 400);
    expectProblem(await call(`${registry.url}/v1/models`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' }), 415);
  });

  it('takes a gzip-compressed JSON body, and refuses a compressed upload with 415 naming why', async () => {
    const name = `gzipped-${uniqueSuffix()}`;
    const created = await call(`${registry.url}/v1/models`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ name, description: 'sent compressed' })),
    });
    expect([created.status, created.body.description]).toEqual([201, 'sent compressed']);
    const form = uploadForm(Buffer.from('not a model'));
    const encoded = new Response(form);
    const upload = await call(`${registry.url}/v1/models/${name}/versions`, {
      method: 'POST',
      headers: { 'content-type': encoded.headers.get('content-type')!, 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from(await encoded.arrayBuffer())),
    });
    expect(expectProblem(upload, 415).detail).toContain('an upload (multipart/form-data) must be sent uncompressed');
    expect((await call(`${registry.url}/v1/models/${name}/versions`)).body.items).toEqual([]);
  });

  it('stores SQL and path characters in descriptions verbatim', async () => {
    const name = `verbatim-${uniqueSuffix()}`;
    const description = "'; DROP TABLE models; -- ../../etc/passwd %00 \" \\";
    await create({ name, description, tags: { "k'": '../x' } });
    expect((await call(`${registry.url}/v1/models/${name}`)).body).toMatchObject({ description, tags: { "k'": '../x' } });
  });

  it('answers 404 for an unknown model and 400 for a path that cannot be a name', async () => {
    expectProblem(await call(`${registry.url}/v1/models/nobody-${uniqueSuffix()}`), 404);
    expectProblem(await call(`${registry.url}/v1/models/${encodeURIComponent("x' OR '1'='1")}`), 400);
    expectProblem(await call(`${registry.url}/v1/models/..%2F..%2Fetc`), 400);
    expectProblem(await call(`${registry.url}/v1/models/a%00b`), 400);
  });

  it('edits description and tags, leaving what is not sent', async () => {
    const name = `edit-${uniqueSuffix()}`;
    await create({ name, description: 'old', tags: { a: 'b' } });
    const patched = await call(`${registry.url}/v1/models/${name}`, { method: 'PATCH', json: { description: 'new' } });
    expect(patched.body).toMatchObject({ description: 'new', tags: { a: 'b' } });
    const retagged = await call(`${registry.url}/v1/models/${name}`, { method: 'PATCH', json: { tags: { c: 'd' } } });
    expect(retagged.body).toMatchObject({ description: 'new', tags: { c: 'd' } });
    expectProblem(await call(`${registry.url}/v1/models/${name}`, { method: 'PATCH', json: { name: 'other' } }), 400);
    expectProblem(await call(`${registry.url}/v1/models/nobody-${uniqueSuffix()}`, { method: 'PATCH', json: { description: 'x' } }), 404);
  });

  it('pages through all models by name with a cursor, and refuses a malformed cursor or limit', async () => {
    const prefix = `page-${uniqueSuffix()}`;
    const names = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
    for (const name of names) await create({ name });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await call(`${registry.url}/v1/models?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((m: { name: string }) => m.name));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(names));
    expect(new Set(seen).size).toBe(seen.length);
    expectProblem(await call(`${registry.url}/v1/models?cursor=not-a-cursor`), 400);
    expectProblem(await call(`${registry.url}/v1/models?limit=0`), 400);
    expectProblem(await call(`${registry.url}/v1/models?limit=abc`), 400);
    expectProblem(await call(`${registry.url}/v1/models?limit=201`), 400);
  });
});
