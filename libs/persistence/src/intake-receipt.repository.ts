import type { DataSource } from 'typeorm';
import { Coalescer } from '@hub/coalescing';
import { multiRowValues } from './sql.util';

export interface IntakeReceipt {
  msgId: string;
  sha256: string;
  kommuner: string[];
  appRecXml: string;
  gatewayClient: string;
}

/** Most receipts one statement reads or writes (5 parameters per written row, far under PostgreSQL's 65,535). */
const MAX_BATCH = 500;

/**
 * Accepted messages by MsgId: answers resends with the AppRec already given, and is how
 * "the same MsgId is one message" holds at the edge. (Downstream, event ids derived from the
 * MsgId make a resend that slipped through harmless as well.)
 *
 * Lookups and inserts are coalesced: one statement of each kind is in flight at a time, and the
 * calls that arrive meanwhile go together in the next one (`msg_id = ANY($1)`, one multi-row
 * INSERT). At low load a call runs at once; under load, 16 concurrent requests cost two round
 * trips instead of 32. Each caller still gets exactly its own answer, or the statement's error.
 */
export class IntakeReceiptRepository {
  private readonly lookups = new Coalescer<string, IntakeReceipt | undefined>((ids) => this.findMany(ids), MAX_BATCH);
  private readonly inserts = new Coalescer<IntakeReceipt, { inserted: boolean; receipt: IntakeReceipt }>((r) => this.insertMany(r), MAX_BATCH);

  constructor(private readonly dataSource: DataSource) {}

  find(msgId: string): Promise<IntakeReceipt | undefined> {
    return this.lookups.call(msgId);
  }

  /** Stores the receipt; when another request stored the same MsgId first, returns that one. */
  insertOrGet(receipt: IntakeReceipt): Promise<{ inserted: boolean; receipt: IntakeReceipt }> {
    return this.inserts.call(receipt);
  }

  async countDuplicate(msgId: string): Promise<void> {
    await this.dataSource.query('UPDATE intake_receipts SET duplicate_count = duplicate_count + 1 WHERE msg_id = $1', [msgId]);
  }

  private async findMany(msgIds: string[]): Promise<Array<IntakeReceipt | undefined>> {
    const rows: ReceiptRow[] = await this.dataSource.query(
      'SELECT msg_id, sha256, kommuner, apprec_xml, gateway_client FROM intake_receipts WHERE msg_id = ANY($1::text[])',
      [[...new Set(msgIds)]],
    );
    const byId = new Map(rows.map((r) => [r.msg_id, toReceipt(r)]));
    return msgIds.map((id) => byId.get(id));
  }

  private async insertMany(receipts: IntakeReceipt[]): Promise<Array<{ inserted: boolean; receipt: IntakeReceipt }>> {
    // The first of several callers with the same MsgId in one batch is the one that may insert.
    const first = new Map<string, IntakeReceipt>();
    for (const r of receipts) if (!first.has(r.msgId)) first.set(r.msgId, r);
    const rows = [...first.values()];
    const values = multiRowValues(rows.map((r) => [r.msgId, r.sha256, r.kommuner, r.appRecXml, r.gatewayClient]));
    const inserted: Array<{ msg_id: string }> = await this.dataSource.query(
      `INSERT INTO intake_receipts (msg_id, sha256, kommuner, apprec_xml, gateway_client) VALUES ${values.sql}
       ON CONFLICT (msg_id) DO NOTHING RETURNING msg_id`,
      values.params,
    );
    const insertedIds = new Set(inserted.map((r) => r.msg_id));
    const conflicting = rows.filter((r) => !insertedIds.has(r.msgId)).map((r) => r.msgId);
    const stored = new Map<string, IntakeReceipt>();
    if (conflicting.length > 0) {
      const existing = await this.findMany(conflicting);
      conflicting.forEach((id, i) => stored.set(id, existing[i]!));
    }
    return receipts.map((r) => {
      if (first.get(r.msgId) === r && insertedIds.has(r.msgId)) return { inserted: true, receipt: r };
      return { inserted: false, receipt: stored.get(r.msgId) ?? first.get(r.msgId)! };
    });
  }
}

interface ReceiptRow {
  msg_id: string;
  sha256: string;
  kommuner: string[];
  apprec_xml: string;
  gateway_client: string;
}

function toReceipt(row: ReceiptRow): IntakeReceipt {
  return { msgId: row.msg_id, sha256: row.sha256, kommuner: row.kommuner, appRecXml: row.apprec_xml, gatewayClient: row.gateway_client };
}
