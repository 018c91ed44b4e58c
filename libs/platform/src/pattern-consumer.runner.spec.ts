import { TopicNames } from '@hub/contracts';
import type { BatchContext, ConsumerOptions, IncomingRecord, KafkaPort, TopicPartitionOffset } from '@hub/kafka';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ConsumerService, PatternConsumerRunner, SharedTopicList } from './pattern-consumer.runner';
import { ProjectionHalts } from './projection-halts';

const TOPICS = new TopicNames();

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

describe('PatternConsumerRunner guarding stored offsets (recovery, #15 item 4)', () => {
  const A = TOPICS.events('0301');
  const B = TOPICS.events('0302');
  const record = (topic: string, offset: number) => ({ topic, partition: 0, offset: String(offset), key: null, value: Buffer.from('x'), headers: {}, timestamp: '0' }) as IncomingRecord;
  const batch = (topic: string, from: number, to: number) =>
    ({ topic, partition: 0, records: Array.from({ length: to - from + 1 }, (_, i) => record(topic, from + i)), heartbeat: async () => undefined, isStale: () => false }) as BatchContext;

  it('leaves a replaced topic out, hands on only records from the stored offset with the topic id, and resumes the topic once its offsets fit again', async () => {
    const ids = new Map([[A, 'id-a'], [B, 'id-b-new']]);
    let stored: TopicPartitionOffset[] = [
      { topic: A, partition: 0, offset: '5', topicId: 'id-a' },
      { topic: B, partition: 0, offset: '40', topicId: 'id-b-old' },
    ];
    const consumers: ConsumerOptions[] = [];
    const kafka = {
      admin: async () => ({
        listTopics: async () => [A, B],
        topicIds: async (topics: string[]) => new Map(topics.filter((t) => ids.has(t)).map((t) => [t, ids.get(t)!])),
        endOffsetsOf: async (topics: string[]) => topics.map((topic) => ({ topic, partition: 0, offset: '10' })),
        disconnect: async () => undefined,
      }),
      consumer: (options: ConsumerOptions) => {
        consumers.push(options);
        return { start: async () => undefined, stop: async () => undefined };
      },
    } as unknown as KafkaPort;
    const handled: Array<{ topic: string; offsets: string[]; topicId?: string }> = [];
    const halts = new ProjectionHalts();
    const runner = new PatternConsumerRunner(
      kafka,
      TOPICS.pattern('events'),
      {
        groupId: 'g',
        fromBeginning: true,
        commitToGroup: true,
        handleBatch: async (b) => {
          handled.push({ topic: b.topic, offsets: b.records.map((r) => r.offset), topicId: b.topicId });
          return b.records.at(-1)?.offset;
        },
      },
      'Test',
      20,
      { projection: 'readmodel', storedOffsets: async (topics) => stored.filter((s) => topics.includes(s.topic)), halts, topics: TOPICS, haltRecheckMs: 10 },
    );
    runner.start();
    try {
      const until = async (check: () => boolean) => {
        for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
        expect(check()).toBe(true);
      };
      await until(() => consumers.length === 1);
      // B's offsets belong to a replaced topic: halted, not subscribed, and never sought.
      expect(consumers[0].topics).toEqual([A]);
      expect(halts.list()).toEqual([expect.objectContaining({ projection: 'readmodel', kommunenummer: '0302', topic: B, problem: 'topic-replaced' })]);
      const options = consumers[0];
      // Before the assignment is checked, nothing is handed on.
      expect(await options.handleBatch(batch(A, 5, 6))).toBeUndefined();
      expect(await options.startOffsets!([{ topic: A, partition: 0 }])).toEqual([{ topic: A, partition: 0, offset: '5' }]);
      // A fetch from before the seek: the records below the stored offset are not taken as read.
      expect(await options.handleBatch(batch(A, 0, 4))).toBeUndefined();
      expect(await options.handleBatch(batch(A, 3, 7))).toBe('7');
      expect(handled).toEqual([{ topic: A, offsets: ['5', '6', '7'], topicId: 'id-a' }]);
      // The operator rebuilt B from its new topic: its offsets carry the new id, the halt clears.
      stored = [...stored.filter((s) => s.topic !== B), { topic: B, partition: 0, offset: '10', topicId: 'id-b-new' }];
      await until(() => consumers.length === 2);
      expect(consumers[1].topics).toEqual([A, B]);
      expect(halts.list()).toEqual([]);
    } finally {
      await runner.stop();
    }
  });

  it('halts a topic replaced under a running consumer: when a batch starts below the expected offset (the client reset), and by the periodic id check', async () => {
    const ids = new Map([[A, 'id-a'], [B, 'id-b']]);
    const consumers: ConsumerOptions[] = [];
    const kafka = {
      admin: async () => ({
        listTopics: async () => [A, B],
        topicIds: async (topics: string[]) => new Map(topics.map((t) => [t, ids.get(t)!])),
        endOffsetsOf: async (topics: string[]) => topics.map((topic) => ({ topic, partition: 0, offset: ids.get(topic)!.endsWith('new') ? '2' : '10' })),
        disconnect: async () => undefined,
      }),
      consumer: (options: ConsumerOptions) => {
        consumers.push(options);
        return { start: async () => undefined, stop: async () => undefined };
      },
    } as unknown as KafkaPort;
    const handled: string[][] = [];
    const halts = new ProjectionHalts();
    const runner = new PatternConsumerRunner(
      kafka,
      TOPICS.pattern('events'),
      { groupId: 'g', fromBeginning: true, commitToGroup: true, handleBatch: async (b) => (handled.push(b.records.map((r) => r.offset)), b.records.at(-1)?.offset) },
      'Test',
      20,
      {
        projection: 'readmodel',
        storedOffsets: async (topics) => topics.map((topic) => ({ topic, partition: 0, offset: '8', topicId: topic === A ? 'id-a' : 'id-b' })),
        halts,
        topics: TOPICS,
        topicIdCheckMs: 50,
      },
    );
    runner.start();
    try {
      const until = async (check: () => boolean) => {
        for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
        expect(check()).toBe(true);
      };
      await until(() => consumers.length === 1);
      expect(await consumers[0].startOffsets!([{ topic: A, partition: 0 }, { topic: B, partition: 0 }])).toHaveLength(2);
      // A is replaced; the client resets to its start: nothing is handed on, A is halted.
      ids.set(A, 'id-a-new');
      expect(await consumers[0].handleBatch(batch(A, 0, 1))).toBeUndefined();
      expect(handled).toEqual([]);
      expect(halts.list().map((h) => [h.topic, h.problem])).toEqual([[A, 'topic-replaced']]);
      await until(() => consumers.length >= 2);
      expect(consumers.at(-1)!.topics).toEqual([B]);
      // B is replaced without any batch telling: the periodic id check halts it.
      expect(await consumers.at(-1)!.startOffsets!([{ topic: B, partition: 0 }])).toEqual([{ topic: B, partition: 0, offset: '8' }]);
      ids.set(B, 'id-b-new');
      await until(() => halts.list().length === 2);
      expect(halts.list().find((h) => h.topic === B)).toMatchObject({ problem: 'topic-replaced', partitions: [{ partition: 0, storedOffset: '8', storedTopicId: 'id-b', topicId: 'id-b-new' }] });
    } finally {
      await runner.stop();
    }
  });

  it('halts a topic whose stored offset lies past its log end when its partitions are assigned', async () => {
    const consumers: ConsumerOptions[] = [];
    let end = '50';
    const kafka = {
      admin: async () => ({
        listTopics: async () => [A],
        topicIds: async () => new Map([[A, 'id-a']]),
        endOffsetsOf: async (topics: string[]) => topics.map((topic) => ({ topic, partition: 0, offset: end })),
        disconnect: async () => undefined,
      }),
      consumer: (options: ConsumerOptions) => {
        consumers.push(options);
        return { start: async () => undefined, stop: async () => undefined };
      },
    } as unknown as KafkaPort;
    const halts = new ProjectionHalts();
    const runner = new PatternConsumerRunner(kafka, TOPICS.pattern('events'), { groupId: 'g', fromBeginning: true, commitToGroup: true, handleBatch: async () => '0' }, 'Test', 60000, {
      projection: 'raw-archive',
      storedOffsets: async () => [{ topic: A, partition: 0, offset: '40', topicId: 'id-a' }],
      halts,
      topics: TOPICS,
    });
    runner.start();
    try {
      for (let i = 0; i < 100 && consumers.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      // Between the check before subscribing and the assignment, the log lost records (an unclean election).
      end = '30';
      expect(await consumers[0].startOffsets!([{ topic: A, partition: 0 }])).toEqual([]);
      expect(halts.list()).toEqual([
        expect.objectContaining({ topic: A, problem: 'beyond-log-end', partitions: [{ partition: 0, storedOffset: '40', storedTopicId: 'id-a', topicId: 'id-a' }] }),
      ]);
      expect(await consumers[0].handleBatch(batch(A, 30, 31))).toBeUndefined();
    } finally {
      await runner.stop();
    }
  });
});

describe('PatternConsumerRunner reading a replaced topic again (idempotent consumers)', () => {
  const A = TOPICS.raw('0301');
  const record = (topic: string, offset: number) => ({ topic, partition: 0, offset: String(offset), key: null, value: Buffer.from('x'), headers: {}, timestamp: '0' }) as IncomingRecord;
  const batch = (topic: string, from: number, to: number) =>
    ({ topic, partition: 0, records: Array.from({ length: to - from + 1 }, (_, i) => record(topic, from + i)), heartbeat: async () => undefined, isStale: () => false }) as BatchContext;
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(check()).toBe(true);
  };
  const fakeKafka = (ids: Map<string, string>, consumers: ConsumerOptions[], low = '0') =>
    ({
      admin: async () => ({
        listTopics: async () => [...ids.keys()],
        topicIds: async (topics: string[]) => new Map(topics.filter((t) => ids.has(t)).map((t) => [t, ids.get(t)!])),
        endOffsetsOf: async (topics: string[]) => topics.map((topic) => ({ topic, partition: 0, offset: '10' })),
        offsetsForTime: async (topic: string) => [{ topic, partition: 0, offset: low }],
        disconnect: async () => undefined,
      }),
      consumer: (options: ConsumerOptions) => {
        consumers.push(options);
        return { start: async () => undefined, stop: async () => undefined };
      },
    }) as unknown as KafkaPort;

  it('without a guard (the normalizer): a topic whose id changed is sought to its start, and a batch from the old position is not handed on', async () => {
    const ids = new Map([[A, 'id-a']]);
    const consumers: ConsumerOptions[] = [];
    const handled: string[][] = [];
    const runner = new PatternConsumerRunner(
      fakeKafka(ids, consumers, '2'),
      TOPICS.pattern('raw'),
      { groupId: 'g', fromBeginning: true, commitToGroup: true, handleBatch: async (b) => (handled.push(b.records.map((r) => r.offset)), b.records.at(-1)?.offset) },
      'Test',
      20,
      undefined,
      { topicIdCheckMs: 50 },
    );
    runner.start();
    try {
      await until(() => consumers.length === 1);
      // Nothing replaced yet: the committed offsets stand, nothing is sought, batches pass.
      expect(await consumers[0].startOffsets!([{ topic: A, partition: 0 }])).toEqual([]);
      expect(await consumers[0].handleBatch(batch(A, 7, 8))).toBe('8');
      // The topic is deleted and created again while consumed: the periodic check restarts the consumer.
      ids.set(A, 'id-a-new');
      await until(() => consumers.length === 2);
      expect(await consumers[1].startOffsets!([{ topic: A, partition: 0 }])).toEqual([{ topic: A, partition: 0, offset: '2' }]);
      // A fetch from the old position, before the seek took effect: left for the seek.
      expect(await consumers[1].handleBatch(batch(A, 9, 10))).toBeUndefined();
      expect(await consumers[1].handleBatch(batch(A, 2, 4))).toBe('4');
      expect(await consumers[1].handleBatch(batch(A, 5, 6))).toBe('6');
      expect(handled).toEqual([['7', '8'], ['2', '3', '4'], ['5', '6']]);
      // Read once from the start: a later restart does not seek again.
      await new Promise((r) => setTimeout(r, 120));
      expect(consumers).toHaveLength(2);
    } finally {
      await runner.stop();
    }
  });

  it('with a guard that reads again (the notifier): offsets of a replaced topic are set back to its start instead of halting it', async () => {
    const E = TOPICS.events('0301');
    const ids = new Map([[E, 'id-e-new']]);
    let stored: TopicPartitionOffset[] = [{ topic: E, partition: 0, offset: '40', topicId: 'id-e-old' }];
    const readAgain: Array<[string, string, number[]]> = [];
    const consumers: ConsumerOptions[] = [];
    const halts = new ProjectionHalts();
    const handled: string[][] = [];
    const runner = new PatternConsumerRunner(
      fakeKafka(ids, consumers),
      TOPICS.pattern('events'),
      { groupId: 'g', fromBeginning: true, commitToGroup: true, handleBatch: async (b) => (handled.push(b.records.map((r) => r.offset)), b.records.at(-1)?.offset) },
      'Test',
      20,
      {
        projection: 'notifier',
        storedOffsets: async (topics) => stored.filter((s) => topics.includes(s.topic)),
        halts,
        topics: TOPICS,
        topicIdCheckMs: 50,
        readAgain: async (topic, topicId, partitions) => {
          readAgain.push([topic, topicId, partitions]);
          stored = partitions.map((partition) => ({ topic, partition, offset: '0', topicId }));
        },
      },
    );
    runner.start();
    try {
      await until(() => consumers.length === 1);
      expect(consumers[0].topics).toEqual([E]);
      expect(readAgain).toEqual([[E, 'id-e-new', [0]]]);
      expect(halts.list()).toEqual([]);
      expect(await consumers[0].startOffsets!([{ topic: E, partition: 0 }])).toEqual([{ topic: E, partition: 0, offset: '0' }]);
      expect(await consumers[0].handleBatch(batch(E, 0, 1))).toBe('1');
      // Replaced again under the running consumer: no halt, the consumer starts over on the new topic.
      ids.set(E, 'id-e-newer');
      await until(() => consumers.length === 2);
      expect(readAgain.at(-1)).toEqual([E, 'id-e-newer', [0]]);
      expect(halts.list()).toEqual([]);
      expect(await consumers[1].startOffsets!([{ topic: E, partition: 0 }])).toEqual([{ topic: E, partition: 0, offset: '0' }]);
      expect(handled).toEqual([['0', '1']]);
    } finally {
      await runner.stop();
    }
  });
});

