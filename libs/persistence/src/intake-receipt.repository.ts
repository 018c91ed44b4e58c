import type { DataSource } from 'typeorm';

export interface IntakeReceipt {
  msgId: string;
  sha256: string;
  kommuner: string[];
  appRecXml: string;
  gatewayClient: string;
}

/**
 * Accepted messages by MsgId: answers resends with the AppRec already given, and is how
 * "the same MsgId is one message" holds at the edge. (Downstream, event ids derived from the
 * MsgId make a resend that slipped through harmless as well.)
 */
export class IntakeReceiptRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(msgId: string): Promise<IntakeReceipt | undefined> {
    const rows = await this.dataSource.query(
      'SELECT msg_id, sha256, kommuner, apprec_xml, gateway_client FROM intake_receipts WHERE msg_id = $1',
      [msgId],
    );
    return rows[0] ? toReceipt(rows[0]) : undefined;
  }

  /** Stores the receipt; when another request stored the same MsgId first, returns that one. */
  async insertOrGet(receipt: IntakeReceipt): Promise<{ inserted: boolean; receipt: IntakeReceipt }> {
    const rows = await this.dataSource.query(
      `INSERT INTO intake_receipts (msg_id, sha256, kommuner, apprec_xml, gateway_client) VALUES ($1,$2,$3,$4,$5)
       ON CONFLICT (msg_id) DO NOTHING RETURNING msg_id`,
      [receipt.msgId, receipt.sha256, receipt.kommuner, receipt.appRecXml, receipt.gatewayClient],
    );
    if (rows.length > 0) return { inserted: true, receipt };
    return { inserted: false, receipt: (await this.find(receipt.msgId))! };
  }

  async countDuplicate(msgId: string): Promise<void> {
    await this.dataSource.query('UPDATE intake_receipts SET duplicate_count = duplicate_count + 1 WHERE msg_id = $1', [msgId]);
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
