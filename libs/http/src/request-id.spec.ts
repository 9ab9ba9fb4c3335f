import { isValidRequestId, requestIdOf } from './request-id';

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
});
