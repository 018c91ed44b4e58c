import { assertSchemaName } from './read-model.schema';

/** A projection's next offset of one partition, as stored with its rows. */
export interface StoredOffset {
  topic: string;
  partition: number;
  /** The next offset to read (int64 as a decimal string). */
  offset: string;
}

/** A table of stored next offsets: `(topic, partition) → next_offset`, one per projection. */
export interface OffsetTable {
  /** The table's name, already quoted where needed; never from input. */
  readonly sql: string;
  /** Whether the table has an `updated_at` column to touch on every write. */
  readonly updatedAt: boolean;
}

export const AUDIT_OFFSETS: OffsetTable = { sql: 'audit_projection_offsets', updatedAt: false };
export const RAW_ARCHIVE_OFFSETS: OffsetTable = { sql: 'raw_archive_offsets', updatedAt: true };

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
    `SELECT topic, partition, next_offset::text AS next_offset FROM ${table.sql}${topics ? ' WHERE topic = ANY($1)' : ''}`,
    topics ? [topics] : [],
  )) as Array<{ topic: string; partition: number; next_offset: string }>;
  return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next_offset }));
}

/**
 * The one UPSERT of stored next offsets, in one statement however many partitions: called in
 * the transaction that writes the rows those offsets cover, so both commit or neither.
 */
export async function upsertStoredOffsets(db: Queryable, table: OffsetTable, offsets: StoredOffset[]): Promise<void> {
  if (offsets.length === 0) return;
  await db.query(
    `INSERT INTO ${table.sql} (topic, partition, next_offset)
     SELECT * FROM json_to_recordset($1::json) AS x(topic text, partition int, next_offset bigint)
     ON CONFLICT (topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset${table.updatedAt ? ', updated_at = now()' : ''}`,
    [JSON.stringify(offsets.map((o) => ({ topic: o.topic, partition: o.partition, next_offset: o.offset })))],
  );
}
