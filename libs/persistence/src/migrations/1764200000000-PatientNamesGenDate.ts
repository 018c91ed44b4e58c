import { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName } from '../read-model.schema';

/**
 * patients.names_gen_date in every read-model generation: the GenDate of the message a patient's
 * names come from, so the names no longer depend on the order messages arrive in (see
 * libs/projections/src/patient-demographics.ts). Generations made before this get the column
 * appended (as readModelDdl has it, last, so carrying rows over between generations with
 * `SELECT *` still lines up) and, for named patients, last_gen_date as the best value known; a
 * rebuild sets the exact one.
 */
export class PatientNamesGenDate1764200000000 implements MigrationInterface {
  name = 'PatientNamesGenDate1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const schema of await generationsWithPatients(queryRunner)) {
      await queryRunner.query(`ALTER TABLE "${schema}".patients ADD COLUMN IF NOT EXISTS names_gen_date text`);
      await queryRunner.query(`UPDATE "${schema}".patients SET names_gen_date = last_gen_date
        WHERE names_gen_date IS NULL AND (family_name IS NOT NULL OR given_name IS NOT NULL)`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const schema of await generationsWithPatients(queryRunner)) {
      await queryRunner.query(`ALTER TABLE "${schema}".patients DROP COLUMN IF EXISTS names_gen_date`);
    }
  }
}

async function generationsWithPatients(queryRunner: QueryRunner): Promise<string[]> {
  const rows: Array<{ schema: string }> = await queryRunner.query(
    `SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'patients' AND table_schema ~ '^readmodel_g[0-9]+$' ORDER BY 1`,
  );
  return rows.map((r) => {
    assertSchemaName(r.schema);
    return r.schema;
  });
}
