import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a back-channel logout (OpenID Connect Back-Channel Logout 1.0) names a web session by:
 * the provider's session id (`sid` of the ID token) and a SHA-256 of the provider's subject
 * (the row still holds no person data). A logout token ends every active row with its `sid`, or,
 * when it names only a `sub`, every active row of that subject.
 */
export class WebSessionProviderSession1764351300000 implements MigrationInterface {
  name = 'WebSessionProviderSession1764351300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE web_sessions ADD COLUMN provider_sid text, ADD COLUMN subject_hash text');
    await queryRunner.query('CREATE INDEX web_sessions_provider_sid_idx ON web_sessions (provider_sid) WHERE provider_sid IS NOT NULL');
    await queryRunner.query('CREATE INDEX web_sessions_subject_idx ON web_sessions (subject_hash) WHERE subject_hash IS NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE web_sessions DROP COLUMN provider_sid, DROP COLUMN subject_hash');
  }
}
