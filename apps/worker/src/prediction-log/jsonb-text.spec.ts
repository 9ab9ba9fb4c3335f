import { jsonbText } from './jsonb-text';

describe('jsonbText', () => {
  it('is JSON.stringify for a value without NUL characters, a backslash followed by "u0000" included', () => {
    const values = [{ a: [1, 'b', null, true], c: { d: 'é🙂' } }, 'x\\u0000y', 3.5, null, [], { 'k\\u0000': 'v' }];
    for (const value of values) expect(jsonbText(value)).toBe(JSON.stringify(value));
  });

  it('replaces NUL characters in strings and keys, at any depth, with U+FFFD', () => {
    const value = { request: { inputs: { text: [['a\u0000b', 'plain']] }, 'key\u0000': 1 }, label: '\u0000' };
    const text = jsonbText(value);
    expect(text).not.toContain('\\u0000');
    expect(JSON.parse(text)).toEqual({ request: { inputs: { text: [['a\uFFFDb', 'plain']] }, 'key\uFFFD': 1 }, label: '\uFFFD' });
  });

  it('keeps a __proto__ key as data', () => {
    const value = JSON.parse('{"__proto__": {"x": "\\u0000"}}') as unknown;
    expect(JSON.parse(jsonbText(value))).toEqual(JSON.parse('{"__proto__": {"x": "\\uFFFD"}}'));
  });
});
