import { TokenBuckets } from './token-bucket';

describe('TokenBuckets', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => (now = 0));

  it('lets a burst through, then refuses with the seconds until the next token', () => {
    const buckets = new TokenBuckets(clock);
    const limit = { ratePerSecond: 2, burst: 3 };
    expect([1, 2, 3].map(() => buckets.take('k', limit).allowed)).toEqual([true, true, true]);
    expect(buckets.take('k', limit)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now = 500; // one token at 2/s
    expect(buckets.take('k', limit).allowed).toBe(true);
    expect(buckets.take('k', limit).allowed).toBe(false);
  });

  it('keeps one bucket per key, each with its own limit', () => {
    const buckets = new TokenBuckets(clock);
    expect(buckets.take('a', { ratePerSecond: 1, burst: 1 }).allowed).toBe(true);
    expect(buckets.take('a', { ratePerSecond: 1, burst: 1 }).allowed).toBe(false);
    expect([1, 2, 3].map(() => buckets.take('b', { ratePerSecond: 1, burst: 3 }).allowed)).toEqual([true, true, true]);
  });

  it('never holds more than the burst, however long it was idle', () => {
    const buckets = new TokenBuckets(clock);
    const limit = { ratePerSecond: 10, burst: 2 };
    now = 3_600_000;
    expect([1, 2, 3].map(() => buckets.take('k', limit).allowed)).toEqual([true, true, false]);
  });

  it('states a Retry-After of whole seconds at a slow rate', () => {
    const buckets = new TokenBuckets(clock);
    buckets.take('k', { ratePerSecond: 0.1, burst: 1 });
    expect(buckets.take('k', { ratePerSecond: 0.1, burst: 1 })).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  it('limits nothing for a key without a limit', () => {
    const buckets = new TokenBuckets(clock);
    expect(Array.from({ length: 10_000 }, () => buckets.take('k', null).allowed).every(Boolean)).toBe(true);
  });

  it('applies a changed limit to the next request: a raised burst refills at the new rate, a lowered one caps the tokens', () => {
    const buckets = new TokenBuckets(clock);
    buckets.take('k', { ratePerSecond: 1, burst: 1 });
    expect(buckets.take('k', { ratePerSecond: 1, burst: 1 }).allowed).toBe(false);
    now = 100; // 0.1 s at 100/s is 10 tokens, capped at the new burst of 5
    expect(Array.from({ length: 6 }, () => buckets.take('k', { ratePerSecond: 100, burst: 5 }).allowed)).toEqual([true, true, true, true, true, false]);
    now = 10_000;
    expect([1, 2].map(() => buckets.take('k', { ratePerSecond: 100, burst: 1 }).allowed)).toEqual([true, false]);
    // Removing the limit lifts it at once.
    expect(buckets.take('k', null).allowed).toBe(true);
  });
});
