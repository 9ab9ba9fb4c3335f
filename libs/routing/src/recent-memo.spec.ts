import { RecentMemo } from './recent-memo';

describe('RecentMemo', () => {
  function counting(capacity: number, maxKeyLength?: number) {
    const computed: string[] = [];
    const memo = new RecentMemo((key) => {
      computed.push(key);
      return `value of ${key}`;
    }, capacity, maxKeyLength);
    return { memo, computed };
  }

  it('computes a key once while it stays recent, and returns the computed value every time', () => {
    const { memo, computed } = counting(4);
    expect(memo.get('a')).toBe('value of a');
    expect(memo.get('a')).toBe('value of a');
    expect(memo.get('b')).toBe('value of b');
    expect(memo.get('a')).toBe('value of a');
    expect(computed).toEqual(['a', 'b']);
  });

  it('keeps a key used once per `capacity` distinct keys, and forgets one that was not', () => {
    const { memo, computed } = counting(2);
    memo.get('kept');
    memo.get('x');
    // young {kept, x} is full: y starts a new generation, and kept is still found in the old one.
    memo.get('y');
    memo.get('kept');
    memo.get('z');
    memo.get('w');
    // x was not used since its generation aged twice: computed again.
    memo.get('x');
    expect(computed).toEqual(['kept', 'x', 'y', 'z', 'w', 'x']);
  });

  it('holds at most twice its capacity, however many keys pass', () => {
    const { memo } = counting(100);
    for (let i = 0; i < 10_000; i++) memo.get(`caller-${i}`);
    expect(memo.size).toBeLessThanOrEqual(200);
    expect(memo.size).toBeGreaterThanOrEqual(100);
  });

  it('computes keys longer than maxKeyLength every time and holds none of them', () => {
    const { memo, computed } = counting(4, 8);
    const long = 'k'.repeat(9);
    expect(memo.get(long)).toBe(`value of ${long}`);
    expect(memo.get(long)).toBe(`value of ${long}`);
    expect(computed).toEqual([long, long]);
    expect(memo.size).toBe(0);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentMemo(String, 0)).toThrow(RangeError);
    expect(() => new RecentMemo(String, 1.5)).toThrow(RangeError);
  });
});
