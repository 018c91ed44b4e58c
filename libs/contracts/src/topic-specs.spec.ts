import { kommuneTopicSpecs } from './topic-specs';
import { TopicNames } from './topics.constant';

const TOPICS = new TopicNames();

describe('kommuneTopicSpecs', () => {
  it('gives every topic of a kommune the configured replication factor and min.insync.replicas', () => {
    const specs = kommuneTopicSpecs(TOPICS, '0301', { kafka: { partitions: 1, replicationFactor: 3, minInsyncReplicas: 2 } });
    // raw, events, dead letters, audit, MsgId conflicts
    expect(specs.map((s) => s.topic.split('.').slice(-2)[0])).toEqual(['raw', 'events', 'deadletter', 'audit', 'conflicts']);
    for (const spec of specs) {
      expect(spec.replicationFactor).toBe(3);
      expect(spec.partitions).toBe(1);
      expect(spec.config?.['min.insync.replicas']).toBe('2');
    }
    const strict = kommuneTopicSpecs(TOPICS, '0301', { kafka: { partitions: 3, replicationFactor: 3, minInsyncReplicas: 3 } });
    expect(strict.map((s) => s.config?.['min.insync.replicas'])).toEqual(['3', '3', '3', '3', '3']);
  });

  it('never asks one replica to wait for a second one that does not exist', () => {
    const specs = kommuneTopicSpecs(TOPICS, '0301', { kafka: { partitions: 3, replicationFactor: 1 } });
    expect(specs.map((s) => s.config?.['min.insync.replicas'])).toEqual(['1', '1', '1', '1', '1']);
  });
});
