import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recovery (issue #15 item 4). Every table of stored offsets gets the Kafka topic id its offsets
 * belong to: an offset means nothing on a topic that was deleted and created again (or on an
 * empty cluster), and without the id the projections could not tell and resumed at offsets the
 * new topic does not have. NULL on rows stored before this migration: the first resume adopts
 * the topic's current id when the offset still fits the log (libs/kafka `checkStoredOffsets`).
 *
 * The raw archive also keeps what a restore of the raw topic needs besides the bytes it already
 * had: the record's key and headers and the rest of the raw record (senders, receivers,
 * standard, transport: `raw_record`, the Avro record without its payload, as JSON). Rows archived
 * before this migration have NULL there and cannot be restored faithfully; `restore` says so.
 */
export class OffsetTopicIds1764350000000 implements MigrationInterface {
  name = 'OffsetTopicIds1764350000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE raw_archive_offsets ADD COLUMN topic_id text');
    await queryRunner.query('ALTER TABLE audit_projection_offsets ADD COLUMN topic_id text');
    for (const schema of await generationSchemas(queryRunner)) {
      await queryRunner.query(`ALTER TABLE "${schema}".projection_offsets ADD COLUMN IF NOT EXISTS topic_id text`);
    }
    await queryRunner.query('ALTER TABLE raw_message_archive ADD COLUMN raw_key text, ADD COLUMN raw_headers jsonb, ADD COLUMN raw_record jsonb');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE raw_message_archive DROP COLUMN raw_key, DROP COLUMN raw_headers, DROP COLUMN raw_record');
    for (const schema of await generationSchemas(queryRunner)) {
      await queryRunner.query(`ALTER TABLE "${schema}".projection_offsets DROP COLUMN IF EXISTS topic_id`);
    }
    await queryRunner.query('ALTER TABLE audit_projection_offsets DROP COLUMN topic_id');
    await queryRunner.query('ALTER TABLE raw_archive_offsets DROP COLUMN topic_id');
  }
}

async function generationSchemas(queryRunner: QueryRunner): Promise<string[]> {
  const rows: Array<{ schema_name: string }> = await queryRunner.query(
    "SELECT schema_name FROM information_schema.schemata WHERE schema_name ~ '^readmodel_g[0-9]+$'",
  );
  return rows.map((r) => r.schema_name);
}
