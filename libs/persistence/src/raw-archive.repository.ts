import { connected } from './data-source-ready.util';
import type { DataSource, EntityManager } from 'typeorm';

/** One archived message as received (see migration RawMessageArchive). */
export interface ArchivedMessage {
  kommunenummer: string;
  msgId: string;
  binaryId: string;
  hubMessageId: string;
  msgType: string;
  patientPseudonym: string | null;
  contentType: string;
  declaredEncoding: string | null;
  sha256: string;
  sizeBytes: number;
  payload: Buffer;
  receivedAt: Date;
  source: { topic: string; partition: number; offset: string };
}

/**
 * The raw-message archive and its consumer offsets. Raw SQL: bytea in and out, an
 * insert-if-absent keyed by (kommune, MsgId) and offsets written in the caller's transaction
 * are plain statements, and no TypeORM entity is registered for them.
 */
export class RawArchiveRepository {
  constructor(private readonly dataSource: DataSource) {}

  async offsets(topics: string[]): Promise<Array<{ topic: string; partition: number; offset: string }>> {
    const rows: Array<{ topic: string; partition: number; next_offset: string }> = await (await connected(this.dataSource)).query(
      'SELECT topic, partition, next_offset::text AS next_offset FROM raw_archive_offsets WHERE topic = ANY($1)',
      [topics],
    );
    return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next_offset }));
  }

  /**
   * Stores the messages and the partition's next offset in one transaction. The first record
   * of a MsgId wins: intake refuses a second copy, and a replay must not replace the bytes.
   */
  async store(messages: ArchivedMessage[], position: { topic: string; partition: number; nextOffset: string }): Promise<void> {
    await (await connected(this.dataSource)).transaction(async (manager: EntityManager) => {
      for (const m of messages) {
        await manager.query(
          `INSERT INTO raw_message_archive (kommunenummer, msg_id, binary_id, hub_message_id, msg_type, patient_pseudonym, content_type,
             declared_encoding, sha256, size_bytes, payload, received_at, raw_topic, raw_partition, raw_offset)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) ON CONFLICT (kommunenummer, msg_id) DO NOTHING`,
          [
            m.kommunenummer, m.msgId, m.binaryId, m.hubMessageId, m.msgType, m.patientPseudonym, m.contentType, m.declaredEncoding,
            m.sha256, m.sizeBytes, m.payload, m.receivedAt, m.source.topic, m.source.partition, m.source.offset,
          ],
        );
      }
      await manager.query(
        `INSERT INTO raw_archive_offsets (topic, partition, next_offset) VALUES ($1,$2,$3)
         ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()`,
        [position.topic, position.partition, position.nextOffset],
      );
    });
  }

  /** The archived message with this Binary id in this kommune only (no cross-kommune reads). */
  async findByBinaryId(kommunenummer: string, binaryId: string): Promise<ArchivedMessage | undefined> {
    const rows: ArchiveRow[] = await (await connected(this.dataSource)).query('SELECT * FROM raw_message_archive WHERE kommunenummer = $1 AND binary_id = $2', [
      kommunenummer,
      binaryId,
    ]);
    return rows[0] ? toArchived(rows[0]) : undefined;
  }
}

interface ArchiveRow {
  kommunenummer: string; msg_id: string; binary_id: string; hub_message_id: string; msg_type: string; patient_pseudonym: string | null;
  content_type: string; declared_encoding: string | null; sha256: string; size_bytes: number; payload: Buffer; received_at: Date;
  raw_topic: string; raw_partition: number; raw_offset: string;
}

function toArchived(r: ArchiveRow): ArchivedMessage {
  return {
    kommunenummer: r.kommunenummer, msgId: r.msg_id, binaryId: r.binary_id, hubMessageId: r.hub_message_id, msgType: r.msg_type,
    patientPseudonym: r.patient_pseudonym, contentType: r.content_type, declaredEncoding: r.declared_encoding, sha256: r.sha256,
    sizeBytes: r.size_bytes, payload: r.payload, receivedAt: r.received_at,
    source: { topic: r.raw_topic, partition: r.raw_partition, offset: String(r.raw_offset) },
  };
}
