import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';

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
export const TEST_NAMESPACE = `hltest${SUFFIX.replace('_', '-')}`;

export async function resetTestDatabase(): Promise<void> {
  const admin = new Client({ connectionString: TEST_DATABASE_URL.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEST_DATABASE_NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEST_DATABASE_NAME}`);
  } finally {
    await admin.end();
  }
}

/** Deletes every topic, consumer group and schema subject of the test namespace. */
export async function resetTestKafka(): Promise<void> {
  const kafka = new Kafka({ clientId: 'hltest-reset', brokers: TEST_KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${TEST_NAMESPACE}.`));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${TEST_NAMESPACE}.`));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30000 });
  } finally {
    await admin.disconnect();
  }
  const subjects = (await (await fetch(`${TEST_REGISTRY_URL}/subjects`)).json()) as string[];
  for (const subject of subjects.filter((s) => s.startsWith(`${TEST_NAMESPACE}.`))) {
    await fetch(`${TEST_REGISTRY_URL}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' });
    await fetch(`${TEST_REGISTRY_URL}/subjects/${encodeURIComponent(subject)}?permanent=true`, { method: 'DELETE' });
  }
}
