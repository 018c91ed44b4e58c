import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLogRepository, AuditLogRow } from '../../src/audit-log.repository';
import { createDataSource } from '../../src/data-source.factory';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/** The audit projection's batch insert against the real PostgreSQL (its own kommunenummer). */
describe('AuditLogWriter.insertMany (PostgreSQL)', () => {
  const knr = String(9000 + Math.floor(Math.random() * 999));
  let dataSource: DataSource;
  let repository: AuditLogRepository;

  const row = (overrides: Partial<AuditLogRow> = {}): AuditLogRow => ({
    auditId: randomUUID(), kommunenummer: knr, occurredAt: 1764000000123, action: 'SEARCH', resource: 'Condition', patientPseudonym: 'p-1',
    clientId: 'epj', organisation: null, actorHpr: null, actorName: null, purposeOfUse: 'TREAT', outcome: 'SUCCESS', correlationId: randomUUID(), ...overrides,
  });
  const at = (offset: number) => ({ topic: `t.${knr}`, partition: 1, offset: String(offset) });

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 2 });
    await dataSource.initialize();
    repository = new AuditLogRepository(dataSource);
  });
  afterAll(async () => {
    await dataSource.query('DELETE FROM audit_log WHERE kommunenummer = $1', [knr]);
    await dataSource.destroy();
  });

  it('writes a batch in one statement, every column as given, and is idempotent by auditId', async () => {
    const first = row({ organisation: '974600951', actorHpr: '9144900', actorName: 'Lege Legesen' });
    const second = row({ patientPseudonym: null, purposeOfUse: null, occurredAt: 1764000000999, outcome: 'NOT_FOUND' });
    const query = jest.spyOn(EntityManager.prototype, 'query');
    await repository.transaction((tx) => tx.insertMany([{ row: first, position: at(7) }, { row: second, position: at(8) }]));
    expect(query.mock.calls.filter(([sql]) => String(sql).includes('INSERT INTO audit_log'))).toHaveLength(1);
    query.mockRestore();
    expect(await repository.byId(first.auditId)).toEqual(first);
    expect(await repository.byId(second.auditId)).toEqual(second);
    const [{ offset }] = await dataSource.query('SELECT "offset"::text AS offset FROM audit_log WHERE audit_id = $1', [second.auditId]);
    expect(offset).toBe('8');

    // A redelivered batch (with one new event, and one event twice) adds only the new one.
    const third = row();
    await repository.transaction((tx) => tx.insertMany([{ row: first, position: at(7) }, { row: third, position: at(9) }, { row: third, position: at(9) }]));
    const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM audit_log WHERE kommunenummer = $1', [knr]);
    expect(n).toBe(3);
    expect(await repository.byId(third.auditId)).toEqual(third);
  });
});
