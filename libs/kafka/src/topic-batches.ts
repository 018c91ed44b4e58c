import type { TopicSpec } from './kafka.port';

/**
 * The most metadata records one CreateTopics request may make a KRaft controller write
 * (QuorumController.MAX_RECORDS_PER_USER_OP): Kafka refuses a larger request whole, and a client
 * that retries the same request then retries it forever (issue #15).
 */
export const KRAFT_MAX_RECORDS_PER_REQUEST = 10000;

/**
 * What creating a topic costs the controller in metadata records: one TopicRecord, one
 * PartitionRecord per partition and one ConfigRecord per topic config entry.
 */
export function createTopicRecords(spec: TopicSpec): number {
  return 1 + spec.partitions + Object.keys(spec.config ?? {}).length;
}

/**
 * Splits groups of topics (a kommune's topics are one group, created in the same request so a
 * kommune is provisioned whole or not at all) into requests of at most `maxRecords` records each,
 * in their given order. A group larger than `maxRecords` alone is its own request: Kafka decides.
 */
export function batchTopicGroups<G extends { specs: TopicSpec[] }>(groups: G[], maxRecords: number): G[][] {
  if (!(maxRecords >= 1)) throw new RangeError(`maxRecords must be at least 1 (got ${maxRecords})`);
  const batches: G[][] = [];
  let current: G[] = [];
  let records = 0;
  for (const group of groups) {
    const cost = group.specs.reduce((n, s) => n + createTopicRecords(s), 0);
    if (current.length > 0 && records + cost > maxRecords) {
      batches.push(current);
      current = [];
      records = 0;
    }
    current.push(group);
    records += cost;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
