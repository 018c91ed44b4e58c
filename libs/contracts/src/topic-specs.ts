import type { TopicSpec } from '@hub/kafka';
import type { TopicNames } from './topics.constant';

/**
 * Topic settings for a kommune. Health records are kept for many years, so nothing expires by
 * default (KAFKA_TOPIC_RETENTION_MS=-1); raw, event, dead-letter and conflict topics take messages up to 25 MB (the intake limit is 20 MB).
 * `partitions` is the kommune's own count from the directory, else KAFKA_TOPIC_PARTITIONS.
 * Replication factor and min.insync.replicas come from configuration (KAFKA_REPLICATION_FACTOR,
 * KAFKA_MIN_INSYNC_REPLICAS): 3 and 2 on a three-broker cluster, so one broker may be lost.
 */
export function kommuneTopicSpecs(
  topics: TopicNames,
  kommunenummer: string,
  config: { kafka: { partitions: number; replicationFactor: number; minInsyncReplicas?: number; retentionMs?: number } },
  partitions: number = config.kafka.partitions,
): TopicSpec[] {
  const base = {
    partitions,
    replicationFactor: config.kafka.replicationFactor,
  };
  const keepForever = {
    'retention.ms': String(config.kafka.retentionMs ?? -1),
    'retention.bytes': '-1',
    'min.insync.replicas': String(config.kafka.minInsyncReplicas ?? Math.min(2, config.kafka.replicationFactor)),
  };
  const large = { 'max.message.bytes': String(25 * 1024 * 1024) };
  return [
    { topic: topics.raw(kommunenummer), ...base, config: { ...keepForever, ...large } },
    { topic: topics.events(kommunenummer), ...base, config: { ...keepForever, ...large } },
    { topic: topics.deadletter(kommunenummer), ...base, config: { ...keepForever, ...large } },
    { topic: topics.audit(kommunenummer), ...base, config: keepForever },
    { topic: topics.conflicts(kommunenummer), ...base, config: { ...keepForever, ...large } },
  ];
}

