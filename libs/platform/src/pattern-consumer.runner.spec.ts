import type { BatchContext, ConsumerOptions, KafkaPort } from '@hub/kafka';
import { PatternConsumerRunner } from './pattern-consumer.runner';

describe('PatternConsumerRunner', () => {
  it('restarts once when the concurrent partition batches of one fetch fail together', async () => {
    jest.useFakeTimers();
    try {
      const consumers: Array<{ options: ConsumerOptions }> = [];
      const kafka = {
        admin: async () => ({ listTopics: async () => ['ns.kommune.0301.events.v1'], disconnect: async () => undefined }),
        consumer: (options: ConsumerOptions) => {
          consumers.push({ options });
          return { start: async () => undefined, stop: async () => undefined };
        },
        producer: async () => {
          throw new Error('not used');
        },
      } as unknown as KafkaPort;
      const runner = new PatternConsumerRunner(kafka, /\.events\.v1$/, { groupId: 'g', fromBeginning: true, commitToGroup: true, handleBatch: async () => { throw new Error('database down'); } }, 'Test', 60000);
      runner.start();
      await jest.advanceTimersByTimeAsync(10);
      expect(consumers).toHaveLength(1);
      const batch = (partition: number) => ({ topic: 'ns.kommune.0301.events.v1', partition, records: [], isStale: () => false }) as unknown as BatchContext;
      const results = await Promise.allSettled([0, 1, 2, 3].map((p) => consumers[0].options.handleBatch(batch(p))));
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      await jest.advanceTimersByTimeAsync(30000);
      expect(consumers).toHaveLength(2);
      await runner.stop();
    } finally {
      jest.useRealTimers();
    }
  });
});
