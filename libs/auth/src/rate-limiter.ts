/**
 * A token bucket per key (the token's client_id), in memory: each client may make `burst`
 * requests at once and `perSecond` on average. It protects one process from one noisy or
 * compromised client; with several instances behind a load balancer the limit applies per
 * instance, unless the platform's ClientRateLimiter keeps the buckets in PostgreSQL (RATE_LIMIT_STORE=postgres).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(private readonly perSecond: number, private readonly burst: number, private readonly now: () => number = Date.now) {}

  /** Takes one token for `key`; returns 0 when allowed, else the seconds until one is free. */
  take(key: string): number {
    if (this.perSecond <= 0) return 0;
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) this.evictFull(now, key);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.perSecond);
  }

  /**
   * Buckets that have refilled carry no state worth keeping; drop them to bound memory. Never the
   * bucket of the client asking: its token is taken after this, and taken from a dropped bucket it
   * would not count, so that client would never be limited while the map is this full.
   */
  private evictFull(now: number, asking: string): void {
    for (const [key, bucket] of this.buckets) {
      if (key !== asking && bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}
