import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { loadHubConfig } from '@hub/config';
import { createDataSource, RateLimitBucketRepository } from '@hub/persistence';
import { ClientRateLimiter } from '../../src/client-rate-limiter.service';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/**
 * Two hub instances (each its own limiter and its own connection pool, as two processes have)
 * behind one load balancer: with RATE_LIMIT_STORE=postgres a client gets the burst once in all,
 * with the default in-memory store once per instance.
 */
describe('ClientRateLimiter across two instances (PostgreSQL)', () => {
  let pools: DataSource[];

  beforeAll(async () => {
    pools = [createDataSource(TEST_DATABASE_URL, { poolSize: 4 }), createDataSource(TEST_DATABASE_URL, { poolSize: 4 })];
    await Promise.all(pools.map((p) => p.initialize()));
  });
  afterAll(async () => {
    await Promise.all((pools ?? []).map((p) => p.destroy()));
  });

  const instances = (store: string) => {
    const config = loadHubConfig({ HENDELSESLAGER_DEV_ISSUER: 'true', RATE_LIMIT_PER_CLIENT_PER_SECOND: '1', RATE_LIMIT_PER_CLIENT_BURST: '10', RATE_LIMIT_STORE: store });
    return pools.map((pool) => new ClientRateLimiter(config, new RateLimitBucketRepository(pool)));
  };

  /** 30 requests of one client, alternating between the instances, 15 of them at once on each. */
  const allowed = async (limiters: ClientRateLimiter[], client: string) =>
    (await Promise.all(Array.from({ length: 30 }, (_, i) => limiters[i % 2].take(client)))).filter((retryAfter) => retryAfter === 0).length;

  it('shares one limit per client when the store is PostgreSQL', async () => {
    expect(await allowed(instances('postgres'), `client-${randomUUID()}`)).toBe(10);
  });

  it('multiplies the limit by the number of instances with the in-memory store (why the switch exists)', async () => {
    expect(await allowed(instances('memory'), `client-${randomUUID()}`)).toBe(20);
  });
});
