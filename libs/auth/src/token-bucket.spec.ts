import { TokenBuckets } from './token-bucket';

describe('TokenBuckets', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 0));

  it('lets a burst through, then refuses with the seconds until the next token', () => {
    const buckets = new TokenBuckets(2, 3, clock);
    expect([1, 2, 3].map(() => buckets.take('k').allowed)).toEqual([true, true, true]);
    expect(buckets.take('k')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 500; // one token at 2/s
    expect(buckets.take('k').allowed).toBe(true);
    expect(buckets.take('k').allowed).toBe(false);
  });

  it('keeps one bucket per key', () => {
    const buckets = new TokenBuckets(1, 1, clock);
    expect(buckets.take('a').allowed).toBe(true);
    expect(buckets.take('a').allowed).toBe(false);
    expect(buckets.take('b').allowed).toBe(true);
  });

  it('never holds more than the burst, however long it was idle', () => {
    const buckets = new TokenBuckets(10, 2, clock);
    now = 3_600_000;
    expect([1, 2, 3].map(() => buckets.take('k').allowed)).toEqual([true, true, false]);
  });

  it('states a Retry-After of whole seconds at a slow rate', () => {
    const buckets = new TokenBuckets(0.1, 1, clock);
    buckets.take('k');
    expect(buckets.take('k')).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  it('limits nothing at rate 0', () => {
    const buckets = new TokenBuckets(0, 1, clock);
    expect(Array.from({ length: 100 }, () => buckets.take('k').allowed).every(Boolean)).toBe(true);
  });
});
