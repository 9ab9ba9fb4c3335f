import { jsonNestsDeeperThan as nestsDeeperThan } from './json-body';

const jsonNestsDeeperThan = (text: string, limit: number) => nestsDeeperThan(Buffer.from(text), limit);

describe('jsonNestsDeeperThan', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it('counts arrays and objects inside one another', () => {
    expect(jsonNestsDeeperThan(nested(3), 3)).toBe(false);
    expect(jsonNestsDeeperThan(nested(4), 3)).toBe(true);
    expect(jsonNestsDeeperThan('{"a":{"b":[1,{"c":2}]}}', 4)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":{"b":[1,{"c":[2]}]}}', 4)).toBe(true);
  });

  it('counts depth, not how many arrays there are', () => {
    const wide = `[${Array.from({ length: 10_000 }, () => '[1,2]').join(',')}]`;
    expect(jsonNestsDeeperThan(wide, 2)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonNestsDeeperThan(`{"a":"${'['.repeat(100)}"}`, 1)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":"\\"${'{'.repeat(100)}\\\\"}`, 1)).toBe(false);
    expect(jsonNestsDeeperThan(`["\\\\",${nested(5)}]`, 5)).toBe(true);
  });

  it('reads multi-byte UTF-8 inside strings as string content', () => {
    expect(jsonNestsDeeperThan('{"ключ":"значение [[[[ 模型 🚀","b":[1]}', 2)).toBe(false);
  });

  it('passes a body with no more openings than the limit, and scans one with more', () => {
    // Up to `limit` openings in all cannot nest deeper than `limit`: those bodies are passed on a count.
    const body = (rows: number, depth: number) => `{"instances":[${Array.from({ length: rows }, () => '[1,2]').join(',')}],"deep":${nested(depth)}}`;
    expect(jsonNestsDeeperThan('{"instances":[[1,2]]}', 4)).toBe(false);
    expect(jsonNestsDeeperThan(body(1, 3), 4)).toBe(false);
    expect(jsonNestsDeeperThan(body(1, 4), 4)).toBe(true);
    expect(jsonNestsDeeperThan(body(100, 3), 4)).toBe(false);
    expect(jsonNestsDeeperThan(body(100, 4), 4)).toBe(true);
    // Brackets in strings count toward the openings but not the depth.
    expect(jsonNestsDeeperThan(`{"a":"${'{'.repeat(10)}","b":[[[1]]]}`, 4)).toBe(false);
    expect(jsonNestsDeeperThan(`{"a":"${'{'.repeat(10)}","b":[[[[1]]]]}`, 4)).toBe(true);
  });

  it('stops at the first level over the limit, whatever follows', () => {
    expect(jsonNestsDeeperThan(`${'['.repeat(100_000)}`, 64)).toBe(true);
    expect(jsonNestsDeeperThan('', 64)).toBe(false);
    expect(jsonNestsDeeperThan('not json at all ]]]', 0)).toBe(false);
  });
});
