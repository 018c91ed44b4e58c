import { connected } from './data-source-ready.util';
import { multiRowValues } from './sql.util';
import { RAW_ARCHIVE_OFFSETS, restartStoredOffsets, selectStoredOffsets, StoredOffset, upsertStoredOffsets } from './stored-offsets.util';
import type { DataSource, EntityManager } from 'typeorm';
import type { RawMessageRecord } from '@hub/contracts';

/**
 * One archived message as received (see migration RawMessageArchive): the raw record's own
 * fields, its FHIR Binary id, the time as a Date, and the raw record it came from.
 */
export type ArchivedMessage = Pick<
  RawMessageRecord,
  'kommunenummer' | 'msgId' | 'hubMessageId' | 'msgType' | 'patientPseudonym' | 'contentType' | 'declaredEncoding' | 'sha256' | 'sizeBytes' | 'payload'
> & {
  binaryId: string;
  receivedAt: Date;
  source: { topic: string; partition: number; offset: string };
  /**
   * The raw Kafka record besides payload and the columns above: its key, headers and the rest of
   * its fields, so a restore can write it to the raw topic again (`hendelseslager restore`).
   * Absent on messages archived before they were kept (migration OffsetTopicIds).
   */
  record?: { key: string | null; headers: Record<string, string>; fields: ArchivedRawFields };
};

/** A raw record's fields without its payload, its time as epoch milliseconds (JSON in `raw_record`). */
export type ArchivedRawFields = Omit<RawMessageRecord, 'payload' | 'receivedAt'> & { receivedAt: number };

/** Where a batch of the raw topic ends: its partition's next offset (and the topic's id). */
export interface ArchivePosition {
  topic: string;
  partition: number;
  nextOffset: string;
  topicId?: string;
}

/** Rows per INSERT of the archive: 18 parameters each (PostgreSQL allows 65,535), a few MB of payload at most. */
export const ARCHIVE_ROWS_PER_STATEMENT = 200;

/** The INSERT's 18 values of one message, in the column order of `storeBatches`. */
function archiveRow(m: ArchivedMessage): unknown[] {
  return [
    m.kommunenummer, m.msgId, m.binaryId, m.hubMessageId, m.msgType, m.patientPseudonym, m.contentType, m.declaredEncoding,
    m.sha256, m.sizeBytes, m.payload, m.receivedAt, m.source.topic, m.source.partition, m.source.offset,
    m.record?.key ?? null, m.record ? JSON.stringify(m.record.headers) : null, m.record ? JSON.stringify(m.record.fields) : null,
  ];
}

/**
 * The raw-message archive and its consumer offsets. Raw SQL: bytea in and out, an
 * insert-if-absent keyed by (kommune, MsgId) and offsets written in the caller's transaction
 * are plain statements, and no TypeORM entity is registered for them.
 */
export class RawArchiveRepository {
  constructor(private readonly dataSource: DataSource) {}

  async offsets(topics: string[]): Promise<StoredOffset[]> {
    return selectStoredOffsets(await connected(this.dataSource), RAW_ARCHIVE_OFFSETS, topics);
  }

  /** The archive reads `topic` (now the topic with id `topicId`) again from its start: see `restartStoredOffsets`. */
  async restartFrom(topic: string, topicId: string, partitions: number[]): Promise<void> {
    await (await connected(this.dataSource)).transaction((manager) => restartStoredOffsets(manager, RAW_ARCHIVE_OFFSETS, topic, topicId, partitions));
  }

  /**
   * A kommune's archived messages in the order they were on the raw topic (per original
   * partition by offset), `limit` at a time after `after` (the last one's (partition, offset)):
   * what `hendelseslager restore` writes back, with the content.
   */
  async page(kommunenummer: string, after: { partition: number; offset: string } | null, limit: number): Promise<ArchivedMessage[]> {
    const rows: ArchiveRow[] = await (await connected(this.dataSource)).query(
      `SELECT * FROM raw_message_archive
        WHERE kommunenummer = $1 AND ($2::int IS NULL OR (raw_partition, raw_offset) > ($2::int, $3::bigint))
        ORDER BY raw_partition, raw_offset, msg_id LIMIT $4`,
      [kommunenummer, after?.partition ?? null, after?.offset ?? null, limit],
    );
    return rows.map(toArchived);
  }

  /** How many messages a kommune's archive holds. */
  async count(kommunenummer: string): Promise<number> {
    const rows = await (await connected(this.dataSource)).query('SELECT count(*)::int AS n FROM raw_message_archive WHERE kommunenummer = $1', [kommunenummer]);
    return rows[0].n;
  }

