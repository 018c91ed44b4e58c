import { loadHubConfig } from '@hub/config';
import type { RateLimitBucketRepository } from '@hub/persistence';
import { ClientRateLimiter } from './client-rate-limiter.service';

describe('ClientRateLimiter', () => {
  const config = (store: string) =>
    loadHubConfig({ HENDELSESLAGER_DEV_ISSUER: 'true', RATE_LIMIT_PER_CLIENT_PER_SECOND: '1', RATE_LIMIT_PER_CLIENT_BURST: '2', RATE_LIMIT_STORE: store });

  it('keeps the buckets in the process by default and never asks PostgreSQL', async () => {
    const buckets = { take: jest.fn(), prune: jest.fn() };
    const limiter = new ClientRateLimiter(config('memory'), buckets as unknown as RateLimitBucketRepository);
    expect([await limiter.take('a'), await limiter.take('a'), await limiter.take('a')]).toEqual([0, 0, 1]);
    expect(await limiter.take('b')).toBe(0);
    expect(buckets.take).not.toHaveBeenCalled();
  });

  it('asks the shared buckets with the configured rate and burst when RATE_LIMIT_STORE=postgres', async () => {
    const buckets = { take: jest.fn().mockResolvedValueOnce(0).mockResolvedValueOnce(7), prune: jest.fn().mockResolvedValue(undefined) };
    const limiter = new ClientRateLimiter(config('postgres'), buckets as unknown as RateLimitBucketRepository);
    expect([await limiter.take('client-1'), await limiter.take('client-1')]).toEqual([0, 7]);
    expect(buckets.take).toHaveBeenCalledWith('client-1', 1, 2);
  });

  it('still limits, per instance, when PostgreSQL cannot answer', async () => {
    const buckets = { take: jest.fn().mockRejectedValue(new Error('connection refused')), prune: jest.fn() };
    const limiter = new ClientRateLimiter(config('postgres'), buckets as unknown as RateLimitBucketRepository);
    expect([await limiter.take('a'), await limiter.take('a'), await limiter.take('a')]).toEqual([0, 0, 1]);
  });

  it('refuses an unknown store', () => {
    expect(() => config('redis')).toThrow(/RATE_LIMIT_STORE=redis/);
  });
});
