import { MigrationInterface, QueryRunner } from 'typeorm';

/** The kommune's audit events by outcome, newest first (`GET .../audit-events?outcome=DENIED`). */
export class AuditLogOutcomeIndex1764351310000 implements MigrationInterface {
  name = 'AuditLogOutcomeIndex1764351310000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX audit_log_outcome_idx ON audit_log (kommunenummer, outcome, occurred_at DESC)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX audit_log_outcome_idx');
  }
}
