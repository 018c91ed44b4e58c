import type { DataSource } from 'typeorm';
import type { RawMessageRecord } from '@hub/contracts';
import { connected } from './data-source-ready.util';
import { Coalescer } from '@hub/coalescing';
import { multiRowValues } from './sql.util';

/** An accepted message's receipt: the raw record's MsgId as sent, sha256 and gateway client, and what intake answered. */
export type IntakeReceipt = Pick<RawMessageRecord, 'msgId' | 'sha256' | 'gatewayClient'> & {
  /** The hub's identity of the message (libs/contracts messageKey): the MsgId, scoped by the sender unless a UUID. */
  messageKey: string;
  kommuner: string[];
  appRecXml: string;
  /** When the receipt was stored (set by PostgreSQL; absent on a receipt not yet read back). */
  receivedAt?: Date;
};

/** Most receipts one statement reads or writes (6 parameters per written row, far under PostgreSQL's 65,535). */
const MAX_BATCH = 500;

/**
 * Accepted messages by message key (the MsgId, scoped by the sender's HER-id when it is not a
 * UUID): answers resends with the AppRec already given, tells a resend (same sha256) from a
 * conflict (other bytes), and is how "the same MsgId is one message" holds at the edge. (Downstream, event ids derived from the
 * MsgId make a resend that slipped through harmless as well.)
 *
 * Lookups and inserts are coalesced: one statement of each kind is in flight at a time, and the
 * calls that arrive meanwhile go together in the next one (`message_key = ANY($1)`, one multi-row
 * INSERT). At low load a call runs at once; under load, 16 concurrent requests cost two round
 * trips instead of 32. Each caller still gets exactly its own answer, or the statement's error.
 */
export class IntakeReceiptRepository {
  private readonly lookups = new Coalescer<string, IntakeReceipt | undefined>((ids) => this.findMany(ids), MAX_BATCH);
  private readonly inserts = new Coalescer<IntakeReceipt, { inserted: boolean; receipt: IntakeReceipt }>((r) => this.insertMany(r), MAX_BATCH);

  constructor(private readonly dataSource: DataSource) {}

  find(messageKey: string): Promise<IntakeReceipt | undefined> {
    return this.lookups.call(messageKey);
  }

  /** Stores the receipt; when another request stored the same message key first, returns that one. */
  insertOrGet(receipt: IntakeReceipt): Promise<{ inserted: boolean; receipt: IntakeReceipt }> {
    return this.inserts.call(receipt);
  }

  async countDuplicate(messageKey: string): Promise<void> {
    await (await connected(this.dataSource)).query('UPDATE intake_receipts SET duplicate_count = duplicate_count + 1 WHERE message_key = $1', [messageKey]);
  }

  private async findMany(keys: string[]): Promise<Array<IntakeReceipt | undefined>> {
    const rows: ReceiptRow[] = await (await connected(this.dataSource)).query(
      'SELECT message_key, msg_id, sha256, kommuner, apprec_xml, gateway_client, received_at FROM intake_receipts WHERE message_key = ANY($1::text[])',
      [[...new Set(keys)]],
    );
    const byKey = new Map(rows.map((r) => [r.message_key, toReceipt(r)]));
    return keys.map((key) => byKey.get(key));
  }

  private async insertMany(receipts: IntakeReceipt[]): Promise<Array<{ inserted: boolean; receipt: IntakeReceipt }>> {
    // The first of several callers with the same message key in one batch is the one that may insert.
    const first = new Map<string, IntakeReceipt>();
    for (const r of receipts) if (!first.has(r.messageKey)) first.set(r.messageKey, r);
    const rows = [...first.values()];
    const values = multiRowValues(rows.map((r) => [r.messageKey, r.msgId, r.sha256, r.kommuner, r.appRecXml, r.gatewayClient]));
    const inserted: Array<{ message_key: string }> = await (await connected(this.dataSource)).query(
      `INSERT INTO intake_receipts (message_key, msg_id, sha256, kommuner, apprec_xml, gateway_client) VALUES ${values.sql}
       ON CONFLICT (message_key) DO NOTHING RETURNING message_key`,
      values.params,
    );
    const insertedKeys = new Set(inserted.map((r) => r.message_key));
    const conflicting = rows.filter((r) => !insertedKeys.has(r.messageKey)).map((r) => r.messageKey);
    const stored = new Map<string, IntakeReceipt>();
    if (conflicting.length > 0) {
      const existing = await this.findMany(conflicting);
      conflicting.forEach((key, i) => stored.set(key, existing[i]!));
    }
    return receipts.map((r) => {
      if (first.get(r.messageKey) === r && insertedKeys.has(r.messageKey)) return { inserted: true, receipt: r };
      return { inserted: false, receipt: stored.get(r.messageKey) ?? first.get(r.messageKey)! };
    });
  }
}

interface ReceiptRow {
  message_key: string;
  msg_id: string;
  sha256: string;
  kommuner: string[];
  apprec_xml: string;
  gateway_client: string;
  received_at?: Date;
}

function toReceipt(row: ReceiptRow): IntakeReceipt {
  const receipt: IntakeReceipt = {
    messageKey: row.message_key, msgId: row.msg_id, sha256: row.sha256, kommuner: row.kommuner, appRecXml: row.apprec_xml, gatewayClient: row.gateway_client,
  };
  if (row.received_at) receipt.receivedAt = new Date(row.received_at);
  return receipt;
}
