import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Intake receipts keyed by message key instead of MsgId (issue #12): a MsgId that is not a UUID is
 * only unique per sender, so the hub identifies such a message by the sender's top-level HER-id and
 * the MsgId (`her:<herId>|<msgId>`, libs/contracts messageKey); a UUID MsgId is its own key. Every
 * receipt stored so far has a UUID MsgId (others were refused), so its key is its MsgId. The MsgId
 * as sent stays in msg_id, indexed for look-ups by MsgId.
 *
 * Reversible while no two receipts share a MsgId; once two senders have used the same non-UUID
 * MsgId, `down` refuses rather than drop one of their receipts.
 */
export class ReceiptMessageKey1764300000000 implements MigrationInterface {
  name = 'ReceiptMessageKey1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE intake_receipts ADD COLUMN message_key text');
    await queryRunner.query('UPDATE intake_receipts SET message_key = msg_id');
    await queryRunner.query('ALTER TABLE intake_receipts ALTER COLUMN message_key SET NOT NULL');
    await queryRunner.query('ALTER TABLE intake_receipts DROP CONSTRAINT intake_receipts_pkey');
    await queryRunner.query('ALTER TABLE intake_receipts ADD CONSTRAINT intake_receipts_pkey PRIMARY KEY (message_key)');
    await queryRunner.query('CREATE INDEX intake_receipts_msg_id ON intake_receipts (msg_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const shared: Array<{ n: number }> = await queryRunner.query(
      'SELECT count(*)::int AS n FROM (SELECT msg_id FROM intake_receipts GROUP BY msg_id HAVING count(*) > 1) s',
    );
    if ((shared[0]?.n ?? 0) > 0) {
      throw new Error(`Cannot key intake_receipts by MsgId again: ${shared[0].n} MsgId(s) are used by more than one sender`);
    }
    await queryRunner.query('DROP INDEX intake_receipts_msg_id');
    await queryRunner.query('ALTER TABLE intake_receipts DROP CONSTRAINT intake_receipts_pkey');
    await queryRunner.query('ALTER TABLE intake_receipts ADD CONSTRAINT intake_receipts_pkey PRIMARY KEY (msg_id)');
    await queryRunner.query('ALTER TABLE intake_receipts DROP COLUMN message_key');
  }
}
