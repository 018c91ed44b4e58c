import type { DataSource } from 'typeorm';

const connecting = new WeakMap<DataSource, Promise<void>>();

/**
 * The DataSource, connected. Apps start while PostgreSQL may still be down (readiness says so),
 * so the pool is opened by the first piece of work that needs it and, after a failure, by the
 * next one. Concurrent first callers (the partitions of one fetch, parallel requests) share one
 * `initialize()`: TypeORM's own check runs before it connects, so two calls at once would open
 * two pools and leak one. Repositories call it before every statement, so their callers never do.
 */
export async function dataSourceReady(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) return;
  let pending = connecting.get(dataSource);
  if (!pending) {
    pending = dataSource
      .initialize()
      .then(() => undefined)
      .finally(() => connecting.delete(dataSource));
    connecting.set(dataSource, pending);
  }
  await pending;
}

/** `dataSourceReady`, then the DataSource: what a repository runs its statements on. */
export async function connected(dataSource: DataSource): Promise<DataSource> {
  await dataSourceReady(dataSource);
  return dataSource;
}
