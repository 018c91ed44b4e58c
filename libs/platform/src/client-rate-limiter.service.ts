import { Inject, Injectable } from '@nestjs/common';
import { RateLimiter } from '@hub/auth';
import type { HubConfig } from '@hub/config';
import { RateLimitBucketRepository } from '@hub/persistence';
import { HubLogger } from '@hub/observability';
import { HUB_CONFIG } from './platform.tokens';

const PRUNE_EVERY_MS = 10 * 60 * 1000;

/**
 * The per-client rate limit (RATE_LIMIT_PER_CLIENT_PER_SECOND, RATE_LIMIT_PER_CLIENT_BURST) of
 * the read routes and the web session reads. RATE_LIMIT_STORE=memory (the default, one instance)
 * keeps the buckets in this process; `postgres` keeps them in PostgreSQL (rate_limit_buckets) so
 * several instances behind a load balancer share one limit per client instead of multiplying it.
 * When PostgreSQL cannot answer, the limit falls back to this instance's own buckets: the request
 * is still limited, only per instance, and the read itself needs PostgreSQL anyway.
 */
@Injectable()
export class ClientRateLimiter {
  private readonly log = new HubLogger(ClientRateLimiter.name);
  private readonly local: RateLimiter;
  private lastPrune = Date.now();

  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig, private readonly buckets: RateLimitBucketRepository) {
    this.local = new RateLimiter(config.rateLimit.perSecond, config.rateLimit.burst);
  }

  /** Takes one token for `key`; 0 when allowed, else the seconds until one is free (Retry-After). */
  async take(key: string): Promise<number> {
    const { perSecond, burst, store } = this.config.rateLimit;
    if (perSecond <= 0 || store === 'memory') return this.local.take(key);
    try {
      const retryAfter = await this.buckets.take(key, perSecond, burst);
      this.pruneNowAndThen(perSecond, burst);
      return retryAfter;
    } catch (error) {
      this.log.warn('Shared rate limit unavailable; limiting per instance', { error: error instanceof Error ? error.message : String(error) });
      return this.local.take(key);
    }
  }

  /** A bucket untouched for longer than it takes to refill is full again: its row carries nothing. */
  private pruneNowAndThen(perSecond: number, burst: number): void {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    this.buckets.prune(Math.max(3600, Math.ceil(burst / perSecond))).catch((error: unknown) => {
      this.log.warn('Could not prune rate limit buckets', { error: error instanceof Error ? error.message : String(error) });
    });
  }
}
