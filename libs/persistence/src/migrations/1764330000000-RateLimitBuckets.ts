import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-client rate limit shared by every hub instance (RATE_LIMIT_STORE=postgres): one token
 * bucket per key (a token's client_id or `web:<subject>`), refilled and taken in one statement by
 * `RateLimitBucketRepository`. No patient data: the keys are client ids and sign-in subjects.
 */
export class RateLimitBuckets1764330000000 implements MigrationInterface {
  name = 'RateLimitBuckets1764330000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE rate_limit_buckets (bucket_key text PRIMARY KEY, tokens double precision NOT NULL, allowed boolean NOT NULL, updated_at timestamptz NOT NULL)',
    );
    await queryRunner.query('CREATE INDEX rate_limit_buckets_updated_idx ON rate_limit_buckets (updated_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE rate_limit_buckets');
  }
}
