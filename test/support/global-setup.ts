import { runMigrations } from '../../libs/persistence/src/data-source.factory';
import { resetTestDatabase, resetTestKafka, TEST_DATABASE_URL } from './test-env';

/**
 * Integration and e2e tiers run against the real local stack (`npm run stack -- up`, done by
 * tools/test.sh). This starts every run clean: a new test database with the real migrations,
 * and no topics, groups or subjects left in the test namespace.
 */
export default async function globalSetup(): Promise<void> {
  await resetTestDatabase();
  await runMigrations(TEST_DATABASE_URL);
  await resetTestKafka();
}
