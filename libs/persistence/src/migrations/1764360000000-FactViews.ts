import { MigrationInterface, QueryRunner } from 'typeorm';
import { assertSchemaName, READ_MODEL_FACT_VIEWS, readModelFactViewDdl } from '../read-model.schema';

/**
 * The fact tables of every read-model generation become views over documents and
 * message_versions (readModelFactViewDdl): a fact is stored once, in its version's `facts`, and
 * the projector no longer deletes and inserts fact rows per document (issue #16: a rebuild wrote
 * 2.56 fact rows and their indexes per event). The views return the rows the tables held, column
 * for column (checked with EXCEPT ALL against a rebuild of 100,000 events, and by
 * fact-views-migration.int-spec), so nothing is lost by dropping the tables; a generation that
 * has the views already (made by readModelDdl after this) is left as it is.
 *
 * down() makes the tables again, filled from the views, with their primary keys and indexes.
 */
export class FactViews1764360000000 implements MigrationInterface {
  name = 'FactViews1764360000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const schema of await generations(queryRunner)) {
      if (!(await hasFactTables(queryRunner, schema))) continue;
      for (const table of READ_MODEL_FACT_VIEWS) await queryRunner.query(`DROP TABLE "${schema}".${table}`);
      await queryRunner.query(`CREATE INDEX IF NOT EXISTS documents_kommunenummer_patient_idx ON "${schema}".documents (kommunenummer, patient)`);
      for (const statement of readModelFactViewDdl(schema)) await queryRunner.query(statement);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const schema of await generations(queryRunner)) {
      if (await hasFactTables(queryRunner, schema)) continue;
      for (const view of READ_MODEL_FACT_VIEWS) await queryRunner.query(`ALTER VIEW "${schema}".${view} RENAME TO ${view}_view`);
      for (const statement of factTableDdl(`"${schema}"`)) await queryRunner.query(statement);
      for (const table of READ_MODEL_FACT_VIEWS) {
        await queryRunner.query(`INSERT INTO "${schema}".${table} SELECT * FROM "${schema}".${table}_view`);
        await queryRunner.query(`DROP VIEW "${schema}".${table}_view`);
      }
      await queryRunner.query(`DROP INDEX IF EXISTS "${schema}".documents_kommunenummer_patient_idx`);
    }
  }
}

async function generations(queryRunner: QueryRunner): Promise<string[]> {
  const rows: Array<{ schema: string }> = await queryRunner.query(
    `SELECT schema_name AS schema FROM information_schema.schemata WHERE schema_name ~ '^readmodel_g[0-9]+$' ORDER BY 1`,
  );
  return rows.map((r) => {
    assertSchemaName(r.schema);
    return r.schema;
  });
}

async function hasFactTables(queryRunner: QueryRunner, schema: string): Promise<boolean> {
  const rows: unknown[] = await queryRunner.query(
    `SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'service_facts' AND table_type = 'BASE TABLE'`,
    [schema],
  );
  return rows.length > 0;
}

/** The fact tables as readModelDdl made them before this migration (frozen here for down()). */
function factTableDdl(s: string): string[] {
  return [
    `CREATE TABLE ${s}.service_facts (
       kommunenummer char(4) NOT NULL, doc_key text NOT NULL, ordinal int NOT NULL, msg_id text NOT NULL,
       patient text NOT NULL, msg_type text NOT NULL, iplos_code text, iplos_text text, description text,
       private_service boolean, provided_by text, amount text, unit text, start_date text, end_date text, note text,
       reported_at text NOT NULL, sender_name text, sender_her_ids text[] NOT NULL, retracted boolean NOT NULL,
       PRIMARY KEY (kommunenummer, doc_key, ordinal))`,
    `CREATE INDEX ON ${s}.service_facts (kommunenummer, patient)`,
    `CREATE TABLE ${s}.service_need_facts (
       kommunenummer char(4) NOT NULL, doc_key text NOT NULL, ordinal int NOT NULL, msg_id text NOT NULL,
       patient text NOT NULL, msg_type text NOT NULL, iplos_code text, iplos_text text, description text,
       at_institution text, amount_requested text, unit text, reported_at text NOT NULL, sender_name text, retracted boolean NOT NULL,
       PRIMARY KEY (kommunenummer, doc_key, ordinal))`,
    `CREATE INDEX ON ${s}.service_need_facts (kommunenummer, patient)`,
    `CREATE TABLE ${s}.diagnosis_facts (
       kommunenummer char(4) NOT NULL, doc_key text NOT NULL, ordinal int NOT NULL, msg_id text NOT NULL,
       patient text NOT NULL, msg_type text NOT NULL, code_system text, code text, normalized_code text,
       display text, text text, is_main text NOT NULL, start_date text, end_date text, context text NOT NULL,
       code_system_mismatch boolean NOT NULL, reported_at text NOT NULL, sender_name text, retracted boolean NOT NULL,
       PRIMARY KEY (kommunenummer, doc_key, ordinal))`,
    `CREATE INDEX ON ${s}.diagnosis_facts (kommunenummer, patient)`,
    `CREATE TABLE ${s}.patient_event_facts (
       kommunenummer char(4) NOT NULL, doc_key text NOT NULL, ordinal int NOT NULL, msg_id text NOT NULL,
       patient text NOT NULL, msg_type text NOT NULL, kind text NOT NULL, event_code text, description text,
       time text, estimated boolean, discharged_to text, discharge_condition text, reported_at text NOT NULL,
       sender_name text, retracted boolean NOT NULL, PRIMARY KEY (kommunenummer, doc_key, ordinal))`,
    `CREATE INDEX ON ${s}.patient_event_facts (kommunenummer, patient)`,
  ];
}
