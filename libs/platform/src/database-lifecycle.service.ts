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

/** The lazy connect lives in libs/persistence; re-exported for the callers that still hold a DataSource. */
export { dataSourceReady } from '@hub/persistence';
