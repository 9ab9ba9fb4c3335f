import { authHeaders, call, expectProblem } from '../../../test/support/client';
import { fileStoreEnv, type RunningApp, startRegistry } from '../../../test/support/http-app';
import { createKey } from '../../../test/support/keys';

describe('webhooks: registration (admin), refused URLs and events', () => {
  let registry: RunningApp;
  beforeAll(async () => {
    // The default: loopback and private addresses refused.
    registry = await startRegistry({ ...fileStoreEnv(), WEBHOOK_ALLOW_PRIVATE: 'false' });
  });
  afterAll(() => registry.close());

  const create = (json: unknown, key?: string) => call(`${registry.url}/v1/webhooks`, { method: 'POST', json, headers: authHeaders(key) });
  const count = async () => (await call(`${registry.url}/v1/webhooks`)).body.items.length;

  /** A refused registration stores nothing. */
  async function expectRefused(json: unknown, status: number, field: string): Promise<void> {
    const before = await count();
    const problem = expectProblem(await create(json), status);
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(await count()).toBe(before);
  }

  it.each([
    ['not http(s)', 'ftp://hooks.example.com/x'],
    ['a script URL', 'javascript:alert(1)'],
    ['not a URL', 'hooks'],
    ['loopback', 'http://127.0.0.1:8080/hook'],
    ['loopback by name', 'http://localhost:8080/hook'],
    ['IPv6 loopback', 'http://[::1]/hook'],
    ['private', 'http://10.1.2.3/hook'],
    ['private 192.168', 'https://192.168.0.10/hook'],
    ['link-local (cloud metadata)', 'http://169.254.169.254/latest/meta-data'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/hook'],
    ['with credentials', 'https://user:secret@93.184.216.34/hook'],
  ])('refuses a URL that is %s with 400 naming url', async (_label, url) => {
    await expectRefused({ url, events: ['version.ready'] }, 400, 'url');
  });

  it.each([
    ['an unknown event', { url: 'https://93.184.216.34/h', events: ['version.deleted'] }, 'events'],
    ['no events', { url: 'https://93.184.216.34/h', events: [] }, 'events'],
    ['a malformed model filter', { url: 'https://93.184.216.34/h', events: ['version.ready'], model: 'Not A Name' }, 'model'],
    ['a malformed secret', { url: 'https://93.184.216.34/h', events: ['version.ready'], secret: 'hunter2' }, 'secret'],
    ['an unknown field', { url: 'https://93.184.216.34/h', events: ['version.ready'], active: true }, 'active'],
  ])('refuses %s with 400 naming the field', async (_label, body, field) => {
    await expectRefused(body, 400, field);
  });

  it('registers a public URL, shows its secret once, lists and deletes it; only admins may', async () => {
    const created = await create({ url: 'https://93.184.216.34/hooks', events: ['deployment.changed', 'deployment.changed', 'version.ready'], model: 'fraud' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: 'https://93.184.216.34/hooks', events: ['deployment.changed', 'version.ready'], model: 'fraud', secret: expect.stringMatching(/^whsec_/) });
    const read = await call(`${registry.url}/v1/webhooks/${created.body.id}`);
    expect(read.body).toEqual({ id: created.body.id, url: created.body.url, events: created.body.events, model: 'fraud', previous_secret_expires_at: null, created_by: created.body.created_by, created_at: created.body.created_at });
    expect((await call(`${registry.url}/v1/webhooks/${created.body.id}/deliveries`)).body).toEqual({ items: [], next_cursor: null });

    const operator = await createKey(registry.url, ['operator']);
    expect(expectProblem(await create({ url: 'https://93.184.216.34/x', events: ['version.ready'] }, operator.key), 403).required_role).toBe('admin');
    expectProblem(await call(`${registry.url}/v1/webhooks`, { headers: authHeaders(operator.key) }), 403);

    expect((await call(`${registry.url}/v1/webhooks/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expectProblem(await call(`${registry.url}/v1/webhooks/${created.body.id}`), 404);
    expectProblem(await call(`${registry.url}/v1/webhooks/not-a-uuid/deliveries`), 404);
  });

  describe('changing one (PATCH)', () => {
    const update = (id: string, json: unknown, key?: string) => call(`${registry.url}/v1/webhooks/${id}`, { method: 'PATCH', json, headers: authHeaders(key) });
    const registered = async () => {
      const created = await create({ url: 'https://93.184.216.34/hooks', events: ['version.ready'], model: 'fraud' });
      expect(created.status).toBe(201);
      return created.body as { id: string; secret: string };
    };
    const read = async (id: string) => (await call(`${registry.url}/v1/webhooks/${id}`)).body as Record<string, unknown>;

    it('changes what is given and keeps the rest; shows a secret only when the change set or generated one', async () => {
      const hook = await registered();
      const moved = await update(hook.id, { url: 'https://93.184.216.35/v2', events: ['deployment.changed', 'deployment.changed'] });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ id: hook.id, url: 'https://93.184.216.35/v2', events: ['deployment.changed'], model: 'fraud' });
      expect(moved.body).not.toHaveProperty('secret');
      expect(await read(hook.id)).toEqual({ ...moved.body });

      const everyModel = await update(hook.id, { model: null });
      expect(everyModel.body).toMatchObject({ model: null, url: 'https://93.184.216.35/v2' });

      const rotated = await update(hook.id, { rotate_secret: true });
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(hook.secret);
      const chosen = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
      expect((await update(hook.id, { secret: chosen })).body.secret).toBe(chosen);
      expect(await read(hook.id)).not.toHaveProperty('secret');
    });

    it("keeps the replaced secret signing for a day, or for secret_overlap_seconds, and says until when", async () => {
      const hook = await registered();
      const until = async (json: object) => {
        const answer = await update(hook.id, json);
        expect(answer.status).toBe(200);
        expect((await read(hook.id)).previous_secret_expires_at).toBe(answer.body.previous_secret_expires_at);
        const expires = answer.body.previous_secret_expires_at as string | null;
        return expires === null ? null : Date.parse(expires) - Date.now();
      };
      const aDay = await until({ rotate_secret: true });
      expect(aDay).toBeGreaterThan(86_400_000 - 60_000);
      expect(aDay).toBeLessThanOrEqual(86_400_000);
      const aMinute = await until({ secret: `whsec_${Buffer.alloc(32, 9).toString('base64')}`, secret_overlap_seconds: 60 });
      expect(aMinute).toBeGreaterThan(0);
      expect(aMinute).toBeLessThanOrEqual(60_000);
      expect(await until({ rotate_secret: true, secret_overlap_seconds: 0 })).toBeNull();
      // A change that sets no secret leaves the overlap as it is.
      await until({ rotate_secret: true, secret_overlap_seconds: 600 });
      const before = (await read(hook.id)).previous_secret_expires_at;
      expect((await update(hook.id, { events: ['version.failed'] })).body.previous_secret_expires_at).toBe(before);
    });

    it.each([
      ['nothing to change', {}, 'body'],
      ['a refused URL', { url: 'http://127.0.0.1:8080/hook' }, 'url'],
      ['an unknown event', { events: ['version.deleted'] }, 'events'],
      ['no events', { events: [] }, 'events'],
      ['a malformed model filter', { model: 'Not A Name' }, 'model'],
      ['a malformed secret', { secret: 'hunter2' }, 'secret'],
      ['a secret and rotate_secret together', { secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`, rotate_secret: true }, 'secret'],
      ['rotate_secret false', { rotate_secret: false }, 'rotate_secret'],
      ['an overlap without a new secret', { events: ['version.ready'], secret_overlap_seconds: 60 }, 'secret_overlap_seconds'],
      ['a negative overlap', { rotate_secret: true, secret_overlap_seconds: -1 }, 'secret_overlap_seconds'],
      ['an overlap over 7 days', { rotate_secret: true, secret_overlap_seconds: 604_801 }, 'secret_overlap_seconds'],
      ['a fractional overlap', { rotate_secret: true, secret_overlap_seconds: 1.5 }, 'secret_overlap_seconds'],
      ['an unknown field', { active: false }, 'active'],
    ])('refuses %s with 400 naming the field, and changes nothing', async (_label, body, field) => {
      const hook = await registered();
      const before = await read(hook.id);
      const problem = expectProblem(await update(hook.id, body), 400);
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
      expect(await read(hook.id)).toEqual(before);
    });

    it('answers 404 for a webhook that does not exist, and 403 to a key that is not an admin', async () => {
      expectProblem(await update('7c9e6679-7425-40de-944b-e07fc1f90ae7', { events: ['version.ready'] }), 404);
      expectProblem(await update('not-a-uuid', { events: ['version.ready'] }), 404);
      const hook = await registered();
      const operator = await createKey(registry.url, ['operator']);
      expect(expectProblem(await update(hook.id, { events: ['version.failed'] }, operator.key), 403).required_role).toBe('admin');
      expect((await read(hook.id)).events).toEqual(['version.ready']);
    });
  });
});
