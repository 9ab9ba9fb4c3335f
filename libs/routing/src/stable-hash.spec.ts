import { createHash } from 'node:crypto';
import { hashRoutingKey, stableHash64, stableHash64Hex } from './stable-hash';

// Expected values were computed outside this code, e.g. for the first vector:
//   printf '%s' '14:fraud-detector16:9f2c4e1a7b3d5e605:alice' | sha256sum | cut -c1-16
// If one of these fails, every sticky caller of every model would be reshuffled: do not update the
// vector, restore the hash.
describe('stableHash64', () => {
  it.each([
    [['fraud-detector', '9f2c4e1a7b3d5e60', 'alice'], 0x4daea2a0fab0e321n],
    [['modèle', 'sel', 'client-42'], 0xb5bf6f59b539ba05n], // "modèle" is 6 characters but 7 UTF-8 bytes
    [[''], 0xba768b331fd86cecn],
    [[], 0xe3b0c44298fc1c14n], // SHA-256 of no bytes at all
  ])('hashes %j to the pinned vector', (parts, expected) => {
    expect(stableHash64(...parts)).toBe(expected);
  });

  it('frames parts so that no two different lists of parts share an input', () => {
    const lists = [['ab', 'c'], ['a', 'bc'], ['abc'], ['a', 'b', 'c'], ['abc', ''], ['', 'abc'], ['1:a'], ['a'], ['a', ''], []];
    const hashes = new Set(lists.map((parts) => stableHash64(...parts)));
    expect(hashes.size).toBe(lists.length);
  });

  it('uses all 64 bits', () => {
    const hashes = Array.from({ length: 1000 }, (_, i) => stableHash64('model', 'salt', `caller-${i}`));
    expect(hashes.every((value) => value >= 0n && value < 1n << 64n)).toBe(true);
    expect(hashes.some((value) => value >= 1n << 63n)).toBe(true);
  });

  it('reads as 16 lowercase hex digits, big-endian, zero-padded (stableHash64Hex)', () => {
    expect(stableHash64Hex('fraud-detector', '9f2c4e1a7b3d5e60', 'alice')).toBe('4daea2a0fab0e321');
    const keys = Array.from({ length: 2000 }, (_, i) => `caller-${i}`);
    const differing = keys.filter((key) => stableHash64Hex('m', key) !== stableHash64('m', key).toString(16).padStart(16, '0'));
    expect(differing).toEqual([]);
    // Some of 2000 hashes start with a zero digit, so the padding is exercised.
    expect(keys.some((key) => stableHash64Hex('m', key).startsWith('0'))).toBe(true);
  });
});

describe('hashRoutingKey', () => {
  it.each([
    ['alice', 'dac5c1eccd6b33a4'],
    ['bob', '9b306bed940ab5a9'],
  ])('digests %s to the pinned vector', (key, expected) => {
    expect(hashRoutingKey(key)).toBe(expected);
  });

  it('gives 16 hex characters that do not contain the key, distinct per key', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `customer-${i}@example.com`);
    const digests = keys.map(hashRoutingKey);
    expect(digests.every((digest) => /^[0-9a-f]{16}$/.test(digest))).toBe(true);
    expect(digests.some((digest, i) => digest.includes(keys[i]))).toBe(false);
    expect(new Set(digests).size).toBe(keys.length);
  });

  it('differs from a plain SHA-256 of the key and from the key routing hash', () => {
    const plainSha256 = createHash('sha256').update('alice').digest('hex').slice(0, 16);
    expect(hashRoutingKey('alice')).not.toBe(plainSha256);
    expect(hashRoutingKey('alice')).not.toBe(stableHash64('alice').toString(16).padStart(16, '0'));
  });
});
