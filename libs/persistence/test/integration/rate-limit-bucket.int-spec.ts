import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/data-source.factory';
import { RateLimitBuckets1764330000000 } from '../../src/migrations/1764330000000-RateLimitBuckets';
import { RateLimitBucketRepository } from '../../src/rate-limit-bucket.repository';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/** The shared per-client rate limit on the real PostgreSQL, as two hub instances (two pools) use it. */
describe('RateLimitBucketRepository (PostgreSQL)', () => {
  let first: DataSource;
  let second: DataSource;

  beforeAll(async () => {
    first = createDataSource(TEST_DATABASE_URL, { poolSize: 8 });
    second = createDataSource(TEST_DATABASE_URL, { poolSize: 8 });
    await Promise.all([first.initialize(), second.initialize()]);
  });
  afterAll(async () => {
    await Promise.all([first?.destroy(), second?.destroy()]);
  });

  it('gives two instances one bucket per client: the burst is shared, not doubled, even when they take at once', async () => {
    const key = `client-${randomUUID()}`;
    const perSecond = 0.001; // no noticeable refill during the test
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => new RateLimitBucketRepository(i % 2 ? first : second).take(key, perSecond, 25)));
    expect(answers.filter((a) => a === 0)).toHaveLength(25);
    // refused ones are told how long until a token is free: about 1 / perSecond seconds
    for (const retryAfter of answers.filter((a) => a > 0)) expect(retryAfter).toBeGreaterThan(900);
    // another client has its own bucket
    expect(await new RateLimitBucketRepository(first).take(`client-${randomUUID()}`, perSecond, 25)).toBe(0);
  });

  it('refills at the configured rate by the database clock', async () => {
    const key = `client-${randomUUID()}`;
    const a = new RateLimitBucketRepository(first);
    const b = new RateLimitBucketRepository(second);
    // 2 per second: three takes within half a second find the bucket of two empty at the third
    expect(await a.take(key, 2, 2)).toBe(0);
    expect(await b.take(key, 2, 2)).toBe(0);
    expect(await a.take(key, 2, 2)).toBe(1); // next token in at most 0.5 s, rounded up to a whole second
    await new Promise((r) => setTimeout(r, 1100)); // two tokens back (the bucket holds two)
    expect(await b.take(key, 2, 2)).toBe(0);
    expect(await a.take(key, 2, 2)).toBe(0);
    expect(await b.take(key, 2, 2)).toBe(1);
  });

  it('prunes buckets untouched for longer than asked', async () => {
    const repository = new RateLimitBucketRepository(first);
    const old = `client-${randomUUID()}`;
    const recent = `client-${randomUUID()}`;
    await repository.take(old, 1, 5);
    await repository.take(recent, 1, 5);
    await first.query(`UPDATE rate_limit_buckets SET updated_at = now() - interval '2 hours' WHERE bucket_key = $1`, [old]);
    await repository.prune(3600);
    const rows: Array<{ bucket_key: string }> = await first.query('SELECT bucket_key FROM rate_limit_buckets WHERE bucket_key = ANY($1)', [[old, recent]]);
    expect(rows.map((r) => r.bucket_key)).toEqual([recent]);
  });

  it('has a reversible migration (down, then up again, inside a transaction that is rolled back)', async () => {
    const runner = first.createQueryRunner();
    await runner.startTransaction();
    const exists = async () => ((await runner.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'rate_limit_buckets'")) as Array<{ n: number }>)[0].n > 0;
    try {
      expect(await exists()).toBe(true);
      await new RateLimitBuckets1764330000000().down(runner);
      expect(await exists()).toBe(false);
      await new RateLimitBuckets1764330000000().up(runner);
      expect(await exists()).toBe(true);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
