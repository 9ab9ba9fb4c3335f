import { DomainError } from '@switchyard/errors';
import { decodeCursor, encodeCursor, toPage } from './cursor';

describe('cursor', () => {
  it('round-trips strings and numbers', () => {
    expect(decodeCursor(encodeCursor('my-model'), 'string')).toBe('my-model');
    expect(decodeCursor(encodeCursor(42), 'number')).toBe(42);
  });

  it.each(['', 'not base64!', 'e30', Buffer.from('{"after":1}').toString('base64url'), Buffer.from('[1]').toString('base64url'), 'x'.repeat(401)])(
    'refuses %j as a string cursor',
    (cursor) => {
      expect(() => decodeCursor(cursor, 'string')).toThrow(DomainError);
    },
  );

  it('refuses a string where a number is expected', () => {
    expect(() => decodeCursor(encodeCursor('3'), 'number')).toThrow(DomainError);
  });

  it('pages with a look-ahead row', () => {
    const page = toPage([1, 2, 3], 2, (n) => n, (n) => ({ n }));
    expect(page.items).toEqual([{ n: 1 }, { n: 2 }]);
    expect(decodeCursor(page.next_cursor!, 'number')).toBe(2);
    expect(toPage([1, 2], 2, (n) => n, (n) => n).next_cursor).toBeNull();
  });
});
