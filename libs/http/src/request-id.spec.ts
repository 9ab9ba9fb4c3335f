import { fastify as createFastify } from 'fastify';
import { installRequestIdRule, isValidRequestId, requestIdOf, timeOrderedUuid } from './request-id';

describe('the request id rule', () => {
  it('takes 1–128 visible ASCII characters without spaces', () => {
    expect(['a', 'order-1001', 'tour-1', '7c0d9f2e-0b6a-4c1e-9a51-3f3c2d1e0b9a', 'x'.repeat(128), 'a/b+c=d:e.f_g~!']
      .every(isValidRequestId)).toBe(true);
    expect(['', 'x'.repeat(129), 'order 1001', 'tab\tid', 'caf\u00e9', 'line\nbreak', 42, undefined].some(isValidRequestId)).toBe(false);
  });

  it('keeps a client id that follows the rule and generates one otherwise', () => {
    expect(requestIdOf({ headers: { 'x-request-id': 'order-1001' } })).toBe('order-1001');
    for (const header of ['x'.repeat(12_000), 'a b', undefined]) {
      expect(requestIdOf({ headers: { 'x-request-id': header } })).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });

  describe('a generated id (UUID version 7, RFC 9562)', () => {
    const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

    it('carries version 7, the RFC variant, and the millisecond it was made in its first 48 bits', () => {
      const at = Date.UTC(2026, 11, 4, 23, 30, 0, 123);
      const id = timeOrderedUuid(at);
      expect(id).toMatch(UUID_V7);
      expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(at);
      expect(requestIdOf({ headers: {} })).toMatch(UUID_V7);
      // The 48 bits at their ends and where the time's two halves meet.
      for (const edge of [0, 1, 0xffffff, 0x1000000, 0x1000001, 2 ** 48 - 1]) {
        const edgeId = timeOrderedUuid(edge);
        expect(edgeId).toMatch(UUID_V7);
        expect(parseInt(edgeId.replace(/-/g, '').slice(0, 12), 16)).toBe(edge);
      }
    });

    it('sorts by the time it was made, and is unique within one millisecond', () => {
      const at = Date.now();
      const sameMillisecond = Array.from({ length: 10_000 }, () => timeOrderedUuid(at));
      expect(new Set(sameMillisecond).size).toBe(sameMillisecond.length);
      const later = timeOrderedUuid(at + 1);
      expect(sameMillisecond.every((id) => id < later)).toBe(true);
    });
  });

  describe('on an app', () => {
    const app = createFastify({ requestIdHeader: false, genReqId: requestIdOf });
    installRequestIdRule(app);
    app.get('/ok', async () => ({ ok: true }));
    app.get('/fails', async () => {
      throw new Error('broken');
    });
    afterAll(() => app.close());

    it('names every answer\'s request in X-Request-Id: served, failed, or matching no route', async () => {
      for (const [url, status] of [['/ok', 200], ['/fails', 500], ['/nowhere', 404]] as const) {
        const answer = await app.inject({ method: 'GET', url, headers: { 'x-request-id': `order-${status}` } });
        expect([answer.statusCode, answer.headers['x-request-id']]).toEqual([status, `order-${status}`]);
      }
    });

    it('refuses an id that breaks the rule, and names the answer by the id it generated instead', async () => {
      const answer = await app.inject({ method: 'GET', url: '/ok', headers: { 'x-request-id': 'has a space' } });
      expect(answer.statusCode).toBe(400);
      expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(answer.json().detail).toContain('X-Request-Id must be one header of');
    });
  });
});
