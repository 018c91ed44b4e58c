import { runMigrations } from '../../libs/persistence/src/data-source.factory';
import { TEST_DATABASE_URL, resetTestDatabase } from './test-env';

/**
 * Integration and e2e tiers run against the real local stack (`npm run stack -- up`, done by
 * tools/test.sh). This recreates the test database and applies the real migrations once.
 */
export default async function globalSetup(): Promise<void> {
  await resetTestDatabase();
  await runMigrations(TEST_DATABASE_URL);
}
