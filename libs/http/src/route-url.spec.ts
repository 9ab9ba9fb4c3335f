import { fastify as createFastify } from 'fastify';
import { installRouteUrl, routeUrlOf } from './route-url';

describe('routeUrlOf', () => {
  const app = createFastify();
  const seen: Array<{ url: string; first: string | undefined; again: string | undefined }> = [];
  installRouteUrl(app);
  // A second install (every hook that reads the pattern installs it) must not throw.
  installRouteUrl(app);
  app.addHook('onRequest', (request, _reply, done) => {
    seen.push({ url: request.url, first: routeUrlOf(request), again: routeUrlOf(request) });
    done();
  });
  app.get('/items/:id', async () => ({ ok: true }));

  afterAll(() => app.close());

  it('gives the matched route pattern, and undefined when no route matched, the same on every read', async () => {
    expect((await app.inject({ method: 'GET', url: '/items/7' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/nothing/here' })).statusCode).toBe(404);
    expect(seen).toEqual([
      { url: '/items/7', first: '/items/:id', again: '/items/:id' },
      { url: '/nothing/here', first: undefined, again: undefined },
    ]);
  });
});
