import { DomainError } from '@switchyard/errors';
import { parseRevisionPrecondition } from './if-match';

describe('parseRevisionPrecondition', () => {
  it.each([
    ['"7"', 7],
    ['W/"7"', 7],
    ['7', 7],
    [' "12" ', 12],
    ['*', 'any'],
  ])('reads %j as %j', (header, expected) => {
    expect(parseRevisionPrecondition(header)).toBe(expected);
  });

  it('treats an absent or empty header as absent', () => {
    expect(parseRevisionPrecondition(undefined)).toBeUndefined();
    expect(parseRevisionPrecondition('')).toBeUndefined();
  });

  it.each(['"abc"', '"1", "2"', '-1', '"1.5"'])('refuses %j', (header) => {
    expect(() => parseRevisionPrecondition(header)).toThrow(DomainError);
  });
});
