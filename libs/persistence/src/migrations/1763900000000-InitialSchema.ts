import { MigrationInterface, QueryRunner } from 'typeorm';
import { readModelDdl, readModelSchemaName } from '../read-model.schema';

/**
 * Intake receipts (duplicate detection and the AppRec to repeat), the pointer to the live
 * read-model generation, and read-model generation 1.
 */
export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE intake_receipts (
      msg_id text PRIMARY KEY, sha256 text NOT NULL, kommuner text[] NOT NULL, apprec_xml text NOT NULL,
      gateway_client text NOT NULL, received_at timestamptz NOT NULL DEFAULT now(), duplicate_count int NOT NULL DEFAULT 0)`);
    await queryRunner.query(`CREATE TABLE projection_generations (
      projection text PRIMARY KEY, active_schema text NOT NULL, switched_at timestamptz NOT NULL DEFAULT now())`);
    for (const statement of readModelDdl(readModelSchemaName(1))) await queryRunner.query(statement);
    await queryRunner.query(`INSERT INTO projection_generations (projection, active_schema) VALUES ('readmodel', $1)`, [readModelSchemaName(1)]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA IF EXISTS "${readModelSchemaName(1)}" CASCADE`);
    await queryRunner.query('DROP TABLE projection_generations');
    await queryRunner.query('DROP TABLE intake_receipts');
  }
}
