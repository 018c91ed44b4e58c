import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Operations state (issue 6): read-model rebuilds (which shadow generation is being built,
 * so an interrupted rebuild resumes and an aborted one is dropped), replay runs with their
 * per-partition progress (resume after Ctrl-C), and the log of redriven dead letters (so
 * `dlq list` shows which ones were sent back through). None of it is part of the rebuildable
 * read model, so it lives in the public schema, not in readmodel_g<N>.
 */
export class OpsState1764000000000 implements MigrationInterface {
  name = 'OpsState1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE ops_rebuilds (
      id bigserial PRIMARY KEY, projection text NOT NULL, target_schema text NOT NULL UNIQUE, source_schema text NOT NULL,
      kommuner text[], status text NOT NULL CHECK (status IN ('building', 'switched', 'aborted')),
      started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz)`);
    // At most one rebuild of a projection is under way at a time.
    await queryRunner.query(`CREATE UNIQUE INDEX ops_rebuilds_one_building ON ops_rebuilds (projection) WHERE status = 'building'`);
    await queryRunner.query(`CREATE TABLE ops_replay_runs (
      id bigserial PRIMARY KEY, kommunenummer char(4) NOT NULL, source_topic text NOT NULL, start_spec text NOT NULL,
      mapping_version text NOT NULL, status text NOT NULL CHECK (status IN ('running', 'done', 'aborted')),
      started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz)`);
    await queryRunner.query(`CREATE TABLE ops_replay_progress (
      run_id bigint NOT NULL REFERENCES ops_replay_runs(id) ON DELETE CASCADE, partition int NOT NULL,
      start_offset bigint NOT NULL, next_offset bigint NOT NULL, end_offset bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run_id, partition))`);
    await queryRunner.query(`CREATE TABLE ops_dlq_redrives (
      dead_letter_id text PRIMARY KEY, kommunenummer char(4) NOT NULL, stage text NOT NULL, outcome text NOT NULL,
      target_topic text, event_id text, detail text, redriven_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE ops_dlq_redrives');
    await queryRunner.query('DROP TABLE ops_replay_progress');
    await queryRunner.query('DROP TABLE ops_replay_runs');
    await queryRunner.query('DROP TABLE ops_rebuilds');
  }
}
