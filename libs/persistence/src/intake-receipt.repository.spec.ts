import type { DataSource } from 'typeorm';
import { IntakeReceipt, IntakeReceiptRepository } from './intake-receipt.repository';

/** An in-memory intake_receipts table behind the three statements the repository issues. */
function fakeDataSource() {
  const table = new Map<string, IntakeReceipt>();
  const statements: string[] = [];
  let failNext = false;
  const query = async (sql: string, params: unknown[]): Promise<unknown[]> => {
    await new Promise((r) => setImmediate(r)); // a round trip: callers arriving meanwhile queue up
    statements.push(sql.trim().split(/\s+/)[0]);
    if (failNext) {
      failNext = false;
      throw new Error('connection terminated');
    }
    if (sql.startsWith('SELECT')) {
      return (params[0] as string[]).filter((id) => table.has(id)).map((id) => {
        const r = table.get(id)!;
        return { message_key: r.messageKey, msg_id: r.msgId, sha256: r.sha256, kommuner: r.kommuner, apprec_xml: r.appRecXml, gateway_client: r.gatewayClient };
      });
    }
    if (sql.startsWith('INSERT')) {
      const out: Array<{ message_key: string }> = [];
      for (let i = 0; i < params.length; i += 6) {
        const [messageKey, msgId, sha256, kommuner, appRecXml, gatewayClient] = params.slice(i, i + 6) as [string, string, string, string[], string, string];
        if (table.has(messageKey)) continue; // ON CONFLICT DO NOTHING (also for a repeat within the statement)
        table.set(messageKey, { messageKey, msgId, sha256, kommuner, appRecXml, gatewayClient });
        out.push({ message_key: messageKey });
      }
      return out;
    }
    throw new Error(`unexpected statement ${sql}`);
  };
  return { ds: { query, isInitialized: true } as unknown as DataSource, table, statements, failOnce: () => (failNext = true) };
}

const receipt = (msgId: string, appRecXml = `<AppRec ${msgId}/>`): IntakeReceipt => ({ messageKey: msgId, msgId, sha256: 'h', kommuner: ['0301'], appRecXml, gatewayClient: 'gw' });

describe('IntakeReceiptRepository (coalesced statements)', () => {
  it('runs a lone call at once and answers it', async () => {
    const { ds, statements } = fakeDataSource();
    const repo = new IntakeReceiptRepository(ds);
    expect(await repo.find('a')).toBeUndefined();
    expect(await repo.insertOrGet(receipt('a'))).toEqual({ inserted: true, receipt: receipt('a') });
    expect(await repo.find('a')).toEqual(receipt('a'));
    expect(statements).toEqual(['SELECT', 'INSERT', 'SELECT']);
  });

  it('sends calls that arrive while a statement is in flight together in the next one, each with its own answer', async () => {
    const { ds, table, statements } = fakeDataSource();
    table.set('old', receipt('old', '<first/>'));
    const repo = new IntakeReceiptRepository(ds);
    const ids = Array.from({ length: 20 }, (_, i) => `m${i}`);
    const found = await Promise.all([...ids, 'old'].map((id) => repo.find(id)));
    expect(found.slice(0, 20)).toEqual(ids.map(() => undefined));
    expect(found[20]).toEqual(receipt('old', '<first/>'));
    const stored = await Promise.all(ids.map((id) => repo.insertOrGet(receipt(id))));
    expect(stored).toEqual(ids.map((id) => ({ inserted: true, receipt: receipt(id) })));
    expect(statements).toEqual(['SELECT', 'SELECT', 'INSERT', 'INSERT']); // 1 + rest, not 21 + 20
    expect(table.size).toBe(21);
  });

  it('gives the stored receipt to a MsgId that was already there, and to a repeat within one batch', async () => {
    const { ds, table } = fakeDataSource();
    table.set('old', receipt('old', '<first/>'));
    const repo = new IntakeReceiptRepository(ds);
    const [blocker, again, a1, a2] = await Promise.all([
      repo.insertOrGet(receipt('x')),
      repo.insertOrGet(receipt('old', '<second/>')),
      repo.insertOrGet(receipt('dup', '<one/>')),
      repo.insertOrGet(receipt('dup', '<two/>')),
    ]);
    expect(blocker.inserted).toBe(true);
    expect(again).toEqual({ inserted: false, receipt: receipt('old', '<first/>') });
    expect(a1).toEqual({ inserted: true, receipt: receipt('dup', '<one/>') });
    expect(a2).toEqual({ inserted: false, receipt: receipt('dup', '<one/>') });
    expect(table.get('dup')?.appRecXml).toBe('<one/>');
  });

  it('rejects exactly the callers of a failed statement and serves the next ones', async () => {
    const { ds, failOnce } = fakeDataSource();
    const repo = new IntakeReceiptRepository(ds);
    failOnce();
    const first = repo.insertOrGet(receipt('a'));
    const queued = repo.insertOrGet(receipt('b'));
    await expect(first).rejects.toThrow('connection terminated');
    await expect(queued).resolves.toEqual({ inserted: true, receipt: receipt('b') });
  });
});
