import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/data-source.factory';
import { OpsStateRepository } from '../../src/ops-state.repository';
import { readModelDdl } from '../../src/read-model.schema';
import { generationOffsets, selectStoredOffsets, upsertStoredOffsets } from '../../src/stored-offsets.util';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/**
 * A partial rebuild's carry-over against the real PostgreSQL (schemas of its own): the rows and
 * offsets of the kommuner NOT rebuilt are copied into the new generation, the rebuilt ones' are
 * not, and the count reported is the rows copied.
 */
describe('OpsStateRepository.carryOver (PostgreSQL)', () => {
  const base = 700000 + Math.floor(Math.random() * 99999);
  const [live, target] = [`readmodel_g${base}`, `readmodel_g${base + 1}`];
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 2 });
    await dataSource.initialize();
    for (const schema of [live, target]) for (const statement of readModelDdl(schema)) await dataSource.query(statement);
  });
  afterAll(async () => {
    for (const schema of [live, target]) await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('copies the other kommuner rows and their topics offsets, not the rebuilt kommune, and counts the rows', async () => {
    const patient = (knr: string, pseudonym: string) =>
      dataSource.query(`INSERT INTO "${live}".patients (kommunenummer, pseudonym, family_name) VALUES ($1, $2, 'Nordmann')`, [knr, pseudonym]);
    const document = (knr: string, key: string) =>
      dataSource.query(`INSERT INTO "${live}".documents (kommunenummer, doc_key, msg_type, state, version_count) VALUES ($1, $2, 'PLO', 'current', 1)`, [knr, key]);
    await patient('0301', 'p-1');
    await patient('0301', 'p-2');
    await document('0301', 'd-1');
    await patient('4601', 'p-3');
    await document('4601', 'd-2');
    await upsertStoredOffsets(dataSource, generationOffsets(live), [
      { topic: 'ns.kommune.0301.events.v1', partition: 0, offset: '12', topicId: 'id-0301' },
      { topic: 'ns.kommune.4601.events.v1', partition: 0, offset: '7', topicId: 'id-4601' },
    ]);

    const copied = await new OpsStateRepository(dataSource).carryOver(live, target, ['4601'], (topic) => topic.includes('.4601.'));

    expect(copied).toBe(3);
    expect(await dataSource.query(`SELECT kommunenummer, pseudonym FROM "${target}".patients ORDER BY pseudonym`)).toEqual([
      { kommunenummer: '0301', pseudonym: 'p-1' },
      { kommunenummer: '0301', pseudonym: 'p-2' },
    ]);
    expect(await dataSource.query(`SELECT kommunenummer, doc_key FROM "${target}".documents`)).toEqual([{ kommunenummer: '0301', doc_key: 'd-1' }]);
    expect(await selectStoredOffsets(dataSource, generationOffsets(target))).toEqual([{ topic: 'ns.kommune.0301.events.v1', partition: 0, offset: '12', topicId: 'id-0301' }]);
  });
});
