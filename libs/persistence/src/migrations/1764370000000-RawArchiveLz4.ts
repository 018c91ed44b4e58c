import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The raw archive's payloads (the messages as received, 4–10 KiB, so PostgreSQL compresses them
 * on insert) are compressed with lz4 instead of the default pglz: on the benchmark's message mix
 * PostgreSQL spent 67.9 µs per message with pglz and 16.6 with lz4, for 4 % more space
 * (bench/payload-compression.mjs; bench/RESULTS.md, session 16). Rows already stored keep pglz until
 * rewritten; reads decompress either. A server without lz4 (built without it, or older than
 * PostgreSQL 14) keeps pglz: the migration says so and goes on (EXECUTE, so the statement is
 * parsed when it runs, inside the handler).
 */
export class RawArchiveLz41764370000000 implements MigrationInterface {
  name = 'RawArchiveLz41764370000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DO $$
      BEGIN
        EXECUTE 'ALTER TABLE raw_message_archive ALTER COLUMN payload SET COMPRESSION lz4';
      EXCEPTION WHEN feature_not_supported OR syntax_error THEN
        RAISE NOTICE 'lz4 compression is not available on this server (built without it, or before PostgreSQL 14); raw_message_archive.payload keeps pglz';
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE raw_message_archive ALTER COLUMN payload SET COMPRESSION pglz');
  }
}
