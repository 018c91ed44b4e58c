import type { KafkaPort, ProducerPort } from '@hub/kafka';
import { SharedProducer } from './shared-producer.service';

function fakeKafka() {
  const requests: Array<Array<{ topic: string; records: unknown[] }>> = [];
  let release: (() => void) | undefined;
  let failNext = false;
  let connects = 0;
  const producer: ProducerPort = {
    send: async () => undefined,
    sendMany: (batches) =>
      new Promise<void>((resolve, reject) => {
        requests.push(batches);
        if (failNext) {
          failNext = false;
          reject(new Error('broker down'));
          return;
        }
        release = resolve;
      }),
    disconnect: async () => undefined,
  };
  const kafka = { producer: async () => (connects++, producer) } as unknown as KafkaPort;
  return {
    kafka,
    requests,
    release: () => release?.(),
    failNext: () => (failNext = true),
    connects: () => connects,
  };
}

const record = (v: string) => ({ key: v, value: Buffer.from(v) });
const tick = () => new Promise((r) => setImmediate(r));

describe('SharedProducer', () => {
  it('sends callers that arrive while a request is in flight together in the next request', async () => {
    const fake = fakeKafka();
    const producer = new SharedProducer(fake.kafka);
    const first = producer.sendMany([{ topic: 'a', records: [record('1')] }]);
    await tick();
    const second = producer.sendMany([{ topic: 'a', records: [record('2')] }]);
    const third = producer.sendMany([{ topic: 'b', records: [record('3')] }]);
    let secondDone = false;
    void second.then(() => (secondDone = true));
    expect(fake.requests).toHaveLength(1);
    fake.release();
    await first;
    await tick();
    expect(secondDone).toBe(false); // not acknowledged before its own request is
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]).toEqual([
      { topic: 'a', records: [record('2')] },
      { topic: 'b', records: [record('3')] },
    ]);
    fake.release();
    await Promise.all([second, third]);
  });

  it('rejects only the callers of a failed request and reconnects for the next', async () => {
    const fake = fakeKafka();
    const producer = new SharedProducer(fake.kafka);
    fake.failNext();
    await expect(producer.sendMany([{ topic: 'a', records: [record('x')] }])).rejects.toThrow('broker down');
    const retry = producer.sendMany([{ topic: 'a', records: [record('x')] }]);
    await tick();
    fake.release();
    await retry;
    expect(fake.connects()).toBe(2);
  });

  it("isolates failures per caller: a send to a topic that does not exist fails only its own caller (probe finding 1)", async () => {
    const requests: Array<Array<{ topic: string }>> = [];
    let connects = 0;
    // Like Kafka for a topic it does not have: the whole request fails at the metadata step.
    const producer: ProducerPort = {
      send: async () => undefined,
      sendMany: async (batches) => {
        requests.push(batches);
        await tick();
        if (batches.some((b) => b.topic === 'unserved.audit')) throw new Error('This server does not host this topic-partition');
      },
      disconnect: async () => undefined,
    };
    const shared = new SharedProducer({ producer: async () => (connects++, producer) } as unknown as KafkaPort);
    const first = shared.sendMany([{ topic: 'a.audit', records: [record('0')] }]);
    await tick();
    // These three arrive while the first is in flight, so they share the next request.
    const tenantA = shared.sendMany([{ topic: 'a.audit', records: [record('1')] }]);
    const unserved = shared.sendMany([{ topic: 'unserved.audit', records: [record('2')] }]);
    const tenantB = shared.sendMany([{ topic: 'b.audit', records: [record('3')] }]);
    await first;
    const [a, u, b] = await Promise.allSettled([tenantA, unserved, tenantB]);
    expect(u).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringContaining('does not host') }) });
    expect([a.status, b.status]).toEqual(['fulfilled', 'fulfilled']);
    // The merged request failed, then each caller was sent alone; the producer was kept.
    expect(requests.map((r) => r.map((b) => b.topic))).toEqual([['a.audit'], ['a.audit', 'unserved.audit', 'b.audit'], ['a.audit'], ['unserved.audit'], ['b.audit']]);
    expect(connects).toBe(1);
  });

  it('resends the callers of known topics before, not beside, one whose topic is missing: a client may fail every send that overlaps it', async () => {
    const requests: string[][] = [];
    let missingInFlight = 0;
    // Like kafkajs: while a send to a missing topic is asking for metadata, every send asks for it too and fails.
    const producer: ProducerPort = {
      send: async () => undefined,
      sendMany: async (batches) => {
        const topics = batches.map((b) => b.topic);
        requests.push(topics);
        const missing = topics.includes('unserved.audit');
        if (missing) missingInFlight += 1;
        const overlapped = missingInFlight > (missing ? 1 : 0);
        await tick();
        const overlappedLater = missingInFlight > (missing ? 1 : 0);
        if (missing) missingInFlight -= 1;
        if (missing || overlapped || overlappedLater) throw new Error('UNKNOWN_TOPIC_OR_PARTITION');
      },
      disconnect: async () => undefined,
    };
    const shared = new SharedProducer({ producer: async () => producer } as unknown as KafkaPort);
    await shared.sendMany([{ topic: 'a.audit', records: [record('0')] }]);
    await shared.sendMany([{ topic: 'b.audit', records: [record('1')] }]);
    const first = shared.sendMany([{ topic: 'a.audit', records: [record('2')] }]);
    await tick();
    const reads = [
      shared.sendMany([{ topic: 'a.audit', records: [record('3')] }]),
      shared.sendMany([{ topic: 'unserved.audit', records: [record('4')] }]),
      shared.sendMany([{ topic: 'b.audit', records: [record('5')] }]),
      shared.sendMany([{ topic: 'a.audit', records: [record('6')] }]),
    ];
    await first;
    const outcomes = await Promise.allSettled(reads);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(requests.slice(3)).toEqual([['a.audit', 'unserved.audit', 'b.audit'], ['a.audit', 'b.audit'], ['unserved.audit']]);
  });
});
