import type { DataSource } from 'typeorm';

/**
 * Token buckets in PostgreSQL (table rate_limit_buckets), so several hub instances share one
 * limit per client. Raw SQL because refill and take must be one statement: concurrent requests of
 * one client on different instances queue on the row lock and each sees the other's take.
 * Elapsed time is measured with the database's clock only (instances' clocks may differ), and
 * never backwards (a statement that waited for the lock may carry an earlier now()).
 */
export class RateLimitBucketRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Takes one token from `key`'s bucket (`burst` tokens at most, refilled at `perSecond`);
   * returns 0 when allowed, else the whole seconds until a token is free.
   */
  async take(key: string, perSecond: number, burst: number): Promise<number> {
    const rows: Array<{ allowed: boolean; tokens: number }> = await this.dataSource.query(
      `WITH p AS (SELECT $2::double precision AS rate, $3::double precision AS burst)
       INSERT INTO rate_limit_buckets AS b (bucket_key, tokens, allowed, updated_at)
       SELECT $1, p.burst - 1, true, now() FROM p
       ON CONFLICT (bucket_key) DO UPDATE SET
         tokens = (SELECT CASE WHEN r.refilled >= 1 THEN r.refilled - 1 ELSE r.refilled END FROM (SELECT LEAST(p.burst, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM now() - b.updated_at)) * p.rate) AS refilled FROM p) r),
         allowed = (SELECT LEAST(p.burst, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM now() - b.updated_at)) * p.rate) >= 1 FROM p),
         updated_at = GREATEST(b.updated_at, now())
       RETURNING allowed, tokens`,
      [key, perSecond, burst],
    );
    const { allowed, tokens } = rows[0];
    return allowed ? 0 : Math.max(1, Math.ceil((1 - Number(tokens)) / perSecond));
  }

  /** Deletes buckets untouched for `olderThanSeconds` (they would be full again anyway). */
  async prune(olderThanSeconds: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM rate_limit_buckets WHERE updated_at < now() - make_interval(secs => $1)`, [olderThanSeconds]);
  }
}
