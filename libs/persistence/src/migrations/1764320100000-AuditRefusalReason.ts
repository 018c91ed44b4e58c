import { MigrationInterface, QueryRunner } from 'typeorm';

/** Why an access was refused (audit events with outcome DENIED: 401/403 at the guard); null for every other event. */
export class AuditRefusalReason1764320100000 implements MigrationInterface {
  name = 'AuditRefusalReason1764320100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE audit_log ADD COLUMN refusal_reason text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE audit_log DROP COLUMN refusal_reason');
  }
}