describe('PatternConsumerRunner and topics this process provisions', () => {
  it('takes a new topic at once when the list is told it changed, without waiting for its poll', async () => {
    const topics = [TOPICS.events('0301')];
    const consumers: ConsumerOptions[] = [];
    const kafka = {
      admin: async () => ({ listTopics: async () => [...topics], disconnect: async () => undefined }),
      consumer: (options: ConsumerOptions) => {
        consumers.push(options);
        return { start: async () => undefined, stop: async () => undefined };
      },
    } as unknown as KafkaPort;
    const list = SharedTopicList.of(kafka);
    list.pollMs = 3_600_000;
    const runner = new PatternConsumerRunner(kafka, TOPICS.pattern('events'), { groupId: 'g', fromBeginning: true, commitToGroup: true, handleBatch: async () => undefined }, 'Test');
    runner.start();
    try {
      for (let i = 0; i < 100 && consumers.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(consumers.map((c) => c.topics)).toEqual([[TOPICS.events('0301')]]);
      topics.push(TOPICS.events('4601'));
      await new Promise((r) => setTimeout(r, 50));
      // The poll is an hour away: nothing yet.
      expect(consumers).toHaveLength(1);
      list.changed();
      for (let i = 0; i < 100 && consumers.length === 1; i++) await new Promise((r) => setTimeout(r, 10));
      expect(consumers.map((c) => c.topics)).toEqual([[TOPICS.events('0301')], [TOPICS.events('0301'), TOPICS.events('4601')]]);
    } finally {
      await runner.stop();
    }
    // A stopped runner no longer listens.
    topics.push(TOPICS.events('5001'));
    list.changed();
    await new Promise((r) => setTimeout(r, 50));
    expect(consumers).toHaveLength(2);
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

describe('ConsumerService on shutdown', () => {
  /** A runner whose stop takes until released, recording when each stop begins and ends. */
  const slowRunner = (name: string, events: string[], release: Promise<void>) =>
    ({
      start: () => undefined,
      stop: async () => {
        events.push(`stop ${name}`);
        await release;
        events.push(`stopped ${name}`);
      },
    }) as unknown as PatternConsumerRunner;

  it('begins every consumer stop before waiting for any (they wait for their fetch in flight), and stops each once', async () => {
    const events: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const runnerA = slowRunner('A', events, released);
    const runnerB = slowRunner('B', events, released);
    @Injectable()
    class ServiceA extends ConsumerService {
      protected readonly runner = runnerA;
    }
    @Injectable()
    class ServiceB extends ConsumerService {
      protected readonly runner = runnerB;
    }
    // Each in its own module: Nest awaits the shutdown hooks of one module after the other.
    @Module({ providers: [ServiceA] })
    class ModuleA {}
    @Module({ providers: [ServiceB] })
    class ModuleB {}
    const app = (await Test.createTestingModule({ imports: [ModuleA, ModuleB] }).compile()).createNestApplication();
    await app.init();
    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Both stops under way while neither has finished: one fetch wait in all, not one per consumer.
    expect(events.sort()).toEqual(['stop A', 'stop B']);
    release();
    await closing;
    expect(events.sort()).toEqual(['stop A', 'stop B', 'stopped A', 'stopped B']);
  });
});
