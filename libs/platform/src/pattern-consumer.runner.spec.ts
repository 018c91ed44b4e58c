import type { BatchContext, ConsumerOptions, KafkaPort } from '@hub/kafka';
import { PatternConsumerRunner, SharedTopicList } from './pattern-consumer.runner';

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

describe('SharedTopicList', () => {
  it('serves the topic polls of every runner of a process with one admin client, shares a request in flight, and closes the client when the last runner stops', async () => {
    let opened = 0;
    let requests = 0;
    let disconnected = 0;
    const kafka = {
      admin: async () => {
        opened += 1;
        return {
          listTopics: async () => {
            requests += 1;
            await new Promise((r) => setTimeout(r, 5));
            return ['ns.kommune.0301.raw.v1', 'ns.kommune.0301.events.v1'];
          },
          disconnect: async () => {
            disconnected += 1;
          },
        };
      },
    } as unknown as KafkaPort;
    const list = SharedTopicList.of(kafka);
    expect(SharedTopicList.of(kafka)).toBe(list);
    list.acquire();
    list.acquire();

    const [a, b] = await Promise.all([list.topics(), list.topics()]);
    await list.topics();

    expect(a).toEqual(b);
    expect([opened, requests]).toEqual([1, 2]);
    await list.release();
    expect(disconnected).toBe(0);
    await list.release();
    expect(disconnected).toBe(1);
  });

  it('opens a new client after a failed list', async () => {
    let opened = 0;
    const kafka = {
      admin: async () => {
        const n = ++opened;
        return {
          listTopics: async () => {
            if (n === 1) throw new Error('broker gone');
            return ['t'];
          },
          disconnect: async () => undefined,
        };
      },
    } as unknown as KafkaPort;
    const list = SharedTopicList.of(kafka);
    list.acquire();
    await expect(list.topics()).rejects.toThrow('broker gone');
    await expect(list.topics()).resolves.toEqual(['t']);
    expect(opened).toBe(2);
    await list.release();
  });
});
