/** A key's request budget: `burst` requests at once, refilled at `ratePerSecond`. */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
  limit: RateLimit;
}

/**
 * Token buckets by key, each with the key's own limit; a key without one is never limited. Buckets live
 * in this process only: each gateway replica is given its share of a key's limit (replica-share.ts). A changed limit applies to the next
 * request (the bucket keeps its tokens, capped at the new burst). Buckets untouched long enough to have
 * refilled are dropped, so revoked or idle keys do not accumulate.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Takes one token; when none is left, how many seconds until one is (for Retry-After). */
  take(key: string, limit: RateLimit | null): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    if (!limit) {
      this.buckets.delete(key);
      return { allowed: true };
    }
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, at: now, limit };
    bucket.limit = limit;
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.ratePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.ratePerSecond)) };
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    // A bucket that has had time to refill completely is the same as no bucket.
    for (const [key, { at, limit }] of this.buckets) if (now - at >= (limit.burst / limit.ratePerSecond) * 1000) this.buckets.delete(key);
  }
}
