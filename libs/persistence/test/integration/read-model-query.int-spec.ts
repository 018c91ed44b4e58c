import { DataSource } from 'typeorm';
import { createDataSource } from '../../src/data-source.factory';
import { readModelDdl } from '../../src/read-model.schema';
import { ReadModelQueryRepository } from '../../src/read-model-query.repository';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/**
 * A patient read's one statement (`patientSnapshot`) against the real PostgreSQL, in a
 * projection row and two generation schemas of its own: the linked identity group, the rows in
 * the order and shape the overview builder expects, the block check on any linked identity, and
 * no rows from a generation that is not the live one.
 */
describe('ReadModelQueryRepository.patientSnapshot (PostgreSQL)', () => {
  const projection = `query-test-${Date.now()}`;
  const base = 700000 + Math.floor(Math.random() * 99999);
  const [live, old] = [`readmodel_g${base}`, `readmodel_g${base + 1}`];
  const knr = String(9000 + Math.floor(Math.random() * 999)).padStart(4, '0');
  let dataSource: DataSource;
  let queries: ReadModelQueryRepository;

  const fact = (schema: string, table: string, columns: Record<string, unknown>) => {
    const names = Object.keys(columns);
    return dataSource.query(
      `INSERT INTO "${schema}".${table} (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`,
      Object.values(columns),
    );
  };
  /** A document whose current version reports these IPLOS services (its fact rows, through the fact views). */
  const document = async (schema: string, patient: string, docKey: string, genDate: string, iplos: string[], recordedAt = new Date('2024-01-01T09:00:00.123Z')) => {
    const services = iplos.map((iplosCode) => ({ iplosCode, iplosText: null, description: null, privateService: null, providedBy: null, amount: null, unit: null, startDate: null, endDate: null, note: null }));
    await fact(schema, 'message_versions', {
      kommunenummer: knr, msg_id: `m-${docKey}`, event_id: '00000000-0000-5000-8000-000000000001', event_type: 'DOCUMENT_RECEIVED', msg_type: 'ORIENTERING_TJENESTETILBUD',
      standard: 'PLO', standard_version: '1.6', status: 'N', doc_key: docKey, chain_depth: 0, patient, gen_date: genDate, recorded_at: recordedAt,
      sender_her_ids: ['1'], sender_name: 'Testvik', facts: { services, serviceNeeds: [], diagnoses: [], patientEvents: [] }, source_topic: 't', source_partition: 0, source_offset: 7,
    });
    await fact(schema, 'documents', { kommunenummer: knr, doc_key: docKey, msg_type: 'ORIENTERING_TJENESTETILBUD', patient, state: 'ACTIVE', current_msg_id: `m-${docKey}`, version_count: 1 });
  };

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 2 });
    await dataSource.initialize();
    queries = new ReadModelQueryRepository(dataSource);
    for (const schema of [live, old]) for (const statement of readModelDdl(schema)) await dataSource.query(statement);
    await dataSource.query('INSERT INTO projection_generations (projection, active_schema) VALUES ($1, $2)', [projection, live]);
    // p-fnr is linked to p-dnr, which is linked to p-hnr (the closure must follow both steps).
    await fact(live, 'patient_links', { kommunenummer: knr, pseudonym: 'p-fnr', linked: 'p-dnr' });
    await fact(live, 'patient_links', { kommunenummer: knr, pseudonym: 'p-dnr', linked: 'p-hnr' });
    await fact(live, 'patients', { kommunenummer: knr, pseudonym: 'p-fnr', family_name: 'Ås', identifier_types: ['FNR', 'DNR'] });
    await document(live, 'p-hnr', 'd2', '2024-02-01T10:00:00', ['15']);
    await document(live, 'p-fnr', 'd1', '2024-01-01T10:00:00', ['11', '12']);
    await document(live, 'p-other', 'd3', '2023-01-01T10:00:00', ['99']);
    await document(old, 'p-fnr', 'old', '2020-01-01T10:00:00', ['1']);
  });
  afterAll(async () => {
    await dataSource.query('DELETE FROM projection_generations WHERE projection = $1', [projection]);
    await dataSource.query('DELETE FROM patient_blocks WHERE kommunenummer = $1', [knr]);
    for (const schema of [live, old]) await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  it('returns the linked group and the rows of the whole group, in the order and shape of the per-table queries', async () => {
    const snapshot = await queries.patientSnapshot(live, projection, knr, 'p-fnr');
    expect(snapshot).toMatchObject({ activeSchema: live, blocked: false, pseudonyms: ['p-dnr', 'p-fnr', 'p-hnr'] });
    const rows = snapshot.rows!;
    // The same rows, column for column, as SELECT * ordered as the overview expects.
    const expected = await dataSource.query(
      `SELECT * FROM "${live}".service_facts WHERE kommunenummer = $1 AND patient = ANY($2) ORDER BY reported_at, doc_key, ordinal`,
      [knr, snapshot.pseudonyms],
    );
    expect(rows.services).toEqual(expected);
    expect(rows.services.map((s) => s.iplos_code)).toEqual(['11', '12', '15']);
    expect(rows.patients).toEqual([{ pseudonym: 'p-fnr', family_name: 'Ås', given_name: null, birth_date: null, sex: null, identifier_types: ['FNR', 'DNR'] }]);
    // The whole group's messages (p-hnr's too), oldest first.
    expect(rows.messages.map((m) => m.msg_id)).toEqual(['m-d1', 'm-d2']);
    expect(rows.messages[0]).toMatchObject({ msg_id: 'm-d1', document_state: 'ACTIVE', doc_key: 'd1' });
    expect(rows.messages[0].recorded_at).toEqual(new Date('2024-01-01T09:00:00.123Z'));
    expect(rows).toMatchObject({ serviceNeeds: [], diagnoses: [], events: [] });
  });

  it('reads only the fact sections asked for, each as the whole read has it, beside the patients and messages', async () => {
    // A patient with something in every fact set.
    await fact(live, 'patients', { kommunenummer: knr, pseudonym: 'p-all', family_name: 'Alle', identifier_types: ['FNR'] });
    await fact(live, 'message_versions', {
      kommunenummer: knr, msg_id: 'm-all', event_id: '00000000-0000-5000-8000-000000000002', event_type: 'DOCUMENT_RECEIVED', msg_type: 'EPIKRISE',
      standard: 'EPIKRISE', standard_version: '1.2', status: 'N', doc_key: 'd-all', chain_depth: 0, patient: 'p-all', gen_date: '2024-03-01T10:00:00',
      recorded_at: new Date('2024-03-01T09:00:00.000Z'), sender_her_ids: ['1'], sender_name: 'Sykehuset', source_topic: 't', source_partition: 0, source_offset: 8,
      facts: {
        services: [{ iplosCode: '15', startDate: '2024-01-03' }],
        serviceNeeds: [{ iplosCode: '21', amountRequested: '3', unit: 'timer' }],
        diagnoses: [{ codeSystemOid: '2.16.578.1.12.4.1.1.7110', code: 'J18.9', normalizedCode: 'J189', isMain: 'true', context: 'EPIKRISE', codeSystemMismatch: false }],
        patientEvents: [{ kind: 'DISCHARGED', time: '2024-03-01T08:00:00', estimated: false }],
      },
    });
    await fact(live, 'documents', { kommunenummer: knr, doc_key: 'd-all', msg_type: 'EPIKRISE', patient: 'p-all', state: 'ACTIVE', current_msg_id: 'm-all', version_count: 1 });

    const whole = (await queries.patientSnapshot(live, projection, knr, 'p-all')).rows!;
    for (const set of ['services', 'serviceNeeds', 'diagnoses', 'events'] as const) expect(whole[set]).toHaveLength(1);
    for (const sections of [['diagnoses'], ['services', 'events'], []] as const) {
      const rows = (await queries.patientSnapshot(live, projection, knr, 'p-all', sections)).rows!;
      expect(rows.patients).toEqual(whole.patients);
      expect(rows.messages).toEqual(whole.messages);
      for (const set of ['services', 'serviceNeeds', 'diagnoses', 'events'] as const) expect(rows[set]).toEqual((sections as readonly string[]).includes(set) ? whole[set] : []);
    }
    // Each set of sections is its own prepared statement: reading them in turn on the same connections keeps each right.
    expect((await queries.patientSnapshot(live, projection, knr, 'p-all', ['diagnoses'])).rows!.services).toEqual([]);
    expect((await queries.patientSnapshot(live, projection, knr, 'p-all')).rows!.services).toEqual(whole.services);

    // Every one of the 16 sets has a name of its own within the 63 bytes PostgreSQL keeps of a statement's name.
    const pool = (dataSource.driver as unknown as { master: { query(...args: unknown[]): Promise<unknown> } }).master;
    const poolQuery = jest.spyOn(pool, 'query');
    const all = ['services', 'serviceNeeds', 'diagnoses', 'events'] as const;
    for (let mask = 0; mask < 16; mask++) await queries.patientSnapshot(live, projection, knr, 'p-all', all.filter((_, i) => mask & (1 << i)));
    const names = poolQuery.mock.calls.map(([config]) => (config as { name: string }).name);
    poolQuery.mockRestore();
    expect(new Set(names.map((n) => n.slice(0, 63))).size).toBe(16);
    for (const name of names) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
  });

  it('answers an unknown patient with an empty record and a group of one', async () => {
    const snapshot = await queries.patientSnapshot(live, projection, knr, 'p-nobody');
    expect(snapshot.pseudonyms).toEqual(['p-nobody']);
    expect(snapshot.rows).toEqual({ patients: [], services: [], serviceNeeds: [], diagnoses: [], events: [], messages: [] });
  });

  it('returns no rows from a generation that is not the live one, and names the live one', async () => {
    const snapshot = await queries.patientSnapshot(old, projection, knr, 'p-fnr');
    expect(snapshot.activeSchema).toBe(live);
    expect(snapshot.rows).toBeUndefined();
  });

  it('messagesHeld: which messages the generation holds in this kommune, beside the live generation', async () => {
    await expect(queries.messagesHeld(live, projection, knr, ['m-d1', 'm-d3', 'm-none', 'm-old'])).resolves.toEqual({ activeSchema: live, held: expect.arrayContaining(['m-d1', 'm-d3']) });
    expect((await queries.messagesHeld(live, projection, knr, ['m-d1', 'm-d3', 'm-none', 'm-old'])).held).toHaveLength(2);
    // Another kommune's id space; a generation that is not live says so.
    await expect(queries.messagesHeld(live, projection, knr === '9999' ? '9998' : '9999', ['m-d1'])).resolves.toEqual({ activeSchema: live, held: [] });
    await expect(queries.messagesHeld(old, projection, knr, ['m-old', 'm-d1'])).resolves.toEqual({ activeSchema: live, held: ['m-old'] });
    await expect(queries.messagesHeld(live, projection, knr, [])).resolves.toEqual({ activeSchema: live, held: [] });
  });

  it('reports a block on any linked identity and then reads no clinical rows', async () => {
    await dataSource.query(
      `INSERT INTO patient_blocks (kommunenummer, patient_pseudonym, blocked, changed_at, changed_at_ms, audit_id, changed_by_client)
       VALUES ($1, 'p-hnr', true, now(), 1, 'a1', 'test')`,
      [knr],
    );
    const snapshot = await queries.patientSnapshot(live, projection, knr, 'p-fnr');
    expect(snapshot).toMatchObject({ activeSchema: live, blocked: true, pseudonyms: ['p-dnr', 'p-fnr', 'p-hnr'] });
    expect(snapshot.rows).toBeUndefined();
    // An unblocked block row does not block.
    await dataSource.query('UPDATE patient_blocks SET blocked = false WHERE kommunenummer = $1', [knr]);
    expect((await queries.patientSnapshot(live, projection, knr, 'p-fnr')).blocked).toBe(false);
  });

  it('is one round trip, a named prepared statement per generation (planned once per connection)', async () => {
    const pool = (dataSource.driver as unknown as { master: { query(...args: unknown[]): Promise<unknown> } }).master;
    const poolQuery = jest.spyOn(pool, 'query');
    const query = jest.spyOn(dataSource, 'query');
    await queries.patientSnapshot(live, projection, knr, 'p-fnr');
    await queries.patientSnapshot(old, projection, knr, 'p-fnr');
    expect(query).not.toHaveBeenCalled();
    expect(poolQuery.mock.calls.map(([config]) => (config as { name: string }).name)).toEqual([`patient-snapshot-${live}`, `patient-snapshot-${old}`]);
    poolQuery.mockRestore();
    query.mockRestore();
    // Both generations' statements stay usable on the same connections.
    expect((await queries.patientSnapshot(live, projection, knr, 'p-fnr')).rows?.services).toHaveLength(3);
  });

  it('fails with undefined_table once a remembered generation is dropped (the read service then looks the live one up again)', async () => {
    const doomed = `readmodel_g${base + 2}`;
    for (const statement of readModelDdl(doomed)) await dataSource.query(statement);
    await queries.patientSnapshot(doomed, projection, knr, 'p-fnr');
    await dataSource.query(`DROP SCHEMA "${doomed}" CASCADE`);
    await expect(queries.patientSnapshot(doomed, projection, knr, 'p-fnr')).rejects.toMatchObject({ code: '42P01' });
  });
});

