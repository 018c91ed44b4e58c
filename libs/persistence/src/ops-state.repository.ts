import type { DataSource, EntityManager } from 'typeorm';
import { assertSchemaName, readModelFillDdl, readModelReadIndexDdl } from './read-model.schema';
import { generationOffsets, selectStoredOffsets, upsertStoredOffsets } from './stored-offsets.util';

export type RebuildStatus = 'building' | 'switched' | 'aborted';

export interface RebuildRow {
  id: string;
  projection: string;
  targetSchema: string;
  sourceSchema: string;
  /** Kommuner rebuilt from offset zero; null means all. */
  kommuner: string[] | null;
  status: RebuildStatus;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface ReplayRunRow {
  id: string;
  kommunenummer: string;
  sourceTopic: string;
  startSpec: string;
  mappingVersion: string;
  status: 'running' | 'done' | 'aborted';
  startedAt: Date;
  finishedAt: Date | null;
}

export interface ReplayProgressRow {
  partition: number;
  startOffset: string;
  nextOffset: string;
  endOffset: string;
}

export interface RedriveRow {
  deadLetterId: string;
  kommunenummer: string;
  stage: string;
  outcome: string;
  targetTopic: string | null;
  eventId: string | null;
  detail: string | null;
  redrivenAt: Date;
}

/**
 * State of the operations commands (rebuilds, replays, redrives) and the DDL they run on
 * read-model generations. Raw SQL: generation schemas are runtime names, and the carry-over
 * copy of a kommune-scoped rebuild is INSERT ... SELECT across two schemas.
 */
export class OpsStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  // ---- generations and rebuilds

  /**
   * Highest N of any readmodel_g<N> that exists or was ever a rebuild's target (an aborted or
   * dropped generation's number is never reused, so its rebuild record stays unambiguous).
   */
  async highestGeneration(): Promise<number> {
    const rows: Array<{ n: number | null }> = await this.dataSource.query(
      `SELECT max(n) AS n FROM (
         SELECT substring(schema_name FROM '^readmodel_g([0-9]+)$')::int AS n FROM information_schema.schemata WHERE schema_name ~ '^readmodel_g[0-9]+$'
         UNION ALL SELECT substring(target_schema FROM '^readmodel_g([0-9]+)$')::int FROM ops_rebuilds
       ) generations`,
    );
    return rows[0]?.n ?? 0;
  }

  async generationSchemas(): Promise<string[]> {
    const rows: Array<{ schema_name: string }> = await this.dataSource.query(
      `SELECT schema_name FROM information_schema.schemata WHERE schema_name ~ '^readmodel_g[0-9]+$' ORDER BY substring(schema_name FROM '[0-9]+$')::int`,
    );
    return rows.map((r) => r.schema_name);
  }

  /**
   * Creates an empty generation schema and records the rebuild, in one transaction; fails
   * when another rebuild of the projection is under way (unique partial index). The generation
   * lacks the indexes only reads use until indexForReads.
   */
  async startRebuild(projection: string, target: string, source: string, kommuner: string[] | null): Promise<RebuildRow> {
    assertSchemaName(target);
    return this.dataSource.transaction(async (manager) => {
      for (const statement of readModelFillDdl(target)) await manager.query(statement);
      const rows = await manager.query(
        `INSERT INTO ops_rebuilds (projection, target_schema, source_schema, kommuner, status) VALUES ($1,$2,$3,$4,'building') RETURNING *`,
        [projection, target, source, kommuner],
      );
      return toRebuild(rows[0]);
    });
  }

  /**
   * Builds the indexes reads need on a filled generation (readModelReadIndexDdl), before it goes
   * live. Writes into the generation wait meanwhile; again on an indexed generation it does nothing.
   */
  async indexForReads(schema: string): Promise<void> {
    for (const statement of readModelReadIndexDdl(schema)) await this.dataSource.query(statement);
  }

  async currentRebuild(projection: string): Promise<RebuildRow | undefined> {
    const rows = await this.dataSource.query(`SELECT * FROM ops_rebuilds WHERE projection = $1 AND status = 'building'`, [projection]);
    return rows[0] ? toRebuild(rows[0]) : undefined;
  }

  async lastRebuild(projection: string): Promise<RebuildRow | undefined> {
    const rows = await this.dataSource.query(`SELECT * FROM ops_rebuilds WHERE projection = $1 ORDER BY id DESC LIMIT 1`, [projection]);
    return rows[0] ? toRebuild(rows[0]) : undefined;
  }

