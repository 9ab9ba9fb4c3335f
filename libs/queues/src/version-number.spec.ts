import { MAX_VERSION_NUMBER, parseVersionNumber } from './version-number';

describe('parseVersionNumber', () => {
  it.each([
    ['1', 1],
    ['42', 42],
    ['2147483647', MAX_VERSION_NUMBER],
  ])('reads %s', (text, version) => {
    expect(parseVersionNumber(text)).toBe(version);
  });

  it.each(['0', '2147483648', '9999999999', '99999999999', '0x1', '1.0', '1e0', '01', '+1', '-1', ' 1', '1 ', '', 'one', '１'])(
    'refuses %j',
    (text) => {
      expect(parseVersionNumber(text)).toBeUndefined();
    },
  );
});
