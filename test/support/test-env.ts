import { Kafka, logLevel } from 'kafkajs';
import { createHash } from 'node:crypto';
import { relative, resolve } from 'node:path';
import { Client } from 'pg';
import { runMigrations } from '../../libs/persistence/src/data-source.factory';

/**
 * Where the integration tiers find the local stack, and the namespace that keeps test topics,
 * consumer groups and schema subjects apart from demo data on the same servers.
 */
/** HLTEST_SUFFIX lets several test runs share one stack without touching each other's data. */
const SUFFIX = process.env.HLTEST_SUFFIX ? `_${process.env.HLTEST_SUFFIX.replace(/[^a-z0-9]/g, '')}` : '';
export const TEST_DATABASE_NAME = `hendelseslager_test${SUFFIX}`;
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? `postgres://postgres@127.0.0.1:5432/${TEST_DATABASE_NAME}`;
export const TEST_KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
export const TEST_REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7';
/** Prefix of every test namespace of this run; global setup deletes everything under it. */
export const TEST_NAMESPACE_BASE = `hltest${SUFFIX.replace('_', '-')}`;

/**
 * Each test file gets its own topic namespace, so a hub started by one file consumes only that
 * file's topics: files do not inherit each other's backlog, offsets or deliberately broken state.
 */
export const TEST_NAMESPACE = (() => {
  const testPath = (globalThis as { expect?: { getState(): { testPath?: string } } }).expect?.getState().testPath;
  if (!testPath) return TEST_NAMESPACE_BASE;
  return `${TEST_NAMESPACE_BASE}-${createHash('sha1').update(relative(resolve(__dirname, '../..'), testPath)).digest('hex').slice(0, 8)}`;
})();

export async function resetTestDatabase(name = TEST_DATABASE_NAME): Promise<void> {
  const admin = new Client({ connectionString: TEST_DATABASE_URL.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
}

/**
 * A database and topic namespace of one test file's own, for tests whose data would change what
 * other files in the same run observe (for example posting the whole corpus, with its
 * cancellations, into the kommuner the corpus conformance test reads).
 */
export async function isolatedTestEnv(name: string): Promise<{ databaseUrl: string; namespace: string }> {
  const database = `${TEST_DATABASE_NAME}_${name}`;
  await resetTestDatabase(database);
  const databaseUrl = TEST_DATABASE_URL.replace(/\/[^/]+$/, `/${database}`);
  await runMigrations(databaseUrl);
  return { databaseUrl, namespace: `${TEST_NAMESPACE}--${name}` };
}

/** Deletes every topic, consumer group and schema subject under the test namespace base. */
export async function resetTestKafka(): Promise<void> {
  const kafka = new Kafka({ clientId: 'hltest-reset', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ours = (name: string) => name.startsWith(`${TEST_NAMESPACE_BASE}.`) || name.startsWith(`${TEST_NAMESPACE_BASE}-`);
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter(ours);
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    const topics = (await admin.listTopics()).filter(ours);
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30000 });
  } finally {
    await admin.disconnect();
  }
  const subjects = (await (await fetch(`${TEST_REGISTRY_URL}/subjects`)).json()) as string[];
  for (const subject of subjects.filter((s) => s.startsWith(`${TEST_NAMESPACE_BASE}.`) || s.startsWith(`${TEST_NAMESPACE_BASE}-`))) {
    await fetch(`${TEST_REGISTRY_URL}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' });
    await fetch(`${TEST_REGISTRY_URL}/subjects/${encodeURIComponent(subject)}?permanent=true`, { method: 'DELETE' });
  }
}
