import { countReplicas, replicaShare } from './replica-share';

describe('replica shares of a rate limit', () => {
  it('counts replicas that beat within the TTL, itself always, and names the stale ones', () => {
    const now = 100_000;
    expect(countReplicas({}, 'a', now, 10_000)).toEqual({ count: 1, stale: [] });
    expect(countReplicas({ a: String(now - 1_000), b: String(now - 9_000), c: String(now - 20_000) }, 'a', now, 10_000)).toEqual({ count: 2, stale: ['c'] });
    expect(countReplicas({ b: String(now), c: String(now) }, 'a', now, 10_000).count).toBe(3);
  });

  it('divides the rate and the burst, keeping at least one request of burst', () => {
    expect(replicaShare({ ratePerSecond: 300, burst: 600 }, 1)).toEqual({ ratePerSecond: 300, burst: 600 });
    expect(replicaShare({ ratePerSecond: 300, burst: 600 }, 3)).toEqual({ ratePerSecond: 100, burst: 200 });
    expect(replicaShare({ ratePerSecond: 10, burst: 5 }, 2)).toEqual({ ratePerSecond: 5, burst: 3 });
    expect(replicaShare({ ratePerSecond: 1, burst: 1 }, 4)).toEqual({ ratePerSecond: 0.25, burst: 1 });
  });
});