  /**
   * Stores partition batches, each its messages and its partition's next offset, in one
   * transaction: the batches of one fetch share its fixed cost (BEGIN, the offsets' statement,
   * COMMIT and its WAL flush). All or none: one refused offset rolls back every batch in it. The
   * first record of a MsgId wins: intake refuses a second copy, and a replay must not replace the bytes.
   */
  async storeBatches(batches: Array<{ messages: ArchivedMessage[]; position: ArchivePosition }>): Promise<void> {
    const messages = batches.flatMap((b) => b.messages);
    await (await connected(this.dataSource)).transaction(async (manager: EntityManager) => {
      // One statement per chunk, not per message: a row at a time was one round trip per message.
      // Within a statement, as between statements, the first row of a key is kept (DO NOTHING).
      for (let i = 0; i < messages.length; i += ARCHIVE_ROWS_PER_STATEMENT) {
        const values = multiRowValues(messages.slice(i, i + ARCHIVE_ROWS_PER_STATEMENT).map(archiveRow));
        await manager.query(
          `INSERT INTO raw_message_archive (kommunenummer, msg_id, binary_id, hub_message_id, msg_type, patient_pseudonym, content_type,
             declared_encoding, sha256, size_bytes, payload, received_at, raw_topic, raw_partition, raw_offset, raw_key, raw_headers, raw_record)
           VALUES ${values.sql} ON CONFLICT (kommunenummer, msg_id) DO NOTHING`,
          values.params,
        );
      }
      await upsertStoredOffsets(
        manager,
        RAW_ARCHIVE_OFFSETS,
        batches.map(({ position: p }) => ({ topic: p.topic, partition: p.partition, offset: p.nextOffset, topicId: p.topicId })),
      );
    });
  }

  /**
   * A kommune's messages, newest first, without content (the ops CLI's `messages list`); `msgId`
   * finds a message by its MsgId as sent, whichever sender scoped it. Messages without a patient
   * are listed like every other.
   */
  list(kommunenummer: string, options: { msgId?: string; limit: number }): Promise<ArchivedMessageSummary[]> {
    return listArchivedMessages(this.dataSource, kommunenummer, options);
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

/** One archived message as a kommune's message list shows it: ids and types, no content, no pseudonym. */
/** An archived message without its content or patient: what `messages list` shows. */
export type ArchivedMessageSummary = Pick<ArchivedMessage, 'binaryId' | 'hubMessageId' | 'msgType' | 'sha256' | 'sizeBytes' | 'receivedAt'> & {
  /** The archive's key: the message key (the MsgId, or her:<sender HER-id>|<MsgId> for a non-UUID MsgId). */
  messageKey: string;
  /** Whether the message named a patient (never which). */
  hasPatient: boolean;
};

async function listArchivedMessages(
  dataSource: DataSource,
  kommunenummer: string,
  options: { msgId?: string; limit: number },
): Promise<ArchivedMessageSummary[]> {
  // A non-UUID MsgId is archived as her:<herId>|<msgId>; a HER-id has no '|', so the MsgId is what follows the first one.
  const rows: Array<{ msg_id: string; binary_id: string; hub_message_id: string; msg_type: string; has_patient: boolean; sha256: string; size_bytes: number; received_at: Date }> =
    await dataSource.query(
      `SELECT msg_id, binary_id, hub_message_id, msg_type, patient_pseudonym IS NOT NULL AS has_patient, sha256, size_bytes, received_at
         FROM raw_message_archive
        WHERE kommunenummer = $1
          AND ($2::text IS NULL OR msg_id = $2 OR (msg_id LIKE 'her:%' AND substr(msg_id, strpos(msg_id, '|') + 1) = $2))
        ORDER BY received_at DESC, msg_id
        LIMIT $3`,
      [kommunenummer, options.msgId ?? null, options.limit],
    );
  return rows.map((r) => ({
    messageKey: r.msg_id, binaryId: r.binary_id, hubMessageId: r.hub_message_id, msgType: r.msg_type, hasPatient: r.has_patient,
    sha256: r.sha256, sizeBytes: r.size_bytes, receivedAt: r.received_at,
  }));
}

interface ArchiveRow {
  kommunenummer: string; msg_id: string; binary_id: string; hub_message_id: string; msg_type: string; patient_pseudonym: string | null;
  content_type: string; declared_encoding: string | null; sha256: string; size_bytes: number; payload: Buffer; received_at: Date;
  raw_topic: string; raw_partition: number; raw_offset: string;
  raw_key: string | null; raw_headers: Record<string, string> | null; raw_record: ArchivedRawFields | null;
}

function toArchived(r: ArchiveRow): ArchivedMessage {
  return {
    kommunenummer: r.kommunenummer, msgId: r.msg_id, binaryId: r.binary_id, hubMessageId: r.hub_message_id, msgType: r.msg_type,
    patientPseudonym: r.patient_pseudonym, contentType: r.content_type, declaredEncoding: r.declared_encoding, sha256: r.sha256,
    sizeBytes: r.size_bytes, payload: r.payload, receivedAt: r.received_at,
    source: { topic: r.raw_topic, partition: r.raw_partition, offset: String(r.raw_offset) },
    ...(r.raw_record ? { record: { key: r.raw_key, headers: r.raw_headers ?? {}, fields: r.raw_record } } : {}),
  };
}
