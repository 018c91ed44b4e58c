import { DataSource, QueryRunner } from 'typeorm';
import { createDataSource } from '../../src/data-source.factory';
import { IntakeReceiptRepository } from '../../src/intake-receipt.repository';
import { ReceiptMessageKey1764300000000 } from '../../src/migrations/1764300000000-ReceiptMessageKey';
import { TEST_DATABASE_URL } from '../../../../test/support/test-env';

/**
 * Migration ReceiptMessageKey (issue #12): receipts stored before it (all with UUID MsgIds) get
 * their MsgId as message key and stay found; two senders may then store the same non-UUID MsgId;
 * `down` restores the MsgId key while that is possible and refuses (changing nothing) when two
 * receipts share a MsgId. Runs on a table of the old shape in a scratch schema.
 */
describe('migration ReceiptMessageKey (PostgreSQL)', () => {
  const schema = `receipts_mig_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  let dataSource: DataSource;
  let runner: QueryRunner;

  beforeAll(async () => {
    dataSource = createDataSource(TEST_DATABASE_URL, { poolSize: 1 });
    await dataSource.initialize();
    runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.query(`CREATE SCHEMA "${schema}"`);
    await runner.query(`SET search_path TO "${schema}"`);
    // intake_receipts as InitialSchema created it.
    await runner.query(`CREATE TABLE intake_receipts (
      msg_id text PRIMARY KEY, sha256 text NOT NULL, kommuner text[] NOT NULL, apprec_xml text NOT NULL,
      gateway_client text NOT NULL, received_at timestamptz NOT NULL DEFAULT now(), duplicate_count int NOT NULL DEFAULT 0)`);
    await runner.query(`INSERT INTO intake_receipts (msg_id, sha256, kommuner, apprec_xml, gateway_client)
      VALUES ('0f9c1f6e-3b1a-4c55-9a51-3c2b9a4d7e10', 'h1', '{3428}', '<AppRec/>', 'gw')`);
  });
  afterAll(async () => {
    await runner?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await runner?.release();
    await dataSource?.destroy();
  });

  const primaryKey = async () =>
    (
      await runner.query(
        `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
          WHERE i.indrelid = '"${schema}".intake_receipts'::regclass AND i.indisprimary`,
      )
    ).map((r: { attname: string }) => r.attname);

  it('keys receipts by message key, keeps the old ones found, and is reversible until two senders share a MsgId', async () => {
    const migration = new ReceiptMessageKey1764300000000();
    await migration.up(runner);
    expect(await primaryKey()).toEqual(['message_key']);
    expect(await runner.query('SELECT message_key, msg_id FROM intake_receipts')).toEqual([
      { message_key: '0f9c1f6e-3b1a-4c55-9a51-3c2b9a4d7e10', msg_id: '0f9c1f6e-3b1a-4c55-9a51-3c2b9a4d7e10' },
    ]);
    // The repository finds the old receipt by its key (the MsgId) through this connection's schema.
    const repo = new IntakeReceiptRepository({ isInitialized: true, query: (sql: string, params: unknown[]) => runner.query(sql, params) } as unknown as DataSource);
    expect(await repo.find('0f9c1f6e-3b1a-4c55-9a51-3c2b9a4d7e10')).toMatchObject({ sha256: 'h1', kommuner: ['3428'] });
    // Two senders, one non-UUID MsgId: two receipts.
    for (const her of ['99387', '112374']) {
      expect((await repo.insertOrGet({ messageKey: `her:${her}|MSG-1`, msgId: 'MSG-1', sha256: her, kommuner: ['3428'], appRecXml: '', gatewayClient: 'gw' })).inserted).toBe(true);
    }
    await expect(migration.down(runner)).rejects.toThrow(/used by more than one sender/);
    expect(await primaryKey()).toEqual(['message_key']);

    await runner.query(`DELETE FROM intake_receipts WHERE message_key = 'her:112374|MSG-1'`);
    await migration.down(runner);
    expect(await primaryKey()).toEqual(['msg_id']);
    const columns = (await runner.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'intake_receipts'`, [schema])).map(
      (c: { column_name: string }) => c.column_name,
    );
    expect(columns).not.toContain('message_key');
    expect((await runner.query('SELECT count(*)::int AS n FROM intake_receipts'))[0].n).toBe(2);
  });
});
