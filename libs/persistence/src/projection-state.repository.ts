import type { DataSource, EntityManager } from 'typeorm';
import { assertSchemaName } from './read-model.schema';

/**
 * Which schema generation of a projection is live, and the offsets each generation has
 * applied. Raw SQL: the schema name is data (per generation), not a TypeORM entity.
 */
export class ProjectionStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  async activeSchema(projection: string): Promise<string> {
    const rows = await this.dataSource.query('SELECT active_schema FROM projection_generations WHERE projection = $1', [projection]);
    if (!rows[0]) throw new Error(`Projection ${projection} has no active generation; run the migrations`);
    return rows[0].active_schema;
  }

  async offsets(schema: string, topics: string[]): Promise<Array<{ topic: string; partition: number; offset: string }>> {
    assertSchemaName(schema);
    const rows: Array<{ topic: string; partition: number; next_offset: string }> = await this.dataSource.query(
      `SELECT topic, partition, next_offset::text AS next_offset FROM "${schema}".projection_offsets WHERE topic = ANY($1)`,
      [topics],
    );
    return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next_offset }));
  }

  /** Runs `work` in one transaction (rows and offsets commit together). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