/**
 * The snapshot statement is prepared by name, and PostgreSQL keeps one generic plan per
 * connection. A plan made on nearly empty tables (a new hub, a projector catching up) reads the
 * tables whole; without an ANALYZE to invalidate it, it stays while they grow. Connections live
 * `maxLifetimeSeconds` (CONNECTION_MAX_LIFETIME_SECONDS in production), so such a plan does not
 * outlive its connection.
 */
describe('ReadModelQueryRepository.patientSnapshot: a plan made on empty tables does not outlive its connection (PostgreSQL)', () => {
  const projection = `query-plan-test-${Date.now()}`;
  const schema = `readmodel_g${800000 + Math.floor(Math.random() * 99999)}`;
  const knr = '9934';
  const LIFETIME_SECONDS = 2;
  let dataSource: DataSource;
  let queries: ReadModelQueryRepository;

  beforeAll(async () => {
    // One connection, so every statement below runs on the connection that prepared the snapshot.
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 1, maxLifetimeSeconds: LIFETIME_SECONDS });
    await dataSource.initialize();
    queries = new ReadModelQueryRepository(dataSource);
    for (const statement of readModelDdl(schema)) await dataSource.query(statement);
    await dataSource.query('INSERT INTO projection_generations (projection, active_schema) VALUES ($1, $2)', [projection, schema]);
  });
  afterAll(async () => {
    await dataSource.query('DELETE FROM projection_generations WHERE projection = $1', [projection]);
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  });

  /** Shared blocks PostgreSQL reads for one patient with the plan the pool's connection holds now. */
  const snapshotBlocks = async () => {
    // Past the five custom plans, so the connection has settled on its generic plan.
    for (let i = 0; i < 6; i++) await queries.patientSnapshot(schema, projection, knr, `p-${i}`);
    const [{ 'QUERY PLAN': plan }] = await dataSource.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE "patient-snapshot-${schema}"('${knr}', 'p-7', '${projection}', '${schema}')`);
    return plan[0].Plan['Shared Hit Blocks'] + plan[0].Plan['Shared Read Blocks'];
  };

  it('reads a patient by index once the kommune has grown, after the connection that planned on empty tables is replaced', async () => {
    await snapshotBlocks(); // planned on empty tables
    // 6,000 documents for 600 patients, no ANALYZE (nothing invalidates the plan).
    await dataSource.query(
      `INSERT INTO "${schema}".message_versions (kommunenummer, msg_id, event_id, event_type, msg_type, standard, standard_version, status, doc_key, chain_depth,
         patient, gen_date, recorded_at, sender_her_ids, sender_name, facts, source_topic, source_partition, source_offset)
       SELECT $1, 'm-' || i, '00000000-0000-5000-8000-000000000001', 'DOCUMENT_RECEIVED', 'ORIENTERING_TJENESTETILBUD', 'PLO', '1.6', 'N', 'd-' || i, 0,
         'p-' || (i % 600), '2024-01-01T10:00:00', now(), '{1}', 'Testvik', $2::jsonb, 't', 0, i FROM generate_series(1, 6000) i`,
      [knr, JSON.stringify({ services: [{ iplosCode: '15', iplosText: null, description: null, privateService: null, providedBy: null, amount: null, unit: null, startDate: null, endDate: null, note: null }], serviceNeeds: [], diagnoses: [], patientEvents: [] })],
    );
    await dataSource.query(
      `INSERT INTO "${schema}".documents (kommunenummer, doc_key, msg_type, patient, state, current_msg_id, version_count)
       SELECT $1, 'd-' || i, 'ORIENTERING_TJENESTETILBUD', 'p-' || (i % 600), 'ACTIVE', 'm-' || i, 1 FROM generate_series(1, 6000) i`,
      [knr],
    );
    await new Promise((r) => setTimeout(r, LIFETIME_SECONDS * 1000 + 500));
    const blocks = await snapshotBlocks();
    // By index: the patient's 10 documents and their versions, a few hundred blocks. Planned on
    // the empty tables: every fact view and version read whole, tens of thousands.
    expect(blocks).toBeLessThan(2000);
    const snapshot = await queries.patientSnapshot(schema, projection, knr, 'p-7');
    expect(snapshot.rows?.services).toHaveLength(10);
  });
});
