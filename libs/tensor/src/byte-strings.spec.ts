import { byteStringProblem, NOT_UTF8, readByteString } from './byte-strings';

describe('BYTES elements as string tensor strings', () => {
  it('takes UTF-8 text unchanged, a byte order mark and surrogate pairs included', () => {
    for (const text of ['', 'héllo', '日本', '😀', '\uFEFFlead']) {
      expect(readByteString(Buffer.from(text, 'utf8'))).toEqual({ text });
      expect(byteStringProblem(text)).toBeUndefined();
    }
  });

  it('refuses bytes that are not UTF-8, and a NUL, which the string tensor would end the string at', () => {
    expect(readByteString(Uint8Array.of(0x61, 0xff))).toEqual({ problem: NOT_UTF8 });
    expect(readByteString(Uint8Array.of(0xed, 0xa0, 0x80))).toEqual({ problem: NOT_UTF8 }); // an encoded surrogate
    expect(readByteString(Uint8Array.of(0x61, 0x00, 0x62)).problem).toMatch(/^holds a NUL character \(U\+0000\)/);
  });

  it('names a JSON string a string tensor would alter: a NUL, or a lone surrogate', () => {
    expect(byteStringProblem('a\u0000')).toMatch(/NUL character/);
    expect(byteStringProblem('\uD800')).toMatch(/lone UTF-16 surrogate/);
    expect(byteStringProblem('x\uDC00y')).toMatch(/lone UTF-16 surrogate/);
  });
});
