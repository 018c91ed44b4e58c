import { TopicNames } from '@hub/contracts';
import type { ConsumerOptions, KafkaPort } from '@hub/kafka';
import type { HubMetrics } from '@hub/observability';
import type { AuditLogRepository } from '@hub/persistence';
import type { DeadLetterWriter } from '@hub/platform';
import { AUDIT_FETCH_MIN_BYTES, AuditProjectorService } from './audit-projector.service';

describe('AuditProjectorService consumer', () => {
  it('waits for AUDIT_FETCH_MIN_BYTES per fetch on every kommune audit topic, in the projector group, resuming from stored offsets', async () => {
    jest.useFakeTimers();
    const topics = new TopicNames();
    const consumers: ConsumerOptions[] = [];
    const kafka = {
      admin: async () => ({
        listTopics: async () => [topics.audit('0301'), topics.events('0301'), topics.audit('4601')],
        // The stored offsets are checked against the topics before subscribing (none stored here).
        topicIds: async (names: string[]) => new Map(names.map((t) => [t, `id-${t}`])),
        endOffsetsOf: async (names: string[]) => names.map((topic) => ({ topic, partition: 0, offset: '0' })),
        disconnect: async () => undefined,
      }),
      consumer: (options: ConsumerOptions) => {
        consumers.push(options);
        return { start: async () => undefined, stop: async () => undefined };
      },
    } as unknown as KafkaPort;
    const service = new AuditProjectorService(kafka, {} as DeadLetterWriter, {} as HubMetrics, { offsets: async () => [] } as unknown as AuditLogRepository, topics);
    try {
      service.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(10);
      expect(consumers).toHaveLength(1);
      const [options] = consumers;
      // One read adds one audit event, and each batch pays a fetch round and a transaction.
      expect(options.fetchMinBytes).toBe(AUDIT_FETCH_MIN_BYTES);
      expect(options.groupId).toBe(topics.projectorGroup('audit'));
      expect([...(options.topics as string[])].sort()).toEqual([topics.audit('0301'), topics.audit('4601')]);
      expect(options.startOffsets).toBeDefined();
    } finally {
      await service.onApplicationShutdown();
      jest.useRealTimers();
    }
  });
});
