import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/data-source.factory';
import { PatientNamesGenDate1764200000000 } from '../../src/migrations/1764200000000-PatientNamesGenDate';
import { readModelDdl } from '../../src/read-model.schema';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/**
 * A generation made before patients.names_gen_date existed gets the column, last in the table as
 * a new generation has it (rows are carried between generations with SELECT *), and named
 * patients get their last GenDate as the names' date.
 */
describe('migration PatientNamesGenDate (PostgreSQL)', () => {
  const base = 880000 + Math.floor(Math.random() * 9000);
  const old = `readmodel_g${base}`;
  const fresh = `readmodel_g${base + 1}`;
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 1 });
    await dataSource.initialize();
    for (const schema of [old, fresh]) for (const statement of readModelDdl(schema)) await dataSource.query(statement);
    // As generations were before the column.
    await dataSource.query(`ALTER TABLE "${old}".patients DROP COLUMN names_gen_date`);
    await dataSource.query(
      `INSERT INTO "${old}".patients (kommunenummer, pseudonym, family_name, given_name, identifier_types, last_gen_date)
       VALUES ('9961', 'named', 'Hansen', 'Kari', '{FNR}', '2024-02-01T10:00:00'), ('9961', 'unnamed', NULL, NULL, '{DNR}', '2024-03-01T10:00:00')`,
    );
  });
  afterAll(async () => {
    for (const schema of [old, fresh]) await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('adds the column to old generations, fills it for named patients, and leaves the table shaped like a new one', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      await new PatientNamesGenDate1764200000000().up(runner);
      // Idempotent on generations that have it already (every generation made since).
      await new PatientNamesGenDate1764200000000().up(runner);
    } finally {
      await runner.release();
    }
    const rows = await dataSource.query(`SELECT pseudonym, names_gen_date FROM "${old}".patients ORDER BY pseudonym`);
    expect(rows).toEqual([
      { pseudonym: 'named', names_gen_date: '2024-02-01T10:00:00' },
      { pseudonym: 'unnamed', names_gen_date: null },
    ]);
    const columns = async (schema: string) =>
      (await dataSource.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'patients' ORDER BY ordinal_position`, [schema])).map(
        (c: { column_name: string }) => c.column_name,
      );
    expect(await columns(old)).toEqual(await columns(fresh));
    // Rows carry over between the two as a kommune-scoped rebuild does it.
    await dataSource.query(`INSERT INTO "${fresh}".patients SELECT * FROM "${old}".patients`);
    expect((await dataSource.query(`SELECT names_gen_date FROM "${fresh}".patients WHERE pseudonym = 'named'`))[0].names_gen_date).toBe('2024-02-01T10:00:00');
  });
});
