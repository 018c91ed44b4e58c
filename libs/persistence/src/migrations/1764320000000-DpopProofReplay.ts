import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The DPoP replay cache (RFC 9449 §11.1): one row per accepted proof, keyed by a SHA-256 of the
 * proof key's thumbprint and the proof's jti (no proof content), kept until a proof with that
 * jti could no longer be accepted anyway. In PostgreSQL so every hub instance shares it: a proof
 * accepted by one instance is a replay at every other.
 */
export class DpopProofReplay1764320000000 implements MigrationInterface {
  name = 'DpopProofReplay1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE dpop_proof_replay (proof_key text PRIMARY KEY, expires_at timestamptz NOT NULL)');
    await queryRunner.query('CREATE INDEX dpop_proof_replay_expires_idx ON dpop_proof_replay (expires_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE dpop_proof_replay');
  }
}
