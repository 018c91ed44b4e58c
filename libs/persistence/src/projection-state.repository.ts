import { connected } from './data-source-ready.util';
import { generationOffsets, selectStoredOffsets, StoredOffset } from './stored-offsets.util';
import type { DataSource, EntityManager } from 'typeorm';
import { assertSchemaName } from './read-model.schema';

/**
 * Which schema generation of a projection is live, and the offsets each generation has
 * applied. Raw SQL: the schema name is data (per generation), not a TypeORM entity.
 *
 * Switching generations is guarded by a row lock on the projection's `projection_generations`
 * row: every live projector batch holds it FOR SHARE for the whole batch transaction
 * (`lockActiveSchema`), and a switch takes it FOR UPDATE (`switchActiveSchema`). So a batch is
 * either entirely in the old generation before the switch, or entirely in the new one after.
 */
export class ProjectionStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  async activeSchema(projection: string): Promise<string> {
    const rows = await (await connected(this.dataSource)).query('SELECT active_schema FROM projection_generations WHERE projection = $1', [projection]);
    if (!rows[0]) throw new Error(`Projection ${projection} has no active generation; run the migrations`);
    return rows[0].active_schema;
  }

  /** The live generation and when it became live. */
  async generation(projection: string): Promise<{ activeSchema: string; switchedAt: Date } | undefined> {
    const rows = await (await connected(this.dataSource)).query('SELECT active_schema, switched_at FROM projection_generations WHERE projection = $1', [projection]);
    return rows[0] ? { activeSchema: rows[0].active_schema, switchedAt: rows[0].switched_at } : undefined;
  }

  async offsets(schema: string, topics: string[]): Promise<StoredOffset[]> {
    return this.offsetsIn((await connected(this.dataSource)).manager, schema, topics);
  }

  /** Every offset a generation has stored (all topics). */
  async allOffsets(schema: string): Promise<StoredOffset[]> {
    return selectStoredOffsets(await connected(this.dataSource), generationOffsets(schema));
  }

  /** Offsets read inside a caller's transaction (consistent with the lock it holds). */
  async offsetsIn(manager: EntityManager, schema: string, topics: string[]): Promise<StoredOffset[]> {
    return selectStoredOffsets(manager, generationOffsets(schema), topics);
  }

  /**
   * Serialises the batches of each of these kommuner within a generation (held until the
   * transaction ends). Chain resolution (a change parked until its original arrives) reads what
   * other batches wrote: two batches of the same kommune on different partitions or projector
   * instances, running at once, could each miss the other's uncommitted version and leave a change
   * parked forever. Different kommuner still run in parallel. One statement for all of them,
   * taking the locks in sorted order (the array's order: WITH ORDINALITY), so transactions
   * locking overlapping sets of kommuner cannot deadlock.
   */
  async lockKommuner(manager: EntityManager, schema: string, kommuner: string[]): Promise<void> {
    const keys = [...new Set(kommuner)].sort().map((knr) => `${schema}|${knr}`);
    if (keys.length === 0) return;
    // Raw SQL: PostgreSQL advisory locks have no TypeORM API.
    await manager.query('SELECT pg_advisory_xact_lock(hashtext(l.key)) FROM unnest($1::text[]) WITH ORDINALITY AS l(key, n) ORDER BY l.n', [keys]);
  }

  /**
   * The live generation, read FOR SHARE inside the caller's transaction: a switch cannot commit
   * until this transaction ends, so rows written in it belong to the generation returned here.
   */
  async lockActiveSchema(manager: EntityManager, projection: string): Promise<string> {
    const rows = await manager.query('SELECT active_schema FROM projection_generations WHERE projection = $1 FOR SHARE', [projection]);
    if (!rows[0]) throw new Error(`Projection ${projection} has no active generation; run the migrations`);
    return rows[0].active_schema;
  }

  /**
   * Makes `target` the live generation if `ready` (called with the lock held FOR UPDATE, so no
   * live batch can commit meanwhile) says it has caught up with the live one. Returns whether
   * it switched, and the previous generation.
   */
  async switchActiveSchema(
    projection: string,
    target: string,
    ready: (manager: EntityManager, liveSchema: string) => Promise<boolean>,
  ): Promise<{ switched: boolean; previous: string }> {
    assertSchemaName(target);
    return (await connected(this.dataSource)).transaction(async (manager) => {
      const rows = await manager.query('SELECT active_schema FROM projection_generations WHERE projection = $1 FOR UPDATE', [projection]);
      if (!rows[0]) throw new Error(`Projection ${projection} has no active generation; run the migrations`);
      const previous: string = rows[0].active_schema;
      if (!(await ready(manager, previous))) return { switched: false, previous };
      await manager.query('UPDATE projection_generations SET active_schema = $2, switched_at = now() WHERE projection = $1', [projection, target]);
      return { switched: true, previous };
    });
  }

  /**
   * A live projection batch's transaction (rows and offsets commit together): the live generation
   * read FOR SHARE as `lockActiveSchema` does, and the commit without waiting for the WAL flush as
   * in `transaction`, both in the transaction's first statement; `work` gets the generation. A
   * round trip less per batch than the two apart: a live batch's round trips, one after the other,
   * are how long a message waits in the projector (bench/RESULTS.md, session 24).
   */
  async batchTransaction<T>(projection: string, work: (manager: EntityManager, schema: string) => Promise<T>): Promise<T> {
    return (await connected(this.dataSource)).transaction(async (manager) => {
      const rows = await manager.query(`SELECT active_schema, set_config('synchronous_commit', 'off', true) FROM projection_generations WHERE projection = $1 FOR SHARE`, [projection]);
      if (!rows[0]) throw new Error(`Projection ${projection} has no active generation; run the migrations`);
      return work(manager, rows[0].active_schema);
    });
  }

  /**
   * Runs `work` in one projection transaction (rows and offsets commit together).
   *
   * The commit does not wait for the WAL flush (synchronous_commit off, this transaction only):
   * if PostgreSQL crashes in the few hundred milliseconds before the flush, the batch's rows and
   * its offsets are lost together, and the consumer, which resumes from the stored offsets,
   * applies the same events again from Kafka. Nothing else depends on the commit having
   * happened, so durability of a projection batch costs a Kafka re-read, not an fsync per batch.
   */
  async transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return (await connected(this.dataSource)).transaction(async (manager) => {
      await manager.query('SET LOCAL synchronous_commit = off');
      return work(manager);
    });
  }
}
