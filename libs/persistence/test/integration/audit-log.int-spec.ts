import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLogRepository, AuditLogRow } from '../../src/audit-log.repository';
import { createDataSource } from '../../src/data-source.factory';
import { isolatedTestEnv } from '../../../../test/support/test-env';

/**
 * The audit projection's batch insert against the real PostgreSQL, in a database of its own: it
 * counts and lists a kommune's rows, and the e2e tests running beside it write audit rows for
 * their own kommuner (99xx, which a random 9xxx hit now and then) and one truncates audit_log.
 */
describe('AuditLogWriter.insertMany (PostgreSQL)', () => {
  const knr = String(9000 + Math.floor(Math.random() * 999));
  let dataSource: DataSource;
  let repository: AuditLogRepository;

  const row = (overrides: Partial<AuditLogRow> = {}): AuditLogRow => ({
    auditId: randomUUID(), kommunenummer: knr, occurredAt: 1764000000123, action: 'SEARCH', resource: 'Condition', patientPseudonym: 'p-1',
    clientId: 'epj', organisation: null, actorHpr: null, actorName: null, purposeOfUse: 'TREAT', outcome: 'SUCCESS', correlationId: randomUUID(), refusalReason: null, ...overrides,
  });
  const at = (offset: number) => ({ topic: `t.${knr}`, partition: 1, offset: String(offset) });

  beforeAll(async () => {
    dataSource = createDataSource((await isolatedTestEnv('auditlog')).databaseUrl, { poolSize: 2 });
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

  it("lists the kommune's events by outcome, newest first, paged after the last one seen, ties on time included once", async () => {
    const denied = [0, 1, 2, 3, 4].map((i) => row({ outcome: 'DENIED', action: 'ACCESS', refusalReason: 'forbidden_kommune', patientPseudonym: null, occurredAt: 1765000000000 + (i < 3 ? 0 : i) }));
    const other = row({ occurredAt: 1765000000500 });
    const elsewhere = row({ kommunenummer: '0000', outcome: 'DENIED', occurredAt: 1765000000600 });
    await repository.transaction((tx) => tx.insertMany([...denied, other, elsewhere].map((r, i) => ({ row: r, position: at(100 + i) }))));
    const seen: AuditLogRow[] = [];
    let after: { occurredAtMs: number; auditId: string } | undefined;
    for (;;) {
      const page = await repository.events(knr, { outcome: 'DENIED', after }, 2);
      seen.push(...page);
      if (page.length < 2) break;
      const last = page[page.length - 1];
      after = { occurredAtMs: Number(last.occurredAt), auditId: last.auditId };
    }
    // Three events share one millisecond: each is listed exactly once across the page boundary.
    expect(seen.map((r) => r.auditId).sort()).toEqual(denied.map((r) => r.auditId).sort());
    expect(seen.map((r) => Number(r.occurredAt))).toEqual([...seen.map((r) => Number(r.occurredAt))].sort((a, b) => b - a));
    expect(seen[0]).toEqual(denied[4]);
    expect((await repository.events(knr, {}, 100)).map((r) => r.auditId)).toContain(other.auditId);
    await dataSource.query("DELETE FROM audit_log WHERE kommunenummer = '0000' AND audit_id = $1", [elsewhere.auditId]);
  });
});
