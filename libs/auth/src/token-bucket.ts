/**
 * Token buckets by key: each key may spend `burst` requests at once, refilled at `ratePerSecond`.
 * Buckets live in this process only, so the limit holds per gateway replica. Buckets untouched for a
 * while are dropped so revoked or idle keys do not accumulate.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get enabled(): boolean {
    return this.ratePerSecond > 0;
  }

  /** Takes one token; when none is left, how many seconds until one is (for Retry-After). */
  take(key: string): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    if (!this.enabled) return { allowed: true };
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond)) };
  }

  private sweep(now: number): void {
    const fullAfterMs = (this.burst / this.ratePerSecond) * 1000;
    if (now - this.lastSweep < Math.max(fullAfterMs, 60_000)) return;
    this.lastSweep = now;
    // A bucket that has had time to refill completely is the same as no bucket.
    for (const [key, bucket] of this.buckets) if (now - bucket.at >= fullAfterMs) this.buckets.delete(key);
  }
}
