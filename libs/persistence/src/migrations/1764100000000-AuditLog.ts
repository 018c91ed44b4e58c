import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit projection: every audit event of every kommune's audit topic (who read which
 * patient's data, why, with what outcome), the current blocking (sperring) state per patient,
 * and the offsets this projection has applied, committed with the rows in one transaction.
 * These tables live outside the per-generation read-model schemas on purpose: a read-model
 * rebuild (events → rows) must never touch the audit trail or a patient's block; both are
 * rebuilt only from the audit topic itself (see libs/feature-audit/README.md).
 */
export class AuditLog1764100000000 implements MigrationInterface {
  name = 'AuditLog1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE audit_log (
      audit_id text PRIMARY KEY,
      kommunenummer text NOT NULL,
      occurred_at timestamptz NOT NULL,
      action text NOT NULL,
      resource text NOT NULL,
      patient_pseudonym text,
      client_id text NOT NULL,
      organisation text,
      actor_hpr text,
      actor_name text,
      purpose_of_use text,
      outcome text NOT NULL,
      correlation_id text NOT NULL,
      topic text NOT NULL,
      partition int NOT NULL,
      "offset" bigint NOT NULL)`);
    await queryRunner.query('CREATE INDEX audit_log_patient_idx ON audit_log (kommunenummer, patient_pseudonym, occurred_at DESC)');
    await queryRunner.query(`CREATE TABLE patient_blocks (
      kommunenummer text NOT NULL,
      patient_pseudonym text NOT NULL,
      blocked boolean NOT NULL,
      changed_at timestamptz NOT NULL,
      changed_at_ms bigint NOT NULL,
      audit_id text NOT NULL,
      changed_by_client text NOT NULL,
      PRIMARY KEY (kommunenummer, patient_pseudonym))`);
    await queryRunner.query(`CREATE TABLE audit_projection_offsets (
      topic text NOT NULL, partition int NOT NULL, next_offset bigint NOT NULL, PRIMARY KEY (topic, partition))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE audit_projection_offsets');
    await queryRunner.query('DROP TABLE patient_blocks');
    await queryRunner.query('DROP TABLE audit_log');
  }
}
