import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The raw-message archive: every message exactly as received, by kommune and MsgId, so the read
 * API can hand out the original bytes a fact came from. It is a projection of the raw topics
 * (not of the events), with its own offsets committed in the same transaction as its rows. It
 * lives outside the per-generation read-model schemas because it does not change when mappings
 * change, so a read-model rebuild need not copy it.
 */
export class RawMessageArchive1763900400000 implements MigrationInterface {
  name = 'RawMessageArchive1763900400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE raw_message_archive (
      kommunenummer char(4) NOT NULL, msg_id text NOT NULL, binary_id text NOT NULL, hub_message_id uuid NOT NULL,
      msg_type text NOT NULL, patient_pseudonym text, content_type text NOT NULL, declared_encoding text,
      sha256 text NOT NULL, size_bytes int NOT NULL, payload bytea NOT NULL, received_at timestamptz NOT NULL,
      raw_topic text NOT NULL, raw_partition int NOT NULL, raw_offset bigint NOT NULL,
      PRIMARY KEY (kommunenummer, msg_id))`);
    await queryRunner.query('CREATE UNIQUE INDEX raw_message_archive_binary_id ON raw_message_archive (kommunenummer, binary_id)');
    await queryRunner.query(`CREATE TABLE raw_archive_offsets (
      topic text NOT NULL, partition int NOT NULL, next_offset bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (topic, partition))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE raw_archive_offsets');
    await queryRunner.query('DROP TABLE raw_message_archive');
  }
}
