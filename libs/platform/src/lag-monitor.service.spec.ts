import { TopicNames } from '@hub/contracts';
import type { AdminPort, KafkaPort } from '@hub/kafka';
import { HubMetrics } from '@hub/observability';
import { LagMonitor } from './lag-monitor.service';
import { runningConsumerGroups } from './pattern-consumer.runner';

describe('LagMonitor', () => {
  afterEach(() => runningConsumerGroups.clear());

  function fakeKafka(failOnce = false, deadLetterTopics: string[] = []) {
    let opened = 0;
    let disconnected = 0;
    let groupRequests = 0;
    const endRequests: string[][] = [];
    let fail = failOnce;
    const kafka = {
      admin: async () => {
        opened += 1;
        const admin: Partial<AdminPort> = {
          endOffsetsOf: async (topics) => {
            if (fail) {
              fail = false;
              throw new Error('broker gone');
            }
            endRequests.push(topics);
            return topics.map((topic) => ({ topic, partition: 0, offset: topic.endsWith('.deadletter.v1') ? '2' : '10' }));
          },
          groupOffsets: async (_group, topics) => {
            groupRequests += 1;
            return (Array.isArray(topics) ? topics : [topics]).map((topic) => ({ topic, partition: 0, offset: topic === 't2' ? '7' : '4' }));
          },
          listTopics: async () => deadLetterTopics,
          disconnect: async () => {
            disconnected += 1;
          },
        };
        return admin;
      },
    } as unknown as KafkaPort;
    return { kafka, opened: () => opened, disconnected: () => disconnected, groupRequests: () => groupRequests, endRequests };
  }

  it('measures every round with the same admin client (a new client per round re-reads all topics\' metadata), and closes it at shutdown', async () => {
    const fake = fakeKafka();
    const metrics = new HubMetrics();
    runningConsumerGroups.set('hendelseslager.normalizer', { topics: ['t1', 't2'] });
    const monitor = new LagMonitor(fake.kafka, metrics, { lagMonitorIntervalMs: 10000 }, new TopicNames());

    await monitor.refresh();
    await monitor.refresh();
    await monitor.refresh();

    expect(fake.opened()).toBe(1);
    expect((await metrics.consumerLag.get()).values.map((v) => v.value)).toEqual([6, 3]);
    await monitor.onApplicationShutdown();
    expect(fake.disconnected()).toBe(1);
  });

  it("asks every topic's end offsets in one request a round however many groups consume it, and each group's committed offsets in one request", async () => {
    const topics = new TopicNames();
    const deadLetters = [topics.deadletter('0301'), topics.deadletter('3428')];
    const fake = fakeKafka(false, [...deadLetters, topics.raw('0301')]);
    const metrics = new HubMetrics();
    runningConsumerGroups.set('hendelseslager.normalizer', { topics: ['t1', 't2'] });
    runningConsumerGroups.set('hendelseslager.projector.rawarchive', { topics: ['t1', 't2'] });
    const monitor = new LagMonitor(fake.kafka, metrics, { lagMonitorIntervalMs: 10000 }, new TopicNames());

    await monitor.refresh();

    expect(fake.endRequests).toEqual([['t1', 't2', ...deadLetters]]);
    expect(fake.groupRequests()).toBe(2);
    expect((await metrics.deadLetterTopicRecords.get()).values.map((v) => [v.labels.kommune, v.value])).toEqual([
      ['0301', 2],
      ['3428', 2],
    ]);
    expect((await metrics.consumerLag.get()).values.map((v) => [v.labels.group, v.labels.topic, v.value])).toEqual([
      ['hendelseslager.normalizer', 't1', 6],
      ['hendelseslager.normalizer', 't2', 3],
      ['hendelseslager.projector.rawarchive', 't1', 6],
      ['hendelseslager.projector.rawarchive', 't2', 3],
    ]);
    await monitor.onApplicationShutdown();
  });

  it('drops the client after a failed round and opens a new one for the next', async () => {
    const fake = fakeKafka(true);
    runningConsumerGroups.set('hendelseslager.normalizer', { topics: ['t1'] });
    const monitor = new LagMonitor(fake.kafka, new HubMetrics(), { lagMonitorIntervalMs: 10000 }, new TopicNames());

    await monitor.refresh();
    expect(fake.disconnected()).toBe(1);
    await monitor.refresh();
    expect(fake.opened()).toBe(2);
    await monitor.onApplicationShutdown();
    expect(fake.disconnected()).toBe(2);
  });
});
