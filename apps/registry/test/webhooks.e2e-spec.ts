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
    expect(read.body).toEqual({ id: created.body.id, url: created.body.url, events: created.body.events, model: 'fraud', created_by: created.body.created_by, created_at: created.body.created_at });
    expect((await call(`${registry.url}/v1/webhooks/${created.body.id}/deliveries`)).body).toEqual({ items: [], next_cursor: null });

    const operator = await createKey(registry.url, ['operator']);
    expect(expectProblem(await create({ url: 'https://93.184.216.34/x', events: ['version.ready'] }, operator.key), 403).required_role).toBe('admin');
    expectProblem(await call(`${registry.url}/v1/webhooks`, { headers: authHeaders(operator.key) }), 403);

    expect((await call(`${registry.url}/v1/webhooks/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expectProblem(await call(`${registry.url}/v1/webhooks/${created.body.id}`), 404);
    expectProblem(await call(`${registry.url}/v1/webhooks/not-a-uuid/deliveries`), 404);
  });
});
