import { DataSource } from 'typeorm';
import { DocumentEvent, uuidV5 } from '@hub/contracts';
import { ReadModelProjector } from '@hub/projections';
import { createDataSource } from '../../src/data-source.factory';
import { readModelDdl } from '../../src/read-model.schema';
import { ReadModelWriteRepository } from '../../src/read-model-write.repository';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/** The projector's SQL against the real PostgreSQL, in a generation schema of its own. */
describe('ReadModelWriteRepository with ReadModelProjector (PostgreSQL)', () => {
  const schema = `readmodel_g${900000 + Math.floor(Math.random() * 99999)}`;
  const knr = '9950';
  let dataSource: DataSource;
  const projector = new ReadModelProjector();

  const event = (msgId: string, status: 'N' | 'M' | 'C', parent: string | null, code: string): DocumentEvent => ({
    envelope: { eventId: uuidV5(msgId), eventType: status === 'N' ? 'DOCUMENT_RECEIVED' : status === 'M' ? 'DOCUMENT_REPLACED' : 'DOCUMENT_CANCELLED', correlationId: msgId, causationId: msgId, kommunenummer: knr, patientPseudonym: 'p-int', occurredAt: '2024-01-01T10:00:00', recordedAt: 1700000000000, schemaVersion: 1, mappingVersion: 'test' },
    document: { msgId, msgType: 'INNLEGGELSESRAPPORT', standard: 'PLO', standardVersion: '1.6', status, genDate: `2024-01-0${msgId.length % 9 + 1}T10:00:00`, explicitDocumentId: null, refToParent: parent, refToConversation: parent, senderHerIds: ['1'], senderName: 'Testvik', receiverHerIds: ['2'], isTest: false },
    patient: { pseudonym: 'p-int', linkedPseudonyms: ['p-int-hnr'], identifierTypes: ['FNR', 'HNR'], familyName: 'Ås', givenName: 'Kåre', birthDate: '1948-03-02', sex: '1' },
    services: [{ iplosCode: '20', iplosText: null, description: 'Korttid', privateService: false, providedBy: null, amount: '0.5', unit: 'døgn', startDate: '2024-01-01', endDate: null, note: null }],
    serviceNeeds: [{ iplosCode: '15', iplosText: null, description: 'Hjemmesykepleie', atInstitution: null, amountRequested: '1E1', unit: 'timer' }],
    diagnoses: [{ codeSystemOid: '2.16.578.1.12.4.1.1.7110', code, normalizedCode: code, display: 'Hjertesvikt', text: null, isMain: 'true', startDate: null, endDate: null, context: 'PLO', codeSystemMismatch: false }],
    patientEvents: [{ kind: 'ADMITTED', eventCode: '1', description: null, time: '2024-01-01T09:00:00', estimated: false, dischargedTo: null, dischargeCondition: null }],
    appRec: null, warnings: [], notProjectedReason: null,
  });

  async function apply(events: DocumentEvent[]): Promise<void> {
    let offset = 0;
    await dataSource.transaction(async (manager) => {
      const tx = new ReadModelWriteRepository(manager, schema);
      await tx.prefetch(events);
      for (const e of events) await projector.apply(tx, e, { topic: 't', partition: 0, offset: String(offset++) });
      await tx.saveOffset('t', 0, String(offset));
      await tx.flush();
    });
  }

  async function snapshot() {
    const q = (sql: string) => dataSource.query(sql);
    return {
      diagnoses: await q(`SELECT doc_key, code, retracted FROM "${schema}".diagnosis_facts ORDER BY doc_key, ordinal`),
      services: await q(`SELECT doc_key, iplos_code, amount, retracted FROM "${schema}".service_facts ORDER BY doc_key, ordinal`),
      needs: await q(`SELECT count(*)::int AS n FROM "${schema}".service_need_facts`),
      events: await q(`SELECT count(*)::int AS n FROM "${schema}".patient_event_facts`),
      documents: await q(`SELECT doc_key, state, current_msg_id, version_count FROM "${schema}".documents ORDER BY doc_key`),
      links: await q(`SELECT pseudonym, linked FROM "${schema}".patient_links ORDER BY 1, 2`),
      offsets: await q(`SELECT next_offset::int AS next FROM "${schema}".projection_offsets`),
    };
  }

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 2 });
    await dataSource.initialize();
    for (const statement of readModelDdl(schema)) await dataSource.query(statement);
  });
  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('writes every kind of fact for the current version, and links the patient identities both ways', async () => {
    await apply([event('n1', 'N', null, 'I50'), event('m22', 'M', 'n1', 'I509')]);
    const s = await snapshot();
    expect(s.diagnoses).toEqual([{ doc_key: 'msg:n1', code: 'I509', retracted: false }]);
    expect(s.services).toEqual([{ doc_key: 'msg:n1', iplos_code: '20', amount: '0.5', retracted: false }]);
    expect(s.needs[0].n).toBe(1);
    expect(s.events[0].n).toBe(1);
    expect(s.documents).toEqual([{ doc_key: 'msg:n1', state: 'ACTIVE', current_msg_id: 'm22', version_count: 2 }]);
    expect(s.links).toEqual([{ pseudonym: 'p-int', linked: 'p-int-hnr' }, { pseudonym: 'p-int-hnr', linked: 'p-int' }]);
    expect(s.offsets[0].next).toBe(2);
  });

  it('is idempotent under redelivery, and a late cancellation retracts the document', async () => {
    const before = await snapshot();
    await apply([event('m22', 'M', 'n1', 'I509'), event('n1', 'N', null, 'I50')]);
    const again = await snapshot();
    expect({ ...again, offsets: [] }).toEqual({ ...before, offsets: [] });
    await apply([event('c333', 'C', 'm22', 'I509')]);
    const cancelled = await snapshot();
    expect(cancelled.documents[0].state).toBe('CANCELLED');
    expect(cancelled.diagnoses).toEqual([{ doc_key: 'msg:n1', code: 'I509', retracted: true }]);
  });
});
