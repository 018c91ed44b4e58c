import { HubException } from '@hub/exceptions';
import { assertSchemaName } from './read-model.schema';

/** A projection's next offset of one partition, as stored with its rows. */
export interface StoredOffset {
  topic: string;
  partition: number;
  /** The next offset to read (int64 as a decimal string). */
  offset: string;
  /**
   * The Kafka topic id the offset belongs to (null: stored before topic ids were kept). An
   * offset is only valid on that topic: a topic deleted and created again has a new id.
   * Omitted on a write: the stored id stays as it is.
   */
  topicId?: string | null;
}

/** A table of stored next offsets: `(topic, partition) → (next_offset, topic_id)`, one per projection. */
export interface OffsetTable {
  /** The table's name, already quoted where needed; never from input. */
  readonly sql: string;
  /** Whether the table has an `updated_at` column to touch on every write. */
  readonly updatedAt: boolean;
}

/** The audit projection's offsets; `projection` is its name (consumer group suffix, metrics label). */
export const AUDIT_OFFSETS = { sql: 'audit_projection_offsets', updatedAt: false, projection: 'audit' } as const satisfies OffsetTable & { projection: string };
/** The raw-message archive's offsets; `projection` is its name (consumer group suffix, metrics label). */
export const RAW_ARCHIVE_OFFSETS = { sql: 'raw_archive_offsets', updatedAt: true, projection: 'raw-archive' } as const satisfies OffsetTable & { projection: string };

/**
 * The subscription notifier's offsets of the event topics; `projection` is its name (consumer group
 * suffix, metrics label). Idempotent by event id like the two above, so a replaced topic is read
 * again from its start (`restore`) rather than rebuilt.
 */
export const NOTIFIER_OFFSETS = { sql: 'notifier_offsets', updatedAt: true, projection: 'notifier' } as const satisfies OffsetTable & { projection: string };

/** The offsets of one read-model generation (`readmodel_g<N>.projection_offsets`). */
export function generationOffsets(schema: string): OffsetTable {
  assertSchemaName(schema);
  return { sql: `"${schema}".projection_offsets`, updatedAt: true };
}

/** A DataSource, an EntityManager or a QueryRunner: whatever the caller's transaction runs on. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * The one SELECT of stored next offsets (of the given topics, or all): the projections resume
 * from these (libs/kafka `resumeFromStored`), status reports lag against them.
 */
export async function selectStoredOffsets(db: Queryable, table: OffsetTable, topics?: string[]): Promise<StoredOffset[]> {
  const rows = (await db.query(
    `SELECT topic, partition, next_offset::text AS next_offset, topic_id FROM ${table.sql}${topics ? ' WHERE topic = ANY($1)' : ''}`,
    topics ? [topics] : [],
  )) as Array<{ topic: string; partition: number; next_offset: string; topic_id: string | null }>;
  return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next_offset, topicId: r.topic_id }));
}

export enum StoredOffsetsExceptionCode {
  TOPIC_MOVED = 'STORED_OFFSETS.TOPIC_MOVED',
}

/**
 * The stored offsets now belong to another topic of the same name than the one the batch was
 * read from: while it was handled, `restore` (or another instance) set the projection back to
 * the start of a new topic. The transaction rolls back and the consumer restarts from what is
 * stored: an offset of the old topic must never overwrite the new topic's.
 */
export class StoredOffsetsMovedException extends HubException<StoredOffsetsExceptionCode> {
  constructor(table: OffsetTable, stale: number) {
    super(StoredOffsetsExceptionCode.TOPIC_MOVED, `${stale} stored offset(s) in ${table.sql} belong to another topic id than the batch's; not written`);
  }
}

/**
 * The one UPSERT of stored next offsets, in one statement however many partitions: called in
 * the transaction that writes the rows those offsets cover, so both commit or neither. An offset
 * written with a topic id replaces only one stored for the same topic id (or none): otherwise
 * StoredOffsetsMovedException, and the caller's transaction rolls back.
 */
export async function upsertStoredOffsets(db: Queryable, table: OffsetTable, offsets: StoredOffset[]): Promise<void> {
  if (offsets.length === 0) return;
  const upsert = storedOffsetsUpsert(table, offsets, '$1');
  const written = (await db.query(upsert.sql, [upsert.param])) as unknown[];
  assertStoredOffsetsWritten(table, offsets, written.length);
}

/**
 * The UPSERT of upsertStoredOffsets as SQL to run inside a statement of the caller's (a
 * data-modifying CTE), its JSON parameter at `placeholder`: it returns one row per offset
 * written, which the caller counts for assertStoredOffsetsWritten.
 */
export function storedOffsetsUpsert(table: OffsetTable, offsets: StoredOffset[], placeholder: string): { sql: string; param: string } {
  return {
    sql: `INSERT INTO ${table.sql} AS t (topic, partition, next_offset, topic_id)
     SELECT * FROM json_to_recordset(${placeholder}::json) AS x(topic text, partition int, next_offset bigint, topic_id text)
     ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset,
       topic_id = COALESCE(EXCLUDED.topic_id, t.topic_id)${table.updatedAt ? ', updated_at = now()' : ''}
       WHERE EXCLUDED.topic_id IS NULL OR t.topic_id IS NULL OR t.topic_id = EXCLUDED.topic_id
     RETURNING 1`,
    param: JSON.stringify(offsets.map((o) => ({ topic: o.topic, partition: o.partition, next_offset: o.offset, topic_id: o.topicId ?? null }))),
  };
}

/** Every offset must have been written: one left out belongs to another topic id (StoredOffsetsMovedException). */
export function assertStoredOffsetsWritten(table: OffsetTable, offsets: StoredOffset[], written: number): void {
  if (written < offsets.length) throw new StoredOffsetsMovedException(table, offsets.length - written);
}

/**
 * Makes a projection start a topic again from its beginning, on the topic that now carries the
 * name (`topicId`): every stored partition of the topic is dropped and each of the topic's
 * partitions stored at offset 0 with the new id. The recovery's "accept the new topic" for
 * projections that are idempotent by key (raw archive, audit log): they re-read the new topic
 * and keep what they already hold. In the caller's transaction.
 */
export async function restartStoredOffsets(db: Queryable, table: OffsetTable, topic: string, topicId: string, partitions: number[]): Promise<void> {
  await db.query(`DELETE FROM ${table.sql} WHERE topic = $1`, [topic]);
  await upsertStoredOffsets(db, table, partitions.map((partition) => ({ topic, partition, offset: '0', topicId })));
}
