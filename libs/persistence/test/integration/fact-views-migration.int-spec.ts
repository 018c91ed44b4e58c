import { DataSource, QueryRunner } from 'typeorm';
import { DocumentEvent, uuidV5 } from '@hub/contracts';
import { ReadModelProjector } from '@hub/projections';
import { createDataSource } from '../../src/data-source.factory';
import { FactViews1764360000000 } from '../../src/migrations/1764360000000-FactViews';
import { READ_MODEL_FACT_VIEWS, readModelDdl } from '../../src/read-model.schema';
import { ReadModelWriteRepository } from '../../src/read-model-write.repository';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/**
 * The fact tables become views (issue #16): down() makes the tables again from the views with
 * their keys and indexes, up() turns them back into views, and the rows read through either are
 * the same, column for column. Everything runs in one transaction that is rolled back, since the
 * migration goes over every generation of the database.
 */
describe('migration FactViews (PostgreSQL)', () => {
  const schema = `readmodel_g${870000 + Math.floor(Math.random() * 9000)}`;
  const knr = '9962';
  let dataSource: DataSource;
  let runner: QueryRunner;

  const event = (msgId: string, status: 'N' | 'M' | 'C', parent: string | null, code: string, patient = 'p-mig'): DocumentEvent => ({
    envelope: { eventId: uuidV5(msgId), eventType: status === 'N' ? 'DOCUMENT_RECEIVED' : status === 'M' ? 'DOCUMENT_REPLACED' : 'DOCUMENT_CANCELLED', correlationId: msgId, causationId: msgId, kommunenummer: knr, patientPseudonym: patient, occurredAt: '2024-01-01T10:00:00', recordedAt: 1700000000000, schemaVersion: 1, mappingVersion: 'test' },
    document: { msgId, msgType: 'INNLEGGELSESRAPPORT', standard: 'PLO', standardVersion: '1.6', status, genDate: `2024-01-0${msgId.length}T10:00:00`, explicitDocumentId: null, refToParent: parent, refToConversation: parent, senderHerIds: ['1', '2'], senderName: 'Testvik "sjukeheim"', receiverHerIds: ['3'], isTest: false },
    patient: { pseudonym: patient, linkedPseudonyms: [], identifierTypes: ['FNR'], familyName: null, givenName: null, birthDate: null, sex: null },
    services: [{ iplosCode: code, iplosText: null, description: 'Korttid', privateService: true, providedBy: null, amount: '0.5', unit: 'døgn', startDate: '2024-01-01', endDate: null, note: 'a\\b' }],
    serviceNeeds: [{ iplosCode: '15', iplosText: null, description: null, atInstitution: null, amountRequested: '1', unit: 'timer' }],
    diagnoses: [
      { codeSystemOid: '2.16.578.1.12.4.1.1.7110', code, normalizedCode: code, display: 'Hjertesvikt', text: null, isMain: 'true', startDate: null, endDate: null, context: 'PLO', codeSystemMismatch: false },
      { codeSystemOid: null, code: 'K86', normalizedCode: 'K86', display: null, text: 'tekst', isMain: 'false', startDate: null, endDate: null, context: 'PLO', codeSystemMismatch: true },
    ],
    patientEvents: [{ kind: 'ADMITTED', eventCode: '1', description: null, time: '2024-01-01T09:00:00', estimated: false, dischargedTo: null, dischargeCondition: null }],
    appRec: null, warnings: [], notProjectedReason: null,
  });

  const rows = async () => {
    const out: Record<string, unknown[]> = {};
    for (const table of READ_MODEL_FACT_VIEWS) out[table] = await runner.query(`SELECT * FROM "${schema}".${table} ORDER BY kommunenummer, doc_key, ordinal`);
    return out;
  };
  const kinds = async () =>
    (await runner.query(`SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = $1 AND table_name = ANY($2) ORDER BY 1`, [schema, [...READ_MODEL_FACT_VIEWS]])).map(
      (r: { table_name: string; table_type: string }) => `${r.table_name} ${r.table_type}`,
    );
  const indexes = async () =>
    (await runner.query(`SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY 1`, [schema])).map((r: { indexname: string }) => r.indexname);

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 1 });
    await dataSource.initialize();
    runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    for (const statement of readModelDdl(schema)) await runner.query(statement);
    const events = [event('n1', 'N', null, 'I50'), event('m22', 'M', 'n1', 'I509'), event('n333', 'N', null, 'J44'), event('c4444', 'C', 'n333', 'J44'), event('n55555', 'N', null, 'E11', 'p-other')];
    const tx = new ReadModelWriteRepository(runner.manager, schema);
    await tx.prefetch(events);
    let offset = 0;
    for (const e of events) await new ReadModelProjector().apply(tx, e, { topic: 't', partition: 0, offset: String(offset++) });
    await tx.flush();
  });
  afterAll(async () => {
    await runner?.rollbackTransaction().catch(() => undefined);
    await runner?.release();
    await dataSource.destroy();
  });

  it('down makes tables holding the views rows with their keys and indexes; up makes the views again with the same rows', async () => {
    const viewRows = await rows();
    // The current version of each document, the cancelled one retracted, the other patient's own.
    expect((viewRows.diagnosis_facts as Array<{ doc_key: string; code: string; retracted: boolean; patient: string }>).map((d) => [d.doc_key, d.code, d.retracted, d.patient])).toEqual([
      ['msg:n1', 'I509', false, 'p-mig'],
      ['msg:n1', 'K86', false, 'p-mig'],
      ['msg:n333', 'J44', true, 'p-mig'],
      ['msg:n333', 'K86', true, 'p-mig'],
      ['msg:n55555', 'E11', false, 'p-other'],
      ['msg:n55555', 'K86', false, 'p-other'],
    ]);
    expect(await kinds()).toEqual(READ_MODEL_FACT_VIEWS.map((t) => `${t} VIEW`).sort());

    await new FactViews1764360000000().down(runner);
    expect(await kinds()).toEqual(READ_MODEL_FACT_VIEWS.map((t) => `${t} BASE TABLE`).sort());
    expect(await rows()).toEqual(viewRows);
    expect(await indexes()).toEqual(expect.arrayContaining([...READ_MODEL_FACT_VIEWS.flatMap((t) => [`${t}_pkey`, `${t}_kommunenummer_patient_idx`])]));
    expect(await indexes()).not.toContain('documents_kommunenummer_patient_idx');

    await new FactViews1764360000000().up(runner);
    expect(await kinds()).toEqual(READ_MODEL_FACT_VIEWS.map((t) => `${t} VIEW`).sort());
    expect(await rows()).toEqual(viewRows);
    expect(await indexes()).toContain('documents_kommunenummer_patient_idx');
    // A generation that has the views already is left as it is.
    await new FactViews1764360000000().up(runner);
    expect(await rows()).toEqual(viewRows);
  });
});
