/**
 * Runs a statement prepared by name on `pg` (node-pg's pool or client): PostgreSQL plans it once
 * per connection instead of on every execution, for statements whose plan costs more than running
 * them (the patient read's snapshot, the projector's prefetch). TypeORM's `query` cannot name
 * statements, so callers pass the pg object under it (a DataSource's pool, a transaction's client);
 * when there is none (another driver, a test double), `plain` runs the statement unnamed. A name
 * must stand for one text: it carries the generation schema the text names.
 */
export async function preparedQuery<T>(pg: unknown, name: string, text: string, values: unknown[], plain: () => Promise<T[]>): Promise<T[]> {
  if (pg && typeof (pg as { query?: unknown }).query === 'function') {
    return (await (pg as { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }> }).query({ name, text, values })).rows;
  }
  return plain();
}
