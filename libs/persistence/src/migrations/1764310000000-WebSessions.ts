import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The web page's sessions, server-side: the sealed session cookie names a row here, and a
 * session counts only while its row is neither ended (logout) nor expired. So logout ends the
 * session at the hub for every copy of the cookie, on every instance. The row holds no person
 * data: who is signed in stays in the sealed cookie (and the audit log names them per read).
 */
export class WebSessions1764310000000 implements MigrationInterface {
  name = 'WebSessions1764310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE web_sessions (
      session_id uuid PRIMARY KEY,
      kommunenummer text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      ended_at timestamptz)`);
    await queryRunner.query('CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE web_sessions');
  }
}