  /** Whether a rebuild is still under way, read in the caller's (switch) transaction. */
  async isBuilding(manager: EntityManager, id: string): Promise<boolean> {
    const rows = await manager.query(`SELECT status FROM ops_rebuilds WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0]?.status === 'building';
  }

  async finishRebuild(id: string, status: Exclude<RebuildStatus, 'building'>): Promise<void> {
    await this.dataSource.query(`UPDATE ops_rebuilds SET status = $2, finished_at = now() WHERE id = $1`, [id, status]);
  }

  /**
   * Copies every row of the kommuner NOT being rebuilt, and the offsets of their topics, from
   * the live generation into the target, in one REPEATABLE READ snapshot so rows and offsets
   * agree. The target then continues those kommuner from the copied offsets. Generic over the
   * generation's tables (every table with a kommunenummer column), so tables added to
   * readModelDdl later are carried over too; views (the fact views) are not tables and come
   * along with the rows they read.
   */
  async carryOver(source: string, target: string, rebuiltKommuner: string[], isRebuiltTopic: (topic: string) => boolean): Promise<number> {
    assertSchemaName(source);
    assertSchemaName(target);
    const queryRunner = this.dataSource.createQueryRunner();
    await queryRunner.connect();
    try {
      await queryRunner.startTransaction('REPEATABLE READ');
      const tables: Array<{ table_name: string }> = await queryRunner.query(
        `SELECT c.table_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
         WHERE c.table_schema = $1 AND c.column_name = 'kommunenummer' ORDER BY c.table_name`,
        [source],
      );
      let copied = 0;
      for (const { table_name: table } of tables) {
        if (!/^[a-z_]+$/.test(table)) continue;
        // The structured result: for an INSERT without RETURNING, TypeORM's plain one is the (empty)
        // rows, so the count was always 0.
        const result = await queryRunner.query(
          `INSERT INTO "${target}"."${table}" SELECT * FROM "${source}"."${table}" WHERE NOT (kommunenummer = ANY($1))`,
          [rebuiltKommuners(rebuiltKommuner)],
          true,
        );
        copied += Number(result.affected ?? 0);
      }
      const offsets = await selectStoredOffsets(queryRunner, generationOffsets(source));
      await upsertStoredOffsets(queryRunner, generationOffsets(target), offsets.filter((row) => !isRebuiltTopic(row.topic)));
      await queryRunner.commitTransaction();
      return copied;
    } catch (error) {
      await queryRunner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await queryRunner.release();
    }
  }

  async dropGeneration(schema: string): Promise<void> {
    assertSchemaName(schema);
    await this.dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }

  /** Newest time a document event was recorded per kommune in a generation. */
  async lastEventTimes(schema: string): Promise<Map<string, Date>> {
    assertSchemaName(schema);
    const rows: Array<{ kommunenummer: string; last: Date }> = await this.dataSource.query(
      `SELECT kommunenummer, max(recorded_at) AS last FROM "${schema}".message_versions GROUP BY kommunenummer`,
    );
    return new Map(rows.map((r) => [r.kommunenummer, r.last]));
  }

  /** Message versions per kommune in a generation (a cheap size figure for status). */
  async versionCounts(schema: string): Promise<Map<string, number>> {
    assertSchemaName(schema);
    const rows: Array<{ kommunenummer: string; n: string }> = await this.dataSource.query(
      `SELECT kommunenummer, count(*)::text AS n FROM "${schema}".message_versions GROUP BY kommunenummer`,
    );
    return new Map(rows.map((r) => [r.kommunenummer, Number(r.n)]));
  }

  // ---- replay runs

  async startReplay(kommunenummer: string, sourceTopic: string, startSpec: string, mappingVersion: string, partitions: ReplayProgressRow[]): Promise<ReplayRunRow> {
    return this.dataSource.transaction(async (manager) => {
      // An unfinished run of the same kommune is superseded by a new one.
      await manager.query(`UPDATE ops_replay_runs SET status = 'aborted', finished_at = now() WHERE kommunenummer = $1 AND status = 'running'`, [kommunenummer]);
      const rows = await manager.query(
        `INSERT INTO ops_replay_runs (kommunenummer, source_topic, start_spec, mapping_version, status) VALUES ($1,$2,$3,$4,'running') RETURNING *`,
        [kommunenummer, sourceTopic, startSpec, mappingVersion],
      );
      for (const p of partitions) {
        await manager.query(`INSERT INTO ops_replay_progress (run_id, partition, start_offset, next_offset, end_offset) VALUES ($1,$2,$3,$4,$5)`, [
          rows[0].id, p.partition, p.startOffset, p.nextOffset, p.endOffset,
        ]);
      }
      return toReplayRun(rows[0]);
    });
  }

  async unfinishedReplay(kommunenummer: string): Promise<ReplayRunRow | undefined> {
    const rows = await this.dataSource.query(`SELECT * FROM ops_replay_runs WHERE kommunenummer = $1 AND status = 'running' ORDER BY id DESC LIMIT 1`, [kommunenummer]);
    return rows[0] ? toReplayRun(rows[0]) : undefined;
  }

  async replayProgress(runId: string): Promise<ReplayProgressRow[]> {
    const rows: Array<{ partition: number; start_offset: string; next_offset: string; end_offset: string }> = await this.dataSource.query(
      `SELECT partition, start_offset::text, next_offset::text, end_offset::text FROM ops_replay_progress WHERE run_id = $1 ORDER BY partition`,
      [runId],
    );
    return rows.map((r) => ({ partition: r.partition, startOffset: r.start_offset, nextOffset: r.next_offset, endOffset: r.end_offset }));
  }

  async saveReplayProgress(runId: string, partition: number, nextOffset: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE ops_replay_progress SET next_offset = GREATEST(next_offset, $3::bigint), updated_at = now() WHERE run_id = $1 AND partition = $2`,
      [runId, partition, nextOffset],
    );
  }

