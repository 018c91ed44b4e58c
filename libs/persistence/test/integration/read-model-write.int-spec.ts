import { DataSource } from 'typeorm';
import { DocumentEvent, uuidV5 } from '@hub/contracts';
import { ReadModelProjector } from '@hub/projections';
import { createDataSource } from '../../src/data-source.factory';
import { readModelDdl } from '../../src/read-model.schema';
import { ReadModelWriteRepository } from '../../src/read-model-write.repository';
import { StoredOffsetsMovedException } from '../../src/stored-offsets.util';
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

  it('shows no facts for a document whose current version is not projected, an AppRec or without a patient (as the projector decides)', async () => {
    const base = event('np1', 'N', null, 'Z00');
    const notProjected: DocumentEvent = { ...base, envelope: { ...base.envelope, eventType: 'NOT_PROJECTED' } };
    const apprec: DocumentEvent = { ...event('ar1', 'N', null, 'Z01'), envelope: { ...event('ar1', 'N', null, 'Z01').envelope, eventType: 'APPREC_RECEIVED' } };
    const anonymous: DocumentEvent = { ...event('an1', 'N', null, 'Z02'), patient: null };
    await apply([notProjected, apprec, anonymous]);
    const codes = await dataSource.query(`SELECT code FROM "${schema}".diagnosis_facts WHERE code LIKE 'Z0%'`);
    expect(codes).toEqual([]);
    // The documents are there; only their facts are not shown.
    const docs = await dataSource.query(`SELECT doc_key FROM "${schema}".documents WHERE doc_key IN ('msg:np1', 'msg:ar1', 'msg:an1') ORDER BY 1`);
    expect(docs.map((d: { doc_key: string }) => d.doc_key)).toEqual(['msg:an1', 'msg:ar1', 'msg:np1']);
  });

  it('stores each version of one batch with its own facts, in whatever order and with empty lists', async () => {
    const events = ['pa', 'pb', 'pc', 'pd'].map((msgId, i) => {
      const e = event(msgId, 'N', null, `R${i}`);
      return { ...e, services: e.services.slice(0, i % 2), patientEvents: i === 2 ? [] : e.patientEvents };
    });
    await apply(events);
    const stored: Array<{ msg_id: string; facts: unknown }> = await dataSource.query(
      `SELECT msg_id, facts FROM "${schema}".message_versions WHERE msg_id IN ('pa', 'pb', 'pc', 'pd') ORDER BY msg_id`,
    );
    expect(stored).toEqual(
      events.map((e) => ({ msg_id: e.document.msgId, facts: { services: e.services, serviceNeeds: e.serviceNeeds, diagnoses: e.diagnoses, patientEvents: e.patientEvents } })),
    );
  });

  it('writes every column of every fact row from its version, text exactly as sent', async () => {
    const odd = 'Dusj "morgen" \\ kveld\nÆøå – 😀 \t\'x\' {"a":[1]}';
    const base = event('f1', 'N', null, 'I50');
    const e: DocumentEvent = {
      ...base,
      document: { ...base.document, senderName: odd, senderHerIds: ['81', '82'] },
      services: [
        { iplosCode: '15', iplosText: odd, description: null, privateService: true, providedBy: 'Privat AS', amount: '1E1', unit: null, startDate: '2024-02-01', endDate: '2024-03-01', note: odd },
        { iplosCode: null, iplosText: null, description: 'To', privateService: null, providedBy: null, amount: '007', unit: 't', startDate: null, endDate: null, note: null },
      ],
      serviceNeeds: [{ iplosCode: '6', iplosText: 'Trygghetsalarm', description: odd, atInstitution: 'Ja', amountRequested: '0.50', unit: null }],
      diagnoses: [
        { codeSystemOid: '2.16.578.1.12.4.1.1.7170', code: 'K86', normalizedCode: 'K86', display: odd, text: 'tekst', isMain: 'false', startDate: '2023-12-24', endDate: null, context: 'EPIKRISE', codeSystemMismatch: true },
        { codeSystemOid: null, code: null, normalizedCode: null, display: null, text: null, isMain: 'true', startDate: null, endDate: '2024-01-01', context: 'PLO', codeSystemMismatch: false },
      ],
      patientEvents: [{ kind: 'DISCHARGED', eventCode: '2', description: odd, time: '2024-01-05T12:00:00', estimated: true, dischargedTo: 'Hjem', dischargeCondition: 'Bedre' }],
    };
    await apply([e]);
    const rows = (table: string) => dataSource.query(`SELECT * FROM "${schema}".${table} WHERE doc_key = 'msg:f1' ORDER BY ordinal`);
    const common = { kommunenummer: knr, doc_key: 'msg:f1', msg_id: 'f1', patient: 'p-int', msg_type: 'INNLEGGELSESRAPPORT', reported_at: e.document.genDate, sender_name: odd, retracted: false };
    expect(await rows('service_facts')).toEqual([
      { ...common, ordinal: 0, iplos_code: '15', iplos_text: odd, description: null, private_service: true, provided_by: 'Privat AS', amount: '1E1', unit: null, start_date: '2024-02-01', end_date: '2024-03-01', note: odd, sender_her_ids: ['81', '82'] },
      { ...common, ordinal: 1, iplos_code: null, iplos_text: null, description: 'To', private_service: null, provided_by: null, amount: '007', unit: 't', start_date: null, end_date: null, note: null, sender_her_ids: ['81', '82'] },
    ]);
    expect(await rows('service_need_facts')).toEqual([
      { ...common, ordinal: 0, iplos_code: '6', iplos_text: 'Trygghetsalarm', description: odd, at_institution: 'Ja', amount_requested: '0.50', unit: null },
    ]);
    expect(await rows('diagnosis_facts')).toEqual([
      { ...common, ordinal: 0, code_system: '2.16.578.1.12.4.1.1.7170', code: 'K86', normalized_code: 'K86', display: odd, text: 'tekst', is_main: 'false', start_date: '2023-12-24', end_date: null, context: 'EPIKRISE', code_system_mismatch: true },
      { ...common, ordinal: 1, code_system: null, code: null, normalized_code: null, display: null, text: null, is_main: 'true', start_date: null, end_date: '2024-01-01', context: 'PLO', code_system_mismatch: false },
    ]);
    expect(await rows('patient_event_facts')).toEqual([
      { ...common, ordinal: 0, kind: 'DISCHARGED', event_code: '2', description: odd, time: '2024-01-05T12:00:00', estimated: true, discharged_to: 'Hjem', discharge_condition: 'Bedre' },
    ]);
  });

  it("writes nothing of a batch whose offsets belong to another topic id than the stored ones (the topic was replaced meanwhile)", async () => {
    await dataSource.query(`INSERT INTO "${schema}".projection_offsets (topic, partition, next_offset, topic_id) VALUES ('t-moved', 0, 0, 'new-topic')`);
    const versions = async () => Number((await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".message_versions WHERE msg_id = 'moved1'`))[0].n);
    const write = (topicId: string) =>
      dataSource.transaction(async (manager) => {
        const tx = new ReadModelWriteRepository(manager, schema);
        const e = event('moved1', 'N', null, 'J18');
        await tx.prefetch([e]);
        await projector.apply(tx, e, { topic: 't-moved', partition: 0, offset: '0' });
        await tx.saveOffset('t-moved', 0, '1', topicId);
        await tx.flush();
      });
    await expect(write('old-topic')).rejects.toBeInstanceOf(StoredOffsetsMovedException);
    expect(await versions()).toBe(0);
    await write('new-topic');
    expect(await versions()).toBe(1);
    expect((await dataSource.query(`SELECT next_offset::int AS next, topic_id FROM "${schema}".projection_offsets WHERE topic = 't-moved'`))[0]).toEqual({ next: 1, topic_id: 'new-topic' });
  });
});
