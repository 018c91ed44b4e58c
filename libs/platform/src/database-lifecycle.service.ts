import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Closes the PostgreSQL pool after consumers and requests have finished. */
@Injectable()
export class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

const connecting = new WeakMap<DataSource, Promise<void>>();

/**
 * The DataSource, connected. Apps start while PostgreSQL may still be down (readiness says so),
 * so the pool is opened by the first piece of work that needs it and, after a failure, by the
 * next one. Concurrent first callers (the partitions of one fetch, parallel requests) share one
 * `initialize()`: TypeORM's own check runs before it connects, so two calls at once would open
 * two pools and leak one.
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