  async finishReplay(runId: string, status: 'done' | 'aborted'): Promise<void> {
    await this.dataSource.query(`UPDATE ops_replay_runs SET status = $2, finished_at = now() WHERE id = $1`, [runId, status]);
  }

  // ---- dead-letter redrives

  async recordRedrive(row: Omit<RedriveRow, 'redrivenAt'>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ops_dlq_redrives (dead_letter_id, kommunenummer, stage, outcome, target_topic, event_id, detail) VALUES ($1,$2,$3,$4,$5,$6,$7)
       ON CONFLICT (dead_letter_id) DO UPDATE SET outcome = EXCLUDED.outcome, target_topic = EXCLUDED.target_topic,
         event_id = EXCLUDED.event_id, detail = EXCLUDED.detail, redriven_at = now()`,
      [row.deadLetterId, row.kommunenummer, row.stage, row.outcome, row.targetTopic, row.eventId, row.detail],
    );
  }

  /** Dead letters redriven (outcome `redriven`) per kommune, for status. */
  async redrivenCounts(): Promise<Map<string, number>> {
    const rows: Array<{ kommunenummer: string; n: string }> = await this.dataSource.query(
      `SELECT kommunenummer, count(*)::text AS n FROM ops_dlq_redrives WHERE outcome = 'redriven' GROUP BY kommunenummer`,
    );
    return new Map(rows.map((r) => [r.kommunenummer, Number(r.n)]));
  }

  async redrives(kommunenummer: string): Promise<Map<string, RedriveRow>> {
    const rows = await this.dataSource.query(`SELECT * FROM ops_dlq_redrives WHERE kommunenummer = $1`, [kommunenummer]);
    return new Map(
      rows.map((r: DbRow): [string, RedriveRow] => [
        r.dead_letter_id as string,
        {
          deadLetterId: r.dead_letter_id as string,
          kommunenummer: r.kommunenummer as string,
          stage: r.stage as string,
          outcome: r.outcome as string,
          targetTopic: r.target_topic as string | null,
          eventId: r.event_id as string | null,
          detail: r.detail as string | null,
          redrivenAt: r.redriven_at as Date,
        },
      ]),
    );
  }
}

function rebuiltKommuners(kommuner: string[]): string[] {
  return kommuner.length > 0 ? kommuner : ['----'];
}

/** A row as the pg driver returns it (bigint as string, timestamptz as Date, text[] as string[]). */
type DbRow = Record<string, unknown>;

function toRebuild(r: DbRow): RebuildRow {
  return {
    id: String(r.id),
    projection: r.projection as string,
    targetSchema: r.target_schema as string,
    sourceSchema: r.source_schema as string,
    kommuner: r.kommuner as string[] | null,
    status: r.status as RebuildStatus,
    startedAt: r.started_at as Date,
    finishedAt: r.finished_at as Date | null,
  };
}

function toReplayRun(r: DbRow): ReplayRunRow {
  return {
    id: String(r.id),
    kommunenummer: r.kommunenummer as string,
    sourceTopic: r.source_topic as string,
    startSpec: r.start_spec as string,
    mappingVersion: r.mapping_version as string,
    status: r.status as ReplayRunRow['status'],
    startedAt: r.started_at as Date,
    finishedAt: r.finished_at as Date | null,
  };
}
